"""Notebook 12 (keys in KMS) as the modern chain ran it: after 01-08 (08 kept) with the
defaults (an RSA key in KMS), again in a fresh kernel with its solution and an ECDSA key in
KMS (a re-run after "put the run back" makes a new key and works), then 08 with clean_up=True,
which must still leave nothing; in the guide chain, the guide path's one message."""

from __future__ import annotations

import html
import re

import refusals
from chains import SECRET_PATTERNS, flat, solution_outputs

#: The modern chain's two runs of notebook 12, by the key type each asked KMS for.
RUNS = {"rsa": "12", "ecdsa": "12-again"}


def test_notebook_12_signs_through_kms_runs_twice_and_08_still_cleans_up(modern_chain):
    for key_type, key in RUNS.items():
        text = modern_chain.text(key)
        spec = {"rsa": "RSA_2048", "ecdsa": "ECC_NIST_P256"}[key_type]
        assert re.search(
            rf"created KMS key [0-9a-f-]{{36}} {spec} as alias/cftutorial-default", text
        ), key_type
        assert "-----BEGIN PUBLIC KEY-----" in text
        assert "OK: KMS-signed URL and cookies 200 through the edge; 1 KMS call per URL;" in text
        assert "no private key of the KMS key under $CFTUTORIAL_HOME" in text
        assert "OK: the run is back as it was" in text
        assert "scheduled for deletion on" in text
        shown = html.unescape(flat(text))
        assert "Hash-Algorithm=SHA256" in text
        assert re.search(
            r"\| 200 \| .*\| 200 \| .*\| 403 MissingKey \| ", shown
        )  # playlist, segment, no cookie
        assert "... whose public half is the KMS key's | none" in shown
        assert re.search(r"skipped \(the local AWS = KMS's side\) \| \[\s*\"local-aws-state", shown)
        # the run's own key file (10 rotated it before: its name carries the generation)
        assert re.search(
            r"files holding a PEM private key \| \[[^\]]*\"keys/default-rsa(-\d+)?_private", shown
        )
        quota = {"rsa": "500", "ecdsa": "300"}[key_type]
        assert re.search(
            rf"KMS \({spec}\) \| 1 \| [\d.]+ \| [\d,]+ \| {quota} \| per 10,000 requests", shown
        )
        assert "local key file | 0 |" in shown
        assert "signed cookies once per session | 1 |" in shown
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), pattern.pattern
        assert modern_chain.key_lines and not any(line in text for line in modern_chain.key_lines)
    solutions = solution_outputs(modern_chain["12-again"].notebook)  # the first: the defaults
    assert solutions == [solutions[0]] and solutions[0].startswith("Correct: one KMS Sign"), (
        solutions
    )
    assert "OK: everything this run created is gone" in modern_chain.text("08-clean")


def test_notebook_12_on_the_guide_path_says_it_needs_the_modern_path(guide_chain, monkeypatch):
    """Not executed on the guide path: it stops where the executed 09 stops, on the same run,
    with its own message, shown as 09's is (tests/refusals.py)."""
    error = refusals.on_the_guide_path(guide_chain, "12", monkeypatch)
    assert "Run notebooks 01-07 with approach='modern'" in str(error)
