"""The signing benchmarks run and print their side-by-side table (never a timing threshold).

Each benchmark runs once with tiny sizes; the tests check what is printed (every figure next to
its reference, median and spread, ratio, target, PASS/MISS), that ``--help`` works and that a bad
argument is one line on stderr with exit status 2. Whether a figure passes is for the benchmark
to print, not for a test to assert: it depends on the machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
#: A table row: figure, median, min-max, reference, median, min-max, ratio, min-max[, target, result]
NUMBER = r"[\d,]+(?:\.\d+)?"
ROW = re.compile(
    rf"^(?P<figure>.+?)\s+(?P<median>{NUMBER})\s+{NUMBER}-{NUMBER}\s+(?P<reference>.+?)\s+"
    rf"{NUMBER}\s+{NUMBER}-{NUMBER}\s+(?P<ratio>\d+\.\d\d) \d+\.\d\d-\d+\.\d\d"
    r"(?:\s+(?P<sense>>=|<=)(?P<target>\d\.\d\d)\s+(?P<result>PASS|MISS))?\s*$"
)


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


def table_rows(stdout: str) -> dict[tuple[str, str], re.Match]:
    rows = {}
    for line in stdout.splitlines():
        found = ROW.match(line)
        if found:
            rows[(found["figure"].strip(), found["reference"].strip())] = found
    return rows


@pytest.mark.slow
def test_bench_signing_prints_every_figure_next_to_its_cpu_time_reference() -> None:
    done = run("bench_signing.py", "--rounds", "1", "--seconds", "0.02", "--openssl-seconds", "1")
    assert done.returncode == 0, done.stderr
    rows = table_rows(done.stdout)
    rsa, ecdsa = "openssl speed rsa2048 (CPU, 1 core)", "openssl speed ecdsap256 (CPU, 1 core)"
    expected = {
        ("ours: canned RSA-2048 SHA-1 URL", rsa): "0.90",
        ("ours: canned RSA-2048 SHA-1 URL", "botocore CloudFrontSigner (CPU)"): "1.00",
        ("ours: canned RSA-2048 SHA-256 URL", rsa): "0.90",
        ("botocore: canned RSA-2048 SHA-1 URL", rsa): None,
        ("bare cryptography RSA-2048 sign", rsa): None,
        ("ours: canned ECDSA P-256 SHA-256 URL", ecdsa): "0.60",
        ("ours: ECDSA sign_urls, 1,000 a call", ecdsa): "0.60",
        ("bare cryptography ECDSA P-256 sign", ecdsa): None,
    }
    assert {key: rows[key]["target"] for key in rows} == expected, done.stdout
    for key, target in expected.items():
        assert (rows[key]["result"] is None) == (target is None), key
    assert re.search(
        r"^figure\s+median\s+min-max\s+reference\s+median\s+min-max\s+ratio", done.stdout, re.M
    )
    assert "operations per CPU second on core" in done.stdout
    assert re.search(
        r"^round 1/1 on core \d+, load average [\d.]+ [\d.]+ [\d.]+$", done.stdout, re.M
    )


@pytest.mark.slow
def test_bench_batch_prints_one_and_n_workers_next_to_openssl_wall_clock_references() -> None:
    done = run(
        "bench_batch.py", "--rounds", "1", "--workers", "2", "--rows", "60", "--rsa-rows", "6",
        "--openssl-seconds", "1", "--memory-rows", "0",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = table_rows(done.stdout)
    expected = {
        ("RSA-2048 batch, 1 worker, URLs/s", "openssl speed -elapsed rsa2048 (wall)"): None,
        ("RSA-2048 batch, 2 workers, URLs/s", "openssl speed -multi 2 rsa2048 (wall)"): "0.90",
        ("RSA-2048 batch, 2 workers / 1 worker", "(same round, same input)"): "1.70",
        ("(openssl rsa2048: -multi 2 / -elapsed)", "(same round: what the machine allowed)"): None,
        ("(2 workers, URLs per CPU-second)", "openssl speed rsa2048 (CPU, 1 process)"): None,
        ("ECDSA P-256 batch, 1 worker, URLs/s", "openssl speed -elapsed ecdsap256 (wall)"): None,
        ("ECDSA P-256 batch, 2 workers, URLs/s", "openssl speed -multi 2 ecdsap256 (wall)"): "0.60",
        ("ECDSA P-256 batch, 2 workers / 1 worker", "(same round, same input)"): "1.70",
        (
            "(openssl ecdsap256: -multi 2 / -elapsed)",
            "(same round: what the machine allowed)",
        ): None,
        ("(2 workers, URLs per CPU-second)", "openssl speed ecdsap256 (CPU, 1 process)"): None,
        ("shared-policy fast path, 1 process, URLs/s", "target"): "1.00",
        (
            "canned fast path, ECDSA, 1 process, URLs/s",
            "general path (plan_url per row), same rows",
        ): None,
    }
    assert {key: rows[key]["target"] for key in rows} == expected, done.stdout
    assert "wall-clock rates; 1 interleaved rounds" in done.stdout
    assert "peak RSS" not in done.stdout  # --memory-rows 0 skips the memory run
    assert re.search(r"^round 1/1, load average [\d.]+ [\d.]+ [\d.]+$", done.stdout, re.M)


@pytest.mark.slow
def test_bench_local_state_prints_each_size_next_to_20_objects_and_the_targets() -> None:
    done = run("bench_local_state.py", "--rounds", "1", "--sizes", "20,5000", "--writes", "3")
    assert done.returncode == 0, done.stderr
    rows = table_rows(done.stdout)
    median, p90 = "PutObject 1 KiB, 20 objects, median ms", "PutObject 1 KiB, 20 objects, p90 ms"
    expected = {
        ("PutObject 1 KiB, 5,000 objects, median ms", median): "2.00",
        ("PutObject 1 KiB, 5,000 objects, p90 ms", p90): "2.00",
        ("stop + start, 20 objects, s", "target (3 s)"): None,
        ("stop + start, 5,000 objects, s", "target (3 s)"): "3.00",
        ("bytes written per PutObject, 20 objects", "the object's own bytes"): None,
        ("bytes written per PutObject, 5,000 objects", "the object's own bytes"): None,
    }
    assert {key: rows[key]["target"] for key in rows} == expected, done.stdout
    assert all(rows[key]["sense"] == "<=" for key, target in expected.items() if target)
    for size in ("20", "5,000"):  # what the refused request wrote is counted, not timed
        assert re.search(
            rf"^{size} objects: a refused request \(anonymous 403 POST \?delete\) wrote 0 "
            r"bytes \(target 0\) PASS; the restore inside the server took \d[\d,]* ms",
            done.stdout,
            re.M,
        ), done.stdout
    assert re.search(r"^state with 5,000 objects made in [\d.]+ s: [\d.]+ MiB", done.stdout, re.M)


@pytest.mark.parametrize("script", ["bench_signing.py", "bench_batch.py"])
def test_benchmark_help_names_the_rounds_argument(script: str) -> None:
    done = run(script, "--help")
    assert done.returncode == 0, done.stderr
    assert "--rounds" in done.stdout and "--openssl-seconds" in done.stdout


def test_bench_clients_prints_a_kept_client_next_to_one_built_per_call() -> None:
    done = run("bench_clients.py", "--rounds", "2", "--calls", "3")
    assert done.returncode == 0, done.stderr
    found = {}
    for line in done.stdout.splitlines():
        row = re.match(r"^(kept|built) .*?\s+(\d+\.\d{3})\s+(\d+\.\d{3})-(\d+\.\d{3})$", line)
        if row:
            found[row[1]] = float(row[2])
    assert set(found) == {"kept", "built"}, done.stdout
    assert re.search(r"^a kept client is faster by\s+\d+x$", done.stdout, re.M), done.stdout


def test_bench_audit_prints_the_audit_next_to_the_same_reads_as_bare_calls() -> None:
    done = run("bench_audit.py", "--rounds", "2", "--audits", "2")
    assert done.returncode == 0, done.stderr
    assert "audit of a distribution with 10 behaviours, 2 rounds x 2 audits" in done.stdout
    found = {}
    for line in done.stdout.splitlines():
        row = re.match(
            r"^(audit_distribution|the same reads) .*?\s+(\d+\.\d{3})\s+[\d.]+-[\d.]+$", line
        )
        if row:
            found[row[1]] = float(row[2])
    assert set(found) == {"audit_distribution", "the same reads"}, done.stdout
    assert re.search(r"^audit / bare reads\s+\d+\.\d\dx$", done.stdout, re.M), done.stdout


@pytest.mark.parametrize(
    ("script", "args", "words"),
    [
        ("bench_signing.py", ["--rounds", "0"], "argument --rounds: 0 is too small; use 1 or more"),
        ("bench_signing.py", ["--rounds", "three"], "argument --rounds: 'three' is not a whole"),
        ("bench_signing.py", ["--seconds", "-1"], "argument --seconds: -1.0 is not a positive"),
        ("bench_batch.py", ["--workers", "1"], "argument --workers: 1 is too small; use 2 or more"),
        ("bench_batch.py", ["--rounds", "2.5"], "argument --rounds: '2.5' is not a whole number"),
        ("bench_batch.py", ["--frobnicate"], "unrecognized arguments: --frobnicate"),
        ("bench_local_state.py", ["--sizes", "1000,5000"], "starting with 20 (the reference)"),
        ("bench_local_state.py", ["--writes", "1"], "argument --writes: 1 is too small"),
        ("bench_clients.py", ["--calls", "0"], "argument --calls: 0 is too small; use 1 or more"),
        ("bench_clients.py", ["--service", "sqs"], "argument --service: invalid choice: 'sqs'"),
        ("bench_audit.py", ["--audits", "0"], "argument --audits: 0 is too small; use 1 or more"),
    ],
)
def test_a_bad_benchmark_argument_is_one_line_and_exit_2(script, args, words) -> None:
    done = run(script, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{script}: error: ") and words in lines[0]


def test_a_reference_that_moved_more_than_20_percent_gets_a_warning(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import figures

    rounds = figures.Rounds()
    for steady, noisy, ours in ((100.0, 100.0, 90.0), (115.0, 125.0, 95.0)):
        rounds.add("steady", steady)
        rounds.add("noisy", noisy)
        rounds.add("ours", ours)
    lines = figures.warnings(rounds, {"steady": "openssl steady", "noisy": "openssl noisy"})
    assert len(lines) == 1
    assert lines[0].startswith("WARNING: the reference openssl noisy moved 25% between rounds")
    row = figures.Row("ours", "ours", "openssl noisy", "noisy", 0.8)
    assert figures.ratios(rounds, row) == [0.9, 0.76]
    (line,) = [line for line in figures.table(rounds, [row]) if line.startswith("ours")]
    assert ROW.match(line)["ratio"] == "0.83" and line.endswith("PASS")
