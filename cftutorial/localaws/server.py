"""What runs inside the local AWS process (``python -m cftutorial.localaws.server``).

One process serves every app of the local AWS, each on its own 127.0.0.1 port, so that every
notebook kernel, the CLI and the tests share one state. Once every port is bound the process
writes the runtime file (pid, ports, endpoints, log); the parent waits for it. Exit status 3
means a port was taken. The process ends on SIGTERM/SIGINT, or by itself when ``--watch-pid``
names a process that has ended (the tests use this so no server outlives them).
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

from werkzeug.serving import BaseWSGIServer, make_server

from .. import __version__
from ..config import LOCAL_HOST

EXIT_PORT_IN_USE = 3
HEALTH_PATH = "/_cftutorial/health"

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


def with_health(app: Callable, name: str) -> Callable:
    """Answer ``HEALTH_PATH`` with this process's identity, pass everything else to ``app``."""
    identity = json.dumps({"service": f"cftutorial-{name}", "pid": os.getpid()}).encode()

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


def bind(name: str, port: int) -> BaseWSGIServer:
    app = APPS[name]()
    # An app may bring its own request handler (the edge sets its own Server and Date headers).
    handler = getattr(app, "request_handler", None)
    try:
        return make_server(
            LOCAL_HOST, port, with_health(app, name), threaded=True, request_handler=handler
        )
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


def serve(ports: dict[str, int], runtime_file: Path, watch_pid: int | None) -> None:
    servers = {name: bind(name, port) for name, port in ports.items()}
    stop = threading.Event()
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
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
        while not stop.wait(1):
            pass
    finally:
        remove_runtime_if_ours(runtime_file)
        for server in servers.values():
            server.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cftutorial.localaws.server")
    parser.add_argument("--runtime-file", type=Path, required=True)
    for name in APPS:
        parser.add_argument(f"--{name}-port", type=int, default=0)
    parser.add_argument("--watch-pid", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    ports = {name: getattr(args, f"{name}_port") for name in APPS}
    serve(ports, args.runtime_file, args.watch_pid)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
