"""``cftutorial local start | stop | status [--json] | reset [--yes]``: the local AWS process.

The local AWS keeps its state on disk between runs; ``reset`` is the one way to wipe it on
purpose. Like ``teardown`` it asks first, and refuses when it cannot ask (no terminal) unless
``--yes`` is given, so a script never wipes by accident.
"""

from __future__ import annotations

import argparse
import sys

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
    reset_parser = actions.add_parser(
        "reset", help="stop it and wipe its saved state and the saved tutorial runs"
    )
    reset_parser.add_argument("--yes", action="store_true", help="wipe without asking")
    reset_parser.set_defaults(handler=reset)


def _size(size: int | None) -> str:
    return "none" if size is None else f"{size / 1024:.1f} KiB"


def _saved_state(state) -> str:
    """What the server restored at start, and the snapshot's size now."""
    found = state.saved_state or {}
    line = f"  saved state:       {found.get('message', 'unknown')}"
    if found.get("result") == "unreadable":
        line += "\n  warning:           the tutorial's saved ids may point at nothing; see the log"
    return line + f"\n  snapshot:          {state.snapshot_file} ({_size(state.snapshot_bytes)})"


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
        print(state.to_json())
    elif state.running:
        print(_describe(state))
    else:
        kept = (
            f"saved state {_size(state.snapshot_bytes)}, restored on start"
            if state.snapshot_bytes is not None
            else "no saved state"
        )
        print(
            f"local AWS not running (state directory {state.home}; {kept}); "
            "start: cftutorial local start"
        )
    return 0 if state.running else 1


def _local_runs() -> list[str]:
    """The saved tutorial runs that describe the local AWS (none in aws mode: they are real)."""
    if config.backend() != "local":
        return []
    from ..tutorial import state

    return state.runs()


def reset(args: argparse.Namespace) -> int:
    from ..localaws import process
    from ..tutorial import cleanup

    runs = _local_runs()
    snapshot = process.snapshot_file()
    print(
        f"local reset wipes the local AWS's saved state {snapshot} ({_size(process.snapshot_bytes())})"
    )
    if runs:
        print(
            f"  and forgets the saved tutorial run(s) {', '.join(runs)} (their ids would be false)"
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
    deleted = [name for run_name in runs for name in cleanup.forget_local_run(run_name)]
    print(
        ("stopped the local AWS; " if done.stopped else "the local AWS was not running; ")
        + ("removed its saved state" if done.removed else "it had no saved state")
        + (f"; forgot run(s) {', '.join(runs)}" if runs else "")
        + (f"; deleted {len(deleted)} key file(s) of theirs" if deleted else "")
        + ". Start again with notebook 01 (the local AWS starts on demand)."
    )
    return 0
