"""The local AWS's state on disk: one write's cost as the state grows, the restart, the bytes written.

    .venv/bin/python benchmarks/bench_local_state.py [--rounds 3] [--sizes 20,1000,5000,20000]
        [--writes 40]

For each size N, a state holding N objects of 1 KiB in one bucket is made once (in a child
process: moto in memory with the fidelity patches, saved by the package's own persistence code,
so it is the state a server would have written). Then, every round and for each N in turn: that
state is copied into a fresh CFTUTORIAL_HOME, the local AWS starts on free ports, and

- ``--writes`` PutObjects of 1 KiB (boto3, one attempt, after 3 unmeasured ones), each timed
  from the call to the answer (what a notebook or a batch user waits for);
- the bytes each of them wrote to the state files (a file replaced counts whole, a file appended
  to counts its growth: the same rule for a snapshot rewritten on every write and for a journal);
- the bytes written by a refused request: an anonymous ``POST /BUCKET?delete`` with a
  ``text/plain`` body, which any web page can send (403);
- the restart: ``stop`` then ``start`` (until the restored server answers its health check),
  after which the object count it restored is checked.

Every size's figure stands next to the 20-object figure of the same round (the reference), or
next to its target. Targets (issue 23): a write with 5,000 objects in the state costs <= 2 x a
write with 20 (median and p90); stop + start with 5,000 objects <= 3 s; a refused request
writes 0 bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figures import Parser, Rounds, Row, count, load_average, report

BUCKET = "bench-state"
OBJECT_BYTES = 1024
WARM_UP = 3
STATE_PREFIX = "local-aws-state"  # every state file of the local AWS starts with this
REFERENCE_SIZE = 20
WRITE_TARGET = (5_000, 2.0)  # at 5,000 objects, at most 2 x the 20-object figure
RESTART_TARGET = (5_000, 3.0)  # seconds


def sizes(text: str) -> list[int]:
    """An argparse type: comma-separated object counts, 20 first (the reference)."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of whole numbers") from None
    if not values or values[0] != REFERENCE_SIZE or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give object counts separated by commas, starting with {REFERENCE_SIZE} "
            "(the reference), e.g. 20,1000,5000"
        )
    return values


def parse_args(argv: list[str] | None = None):
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=count(1), default=3, help="interleaved rounds (3)")
    parser.add_argument(
        "--sizes",
        type=sizes,
        default=[20, 1_000, 5_000, 20_000],
        help="objects in the state, comma-separated, 20 first (20,1000,5000,20000)",
    )
    parser.add_argument(
        "--writes", type=count(2), default=40, help="timed PutObjects per size and round (40)"
    )
    parser.add_argument("--fill", nargs=2, metavar=("HOME", "N"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the state, made once per size (in a child process: moto in memory) ------------------------


def fill(home: Path, objects: int) -> None:
    """Write a state of ``objects`` 1 KiB objects into ``home`` with the package's own code."""
    os.environ["CFTUTORIAL_HOME"] = str(home)
    from moto.s3.models import s3_backends

    from cftutorial.config import LOCAL_ACCOUNT_ID, LOCAL_REGION
    from cftutorial.localaws import fidelity, persistence, process

    fidelity.apply_patches()  # bucket defaults as the server sets them
    backend = s3_backends[LOCAL_ACCOUNT_ID]["aws"]
    backend.create_bucket(BUCKET, LOCAL_REGION)
    for number in range(objects):
        backend.put_object(BUCKET, f"filled/{number:06d}", os.urandom(OBJECT_BYTES))
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    if hasattr(persistence, "Snapshots"):  # the design before issue 23 (b045b66): one pickle
        persistence.Snapshots(home / "local-aws-state.pickle").save()
    else:
        persistence.Store(process.state_path()).save_all()


def make_states(work: Path, counts: list[int]) -> dict[int, Path]:
    made = {}
    for objects in counts:
        home = work / f"state-{objects}"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--fill", str(home), str(objects)],
            check=True,
            timeout=1800,
        )
        size = sum(p.stat().st_size for p in home.glob(STATE_PREFIX + "*"))
        print(
            f"state with {objects:,} objects made in {time.perf_counter() - started:.1f} s: "
            f"{size / 2**20:.1f} MiB on disk",
            flush=True,
        )
        made[objects] = home
    return made


# --- one size, one round ---------------------------------------------------------------------


def files(home: Path) -> dict[str, tuple[int, int, int]]:
    """Each state file's (inode, size, mtime)."""
    found = {}
    for path in home.glob(f"*{STATE_PREFIX}*"):
        with contextlib.suppress(FileNotFoundError):
            info = path.stat()
            found[path.name] = (info.st_ino, info.st_size, info.st_mtime_ns)
    return found


def written(before: dict, after: dict) -> int:
    """Bytes written between two looks: a new or replaced file whole, an appended one its growth."""
    total = 0
    for name, (inode, size, mtime) in after.items():
        old = before.get(name)
        if old is None or old[0] != inode:
            total += size
        elif size > old[1]:
            total += size - old[1]
        elif mtime != old[2]:
            total += size  # rewritten in place: count it whole
    return total


def s3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    from cftutorial.config import LOCAL_ACCESS_KEY_ID, LOCAL_REGION, LOCAL_SECRET_ACCESS_KEY

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}),
    )


