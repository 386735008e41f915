"""Drive JupyterLab in headless Chromium the way a learner does: open, Run All, read the page.

Only the Debian ``chromium`` package is used (``/usr/bin/chromium``): Playwright's own browser
download fetches a build from outside the package registries, which this project cannot rely on.
``scripts/install-test-system-deps.sh`` installs it (``make test`` runs that first).

Actions go through the page as a learner's would (menus, clicks, typing, Shift+Enter). Progress
is read from the notebook model (``window.jupyterapp``, exposed by the test server), because a
cell's prompt is not in the page when its input is collapsed (the hidden solution cells).
Cells are numbered as in the notebook file (markdown cells count), 0-based.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
#: A closed network makes Chromium's background services fail or hang; none of them is needed.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
VIEWPORT = {"width": 1400, "height": 1000}
KERNEL_START_TIMEOUT = 90_000  # ms
RUN_TIMEOUT = 300.0  # s, for a whole notebook
STALLED = 10.0  # s with no cell running or queued and nothing new: the run has stopped

# Every cell of the notebook in the current tab: kind, execution count, running?, source, text.
_CELLS_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.widgets) { return []; }
  return panel.content.widgets.map((cell, index) => {
    const model = cell.model;
    const prompt = cell.node.querySelector('.jp-InputArea-prompt');
    return {
      index,
      type: model.type,
      count: model.type === 'code' ? model.executionCount : null,
      running: model.type === 'code' && (model.executionState === 'running'
               || (prompt !== null && prompt.textContent.includes('*'))),
      source: model.sharedModel.getSource(),
      tags: model.getMetadata('tags') || [],
    };
  });
}"""


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


_KERNEL_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const context = panel && panel.sessionContext;
  if (!context || !context.isReady) { return null; }
  const kernel = context.session && context.session.kernel;
  return kernel ? kernel.status : 'no kernel';
}"""


def open_notebook(page: Any, server: Any, name: str) -> None:
    """Open ``name`` in JupyterLab (logging in with the token) and wait for an idle kernel."""
    page.goto(f"{server.url}lab/tree/{name}?token={server.token}")
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(
        timeout=KERNEL_START_TIMEOUT
    )
    wait_kernel_idle(page)


def accept_kernel_dialog(page: Any) -> bool:
    """JupyterLab asks which kernel to use when it has none for the notebook; take the default."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and "select kernel" in dialog.first.inner_text().lower():
        dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
        return True
    return False


def kernel_status(page: Any) -> str | None:
    return page.evaluate(_KERNEL_JS)


def wait_kernel_idle(page: Any, timeout: float = KERNEL_START_TIMEOUT) -> None:
    """The notebook's kernel is connected and idle (answering a kernel dialog if one comes)."""
    deadline = time.monotonic() + timeout / 1000
    status = None
    while time.monotonic() < deadline:
        accept_kernel_dialog(page)
        status = kernel_status(page)
        if status == "idle":
            return
        time.sleep(0.3)
    raise AssertionError(f"the notebook's kernel is {status!r}, not idle, after {timeout} ms")


def menu(page: Any, top: str, item: str) -> None:
    """Click menu ``top`` (e.g. "Run") then its entry ``item`` (e.g. "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).click()
    page.locator(
        ".lm-Menu-content .lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")
    ).first.click()


def cells(page: Any) -> list[dict[str, Any]]:
    return page.evaluate(_CELLS_JS)


def _not_run(found: list[dict[str, Any]], upto: int | None) -> list[int]:
    return [
        c["index"]
        for c in found
        if c["type"] == "code" and c["count"] is None and (upto is None or c["index"] < upto)
    ]


def wait_executed(page: Any, upto: int | None = None, timeout: float = RUN_TIMEOUT) -> None:
    """Wait until no cell is running or queued and every code cell (before ``upto``) has run.

    Raises AssertionError naming the first cell that did not run: a cell that raised stops
    Run All, so the cells after it keep an empty prompt.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    changed = time.monotonic()
    while time.monotonic() < deadline:
        accept_kernel_dialog(page)
        found = cells(page)
        progress = [(c["count"], c["running"]) for c in found]
        if progress != last:
            last, changed = progress, time.monotonic()
        busy = any(c["running"] for c in found) or kernel_status(page) != "idle"
        missing = _not_run(found, upto)
        if found and not busy and not missing:
            wait_kernel_idle(page, timeout=30_000)
            return
        if not busy and time.monotonic() - changed > STALLED:
            first = missing[0] if missing else None
            raise AssertionError(
                f"cell {first} did not run (cells not run: {missing}); "
                f"page errors: {error_texts(page)[:2]}"
            )
        time.sleep(0.5)
    raise AssertionError(f"cells still running or not run after {timeout} s: {last}")


def cell_node(page: Any, index: int) -> Any:
    """The page element of cell ``index`` (scrolled into view, so that it is rendered)."""
    node = page.locator(
        f'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell[data-windowed-list-index="{index}"]'
    )
    node.scroll_into_view_if_needed()
    return node


def output_text(page: Any, index: int) -> str:
    """The outputs of cell ``index`` as the page shows them."""
    outputs = cell_node(page, index).locator(".jp-OutputArea")
    return outputs.inner_text() if outputs.count() else ""


def error_texts(page: Any) -> list[str]:
    """Tracebacks shown on the page (outputs of cells that raised)."""
    texts = page.evaluate(
        """() => Array.from(document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) [data-mime-type="application/vnd.jupyter.stderr"]'))
          .map(node => node.textContent)"""
    )
    return [t[-1500:] for t in texts if "Traceback" in t]


def find_cell(page: Any, needle: str, kind: str = "code") -> int:
    """Index of the first cell of ``kind`` whose source contains ``needle``."""
    found = cells(page)
    for cell in found:
        if cell["type"] == kind and needle in cell["source"]:
            return cell["index"]
    raise AssertionError(f"no {kind} cell contains {needle!r} ({len(found)} cells)")


def select_cell(page: Any, index: int) -> None:
    """Select cell ``index`` in command mode, as a click on its prompt area does.

    (Not the blue bar further left: a click there collapses the cell's input.)
    """
    cell_node(page, index).locator(".jp-InputPrompt").first.click()
    page.wait_for_function(
        f"() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === {index}"
    )


def run_cell(page: Any, index: int, timeout: float = 120.0) -> int:
    """Select code cell ``index``, run it with Shift+Enter and return its new execution count."""
    before = cells(page)[index]["count"]
    select_cell(page, index)
    page.keyboard.press("Shift+Enter")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cell = cells(page)[index]
        if cell["count"] is not None and cell["count"] != before and not cell["running"]:
            wait_kernel_idle(page, timeout=30_000)
            return cell["count"]
        time.sleep(0.3)
    raise AssertionError(f"cell {index} did not finish within {timeout} s")


def screenshot(page: Any, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path
