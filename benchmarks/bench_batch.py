"""Batch signing throughput, wall clock against wall clock, next to ``openssl speed`` in the same run.

    .venv/bin/python benchmarks/bench_batch.py [--rounds 3] [--workers N] [--rows 100000]
        [--rsa-rows 10000] [--openssl-seconds 3] [--memory-rows 1000000]

Every round, interleaved: ``openssl speed -elapsed ALG`` (one process) and
``openssl speed -multi N ALG`` (N processes), then ``cftutorial.batch`` on a text file of keys
with 1 and with N workers, for RSA-2048 and ECDSA P-256 (canned policy, CSV output); the
shared-policy fast path; and the canned-row fast path against the general path, the same rows in
one process (whether that fast path pays). Ours is the batch's own wall-clock rate
(``BatchResult.urls_per_second``: written URLs over the whole run, pool start-up, reading and
writing included).

The basis is wall-clock time on both sides. ``openssl speed`` divides by CPU user time unless
given ``-elapsed`` ("Use wall-clock time instead of CPU user time as divisor", ``openssl speed
-help``); with ``-multi N`` every child process runs with wall-clock time (apps/speed.c,
``do_multi``: ``usertime = 0`` in the child) and the figure printed is the sum of the children's
rates: the wall-clock throughput of N processes together. Checked on this machine: next to a busy
loop on the same core, ``-multi 1`` and ``-elapsed`` fell to a fifth while the default stayed.
So 1 worker stands against ``-elapsed`` (one process) and N workers against ``-multi N``: a
shared machine slows both sides alike, and a reference that moved more than 20 % between rounds
is printed as a WARNING. One more row per algorithm, for diagnosis only, puts the N-worker run's
URLs per CPU-second of the whole process tree (``getrusage``) next to plain ``openssl speed``
(CPU user time, one process): CPU time against CPU time, it shows the batch's own overhead even
when contention spoils the wall clock; and openssl's own ``-multi N`` / ``-elapsed`` shows how
far the machine let N processes scale in that round (about N on a quiet machine).

Targets (issues 6 and 14): N workers >= 0.9 x ``-multi N`` for RSA-2048 and >= 0.6 x for ECDSA
P-256; N workers >= 1.7 x one worker; the shared-policy fast path >= 100,000 URLs/s; peak RSS of
the whole process tree <= 200 MB at 1,000,000 rows.
"""

from __future__ import annotations

import contextlib
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from figures import Parser, Rounds, Row, count, load_average, openssl_speed, report

from cftutorial import batch
from cftutorial.signing import keys

BASE = "https://d111111abcdef8.cloudfront.net"
KEY_ID = "K2JCJMDEHXQW5F"
ALGORITHMS = {"rsa": "rsa2048", "ecdsa": "ecdsap256"}
LABELS = {"rsa": "RSA-2048", "ecdsa": "ECDSA P-256"}
TARGETS = {"rsa": 0.9, "ecdsa": 0.6}
SCALING = 1.7
SHARED_TARGET = 100_000
MEMORY_TARGET_MB = 200


def parse_args(argv: list[str] | None = None):
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=count(1), default=3, help="interleaved rounds (3)")
    parser.add_argument(
        "--workers",
        type=count(2),
        default=max(batch.default_workers(), 2),
        help="N, the workers of the parallel runs and openssl's -multi (all cores, at least 2)",
    )
    parser.add_argument(
        "--rows", type=count(1), default=100_000, help="ECDSA and shared-policy rows (100000)"
    )
    parser.add_argument("--rsa-rows", type=count(1), default=10_000, help="RSA rows (10000)")
    parser.add_argument(
        "--openssl-seconds", type=count(1), default=3, help="openssl speed -seconds (3)"
    )
    parser.add_argument(
        "--memory-rows",
        type=count(0),
        default=1_000_000,
        help="rows of the peak-memory run through the CLI (1000000; 0 skips it)",
    )
    return parser.parse_args(argv)


def write_keys(directory: Path) -> dict[str, Path]:
    return {
        kind: keys.write_key_pair(directory, kind=kind, name=f"bench-{kind}").private_key_path
        for kind in ALGORITHMS
    }


def write_input(path: Path, rows: int) -> Path:
    with path.open("w") as handle:
        for start in range(0, rows, 10_000):
            handle.write(
                "".join(
                    f"course/week-{i % 52:02d}/video-{i:08d}.mp4\n"
                    for i in range(start, min(start + 10_000, rows))
                )
            )
    return path


