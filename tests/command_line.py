"""The ``cftutorial`` command run inside the test process, answering as a process would.

:func:`cftutorial` runs :func:`cftutorial.cli.main` with the arguments a shell would pass, with
no terminal on stdin (as ``stdin=subprocess.DEVNULL``), and returns what a subprocess would:
the exit status, stdout and stderr (an argparse refusal is its exit status 2 and its usage
line). A new Python for each command costs a second or more of imports, botocore's service
models and the local AWS's health probe; in this process they are paid once.

Use it where the command's work is what a test checks (what teardown deletes, what a KMS key
signs). Where the process is the point (the entry point, a fresh HOME, a closed pipe, a Ctrl-C,
the modules a command loads) the tests start one: ``test_cli_errors.py``, ``test_packaging.py``,
``test_launch.py``, ``test_two_users.py``.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

from cftutorial.cli import main


def cftutorial(*args: str) -> subprocess.CompletedProcess[str]:
    """``cftutorial ARGS`` in this process: its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with (
        open(os.devnull, encoding="utf-8") as no_terminal,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        saved_stdin, sys.stdin = sys.stdin, no_terminal
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: a usage error (2), or --help/--version (0)
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
            if isinstance(exc.code, str):  # what Python prints for sys.exit("message")
                print(exc.code, file=sys.stderr)
        finally:
            sys.stdin = saved_stdin
    return subprocess.CompletedProcess(["cftutorial", *args], code, out.getvalue(), err.getvalue())
