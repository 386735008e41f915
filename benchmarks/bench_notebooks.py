"""Wall time of each tutorial notebook and of the whole chain 01→08, per path (and, with
``--beyond``, of 09-13 and the batch notebook after it, modern path).

Each path runs headless (papermill, kernel ``python3``) in a fresh temporary CFTUTORIAL_HOME with
its own local AWS, exactly as tests/test_notebooks.py does, and prints the seconds next to the
target: the whole chain in at most 60 s on a 2-core machine. For comparison, on AWS a single
distribution deployment "typically takes a few minutes" (the boto3 waiter polls every 60 s), and
the chain deploys three times (create, disable, and the switch to a key group when it changes).

    .venv/bin/python benchmarks/bench_notebooks.py            # all three paths
    .venv/bin/python benchmarks/bench_notebooks.py guide      # one path
    .venv/bin/python benchmarks/bench_notebooks.py modern --beyond --rounds 3   # the teaching guide's table

The local deployment delay is ``CFTUTORIAL_DEPLOY_SECONDS`` (the local AWS's default when unset).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from figures import timed_notebook  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-8]-*.ipynb"))
#: After 08 (which keeps everything by default): the five beyond the guide, then the batch
#: notebook signing the run's samples.
BEYOND = [
    *sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb") if p not in NOTEBOOKS),
    ROOT / "notebooks" / "batch-sign-urls.ipynb",
]
TARGET_SECONDS = 60.0
PATHS = {
    "modern": {"approach": "modern", "run_name": "bench-modern"},
    "guide": {"approach": "guide", "run_name": "bench-guide"},
    "ecdsa-sha256": {
        "approach": "modern",
        "run_name": "bench-ecdsa",
        "key_type": "ecdsa",
        "hash_algorithm": "SHA256",
    },
}


def run_path(name: str, parameters: dict, beyond: bool = False) -> dict[str, float]:
    from cftutorial.localaws import process
    from cftutorial.tutorial import kernel

    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix=f"cftutorial-bench-{name}-") as tmp:
        os.environ.update(
            # the kernel make lab and cftutorial lab give learners (cftutorial.tutorial.kernel)
            JUPYTER_PATH=kernel.jupyter_path(os.environ.get("JUPYTER_PATH")),
            CFTUTORIAL_HOME=str(Path(tmp) / "home"),
            CFTUTORIAL_AWS_PORT="0",
            CFTUTORIAL_EDGE_PORT="0",
            CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()),
        )
        (Path(tmp) / "home").mkdir()
        try:
            for path in NOTEBOOKS + (BEYOND if beyond else []):
                chosen = parameters
                if path.name.startswith("batch-"):  # its own parameters: the run's samples
                    chosen = {"run_name": parameters["run_name"]}
                seconds[path.name] = timed_notebook(path, Path(tmp), chosen)
        finally:
            process.stop()
    return seconds


def main(argv: list[str]) -> int:
    import argparse
    import logging

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", metavar="PATH", help=f"of {list(PATHS)}; default: all")
    parser.add_argument("--beyond", action="store_true", help="then 09-13 and the batch notebook")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each path (default 1)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.paths if name not in PATHS]
    if unknown:
        parser.error(f"unknown path(s) {unknown}; choose from {list(PATHS)}")
    logging.getLogger("papermill").setLevel(logging.ERROR)
    deploy = os.environ.get("CFTUTORIAL_DEPLOY_SECONDS", "(local AWS default)")
    print(f"CFTUTORIAL_DEPLOY_SECONDS={deploy}; {os.cpu_count()} CPUs")
    for name in args.paths or list(PATHS):
        rounds = [run_path(name, PATHS[name], args.beyond) for _ in range(args.rounds)]
        print(f"\npath {name}, {args.rounds} round(s): min-max seconds")
        for notebook in rounds[0]:
            values = [r[notebook] for r in rounds]
            print(f"  {notebook:48s} {min(values):6.1f} - {max(values):6.1f} s")
        chain = [sum(r[p.name] for p in NOTEBOOKS) for r in rounds]
        verdict = "within" if max(chain) <= TARGET_SECONDS else "OVER"
        print(
            f"  {'whole chain 01-08':48s} {min(chain):6.1f} - {max(chain):6.1f} s   "
            f"target <= {TARGET_SECONDS:.0f} s: {verdict}"
        )
        print("  (on AWS: each of the chain's deployments alone takes minutes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