def cpu_seconds() -> float:
    """User + system CPU time of this process and its reaped children (the batch's workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def urls_per_second(
    source: Path, output: Path, private_key: Path, workers: int, **extra
) -> tuple[float, float]:
    """(the batch's own wall-clock rate, URLs per CPU-second of the whole process tree).

    The second figure hardly depends on what else the machine runs, so next to openssl's
    CPU-time rate it tells our overhead apart from contention on a shared machine.
    """
    cpu = cpu_seconds()
    result = batch.sign_batch(
        source,
        output,
        base_url=BASE,
        key_pair_id=KEY_ID,
        private_key=private_key,
        date_less_than="24h",
        workers=workers,
        **extra,
    )
    return result.urls_per_second, result.written / max(cpu_seconds() - cpu, 1e-9)


def canned_paths(private_key: Path, source: Path, rows: int) -> tuple[float, float]:
    """(URLs/s through the batch's canned fast path, URLs/s through the general path), one
    process, the same ECDSA SHA-256 signer, the same chunks of the same rows, CSV text.

    The fast path (``_RowSigner._canned_chunk``) writes the common canned row in one f-string;
    the general path (``_format_chunk``) is every other batch's: ``Signer.plan_url`` per row,
    then :func:`.outputs.row_writer`. Both sign their chunk's policies back to back, so the
    difference is the per-row Python work the fast path saves.
    """
    from cftutorial.batch import run as batch_run
    from cftutorial.batch.inputs import read_objects

    spec = batch_run._Spec(
        base_url=BASE, key_pair_id=KEY_ID, private_key=str(private_key), hash_algorithm="SHA256",
        expires=int(time.time()) + 86_400, date_greater_than=None, ip_address=None, fmt="csv",
    )  # fmt: skip
    row_signer = batch_run._RowSigner(spec)
    every = list(read_objects(source))[:rows]
    chunks = [every[i : i + batch.CHUNK_ROWS] for i in range(0, len(every), batch.CHUNK_ROWS)]
    rates = []
    for sign_chunk in (
        row_signer._canned_chunk,
        lambda chunk: batch_run._format_chunk(
            chunk, spec, row_signer.plan, row_signer.signer.sign_plans
        ),
    ):
        started = time.perf_counter()
        done = sum(len(sign_chunk(chunk)[0].splitlines()) for chunk in chunks)
        rates.append(done / (time.perf_counter() - started))
    return rates[0], rates[1]


def tree_peaks(pid: int, peaks: dict[int, int]) -> None:
    """Record the peak resident bytes (``VmHWM``) of a process and each of its descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree = {pid}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    for member in tree:
        with contextlib.suppress(OSError, ValueError, IndexError):
            status = (Path("/proc") / str(member) / "status").read_text()
            line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
            peaks[member] = max(peaks.get(member, 0), int(line.split()[1]) * 1024)


def peak_tree_rss(command: list[str]) -> tuple[int, float]:
    """(sum of the peak RSS of every process of the command's tree, seconds).

    Each process's own high-water mark (``VmHWM``) is read four times a second, so no peak is
    missed between samples and the sampling costs the measured run little CPU; their sum is an
    upper bound of the tree's peak.
    """
    started = time.perf_counter()
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks: dict[int, int] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            tree_peaks(run.pid, peaks)
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = run.communicate()
    stop.set()
    sampler.join()
    if run.returncode != 0:
        raise SystemExit(f"memory run failed: {err.decode()}")
    return sum(peaks.values()), time.perf_counter() - started


def one_round(rounds: Rounds, args, work: Path, private: dict[str, Path], inputs: dict) -> None:
    n = args.workers
    for kind, algorithm in ALGORITHMS.items():
        rounds.add(f"{kind} elapsed", openssl_speed(algorithm, args.openssl_seconds, elapsed=True))
        rounds.add(f"{kind} multi", openssl_speed(algorithm, args.openssl_seconds, multi=n))
        rounds.add(f"{kind} cpu", openssl_speed(algorithm, args.openssl_seconds))
        for workers in (1, n):
            rate, per_cpu = urls_per_second(inputs[kind], work / "out.csv", private[kind], workers)
            rounds.add(f"{kind} {workers}", rate)
        rounds.add(f"{kind} {n} per cpu", per_cpu)
        rounds.add(f"{kind} scaling", rounds[f"{kind} {n}"][-1] / rounds[f"{kind} 1"][-1])
        rounds.add(
            f"{kind} openssl scaling", rounds[f"{kind} multi"][-1] / rounds[f"{kind} elapsed"][-1]
        )
    rounds.add(
        "shared",
        urls_per_second(
            inputs["ecdsa"], work / "out.csv", private["rsa"], 1, policy_resource=f"{BASE}/course/*"
        )[0],
    )
    rounds.add("shared target", SHARED_TARGET)
    fast, general = canned_paths(private["ecdsa"], inputs["ecdsa"], min(args.rows, 20_000))
    rounds.add("canned fast", fast)
    rounds.add("canned general", general)
    rounds.add("one", 1.0)


def rows_of_the_table(args) -> tuple[list[Row], dict[str, str]]:
    n = args.workers
    rows: list[Row] = []
    references: dict[str, str] = {}
    for kind, algorithm in ALGORITHMS.items():
        elapsed = f"openssl speed -elapsed {algorithm} (wall)"
        multi = f"openssl speed -multi {n} {algorithm} (wall)"
        cpu = f"openssl speed {algorithm} (CPU, 1 process)"
        label = LABELS[kind]
        rows += [
            Row(f"{label} batch, 1 worker, URLs/s", f"{kind} 1", elapsed, f"{kind} elapsed"),
            Row(f"{label} batch, {n} workers, URLs/s", f"{kind} {n}", multi, f"{kind} multi",
                TARGETS[kind]),
            Row(f"{label} batch, {n} workers / 1 worker", f"{kind} scaling",
                "(same round, same input)", "one", SCALING),
            Row(f"  (openssl {algorithm}: -multi {n} / -elapsed)", f"{kind} openssl scaling",
                "(same round: what the machine allowed)", "one"),
            Row(f"  ({n} workers, URLs per CPU-second)", f"{kind} {n} per cpu", cpu,
                f"{kind} cpu"),
        ]  # fmt: skip
        references[f"{kind} elapsed"] = elapsed
        references[f"{kind} multi"] = multi
        references[f"{kind} cpu"] = cpu
    rows.append(
        Row("shared-policy fast path, 1 process, URLs/s", "shared", "target", "shared target", 1.0)
    )
    rows.append(
        Row("canned fast path, ECDSA, 1 process, URLs/s", "canned fast",
            "general path (plan_url per row), same rows", "canned general")
    )  # fmt: skip
    return rows, references


def memory_row(args, work: Path, private: dict[str, Path]) -> str:
    """Peak RSS of ``cftutorial batch`` (its whole process tree) on ``--memory-rows`` ECDSA rows."""
    big = write_input(work / "big.txt", args.memory_rows)
    peak, took = peak_tree_rss(
        [sys.executable, "-m", "cftutorial", "batch", "--input", str(big),
         "--output", str(work / "big.csv"), "--base-url", BASE, "--key-pair-id", KEY_ID,
         "--private-key", str(private["ecdsa"]), "--date-less-than", "24h",
         "--workers", str(args.workers), "--no-progress"],
    )  # fmt: skip
    megabytes = peak / 2**20
    verdict = "PASS" if megabytes <= MEMORY_TARGET_MB else "MISS"
    return (
        f"peak RSS of the process tree (sum of each process's peak), {args.memory_rows:,} ECDSA rows, {args.workers} workers: "
        f"{megabytes:,.0f} MB (target <= {MEMORY_TARGET_MB} MB) {verdict}; the run took "
        f"{took:,.1f} s"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rounds = Rounds()
    print(f"cores: {batch.default_workers()}; N = {args.workers} workers")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        work = Path(scratch)
        private = write_keys(work)
        inputs = {
            "rsa": write_input(work / "rsa.txt", args.rsa_rows),
            "ecdsa": write_input(work / "ecdsa.txt", args.rows),
        }
        for number in range(1, args.rounds + 1):
            print(f"round {number}/{args.rounds}, load average {load_average()}", flush=True)
            one_round(rounds, args, work, private, inputs)
        memory = memory_row(args, work, private) if args.memory_rows else None
    rows, references = rows_of_the_table(args)
    report(
        rounds,
        rows,
        references,
        f"wall-clock rates; {args.rounds} interleaved rounds ({args.rsa_rows:,} RSA rows, "
        f"{args.rows:,} ECDSA and shared-policy rows), median and min-max; ratio = median of "
        f"the per-round ratios; load average at the end {load_average()}",
    )
    if memory:
        print(memory)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
