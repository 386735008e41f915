"""``cftutorial local start | stop | status [--json]``: the local AWS process."""

from __future__ import annotations

import argparse


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


def _describe(state) -> str:
    edge = state.edge_endpoint or "not served"
    return (
        f"local AWS running (pid {state.pid})\n"
        f"  AWS API endpoint:  {state.aws_endpoint}\n"
        f"  CloudFront edge:   {edge}\n"
        f"  state directory:   {state.home}\n"
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
        print(
            f"local AWS not running (state directory {state.home}); start: cftutorial local start"
        )
    return 0 if state.running else 1
