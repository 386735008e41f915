"""Generate each notebooks/NN-*.ipynb from its one source, notebooks/NN-*.md (MyST, jupytext).

    python scripts/sync_notebooks.py          # write every .ipynb that differs from its source
    python scripts/sync_notebooks.py --check  # exit 1 naming each .ipynb that is out of date

The .ipynb is what JupyterLab, Binder, papermill and nbval open; it is committed without outputs,
with cell ids derived from the notebook and the cell's position, so regenerating it from an
unchanged source changes nothing. Edit the .md (or the notebook in JupyterLab with jupytext
installed, which writes back to the .md), never the .ipynb.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def sources() -> list[Path]:
    """Every notebook source: ``notebooks/*.md`` (the folder holds no other Markdown)."""
    return sorted(NOTEBOOKS.glob("*.md"))


def generated(source: Path) -> str:
    """The .ipynb text for ``source``: no outputs, no execution counts, stable cell ids."""
    notebook = jupytext.read(source)
    notebook.metadata = {"kernelspec": KERNELSPEC}
    stem = source.stem.split("-", 1)[0]
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{stem}-{index:02d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale notebooks")
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        target = source.with_suffix(".ipynb")
        text = generated(source)
        current = target.read_text() if target.exists() else None
        if current == text:
            continue
        stale.append(target.name)
        if not args.check:
            target.write_text(text)
    verb = "out of date" if args.check else "written"
    for name in stale:
        print(f"notebooks/{name}: {verb}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
