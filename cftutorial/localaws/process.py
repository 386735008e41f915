"""Start, find and stop the local AWS process.

The process is detached (its own session), binds 127.0.0.1 only, and records itself in the
runtime file ``$CFTUTORIAL_HOME/local-aws.json``; its log goes to ``local-aws.log`` beside it.
``start`` is idempotent and replaces a stale runtime file; ``stop`` ends only the process that
file names, and only after checking that the pid still belongs to a cftutorial server. The
server's state is kept in ``local-aws-state.base`` and ``local-aws-state.journal`` beside them
(:mod:`.persistence`), so a stop, a crash or a second ``make lab`` keeps it; ``reset`` stops the
server and removes them.

:func:`status` always asks the server (its health endpoint). :func:`ensure_running` and
:func:`require_running`, which every boto3 client and viewer request goes through, ask a server
once per process: while the runtime file names the same server (pid, start time, endpoint) and
that pid is still a cftutorial server, it is taken as running; :func:`forget` (a connection
error) makes the next call ask again. What the server's health check answered then is what the
rest of the package learns of it beyond its endpoints (:func:`deploy_seconds`); nothing outside
this package reads the local AWS's files.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from .. import config
from ..errors import LocalAWSError, LocalAWSNotRunning, PortInUseError
from . import control
from .server import EXIT_PORT_IN_USE, EXIT_STATE_REFUSED, HEALTH_PATH

SERVER_MODULE = "cftutorial.localaws.server"
RUNTIME_NAME = "local-aws.json"
LOG_NAME = "local-aws.log"
#: Every file of the local AWS's saved state starts with this (``.base``, ``.journal``).
STATE_NAME = "local-aws-state"
#: The local AWS's own files in $CFTUTORIAL_HOME: each one's name starts with one of these
#: (a leading dot aside). It plays AWS, and its saved state holds the KMS keys' private halves
#: as AWS's HSMs do; everything else there is the application's.
OWN_FILES = (STATE_NAME, LOG_NAME, RUNTIME_NAME)
#: Set to a pid to make the local AWS end by itself when that process ends (tests use it).
ENV_WATCH_PID = "CFTUTORIAL_LOCAL_WATCH_PID"
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class LocalAWSStatus:
    """What ``cftutorial local status --json`` prints."""

    running: bool
    aws_endpoint: str | None
    edge_endpoint: str | None
    pid: int | None
    home: str
    log_file: str
    runtime_file: str
    started_at: float | None = None
    already_running: bool = False
    #: What the server found at start: result (restored, empty, unreadable), message, file.
    saved_state: dict | None = None
    state_files: tuple[str, ...] = ()  # STATE_NAME.base and STATE_NAME.journal
    state_bytes: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def runtime_file() -> Path:
    return config.home_path() / RUNTIME_NAME


def control_headers(content_type: str | None = None) -> dict[str, str]:
    """Headers for one of the package's own requests to a control endpoint of either port: the
    running local AWS's token (from its 0600 runtime file) and, if given, the body's type."""
    return control.headers(runtime_file(), content_type)


def log_file() -> Path:
    return config.home_path() / LOG_NAME


def state_path() -> Path:
    """The prefix of the saved state's files (``…/local-aws-state``: ``.base``, ``.journal``)."""
    return config.home_path() / STATE_NAME


def state_bytes() -> int | None:
    """The saved state's size on disk (None when there is none)."""
    sizes = []
    for path in config.home_path().glob(STATE_NAME + ".*"):
        if path.suffix in (".base", ".journal", ".pickle"):
            with contextlib.suppress(OSError):
                sizes.append(path.stat().st_size)
    return sum(sizes) if sizes else None


