"""How often notebooks 01-08 read and write the tutorial state file, before and after a change.

Each notebook's cells open the run once (``state.open_run``: one read), pass it to the step
functions, and save it once per cell that changes it (``Run.save``: one locked read-merge and
one atomic write). Before that, every step function read the file itself, and most rewrote it.
This benchmark counts both, from the same papermill run of the same notebooks on the same
machine: the chain 01-08 (modern path) runs once with the tree given as ``--before`` and once
with this tree, each in a fresh CFTUTORIAL_HOME with its own local AWS, and a Python audit hook
in every kernel counts each ``open`` of ``tutorial-state.json`` for reading and each
``os.replace`` onto it (the atomic write); a finder that wraps ``boto3.session.Session``
counts the boto3 sessions each notebook builds (clients are kept per backend and endpoint).
The counts do not depend on the machine; the wall time of each notebook is printed too (median of ``--rounds``), for notebook 04's Run All.

    git -C . archive d940ab0 cftutorial notebooks | (mkdir -p /tmp/before && tar -x -C /tmp/before)
    .venv/bin/python benchmarks/bench_state_file.py --before /tmp/before --rounds 3

``--before`` may also be a git revision of this repository (``--before d940ab0``): its
``cftutorial`` and ``notebooks`` are extracted into a temporary directory with ``git archive``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from figures import Parser, count, timed_notebook  # noqa: E402

STATE_NAME = "tutorial-state.json"
PARAMETERS = {"approach": "modern", "run_name": "bench-state"}

#: Loaded by every Python started with the counter's folder on PYTHONPATH (the kernels): one
#: line per read or write of the state file, appended to $BENCH_STATE_IO_LOG.
SITECUSTOMIZE = f"""
import os, sys

_LOG = os.environ.get("BENCH_STATE_IO_LOG")
_NAME = {STATE_NAME!r}


def _hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, os.PathLike)):
        path, mode = os.fspath(args[0]), args[1] if len(args) > 1 else "r"
        if isinstance(path, str) and path.endswith(os.sep + _NAME):
            if isinstance(mode, str) and "r" in mode and "+" not in mode:
                _write("read")
    elif event == "os.rename" and len(args) > 1:
        target = os.fspath(args[1])
        if isinstance(target, str) and target.endswith(os.sep + _NAME):
            _write("write")


def _write(what):
    with open(_LOG, "a") as log:  # a file of our own: not counted
        log.write(what + "\\n")


class _CountSessions:  # wraps boto3.session.Session as boto3 is imported: a line per session

    def find_spec(self, name, path, target=None):
        if name != "boto3.session":
            return None
        import importlib.util

        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            init = module.Session.__init__

            def counted(session, *args, **kwargs):
                _write("session")
                init(session, *args, **kwargs)

            module.Session.__init__ = counted

        spec.loader.exec_module = exec_module
        return spec


if _LOG:
    sys.addaudithook(_hook)
    sys.meta_path.insert(0, _CountSessions())
"""


@contextmanager
def tree_of(before: str) -> Iterator[Path]:
    """``before`` as a folder holding ``cftutorial`` and ``notebooks``: the folder itself, or a
    git revision of this repository extracted with ``git archive``."""
    folder = Path(before)
    if (folder / "cftutorial").is_dir() and (folder / "notebooks").is_dir():
        yield folder.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="bench-state-before-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", before, "cftutorial", "notebooks"],
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            raise SystemExit(
                f"--before {before!r}: neither a folder with cftutorial/ and notebooks/ nor a "
                f"git revision of {ROOT} ({archive.stderr.decode().strip()})"
            )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        yield Path(tmp)


def run_chain(tree: Path, counter: Path) -> dict[str, dict[str, float]]:
    """Notebooks 01-08 of ``tree`` with ``tree``'s package: per notebook, reads, writes, seconds."""
    from cftutorial.tutorial import kernel

    notebooks = sorted((tree / "notebooks").glob("0[1-8]-*.ipynb"))
    figures: dict[str, dict[str, float]] = {}
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-state-") as tmp:
        home, log = Path(tmp) / "home", Path(tmp) / "state-io.log"
        home.mkdir()
        os.environ.update(
            JUPYTER_PATH=kernel.jupyter_path(saved.get("JUPYTER_PATH")),
            CFTUTORIAL_HOME=str(home),
            CFTUTORIAL_AWS_PORT="0",
            CFTUTORIAL_EDGE_PORT="0",
            CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()),
            PYTHONPATH=os.pathsep.join([str(counter), str(tree)]),
            BENCH_STATE_IO_LOG=str(log),
        )
        try:
            where = subprocess.run(
                [sys.executable, "-c", "import cftutorial; print(cftutorial.__file__)"],
                capture_output=True,
                text=True,
                check=True,
                cwd=tmp,  # as the kernels: not this checkout's folder first on sys.path
            ).stdout.strip()
            if not where.startswith(str(tree)):
                raise SystemExit(f"the kernels would import {where}, not the tree {tree}")
            for path in notebooks:
                log.write_text("")
                seconds = timed_notebook(path, Path(tmp), PARAMETERS)
                lines = log.read_text().split()
                figures[path.name[:2]] = {
                    "reads": lines.count("read"),
                    "writes": lines.count("write"),
                    "sessions": lines.count("session"),
                    "seconds": seconds,
                }
        finally:
            subprocess.run(
                [sys.executable, "-c", "from cftutorial.localaws import process; process.stop()"],
                check=False,
                cwd=tmp,
            )
            os.environ.clear()
            os.environ.update(saved)
    return figures


