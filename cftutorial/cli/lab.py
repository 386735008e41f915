"""``cftutorial notebooks DIR`` and ``cftutorial lab [DIR]``: the tutorial for a pip install.

The notebooks ship inside the wheel (``cftutorial/notebooks``, copied there at build time by
``_build_notebooks.py``); in a source checkout they are its ``notebooks/`` folder. ``notebooks``
copies them into a folder of the learner's; ``lab`` does that, starts the local AWS and runs
JupyterLab there. A notebook the learner changed is never replaced without ``--force``, which
keeps the learner's version beside it (``NAME.mine-TIME.ipynb``); to tell a learner's edit from
an older version, each copy records what it wrote in :data:`MANIFEST`.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import CftutorialError

DEFAULT_DIR = "cftutorial-notebooks"
#: What the last copy wrote into a folder (file name -> sha256), to tell edits from old versions.
MANIFEST = ".cftutorial-notebooks.json"
#: The notebook files that ship (_build_notebooks.py copies the same into the wheel): what a
#: learner opens. The MyST sources (``.md``) and their jupytext pairing stay in the checkout's
#: notebooks/: in a learner's folder a save would write a second file per notebook.
SHIPPED_SUFFIXES = (".ipynb", ".png", ".svg", ".jpg", ".gif")
SKIPPED_DIRS = {"output", ".ipynb_checkpoints", "__pycache__", ".cftutorial"}


class NotebookCopyError(CftutorialError):
    """The notebooks cannot be copied to the folder asked for."""


def register(commands: argparse._SubParsersAction) -> None:
    copy = commands.add_parser(
        "notebooks",
        help="copy the tutorial's notebooks into a folder (never replacing your edits)",
        description="Copy the tutorial's notebooks into DIR. Notebooks already there stay as "
        "they are; --update brings unchanged ones to this version and lists what changed; "
        "--force also replaces the ones you edited, keeping yours as NAME.mine-TIME.ipynb.",
    )
    copy.add_argument("dir", metavar="DIR", help="the folder to copy them into")
    _copy_flags(copy)
    copy.set_defaults(handler=run_notebooks)
    lab = commands.add_parser(
        "lab",
        help="copy the notebooks, start the local AWS and open JupyterLab on them",
        description="Copy the notebooks into DIR (as `cftutorial notebooks` does), start the "
        "local AWS, then run JupyterLab in DIR. Needs the [lab] extra.",
    )
    lab.add_argument(
        "dir", metavar="DIR", nargs="?", default=DEFAULT_DIR, help="default: %(default)s"
    )
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    lab.add_argument(
        "--port", type=int, default=8888, help="JupyterLab's port (default: %(default)s)"
    )
    _copy_flags(lab)
    lab.set_defaults(handler=run_lab)


def _copy_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--update", action="store_true", help="update notebooks you did not edit; show what changed"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace edited notebooks too (yours are kept as a copy)",
    )


def shipped_dir() -> Path:
    """Where this installation's notebooks are: package data, or a checkout's notebooks/."""
    package = Path(__file__).resolve().parent.parent
    candidates = [package / "notebooks"]
    if (package.parent / "pyproject.toml").is_file():  # a source checkout
        candidates.append(package.parent / "notebooks")
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("*.ipynb")):
            return candidate
    raise NotebookCopyError(
        f"this installation has no notebooks (looked in {package / 'notebooks'}); "
        "reinstall it from a wheel: pip install --force-reinstall 'cftutorial[lab]'"
    )


def shipped_files(source: Path) -> list[Path]:
    """The files of ``source`` that ship, relative to it."""
    return sorted(
        path.relative_to(source)
        for path in source.rglob("*")
        if path.is_file()
        and path.suffix in SHIPPED_SUFFIXES
        and not SKIPPED_DIRS & set(path.relative_to(source).parts[:-1])
        and not path.name.startswith(".")
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """What happened to one notebook file: added, same, edited (kept), replaced, updated, old."""

    name: str
    what: str
    detail: str = ""


def copy_notebooks(target: Path, *, update: bool = False, force: bool = False) -> list[Outcome]:
    """Copy the shipped notebooks into ``target``; the learner's edits survive unless ``force``."""
    source = shipped_dir()
    _prepare(target)
    manifest = _read_manifest(target)
    outcomes, written = [], {}
    for relative in shipped_files(source):
        key = relative.as_posix()
        outcome = _copy_one(source / relative, target / relative, key, manifest, update, force)
        outcomes.append(outcome)
        if outcome.what in ("added", "updated", "replaced", "same"):
            written[key] = _sha(as_copied(source / relative))
        elif key in manifest:
            written[key] = manifest[key]
    (target / MANIFEST).write_text(json.dumps(written, indent=2, sort_keys=True) + "\n")
    return outcomes


