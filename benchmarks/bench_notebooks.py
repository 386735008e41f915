"""Wall time of each tutorial notebook and of the whole chain 01→08, per path.

Each path runs headless (papermill, kernel ``python3``) in a fresh temporary CFTUTORIAL_HOME with
its own local AWS, exactly as tests/test_notebooks.py does, and prints the seconds next to the
target: the whole chain in at most 60 s on a 2-core machine. For comparison, on AWS a single
distribution deployment "typically takes a few minutes" (the boto3 waiter polls every 60 s), and
the chain deploys three times (create, disable, and the switch to a key group when it changes).

    .venv/bin/python benchmarks/bench_notebooks.py            # all three paths
    .venv/bin/python benchmarks/bench_notebooks.py guide      # one path

The local deployment delay is ``CFTUTORIAL_DEPLOY_SECONDS`` (the local AWS's default when unset).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-8]-*.ipynb"))
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


def run_path(name: str, parameters: dict) -> dict[str, float]:
    import papermill

    from cftutorial.localaws import process

    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix=f"cftutorial-bench-{name}-") as tmp:
        os.environ.update(
            CFTUTORIAL_HOME=str(Path(tmp) / "home"),
            CFTUTORIAL_AWS_PORT="0",
            CFTUTORIAL_EDGE_PORT="0",
            CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()),
        )
        (Path(tmp) / "home").mkdir()
        try:
            for path in NOTEBOOKS:
                started = time.perf_counter()
                papermill.execute_notebook(
                    str(path),
                    str(Path(tmp) / path.name),
                    parameters=parameters,
                    kernel_name="python3",
                    cwd=str(path.parent),
                    progress_bar=False,
                    log_output=False,
                )
                seconds[path.name] = time.perf_counter() - started
        finally:
            process.stop()
    return seconds


def main(argv: list[str]) -> int:
    import logging

    logging.getLogger("papermill").setLevel(logging.ERROR)
    chosen = argv or list(PATHS)
    deploy = os.environ.get("CFTUTORIAL_DEPLOY_SECONDS", "(local AWS default)")
    print(f"CFTUTORIAL_DEPLOY_SECONDS={deploy}; {os.cpu_count()} CPUs")
    for name in chosen:
        seconds = run_path(name, PATHS[name])
        print(f"\npath {name}")
        for notebook, value in seconds.items():
            print(f"  {notebook:48s} {value:6.1f} s")
        total = sum(seconds.values())
        verdict = "within" if total <= TARGET_SECONDS else "OVER"
        print(f"  {'whole chain':48s} {total:6.1f} s   target <= {TARGET_SECONDS:.0f} s: {verdict}")
        print("  (on AWS: each of the chain's deployments alone takes minutes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
