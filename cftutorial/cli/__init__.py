"""The ``cftutorial`` command line. One module per command group, each with ``register``.

Every deliberate error is a :class:`~cftutorial.errors.CftutorialError`: printed as one line
(``cftutorial: error: …``) with exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..errors import CftutorialError
from . import batch, doctor, local, signing, teardown

#: Command groups, in the order ``--help`` lists them.
COMMANDS = [local, doctor, signing, batch, teardown]

EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cftutorial",
        description="Private CloudFront content with signed URLs and cookies: "
        "the tutorial's helper commands.",
    )
    parser.add_argument("--version", action="version", version=f"cftutorial {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CftutorialError as exc:
        print(f"cftutorial: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("cftutorial: interrupted", file=sys.stderr)
        return 130
