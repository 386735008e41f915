"""Batch signing throughput and memory, next to what OpenSSL does on the same machine.

    .venv/bin/python benchmarks/bench_batch.py [--rows 100000] [--memory-rows 1000000]

Prints one table: each figure, the reference it stands against (measured in the same run with
``openssl speed``), their ratio, the target and PASS/MISS. Figures depend on what else the
machine is doing; the table says how busy it was (load average) when the run started.

Targets (issue 6): RSA-2048 on all cores >= 0.9 x (openssl per-core sign/s x cores); ECDSA P-256
on all cores >= 0.6 x the same for ecdsap256; peak RSS of the whole process tree <= 200 MB at
1,000,000 rows; the shared-policy fast path >= 100,000 URLs/s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from cftutorial import batch
from cftutorial.signing import keys

BASE = "https://d111111abcdef8.cloudfront.net"
KEY_ID = "K2JCJMDEHXQW5F"


def openssl_speed(algorithm: str, pattern: str, multi: int | None = None) -> float:
    """sign/s from ``openssl speed -seconds 3 ALGORITHM`` (all processes together with -multi)."""
    command = ["openssl", "speed", "-seconds", "3"]
    if multi:
        command += ["-multi", str(multi)]
    output = subprocess.run(
        [*command, algorithm], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    rates = [float(m.group(1)) for m in re.finditer(pattern, output)]
    if not rates:
        raise SystemExit(f"cannot read openssl speed output for {algorithm}:\n{output}")
    return rates[-1]


RSA_LINE = r"rsa\s+2048 bits\s+\S+s\s+\S+s\s+([\d.]+)"
ECDSA_LINE = r"256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)"


def write_keys(directory: Path) -> dict[str, Path]:
    return {
        kind: keys.write_key_pair(directory, kind=kind, name=f"bench-{kind}").private_key_path
        for kind in ("rsa", "ecdsa")
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
    """User + system CPU time of this process and its finished children (the workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def measure(
    source: Path, output: Path, private_key: Path, workers: int, **extra
) -> tuple[float, float]:
    """(URLs per wall-clock second, URLs per CPU-second of the whole process tree).

    The second figure hardly depends on what else the machine runs, so it tells overhead
    apart from contention when the machine is shared.
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


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (psutil, else /proc)."""
    try:
        import psutil
    except ImportError:
        return _proc_tree_rss(pid)
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def _proc_tree_rss(pid: int) -> int:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0"))
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    tree = {pid}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    return sum(rss.get(member, 0) for member in tree)


def peak_tree_rss(command: list[str]) -> tuple[int, float]:
    """(peak RSS of the command's process tree in bytes, seconds), sampled every 50 ms."""
    started = time.perf_counter()
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(run.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = run.communicate()
    stop.set()
    sampler.join()
    if run.returncode != 0:
        raise SystemExit(f"memory run failed: {err.decode()}")
    return peak, time.perf_counter() - started


def row(name: str, figure: str, reference: str, ratio: float | None, target: str, ok: bool | None):
    verdict = "" if ok is None else ("PASS" if ok else "MISS")
    shown = "" if ratio is None else f"{ratio:.2f}"
    return f"{name:<38} {figure:>14} {reference:>16} {shown:>6} {target:>9} {verdict:>5}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    cores = batch.default_workers()
    load = os.getloadavg()
    print(
        f"cores: {cores}; load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"({'busy' if load[0] > 0.5 else 'quiet'} machine)",
        flush=True,
    )

    print("openssl speed (3 s each) ...", flush=True)
    rsa_core = openssl_speed("rsa2048", RSA_LINE)
    rsa_multi = openssl_speed("rsa2048", RSA_LINE, multi=cores)
    ec_core = openssl_speed("ecdsap256", ECDSA_LINE)
    ec_multi = openssl_speed("ecdsap256", ECDSA_LINE, multi=cores)

    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        work = Path(scratch)
        private = write_keys(work)
        source = write_input(work / "keys.txt", args.rows)
        measured: dict[str, tuple[float, float]] = {}
        for kind in ("rsa", "ecdsa"):
            for workers in (1, cores):
                print(f"{kind}: {args.rows:,} URLs with {workers} worker(s) ...", flush=True)
                measured[f"{kind}-{workers}"] = measure(
                    source, work / "out.csv", private[kind], workers
                )
        print(f"shared policy: {args.rows:,} URLs ...", flush=True)
        shared, _ = measure(
            source, work / "out.csv", private["rsa"], 1, policy_resource=f"{BASE}/course/*"
        )
        print(f"peak memory: {args.memory_rows:,} rows, ecdsa, {cores} workers ...", flush=True)
        big = write_input(work / "big.txt", args.memory_rows)
        peak, seconds = peak_tree_rss(
            [sys.executable, "-m", "cftutorial", "batch", "--input", str(big),
             "--output", str(work / "big.csv"), "--base-url", BASE, "--key-pair-id", KEY_ID,
             "--private-key", str(private["ecdsa"]), "--date-less-than", "24h",
             "--no-progress"],
        )  # fmt: skip

    for kind, core, multi, goal in (
        ("RSA-2048", rsa_core, rsa_multi, 0.9),
        ("ECDSA P-256", ec_core, ec_multi, 0.6),
    ):
        key = "rsa" if kind.startswith("RSA") else "ecdsa"
        one, _ = measured[f"{key}-1"]
        alls, per_cpu = measured[f"{key}-{cores}"]
        lines += [
            row(f"{kind} canned, 1 worker, URLs/s", f"{one:,.0f}", f"{core:,.0f} /core",
                one / core, "", None),
            row(f"{kind} canned, {cores} workers, URLs/s", f"{alls:,.0f}",
                f"{core * cores:,.0f} x{cores}", alls / (core * cores), f">= {goal}",
                alls >= goal * core * cores),
            row(f"  (vs openssl -multi {cores})", f"{alls:,.0f}", f"{multi:,.0f} multi",
                alls / multi, "", None),
            row(f"  ({cores} workers, URLs per CPU-second)", f"{per_cpu:,.0f}",
                f"{core:,.0f} /core", per_cpu / core, "", None),
        ]  # fmt: skip
    lines.append(
        row(
            f"peak RSS, tree, {args.memory_rows:,} rows, MB",
            f"{peak / 2**20:,.0f}",
            "200 MB",
            peak / 2**20 / 200,
            "<= 1",
            peak <= 200 * 2**20,
        )
    )
    lines.append(
        row(
            f"  ({args.memory_rows:,} ECDSA rows took)",
            f"{seconds:,.1f} s",
            "",
            None,
            "",
            None,
        )
    )
    lines.append(
        row(
            "shared-policy fast path, URLs/s",
            f"{shared:,.0f}",
            "100,000",
            shared / 100_000,
            ">= 1",
            shared >= 100_000,
        )
    )
    print()
    print(f"{'figure':<38} {'measured':>14} {'reference':>16} {'ratio':>6} {'target':>9} {'':>5}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