def _read_runtime() -> dict | None:
    try:
        data = json.loads(runtime_file().read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def _is_our_server(pid: int) -> bool:
    """Whether ``pid`` is alive and runs this package's server (not a recycled pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True  # no /proc (macOS): the health check below confirms identity
    return SERVER_MODULE.encode() in cmdline


def _answers(endpoint: str, pid: int) -> dict | None:
    """The health answer of the server at ``endpoint`` when it is process ``pid``, else None."""
    try:
        reply = requests.get(endpoint + HEALTH_PATH, timeout=2)
        answer = reply.json() if reply.ok else None
    except (requests.RequestException, ValueError):
        return None
    return answer if isinstance(answer, dict) and answer.get("pid") == pid else None


def _alive(data: dict) -> dict | None:
    """The health answer of the server ``data`` (a runtime file) names, if it is ours and runs."""
    endpoint = data.get("endpoints", {}).get("aws")
    if not endpoint or not _is_our_server(data["pid"]):
        return None
    return _answers(endpoint, data["pid"])


#: The servers this process has seen answer, (runtime file, pid, start time, AWS endpoint), and
#: what each one's health check answered.
_ANSWERED: dict[tuple[str, int, object, str | None], dict] = {}


def _answered_key(data: dict) -> tuple[str, int, object, str | None]:
    return (
        str(runtime_file()),
        data["pid"],
        data.get("started_at"),
        data.get("endpoints", {}).get("aws"),
    )


def forget(endpoint: str | None = None) -> None:
    """Ask the server at ``endpoint`` (every server, with None) again before its next use."""
    for known in list(_ANSWERED):
        if endpoint is None or known[3] == endpoint:
            _ANSWERED.pop(known, None)


def _running() -> tuple[LocalAWSStatus, dict | None]:
    """:func:`status` and the server's health answer, without asking again a server this
    process has seen answer."""
    data = _read_runtime()
    if data and _answered_key(data) in _ANSWERED and _is_our_server(data["pid"]):
        return _status_from(data, True), _ANSWERED[_answered_key(data)]
    answer = _alive(data) if data else None
    if data and answer is not None:
        _ANSWERED[_answered_key(data)] = answer
    return _status_from(data, answer is not None), answer


def deploy_seconds() -> float | None:
    """How long the running local AWS keeps a distribution ``InProgress`` after a change (its
    ``CFTUTORIAL_DEPLOY_SECONDS``), as its health check answers; None when none runs."""
    _current, answer = _running()
    value = (answer or {}).get("deploy_seconds")
    return float(value) if isinstance(value, (int, float)) else None


def _status_from(data: dict | None, running: bool, **extra) -> LocalAWSStatus:
    endpoints = (data or {}).get("endpoints", {}) if running else {}
    return LocalAWSStatus(
        running=running,
        aws_endpoint=endpoints.get("aws"),
        edge_endpoint=endpoints.get("edge"),
        pid=data["pid"] if running and data else None,
        home=str(config.home_path()),
        log_file=str(log_file()),
        runtime_file=str(runtime_file()),
        started_at=(data or {}).get("started_at") if running else None,
        saved_state=(data or {}).get("saved_state") if running else None,
        state_files=tuple(f"{state_path()}.{kind}" for kind in ("base", "journal")),
        state_bytes=state_bytes(),
        **extra,
    )


def status() -> LocalAWSStatus:
    """Whether the local AWS runs, and where."""
    data = _read_runtime()
    return _status_from(data, data is not None and _alive(data) is not None)


def _check_port_free(port: int, variable: str) -> None:
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((config.LOCAL_HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(_port_message(port, variable)) from None
            raise LocalAWSError(f"cannot use port {port} ({variable}): {exc.strerror}") from None


def _port_message(port: int, variable: str) -> str:
    return (
        f"port {port} on {config.LOCAL_HOST} is already in use by another program; "
        f"set {variable} to a free port (or 0 to pick one) and run 'cftutorial local start' again"
    )


def _log_tail(lines: int = 15) -> str:
    try:
        return "\n".join(log_file().read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _server_env() -> dict[str, str]:
    """The server's environment: no real AWS settings or credentials reach it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=config.LOCAL_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=config.LOCAL_SECRET_ACCESS_KEY,
        AWS_DEFAULT_REGION=config.LOCAL_REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        PYTHONUNBUFFERED="1",
    )
    return env


