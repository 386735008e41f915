"""Notebook 07's batch section run headless with papermill, as a course author would run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cftutorial import batch, config
from cftutorial.aws import clients
from cftutorial.signing import keys, verify
from cftutorial.tutorial import state, viewer
from cftutorial.tutorial import step01_bucket as step01
from cftutorial.tutorial import step02_origin_access as step02
from cftutorial.tutorial import step03_who_may_read as step03
from cftutorial.tutorial import step04_distribution as step04
from cftutorial.tutorial import step06_signing_keys as step06

pytestmark = [pytest.mark.slow, pytest.mark.localaws]

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07-signed-urls-and-cookies.ipynb"
RUN = "batchnb"
PREFIX = "course-batch/"
COUNT = 300


@pytest.fixture(scope="module")
def tutorial_run(local_aws) -> dict:
    """Steps 01-06 for one run (what notebooks 01-06 do), plus a few hundred course objects."""

    step01.step(run_name=RUN)
    step02.step(run_name=RUN)
    step03.step(run_name=RUN, show_acl_failure=False)
    step04.step(run_name=RUN, progress=False)
    step06.step(run_name=RUN, progress=False)
    name = state.require(RUN, "bucket")
    s3 = clients.client("s3")
    names = [
        f"{PREFIX}week {i % 12:02d}/vidéo-{i:04d}.txt" if i % 10 == 0 else f"{PREFIX}v-{i:04d}.txt"
        for i in range(COUNT)
    ]
    for key in names:
        s3.put_object(Bucket=name, Key=key, Body=key.encode())
    return {"bucket": name, "keys": names, "signing_key": state.require(RUN, "signing_key")}


def run_notebook(tmp_path: Path, **parameters) -> Path:
    import papermill

    executed = tmp_path / "07-executed.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(executed),
        parameters={"run_name": RUN, **parameters},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOK.parent),
    )
    return executed


def test_papermill_batch_run_signs_every_object_and_the_edge_serves_them(
    tmp_path, tutorial_run
) -> None:
    csv_out = tmp_path / "signed.csv"
    jsonl_out = tmp_path / "signed.jsonl"
    run_notebook(
        tmp_path,
        batch_objects=f"s3://{tutorial_run['bucket']}/{PREFIX}",
        batch_expires="2h",
        batch_output=[str(csv_out), str(jsonl_out)],
    )
    rows = list(batch.read_results(csv_out))
    assert sorted(row["key"] for row in rows) == sorted(tutorial_run["keys"])
    assert list(batch.read_results(jsonl_out)) == rows

    signing = tutorial_run["signing_key"]
    trusted = {signing["key_pair_id"]: keys.load_public_key(signing["public_key_path"])}
    for row in rows:
        verdict = verify.verify(row["url"], trusted_keys=trusted, viewer_ip="127.0.0.1")
        assert verdict.allowed, (row["key"], verdict.reason)

    sample = [*rows[:3], *(row for row in rows if "vidéo" in row["key"])][:6]
    assert any("%C3%A9" in row["url"] and "%20" in row["url"] for row in sample)
    for row in sample:
        response = viewer.fetch(row["url"])
        assert response.status_code == 200, (row["key"], response.text[:300])
        assert response.content == row["key"].encode()

    signed, _, rest = rows[0]["url"].partition("Signature=")
    tampered = f"{signed}Signature={'B' if rest[0] != 'B' else 'C'}{rest[1:]}"
    assert viewer.fetch(tampered).status_code == 403
    assert not verify.verify(tampered, trusted_keys=trusted).allowed


def test_default_batch_parameters_run_the_demonstration(tmp_path, tutorial_run) -> None:
    import nbformat

    executed = run_notebook(tmp_path)
    notebook = nbformat.read(executed, as_version=4)
    check = next(cell for cell in notebook.cells if "batch URLs verify" in cell.source)
    text = "".join(output.get("text", "") for output in check.outputs)
    assert "OK: " in text and "batch URLs verify" in text
    assert "the edge served 3 and refused the tampered one" in text
    demo = config.home() / "batch" / f"{RUN}-signed-urls.csv"
    rows = list(batch.read_results(demo))
    assert sorted(row["key"] for row in rows) == sorted(state.require(RUN, "objects"))
