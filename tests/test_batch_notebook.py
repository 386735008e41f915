"""The batch notebook (notebooks/batch-sign-urls) as a batch user runs it: headless, with papermill.

The notebook's cells only call ``cftutorial.batch.notebook`` (``plan``, ``sign``, ``report``,
``verified_samples``) and print what they return: :func:`test_the_cells_call_the_batch_steps`
holds that. So the notebook itself is executed where it has something of its own to show:

- with parameters, to the end (papermill injects them; the report and the verified samples are
  its outputs): a text file with bad rows skipped, signed with an ECDSA key;
- with parameters it refuses (SHA-1 with an ECDSA key): one line, no traceback, nothing written;
- with none (the demonstration: the tutorial run's objects, fetched through the edge): the last
  notebook of the modern chain's Run All (tests/chains.py), read here.

The other inputs and options (CSV with a query column and a custom policy, JSONL with one shared
policy, an ``s3://`` prefix, a bad row with ``on_error="stop"``, no parameters and no run) run
those same steps in this process, with the notebook's own parameter defaults, and assert on the
same report lines. Every run starts in a fresh CFTUTORIAL_HOME with no tutorial state.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import chains
import nbformat
import pytest

from cftutorial import batch
from cftutorial.batch import notebook as batch_notebook
from cftutorial.signing import keys, verify
from cftutorial.tutorial import state

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "batch-sign-urls.ipynb"
DOMAIN = "d111111abcdef8.cloudfront.net"
BASE = f"https://{DOMAIN}"
KEY_ID = "K2JCJMDEHXQW5F"
#: What the notebook's cells call, as they call it (the in-process runs below do the same).
STEPS = (
    "plan = batch_notebook.plan(parameters, run_name=run_name, load_run=state.load)",
    "total = batch_notebook.total_rows(options)",
    "result = batch_notebook.sign(options, progress=bar.update)",
    'print(*batch_notebook.report(result), sep="\\n")',
    "samples = batch_notebook.verified_samples(options, result)",
)


@pytest.fixture
def fresh_home(tmp_path, monkeypatch) -> Path:
    """A CFTUTORIAL_HOME with nothing in it: no tutorial run, no local AWS."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CFTUTORIAL_HOME", str(home))
    return home


@pytest.fixture
def key_files(tmp_path) -> keys.KeyPairFiles:
    folder = tmp_path / "keys"
    folder.mkdir()
    return keys.write_key_pair(folder, kind="ecdsa")


def code_cells() -> list[nbformat.NotebookNode]:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def notebook_defaults() -> dict:
    """The parameters cell's values (literal assignments: read, not run)."""
    (cell,) = [c for c in code_cells() if "parameters" in c.metadata.get("tags", [])]
    assignments = ast.parse(cell.source).body
    assert assignments and all(isinstance(a, ast.Assign) for a in assignments), cell.source
    return {a.targets[0].id: ast.literal_eval(a.value) for a in assignments}


def run_notebook(tmp_path: Path, **parameters) -> nbformat.NotebookNode:
    import papermill

    executed = tmp_path / "executed.ipynb"
    chains.counted("batch notebook", NOTEBOOK.name)
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(executed),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOK.parent),
    )
    return nbformat.read(executed, as_version=4)


@dataclass
class Ran:
    """What the notebook's cells show: the run report's lines and the verified samples."""

    plan: batch_notebook.Plan
    report: str
    verified: int  # samples shown with verified=True


def run_steps(**parameters) -> Ran:
    """The notebook's steps in this process, with its defaults for what is not given."""
    given = {**notebook_defaults(), **parameters}
    run_name = given.pop("run_name")
    plan = batch_notebook.plan(given, run_name=run_name, load_run=state.load)
    result = batch_notebook.sign(plan.options)
    samples = batch_notebook.verified_samples(plan.options, result)
    report = "\n".join(batch_notebook.report(result))
    return Ran(plan, report, sum(1 for sample in samples if sample["verified"]))


def signing(key_files: keys.KeyPairFiles, output: Path, **extra) -> dict:
    return {
        "domain": DOMAIN,
        "key_pair_id": KEY_ID,
        "private_key": str(key_files.private_key_path),
        "output": str(output),
        "expires": "2h",
        "workers": 1,
        **extra,
    }


def report_of(notebook: nbformat.NotebookNode) -> str:
    cell = next(c for c in notebook.cells if "batch_notebook.report(result)" in c.source)
    return "".join(output.get("text", "") for output in cell.outputs)


def verified_shown(notebook: nbformat.NotebookNode) -> int:
    samples = next(c for c in notebook.cells if "verified_samples" in c.source)
    return "".join(output.get("text", "") for output in samples.outputs).count("verified=True")


