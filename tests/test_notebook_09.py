"""Notebook 09, the 403 clinic: after 01-07, twice in fresh kernels, then 08's cleanup.

Asserts on what the executed notebooks show: each of the ten cases refused (403) and then
served (200), the logging bucket refused while its ACLs are disabled, the standard log files
read back from S3 with the refused requests as ``Error``, the run restored (so a second run and
notebook 08's cleanup still work), and the guide path's one message.
"""

from __future__ import annotations

import re
import time

import papermill
import pytest
from test_notebooks import (
    NOTEBOOK_DIR,
    _assert_no_secrets,
    _execute,
    _flat,
    _outputs_text,
    _solution_outputs,
    fresh_local_aws,  # noqa: F401 (a fixture)
)

from cftutorial.errors import StateError
from cftutorial.tutorial import step09_clinic

BEFORE = sorted(NOTEBOOK_DIR.glob("0[1-7]-*.ipynb"))
CLINIC = NOTEBOOK_DIR / "09-the-403-clinic.ipynb"
CLEANUP = next(NOTEBOOK_DIR.glob("08-*.ipynb"))
CASES = (
    "1 unencoded path",
    "2 parameter after signing",
    "3 content-disposition",
    "4 milliseconds",
    "5 local-time expiry",
    "6 key group id as Key-Pair-Id",
    "7 key not in the group",
    "8 another domain",
    "9 wildcard does not match",
    "10 bucket policy, other distribution",
)


def test_the_guide_path_gets_one_message_naming_the_modern_path():
    with pytest.raises(StateError) as caught:
        step09_clinic.check_run("default", "guide")
    assert "notebook 09 needs the modern path" in str(caught.value)
    assert "approach='modern'" in str(caught.value)


def _assert_clinic(text: str, flat: str) -> None:
    for case in CASES:
        assert f"| {case} | 403 | 200 |" in flat, f"case {case!r} did not go 403 -> 200"
    assert "OK: all 10 cases went from 403 to 200" in text
    refused = int(re.search(r"(\d+) refused requests logged", text).group(1))
    assert refused >= len(CASES)
    assert "#Version: 1.0" in text and "lines with 33 fields each" in text
    assert "| 403 | /video.mp4 |" in flat and "| Error | Error |" in flat
    assert "InvalidKey" in flat and "s3 via cloudfront" in flat  # cases 6/7 and 10
    assert "c4c1ede66af5…', 'FULL_CONTROL'" in text  # the awslogsdelivery grant
    assert "log bucket deleted: True" in text
    assert "| standard logging | off |" in flat


@pytest.mark.slow
def test_09_runs_after_01_to_07_twice_then_08_cleans_everything(tmp_path, fresh_local_aws):  # noqa: F811
    parameters = {"approach": "modern", "run_solutions": True}
    for path in BEFORE:
        _execute(path, tmp_path / path.name, parameters)
    key_lines = [
        line
        for pem in (fresh_local_aws / "keys").glob("*private_key.pem")
        for line in pem.read_text().splitlines()
        if line and not line.startswith("-----")
    ]
    started = time.perf_counter()
    first = _execute(CLINIC, tmp_path / "09.ipynb", parameters)
    print(f"notebook 09 ran in {time.perf_counter() - started:.1f} s")
    again = _execute(CLINIC, tmp_path / "09-again.ipynb", parameters)
    for notebook in (first, again):
        text = _outputs_text(notebook)
        _assert_clinic(text, _flat(text))
        solutions = _solution_outputs(notebook)
        assert any("Correct: the edge answered 200" in out for out in solutions), solutions
    first_text = _outputs_text(first)
    assert "update_distribution: InvalidArgument - The S3 bucket that you specified for " in (
        first_text
    )
    assert "does not enable ACL access" in first_text
    assert "| retired public key | absent |" in _flat(_outputs_text(again))  # restored by run 1
    _assert_no_secrets({"09": first, "09-again": again}, key_lines)

    with pytest.raises(papermill.PapermillExecutionError) as caught:
        _execute(CLINIC, tmp_path / "09-guide.ipynb", {**parameters, "approach": "guide"})
    assert "notebook 09 needs the modern path" in str(caught.value)

    cleaned = _execute(CLEANUP, tmp_path / "08.ipynb", {**parameters, "clean_up": True})
    assert "OK: everything this run created is gone" in _outputs_text(cleaned)
