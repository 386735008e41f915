"""Notebook 13 (audit a distribution before it leaks) as the modern chain ran it: in the
learner's Run All after 12 (the run kept by 08), with the defaults; its exercise's auto-check
tried on three answers right after (``chains.exercise_13``); 08's clean-up afterwards deletes
the practice distribution with the rest (test_notebooks.py). The guide path's one message."""

from __future__ import annotations

import html
import re

import pytest
from chains import assert_no_secrets, flat, solution_outputs

from cftutorial.errors import ModernPathRequired
from cftutorial.tutorial import state
from cftutorial.tutorial import step13_audit as step13

#: The three mistakes the practice distribution is made with, by the audit's rule ids.
BROKEN = ("behaviour-unsigned", "trusted-signers", "bucket-policy-source-arn")


def _shown(modern_chain) -> str:
    return html.unescape(flat(modern_chain.text("13")))


def test_the_leak_is_proven_before_the_audit(modern_chain):
    text = modern_chain.text("13")
    assert re.search(r"created distribution \w+", text), "the practice distribution was not made"
    assert re.search(
        r"GET https://\w+\.cloudfront\.net/avatars/team\.html \(no signature\) → 200", text
    )
    shown = _shown(modern_chain)
    # before the fixes: the default behaviour protected, /avatars/ open, /downloads/ legacy
    assert "| reports/q3.html | 403 MissingKey | 200 |" in shown
    assert "| avatars/team.html | 200 | 200 |" in shown
    assert "| downloads/handbook.html | 403 MissingKey | 403 InvalidKey |" in shown
    assert "| /downloads/* | - | self | redirect-to-https |" in shown


def test_the_audit_lists_each_mistake_then_is_clean(modern_chain):
    shown = _shown(modern_chain)
    for rule in BROKEN:
        assert re.search(rf"\| (high|medium|low) \| {rule} \|", shown), rule
        assert re.search(rf"{rule} +https://", modern_chain.text("13")), f"{rule}: no source"
    assert re.search(r"\| behaviour-unsigned \| [^|]*/avatars/\*", shown)
    assert re.search(r"\| trusted-signers \| [^|]*/downloads/\*", shown)
    text = modern_chain.text("13")
    assert re.search(r"^10 rules checked, 3 broken$", text, re.M), "the first audit"
    # the one-key group is advice, shown apart from the findings, with AWS's rotation page
    assert re.search(r"^1 piece\(s\) of advice$", text, re.M), "the first audit's advice"
    assert re.search(r"\| advice \| key-group-rotation \| key group \w+ \|", shown)
    assert not re.search(r"\| (high|medium|low) \| key-group-rotation \|", shown)
    assert re.search(r"key-group-rotation +https://\S+#private-content-rotating-key-pairs", text)
    clean = r"^clean - 10 rules checked, 0 piece\(s\) of advice$"
    assert re.search(clean, text, re.M), "the second audit was not clean"
    assert '"AWS:SourceArn": "arn:aws:cloudfront::' in text
    assert re.search(r"key group holds \['\w+', '\w+'\]", text)


def test_the_unsigned_get_is_refused_after_the_fixes(modern_chain):
    shown = _shown(modern_chain)
    for page in ("reports/q3.html", "avatars/team.html", "downloads/handbook.html"):
        assert f"| {page} | 403 MissingKey | 200 |" in shown, page
    assert "OK: 3 findings fixed; unsigned /avatars/ now 403" in modern_chain.text("13")


def test_the_key_doctor_names_each_broken_key_and_no_key_is_shown(modern_chain):
    text = modern_chain.text("13")
    for name in ("escaped", "pkcs1", "stray", "audit-1"):
        assert re.search(rf"{name}_private_key\.pem +mode 0o600", text), name
    shown = _shown(modern_chain)
    assert re.search(r"\| escaped newlines \| [^|]* \| [^|]* \| \w+ \| key-escaped-newlines", shown)
    assert re.search(r"\| in no key group \| [^|]* \| [^|]* \| \w+ \| key-not-registered", shown)
    pkcs1 = (
        r"\| PKCS#1 \(BEGIN RSA PRIVATE KEY\) \| PKCS#1 [^|]*\| RSA [^|]*\| low \| key-format \|"
    )
    assert re.search(pkcs1, shown)
    practice = r"\| the practice key \(PKCS#8\) \| PKCS#8 [^|]*\| RSA [^|]*\| - \| clean \| "
    assert re.search(practice + r"behaviours trusting it: /avatars/\*, /downloads/\*, \*", shown)
    # the escaped key, the PKCS#1 key and the practice key are one key: its lines are checked
    texts = {key: modern_chain.text(key) for key in modern_chain.runs}
    assert_no_secrets(texts, modern_chain.key_lines)


def test_the_exercise_accepts_only_a_fix_the_edge_enforces(modern_chain):
    assert "Not yet: the edge still serves the page without a signature (200)" in (
        modern_chain.text("13")
    )
    assert solution_outputs(modern_chain["13"].notebook) == [""]  # Run All: no solution ran
    said = modern_chain.probes["exercise 13"]
    assert said["leak left"].startswith("Not yet: the edge still serves the page"), said
    assert said["legacy signers"].startswith("Not yet: the unsigned GET is refused, but so is"), (
        said
    )
    assert said["key group"] == (
        "Correct: unsigned GET 403 MissingKey, signed GET 200: the page needs a signature now"
    ), said


def test_notebook_13_needs_the_modern_path():
    with pytest.raises(ModernPathRequired, match="notebook 13 needs the modern path"):
        step13.check_run(state.open_run("guide-only"), "guide")