def check_report_matches(text: str, verified: int, output: Path) -> list[dict]:
    """The report's numbers are the output file's: rows, size, expiry; the samples verified."""
    rows = list(batch.read_results(output))
    assert re.search(rf"^rows signed:\s+{len(rows):,}$", text, re.M), text
    assert f"output file:   {output} ({output.stat().st_size:,} bytes)" in text
    expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(rows[0]["expires"]))
    assert f"expires (UTC): {expiry}" in text
    assert re.search(r"^throughput:\s+[\d,]+ URLs/s", text, re.M)
    assert verified == min(3, len(rows)), verified
    return rows


def trusted(key_files: keys.KeyPairFiles) -> dict:
    return {KEY_ID: keys.load_public_key(key_files.public_key_path)}


def test_the_cells_call_the_batch_steps() -> None:
    """The in-process runs below call what the notebook's cells call, with its parameters."""
    sources = "\n".join(cell.source for cell in code_cells())
    for step in STEPS:
        assert step in sources, f"the notebook no longer calls {step!r}"
    defaults = notebook_defaults()
    assert defaults["run_name"] == "default" and defaults["on_error"] == "stop"
    for name in set(defaults) - {"run_name"}:  # the cell's dict(...) passes each one on
        assert re.search(rf"\b{name}={name},", sources), name
    built = inspect.signature(batch_notebook.BatchOptions.build).parameters
    assert set(defaults) - {"run_name"} <= set(built), sorted(set(defaults) - set(built))


@pytest.mark.slow
def test_text_file_canned_with_skip_lists_the_bad_rows_in_the_report(
    tmp_path, fresh_home, key_files
) -> None:
    """papermill with parameters, to the end: the report and the samples are the outputs. No
    hash_algorithm: the key's (SHA-256 for this ECDSA key), as ``cftutorial sign`` does."""
    source = tmp_path / "keys.txt"
    source.write_text("course/a.mp4\n\ncourse/week 1/vidéo.mp4\n/lead.mp4\ncourse/b.mp4\n")
    output = tmp_path / "signed.csv"
    notebook = run_notebook(
        tmp_path, objects=str(source), on_error="skip", **signing(key_files, output)
    )
    rows = check_report_matches(report_of(notebook), verified_shown(notebook), output)
    assert [row["key"] for row in rows] == [
        "course/a.mp4",
        "course/week 1/vidéo.mp4",
        "course/b.mp4",
    ]
    text = report_of(notebook)
    assert re.search(r"^rows skipped:\s+2$", text, re.M)
    assert "skipped line 2: empty object key" in text
    assert "skipped line 4: object key '/lead.mp4' starts with '/'" in text
    assert all(r["url"].endswith("&Hash-Algorithm=SHA256") for r in rows)
    assert all(verify.verify(r["url"], trusted_keys=trusted(key_files)).allowed for r in rows)
    assert not (fresh_home / "state.json").exists(), "the notebook wrote tutorial state"


def test_csv_with_a_query_column_and_a_custom_policy(tmp_path, fresh_home, key_files) -> None:
    source = tmp_path / "keys.csv"
    source.write_text("key,query\na.mp4,lang=en\nb c.mp4,\n")
    output = tmp_path / "signed.jsonl"
    ran = run_steps(
        objects=str(source),
        **signing(key_files, output, ip_address="192.0.2.0/24", starts="-1m"),
    )
    rows = check_report_matches(ran.report, ran.verified, output)
    assert rows[0]["url"].startswith(f"{BASE}/a.mp4?lang=en&Policy=")
    inside = verify.verify(rows[1]["url"], trusted_keys=trusted(key_files), viewer_ip="192.0.2.9")
    outside = verify.verify(rows[1]["url"], trusted_keys=trusted(key_files), viewer_ip="10.0.0.1")
    assert inside.allowed and inside.policy_kind == "custom" and not outside.allowed
    assert "policy:        custom" in ran.report


def test_jsonl_with_one_shared_policy(tmp_path, fresh_home, key_files) -> None:
    source = tmp_path / "keys.jsonl"
    source.write_text("".join(json.dumps({"key": f"course/{i}.ts"}) + "\n" for i in range(50)))
    output = tmp_path / "signed.csv"
    ran = run_steps(
        objects=str(source),
        **signing(key_files, output, policy="shared", policy_resource=f"{BASE}/course/*"),
    )
    rows = check_report_matches(ran.report, ran.verified, output)
    assert len(rows) == 50 and "policy:        shared" in ran.report
    assert len({row["url"].partition("?")[2] for row in rows}) == 1
    other = f"{BASE}/course/other.mp4?{rows[0]['url'].partition('?')[2]}"
    assert verify.verify(other, trusted_keys=trusted(key_files)).allowed


