"""What every notebook source must hold (what scripts/build_notebooks.py's templates once enforced),
checked on the text sources themselves, including the batch notebook."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("*.md"))
TUTORIAL = [path for path in SOURCES if path.name[:2].isdigit()]
MAX_CODE_LINES = 25
SECTIONS = (
    "## Overview",
    "Learning objectives",
    "| Concepts | Importance | Notes |",
    "Time to complete",
    "## Summary",
    "## Resources",
)
TUTORIAL_SECTIONS = ("## Since the guide", "## Check", "## Exercise", "<details>", "What's next")


def test_the_sources_are_the_twelve_notebooks_and_the_batch_notebook():
    """01-08 (the guide's steps), then the five beyond the guide (issue 17: 09-12; 13)."""
    assert [p.name[:2] for p in TUTORIAL] == [f"{i:02d}" for i in range(1, 14)]
    assert [p.stem for p in SOURCES if p not in TUTORIAL] == ["batch-sign-urls"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_no_code_cell_is_longer_than_25_lines(path):
    cells = [c for c in jupytext.read(path).cells if c.cell_type == "code"]
    assert cells, f"{path.name} has no code cells"
    long = {i: len(c.source.splitlines()) for i, c in enumerate(cells)}
    too_long = {i: n for i, n in long.items() if n > MAX_CODE_LINES}
    assert not too_long, f"{path.name}: code cells longer than {MAX_CODE_LINES} lines: {too_long}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_every_notebook_has_its_sections(path):
    notebook = jupytext.read(path)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert notebook.cells[0].source.startswith("# "), "the first cell is not the title"
    needed = SECTIONS + (TUTORIAL_SECTIONS if path in TUTORIAL else ())
    missing = [needle for needle in needed if needle not in markdown]
    assert not missing, f"{path.name} lacks {missing}"


@pytest.mark.parametrize("path", TUTORIAL, ids=lambda p: p.stem)
def test_solutions_run_only_when_asked(path):
    cells = [c for c in jupytext.read(path).cells if c.cell_type == "code"]
    parameters = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and "run_solutions = False" in parameters[0].source
    solutions = [c for c in cells if "solution" in c.metadata.get("tags", [])]
    assert solutions, f"{path.name} has no solution cell"
    for cell in solutions:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
        code = [
            line
            for line in cell.source.splitlines()
            if line and not line.startswith(("#", "from ", "import "))
        ]
        assert code[0] == "if run_solutions:", f"{path.name}: a solution runs on Run All"
