"""``cftutorial notebooks DIR``: copies the tutorial, never losing a learner's edit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cftutorial.cli import lab

ROOT = Path(__file__).resolve().parent.parent


def names(outcomes, what: str) -> list[str]:
    return sorted(o.name for o in outcomes if o.what == what)


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for the installed notebooks, to ship a 'newer version' of."""
    source = tmp_path / "shipped"
    source.mkdir()
    for path in (ROOT / "notebooks").glob("0[1-2]-*"):
        (source / path.name).write_bytes(path.read_bytes())
    (source / "output").mkdir()
    (source / "output" / "run.ipynb").write_text("{}")  # an output of a run: never ships
    monkeypatch.setattr(lab, "shipped_dir", lambda: source)
    return source


def test_a_checkout_ships_its_notebooks_folder() -> None:
    """What a learner opens ships: the notebooks, not their MyST sources and jupytext pairing
    (in the learner's folder a save would write a second file per notebook)."""
    files = [p.as_posix() for p in lab.shipped_files(lab.shipped_dir())]
    committed = sorted(p.name for p in (ROOT / "notebooks").iterdir() if p.suffix == ".ipynb")
    assert files == committed
    assert sum(f.endswith(".ipynb") for f in files) >= 13


def test_first_copy_adds_every_notebook(shipped, tmp_path) -> None:
    target = tmp_path / "mine"
    outcomes = lab.copy_notebooks(target)
    assert names(outcomes, "added") == sorted(p.name for p in shipped.glob("*.ipynb"))
    assert not list(target.glob("*.md")), "a source was copied into the learner's folder"
    assert not (target / "output").exists()
    for path in shipped.glob("*.ipynb"):
        assert (target / path.name).read_bytes() == lab.as_copied(path)
    assert json.loads((target / lab.MANIFEST).read_text()).keys() == {o.name for o in outcomes}


def test_an_edited_notebook_is_kept_and_an_untouched_old_one_only_with_update(
    shipped, tmp_path
) -> None:
    target = tmp_path / "mine"
    lab.copy_notebooks(target)
    edited, untouched = sorted(p.name for p in shipped.glob("*.ipynb"))
    mine = json.loads((target / edited).read_text())
    mine["cells"][0]["source"] = "# My own notes\n"
    (target / edited).write_text(json.dumps(mine))
    for name in (edited, untouched):  # a newer cftutorial ships changed notebooks
        newer = json.loads((shipped / name).read_text())
        newer["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["New section"]})
        (shipped / name).write_text(json.dumps(newer))

    plain = lab.copy_notebooks(target)
    assert names(plain, "edited") == [edited] and names(plain, "old") == [untouched]
    assert "--update" in next(o.detail for o in plain if o.what == "old")
    assert "New section" not in (target / untouched).read_text()

    updated = lab.copy_notebooks(target, update=True)
    assert names(updated, "updated") == [untouched] and names(updated, "edited") == [edited]
    assert "1 cell(s) new or changed, 0 removed" in next(
        o.detail for o in updated if o.what == "updated"
    )
    assert "New section" in (target / untouched).read_text()
    assert "My own notes" in (target / edited).read_text()

    forced = lab.copy_notebooks(target, force=True)
    assert names(forced, "replaced") == [edited]
    kept = list(target.glob(edited.removesuffix(".ipynb") + ".mine-*.ipynb"))
    assert len(kept) == 1 and "My own notes" in kept[0].read_text()
    assert (target / edited).read_bytes() == lab.as_copied(shipped / edited)
    assert {o.what for o in lab.copy_notebooks(target)} == {"same"}


def test_a_folder_copied_by_hand_counts_as_edited(shipped, tmp_path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    first = sorted(shipped.glob("*.ipynb"))[0].name
    (target / first).write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    outcomes = lab.copy_notebooks(target, update=True)
    assert names(outcomes, "edited") == [first]
    assert json.loads((target / first).read_text())["cells"] == []


def test_the_command_copies_and_refuses_a_file_as_folder(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    target = tmp_path / "course"
    result = subprocess.run(
        [sys.executable, "-m", "cftutorial", "notebooks", str(target)],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "added    05-unsigned-access-fails.ipynb" in result.stdout
    assert len(list(target.glob("0*.ipynb"))) >= 8
    again = subprocess.run(
        [sys.executable, "-m", "cftutorial", "notebooks", str(target / "05-unsigned-access-fails.ipynb")],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 2
    assert again.stderr.strip().splitlines() == [
        f"cftutorial: error: {target / '05-unsigned-access-fails.ipynb'} is a file, not a folder; "
        "name a folder for the notebooks"
    ]


def test_a_copy_says_what_its_kernel_will_so_opening_it_changes_nothing(shipped, tmp_path) -> None:
    """JupyterLab stores the kernel's language_info in the notebook when the kernel starts: the
    copy has it already, so the notebook is not marked modified (nor autosaved) on opening."""
    from ipykernel.ipkernel import IPythonKernel

    target = tmp_path / "mine"
    lab.copy_notebooks(target)
    for path in shipped.glob("*.ipynb"):
        copied, source = json.loads((target / path.name).read_text()), json.loads(path.read_text())
        assert copied["metadata"]["language_info"] == IPythonKernel.language_info
        assert copied["cells"] == source["cells"]
        assert copied["metadata"]["kernelspec"] == source["metadata"]["kernelspec"]
    again = lab.copy_notebooks(target)
    assert {o.what for o in again} == {"same"}
