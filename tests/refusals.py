"""A notebook that refuses a run at its first working cell, asserted without executing it.

The guide chain executes notebook 09 on the guide path and keeps what the learner sees: one line,
``ModernPathRequired: notebook 09 needs the modern path: ...``, and the ``%tb`` hint. Notebooks
10-12 stop the same way, in the same place, so they are not executed a second, third and fourth
time to show it. Each is held by three facts:

1. **Where it stops** (:func:`first_work`): in the notebook the chain would run, the cell that
   reads the form's values calls the step module's check with the run and ``values["approach"]``
   before any other step call, and no cell before it builds a client (so nothing reaches AWS
   before the check).
2. **What it raises** (:func:`raised`): that check, called on the run as the chain saved it after
   07 (``chain.probes["saved run after 07"]``), raises the notebook's own error, with no client
   built (a client would fail the check here).
3. **What the learner sees** (:func:`shown`): the kernel's error handler
   (:func:`cftutorial.tutorial.ipython.show_one_line`, installed by every notebook's import cell)
   renders that error; the tests hold the same rendering of 09's error equal to what the executed
   09 showed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nbformat
import pytest
from chains import ANSI

from cftutorial.aws import clients
from cftutorial.errors import CftutorialError, ModernPathRequired
from cftutorial.tutorial import ipython, state
from cftutorial.tutorial import step09_clinic as step09
from cftutorial.tutorial import step10_rotation as step10
from cftutorial.tutorial import step11_login_cookies as step11
from cftutorial.tutorial import step12_kms as step12

#: Each notebook's check, as its first working cell calls it: the call in the source, the function.
CHECKS: dict[str, tuple[str, Callable[..., Any]]] = {
    "09": ('step09.check_run(run, values["approach"])', step09.check_run),
    "10": ('step10.check_run(run, values["approach"])', step10.check_run),
    "11": ('step11.check_run(run, values["approach"])', step11.check_run),
    "12": ('step12.local_key(run, values["approach"])', step12.local_key),
}


def first_work(source: Path) -> str:
    """The check call the notebook ``source`` makes first: asserts that the cell reading the
    form's values makes it before any other call of its step module, and that no cell before it
    builds a client. Returns the call as written."""
    number = source.name[:2]
    expected, _ = CHECKS[number]
    cells = [c.source for c in nbformat.read(source, as_version=4).cells if c.cell_type == "code"]
    at = next((i for i, cell in enumerate(cells) if "form.values()" in cell), None)
    assert at is not None, f"{source.name}: no cell reads form.values()"
    cell = cells[at]
    first_step_call = re.search(rf"step{number}\.\w+\([^)]*\)", cell)
    assert first_step_call is not None, f"{source.name}: its first working cell calls no step"
    assert first_step_call.group(0) == expected, (source.name, first_step_call.group(0))
    before = "\n".join([*cells[:at], cell[: first_step_call.start()]])
    assert "clients.client(" not in before, f"{source.name} builds a client before its check"
    return first_step_call.group(0)


def raised(
    number: str, run_name: str, saved_run: Mapping[str, Any], approach: str, monkeypatch
) -> CftutorialError:
    """What notebook ``number``'s check raises for the run ``run_name`` saved as ``saved_run``
    (what ``state.open_run`` reads) and the ``approach`` parameter; it may build no client."""

    def no_client(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"notebook {number}'s check built a client before refusing")

    monkeypatch.setattr(clients, "client", no_client)
    _, check = CHECKS[number]
    run = state.Run(run_name, dict(saved_run))
    with pytest.raises(CftutorialError) as caught:
        check(run, approach)
    return caught.value


class _Shell:
    """What :func:`ipython.show_one_line` uses of IPython's shell: the error it shows."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def _showtraceback(self, etype: type, value: BaseException, stb: list[str]) -> None:
        self.shown = stb


def shown(error: Exception) -> str:
    """``error`` as the kernel's handler shows it (colours removed), as ``Executed.shown`` reads
    an executed notebook's error output."""
    shell = _Shell()
    ipython.show_one_line(shell, type(error), error, None)
    return ANSI.sub("", "\n".join(shell.shown))


def on_the_guide_path(guide_chain: Any, number: str, monkeypatch) -> ModernPathRequired:
    """Notebook ``number`` on the guide chain's run: it stops at its first working cell (in the
    chain's own copy of the notebook), its check raises ``ModernPathRequired`` naming the
    notebook on the run saved after 07, and the learner sees that one line and the ``%tb`` hint,
    rendered as the executed 09's was. Returns the error (the rest of the message is the
    notebook's own)."""
    saved = guide_chain.probes["saved run after 07"]
    executed = guide_chain["09-refusal"]
    assert first_work(guide_chain.source("09")) and first_work(guide_chain.source(number))
    assert shown(raised("09", "guide", saved, "guide", monkeypatch)) == executed.shown
    error = raised(number, "guide", saved, "guide", monkeypatch)
    assert isinstance(error, ModernPathRequired), repr(error)
    assert f"notebook {number} needs the modern path" in str(error)
    assert shown(error) == f"ModernPathRequired: {error}\n{ipython.HINT}"
    return error
