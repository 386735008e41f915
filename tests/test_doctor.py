"""``cftutorial doctor`` on a healthy and on a broken set-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def doctor(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cftutorial", "doctor", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def _home_sharing(local_aws, home) -> str:
    """A state directory of its own (no saved runs) that reaches the session's local AWS."""
    home.mkdir()
    runtime = Path(local_aws.runtime_file)
    (home / runtime.name).write_text(runtime.read_text())
    return str(home)


def test_doctor_passes_on_a_healthy_setup(local_aws, tmp_path) -> None:
    result = doctor(CFTUTORIAL_HOME=_home_sharing(local_aws, tmp_path / "home"))
    assert result.returncode == 0, result.stdout
    assert "all checks passed" in result.stdout
    assert f"running, pid {local_aws.pid}" in result.stdout
    assert "JupyterLab widgets extension" in result.stdout


def test_doctor_reports_a_stopped_local_aws_with_the_fix(tmp_path) -> None:
    result = doctor(CFTUTORIAL_HOME=str(tmp_path / "empty"))
    assert result.returncode == 1
    assert "[FAIL] local AWS" in result.stdout
    assert "fix: start it with 'cftutorial local start'" in result.stdout


def test_doctor_reports_a_bad_backend_setting(local_aws) -> None:
    result = doctor("--json", CFTUTORIAL_BACKEND="s3")
    assert result.returncode == 1
    checks = {check["name"]: check for check in json.loads(result.stdout)}
    assert checks["backend"]["ok"] is False
    assert "CFTUTORIAL_BACKEND='s3'" in checks["backend"]["detail"]
    assert checks["backend"]["fix"]
    assert all(checks[name]["ok"] for name in ("boto3", "moto", "cryptography"))


def test_doctor_names_a_saved_run_the_local_aws_no_longer_has(local_aws, tmp_path) -> None:
    home = _home_sharing(local_aws, tmp_path / "home")
    state = {"gone": {"bucket": "cftutorial-no-such-bucket", "approach": "modern"}}
    (Path(home) / "tutorial-state.json").write_text(json.dumps(state))
    result = doctor(CFTUTORIAL_HOME=home)
    assert result.returncode == 1, result.stdout
    assert "[FAIL] saved run 'gone'" in result.stdout
    assert "bucket cftutorial-no-such-bucket is missing" in result.stdout
    assert "re-run notebook 01 with run_name='gone'" in result.stdout
