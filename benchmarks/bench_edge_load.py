"""The local edge under load: requests per second and latency (not a test: prints figures).

Run: ``.venv/bin/python benchmarks/bench_edge_load.py [--requests N] [--clients N] [--policy-kb K]``

Starts its own local AWS (a temporary home, free ports), builds the edge test world
(``tests/edge_world.py``) and sends the request mix of the load test in
``tests/localaws/test_edge_load_fuzz.py`` (signed URLs RSA/ECDSA, cookies, a range, unsigned,
tampered, expired, untrusted key, OAI denial, a public path, an unknown distribution) from
``--clients`` threads over raw ``http.client`` connections. Every answer is checked like the
test checks it; the figures are printed with the number of wrong answers. ``--policy-kb K``
first pads the bucket policy of the world's OAC bucket to about K KB (still a policy the local
S3 evaluates: extra statements for other distributions), so the cost of a large policy on every
read shows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "localaws")]


def _isolate() -> None:
    os.environ.update(
        CFTUTORIAL_HOME=tempfile.mkdtemp(prefix="bench-edge-"),
        CFTUTORIAL_AWS_PORT="0",
        CFTUTORIAL_EDGE_PORT="0",
        CFTUTORIAL_BACKEND="local",
        CFTUTORIAL_DEPLOY_SECONDS="1",
        CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()),
    )


def run(requests: int, clients: int, policy_kb: int) -> None:
    _isolate()
    from edge_world import build_world, padded_policy
    from test_edge_load_fuzz import _cases, code_of, raw_get

    from cftutorial.aws import clients as aws_clients
    from cftutorial.localaws import process

    process.start()
    try:
        world = build_world()
        if policy_kb:
            s3 = aws_clients.client("s3")
            current = json.loads(s3.get_bucket_policy(Bucket=world.oac_bucket)["Policy"])
            text = padded_policy(world.oac_bucket, current, policy_kb * 1024)
            s3.put_bucket_policy(Bucket=world.oac_bucket, Policy=text)
            print(f"bucket policy: {len(text)} bytes")
        cases = _cases(world)
        latencies: list[float] = []
        wrong: list[str] = []
        lock = threading.Lock()

        def one(index: int) -> None:
            target, headers, status, code, body = cases[index % len(cases)]
            started = time.perf_counter()
            got_status, got_body = raw_get(world, target, headers)
            elapsed = time.perf_counter() - started
            bad = (
                got_status != status
                or (code is not None and code_of(got_body) != code)
                or (body is not None and got_body != body)
            )
            with lock:
                latencies.append(elapsed)
                if bad:
                    wrong.append(f"{target[:60]} -> {got_status}")

        for i in range(len(cases)):  # warm up: imports, first connections
            one(i)
        latencies.clear()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(one, range(requests)))
        wall = time.perf_counter() - started
        cuts = statistics.quantiles(latencies, n=100)
        print(
            f"{requests} requests, {clients} clients: {requests / wall:.0f} req/s, "
            f"p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms, "
            f"wall {wall:.1f} s, wrong answers {len(wrong)} {wrong[:3]}"
        )
    finally:
        process.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--policy-kb", type=int, default=0)
    args = parser.parse_args()
    run(args.requests, args.clients, args.policy_kb)


if __name__ == "__main__":
    main()
