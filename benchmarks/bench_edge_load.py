"""The local edge under load: requests per second and latency (not a test: prints figures).

Run: ``.venv/bin/python benchmarks/bench_edge_load.py [--requests N] [--clients N] [--rounds N]
[--policy-kb K]``

Starts its own local AWS (a temporary home, free ports), builds the edge test world
(``tests/edge_world.py``) and sends the request mix of the load test in
``tests/localaws/test_edge_load_fuzz.py`` (signed URLs RSA/ECDSA, cookies, a range, unsigned,
tampered, expired, untrusted key, OAI denial, a public path, an unknown distribution) from
``--clients`` threads over raw ``http.client`` connections. Every answer is checked like the
test checks it; the figures are printed with the number of wrong answers. ``--policy-kb K``
first pads the bucket policy of the world's OAC bucket to about K KB (still a policy the local
S3 evaluates: extra statements for other distributions), so the cost of a large policy on every
read shows.

Memory: the local AWS process's resident set (``VmRSS`` in ``/proc/PID/status``, sampled every
20 ms) is printed idle (after the world is built), at its peak during each round of load
(``VmHWM``, the kernel's own high-water mark, for the whole run) and settled (3 s after the
round's last answer). Target: a peak of at most 150 MB with 50 clients (docs/workshop.md sizes a
learner's machine with it).
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


SETTLE_SECONDS = 3.0
TARGET_PEAK_MB = 150


def _status_kb(pid: int, field: str) -> int:
    """A ``/proc/PID/status`` figure in kB (``VmRSS``, ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class RssSampler:
    """The server's RSS every 20 ms on a thread; ``peak()`` since the last ``reset()``."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._peak = max(self._peak, _status_kb(self.pid, "VmRSS"))

    def reset(self) -> None:
        self._peak = _status_kb(self.pid, "VmRSS")

    def peak(self) -> int:
        return max(self._peak, _status_kb(self.pid, "VmRSS"))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def _enable_logging(world) -> None:
    """Standard logging on the ``signed`` distribution, as notebook 09 turns it on."""
    import uuid

    from cftutorial.aws import clients as aws_clients

    s3, cf = aws_clients.client("s3"), aws_clients.client("cloudfront")
    bucket = f"bench-logs-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_ownership_controls(
        Bucket=bucket,
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]},
    )
    current = cf.get_distribution_config(Id=world.ids["signed"])
    config = current["DistributionConfig"]
    config["Logging"] = {
        "Enabled": True,
        "IncludeCookies": True,
        "Bucket": f"{bucket}.s3.amazonaws.com",
        "Prefix": "cf/",
    }
    cf.update_distribution(
        Id=world.ids["signed"], DistributionConfig=config, IfMatch=current["ETag"]
    )
    print(f"standard logging on, to {bucket}")


def _large_object(world, megabytes: float) -> tuple:
    """A ``megabytes`` video in the OAC bucket and its signed GET (the whole object)."""
    from cftutorial.aws import clients as aws_clients

    body = os.urandom(int(megabytes * 1024 * 1024))
    aws_clients.client("s3").put_object(
        Bucket=world.oac_bucket, Key="large.mp4", Body=body, ContentType="video/mp4"
    )
    url = world.signers["rsa-SHA1"].sign_url(
        world.url("signed", "/large.mp4"), date_less_than=int(time.time()) + 3600
    )
    print(f"half the requests: GET of a {megabytes:g} MB object")
    return ("/" + url.split("//", 1)[1], {}, 200, None, body)


def _for_seconds(pool: ThreadPoolExecutor, one, clients: int, seconds: float) -> int:
    """``clients`` loops sending requests until ``seconds`` have passed; the count sent."""
    deadline = time.monotonic() + seconds
    counts = [0] * clients

    def loop(slot: int) -> None:
        index = slot
        while time.monotonic() < deadline:
            one(index)
            index += clients
            counts[slot] += 1

    list(pool.map(loop, range(clients)))
    return sum(counts)


def run(
    requests: int,
    clients: int,
    policy_kb: int,
    rounds: int = 3,
    seconds: float = 0.0,
    logging: bool = False,
    object_mb: float = 0.0,
) -> None:
    _isolate()
    from edge_world import VIDEO, build_world, padded_policy
    from test_edge_load_fuzz import _cases, code_of, raw_get

    from cftutorial.aws import clients as aws_clients
    from cftutorial.localaws import process

    state = process.start()
    try:
        world = build_world()
        if policy_kb:
            s3 = aws_clients.client("s3")
            current = json.loads(s3.get_bucket_policy(Bucket=world.oac_bucket)["Policy"])
            text = padded_policy(world.oac_bucket, current, policy_kb * 1024)
            s3.put_bucket_policy(Bucket=world.oac_bucket, Policy=text)
            print(f"bucket policy: {len(text)} bytes")
        if logging:
            _enable_logging(world)
        cases = _cases(world)
        video = world.signers["rsa-SHA1"].sign_url(
            world.url("signed", "/video.mp4"), date_less_than=int(time.time()) + 3600
        )
        cases.append(("/" + video.split("//", 1)[1], {}, 200, None, VIDEO))  # 200 KB whole
        if object_mb:
            cases.extend([_large_object(world, object_mb)] * len(cases))  # half the requests
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
        sampler = RssSampler(state.pid)
        time.sleep(SETTLE_SECONDS)
        idle = _status_kb(state.pid, "VmRSS")
        print(f"server RSS idle (world built): {_mb(idle)}")
        peaks, settled = [], []
        for round_number in range(1, rounds + 1):
            latencies.clear()
            sampler.reset()
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                if seconds:
                    done = _for_seconds(pool, one, clients, seconds)
                else:
                    list(pool.map(one, range(requests)))
                    done = requests
            wall = time.perf_counter() - started
            peaks.append(sampler.peak())
            time.sleep(SETTLE_SECONDS)
            settled.append(_status_kb(state.pid, "VmRSS"))
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"round {round_number}: {done} requests, {clients} clients: "
                f"{done / wall:.0f} req/s, p50 {cuts[49] * 1000:.0f} ms, "
                f"p99 {cuts[98] * 1000:.0f} ms, wall {wall:.1f} s, RSS peak {_mb(peaks[-1])}, "
                f"settled {_mb(settled[-1])}, wrong answers {len(wrong)} {wrong[:3]}"
            )
        sampler.stop()
        high_water = _status_kb(state.pid, "VmHWM")
        verdict = "met" if high_water <= TARGET_PEAK_MB * 1024 else "NOT met"
        print(
            f"server RSS: idle {_mb(idle)}, peak {_mb(max(peaks))} (VmHWM {_mb(high_water)}), "
            f"settled {_mb(settled[-1])} after {rounds} rounds; target peak <= "
            f"{TARGET_PEAK_MB} MB with {clients} clients: {verdict}"
        )
    finally:
        process.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--policy-kb", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--seconds", type=float, default=0.0, help="each round sends for this long instead"
    )
    parser.add_argument(
        "--logging", action="store_true", help="standard logging on (as notebook 09 turns it on)"
    )
    parser.add_argument(
        "--object-mb", type=float, default=0.0, help="half the requests GET an object this large"
    )
    args = parser.parse_args()
    run(
        args.requests,
        args.clients,
        args.policy_kb,
        args.rounds,
        args.seconds,
        args.logging,
        args.object_mb,
    )


if __name__ == "__main__":
    main()
