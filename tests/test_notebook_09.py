"""Notebook 09, the 403 clinic, as the chains ran it: in the modern chain after 01-08 (08 kept)
with the defaults, and again in a fresh kernel later with its solution; 08's cleanup after
both; in the guide chain, the guide path's one message.

Asserts on what the executed notebooks show: each of the ten cases refused (403) and then
served (200), the logging bucket refused while its ACLs are disabled, the standard log files
read back from S3 with the refused requests as ``Error``, the run restored (so a second run and
notebook 08's cleanup still work), and the guide path's one message.
"""

from __future__ import annotations

import re

import pytest
from chains import assert_no_secrets, flat, solution_outputs

from cftutorial.errors import StateError
from cftutorial.tutorial import state, step09_clinic
from cftutorial.tutorial.ipython import HINT

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
        step09_clinic.check_run(state.open_run("default"), "guide")
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
    assert re.search(r"\| standard logging \| \S+ \| put back \|", flat), flat


def test_09_runs_twice_then_08_cleans_everything(modern_chain):
    first, again = modern_chain["09"], modern_chain["09-again"]
    for executed in (first, again):
        _assert_clinic(executed.text, flat(executed.text))
    solutions = solution_outputs(again.notebook)  # the first run had the defaults: none
    assert any("Correct: the edge answered 200" in out for out in solutions), solutions
    assert "update_distribution: InvalidArgument - The S3 bucket that you specified for " in (
        first.text
    )
    assert "does not enable ACL access" in first.text
    assert "| nothing left changed by an earlier run |" in flat(again.text)  # run 1 put back
    assert_no_secrets({"09": first.text, "09-again": again.text}, modern_chain.key_lines)
    assert "OK: everything this run created is gone" in modern_chain.text("08-clean")


def test_09_on_the_guide_path_is_one_message(guide_chain):
    refused = guide_chain["09-refusal"]
    assert refused.error["ename"] == "ModernPathRequired"
    assert "notebook 09 needs the modern path" in refused.refusal
    assert refused.shown == f"{refused.refusal}\n{HINT}"  # one line and the %tb hint