@pytest.mark.localaws
def test_s3_prefix_listed_in_the_local_aws(tmp_path, local_aws, key_files) -> None:
    """The session's local AWS (one per session: its ports are fixed); no tutorial run is used."""
    from cftutorial.aws import clients

    s3 = clients.client("s3")
    s3.create_bucket(Bucket="cftutorial-batch-notebook")
    names = [f"course/{i:03d} vidéo.mp4" for i in range(20)]
    for key in [*names, "course/", "other/x.mp4"]:
        s3.put_object(Bucket="cftutorial-batch-notebook", Key=key, Body=b"x")
    output = tmp_path / "signed.csv"
    ran = run_steps(
        objects="s3://cftutorial-batch-notebook/course/",
        run_name="no-such-run",
        **signing(key_files, output, hash_algorithm="SHA256"),
    )
    rows = check_report_matches(ran.report, ran.verified, output)
    assert sorted(row["key"] for row in rows) == names
    assert all(row["url"].endswith("&Hash-Algorithm=SHA256") for row in rows)


def test_a_bad_row_with_stop_fails_clearly_and_writes_nothing(
    tmp_path, fresh_home, key_files
) -> None:
    source = tmp_path / "keys.txt"
    source.write_text("a.mp4\nb\x07.mp4\n")
    output = tmp_path / "signed.csv"
    with pytest.raises(batch_notebook.NotebookStop) as caught:
        run_steps(objects=str(source), **signing(key_files, output))
    assert str(caught.value).startswith("line 2: object key")
    assert not output.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


@pytest.mark.slow
def test_an_ecdsa_key_refuses_sha1_as_cftutorial_sign_does_in_one_line(
    tmp_path, fresh_home, key_files
) -> None:
    """papermill with parameters it refuses: the notebook stops with one line (the message and
    the %tb hint, no traceback) and writes nothing."""
    import papermill

    source = tmp_path / "keys.txt"
    source.write_text("a.mp4\nb.mp4\n")
    refused = tmp_path / "refused.csv"
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        run_notebook(
            tmp_path, objects=str(source), **signing(key_files, refused, hash_algorithm="SHA1")
        )
    error = caught.value
    assert error.ename == "NotebookStop"
    assert error.evalue == (
        "hash_algorithm SHA1 cannot be used with an ECDSA key (the AWS CLI v2 refuses it and AWS "
        "documents no ECDSA + SHA-1); leave hash_algorithm out or use SHA256"
    )
    assert not refused.exists()
    notebook = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    (shown,) = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in shown.traceback]
    assert lines[0] == f"NotebookStop: {error.evalue}", "a traceback was shown"
    assert len(lines) == 2 and "%tb" in lines[1] and "Traceback" not in "".join(lines)


def test_no_parameters_and_no_run_says_which_parameters_to_pass(tmp_path, fresh_home) -> None:
    with pytest.raises(batch_notebook.NotebookStop) as caught:
        run_steps()
    said = str(caught.value)
    assert said.startswith("nothing to sign: pass objects, domain, key_pair_id, private_key")
    assert "-p objects keys.txt" in said


def test_with_no_parameters_a_tutorial_run_is_signed_and_fetched_through_the_edge(
    modern_chain,
) -> None:
    """The demonstration, as the modern chain's Run All ran it after 01-12 with no parameters:
    that run's sample objects, signed and fetched through the local edge. (The output file is
    read where the notebook wrote it, ``$CFTUTORIAL_HOME/batch``, copied when it had run.)"""
    notebook = modern_chain["batch"].notebook
    written = modern_chain.probes["batch output"]
    shown = modern_chain.home / "batch" / "default-signed-urls.csv"
    report = report_of(notebook)
    assert f"output file:   {shown} (" in report
    output = written / shown.name
    assert f"output file:   {shown} ({output.stat().st_size:,} bytes)" in report
    rows = list(batch.read_results(output))
    assert re.search(rf"^rows signed:\s+{len(rows):,}$", report, re.M), report
    expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(rows[0]["expires"]))
    assert f"expires (UTC): {expiry}" in report
    assert re.search(r"^throughput:\s+[\d,]+ URLs/s", report, re.M)
    assert sorted(row["key"] for row in rows) == modern_chain.probes["run objects"]
    assert list(batch.read_results(output.with_suffix(".jsonl"))) == rows
    samples = next(c for c in notebook.cells if "verified_samples" in c.source)
    shown_samples = "".join(output.get("text", "") for output in samples.outputs)
    assert shown_samples.count("verified=True") == 3, shown_samples
    assert shown_samples.count("edge=200") == 3, shown_samples
