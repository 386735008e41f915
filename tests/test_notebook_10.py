"""Notebook 10 as the modern chain ran it: after 01-08 (08 kept) with the defaults, then again
in a fresh kernel with its solution after a rotation crashed half-way (resumed, not repeated),
then 08 cleans up; in the guide chain, the guide path's one message.

Asserts on what the executed notebooks show: the timeline's real edge answers at each phase, the
stale ETag and the in-use refusal, the new key as the run's key (07's successor signs with it),
no private key material, and 08's "everything this run created is gone" afterwards. A second
whole rotation after a finished one (a new rotation from the run's current key, generation 3)
is test_rotation.py's, built as the notebook's cells do it (tests/builders.py).
"""

from __future__ import annotations

import re

import refusals
from chains import flat, solution_outputs

PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def _timeline(text: str) -> dict[str, tuple[str, str]]:
    """phase -> (old-key URL answer, new-key URL answer), from the shown tables."""
    found = {}
    for phase in (
        "new key uploaded",
        "both keys in the group",
        "old key removed from the group",
        "old public key deleted",
    ):
        match = re.search(rf"\| {phase} \| [^|]+ \| (200|403 \w+) \| (200|403 \w+) \|", flat(text))
        assert match, f"the timeline has no row {phase!r}"
        found[phase] = (match.group(1), match.group(2))
    return found


def test_notebook_10_rotates_resumes_a_crash_and_08_still_cleans_up(modern_chain):
    first = modern_chain.text("10")
    assert _timeline(first) == {
        "new key uploaded": ("200", "403 InvalidKey"),
        "both keys in the group": ("200", "200"),
        "old key removed from the group": ("403 InvalidKey", "200"),
        "old public key deleted": ("403 InvalidKey", "200"),
    }
    assert "412 PreconditionFailed" in first and "409 PublicKeyInUse" in first
    assert "a new rotation" in first and "new key files (generation 2)" in first
    assert "OK: rotated from" in first and not PRIVATE_KEY.search(first)
    new_first = re.search(r"OK: rotated from (\w+) to (\w+)", first).group(2)
    # the run again, after a rotation from the first run's new key stopped half-way
    crashed = modern_chain.probes["crashed rotation"]
    assert crashed[0] == new_first, "the second rotation did not start from the first's new key"
    third = modern_chain.text("10-resumed")
    assert "resuming an unfinished rotation" in third
    assert "new key files (generation 3)" in third
    assert f"OK: rotated from {crashed[0]} to {crashed[1]}" in third
    assert _timeline(third)["old public key deleted"] == ("403 InvalidKey", "200")
    assert not PRIVATE_KEY.search(third)
    solution = solution_outputs(modern_chain["10-resumed"].notebook)  # the first: the defaults
    assert any("Correct:" in out for out in solution), solution
    assert "OK: everything this run created is gone" in modern_chain.text("08-clean")
    assert modern_chain.probes["pem files left"] == []


def test_notebook_10_on_the_guide_path_stops_with_one_message(guide_chain, monkeypatch):
    """Not executed on the guide path: it stops where the executed 09 stops, on the same run,
    with its own message, shown as 09's is (tests/refusals.py)."""
    error = refusals.on_the_guide_path(guide_chain, "10", monkeypatch)
    assert "it rotates a public key inside a key group" in str(error)  # why, in its own words
