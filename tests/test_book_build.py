"""scripts/build_book.py at its boundary (fast: no notebook runs, no Sphinx starts).

The book itself is built from the modern chain's executed notebooks in tests/browser/test_book.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_missing_executed_notebook_is_one_message(tmp_path: Path) -> None:
    """--executed names a folder: a notebook missing there fails the build in one line, before
    Sphinx or any kernel starts."""
    executed = tmp_path / "executed"
    executed.mkdir()
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_book.py"), str(tmp_path / "out"),
         "--executed", str(executed)],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "01-create-bucket-and-upload.ipynb is missing" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_notebook_that_did_not_run_is_refused(tmp_path: Path) -> None:
    """The committed notebooks have no outputs: as "executed" notebooks they are refused, so the
    book can never show a page without the outputs a learner would see."""
    executed = tmp_path / "executed"
    executed.mkdir()
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        (executed / path.name).write_bytes(path.read_bytes())
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_book.py"), str(tmp_path / "out"),
         "--executed", str(executed)],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 1
    assert "01-create-bucket-and-upload.ipynb: a code cell did not run" in result.stderr
    assert not (tmp_path / "out").exists()
