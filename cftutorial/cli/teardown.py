"""``cftutorial teardown [--run NAME] [--dry-run] [--yes] [--keep-keys]``.

Lists what the run left, then deletes it in AWS's dependency order: both walk the run's
resource table (:mod:`cftutorial.run.resources`, through :mod:`cftutorial.tutorial.cleanup`). Without ``--yes`` it asks first, and refuses when it cannot ask
(no terminal), so a script never deletes by accident.
"""

from __future__ import annotations

import argparse
import sys

from .. import config
from ..errors import CftutorialError


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "teardown", help="delete everything a tutorial run created (dependency order, resumable)"
    )
    parser.add_argument("--run", default="default", help="the run name (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, only")
    parser.add_argument("--yes", action="store_true", help="delete without asking")
    parser.add_argument("--keep-keys", action="store_true", help="keep the local key files")
    parser.set_defaults(handler=run)


def _describe(found: list) -> str:
    from ..run import resources

    return "\n".join(f"  {item.what:<34} {resources.shown(item)}" for item in found)


def run(args: argparse.Namespace) -> int:
    from ..tutorial import cleanup, state  # boto3 and the step modules: only when tearing down

    saved = state.open_run(args.run)  # the run's saved state, read once
    found = cleanup.plan(saved)
    where = "the local AWS" if config.backend() == "local" else "your AWS account"
    if not found:
        print(f"run {args.run!r}: nothing left in {where}")
        cleanup.cleanup(saved, progress=False)  # forgets any saved state
        return 0
    print(f"run {args.run!r}: {len(found)} resource(s) in {where}, in deletion order:")
    print(_describe(found))
    pending = cleanup.put_backs(saved)
    if pending:
        print(
            f"{len(pending)} change(s) a notebook made and did not put back (deleted with the "
            "rest; to keep the run instead, run that notebook's last section):"
        )
        for row in pending:
            print(f"  notebook {row['notebook']}  {row['what']:<24} {row['id']}")
    if args.dry_run:
        print("dry run: nothing was deleted")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise CftutorialError(
                "teardown deletes resources: run it in a terminal to confirm, or add --yes"
            )
        if input("delete them? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing was deleted")
            return 1
    steps = cleanup.cleanup(saved, keep_keys=args.keep_keys, progress=sys.stderr.isatty())
    for step in steps:
        print(f"  {step.outcome:<8} {step.what:<34} {step.id}")
    print(f"run {args.run!r}: done")
    return 0
