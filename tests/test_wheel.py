"""The tutorial as pip users get it (tests/installs.py: built once, one venv outside the checkout;
pip may take the dependencies from its cache).

- core install: ``cftutorial sign`` works, the commands of the extras name their pip command;
- ``[lab]`` install: ``cftutorial notebooks DIR`` copies the notebooks, ``cftutorial lab`` serves
  them in JupyterLab with a local AWS, and the venv's papermill runs them: the guide chain
  (tests/chains.py: 01→08 and more) runs with that venv's papermill, kernel and CLI on the
  copied notebooks.
- the sdist is complete: the wheel is built from it, ships the notebooks, and its tests run.

The installed package count and size are written to ``build/install-size.json`` (and printed).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import launch
import pytest
import requests
from installs import CORE_MAX_MB, CORE_MAX_PACKAGES, ROOT, pip_env, run

pytestmark = pytest.mark.slow


def test_core_install_signs_and_names_the_extras(installed):
    answers = installed.answers
    assert answers["import"].returncode == 0, answers["import"].stderr
    assert answers["import"].stdout.startswith(str(installed.venv)), answers["import"].stdout

    assert answers["core keys"].returncode == 0, answers["core keys"].stderr
    signed = answers["core sign"]
    assert signed.returncode == 0, signed.stderr
    assert "Signature=" in signed.stdout

    status = answers["core local"]
    assert status.returncode == 2, (status.stdout, status.stderr)
    assert "pip install 'cftutorial[local]'" in status.stderr and "Traceback" not in status.stderr
    lab = answers["core lab"]
    assert lab.returncode == 2 and "pip install 'cftutorial[lab]'" in lab.stderr, lab.stderr
    doctor = answers["core doctor"]
    assert doctor.returncode == 1 and "pip install 'cftutorial[local]'" in doctor.stdout

    sizes = installed.sizes["core"]
    assert "boto3" not in sizes["names"] and "moto" not in sizes["names"]
    assert sizes["packages"] <= CORE_MAX_PACKAGES, sizes["names"]
    assert sizes["site_packages_mb"] <= CORE_MAX_MB, sizes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_lab(port: int, log: Path, timeout: float = 120) -> str:
    """JupyterLab's token, once its server answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        token = re.search(rf"127\.0\.0\.1:{port}/lab\?token=(\w+)", log.read_text())
        try:
            if token and requests.get(f"http://127.0.0.1:{port}/api", timeout=2).ok:
                return token.group(1)
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer on port {port}:\n{log.read_text()[-3000:]}")


def test_lab_install_copies_serves_and_runs_the_notebooks(installed, guide_chain, tmp_path):
    """``cftutorial lab`` is stopped with SIGTERM, whose default it restores in the child (a
    launcher may have ignored it), in its own process group so nothing else is reached."""
    status = installed.answers["lab status"]
    assert status.returncode == 1 and "not running" in status.stdout, status.stderr
    assert not installed.status_created_state_dir, "a reading command created ~/.cftutorial"

    copied = installed.answers["notebooks"]
    assert copied.returncode == 0, copied.stderr
    shipped = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in installed.notebooks.glob("*.ipynb")) == shipped

    home = tmp_path / "learner"
    home.mkdir()
    env = {**installed.env(), "HOME": str(home), "CFTUTORIAL_AWS_PORT": "0"}
    env.update(CFTUTORIAL_EDGE_PORT="0", CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()))
    port, log = free_port(), tmp_path / "lab.log"
    with open(log, "w") as out:
        lab = subprocess.Popen(
            [str(installed.bin_dir / "cftutorial"), "lab", "--no-browser", "--port", str(port)],
            env=env, cwd=home, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=launch.signals_default(signal.SIGTERM),
        )  # fmt: skip
    try:
        token = wait_for_lab(port, log)
        assert "local AWS running: http://127.0.0.1:" in log.read_text()
        opened = []
        for name in shipped:
            reply = requests.get(
                f"http://127.0.0.1:{port}/api/contents/{name}", params={"token": token}, timeout=30
            )
            assert reply.ok, (name, reply.status_code)
            assert reply.json()["type"] == "notebook" and reply.json()["content"]["cells"]
            opened.append(name)
        assert len([n for n in opened if re.match(r"\d\d-", n)]) == 13
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            launch.end_group(lab)
        run(installed.bin_dir, "local", "stop", env=env, cwd=home)
    # the venv's papermill ran the copied notebooks (the guide chain); 05 shows the refusals
    assert guide_chain.runner.bin_dir == installed.bin_dir
    ran = [guide_chain[f"0{n}"] for n in range(1, 9)]
    assert [run.source.parent for run in ran] == [installed.notebooks] * 8
    assert [run.source.name[:2] for run in ran] == [f"0{n}" for n in range(1, 9)]
    shown = guide_chain.text("05")
    assert "MissingKey" in shown and "AccessDenied" in shown


def test_the_sdist_builds_a_wheel_with_the_notebooks_and_runs_its_fast_tests(installed, tmp_path):
    """The sdist is complete: the wheel built from it ships the notebooks, and its tests run."""
    with zipfile.ZipFile(installed.wheel) as archive:
        shipped = sorted(n.rsplit("/", 1)[1] for n in archive.namelist() if "/notebooks/" in n)
    assert shipped == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    with tarfile.open(installed.sdist) as archive:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(tmp_path / "unpacked", **safe)
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    for needed in (
        "Makefile",
        "environment.yml",
        "binder/start",
        "docs/conf.py",
        "tests/conftest.py",
        "tests/chains.py",
    ):
        assert (unpacked / needed).exists(), f"the sdist lacks {needed}"
    fast = [
        "tests/test_policy.py",
        "tests/test_signer.py",
        "tests/test_verify.py",
        "tests/test_cli_errors.py",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *fast],
        cwd=unpacked, env={**pip_env(), "PYTHONPATH": str(unpacked)}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout


def test_the_wheel_ships_hls_js_with_its_licence_and_notice(installed):
    """Notebook 11's player loads the vendored hls.js from the installed package."""
    with zipfile.ZipFile(installed.wheel) as archive:
        names = set(archive.namelist())
        assets = "cftutorial/tutorial/assets/"
        for name in ("hls.min.js", "hls.js-LICENSE.txt", "NOTICE-hls.js.txt", "Apache-2.0.txt"):
            assert assets + name in names, f"the wheel lacks {assets}{name}"
        licence = archive.read(assets + "Apache-2.0.txt").decode()
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in licence
