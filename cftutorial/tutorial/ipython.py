"""Learner errors as one line: an IPython exception handler for the tutorial's own errors.

A learner who types a bad bucket name or runs notebook 05 before 04 should read one short message
that names the problem and the fix, not a traceback through package code with the message at the
bottom. So in an IPython kernel, a :class:`~cftutorial.errors.CftutorialError` (and botocore's
``ClientError``, AWS's refusal of one of the tutorial's calls) is shown as a short error output:
the message, and the hint that ``%tb`` shows the full traceback. The cell still fails (Run All and
papermill stop there), and every other exception keeps IPython's usual traceback.

After a kernel restart a learner often runs one cell in the middle, which meets a name an
earlier cell defines (``NameError: name 'Path' is not defined``). A ``NameError`` for one of the
names the notebooks define (:data:`NOTEBOOK_NAMES`, kept equal to the notebooks by a test)
says so in one line: run the notebook from the top. Any other ``NameError`` (a typo) keeps its
traceback. The handler is there once ``cftutorial.tutorial`` was imported in the kernel, or from
the kernel's start with the extension loaded (``%load_ext cftutorial.tutorial.ipython``, or
``c.InteractiveShellApp.extensions = ["cftutorial.tutorial.ipython"]`` in the kernel config).
"""

from __future__ import annotations

import sys
from typing import Any

from ..errors import CftutorialError

HINT = "(the full traceback: run %tb in a new cell)"
RESTART_HINT = (
    "an earlier cell of this notebook defines it, and this kernel has not run that cell "
    "(after a restart: run the notebook from the top, Run > Run All Cells, or the cells above)"
)


def _notebook_names() -> frozenset[str]:
    """The names the tutorial notebooks' cells define (imports, assignments, loops, functions):
    ``assets/notebook-names.txt``, which a test keeps equal to what the notebook sources bind."""
    from importlib import resources

    text = (resources.files("cftutorial.tutorial") / "assets" / "notebook-names.txt").read_text()
    return frozenset(text.split())


NOTEBOOK_NAMES = _notebook_names()
_RED, _DIM, _RESET = "\x1b[1;31m", "\x1b[2m", "\x1b[0m"


def _client_error() -> tuple[type[BaseException], ...]:
    try:
        from botocore.exceptions import ClientError
    except ImportError:  # signing-only installs have no botocore
        return ()
    return (ClientError,)


def describe(value: BaseException) -> str:
    """The one line a learner reads for ``value``."""
    response = getattr(value, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        operation = getattr(value, "operation_name", "the request")
        return f"AWS refused {operation}: {error.get('Code', '?')} — {error.get('Message', '')}".rstrip(
            " —"
        )
    return str(value)


def earlier_cell_name(value: BaseException) -> str | None:
    """The name of a ``NameError`` when an earlier notebook cell defines it, else None."""
    if not isinstance(value, NameError):
        return None
    name = getattr(value, "name", None)
    return name if name in NOTEBOOK_NAMES else None


def show_one_line(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset=None) -> list:
    """IPython's ``CustomTB`` handler: a short error output instead of the traceback."""
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # what %tb shows
    if isinstance(value, NameError):
        name = earlier_cell_name(value)
        if name is None:  # a typo, not a skipped cell: IPython's own traceback
            stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
            shell._showtraceback(etype, value, stb)
            return stb
        stb = [f"{_RED}NameError{_RESET}: name {name!r} is not defined: {RESTART_HINT}"]
        shell._showtraceback(etype, value, stb)
        return stb
    label = "ClientError" if isinstance(getattr(value, "response", None), dict) else etype.__name__
    stb = [f"{_RED}{label}{_RESET}: {describe(value)}", f"{_DIM}{HINT}{_RESET}"]
    shell._showtraceback(etype, value, stb)
    return stb


def install(shell: Any = None) -> bool:
    """Register the handler in the running IPython shell; False outside IPython."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc((CftutorialError, *_client_error(), NameError), show_one_line)
    return True


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext cftutorial.tutorial.ipython`` (or the kernel config): installed at start."""
    install(shell)
