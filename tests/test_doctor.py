"""``cftutorial doctor`` on a healthy and on a broken set-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def doctor(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cftutorial", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def test_doctor_passes_on_a_healthy_setup(local_aws) -> None:
    result = doctor()
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