def _prepare(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise NotebookCopyError(
            f"{target} is a file, not a folder; name a folder for the notebooks"
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NotebookCopyError(
            f"cannot create {target} ({exc.strerror}); name a writable folder"
        ) from None


def _read_manifest(target: Path) -> dict[str, str]:
    try:
        data = json.loads((target / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _copy_one(src: Path, dst: Path, key: str, manifest: dict, update: bool, force: bool) -> Outcome:
    wanted = as_copied(src)
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(wanted)
        return Outcome(key, "added")
    here = digest(dst)
    if here == _sha(wanted):
        return Outcome(key, "same")
    change = change_summary(dst, src)
    if manifest.get(key) != here and not force:  # not what we wrote: the learner's (or unknown)
        return Outcome(key, "edited", f"you changed it, so it stays; --force replaces it: {change}")
    if manifest.get(key) != here:
        mine = dst.with_name(f"{dst.stem}.mine-{time.strftime('%Y%m%d-%H%M%S')}{dst.suffix}")
        shutil.copyfile(dst, mine)
        dst.write_bytes(wanted)
        return Outcome(key, "replaced", f"{change}; your version is kept as {mine.name}")
    if update or force:
        dst.write_bytes(wanted)
        return Outcome(key, "updated", change)
    return Outcome(key, "old", f"a newer version ships ({change}); --update brings it")


def as_copied(src: Path) -> bytes:
    """What a copy of ``src`` holds: a notebook with the ``language_info`` its kernel (the
    project's Python kernel, in this interpreter) reports, so that JupyterLab finds nothing to
    change when the kernel starts and does not mark the unopened-yet notebook as modified (its
    autosave would then rewrite it, and ``--update`` would take it for the learner's edit)."""
    data = src.read_bytes()
    info = _kernel_language_info()
    if src.suffix != ".ipynb" or info is None:
        return data
    try:
        notebook = json.loads(data)
        notebook["metadata"]["language_info"] = info
    except (ValueError, KeyError, TypeError):
        return data
    return (json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _kernel_language_info() -> dict | None:
    try:
        from ipykernel.ipkernel import IPythonKernel
    except ImportError:  # no kernel here (a core install): the notebooks as they ship
        return None
    return dict(IPythonKernel.language_info)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def change_summary(old: Path, new: Path) -> str:
    """How two versions of a notebook file differ: cells for a notebook, else lines."""
    if new.suffix == ".ipynb":
        before, after = _cell_sources(old), _cell_sources(new)
        if before is not None and after is not None:
            changed = sum(1 for cell in after if cell not in before)
            removed = sum(1 for cell in before if cell not in after)
            return f"{changed} cell(s) new or changed, {removed} removed, of {len(after)}"
    diff = difflib.unified_diff(
        old.read_text(errors="replace").splitlines(), new.read_text(errors="replace").splitlines()
    )
    added = removed = 0
    for line in diff:
        if line.startswith(("+++", "---")):
            continue
        added += line.startswith("+")
        removed += line.startswith("-")
    return f"{added} line(s) added, {removed} removed"


def _cell_sources(path: Path) -> list[str] | None:
    try:
        cells = json.loads(path.read_text())["cells"]
        return [
            "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for cell in cells
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def describe(target: Path, outcomes: list[Outcome]) -> str:
    """What ``cftutorial notebooks`` prints: one line per file that did not stay the same."""
    lines = [
        f"  {o.what:<8} {o.name}" + (f"  ({o.detail})" if o.detail else "")
        for o in outcomes
        if o.what != "same"
    ]
    same = sum(o.what == "same" for o in outcomes)
    summary = f"{len(outcomes)} notebook file(s) in {target}"
    if same:
        summary += f", {same} already up to date"
    return "\n".join([summary + ":" if lines else summary, *lines])


def run_notebooks(args: argparse.Namespace) -> int:
    target = Path(args.dir).expanduser()
    outcomes = copy_notebooks(target, update=args.update, force=args.force)
    print(describe(target, outcomes))
    return 0


def run_lab(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("jupyterlab") is None:
        raise ModuleNotFoundError("No module named 'jupyterlab'", name="jupyterlab")
    target = Path(args.dir).expanduser().resolve()
    print(describe(target, copy_notebooks(target, update=args.update, force=args.force)))
    if config.backend() == "local":
        from ..localaws import process

        state = process.ensure_running()
        print(f"local AWS running: {state.aws_endpoint} (edge {state.edge_endpoint})")
    sys.stdout.flush()
    command = _jupyter_command(target, args.port, args.no_browser)
    from ..tutorial import kernel  # the project's kernel: the one-line hints from its start

    os.execve(command[0], command, kernel.environment())
    return 0  # not reached: JupyterLab replaced this process


def _jupyter_command(target: Path, port: int, no_browser: bool) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={target}",
        f"--port={port}",
    ]
    if no_browser:
        command.append("--no-browser")
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")  # containers and workshop machines often run as root
    return command