def main(argv: list[str]) -> int:
    import logging

    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--before",
        required=True,
        help="the tree to compare with: a folder holding cftutorial/ and notebooks/, or a git "
        "revision of this repository (e.g. d940ab0)",
    )
    parser.add_argument("--rounds", type=count(1), default=1, help="runs of each chain (default 1)")
    args = parser.parse_args(argv)
    logging.getLogger("papermill").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="bench-state-counter-") as counter:
        (Path(counter) / "sitecustomize.py").write_text(SITECUSTOMIZE)
        with tree_of(args.before) as before:
            rounds = {"before": [], "after": []}
            for _ in range(args.rounds):  # interleaved: both trees see the same machine
                rounds["before"].append(run_chain(before, Path(counter)))
                rounds["after"].append(run_chain(ROOT, Path(counter)))
    print(f"state file {STATE_NAME}: reads / writes per notebook, modern path, run_name")
    print(f"{PARAMETERS['run_name']!r}; before = {args.before}, after = this tree ({ROOT.name})")
    print(f"{args.rounds} round(s), before and after alternated; seconds: median [min-max]\n")
    print(f"{'notebook':>8}  {'before: reads':>13} {'writes':>6} {'seconds':>16}   ", end="")
    print(f"{'after: reads':>12} {'writes':>6} {'seconds':>16}")
    totals = {"before": [0, 0], "after": [0, 0]}
    for number in rounds["after"][0]:
        row = f"{number:>8}"
        for side in ("before", "after"):
            first = rounds[side][0][number]
            counts = {(r[number]["reads"], r[number]["writes"]) for r in rounds[side]}
            times = [r[number]["seconds"] for r in rounds[side]]
            spread = f"{statistics.median(times):5.1f} [{min(times):.1f}-{max(times):.1f}]"
            width = 13 if side == "before" else 12
            row += f"  {int(first['reads']):>{width}} {int(first['writes']):>6} {spread:>16}"
            row += "" if len(counts) == 1 else " (counts varied between rounds)"
            totals[side][0] += int(first["reads"])
            totals[side][1] += int(first["writes"])
        print(row)
    before_total, after_total = totals["before"], totals["after"]
    print(
        f"{'01-08':>8}  {before_total[0]:>13} {before_total[1]:>6} {'':>16}  "
        f"{after_total[0]:>13} {after_total[1]:>6}"
    )
    nb04 = (rounds["before"][0]["04"], rounds["after"][0]["04"])
    print(
        f"\nnotebook 04: {int(nb04[0]['reads'])} reads + {int(nb04[0]['writes'])} writes before, "
        f"{int(nb04[1]['reads'])} reads + {int(nb04[1]['writes'])} writes after; "
        f"01-08: {before_total[0]} + {before_total[1]} before, {after_total[0]} + "
        f"{after_total[1]} after"
    )
    sessions = {
        side: [int(rounds[side][0][number]["sessions"]) for number in rounds[side][0]]
        for side in ("before", "after")
    }
    print(
        f"boto3 sessions built per notebook 01-08: before {'/'.join(map(str, sessions['before']))}"
        f" = {sum(sessions['before'])}, after {'/'.join(map(str, sessions['after']))} = "
        f"{sum(sessions['after'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
