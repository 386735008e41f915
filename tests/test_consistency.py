"""``consistency.check_runs``: each saved id the local AWS no longer holds is one finding with
the fix (re-run the notebook that makes it, or tear the run down)."""

from __future__ import annotations

from pathlib import Path

import builders
import pytest

from cftutorial.aws import account_keys
from cftutorial.localaws import persistence, process
from cftutorial.signing import keys
from cftutorial.tutorial import consistency, state


@pytest.fixture
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CFTUTORIAL_HOME", str(tmp_path / "home"))
    yield tmp_path / "home"
    process.stop()


def test_a_consistent_run_has_no_findings_and_a_lost_local_aws_has_one_per_id(own_home):
    process.start()
    builders.run("default", "04", skip=("03",))
    key_pair = account_keys.register_account_key_pair(
        keys.public_key_pem(keys.generate_private_key())
    )
    state.update("guide", signing_key={"approach": "guide", "key_pair_id": key_pair})
    assert consistency.check_runs() == []

    process.stop()  # the local AWS loses everything (as after unreadable state files)
    assert persistence.remove(process.state_path())
    process.start()
    findings = consistency.check_runs()
    saved = state.load("default")
    expected = {
        ("default", "bucket", saved["bucket"]),
        ("default", "OAC", saved["origin_access"]["id"]),
        ("default", "distribution", saved["distribution"]["id"]),
        ("default", "key group", saved["signing_key"]["key_group_id"]),
        ("default", "public key", saved["signing_key"]["key_pair_id"]),
        ("guide", "account key pair", key_pair),
    }
    assert {(f.run, f.what, f.id) for f in findings} == expected
    assert all(f.problem == "is missing" for f in findings)
    by_what = {f.what: f for f in findings}
    assert "re-run notebook 01 with run_name='default'" in by_what["bucket"].fix
    assert "re-run notebook 04" in by_what["distribution"].fix
    assert "re-run notebook 06 with run_name='guide'" in by_what["account key pair"].fix
    line = by_what["bucket"].line()
    assert "\n" not in line and "`cftutorial teardown --run default --yes`" in line
