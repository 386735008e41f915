"""Start a real ``jupyter server`` or ``jupyter lab`` for a test, and always stop it.

Used by tests/test_player.py (the proxy route to the edge) and tests/browser/ (JupyterLab in
Chromium). The server binds 127.0.0.1 on a free port with a random token; its config, runtime,
settings and workspace directories are private temp directories, so neither the user's Jupyter
setup nor an earlier run changes what the test sees. It inherits the test session's environment
(``CFTUTORIAL_HOME`` and the ports of the session's local AWS), so its kernels use that local AWS.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import launch
import requests

BIN = Path(sys.executable).parent
START_TIMEOUT = 90.0
IDLE_SHUTDOWN = 600


@dataclass(frozen=True)
class JupyterServer:
    url: str  # http://127.0.0.1:PORT/ (base URL, trailing slash)
    token: str
    root_dir: Path
    log: Path

    def headers(self) -> dict[str, str]:
        """Token auth in a header, so that proxied query strings stay exactly as given."""
        return {"Authorization": f"token {self.token}"}

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _private_dirs(work: Path) -> dict[str, str]:
    dirs = {name: work / name for name in ("config", "data", "runtime", "settings", "workspaces")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    return {key: str(value) for key, value in dirs.items()}


#: No news feed or update check: this machine has no internet, and the "Would you like to get
#: notified about official Jupyter news?" toast would cover the notebook in screenshots.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def _write_lab_settings(settings_dir: Path) -> None:
    for name, values in LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _command(app: str, port: int, token: str, root_dir: Path, dirs: dict[str, str]) -> list[str]:
    command = [
        str(BIN / "jupyter"),
        app,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        # Orphaned (pytest killed)? Idle kernels are culled and the server then ends by itself.
        f"--ServerApp.shutdown_no_activity_timeout={IDLE_SHUTDOWN}",
        f"--MappingKernelManager.cull_idle_timeout={IDLE_SHUTDOWN}",
        "--MappingKernelManager.cull_interval=60",
        # which notebooks are trusted: the server's own record, not the user's
        f"--NotebookNotary.data_dir={dirs['data']}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root; Jupyter refuses to without this
    if app == "lab":
        command += [
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # window.jupyterapp: the tests read cell execution counts from the notebook model.
            "--LabApp.expose_app_in_browser=True",
        ]
    return command


def _wait_ready(child: subprocess.Popen, server: JupyterServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"jupyter exited with {child.returncode}:\n{server.log_tail()}")
        with contextlib.suppress(requests.RequestException):
            reply = requests.get(server.url + "api/status", headers=server.headers(), timeout=2)
            if reply.status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"jupyter did not answer within {START_TIMEOUT} s:\n{server.log_tail()}")


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is not None:
        return
    # SIGINT twice is Jupyter's own "shut down without asking"; it also stops the kernels.
    for _ in range(2):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGINT)
        time.sleep(0.3)
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)


@contextlib.contextmanager
def running_jupyter(
    app: str, root_dir: Path, work: Path, env: Mapping[str, str] | None = None
) -> Iterator[JupyterServer]:
    """``jupyter APP`` serving ``root_dir``, stopped (with its kernels) when the block ends.

    ``env`` overrides variables of the test process's environment (e.g. ``CFTUTORIAL_HOME``).
    """
    dirs = _private_dirs(work)
    _write_lab_settings(Path(dirs["settings"]))
    port, token = free_port(), secrets.token_hex(16)
    full_env = {
        **os.environ,
        **(env or {}),
        "JUPYTER_CONFIG_DIR": dirs["config"],
        "JUPYTER_RUNTIME_DIR": dirs["runtime"],
        "JUPYTERLAB_SETTINGS_DIR": dirs["settings"],
        "JUPYTERLAB_WORKSPACES_DIR": dirs["workspaces"],
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    full_env.pop("JUPYTERHUB_SERVICE_PREFIX", None)
    server = JupyterServer(f"http://127.0.0.1:{port}/", token, root_dir, work / "jupyter.log")
    with server.log.open("wb") as log:
        child = subprocess.Popen(
            _command(app, port, token, root_dir, dirs),
            env=full_env,
            cwd=root_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # its own process group, which _stop signals; SIGINT (how _stop asks) and SIGTERM at
            # their defaults, whatever this process inherited (launch.py)
            start_new_session=True,
            preexec_fn=launch.signals_default(signal.SIGINT, signal.SIGTERM),
        )
    try:
        _wait_ready(child, server)
        yield server
    finally:
        _stop(child)
