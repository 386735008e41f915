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
says so in one line: run the notebook from the top. When the cell that defines the name did run
in this kernel but *failed* (a bad bucket name), the line says that instead, naming the cell and
its error: running from the top would only fail there again. Any other ``NameError`` (a typo)
keeps its traceback. An interrupted wait (:class:`~cftutorial.errors.WaitInterrupted`) is one
line too: what goes on, and that running the cell again resumes it.

Importing this module (or any of the package) installs nothing: :func:`install` does, and says
so where it is called. Every kernel the project starts (``make lab``, ``cftutorial lab``, the
tests) has the handler from its start: their kernel spec loads this extension
(:mod:`cftutorial.tutorial.kernel`). Each notebook's import cell calls :func:`install` too, for
the kernels that do not use that spec (papermill's, Binder's, a JupyterHub's); installing twice
changes nothing. ``%load_ext cftutorial.tutorial.ipython`` loads it anywhere else.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

from ..errors import CftutorialError, WaitInterrupted

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


def bound_names(source: str) -> set[str]:
    """The names a cell's code binds (assignments, imports, loops, functions, classes)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


class FailedCells:
    """Which names this kernel's failed cells would have defined (``post_run_cell``).

    A cell that raised leaves the names after the error unbound; a later cell that needs one
    then meets a ``NameError``. The learner must be told that the defining cell *failed* (and
    why), not that it has not run. A cell that failed only because it met such a name itself
    (a restart) records nothing, so the restart hint still applies to what it defines.
    """

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.failed: dict[str, tuple[int | None, str]] = {}

    def after_cell(self, result: Any) -> None:
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        info = getattr(result, "info", None)
        source = getattr(info, "raw_cell", "") or ""
        try:
            code = self.shell.transform_cell(source)
        except Exception:  # a cell IPython cannot transform binds nothing we know
            code = ""
        names = bound_names(code)
        if error is None:
            for name in names:
                self.failed.pop(name, None)
            return
        if earlier_cell_name(error) is not None:  # it met an unrun cell's name: not its fault
            return
        why = f"{type(error).__name__}: {describe(error)}"
        why = why if len(why) <= 160 else why[:159] + "…"
        for name in names:
            if name not in self.shell.user_ns:
                self.failed[name] = (getattr(result, "execution_count", None), why)

    def hint(self, name: str) -> str:
        """The one line for a notebook name that is not defined."""
        if name not in self.failed:
            return f"name {name!r} is not defined: {RESTART_HINT}"
        count, why = self.failed[name]
        cell = f"cell [{count}]" if count else "the cell"
        return (
            f"name {name!r} is not defined: {cell}, which defines it, ran and failed ({why}); "
            "fix what it says and run that cell again, then this one"
        )


def _cells(shell: Any) -> FailedCells:
    cells = getattr(shell, "cftutorial_failed_cells", None)
    if cells is None:
        cells = FailedCells(shell)
        shell.cftutorial_failed_cells = cells
        events = getattr(shell, "events", None)
        if events is not None:
            events.register("post_run_cell", cells.after_cell)
    return cells


def show_one_line(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset=None) -> list:
    """IPython's ``CustomTB`` handler: a short error output instead of the traceback."""
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # what %tb shows
    if isinstance(value, NameError):
        name = earlier_cell_name(value)
        if name is None:  # a typo, not a skipped cell: IPython's own traceback
            stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
            shell._showtraceback(etype, value, stb)
            return stb
        stb = [f"{_RED}NameError{_RESET}: {_cells(shell).hint(name)}"]
        shell._showtraceback(etype, value, stb)
        return stb
    if isinstance(value, WaitInterrupted):
        stb = [f"{_RED}Interrupted{_RESET}: {value}"]
        shell._showtraceback(etype, value, stb)
        return stb
    label = "ClientError" if isinstance(getattr(value, "response", None), dict) else etype.__name__
    stb = [f"{_RED}{label}{_RESET}: {describe(value)}", f"{_DIM}{HINT}{_RESET}"]
    shell._showtraceback(etype, value, stb)
    return stb


def install(shell: Any = None) -> None:
    """Register the handler in the running IPython shell (again: nothing changes); outside
    IPython, nothing. A notebook's import cell calls it, so it shows no value."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return
    shell.set_custom_exc(
        (CftutorialError, *_client_error(), NameError, WaitInterrupted), show_one_line
    )
    _cells(shell)  # from now on, which cells failed (registered once per shell)


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext cftutorial.tutorial.ipython`` (or the kernel config): installed at start."""
    install(shell)
