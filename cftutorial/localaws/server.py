"""What runs inside the local AWS process (``python -m cftutorial.localaws.server``).

One process serves every app of the local AWS, each on its own 127.0.0.1 port, so that every
notebook kernel, the CLI and the tests share one state. Once every port is bound the process
writes the runtime file (pid, ports, endpoints, log, what it restored); the parent waits for
it. Exit status 3 means a port was taken; 5 that the saved state may not be loaded (a
``STATE_REFUSED`` log line says why). With ``--state`` the process restores its saved state
before it binds a port and keeps every change before answering it (:mod:`.persistence`). The
process ends on SIGTERM/SIGINT, or by itself when ``--watch-pid`` names a process that has
ended (the tests use this so no server outlives them).
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..config import LOCAL_HOST
from . import boundary, connections
from .handler import LocalRequestHandler

EXIT_PORT_IN_USE = 3
EXIT_STATE_REFUSED = 5
HEALTH_PATH = "/_cftutorial/health"
#: How often the main loop and the servers look for a stop request: ``local stop`` waits this long.
POLL_SECONDS = 0.1

log = logging.getLogger("cftutorial.localaws")


def build_edge_app() -> Callable:
    """The local CloudFront edge (imported lazily, like moto, to keep ``--help`` fast)."""
    from .edge import build_edge_app as build

    return build()


def build_faithful_aws_app() -> Callable:
    """moto behind the fidelity layer (gaps C1-C10, S1-S8 of local-aws-fidelity.md)."""
    from .fidelity import build_app

    return build_app()


#: The apps this process serves: name -> (factory, port argument). Later layers (the
#: fidelity layer, the edge) register here.
APPS: dict[str, Callable[[], Callable]] = {"aws": build_faithful_aws_app, "edge": build_edge_app}


def edge_boundary() -> boundary.Policy:
    from .edge import boundary_policy

    return boundary_policy()


#: Each port's browser boundary (:mod:`.boundary`), checked before anything else on that port.
BOUNDARIES: dict[str, Callable[[], boundary.Policy]] = {
    "aws": boundary.aws_port,
    "edge": edge_boundary,
}


def with_health(app: Callable, name: str, facts: dict | None = None) -> Callable:
    """Answer ``HEALTH_PATH`` with this process's identity and ``facts`` (what its clients need
    to know of it: the AWS port's deployment delay), pass everything else to ``app``."""
    answer = {"service": f"cftutorial-{name}", "pid": os.getpid(), **(facts or {})}
    identity = json.dumps(answer).encode()

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == HEALTH_PATH:
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(identity)))],
            )
            return [identity]
        return app(environ, start_response)

    return wsgi


def write_runtime(path: Path, data: dict) -> None:
    """Write the runtime file atomically, so a reader never sees half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # 0600: the file holds the control token (localaws/control.py).
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(json.dumps(data, indent=2))
    os.replace(tmp, path)


def remove_runtime_if_ours(path: Path) -> None:
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def bind(
    name: str,
    app: Callable,
    port: int,
    limits: connections.Limits,
    policy: boundary.Policy | None = None,
    facts: dict | None = None,
) -> connections.BoundedThreadedServer:
    """One port: werkzeug's threaded server, bounded and with read deadlines (:mod:`.connections`),
    the port's browser boundary (:mod:`.boundary`) in front of everything, the health check too
    (answering ``facts`` besides the identity).

    An app may bring its own request handler (the edge's: CloudFront's 400 page); every one
    derives from :class:`~.handler.LocalRequestHandler`, which enforces the deadlines.
    """
    handler = getattr(app, "request_handler", None) or LocalRequestHandler
    served = with_health(app, name, facts)
    if policy is not None:
        served = boundary.guard(served, policy)
    try:
        return connections.BoundedThreadedServer(LOCAL_HOST, port, served, handler, limits)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"PORT_IN_USE {name} {port}", file=sys.stderr, flush=True)
            raise SystemExit(EXIT_PORT_IN_USE) from None
        raise


def watch(pid: int, stop: threading.Event) -> None:
    while not stop.wait(0.5):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            log.info("watched process %s ended; stopping", pid)
            stop.set()
        except PermissionError:
            pass


def build_apps(names: list[str], state: Path | None) -> tuple[dict[str, Callable], dict]:
    """Every app, with the saved state restored first (before any port is bound).

    Only the AWS port changes state through requests, so only it keeps them; the edge reads
    what was restored, and its one write (access log files) is kept under the same lock.
    """
    apps = {name: APPS[name]() for name in names}
    if state is None:
        return _bodies_first(apps), {"result": "off", "message": "not saved (no --state)"}
    from .persistence import Store, Untrusted

    store = Store(state)
    try:
        outcome = store.restore()
    except Untrusted as refused:
        log.error("STATE_REFUSED %s", refused)
        raise SystemExit(EXIT_STATE_REFUSED) from None
    if "aws" in apps:
        apps["aws"] = store.wrap(apps["aws"])
    logs = getattr(apps.get("edge"), "logs", None)
    if logs is not None:  # the edge writes access log files to S3: kept like AWS-port writes
        logs.writer = store.writing
    return _bodies_first(apps), outcome.to_dict()


def _bodies_first(apps: dict[str, Callable]) -> dict[str, Callable]:
    """The AWS port reads a request's body before anything else (:func:`.connections.body_first`)."""
    if "aws" in apps:
        apps["aws"] = connections.body_first(apps["aws"])
    return apps


