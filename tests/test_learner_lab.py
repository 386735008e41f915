"""Opening and running a notebook never changes a tracked file (issue 26, items 2 and 14).

``make lab`` opens a working copy of the notebooks (as ``cftutorial lab`` does): what JupyterLab
saves, an autosave included, lands there. In notebooks/ itself (a contributor editing the
tutorial), jupytext writes a saved notebook's source in the very form it was read. Both are
checked through the Jupyter server's contents API, the way JupyterLab's autosave saves: GET the
notebook, PUT it back.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from jupyter_process import free_port, running_jupyter

from cftutorial.tutorial import kernel

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
#: What a kernel tells JupyterLab about itself; JupyterLab stores it in the notebook on save.
KERNEL_LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": "3.11.7",
}


def git_status(repo: Path) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def save_like_autosave(url: str, headers: dict, name: str, *, kernel_ran: bool) -> None:
    """GET the notebook and PUT it back, as JupyterLab's save does (``kernel_ran``: with the
    ``language_info`` a kernel adds as soon as it starts)."""
    address = f"{url}api/contents/{name}"
    model = requests.get(address, headers=headers, params={"content": 1}, timeout=60)
    assert model.status_code == 200, (name, model.text[:2000])
    content = model.json()["content"]
    if kernel_ran:
        content["metadata"]["language_info"] = KERNEL_LANGUAGE_INFO
        content["metadata"]["saved_by"] = "tests/test_learner_lab.py"  # where did it land?
    saved = requests.put(
        address,
        headers=headers,
        json={"type": "notebook", "format": "json", "content": content},
        timeout=60,
    )
    assert saved.status_code == 200, (name, saved.text[:2000])


@pytest.fixture
def notebooks_repo(tmp_path: Path) -> Path:
    """notebooks/ as a contributor has it: committed, the .ipynb newer than its .md (as `make
    notebooks` leaves them, and a checkout may)."""
    repo = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, repo, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    older, newer = time.time() - 60, time.time() - 30
    for source in repo.glob("*.md"):
        os.utime(source, (older, older))
        os.utime(source.with_suffix(".ipynb"), (newer, newer))
    (repo / ".gitignore").write_text(".ipynb_checkpoints/\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "the sources"], check=True)
    return repo


@pytest.mark.slow
def test_saving_every_notebook_in_notebooks_changes_no_source(notebooks_repo, tmp_path) -> None:
    """Before a kernel ran (the first autosave): nothing changes at all. After (the kernel's
    language_info in the notebook): the .ipynb records it, the .md source stays byte for byte."""
    names = sorted(p.name for p in notebooks_repo.glob("*.ipynb"))
    assert len(names) == 14
    with running_jupyter("server", notebooks_repo, tmp_path / "jupyter") as server:
        for name in names:
            save_like_autosave(server.url, server.headers(), name, kernel_ran=False)
        assert git_status(notebooks_repo) == "", "a save without a kernel changed a file"
        for name in names:
            save_like_autosave(server.url, server.headers(), name, kernel_ran=True)
    changed = git_status(notebooks_repo).splitlines()
    assert changed and all(line.endswith(".ipynb") for line in changed), changed


def _wait_for(url: str, lab: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and lab.poll() is None:
        try:
            requests.get(url + "api", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.5)
    raise AssertionError(f"make lab did not answer at {url} (exit {lab.poll()})")


@pytest.mark.slow
def test_make_lab_saves_into_a_working_copy_and_leaves_the_checkout_clean(tmp_path) -> None:
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip("make lab uses the checkout's .venv; this test runs from another environment")
    before = git_status(ROOT)
    port, token, copy = free_port(), secrets.token_hex(16), tmp_path / "my-notebooks"
    env = {
        **os.environ,
        "CFTUTORIAL_HOME": str(tmp_path / "home"),
        "JUPYTER_TOKEN": token,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_PATH": "",  # make lab must bring the project's kernel itself
    }
    lab = subprocess.Popen(
        ["make", "-C", str(ROOT), "lab", "NO_BROWSER=1", f"PORT={port}", f"LAB_DIR={copy}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url, headers = f"http://127.0.0.1:{port}/", {"Authorization": f"token {token}"}
    try:
        _wait_for(url, lab)
        listing = requests.get(url + "api/contents/", headers=headers, timeout=30).json()
        shown = sorted(item["name"] for item in listing["content"])
        # the file browser: one entry per notebook, no second (.md) file for each
        assert shown == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")), shown
        for name in shown:
            save_like_autosave(url, headers, name, kernel_ran=True)
        specs = requests.get(url + "api/kernelspecs", headers=headers, timeout=30).json()
        python3 = specs["kernelspecs"]["python3"]["spec"]
        assert f"--ext={kernel.EXTENSION}" in python3["argv"], python3["argv"]
        assert python3["display_name"] == "Python 3 (ipykernel)"
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        output = lab.communicate(timeout=60)[0]
        subprocess.run(
            [sys.executable, "-m", "cftutorial", "local", "stop"], env=env, timeout=60, check=False
        )
    assert f"14 notebook file(s) in {copy}" in output, output[-3000:]
    saved = json.loads((copy / shown[0]).read_text())
    assert saved["metadata"]["saved_by"] == "tests/test_learner_lab.py", "the save went elsewhere"
    assert not list(copy.glob("*.md")), "a save wrote a second file per notebook"
    assert git_status(ROOT) == before, "make lab changed the checkout"


def test_the_default_working_copy_is_ignored_by_git() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "LAB_DIR ?= cftutorial-notebooks" in makefile
    ignored = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "-q", "cftutorial-notebooks/01-x.ipynb"],
        check=False,
    )
    assert ignored.returncode == 0, "cftutorial-notebooks/ is not gitignored"
