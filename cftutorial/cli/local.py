"""``cftutorial local start | stop | status [--json] | env [--json] | reset [--yes]``: the local
AWS process.

``env`` prints the shell lines that point the AWS CLI and any boto3 script at the local AWS
(``eval "$(cftutorial local env)"; aws s3 ls``), starting it when it does not run.

The local AWS keeps its state on disk between runs; ``reset`` is the one way to wipe it on
purpose. Like ``teardown`` it asks first, and refuses when it cannot ask (no terminal) unless
``--yes`` is given, so a script never wipes by accident.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import Any

from .. import config
from ..errors import CftutorialError


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "local", help="start, stop or inspect the local AWS (moto + the local CloudFront edge)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("start", help="start it in the background (idempotent)").set_defaults(
        handler=start
    )
    actions.add_parser("stop", help="stop the process it started").set_defaults(handler=stop)
    status_parser = actions.add_parser("status", help="is it running, and where")
    status_parser.add_argument("--json", action="store_true", help="one JSON object")
    status_parser.set_defaults(handler=status)
    env_parser = actions.add_parser(
        "env",
        help='shell lines that point the AWS CLI and boto3 at it: eval "$(cftutorial local env)"',
    )
    env_parser.add_argument("--json", action="store_true", help="one JSON object")
    env_parser.set_defaults(handler=env)
    reset_parser = actions.add_parser(
        "reset", help="stop it and wipe its saved state and the saved tutorial runs"
    )
    reset_parser.add_argument("--yes", action="store_true", help="wipe without asking")
    reset_parser.set_defaults(handler=reset)


def _size(size: int | None) -> str:
    return "none" if size is None else f"{size / 1024:.1f} KiB"


def _saved_state(state) -> str:
    """What the server restored at start, and the state's size on disk now."""
    found = state.saved_state or {}
    line = f"  saved state:       {found.get('message', 'unknown')}"
    if found.get("result") == "unreadable":
        line += "\n  warning:           the tutorial's saved ids may point at nothing; see the log"
    files = " + ".join(state.state_files) or "none"
    return line + f"\n  on disk:           {files} ({_size(state.state_bytes)})"


def _describe(state) -> str:
    edge = state.edge_endpoint or "not served"
    return (
        f"local AWS running (pid {state.pid})\n"
        f"  AWS API endpoint:  {state.aws_endpoint}\n"
        f"  CloudFront edge:   {edge}\n"
        f"  state directory:   {state.home}\n"
        f"{_saved_state(state)}\n"
        f"  log:               {state.log_file}"
    )


def start(_args: argparse.Namespace) -> int:
    from ..localaws import process

    state = process.start()
    print(("already running: " if state.already_running else "started: ") + _describe(state))
    return 0


def stop(_args: argparse.Namespace) -> int:
    from ..localaws import process

    print("stopped" if process.stop() else "not running")
    return 0


def status(args: argparse.Namespace) -> int:
    from ..localaws import process

    state = process.status()
    if args.json:
        found = json.loads(state.to_json())
        if state.running and state.aws_endpoint:
            found["env"] = _env_json(state.aws_endpoint)
        print(json.dumps(found, indent=2))
    elif state.running:
        print(_describe(state))
    else:
        kept = (
            f"saved state {_size(state.state_bytes)}, restored on start"
            if state.state_bytes is not None
            else "no saved state"
        )
        print(
            f"local AWS not running (state directory {state.home}; {kept}); "
            "start: cftutorial local start"
        )
    return 0 if state.running else 1


def _env_json(aws_endpoint: str) -> dict:
    values, unset = config.local_client_env(aws_endpoint)
    return {"set": values, "unset": unset}


def env(args: argparse.Namespace) -> int:
    """The ``export``/``unset`` lines (POSIX shells) or, with ``--json``, the same as data."""
    from ..localaws import process

    if config.backend() != "local":
        raise CftutorialError(
            f"local env points clients at the local AWS, but {config.ENV_BACKEND}="
            f"{config.backend()}; unset it (or set it to local) first"
        )
    state = process.status()
    if not state.running:
        state = process.start()
        print(f"# started the local AWS (pid {state.pid})", file=sys.stderr)
    if args.json:
        print(json.dumps(_env_json(state.aws_endpoint), indent=2))
        return 0
    values, unset = config.local_client_env(state.aws_endpoint)
    print("# the local AWS for the AWS CLI and boto3 (cftutorial local env); its CloudFront edge:")
    print(f"# {state.edge_endpoint}/DISTRIBUTION_DOMAIN/PATH")
    for name, value in values.items():
        print(f"export {name}={shlex.quote(value)}")
    print("unset " + " ".join(unset))
    return 0


def _local_runs() -> list[Any]:
    """The saved tutorial runs (``state.Run``) that describe the local AWS (none in aws mode:
    they are real), from one read of the state file."""
    if config.backend() != "local":
        return []
    from ..tutorial import state

    return state.open_runs()


def reset(args: argparse.Namespace) -> int:
    from ..localaws import process
    from ..tutorial import cleanup

    runs = _local_runs()
    names = [run.name for run in runs]
    print(
        f"local reset wipes the local AWS's saved state {process.state_path()}.* "
        f"({_size(process.state_bytes())})"
    )
    if runs:
        print(
            f"  and forgets the saved tutorial run(s) {', '.join(names)} (their ids would be false)"
            " with their local key files"
        )
    if not args.yes:
        if not sys.stdin.isatty():
            raise CftutorialError(
                "local reset wipes every bucket, distribution and key of the local AWS: "
                "run it in a terminal to confirm, or add --yes"
            )
        if input("wipe it? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing was wiped")
            return 1
    done = process.reset()
    deleted = [name for run in runs for name in cleanup.forget_local_run(run)]
    print(
        ("stopped the local AWS; " if done.stopped else "the local AWS was not running; ")
        + ("removed its saved state" if done.removed else "it had no saved state")
        + (f"; forgot run(s) {', '.join(names)}" if runs else "")
        + (f"; deleted {len(deleted)} key file(s) of theirs" if deleted else "")
        + ". Start again with notebook 01 (the local AWS starts on demand)."
    )
    return 0
