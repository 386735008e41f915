"""Signed URLs per second on one core, each next to its reference (not a test: prints figures).

Run: ``.venv/bin/python benchmarks/bench_signing.py [--rounds N]``

References, measured in the same run and interleaved with ours, all as operations per CPU
second (``openssl speed`` divides by CPU user time; ours by CPU user + system time, a little
stricter): ``openssl speed -seconds 3 rsa2048`` / ``ecdsap256`` sign/s (the raw
signature, no URL around it) and botocore's ``CloudFrontSigner`` with a loaded key (its documented
use). Each figure is the best of the rounds, because noise only ever slows a run down.
Targets: RSA ≥ 0.95 × openssl and ≥ 1.0 × botocore; ECDSA ≥ 0.7 × openssl.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
from collections.abc import Callable
from datetime import datetime, timezone

from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from cftutorial.signing import keys, policy
from cftutorial.signing.signer import Signer

CORE = 0
SECONDS = 2.0
EXPIRES = 1893456000
URLS = [f"https://d111111abcdef8.cloudfront.net/videos/segment{i:05d}.ts" for i in range(1000)]


def pin_to_one_core() -> int:
    core = sorted(os.sched_getaffinity(0))[CORE]
    os.sched_setaffinity(0, {core})
    return core


def per_second(sign_one: Callable[[str], object], seconds: float = SECONDS) -> float:
    """URLs signed per CPU second (user + system), over about ``seconds`` of CPU time.

    CPU time, like ``openssl speed`` (which divides by CPU user time unless given ``-elapsed``),
    so that other processes on the machine do not count against either side.
    """
    done = 0
    start = time.process_time()
    deadline = start + seconds
    while True:
        for url in URLS:
            sign_one(url)
        done += len(URLS)
        now = time.process_time()
        if now >= deadline:
            return done / (now - start)


def openssl_speed(algorithm: str, core: int) -> float:
    """sign/s reported by ``openssl speed -seconds 3 ALGORITHM``, on the same core."""
    output = subprocess.run(
        ["openssl", "speed", "-seconds", "3", algorithm],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {core}),
    ).stdout
    line = re.search(r"^\s*(rsa 2048 bits|256 bits ecdsa \(nistp256\)).*$", output, re.M)
    if not line:
        raise SystemExit(f"cannot find the sign/s figure in openssl's output:\n{output}")
    return float(line.group(0).split()[-2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    core = pin_to_one_core()
    rsa_key = keys.generate_private_key("rsa")
    ec_key = keys.generate_private_key("ecdsa")
    ours_sha1 = Signer("K2JCJMDEHXQW5F", rsa_key, "SHA1")
    ours_sha256 = Signer("K2JCJMDEHXQW5F", rsa_key, "SHA256")
    ours_ecdsa = Signer("K2JCJMDEHXQW5F", ec_key, "SHA256")
    botocore = CloudFrontSigner(
        "K2JCJMDEHXQW5F", lambda m: rsa_key.sign(m, padding.PKCS1v15(), hashes.SHA1())
    )
    expires = datetime.fromtimestamp(EXPIRES, timezone.utc)
    assert ours_sha1.sign_url(URLS[0], date_less_than=EXPIRES) == botocore.generate_presigned_url(
        URLS[0], date_less_than=expires
    )
    message = policy.canned_text(URLS[0], EXPIRES).encode()
    ecdsa_sha256 = ec.ECDSA(hashes.SHA256())
    pkcs1, sha1 = padding.PKCS1v15(), hashes.SHA1()
    measurements: dict[str, list[float]] = {}

    def record(name: str, value: float) -> None:
        measurements.setdefault(name, []).append(value)

    for number in range(1, rounds + 1):
        print(f"round {number}/{rounds} on core {core} …", flush=True)
        record("openssl rsa2048", openssl_speed("rsa2048", core))
        record("rsa sha1", per_second(lambda u: ours_sha1.sign_url(u, date_less_than=EXPIRES)))
        record(
            "botocore",
            per_second(lambda u: botocore.generate_presigned_url(u, date_less_than=expires)),
        )
        record("rsa sha256", per_second(lambda u: ours_sha256.sign_url(u, date_less_than=EXPIRES)))
        record("bare rsa", per_second(lambda u: rsa_key.sign(message, pkcs1, sha1)))
        record("openssl ecdsap256", openssl_speed("ecdsap256", core))
        record("ecdsa", per_second(lambda u: ours_ecdsa.sign_url(u, date_less_than=EXPIRES)))
        record("bare ecdsa", per_second(lambda u: ec_key.sign(message, ecdsa_sha256)))
    best = {name: max(values) for name, values in measurements.items()}
    rows = [
        ("canned RSA-2048 SHA-1", "rsa sha1", "openssl speed rsa2048", "openssl rsa2048", 0.95),
        ("canned RSA-2048 SHA-1", "rsa sha1", "botocore CloudFrontSigner", "botocore", 1.0),
        ("canned RSA-2048 SHA-256", "rsa sha256", "openssl speed rsa2048", "openssl rsa2048", 0.95),
        ("canned RSA-2048 SHA-256", "rsa sha256", "botocore CloudFrontSigner", "botocore", 1.0),
        (
            "canned ECDSA P-256 SHA-256",
            "ecdsa",
            "openssl speed ecdsap256",
            "openssl ecdsap256",
            0.7,
        ),
    ]
    print()
    header = f"{'ours':<27} {'URLs/s':>9}  {'reference':<26} {'/s':>9}  {'ratio':>6}  {'target':>7}  result"
    print(header)
    print("-" * len(header))
    for label, ours, reference_label, reference, target in rows:
        ratio = best[ours] / best[reference]
        verdict = "PASS" if ratio >= target else "MISS"
        print(
            f"{label:<27} {best[ours]:>9,.0f}  {reference_label:<26} {best[reference]:>9,.0f}  "
            f"{ratio:>6.3f}  {'≥' + format(target, '.2f'):>7}  {verdict}"
        )
    print("\nfor scale, a bare cryptography sign call (no URL around it):")
    for name, reference in (("bare rsa", "openssl rsa2048"), ("bare ecdsa", "openssl ecdsap256")):
        ratio = best[name] / best[reference]
        print(f"  {name:<10} {best[name]:>9,.0f}/s = {ratio:.3f} × {reference}")
    print(f"\nbest of {rounds} interleaved rounds, pinned to core {core}; all rounds:")
    for name, values in measurements.items():
        print(f"  {name:<18} " + "  ".join(f"{value:,.0f}" for value in values))


if __name__ == "__main__":
    main()
