"""Signing speed on one core, CPU time against CPU time, next to openssl, botocore and cryptography.

    .venv/bin/python benchmarks/bench_signing.py [--rounds 3] [--seconds 2] [--openssl-seconds 3]

Every round, pinned to one core and interleaved: ``openssl speed rsa2048``, our canned RSA-2048
URL (SHA-1 and SHA-256), botocore's ``CloudFrontSigner`` (its documented use, a loaded key in an
RSA/SHA-1 callable), the bare ``cryptography`` sign call (no URL around it), then
``openssl speed ecdsap256``, our canned ECDSA P-256 URL (one ``sign_url`` call per URL, and
``sign_urls`` on the 1,000 URLs at once, which signs them back to back) and the bare call.

The basis is CPU time on both sides, so other processes on a shared machine count against
neither: ``openssl speed`` without ``-elapsed`` divides by the CPU user time of its process
(``openssl speed -help``: "-elapsed  Use wall-clock time instead of CPU user time as divisor");
ours divide by ``time.process_time()`` (user + system, a little stricter). A busy machine still
shows: cores shared with other processes lose cache and turbo, so a reference that moved more
than 20 % between rounds is printed as a WARNING.

Targets (issue 14): our RSA URLs >= 0.9 x openssl and >= 1.0 x botocore; ECDSA >= 0.6 x openssl.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timezone

from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from figures import Parser, Rounds, Row, count, load_average, openssl_speed, report, seconds

from cftutorial.signing import keys, policy
from cftutorial.signing.signer import Signer

KEY_ID = "K2JCJMDEHXQW5F"
EXPIRES = 1893456000
URLS = [f"https://d111111abcdef8.cloudfront.net/videos/segment{i:05d}.ts" for i in range(1000)]
OPENSSL_RSA = "openssl speed rsa2048 (CPU, 1 core)"
OPENSSL_ECDSA = "openssl speed ecdsap256 (CPU, 1 core)"
BOTOCORE = "botocore CloudFrontSigner (CPU)"
ROWS = [
    Row("ours: canned RSA-2048 SHA-1 URL", "rsa sha1", OPENSSL_RSA, "openssl rsa2048", 0.9),
    Row("ours: canned RSA-2048 SHA-1 URL", "rsa sha1", BOTOCORE, "botocore", 1.0),
    Row("ours: canned RSA-2048 SHA-256 URL", "rsa sha256", OPENSSL_RSA, "openssl rsa2048", 0.9),
    Row("botocore: canned RSA-2048 SHA-1 URL", "botocore", OPENSSL_RSA, "openssl rsa2048"),
    Row("bare cryptography RSA-2048 sign", "bare rsa", OPENSSL_RSA, "openssl rsa2048"),
    Row("ours: canned ECDSA P-256 SHA-256 URL", "ecdsa", OPENSSL_ECDSA, "openssl ecdsap256", 0.6),
    Row(
        "ours: ECDSA sign_urls, 1,000 a call", "ecdsa bulk", OPENSSL_ECDSA, "openssl ecdsap256", 0.6
    ),
    Row("bare cryptography ECDSA P-256 sign", "bare ecdsa", OPENSSL_ECDSA, "openssl ecdsap256"),
]
REFERENCES = {"openssl rsa2048": OPENSSL_RSA, "openssl ecdsap256": OPENSSL_ECDSA}


def parse_args(argv: list[str] | None = None):
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=count(1), default=3, help="interleaved rounds (3)")
    parser.add_argument(
        "--seconds", type=seconds, default=2.0, help="CPU seconds per figure of ours (2)"
    )
    parser.add_argument(
        "--openssl-seconds", type=count(1), default=3, help="openssl speed -seconds (3)"
    )
    return parser.parse_args(argv)


def pin_to_one_core() -> int:
    core = sorted(os.sched_getaffinity(0))[0]
    os.sched_setaffinity(0, {core})
    return core


def per_cpu_second(sign_one: Callable[[str], object], duration: float) -> float:
    """Calls per CPU second (user + system) over about ``duration`` CPU seconds; a call given the
    list :data:`URLS` itself (``sign_urls``) counts as one per URL."""
    done = 0
    start = time.process_time()
    deadline = start + duration
    bulk = getattr(sign_one, "bulk", False)
    while True:
        if bulk:
            sign_one(URLS)
        else:
            for url in URLS:
                sign_one(url)
        done += len(URLS)
        now = time.process_time()
        if now >= deadline:
            return done / (now - start)


def signers() -> dict[str, Callable[[str], object]]:
    """The calls measured, each checked once against botocore or the verifier's rebuild."""
    rsa_key = keys.generate_private_key("rsa")
    ec_key = keys.generate_private_key("ecdsa")
    sha1 = Signer(KEY_ID, rsa_key, "SHA1")
    sha256 = Signer(KEY_ID, rsa_key, "SHA256")
    ecdsa = Signer(KEY_ID, ec_key, "SHA256")
    botocore = CloudFrontSigner(
        KEY_ID, lambda m: rsa_key.sign(m, padding.PKCS1v15(), hashes.SHA1())
    )
    expires = datetime.fromtimestamp(EXPIRES, timezone.utc)
    assert sha1.sign_url(URLS[0], date_less_than=EXPIRES) == botocore.generate_presigned_url(
        URLS[0], date_less_than=expires
    ), "our RSA/SHA-1 URL must equal botocore's byte for byte"
    assert [
        url.split("&Signature=")[0] for url in ecdsa.sign_urls(URLS, date_less_than=EXPIRES)
    ] == [ecdsa.sign_url(url, date_less_than=EXPIRES).split("&Signature=")[0] for url in URLS], (
        "sign_urls must sign what sign_url signs"
    )

    def ecdsa_bulk(many: list[str]) -> list[str]:
        return ecdsa.sign_urls(many, date_less_than=EXPIRES)

    ecdsa_bulk.bulk = True
    message = policy.canned_text(URLS[0], EXPIRES).encode()
    pkcs1, digest, ecdsa_sha256 = padding.PKCS1v15(), hashes.SHA1(), ec.ECDSA(hashes.SHA256())
    return {
        "rsa sha1": lambda u: sha1.sign_url(u, date_less_than=EXPIRES),
        "botocore": lambda u: botocore.generate_presigned_url(u, date_less_than=expires),
        "rsa sha256": lambda u: sha256.sign_url(u, date_less_than=EXPIRES),
        "bare rsa": lambda u: rsa_key.sign(message, pkcs1, digest),
        "ecdsa": lambda u: ecdsa.sign_url(u, date_less_than=EXPIRES),
        "ecdsa bulk": ecdsa_bulk,
        "bare ecdsa": lambda u: ec_key.sign(message, ecdsa_sha256),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    core = pin_to_one_core()
    calls = signers()
    rounds = Rounds()
    for number in range(1, args.rounds + 1):
        print(f"round {number}/{args.rounds} on core {core}, load average {load_average()}")
        rounds.add("openssl rsa2048", openssl_speed("rsa2048", args.openssl_seconds, core=core))
        for name in ("rsa sha1", "botocore", "rsa sha256", "bare rsa"):
            rounds.add(name, per_cpu_second(calls[name], args.seconds))
        rounds.add("openssl ecdsap256", openssl_speed("ecdsap256", args.openssl_seconds, core=core))
        for name in ("ecdsa", "ecdsa bulk", "bare ecdsa"):
            rounds.add(name, per_cpu_second(calls[name], args.seconds))
    report(
        rounds,
        ROWS,
        REFERENCES,
        f"operations per CPU second on core {core}; {args.rounds} interleaved rounds, median and "
        "min-max; ratio = median of the per-round ratios; "
        f"load average at the end {load_average()}",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
