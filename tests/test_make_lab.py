"""``make lab`` (the README's first command) starts the local AWS and JupyterLab on a working copy
of the notebooks (tests/test_learner_lab.py: what a save there leaves)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import launch
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_make_lab_starts_the_local_aws_and_jupyterlab_on_the_notebooks(tmp_path: Path) -> None:
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip("make lab uses the checkout's .venv; this test runs from another environment")
    home, port = tmp_path / "home", free_port()
    env = {**os.environ, "CFTUTORIAL_HOME": str(home), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    # make, its local AWS start and JupyterLab in a process group of their own, which the test
    # ends with SIGTERM: at its default there, whatever this process inherited (launch.py)
    lab = subprocess.Popen(
        [
            "make",
            "-C",
            str(ROOT),
            "lab",
            "NO_BROWSER=1",
            f"PORT={port}",
            f"LAB_DIR={tmp_path / 'nb'}",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=launch.signals_default(signal.SIGTERM),
    )
    try:
        deadline, answer = time.monotonic() + 120, None
        while time.monotonic() < deadline and lab.poll() is None:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/api", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        assert answer is not None and answer.ok, "JupyterLab did not answer"
        assert "version" in answer.json()
        runtime = json.loads((home / "local-aws.json").read_text())
        health = requests.get(runtime["endpoints"]["aws"] + "/_cftutorial/health", timeout=5)
        assert health.json()["pid"] == runtime["pid"]
        assert runtime["endpoints"]["edge"]
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            output = lab.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            launch.end_group(lab)
            output = lab.communicate()[0]
        subprocess.run(
            [sys.executable, "-m", "cftutorial", "local", "stop"], env=env, timeout=30, check=False
        )
    assert "notebooks" in output
