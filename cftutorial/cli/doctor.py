"""``cftutorial doctor [--json]``: check the set-up; exit 1 with a fix for each problem."""

from __future__ import annotations

import argparse

from ..tutorial import doctor


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("doctor", help="check that everything the tutorial needs is here")
    parser.add_argument("--json", action="store_true", help="the checks as a JSON list")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    checks = doctor.run_checks()
    print(doctor.as_json(checks) if args.json else doctor.report(checks))
    return 0 if all(check.ok for check in checks) else 1
