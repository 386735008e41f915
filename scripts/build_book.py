"""Build the tutorial book (``make book``): static HTML of the README, the docs and every
notebook with the outputs of one real run, offline.

    python scripts/build_book.py [OUTPUT_DIR]                  (default: build/book)
    python scripts/build_book.py OUTPUT_DIR --executed DIR     (notebooks already executed)

The notebooks run once, as a learner's Run All does: papermill executes 01→13 and then the
batch notebook, in order, with their default parameters, each in a fresh kernel, against a
fresh local AWS of its own (a temporary CFTUTORIAL_HOME, free ports; started by notebook 01 and
stopped afterwards, and ending by itself if this script dies). With ``--executed DIR`` they are
not run here: DIR holds them executed (the test suite passes the ones its chain ran). Sphinx
and MyST-NB then render them as they are, executing nothing (docs/conf.py), from a staging
folder with copies of the README, docs/ and the package's assets, and those notebooks. A cell
that failed, and any Sphinx warning, fails the build. Prints the build time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cftutorial.tutorial import kernel  # noqa: E402

DEFAULT_OUTPUT = ROOT / "build" / "book"
NOTEBOOKS = ROOT / "notebooks"
#: The notebooks of the book, in a learner's order: 01→13, then the batch notebook.
BOOK_NOTEBOOKS = [
    *sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")),
    NOTEBOOKS / "batch-sign-urls.ipynb",
]
#: What the staging folder copies from the checkout: the landing page, the guides, and the
#: package's assets (docs/flow.md shows ../cftutorial/tutorial/assets/flow.svg). Copies, not
#: links: Sphinx resolves a link to where it points, outside the source folder.
COPIED = ("README.md", "docs", "cftutorial/tutorial/assets")


class BookError(Exception):
    """A notebook failed or is missing: one line, no traceback."""


def book_env(home: Path) -> dict[str, str]:
    """The run's environment: local backend, its own home and ports, this checkout first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CFTUTORIAL_"))}
    env.update(
        CFTUTORIAL_HOME=str(home),
        CFTUTORIAL_BACKEND="local",
        CFTUTORIAL_AWS_PORT="0",
        CFTUTORIAL_EDGE_PORT="0",
        CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return kernel.environment(env)  # the project's kernel (quiet about its local TCP)


def execute(out: Path, home: Path) -> None:
    """Run every book notebook once, in order, with its defaults, into ``out``."""
    import papermill

    env = book_env(home)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernels papermill starts inherit this environment
    try:
        for path in BOOK_NOTEBOOKS:
            print(f"executing {path.name}", flush=True)
            try:
                papermill.execute_notebook(
                    str(path), str(out / path.name), kernel_name="python3", cwd=str(NOTEBOOKS),
                    progress_bar=False,
                )  # fmt: skip
            except papermill.PapermillExecutionError as exc:
                raise BookError(f"{path.name} failed: {exc.ename}: {exc.evalue}") from None
    finally:
        stop = [sys.executable, "-m", "cftutorial", "local", "stop"]
        subprocess.run(stop, env=env, cwd=ROOT, capture_output=True, check=False)
        os.environ.clear()
        os.environ.update(saved)


def stage(executed: Path, staging: Path) -> None:
    """The book's sources: the README, docs/ and the package's assets, and the executed
    notebooks, each checked to have run every code cell without an error."""
    for name in COPIED:
        source, copy = ROOT / name, staging / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, copy)
        else:
            shutil.copy2(source, copy)
    (staging / "notebooks").mkdir()
    for path in BOOK_NOTEBOOKS:
        ran = executed / path.name
        if not ran.is_file():
            raise BookError(f"{ran} is missing: pass a folder with every notebook executed")
        notebook = nbformat.read(ran, as_version=4)
        for cell in notebook.cells:
            failed = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if failed:
                raise BookError(f"{ran}: a cell failed: {failed[0]['ename']}")
            if cell.cell_type == "code" and cell.execution_count is None:
                raise BookError(f"{ran}: a code cell did not run")
        nbformat.write(notebook, staging / "notebooks" / path.name)


def build(output: Path, executed: Path | None = None) -> float:
    """Runs the notebooks (unless ``executed``), then sphinx-build; returns the seconds it took.
    Warnings fail the build (-W)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cftutorial-book-") as tmp:
        if executed is None:
            executed = Path(tmp) / "executed"
            executed.mkdir()
            execute(executed, Path(tmp) / "home")
        staging = Path(tmp) / "source"
        staging.mkdir()
        stage(executed, staging)
        command = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(ROOT / "docs")]
        command += ["-W", "--keep-going", "-E", "-q", str(staging), str(output)]
        subprocess.run(command, cwd=ROOT, check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--executed",
        type=Path,
        help="a folder with every book notebook already executed (then none is run here)",
    )
    args = parser.parse_args(argv)
    if args.executed is not None and not args.executed.is_dir():
        parser.error(f"--executed {str(args.executed)!r} is not a folder")
    output = args.output.resolve()
    try:
        seconds = build(output, args.executed.resolve() if args.executed else None)
    except BookError as exc:
        print(f"build_book: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(
            f"build_book: sphinx-build failed (exit {exc.returncode}); see above", file=sys.stderr
        )
        return 1
    print(f"book built in {seconds:.0f} s: {output / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
