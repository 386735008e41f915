"""Generate each notebooks/NN-*.ipynb from its one source, notebooks/NN-*.md (MyST, jupytext).

    python scripts/sync_notebooks.py          # write every .ipynb (and .md) that differs
    python scripts/sync_notebooks.py --check  # exit 1 naming each file that is out of date

The .ipynb is what JupyterLab, Binder, papermill and nbval open; it is committed without outputs,
with cell ids derived from the notebook and the cell's position, so regenerating it from an
unchanged source changes nothing. Edit the .md (or the notebook in JupyterLab with jupytext
installed, which writes back to the .md), never the .ipynb.

The .md itself is kept in the one form jupytext writes when JupyterLab saves a notebook of this
folder (``{code-cell} ipython3``, no ``+++`` that jupytext would drop, the header that
notebooks/jupytext.toml's filter keeps): opening and saving a notebook then rewrites its source
byte for byte, whether or not a kernel has run. ``--check`` reports a source in another form.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat
from jupytext.config import load_jupytext_configuration_file

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
#: The pairing JupyterLab's jupytext reads in notebooks/ (its filters decide the .md's header).
CONFIG = NOTEBOOKS / "jupytext.toml"


KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: The part of ``language_info`` the source keeps (notebooks/jupytext.toml's filter): what makes
#: jupytext write ``{code-cell} ipython3``, before and after a kernel adds the rest (its version…).
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}


def sources() -> list[Path]:
    """Every notebook source: ``notebooks/*.md`` (the folder holds no other Markdown)."""
    return sorted(NOTEBOOKS.glob("*.md"))


def text_format() -> dict[str, str]:
    """The .md format as JupyterLab's jupytext writes it here: notebooks/jupytext.toml's filters."""
    config = load_jupytext_configuration_file(str(CONFIG))
    return {
        "extension": ".md",
        "format_name": "myst",
        "notebook_metadata_filter": config.notebook_metadata_filter,
        "cell_metadata_filter": config.cell_metadata_filter,
    }


def _notebook(source: Path) -> nbformat.NotebookNode:
    notebook = jupytext.read(source)
    notebook.metadata = {"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO}
    return notebook


def canonical(source: Path) -> str:
    """The .md text jupytext writes for ``source`` when the notebook is saved in JupyterLab."""
    return jupytext.writes(_notebook(source), fmt=text_format())


def generated(source: Path) -> str:
    """The .ipynb text for ``source``: no outputs, no execution counts, stable cell ids."""
    notebook = _notebook(source)
    stem = source.stem.split("-", 1)[0]
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{stem}-{index:02d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        for target, text in ((source, canonical(source)), (source.with_suffix(".ipynb"), None)):
            text = text if text is not None else generated(source)
            current = target.read_text() if target.exists() else None
            if current == text:
                continue
            stale.append(target.name)
            if not args.check:
                target.write_text(text)
    verb = "out of date" if args.check else "written"
    for name in stale:
        why = " (not in the form jupytext saves)" if name.endswith(".md") else ""
        print(f"notebooks/{name}: {verb}{why}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
