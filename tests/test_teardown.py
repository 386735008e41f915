"""Real-AWS safety, checked against the local AWS (which enforces ETags and disable-before-delete):
teardown leaves nothing of a run, can run twice, resumes after a run interrupted at any step,
finds a run's resources without the saved state, and aws mode creates nothing without an opt-in.

The module has a local AWS of its own (its own CFTUTORIAL_HOME, free ports, stopped at the end):
teardown finds a run by reading the tags of every bucket, so on the session's shared local AWS
its time grew with every bucket earlier tests left behind."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import builders
import chains
import command_line
import nbformat
import pytest

from cftutorial.aws import clients, tags
from cftutorial.localaws import process
from cftutorial.run import resources
from cftutorial.tutorial import cleanup, state

ROOT = Path(__file__).resolve().parent.parent


#: How long this module's local AWS keeps a changed distribution InProgress: short, so a teardown
#: still disables, waits for Deployed and deletes, without the session's wait on every run it
#: builds (test_cleanup.py tears runs down on the session's local AWS).
DEPLOY_SECONDS = "0.2"


@pytest.fixture(scope="module")
def local_aws(
    isolated_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[process.LocalAWSStatus]:
    """A fresh local AWS for this module only (overrides the session one of conftest.py)."""
    with chains.own_local_aws(tmp_path_factory.mktemp("teardown-home"), DEPLOY_SECONDS) as started:
        yield started


#: what a run has made once each notebook ran: the notebook that makes it
STEPS = {
    "bucket": "01",
    "origin access": "02",
    "permissions": "03",
    "distribution": "04",
    "keys": "06",
}


def create(run_name: str, approach: str = "modern", upto: str = "keys") -> None:
    builders.run(run_name, STEPS[upto], approach=approach)


def teardown(*args: str) -> subprocess.CompletedProcess:
    """``cftutorial teardown ARGS`` as a shell without a terminal runs it (in this process)."""
    return command_line.cftutorial("teardown", *args)


def leftovers(run_name: str) -> list[str]:
    """Everything of the run that boto3 can still list, found independently of cleanup.plan."""
    cf, s3 = clients.client("cloudfront"), clients.client("s3")
    marker = f"cftutorial-{run_name}"
    found = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(marker)]
    found += [
        b["Name"]
        for b in s3.list_buckets()["Buckets"]
        if tags.bucket_run(b["Name"], s3) == run_name
    ]
    dists = cf.list_distributions()["DistributionList"].get("Items", [])
    found += [d["Id"] for d in dists if f"cftutorial {run_name}:" in d.get("Comment", "")]
    groups = cf.list_key_groups()["KeyGroupList"].get("Items", [])
    found += [
        g["KeyGroup"]["Id"] for g in groups if marker in g["KeyGroup"]["KeyGroupConfig"]["Name"]
    ]
    pubkeys = cf.list_public_keys()["PublicKeyList"].get("Items", [])
    found += [k["Id"] for k in pubkeys if k["Name"].startswith(marker)]
    oacs = cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    found += [o["Id"] for o in oacs if run_name in o["Name"]]
    oais = cf.list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]
    found += [o["Id"] for o in oais.get("Items", []) if run_name in o.get("Comment", "")]
    return list(dict.fromkeys(found))


def test_teardown_deletes_everything_a_run_created(local_aws):
    create("td-full")
    assert len(leftovers("td-full")) >= 5, "the run did not create what this test expects"
    result = teardown("--run", "td-full", "--yes")
    assert result.returncode == 0, result.stderr
    assert "deleted  distribution" in result.stdout
    assert leftovers("td-full") == []
    assert state.load("td-full") == {}


def test_teardown_twice_is_harmless(local_aws):
    create("td-twice", "guide")
    assert teardown("--run", "td-twice", "--yes").returncode == 0
    second = teardown("--run", "td-twice", "--yes")
    assert second.returncode == 0
    assert "nothing left in the local AWS" in second.stdout
    assert leftovers("td-twice") == []


@pytest.mark.parametrize("upto", list(STEPS))
def test_teardown_after_a_run_interrupted_at_each_step(local_aws, upto):
    run = f"td-stop-{upto.replace(' ', '-')}"
    create(run, "guide" if upto == "permissions" else "modern", upto=upto)
    assert leftovers(run), f"nothing was created up to {upto}"
    assert teardown("--run", run, "--yes").returncode == 0
    assert leftovers(run) == []


def test_teardown_finds_the_run_by_tags_and_names_when_the_state_is_lost(local_aws):
    builders.run("td-lost", "06", bucket_name="custom-name-td-lost")
    state.forget("td-lost")
    assert state.load("td-lost") == {}
    assert tags.bucket_run("custom-name-td-lost", clients.client("s3")) == "td-lost"
    result = teardown("--run", "td-lost", "--yes")
    assert result.returncode == 0, result.stderr
    assert "custom-name-td-lost" in result.stdout
    assert leftovers("td-lost") == []
    names = [b["Name"] for b in clients.client("s3").list_buckets()["Buckets"]]
    assert "custom-name-td-lost" not in names


def test_dry_run_lists_in_deletion_order_and_deletes_nothing(local_aws):
    create("td-dry")
    before = leftovers("td-dry")
    result = teardown("--run", "td-dry", "--dry-run")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    position = {
        what: next(i for i, line in enumerate(lines) if what in line)
        for what in ("distribution", "key group", "public key", "OAC", "bucket")
    }
    assert position["distribution"] < position["key group"] < position["public key"]
    assert position["public key"] < position["OAC"] < position["bucket"]
    assert "nothing was deleted" in result.stdout
    assert leftovers("td-dry") == before
    assert teardown("--run", "td-dry", "--yes").returncode == 0


def test_teardown_without_yes_and_without_a_terminal_refuses(local_aws):
    create("td-ask", upto="bucket")
    result = teardown("--run", "td-ask")
    assert result.returncode == 2
    assert "add --yes" in result.stderr
    assert leftovers("td-ask") == ["cftutorial-td-ask"]
    assert teardown("--run", "td-ask", "--yes").returncode == 0


def test_cleanup_resumes_after_a_failure_half_way(local_aws, monkeypatch):
    create("td-resume")
    real = resources.delete

    def fail_at_buckets(ctx, item):
        if item.what == cleanup.BUCKET:
            raise RuntimeError("network went away")
        return real(ctx, item)

    monkeypatch.setattr(resources, "delete", fail_at_buckets)
    run = state.open_run("td-resume")
    with pytest.raises(RuntimeError):
        cleanup.cleanup(run, progress=False)
    assert state.load("td-resume"), "the state was forgotten although the bucket is left"
    assert next(found.what for found in cleanup.plan(run)) == cleanup.BUCKET
    monkeypatch.setattr(resources, "delete", real)
    cleanup.cleanup(run, progress=False)
    assert leftovers("td-resume") == []


@pytest.mark.slow
def test_headless_aws_run_without_opt_in_stops_in_notebook_01_before_any_network_call(tmp_path):
    import papermill

    env = {
        "CFTUTORIAL_BACKEND": "aws",
        "CFTUTORIAL_HOME": str(tmp_path / "home"),
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        # any HTTP(S) call would go to this dead proxy and fail with a connection error
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    saved = {name: os.environ.get(name) for name in [*env, "CFTUTORIAL_AWS_OPT_IN"]}
    os.environ.update(env)
    os.environ.pop("CFTUTORIAL_AWS_OPT_IN", None)
    out = tmp_path / "01.ipynb"
    chains.counted("teardown", "01-create-bucket-and-upload.ipynb")
    try:
        with pytest.raises(papermill.PapermillExecutionError) as stopped:
            papermill.execute_notebook(
                str(ROOT / "notebooks" / "01-create-bucket-and-upload.ipynb"),
                str(out),
                kernel_name="python3",
                cwd=str(ROOT / "notebooks"),
                progress_bar=False,
            )
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    assert stopped.value.ename == "OptInRequired"
    assert "CFTUTORIAL_AWS_OPT_IN=yes" in stopped.value.evalue
    assert "no AWS call was made" in stopped.value.evalue
    executed = nbformat.read(out, as_version=4)
    text = "".join(str(o) for cell in executed.cells for o in cell.get("outputs", []))
    assert "ProxyError" not in text and "EndpointConnectionError" not in text
    assert not (tmp_path / "home" / "tutorial-state.json").exists(), "a step ran without opt-in"
