"""Build the tutorial book (``make book``): static HTML from the text sources, every notebook
executed against a fresh local AWS of its own (own state directory, free ports), offline.

    python scripts/build_book.py [OUTPUT_DIR]     (default: build/book)

The local AWS starts when notebook 01 first needs it, in a temporary CFTUTORIAL_HOME, and is
stopped afterwards (it also ends by itself if this script dies). Prints the build time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cftutorial.tutorial import kernel  # noqa: E402

DEFAULT_OUTPUT = ROOT / "build" / "book"


def book_env(home: Path) -> dict[str, str]:
    """The build's environment: local backend, its own home and ports, this checkout first."""
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


def build(output: Path) -> float:
    """Runs sphinx-build; returns the seconds it took. Warnings fail the build (-W)."""
    with tempfile.TemporaryDirectory(prefix="cftutorial-book-") as tmp:
        env = book_env(Path(tmp) / "home")
        command = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(ROOT / "docs")]
        command += ["-W", "--keep-going", "-E", "-q", str(ROOT), str(output)]
        started = time.perf_counter()
        try:
            subprocess.run(command, env=env, cwd=ROOT, check=True)
        finally:
            stop = [sys.executable, "-m", "cftutorial", "local", "stop"]
            subprocess.run(stop, env=env, cwd=ROOT, capture_output=True, check=False)
        return time.perf_counter() - started


def main() -> int:
    output = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DEFAULT_OUTPUT
    try:
        seconds = build(output)
    except subprocess.CalledProcessError as exc:
        print(
            f"build_book: sphinx-build failed (exit {exc.returncode}); see above", file=sys.stderr
        )
        return 1
    print(f"book built in {seconds:.0f} s: {output / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
