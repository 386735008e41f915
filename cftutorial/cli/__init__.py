"""The ``cftutorial`` command line. One module per command group, each with ``register``.

Every deliberate error is a :class:`~cftutorial.errors.CftutorialError`: printed as one line
(``cftutorial: error: …``) with exit status 2, never a traceback. So are the errors of the
boundary (:mod:`.boundary`): AWS refusals, missing credentials, unreachable endpoints and a
missing extra. A closed pipe (``cftutorial doctor --json | head -1``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..errors import CftutorialError
from . import audit, batch, boundary, doctor, lab, local, signing, teardown

#: Command groups, in the order ``--help`` lists them.
COMMANDS = [lab, local, doctor, signing, batch, audit, teardown]

EXIT_ERROR = 2
#: What a shell reports for a command a closed pipe ended (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141


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
        code = _run(args)
        sys.stdout.flush()  # a closed pipe shows here, while it can still be caught
    except BrokenPipeError:
        # The reader went away (| head, | true): say nothing, and keep Python's exit-time flush
        # of the dead pipe from printing "Exception ignored ... BrokenPipeError".
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args) or 0)
    except CftutorialError as exc:
        return _fail(f"cftutorial: error: {exc}")
    except KeyboardInterrupt:
        return _fail("cftutorial: interrupted", 130)
    except ModuleNotFoundError as exc:
        message = boundary.missing_extra_message(exc)
        if message is None:
            raise
        return _fail(f"cftutorial: error: {message}")
    except Exception as exc:
        message = boundary.aws_error_message(exc)
        if message is None:
            raise
        return _fail(f"cftutorial: error: {message}")


def _fail(line: str, code: int = EXIT_ERROR) -> int:
    sys.stdout.flush()
    print(line, file=sys.stderr)
    return code
