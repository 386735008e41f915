"""The kernel every Jupyter the project starts gives its notebooks (``make lab``, ``cftutorial
lab``, the tests, the book): Python 3 with the tutorial's IPython extension loaded from the start.

A learner who restarts the kernel and runs a cell in the middle should read the one-line hint of
:mod:`cftutorial.tutorial.ipython` ("run the notebook from the top"), not a bare ``NameError``
traceback: the hint must not wait for the notebook's import cell. So the project starts Jupyter
with :func:`environment`, whose ``JUPYTER_PATH`` puts this package's kernel spec first
(``jupyter/kernels/python3``). It is ipykernel's own ``python3`` spec (same name and display
name, so the notebooks' ``kernelspec`` metadata still matches, and papermill and Binder, which
do not use it, still run them) plus two arguments: ``--ext=cftutorial.tutorial.ipython``, and a
log filter for ipykernel's start-up warning that the kernel talks plain TCP. Jupyter's kernels
listen on 127.0.0.1 and every message is signed with the connection file's key (a file only the
user can read); the warning printed once per kernel, 13 times in a book build, and said nothing
a learner can act on. Every other kernel log line still shows.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

#: The Jupyter data directory holding ``kernels/python3/kernel.json``.
DATA_DIR = Path(__file__).resolve().parent / "jupyter"
EXTENSION = "cftutorial.tutorial.ipython"
_PLAIN_TCP = "Kernel is running over TCP without encryption"


def jupyter_path(existing: str | None = None) -> str:
    """``JUPYTER_PATH`` with this package's kernel spec first (``existing`` kept after it)."""
    parts = [str(DATA_DIR), *(part for part in (existing or "").split(os.pathsep) if part)]
    return os.pathsep.join(dict.fromkeys(parts))


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with :func:`jupyter_path` set."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = jupyter_path(env.get("JUPYTER_PATH"))
    return env


class LocalTcpNotice(logging.Filter):
    """Drops ipykernel's "running over TCP without encryption" start-up warning (see above)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_PLAIN_TCP)
