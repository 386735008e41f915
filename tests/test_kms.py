"""Keys that never leave KMS: real signatures from the local AWS's KMS, checked three ways.

The KMS keys live in the local AWS (moto's KMS behind the fidelity layer): their signatures are
verified with ``cryptography``, with ``openssl`` and by the local CloudFront edge (200 for a
URL and for cookies). Also: what KMS refuses (K1), the checked key ids, and that KMS keys
survive a restart of the local AWS.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from cftutorial.aws import clients
from cftutorial.aws import kms as kms_keys
from cftutorial.errors import KmsKeyError
from cftutorial.localaws import process
from cftutorial.signing import keys
from cftutorial.signing.signer import Signer
from cftutorial.signing.verify import verify

OPENSSL = "/usr/bin/openssl"
FUTURE = 1893456000


@pytest.fixture(scope="module")
def kms(local_aws):
    return clients.client("kms")


@pytest.fixture(scope="module", params=keys.KINDS)
def kms_key(request, kms) -> str:
    return kms_keys.create_signing_key(request.param, run_name="kms-tests", kms=kms)


def _public(kms, key_id: str):
    return serialization.load_pem_public_key(kms_keys.public_key_pem(key_id, kms=kms).encode())


def _check(public, signature: bytes, message: bytes) -> None:
    """cryptography's verify (raises InvalidSignature when it does not hold)."""
    if keys.key_kind(public) == keys.KIND_RSA:
        public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    else:
        public.verify(signature, message, ec.ECDSA(hashes.SHA256()))


def test_created_key_has_the_spec_cloudfront_takes(kms, kms_key):
    key = kms_keys.describe_signing_key(kms_key, kms=kms)
    assert key.key_spec == kms_keys.KEY_SPECS[key.kind]
    assert key.signing_algorithm == kms_keys.SIGNING_ALGORITHMS[key.key_spec]
    tags = kms.list_resource_tags(KeyId=kms_key)["Tags"]
    assert {"TagKey": "cftutorial:run", "TagValue": "kms-tests"} in tags


def test_public_key_pem_is_accepted_by_create_public_key(kms, kms_key):
    pem = kms_keys.public_key_pem(kms_key, kms=kms)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in pem
    cf = clients.client("cloudfront")
    answer = cf.create_public_key(
        PublicKeyConfig={
            "CallerReference": uuid.uuid4().hex,
            "Name": f"kms-{uuid.uuid4().hex[:8]}",
            "EncodedKey": pem,
        }
    )
    stored = cf.get_public_key(Id=answer["PublicKey"]["Id"])["PublicKey"]["PublicKeyConfig"]
    assert stored["EncodedKey"].strip() == pem.strip()


@pytest.mark.parametrize("size", [100, kms_keys.MAX_RAW_MESSAGE, kms_keys.MAX_RAW_MESSAGE + 1])
def test_raw_and_digest_signatures_verify_with_cryptography(kms, kms_key, size):
    signer = kms_keys.KmsSigner(kms_key, kms=kms)
    message = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    _check(_public(kms, kms_key), signer.sign(message), message)
    assert signer.calls == 1


