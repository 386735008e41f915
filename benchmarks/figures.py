"""What the benchmarks share: rounds, openssl speed, and the one table.

Every figure is measured once per round, interleaved with its reference, so a ratio is always
taken between two measurements of the same round on the same basis (CPU time against CPU time,
or wall clock against wall clock). The table prints each figure's median and spread (min-max)
over the rounds, its reference's, the median and spread of the per-round ratios, and the target.
A reference that itself moved more than :data:`NOISY` between rounds gets a WARNING line: the
machine was busy, and a ratio such as the 6.47 once printed means nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: A reference whose max/min across rounds exceeds 1 + NOISY gets a WARNING line.
NOISY = 0.20

OPENSSL_LINES = {
    "rsa2048": re.compile(r"^rsa\s+2048 bits\s+\S+s\s+\S+s\s+([\d.]+)", re.M),
    "ecdsap256": re.compile(r"^\s*256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)", re.M),
}


class Parser(argparse.ArgumentParser):
    """argparse, except that a bad argument is ONE line on stderr (and exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def count(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum``, refused with the accepted range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small; use {minimum} or more")
        return value

    parse.__name__ = "count"
    return parse


def seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of seconds")
    return value


def median_milliseconds(call: Callable[[], object], times: int) -> float:
    """The median wall-clock time of ``times`` calls of ``call``, in milliseconds."""
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)


def print_round_medians(rows: Sequence[tuple[str, Sequence[float]]], width: int) -> None:
    """One line per figure: its label (``width`` wide), the median of its round medians in
    milliseconds and their spread (min-max), under a header naming both columns."""
    print(f"{'':{width}s} {'median ms':>10s} {'min-max of round medians':>26s}")
    for label, values in rows:
        spread = f"{min(values):.3f}-{max(values):.3f}"
        print(f"{label:{width}s} {statistics.median(values):10.3f} {spread:>26s}")


@contextlib.contextmanager
def private_local_aws(prefix: str) -> Iterator[None]:
    """A local AWS of the benchmark's own: a temporary CFTUTORIAL_HOME, free ports, watched by
    this process; the package's clients start it on first use, and it is stopped at the end."""
    with tempfile.TemporaryDirectory(prefix=prefix) as home:
        os.environ.update(
            CFTUTORIAL_HOME=home,
            CFTUTORIAL_BACKEND="local",
            CFTUTORIAL_AWS_PORT="0",
            CFTUTORIAL_EDGE_PORT="0",
            CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()),
        )
        from cftutorial.localaws import process

        try:
            yield
        finally:
            process.stop()


def timed_notebook(path: Path, out_dir: Path, parameters: dict) -> float:
    """``path`` run headless as the tutorial's kernel runs it (papermill, kernel ``python3``, in
    the notebook's own folder, no progress bar or log), written into ``out_dir``; its wall-clock
    seconds."""
    import papermill

    started = time.perf_counter()
    papermill.execute_notebook(
        str(path),
        str(out_dir / path.name),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(path.parent),
        progress_bar=False,
        log_output=False,
    )
    return time.perf_counter() - started


def load_average() -> str:
    """The 1/5/15-minute load averages, as ``uptime`` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def openssl_speed(
    algorithm: str,
    duration: int,
    *,
    multi: int | None = None,
    elapsed: bool = False,
    core: int | None = None,
) -> float:
    """sign/s from ``openssl speed -seconds DURATION [-elapsed] [-multi N] ALGORITHM``.

    Without ``-elapsed`` and ``-multi`` openssl divides by CPU user time; with ``-elapsed`` by
    wall-clock time; with ``-multi N`` each child runs with wall-clock time (speed.c's
    ``do_multi`` sets ``usertime = 0`` in every child) and the parent prints the sum of the
    children's rates, i.e. the wall-clock throughput of N processes together.
    """
    command = ["openssl", "speed", "-seconds", str(duration)]
    if elapsed:
        command.append("-elapsed")
    if multi:
        command += ["-multi", str(multi)]
    command.append(algorithm)
    pin = None if core is None else (lambda: os.sched_setaffinity(0, {core}))
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=60 + 4 * duration, preexec_fn=pin
    )
    found = OPENSSL_LINES[algorithm].findall(done.stdout)
    if done.returncode != 0 or not found:
        raise SystemExit(f"cannot read `{' '.join(command)}`:\n{done.stdout}{done.stderr}")
    return float(found[-1])


@dataclass
class Rounds:
    """Per-round values of every measured figure, by name."""

    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> float:
        self.values.setdefault(name, []).append(value)
        return value

    def __getitem__(self, name: str) -> list[float]:
        return self.values[name]


@dataclass(frozen=True)
class Row:
    """One table row: a figure against a reference measured in the same rounds on one basis."""

    figure: str
    measured: str  # a key of Rounds
    reference: str  # its label
    against: str  # a key of Rounds
    target: float | None = None
    at_most: bool = False  # the target is a ceiling (ratio <= target), not a floor


def _spread(values: Sequence[float]) -> str:
    return f"{_number(min(values))}-{_number(max(values))}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def ratios(rounds: Rounds, row: Row) -> list[float]:
    """figure / reference, round by round."""
    return [a / b for a, b in zip(rounds[row.measured], rounds[row.against], strict=True)]


def table(rounds: Rounds, rows: Sequence[Row]) -> list[str]:
    """The side-by-side table: medians, spreads, per-round ratios, targets and PASS/MISS."""
    head = (
        f"{'figure':<44} {'median':>9} {'min-max':>15}  {'reference':<44} {'median':>9} "
        f"{'min-max':>15}  {'ratio':>5} {'min-max':>11}  {'target':>6}  result"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        mine, theirs, ratio = rounds[row.measured], rounds[row.against], ratios(rounds, row)
        middle = statistics.median(ratio)
        target, verdict = "", ""
        if row.target is not None:
            target = f"{'<=' if row.at_most else '>='}{row.target:.2f}"
            met = middle <= row.target if row.at_most else middle >= row.target
            verdict = "PASS" if met else "MISS"
        lines.append(
            f"{row.figure:<44} {_number(statistics.median(mine)):>9} {_spread(mine):>15}  "
            f"{row.reference:<44} {_number(statistics.median(theirs)):>9} "
            f"{_spread(theirs):>15}  {middle:>5.2f} {min(ratio):.2f}-{max(ratio):.2f}  "
            f"{target:>6}  {verdict}"
        )
    return lines


def warnings(rounds: Rounds, references: dict[str, str]) -> list[str]:
    """A WARNING line for each reference that moved more than NOISY between rounds."""
    lines = []
    for key, label in references.items():
        values = rounds[key]
        low, high = min(values), max(values)
        if low > 0 and high / low - 1 > NOISY:
            lines.append(
                f"WARNING: the reference {label} moved {high / low - 1:.0%} between rounds "
                f"({_spread(values)}): the machine was busy, so the ratios against it are "
                "unreliable; rerun on a quiet machine"
            )
    return lines


def report(rounds: Rounds, rows: Sequence[Row], references: dict[str, str], note: str) -> None:
    print()
    print("\n".join(table(rounds, rows)))
    print(note)
    for line in warnings(rounds, references):
        print(line)
    sys.stdout.flush()
