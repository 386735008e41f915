"""Notebook 12 (keys in KMS) headless: after 01-07, twice (a re-run in a fresh kernel), then 08
with clean_up=True, which must still leave nothing; and the guide path's one message."""

from __future__ import annotations

import html
import re
import time

import papermill
import pytest
import test_notebooks
from test_notebooks import (
    NOTEBOOK_DIR,
    SECRET_PATTERNS,
    _execute,
    _flat,
    _outputs_text,
    _solution_outputs,
)

fresh_local_aws = test_notebooks.fresh_local_aws  # the fixture, shared

NOTEBOOK = NOTEBOOK_DIR / "12-keys-in-kms.ipynb"
FIRST = sorted(NOTEBOOK_DIR.glob("0[1-7]-*.ipynb"))
EIGHT = next(NOTEBOOK_DIR.glob("08-*.ipynb"))


def _private_key_lines(home) -> list[str]:
    return [
        line
        for pem in (home / "keys").glob("*private_key.pem")
        for line in pem.read_text().splitlines()
        if line and not line.startswith("-----")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("key_type", ["rsa", "ecdsa"])
def test_notebook_12_signs_through_kms_runs_twice_and_08_still_cleans_up(
    tmp_path, fresh_local_aws, key_type
):
    parameters = {"approach": "modern", "run_solutions": True}
    for path in FIRST:
        _execute(path, tmp_path / path.name, parameters)
    twelve = {**parameters, "key_type": key_type, "measure_urls": 5}
    started = time.perf_counter()
    first = _outputs_text(_execute(NOTEBOOK, tmp_path / "12.ipynb", twelve))
    seconds = time.perf_counter() - started
    executed_again = _execute(NOTEBOOK, tmp_path / "12-again.ipynb", twelve)
    again = _outputs_text(executed_again)
    key_lines = _private_key_lines(fresh_local_aws)
    eight = _outputs_text(_execute(EIGHT, tmp_path / "08.ipynb", {**parameters, "clean_up": True}))

    spec = {"rsa": "RSA_2048", "ecdsa": "ECC_NIST_P256"}[key_type]
    for text in (first, again):  # a re-run after "put the run back" makes a new key and works
        assert re.search(
            rf"created KMS key [0-9a-f-]{{36}} {spec} as alias/cftutorial-default", text
        )
        assert "-----BEGIN PUBLIC KEY-----" in text
        assert "OK: KMS-signed URL and cookies 200 through the edge; 1 KMS call per URL;" in text
        assert "no private key of the KMS key under $CFTUTORIAL_HOME" in text
        assert "OK: the run is back as it was" in text
        assert "scheduled for deletion on" in text
    flat = html.unescape(_flat(first))
    assert "Hash-Algorithm=SHA256" in first
    assert re.search(
        r"\| 200 \| .*\| 200 \| .*\| 403 MissingKey \| ", flat
    )  # playlist, segment, none
    assert "... whose public half is the KMS key's | none" in flat
    assert re.search(r"skipped \(the local AWS = KMS's side\) \| \[\s*\"local-aws-state", flat)
    assert re.search(r"files holding a PEM private key \| \[\s*\"keys/default-rsa_private", flat)
    quota = {"rsa": "500", "ecdsa": "300"}[key_type]
    assert re.search(
        rf"KMS \({spec}\) \| 1 \| [\d.]+ \| [\d,]+ \| {quota} \| per 10,000 requests", flat
    )
    assert "local key file | 0 |" in flat
    assert "signed cookies once per session | 1 |" in flat
    solutions = _solution_outputs(executed_again)
    assert solutions == [solutions[0]] and solutions[0].startswith("Correct: one KMS Sign"), (
        solutions
    )
    for text in (first, again):
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), pattern.pattern
        assert key_lines and not any(line in text for line in key_lines)
    assert "OK: everything this run created is gone" in eight
    print(f"notebook 12 ({key_type}) seconds: {seconds:.1f}")


@pytest.mark.slow
def test_notebook_12_on_the_guide_path_says_it_needs_the_modern_path(tmp_path, fresh_local_aws):
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        _execute(NOTEBOOK, tmp_path / "12-guide.ipynb", {"approach": "guide"})
    assert "notebook 12 needs the modern path" in str(failed.value)
    assert "run notebooks 01-08 with approach = 'modern'" in str(failed.value)
