"""The guide's root-account key pair, offline (local only), and what a reset clears."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cftutorial.aws import account_keys
from cftutorial.aws.clients import client
from cftutorial.errors import AccountKeyPairError, BackendError
from cftutorial.localaws import account_keys as registry
from cftutorial.localaws import control, process


def pem_of(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa_pem(bits: int = 2048) -> str:
    return pem_of(rsa.generate_private_key(public_exponent=65537, key_size=bits))


@pytest.fixture(scope="module")
def private_aws(tmp_path_factory, local_aws) -> Iterator[process.LocalAWSStatus]:
    """A second local AWS of this module's own: account key pairs are limited to two per
    account, so registering them on the session's shared server could crowd out other tests."""
    saved = os.environ["CFTUTORIAL_HOME"]
    os.environ["CFTUTORIAL_HOME"] = str(tmp_path_factory.mktemp("account-keys-home"))
    try:
        own = process.start()
        assert own.aws_endpoint != local_aws.aws_endpoint
        yield own
        process.stop()
    finally:
        os.environ["CFTUTORIAL_HOME"] = saved


@pytest.fixture
def fresh_aws(private_aws) -> process.LocalAWSStatus:
    assert requests.post(
        private_aws.aws_endpoint + "/moto-api/reset",
        headers=control.headers(process.runtime_file(), "application/json"),
        timeout=10,
    ).ok
    return private_aws


def test_registered_account_key_pair_gets_an_apka_id_and_is_listed(fresh_aws):
    pem = rsa_pem()
    key_id = account_keys.register_account_key_pair(pem)
    assert key_id.startswith("APKA") and len(key_id) == 20
    listed = {
        item["KeyPairId"]: item["PublicKey"] for item in account_keys.list_account_key_pairs()
    }
    assert listed[key_id].strip() == pem.strip()
    assert account_keys.register_account_key_pair(pem) == key_id


def test_account_key_pair_that_cloudfront_would_refuse_is_rejected(fresh_aws):
    with pytest.raises(AccountKeyPairError, match="RSA 1024-bit"):
        account_keys.register_account_key_pair(rsa_pem(1024))
    with pytest.raises(AccountKeyPairError, match="not a PEM"):
        account_keys.register_account_key_pair("not a key")


def test_account_key_pairs_are_refused_in_aws_mode(monkeypatch):
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    with pytest.raises(BackendError, match="console"):
        account_keys.register_account_key_pair(rsa_pem())


def test_registry_accepts_ecdsa_p256_and_at_most_two_keys():
    registry.reset()
    try:
        first = registry.register(pem_of(ec.generate_private_key(ec.SECP256R1())))
        second = registry.register(rsa_pem())
        assert set(registry.trusted_for_self()) == {first, second}
        with pytest.raises(AccountKeyPairError, match="at most 2"):
            registry.register(rsa_pem())
    finally:
        registry.reset()


def test_moto_api_reset_also_clears_oais_and_account_key_pairs(fresh_aws):
    cf = client("cloudfront")
    config = {"CallerReference": uuid.uuid4().hex, "Comment": "before reset"}
    cf.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig=config)
    account_keys.register_account_key_pair(rsa_pem())
    listed = cf.list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]
    assert listed["Quantity"] == 1 and len(account_keys.list_account_key_pairs()) == 1
    assert requests.post(
        fresh_aws.aws_endpoint + "/moto-api/reset",
        headers=control.headers(process.runtime_file(), "application/json"),
        timeout=10,
    ).ok
    listed = cf.list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]
    assert listed["Quantity"] == 0
    assert account_keys.list_account_key_pairs() == []


def test_deleted_account_key_pair_is_no_longer_trusted_and_frees_its_slot(fresh_aws):
    first = account_keys.register_account_key_pair(rsa_pem())
    second = account_keys.register_account_key_pair(rsa_pem())
    with pytest.raises(AccountKeyPairError, match="at most 2"):
        account_keys.register_account_key_pair(rsa_pem())
    assert account_keys.delete_account_key_pair(first) is True
    listed = [item["KeyPairId"] for item in account_keys.list_account_key_pairs()]
    assert listed == [second]
    assert account_keys.delete_account_key_pair(first) is False
    third = account_keys.register_account_key_pair(rsa_pem())
    assert third not in (first, second)
