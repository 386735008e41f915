"""The tables a learner reads in JupyterLab, 950 px wide (issue 26, item 10): notebook 09's ten
cases, 08's answers and 11's segments, each with no column narrower than a word.

JupyterLab lays out output tables with ``table-layout: fixed``: nine columns of equal width cut
``AccessDenied`` into ``Acc/ess/De/nie/d``. The notebooks' tables size their columns to their
content and keep words whole (only tokens longer than any column, URLs and signatures, wrap).
09's tables are measured in the modern chain's executed learner 09 (its Run All, the one the
book is built from), opened in JupyterLab as a learner's own notebook is (trusted): JupyterLab
draws a kept output exactly as the one it has just received, so the tables are not executed a
second time. The check measures every word of every table cell as Chromium draws it. 08's tables
are measured where 08 runs in JupyterLab for its video (test_lab.py), 11's where it runs for its
login link (test_learner_11_run_all.py): :func:`assert_tables_keep_words_whole` in each.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import chains
import nbformat
import pytest
from jupyter_process import JupyterServer, running_jupyter
from lab_driver import (
    accept_kernel_dialog,
    cell_node,
    cells,
    find_cell,
    menu,
    open_notebook,
    wait_executed,
    wait_kernel_idle,
)
from nbformat.sign import NotebookNotary

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTH = 950
#: A longer token (a URL, a signature) may wrap: no column could hold it.
LONGEST_WORD = 24

#: For one table: each word of each cell whose column is narrower than the word.
_NARROWER_THAN_A_WORD = """(table) => {
  const context = document.createElement('canvas').getContext('2d');
  const cramped = [];
  for (const cell of table.querySelectorAll('td, th')) {
    const style = getComputedStyle(cell);
    context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const word of cell.innerText.split(/\\s+/)) {
      if (!word || word.length > LONGEST) { continue; }
      const needed = context.measureText(word).width;
      if (needed > room + 1) { cramped.push({word, needed: Math.round(needed), room}); }
    }
  }
  return {cells: table.querySelectorAll('td, th').length, cramped};
}""".replace("LONGEST", str(LONGEST_WORD))


def cramped_words(page, index: int) -> tuple[int, list[dict]]:
    """(tables checked, words wider than their column) in the outputs of cell ``index``."""
    tables = cell_node(page, index).locator(".jp-OutputArea-output table")
    found: list[dict] = []
    count = tables.count()
    for number in range(count):
        table = tables.nth(number)
        table.scroll_into_view_if_needed()
        measured = table.evaluate(_NARROWER_THAN_A_WORD)
        assert measured["cells"] > 0
        found += measured["cramped"]
    return count, found


def run_all(page, lab, prefix: str) -> None:
    """Open the notebook and Run All (again, when JupyterLab was still settling the new tab
    and the first click started nothing)."""
    name = next(lab.notebooks.glob(f"{prefix}-*.ipynb")).name
    chains.counted("JupyterLab", name)
    # a workspace of its own: this notebook alone in the window (no earlier tab restored)
    page.goto(
        f"{lab.server.url}lab/workspaces/nb{prefix}/tree/{name}?reset&token={lab.server.token}"
    )
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=90_000)
    wait_kernel_idle(page)
    for _attempt in range(3):
        accept_kernel_dialog(page)
        menu(page, "Run", "Run All Cells")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any(c["count"] is not None or c["running"] for c in cells(page)):
                wait_executed(page)
                return
            time.sleep(0.3)
    raise AssertionError(f"Run All did not start in notebook {prefix}")


def saved(page, lab, prefix: str) -> nbformat.NotebookNode:
    """The notebook as JupyterLab saves it (File > Save Notebook), outputs and all."""
    path = next(lab.notebooks.glob(f"{prefix}-*.ipynb"))
    before = path.stat().st_mtime_ns
    menu(page, "File", "Save Notebook")
    deadline = time.monotonic() + 30
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.2)
    while True:  # the server may still be writing it (truncated first, then filled)
        try:
            return nbformat.read(path, as_version=4)
        except nbformat.reader.NotJSONError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def assert_tables_keep_words_whole(page, prefix: str, needles: tuple[str, ...]) -> int:
    """In the notebook open in ``page`` (``prefix``), 950 px wide: each table in the outputs of
    the cells whose source has one of ``needles`` keeps its words whole; how many there were."""
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    sources = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets"
        ".map((c, i) => [i, c.model.type, c.model.sharedModel.getSource()])"
    )
    indexes = [i for i, kind, src in sources if kind == "code" and any(n in src for n in needles)]
    assert indexes, f"notebook {prefix} has no cell with {needles}"
    checked = 0
    for index in indexes:
        count, cramped = cramped_words(page, index)
        checked += count
        assert not cramped, f"notebook {prefix}, cell {index}: {cramped[:5]}"
    cell_node(page, indexes[-1]).locator("table").last.scroll_into_view_if_needed()
    return checked


@pytest.fixture
def learner_09_in_lab(modern_chain, tmp_path: Path) -> Iterator[tuple[JupyterServer, str]]:
    """JupyterLab serving the modern chain's executed learner 09, trusted as the learner's own
    Run All is (signed with the server's notary, in its private data folder)."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    executed = modern_chain["09"]
    notebook = nbformat.read(executed.path, as_version=4)
    work = tmp_path / "jupyter"
    (work / "data").mkdir(parents=True)  # the server's own (running_jupyter's private dirs)
    NotebookNotary(data_dir=str(work / "data")).sign(notebook)
    nbformat.write(notebook, folder / executed.path.name)
    with running_jupyter("lab", folder, work) as server:
        yield server, executed.path.name


def test_every_table_of_09_keeps_its_words_whole_at_950_px(
    learner_09_in_lab, page, screenshots
) -> None:
    server, name = learner_09_in_lab
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    open_notebook(page, server, name)  # as saved: outputs and all
    accept_kernel_dialog(page)
    trusted = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets"
        ".filter(c => c.model.type === 'code').map(c => c.model.trusted)"
    )
    assert trusted and all(trusted), trusted  # drawn as the learner's own outputs are
    checked = assert_tables_keep_words_whole(
        page, "09", ("clinic.show_case(", "clinic.broken(", "clinic.fixed(")
    )
    assert checked >= 11, checked
    case_7 = find_cell(page, '"7 key not in the group"')
    cell_node(page, case_7).locator("table").scroll_into_view_if_needed()
    screenshots.take(page, "learner-09-case-7-at-950px")