def refused_post(endpoint: str) -> int:
    """What a web page can send: an anonymous text/plain ``POST /BUCKET?delete`` (the status)."""
    host, port = endpoint.rsplit("//", 1)[1].rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    body = b"<Delete><Object><Key>filled/000000</Key></Object></Delete>"
    try:
        connection.request(
            "POST", f"/{BUCKET}?delete", body, {"Content-Type": "text/plain;charset=UTF-8"}
        )
        reply = connection.getresponse()
        reply.read()
        return reply.status
    finally:
        connection.close()


def one_size(rounds: Rounds, state: Path, home: Path, objects: int, writes: int, label: str):
    from cftutorial.localaws import process

    home.mkdir(mode=0o700)
    for path in state.glob(STATE_PREFIX + "*"):
        shutil.copy2(path, home / path.name)
    os.environ["CFTUTORIAL_HOME"] = str(home)
    try:
        s3 = s3_client(process.start().aws_endpoint)
        payload = os.urandom(OBJECT_BYTES)
        for number in range(WARM_UP):
            s3.put_object(Bucket=BUCKET, Key=f"{label}/warm-{number}", Body=payload)
        seconds, sizes = [], []
        for number in range(writes):
            before = files(home)
            started = time.perf_counter()
            s3.put_object(Bucket=BUCKET, Key=f"{label}/{number:04d}", Body=payload)
            seconds.append(time.perf_counter() - started)
            sizes.append(written(before, files(home)))
        before = files(home)
        status = refused_post(process.status().aws_endpoint)
        refused = written(before, files(home))
        if status != 403:
            raise SystemExit(f"the anonymous POST ?delete was answered {status}, not 403")
        started = time.perf_counter()
        process.stop()
        restarted = process.start()
        restart = time.perf_counter() - started
        summary = (restarted.saved_state or {}).get("summary") or {}
        expected = objects + WARM_UP + writes
        if summary.get("objects") != expected:
            raise SystemExit(
                f"after the restart the local AWS holds {summary.get('objects')} objects, "
                f"not {expected}: {restarted.saved_state}"
            )
        restore = (restarted.saved_state or {}).get("seconds", 0.0)
    finally:
        process.stop()
    rounds.add(f"median {objects}", statistics.median(seconds) * 1000)
    rounds.add(f"p90 {objects}", statistics.quantiles(seconds, n=10)[-1] * 1000)
    rounds.add(f"bytes {objects}", statistics.median(sizes))
    rounds.add(f"refused {objects}", refused)
    rounds.add(f"restart {objects}", restart)
    rounds.add(f"restore {objects}", restore)


def table(args) -> tuple[list[Row], dict[str, str]]:
    reference = REFERENCE_SIZE
    rows: list[Row] = []
    for kind in ("median", "p90"):
        label = f"PutObject 1 KiB, {reference} objects, {kind} ms"
        for objects in args.sizes[1:]:
            target = WRITE_TARGET[1] if objects == WRITE_TARGET[0] else None
            rows.append(
                Row(f"PutObject 1 KiB, {objects:,} objects, {kind} ms", f"{kind} {objects}",
                    label, f"{kind} {reference}", target, at_most=True)
            )  # fmt: skip
    for objects in args.sizes:
        target = RESTART_TARGET[1] if objects == RESTART_TARGET[0] else None
        rows.append(
            Row(f"stop + start, {objects:,} objects, s", f"restart {objects}",
                f"target ({RESTART_TARGET[1]:.0f} s)", "restart target", target, at_most=True)
        )  # fmt: skip
    for objects in args.sizes:
        rows.append(
            Row(f"bytes written per PutObject, {objects:,} objects", f"bytes {objects}",
                "the object's own bytes", "object bytes")
        )  # fmt: skip
    references = {
        f"median {reference}": f"PutObject 1 KiB, {reference} objects, median ms",
        f"p90 {reference}": f"PutObject 1 KiB, {reference} objects, p90 ms",
    }
    return rows, references


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.fill:
        fill(Path(args.fill[0]), int(args.fill[1]))
        return 0
    os.environ.update(
        CFTUTORIAL_AWS_PORT="0",
        CFTUTORIAL_EDGE_PORT="0",
        CFTUTORIAL_BACKEND="local",
        CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()),
    )
    rounds = Rounds()
    with tempfile.TemporaryDirectory(prefix="bench-local-state-") as scratch:
        work = Path(scratch)
        states = make_states(work, args.sizes)
        for number in range(1, args.rounds + 1):
            print(f"round {number}/{args.rounds}, load average {load_average()}", flush=True)
            for objects in args.sizes:
                home = work / f"round{number}-{objects}"
                one_size(rounds, states[objects], home, objects, args.writes, f"r{number}")
            rounds.add("restart target", RESTART_TARGET[1])
            rounds.add("object bytes", OBJECT_BYTES)
    rows, references = table(args)
    report(
        rounds,
        rows,
        references,
        f"{args.rounds} interleaved rounds, {args.writes} timed writes per size and round; "
        "median and min-max over the rounds; ratio = median of the per-round ratios; load "
        f"average at the end {load_average()}",
    )
    for objects in args.sizes:
        restore = statistics.median(rounds[f"restore {objects}"])
        refused = max(rounds[f"refused {objects}"])
        verdict = "PASS" if refused == 0 else "MISS"
        print(
            f"{objects:,} objects: a refused request (anonymous 403 POST ?delete) wrote "
            f"{refused:,.0f} bytes (target 0) {verdict}; the restore inside the server took "
            f"{restore * 1000:,.0f} ms (median)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
