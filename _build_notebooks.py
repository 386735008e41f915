"""setuptools hook: copies notebooks/ into the wheel as package data ``cftutorial/notebooks``.

The notebooks stay at the top of the repository (where JupyterLab, Binder and the tests open
them); a built wheel carries them so that ``cftutorial notebooks DIR`` and ``cftutorial lab``
work from ``pip install``. Whatever notebook files are in notebooks/ at build time ship.
pyproject.toml names this module in ``[tool.setuptools.cmdclass]``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "notebooks"
#: The notebook files that ship (cftutorial/cli/lab.py's SHIPPED_SUFFIXES says the same): what a
#: learner opens, not the MyST sources and their jupytext pairing.
SHIPPED_SUFFIXES = (".ipynb", ".png", ".svg", ".jpg", ".gif")
#: Folders of notebooks/ that are outputs of runs, never sources.
SKIPPED_DIRS = {"output", ".ipynb_checkpoints", "__pycache__", ".cftutorial"}


def shipped(source: Path) -> list[Path]:
    """The files of ``source`` that ship, relative to it."""
    return sorted(
        path.relative_to(source)
        for path in source.rglob("*")
        if path.is_file()
        and path.suffix in SHIPPED_SUFFIXES
        and not SKIPPED_DIRS & set(path.relative_to(source).parts[:-1])
        and not path.name.startswith(".")
    )


class BuildWithNotebooks(build_py):
    """build_py, then the notebooks into ``<build>/cftutorial/notebooks``."""

    def run(self) -> None:
        super().run()
        if not SOURCE.is_dir():  # building from an sdist made without them: nothing to add
            return
        target = Path(self.build_lib) / "cftutorial" / "notebooks"
        for relative in shipped(SOURCE):
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(SOURCE / relative, destination)