def test_signature_verifies_with_openssl(kms, kms_key, tmp_path: Path):
    message = b'{"Statement":[{"Resource":"https://d1.cloudfront.net/a.mp4"}]}' * 80  # > 4096
    signature = kms_keys.KmsSigner(kms_key, kms=kms).sign(message)
    (tmp_path / "message").write_bytes(message)
    (tmp_path / "signature").write_bytes(signature)
    (tmp_path / "public.pem").write_text(kms_keys.public_key_pem(kms_key, kms=kms))
    result = subprocess.run(
        [OPENSSL, "dgst", "-sha256", "-verify", "public.pem", "-signature", "signature", "message"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout.strip() == "Verified OK", result.stdout + result.stderr
    (tmp_path / "message").write_bytes(message + b" ")
    tampered = subprocess.run(
        [OPENSSL, "dgst", "-sha256", "-verify", "public.pem", "-signature", "signature", "message"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "Verification failure" in tampered.stdout, tampered.stdout


def test_signer_through_kms_makes_one_call_per_url(kms, kms_key):
    external = kms_keys.KmsSigner(kms_key, kms=kms)
    signer = Signer("K2JCJMDEHXQW5F", external=external)
    pem = kms_keys.public_key_pem(kms_key, kms=kms)
    for number in range(3):
        url = signer.sign_url(f"https://d1.cloudfront.net/{number}.mp4", date_less_than=FUTURE)
        assert "Hash-Algorithm=SHA256" in url
        assert verify(url, trusted_keys={"K2JCJMDEHXQW5F": pem}, at=FUTURE - 60).allowed
    assert external.calls == 3


# --- what the local KMS refuses, as AWS does (gap K1) ---------------------------------------


def test_raw_message_over_4096_bytes_is_a_validation_error(kms, kms_key):
    algorithm = kms_keys.describe_signing_key(kms_key, kms=kms).signing_algorithm
    with pytest.raises(ClientError) as refused:
        kms.sign(KeyId=kms_key, Message=b"x" * 4097, MessageType="RAW", SigningAlgorithm=algorithm)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "less than or equal to 4096" in refused.value.response["Error"]["Message"]


def test_digest_of_the_wrong_length_is_a_validation_error(kms, kms_key):
    algorithm = kms_keys.describe_signing_key(kms_key, kms=kms).signing_algorithm
    with pytest.raises(ClientError) as refused:
        kms.sign(KeyId=kms_key, Message=b"x" * 31, MessageType="DIGEST", SigningAlgorithm=algorithm)
    assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_digest_is_not_hashed_again(kms, kms_key):
    algorithm = kms_keys.describe_signing_key(kms_key, kms=kms).signing_algorithm
    message = b"a canned policy"
    signature = kms.sign(
        KeyId=kms_key,
        Message=hashlib.sha256(message).digest(),
        MessageType="DIGEST",
        SigningAlgorithm=algorithm,
    )["Signature"]
    _check(_public(kms, kms_key), signature, message)


# --- checked key ids ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", "my key", "K2JCJMDEHXQW5F", "1234", None])
def test_a_malformed_key_id_is_refused_by_name(bad):
    with pytest.raises(KmsKeyError, match=r"--kms-key-id .* is not a KMS key id"):
        kms_keys.check_key_id(bad, name="--kms-key-id")


def test_an_unknown_key_says_which_region(kms):
    with pytest.raises(KmsKeyError, match=r"no KMS key '1234abcd-.*' in us-east-1"):
        kms_keys.KmsSigner("1234abcd-12ab-34cd-56ef-1234567890ab", kms=kms)


def test_a_key_with_the_wrong_usage_is_refused(kms):
    symmetric = kms.create_key(KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT")
    key_id = symmetric["KeyMetadata"]["KeyId"]
    with pytest.raises(KmsKeyError, match="KeyUsage ENCRYPT_DECRYPT and KeySpec SYMMETRIC_DEFAULT"):
        kms_keys.KmsSigner(key_id, kms=kms)
    wrong_curve = kms.create_key(KeySpec="ECC_NIST_P384", KeyUsage="SIGN_VERIFY")
    with pytest.raises(KmsKeyError, match="RSA_2048 or ECC_NIST_P256"):
        kms_keys.KmsSigner(wrong_curve["KeyMetadata"]["KeyId"], kms=kms)


def test_alias_finds_the_key_and_scheduled_deletion_retires_it(kms):
    key_id = kms_keys.create_signing_key("ecdsa", run_name="kms-alias", kms=kms)
    alias = kms_keys.alias_name(f"kms-alias-{uuid.uuid4().hex[:6]}")
    kms_keys.set_alias(alias, key_id, kms=kms)
    assert kms_keys.find_key(alias, kms=kms).key_id == key_id
    with pytest.raises(KmsKeyError, match="7 to 30 days"):
        kms_keys.schedule_deletion(key_id, days=1, kms=kms)
    deletion = kms_keys.schedule_deletion(key_id, kms=kms)
    assert deletion is not None and (deletion.timestamp() - time.time()) > 6 * 86400
    assert kms_keys.find_key(alias, kms=kms) is None
    with pytest.raises(KmsKeyError, match="scheduled for deletion"):
        kms_keys.KmsSigner(key_id, kms=kms)
    assert kms_keys.delete_alias(alias, kms=kms) is True
    assert kms_keys.delete_alias(alias, kms=kms) is False


# --- through the local CloudFront edge ------------------------------------------------------


@pytest.fixture(scope="module")
def kms_distribution(local_aws, kms):
    """A bucket read through an OAC by a distribution whose key group trusts two KMS keys."""
    from edge_world import _config, _distribution, _oac

    s3, cf = clients.client("s3"), clients.client("cloudfront")
    bucket = f"kms-edge-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="videos/intro.mp4", Body=b"kms-signed bytes\n")
    signers, public_ids = {}, []
    for kind in keys.KINDS:
        key_id = kms_keys.create_signing_key(kind, run_name="kms-edge", kms=kms)
        public_id = cf.create_public_key(
            PublicKeyConfig={
                "CallerReference": uuid.uuid4().hex,
                "Name": f"kms-edge-{kind}-{uuid.uuid4().hex[:6]}",
                "EncodedKey": kms_keys.public_key_pem(key_id, kms=kms),
            }
        )["PublicKey"]["Id"]
        public_ids.append(public_id)
        signers[kind] = Signer(public_id, external=kms_keys.KmsSigner(key_id, kms=kms))
    group = cf.create_key_group(
        KeyGroupConfig={"Name": f"kms-edge-{uuid.uuid4().hex[:8]}", "Items": public_ids}
    )["KeyGroup"]["Id"]
    trusted = {"TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [group]}}
    domain = f"{bucket}.s3.us-east-1.amazonaws.com"
    dist = _distribution(cf, _config("s3-oac", domain, oac=_oac(cf), default=trusted))
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                        "Condition": {"StringEquals": {"AWS:SourceArn": dist["ARN"]}},
                    }
                ],
            }
        ),
    )
    return local_aws.edge_endpoint, dist["DomainName"], signers


def _fetch(edge: str, url: str, **kwargs) -> requests.Response:
    rest = url.split("//", 1)[1]
    return requests.get(f"{edge}/{rest}", timeout=30, **kwargs)


@pytest.mark.parametrize("kind", keys.KINDS)
def test_kms_signed_url_gets_200_through_the_edge(kms_distribution, kind):
    edge, domain, signers = kms_distribution
    url = signers[kind].sign_url(
        f"https://{domain}/videos/intro.mp4", date_less_than=int(time.time()) + 600
    )
    answer = _fetch(edge, url)
    assert answer.status_code == 200, answer.text
    assert answer.content == b"kms-signed bytes\n"
    unsigned = _fetch(edge, f"https://{domain}/videos/intro.mp4")
    assert unsigned.status_code == 403


@pytest.mark.parametrize("kind", keys.KINDS)
def test_kms_signed_cookies_get_200_through_the_edge(kms_distribution, kind):
    edge, domain, signers = kms_distribution
    cookies = signers[kind].sign_cookies(
        f"https://{domain}/videos/*", date_less_than=int(time.time()) + 600
    )
    assert cookies["CloudFront-Hash-Algorithm"] == "SHA256"
    answer = _fetch(edge, f"https://{domain}/videos/intro.mp4", cookies=cookies)
    assert answer.status_code == 200, answer.text


# --- persistence -------------------------------------------------------------------------------


def test_kms_keys_survive_a_restart_of_the_local_aws(tmp_path: Path, monkeypatch):
    """Its own local AWS (own home): stop/start must keep the key and its private half."""
    monkeypatch.setenv("CFTUTORIAL_HOME", str(tmp_path / "home"))
    try:
        process.start()
        kms = clients.client("kms")
        key_id = kms_keys.create_signing_key("rsa", run_name="restart", kms=kms)
        kms_keys.set_alias("alias/cftutorial-restart", key_id, kms=kms)
        pem = kms_keys.public_key_pem(key_id, kms=kms)
        process.stop()
        assert "KMS keys: 1" in (process.start().saved_state or {}).get("message", "")
        kms = clients.client("kms")
        found = kms_keys.find_key("alias/cftutorial-restart", kms=kms)
        assert found is not None and found.key_id == key_id
        assert kms_keys.public_key_pem(key_id, kms=kms) == pem
        message = b"signed after the restart"
        _check(_public(kms, key_id), kms_keys.KmsSigner(key_id, kms=kms).sign(message), message)
    finally:
        process.stop()


def test_get_public_key_answers_as_kms_does(kms, kms_key):
    """Gap K5: KeySpec, the key ARN, and only the signing algorithms of a SIGN_VERIFY key."""
    answer = kms.get_public_key(KeyId=kms_key)
    key = kms_keys.describe_signing_key(kms_key, kms=kms)
    assert answer["KeySpec"] == key.key_spec
    assert answer["KeyId"] == key.arn
    assert key.signing_algorithm in answer["SigningAlgorithms"]
    assert "EncryptionAlgorithms" not in answer
