"""``cftutorial keys create --kms``, ``sign``/``sign-cookies``/``batch --kms-key-id``.

Run as a learner's shell runs them (exit status, stdout, stderr; in this process, see
command_line.py) against the session's local AWS; every refusal is one line naming the flag,
exit status 2. The batch's KMS path is also checked without AWS: a fake
external signer shows the thread bound and the rate limiter's spacing.
"""

from __future__ import annotations

import csv
import itertools
import json
import subprocess
import threading
from pathlib import Path

import command_line
import pytest

from cftutorial.aws import clients
from cftutorial.batch import BatchOptions
from cftutorial.batch import kms as batch_kms
from cftutorial.errors import BatchError
from cftutorial.signing import keys
from cftutorial.signing.verify import verify

KEY_PAIR_ID = "K2JCJMDEHXQW5F"
URL = "https://d111111abcdef8.cloudfront.net/videos/intro.mp4"


def run(*args: str) -> subprocess.CompletedProcess:
    return command_line.cftutorial(*args)


def refused(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(fragment in lines[-1] for fragment in fragments), result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module", params=keys.KINDS)
def created(request, local_aws, tmp_path_factory) -> tuple[str, Path, str]:
    """(KMS key id, directory keys create wrote to, key kind)."""
    out = tmp_path_factory.mktemp(f"kms-{request.param}")
    result = run("keys", "create", "--kms", "--type", request.param, "--out", str(out))
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("KMS key (")
    return first.rsplit(" ", 1)[-1], out, request.param


def test_keys_create_kms_writes_only_the_public_key(created):
    key_id, out, kind = created
    assert [path.name for path in out.iterdir()] == ["cloudfront_public_key.pem"]
    pem = (out / "cloudfront_public_key.pem").read_text()
    assert "PRIVATE" not in pem
    assert keys.key_kind(keys.load_public_key(pem.encode())) == kind
    meta = clients.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyUsage"] == "SIGN_VERIFY"


def test_keys_create_kms_refuses_key_file_flags(local_aws, tmp_path):
    refused(run("keys", "create", "--kms", "--encrypt", "--out", str(tmp_path)), "--encrypt")
    refused(run("keys", "create", "--kms", "--format", "pkcs1", "--out", str(tmp_path)), "--format")
    assert list(tmp_path.iterdir()) == []


def test_sign_with_kms_key_id_verifies_with_the_exported_public_key(created):
    key_id, out, _ = created
    result = run(
        "sign",
        "--url",
        URL,
        "--key-pair-id",
        KEY_PAIR_ID,
        "--kms-key-id",
        key_id,
        "--date-less-than",
        "1h",
    )
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert url.endswith(f"Key-Pair-Id={KEY_PAIR_ID}&Hash-Algorithm=SHA256")
    check = run("verify", url, "--public-key", str(out / "cloudfront_public_key.pem"))
    assert check.returncode == 0 and check.stdout.startswith("allowed"), check.stdout


def test_sign_cookies_with_kms_key_id(created):
    key_id, out, _ = created
    result = run(
        "sign-cookies",
        "--resource",
        "https://d111111abcdef8.cloudfront.net/videos/*",
        "--key-pair-id",
        KEY_PAIR_ID,
        "--kms-key-id",
        key_id,
        "--date-less-than",
        "1h",
    )
    assert result.returncode == 0, result.stderr
    cookies = json.loads(result.stdout)
    assert cookies["CloudFront-Hash-Algorithm"] == "SHA256"
    public = (out / "cloudfront_public_key.pem").read_text()
    assert verify(URL, trusted_keys={KEY_PAIR_ID: public}, cookies=cookies).allowed


SIGN = ["sign", "--url", URL, "--key-pair-id", KEY_PAIR_ID, "--date-less-than", "1h"]


def test_kms_key_id_and_private_key_are_exclusive(local_aws, tmp_path):
    refused(
        run(*SIGN, "--kms-key-id", "alias/x", "--private-key", str(tmp_path / "k.pem")),
        "--private-key",
        "--kms-key-id",
    )


@pytest.mark.parametrize(
    ("key_id", "fragment"),
    [
        ("not a key", "is not a KMS key id"),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", "there is no KMS key"),
        ("alias/cftutorial-never-made", "there is no KMS key"),
    ],
)
def test_bad_or_unknown_kms_key_id_is_one_line(local_aws, key_id, fragment):
    refused(run(*SIGN, "--kms-key-id", key_id), "--kms-key-id", fragment)


def test_a_kms_key_with_the_wrong_usage_is_one_line(local_aws):
    kms = clients.client("kms")
    made = kms.create_key(KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT")
    key_id = made["KeyMetadata"]["KeyId"]
    refused(run(*SIGN, "--kms-key-id", key_id), "--kms-key-id", "KeyUsage ENCRYPT_DECRYPT")


def test_sha1_with_kms_is_refused_by_flag(created):
    refused(
        run(*SIGN, "--kms-key-id", created[0], "--hash-algorithm", "SHA1"),
        "--hash-algorithm SHA1",
        "--kms-key-id",
    )


def test_batch_with_kms_signs_every_row_and_prints_the_quota(created, tmp_path):
    key_id, out, kind = created
    source = tmp_path / "objects.txt"
    source.write_text("".join(f"videos/{n}.mp4\n" for n in range(25)))
    target = tmp_path / "urls.csv"
    result = run(
        "batch",
        "--input",
        str(source),
        "--output",
        str(target),
        "--base-url",
        "d111111abcdef8.cloudfront.net",
        "--key-pair-id",
        KEY_PAIR_ID,
        "--kms-key-id",
        key_id,
        "--date-less-than",
        "1h",
        "--workers",
        "3",
    )
    assert result.returncode == 0, result.stderr
    quota = batch_kms.quota_for(kind)
    assert f"KMS: 25 Sign calls at most {quota}/s from 3 threads" in result.stdout
    assert f"is {quota}/s per account and Region" in result.stdout
    assert "requests-per-second.html" in result.stdout
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 25
    public = (out / "cloudfront_public_key.pem").read_text()
    for row in rows:
        assert verify(row["url"], trusted_keys={KEY_PAIR_ID: public}).allowed, row


def test_batch_kms_flags_are_checked_by_name(created, tmp_path):
    source = tmp_path / "objects.txt"
    source.write_text("a.mp4\n")
    common = [
        "batch",
        "--input",
        str(source),
        "--output",
        str(tmp_path / "o.csv"),
        "--base-url",
        "d111111abcdef8.cloudfront.net",
        "--key-pair-id",
        KEY_PAIR_ID,
        "--date-less-than",
        "1h",
    ]
    refused(run(*common, "--kms-key-id", created[0], "--kms-rate", "0"), "--kms-rate")
    refused(run(*common, "--kms-key-id", created[0], "--workers", "500"), "--workers")
    refused(run(*common, "--private-key", "x.pem", "--kms-rate", "5"), "--kms-rate")
    assert not (tmp_path / "o.csv").exists()


# --- the KMS batch path without AWS ---------------------------------------------------------


class FakeKms:
    """An external signer that records which thread called it (a real key, no network)."""

    hash_algorithm = "SHA256"

    def __init__(self) -> None:
        self.key = keys.generate_private_key("ecdsa")
        self.kind = "ecdsa"
        self.calls = 0
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def sign(self, message: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        with self._lock:
            self.calls += 1
            self.threads.add(threading.current_thread().name)
        return self.key.sign(message, ec.ECDSA(hashes.SHA256()))


def _options(tmp_path: Path, external: FakeKms, rows: int, **extra) -> BatchOptions:
    return BatchOptions.build(
        objects=[f"v/{n}.mp4" for n in range(rows)],
        output=tmp_path / "out.jsonl",
        domain="d111111abcdef8.cloudfront.net",
        key_pair_id=KEY_PAIR_ID,
        private_key=None,
        hash_algorithm=None,
        external=external,
        **extra,
    )


def test_kms_batch_uses_at_most_its_threads_and_counts_calls(tmp_path):
    external = FakeKms()
    done = batch_kms.run_kms_batch(
        _options(tmp_path, external, 300), threads=3, chunk_rows=4, rate=1e6
    )
    assert done.result.written == 300 and done.calls == 300 == external.calls
    assert 1 <= len(external.threads) <= 3
    assert all(name.startswith("kms-sign") for name in external.threads)


def test_kms_batch_with_a_shared_policy_signs_once_for_the_urls(tmp_path):
    external = FakeKms()
    options = _options(
        tmp_path, external, 50, policy_resource="https://d111111abcdef8.cloudfront.net/v/*"
    )
    done = batch_kms.run_kms_batch(options, rate=1e6)
    assert done.result.written == 50
    assert done.calls == 2  # the shared policy, and the equivalent cookies
    assert done.result.cookies["CloudFront-Hash-Algorithm"] == "SHA256"


def test_kms_batch_refuses_sha1(tmp_path):
    with pytest.raises(BatchError, match=r"hash_algorithm='SHA1'.*only with SHA256"):
        BatchOptions.build(
            objects=["a"],
            output=tmp_path / "o.csv",
            domain="d111111abcdef8.cloudfront.net",
            key_pair_id=KEY_PAIR_ID,
            private_key=None,
            hash_algorithm="SHA1",
            external=FakeKms(),
        )


def test_rate_limiter_spaces_every_slot_by_one_interval():
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = batch_kms.RateLimiter(500, clock=lambda: now[0], sleep=sleep)
    slots = [limiter.wait() for _ in range(1000)]
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(slots)}
    assert gaps == {round(1 / 500, 9)}
    assert slots[-1] - slots[0] == pytest.approx(999 / 500)
    assert len(slept) == 999  # the first slot is now; every other one waits
    with pytest.raises(BatchError, match="rate=0 is not a request rate"):
        batch_kms.RateLimiter(0)