def _limits() -> connections.Limits:
    """The connection settings; a bad one stops the server with one line (as ``fidelity`` does)."""
    from ..errors import ConfigError

    try:
        return connections.limits()
    except ConfigError as error:
        log.error("CONNECTIONS_CONFIG %s", error)
        raise SystemExit(2) from None


def _boundaries(names: list[str]) -> dict[str, boundary.Policy]:
    """Each port's boundary; a bad ``CFTUTORIAL_LOCAL_ALLOWED_HOSTS`` stops the server."""
    from ..errors import ConfigError

    try:
        return {name: BOUNDARIES[name]() for name in names if name in BOUNDARIES}
    except ConfigError as error:
        log.error("BOUNDARY_CONFIG %s", error)
        raise SystemExit(2) from None


def serve(
    ports: dict[str, int], runtime_file: Path, watch_pid: int | None, state: Path | None
) -> None:
    limits = _limits()  # before the slow imports: a bad setting fails at once
    policies = _boundaries(list(ports))
    apps, saved_state = build_apps(list(ports), state)
    from .cloudfront.deployment import deploy_seconds

    #: What the AWS port's health check answers besides its identity: how long a deployment
    #: should take, so a client's progress bar expects what this server does.
    facts = {"aws": {"deploy_seconds": deploy_seconds()}}
    servers = {
        name: bind(name, apps[name], port, limits, policies.get(name), facts.get(name))
        for name, port in ports.items()
    }
    stop = threading.Event()
    for server in servers.values():
        threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True).start()
    bound = {name: server.server_port for name, server in servers.items()}
    from .control import server_token
    from .moto_adapter import moto_version

    write_runtime(
        runtime_file,
        {
            "pid": os.getpid(),
            "ports": bound,
            "endpoints": {name: f"http://{LOCAL_HOST}:{p}" for name, p in bound.items()},
            "started_at": time.time(),
            "cftutorial": __version__,
            "moto": moto_version(),
            "saved_state": saved_state,
            "token": server_token(),
        },
    )
    log.info("serving %s", ", ".join(f"{n} on {LOCAL_HOST}:{p}" for n, p in bound.items()))

    def on_signal(signum, _frame):
        log.info("signal %s; stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if watch_pid:
        threading.Thread(target=watch, args=(watch_pid, stop), daemon=True).start()
    try:
        while not stop.wait(POLL_SECONDS):
            pass
    finally:
        remove_runtime_if_ours(runtime_file)
        for server in servers.values():
            server.shutdown()


#: glibc's ``mallopt`` parameter for the number of malloc arenas (``M_ARENA_MAX``).
M_ARENA_MAX = -8
#: Arenas for the server: glibc's default is 8 per core, one more for each thread that
#: allocates while another holds one, and each keeps the memory it once used. Under 50 clients
#: (a thread each) that was most of the process's growth; two arenas cost no measurable
#: throughput here (benchmarks/bench_edge_load.py, docs/workshop.md).
ARENAS = 2


def limit_malloc_arenas() -> bool:
    """``mallopt(M_ARENA_MAX, ARENAS)`` before any thread starts (glibc only; a
    ``MALLOC_ARENA_MAX`` in the environment wins). True when it was set."""
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return False
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, ARENAS))
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): nothing to limit
        return False


def main(argv: list[str] | None = None) -> int:
    limit_malloc_arenas()
    parser = argparse.ArgumentParser(prog="python -m cftutorial.localaws.server")
    parser.add_argument("--runtime-file", type=Path, required=True)
    for name in APPS:
        parser.add_argument(f"--{name}-port", type=int, default=0)
    parser.add_argument("--watch-pid", type=int, default=None)
    parser.add_argument("--state", type=Path, default=None, help="the state files' prefix")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    ports = {name: getattr(args, f"{name}_port") for name in APPS}
    serve(ports, args.runtime_file, args.watch_pid, args.state)
    return 0


def exit_now(code: int) -> None:
    """End without the interpreter's teardown of moto's modules, which takes seconds: every
    acknowledged change is on disk already (:mod:`.persistence`), so ``local stop`` need not
    wait for it."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
