"""Restart time of the local AWS holding the whole tutorial's state, and what it writes to disk.

Builds the state of notebooks 01-04 on both paths as their cells build it (``tests/builders.py``;
modern: bucket with the 7 samples, OAC and OAI, key group, public key, distribution, bucket
policy; guide: bucket, OAC and OAI, ACL grants, distribution trusting ``self``), plus an account
key pair, in a temporary CFTUTORIAL_HOME. Then, several rounds: ``stop`` and ``start`` (start
returns once the restored server answers its health check), median and worst. Also: the start of an empty local
AWS for comparison, and the time of one small ``put_object`` with the whole state loaded (each
change is kept on disk before it is answered; ``bench_local_state.py`` measures that cost as the
state grows).

    .venv/bin/python benchmarks/bench_local_restart.py [ROUNDS]

Target: stop + start <= 2 s on a 2-core machine.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

TARGET_SECONDS = 2.0
ROUNDS = 7


def build_state() -> None:
    import builders  # tests/builders.py: the notebooks' cells' calls

    from cftutorial.aws import account_keys
    from cftutorial.signing import keys

    for run_name, approach in (("bench-modern", "modern"), ("bench-guide", "guide")):
        builders.run(run_name, "04", approach=approach)
    account_keys.register_account_key_pair(keys.public_key_pem(keys.generate_private_key()))


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """CPU time the server used so far (user + system; Linux): a figure the machine's load
    does not inflate, unlike the wall time on a shared 2-core machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def restart_rounds(rounds: int) -> tuple[list[float], list[float], list[float]]:
    from cftutorial.localaws import process

    stops, starts, cpu = [], [], []
    for _ in range(rounds):
        stops.append(timed(process.stop))
        starts.append(timed(process.start))
        assert process.status().saved_state["result"] == "restored"
        with contextlib.suppress(OSError):
            cpu.append(cpu_seconds(process.status().pid))
    return stops, starts, cpu


def put_seconds(samples: int = 20) -> list[float]:
    from cftutorial.aws.clients import client

    s3 = client("s3")
    return [
        timed(lambda i=i: s3.put_object(Bucket="cftutorial-bench-modern", Key=f"t{i}", Body=b"x"))
        for i in range(samples)
    ]


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("rounds", nargs="?", type=int, default=ROUNDS, help="stop+start rounds")
    rounds = parser.parse_args(argv).rounds
    from cftutorial.localaws import process

    with tempfile.TemporaryDirectory(prefix="cftutorial-bench-restart-") as tmp:
        os.environ.update(
            CFTUTORIAL_HOME=str(Path(tmp) / "home"),
            CFTUTORIAL_AWS_PORT="0",
            CFTUTORIAL_EDGE_PORT="0",
            CFTUTORIAL_DEPLOY_SECONDS="1",
            CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()),
        )
        try:
            empty_start = timed(process.start)
            build_state()
            puts = put_seconds()
            for i in range(len(puts)):  # leave the tutorial's state as the notebooks made it
                from cftutorial.aws.clients import client

                client("s3").delete_object(Bucket="cftutorial-bench-modern", Key=f"t{i}")
            size = process.state_bytes() or 0
            summary = process.status().saved_state
            stops, starts, cpu = restart_rounds(rounds)
            restored = process.status().saved_state
            restored_message, restore_seconds = restored["message"], restored["seconds"]
        finally:
            process.stop()
    totals = [a + b for a, b in zip(stops, starts, strict=True)]
    median = statistics.median(totals)
    print(f"state: {restored_message}")
    print(
        f"restore inside the server (read, check, unpickle, install): {restore_seconds * 1000:.0f} ms"
    )
    print(f"state on disk: {size} bytes ({size / 1024:.1f} KiB); first start: {summary['result']}")
    print(f"start of an empty local AWS: {empty_start:.2f} s")
    print(
        f"put_object with the state loaded (kept on disk each time): "
        f"median {statistics.median(puts) * 1000:.0f} ms, max {max(puts) * 1000:.0f} ms"
    )
    if cpu:
        print(f"server CPU time to ready (load-independent): median {statistics.median(cpu):.2f} s")
    print(f"load average after the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"{rounds} rounds: stop median {statistics.median(stops):.2f} s, "
        f"start median {statistics.median(starts):.2f} s"
    )
    print(
        f"stop + start: median {median:.2f} s, max {max(totals):.2f} s "
        f"(target <= {TARGET_SECONDS:.0f} s: {'met' if median <= TARGET_SECONDS else 'MISSED'})"
    )
    return 0 if median <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