def start(timeout: float = START_TIMEOUT) -> LocalAWSStatus:
    """Start the local AWS in the background, or report the one already running."""
    data = _read_runtime()
    if data and _alive(data) is not None:
        return _status_from(data, True, already_running=True)
    config.home()  # creates the state directory: starting is the first write
    runtime = runtime_file()
    try:
        runtime.unlink(missing_ok=True)  # stale: its process is gone or is not ours
        log = open(log_file(), "ab")  # noqa: SIM115 (closed below, once the child has it)
    except OSError as exc:  # a full disk, a read-only home
        raise LocalAWSError(
            f"cannot start the local AWS: {config.disk_problem(exc, config.home_path())}; "
            "'cftutorial doctor' names the fix"
        ) from None
    ports = {"aws": (config.aws_port(), config.ENV_AWS_PORT)}
    ports["edge"] = (config.edge_port(), config.ENV_EDGE_PORT)
    from .server import APPS

    ports = {name: value for name, value in ports.items() if name in APPS}
    for port, variable in ports.values():
        _check_port_free(port, variable)
    command = [sys.executable, "-m", SERVER_MODULE, "--runtime-file", str(runtime)]
    command += ["--state", str(state_path())]
    for name, (port, _variable) in ports.items():
        command += [f"--{name}-port", str(port)]
    watch_pid = os.environ.get(ENV_WATCH_PID, "").strip()
    if watch_pid:
        command += ["--watch-pid", watch_pid]
    with log:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_server_env(),
            start_new_session=True,
            close_fds=True,
        )
    return _wait_until_ready(child, ports, timeout)


def _wait_until_ready(child: subprocess.Popen, ports: dict, timeout: float) -> LocalAWSStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = child.poll()
        if code is not None:
            _raise_start_failure(code, ports)
        data = _read_runtime()
        answer = (
            data and data.get("pid") == child.pid and _answers(data["endpoints"]["aws"], child.pid)
        )
        if answer:
            _ANSWERED[_answered_key(data)] = answer
            return _status_from(data, True)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    raise LocalAWSError(
        f"the local AWS did not answer within {timeout:.0f} s; see its log {log_file()}:\n"
        + _log_tail()
    )


def _raise_start_failure(code: int, ports: dict) -> None:
    tail = _log_tail()
    if code == EXIT_STATE_REFUSED:
        for line in reversed(tail.splitlines()):
            if " STATE_REFUSED " in line:
                raise LocalAWSError(line.split(" STATE_REFUSED ", 1)[1])
    if code == EXIT_PORT_IN_USE:
        for line in reversed(tail.splitlines()):
            if line.startswith("PORT_IN_USE "):
                name, port = line.split()[1:3]
                raise PortInUseError(_port_message(int(port), ports[name][1]))
    raise LocalAWSError(
        f"the local AWS exited with status {code} while starting; its log {log_file()} ends:\n"
        + tail
    )


def stop(timeout: float = 10.0) -> bool:
    """Stop the process the runtime file names. False when none was running."""
    data = _read_runtime()
    runtime = runtime_file()
    if not data or not _is_our_server(data["pid"]):
        _remove_runtime(runtime)
        return False
    pid = data["pid"]
    forget(data.get("endpoints", {}).get("aws"))
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _is_our_server(pid):
        _reap(pid)
        time.sleep(0.05)
    if _is_our_server(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _reap(pid)
    _remove_runtime(runtime)
    return True


def _remove_runtime(runtime: Path) -> None:
    """Remove the runtime file (a read-only home keeps it: it names a process that is gone)."""
    with contextlib.suppress(OSError):
        runtime.unlink(missing_ok=True)


@dataclass(frozen=True)
class ResetResult:
    """What ``reset`` did: whether a server was stopped and its saved state removed."""

    stopped: bool
    removed: bool


def reset() -> ResetResult:
    """Stop the local AWS if it runs and delete its saved state. Starts nothing."""
    from .persistence import remove

    stopped = stop()
    return ResetResult(stopped, remove(state_path()))


def _reap(pid: int) -> None:
    """Collect the exit status when the server is our own child (so it leaves no zombie)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def ensure_running() -> LocalAWSStatus:
    """The running local AWS, started on demand."""
    current, _answer = _running()
    return current if current.running else start()


def require_running() -> LocalAWSStatus:
    current, _answer = _running()
    if not current.running:
        raise LocalAWSNotRunning(
            "the local AWS is not running; start it with 'cftutorial local start'"
        )
    return current
