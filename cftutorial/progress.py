"""Progress bars that leave their last state on the page, for every reader of a notebook.

``tqdm.auto`` draws a live ipywidgets bar in a notebook. A widget's state is not kept in the
notebook file, so an executed notebook read later (a papermill run report, the book) shows it as
it was first drawn — 0 %, or nothing at all. :func:`bar` is the same tqdm bar; when it closes in
a notebook, its place on the page is replaced by a plain picture of its last state: HTML (a
filled bar, green when it finished, red when it stopped short) and the same line as text. That
picture is an ordinary display output, which JupyterLab, papermill, nbconvert and the book keep.

Outside a notebook (a terminal, a test) :func:`bar` is tqdm's text bar, unchanged.
"""

from __future__ import annotations

import html
import re
import sys
from typing import Any

_BAR = re.compile(r"\s*\|[^|]*\|\s*")  # tqdm's text bar, "|████  |": the HTML draws its own
#: The picture's colours, as tqdm's notebook bar colours its own ``bar_style``.
COLOURS = {"success": "#5cb85c", "danger": "#d9534f", "": "#5bc0de"}


def _in_a_kernel() -> bool:
    """Whether this process is a running Jupyter kernel (its IPython shell has a kernel).

    tqdm.auto decides once, at its import, by whether ``ipykernel.zmqshell`` was imported: a
    process that imported ipykernel without running a kernel (a tool, a test) would get widget
    bars no one sees, printed as their repr."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def _notebook_class() -> Any:
    """tqdm's notebook bar when tqdm.auto would draw one in a running Jupyter kernel, else None."""
    if not _in_a_kernel():
        return None
    from tqdm.auto import tqdm as auto

    if not any("notebook" in klass.__module__ for klass in auto.__mro__):
        return None
    from tqdm.notebook import tqdm as notebook

    return notebook


def bar(**options: Any) -> Any:
    """A tqdm bar (``options`` as tqdm's) that leaves :class:`Snapshot` of itself when closed."""
    notebook = _notebook_class()
    if notebook is None:
        from tqdm.std import tqdm  # text (tqdm.auto may have chosen widgets: _in_a_kernel)

        return tqdm(**options)
    return _snapshotting(notebook)(**options)


def _snapshotting(notebook: type) -> type:
    class SnapshotBar(notebook):  # type: ignore[misc, valid-type]
        """tqdm's notebook bar, displayed under a display id so that close() can replace it."""

        def __init__(self, **options: Any) -> None:
            from IPython.display import display

            super().__init__(display=False, **options)
            self.handle = None if self.disable else display(self.container, display_id=True)

        def close(self) -> None:
            if self.disable:
                return
            super().close()  # tqdm's own final style: success, or danger when n < total
            if self.handle is not None:
                self.handle.update(Snapshot.of(self))
                self.handle = None

    return SnapshotBar


class Snapshot:
    """The last state of a bar as plain HTML and text (no widget, no script)."""

    def __init__(self, text: str, fraction: float | None, style: str) -> None:
        self.text, self.fraction, self.style = text, fraction, style

    @classmethod
    def of(cls, progress: Any) -> Snapshot:
        style = progress.container.children[1].bar_style or ""
        total = progress.total
        fraction = min(progress.n / total, 1.0) if total else None
        return cls(str(progress).strip(), fraction, style)

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        width = 100 if self.fraction is None else round(self.fraction * 100)
        colour = COLOURS.get(self.style, COLOURS[""])
        filled = (
            f'<span style="display:inline-block;vertical-align:middle;width:16em;height:1em;'
            f'background:#e9e9e9;border-radius:2px;margin-right:.6em">'
            f'<span style="display:block;width:{width}%;height:100%;background:{colour};'
            f'border-radius:2px"></span></span>'
        )
        return (
            f'<div class="cftutorial-progress" data-style="{html.escape(self.style)}" '
            f'style="font-family:monospace;margin:.2em 0">{filled}'
            f"{html.escape(_BAR.sub(' ', self.text).strip())}</div>"
        )
