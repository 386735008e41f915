"""The signer protocol: ``Signer(key_pair_id, external=…)`` signs with a key that is not here.

No AWS: the external signers are a local key behind a callable or an object, so each URL and
cookie can be checked byte for byte against the same key signing directly, and with ``verify``.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from cftutorial.errors import SignedUrlError
from cftutorial.signing import keys, policy
from cftutorial.signing.signer import ExternalSigner, Signer
from cftutorial.signing.urls import split_url
from cftutorial.signing.verify import verify

KEY_ID = "K2JCJMDEHXQW5F"
FUTURE = 1893456000
URL = "https://d111111abcdef8.cloudfront.net/videos/intro.mp4"


class CountingSigner:
    """What an HSM-backed signer looks like to the protocol: kind, hash, sign(bytes)."""

    hash_algorithm = "SHA256"

    def __init__(self, key: keys.PrivateKey) -> None:
        self.key = key
        self.kind = keys.key_kind(key)
        self.calls = 0

    def sign(self, message: bytes) -> bytes:
        self.calls += 1
        if self.kind == keys.KIND_RSA:
            return self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(message, ec.ECDSA(hashes.SHA256()))


@pytest.fixture(scope="module", params=keys.KINDS)
def key(request) -> keys.PrivateKey:
    return keys.generate_private_key(request.param)


def _trusted(key: keys.PrivateKey) -> dict:
    return {KEY_ID: key.public_key()}


def test_an_object_signer_is_a_protocol_instance(key):
    assert isinstance(CountingSigner(key), ExternalSigner)


def test_external_signer_forces_sha256_on_urls(key):
    external = CountingSigner(key)
    signer = Signer(KEY_ID, external=external)
    url = signer.sign_url(URL, date_less_than=FUTURE)
    assert "Hash-Algorithm=SHA256" in url and external.calls == 1
    assert verify(url, trusted_keys=_trusted(key), at=FUTURE - 60).allowed


def test_rsa_external_signature_is_byte_identical_to_local_signing():
    key = keys.generate_private_key("rsa")  # PKCS#1 v1.5 is deterministic, ECDSA is not
    external = Signer(KEY_ID, external=CountingSigner(key)).sign_url(URL, date_less_than=FUTURE)
    local = Signer(KEY_ID, key, "SHA256").sign_url(URL, date_less_than=FUTURE)
    assert external == local


def test_custom_policy_and_cookies_go_through_the_external_signer(key):
    external = CountingSigner(key)
    signer = Signer(KEY_ID, external=external)
    url = signer.sign_url(
        URL, date_less_than=FUTURE, policy_resource="https://d111111abcdef8.cloudfront.net/*"
    )
    assert "Policy=" in url and "Hash-Algorithm=SHA256" in url
    assert verify(url, trusted_keys=_trusted(key), at=FUTURE - 60).allowed
    cookies = signer.sign_cookies(
        "https://d111111abcdef8.cloudfront.net/videos/*", date_less_than=FUTURE
    )
    assert cookies["CloudFront-Hash-Algorithm"] == "SHA256"
    assert cookies["CloudFront-Key-Pair-Id"] == KEY_ID
    assert verify(URL, trusted_keys=_trusted(key), cookies=cookies, at=FUTURE - 60).allowed
    assert external.calls == 2


def test_signing_params_come_from_the_one_url_builder(key):
    url = Signer(KEY_ID, external=CountingSigner(key)).sign_url(
        URL + "?quality=hd", date_less_than=FUTURE
    )
    base, params = split_url(url)
    assert base == URL + "?quality=hd"
    assert list(params) == ["Expires", "Signature", "Key-Pair-Id", "Hash-Algorithm"]


def test_a_plain_callable_needs_its_kind_and_hash(key):
    kind = keys.key_kind(key)
    sign = CountingSigner(key).sign
    signer = Signer(KEY_ID, external=sign, kind=kind, signs_with="SHA256")
    assert verify(
        signer.sign_url(URL, date_less_than=FUTURE), trusted_keys=_trusted(key), at=FUTURE - 60
    ).allowed
    with pytest.raises(SignedUrlError, match="kind=None is not a key kind"):
        Signer(KEY_ID, external=sign, signs_with="SHA256")
    with pytest.raises(SignedUrlError, match="does not say which hash"):
        Signer(KEY_ID, external=sign, kind=kind)


def test_asking_a_sha256_signer_for_sha1_names_the_value(key):
    with pytest.raises(SignedUrlError, match=r"hash_algorithm='sha1'.*only with SHA256"):
        Signer(KEY_ID, external=CountingSigner(key), hash_algorithm="sha1")
    assert Signer(
        KEY_ID, external=CountingSigner(key), hash_algorithm="SHA-256"
    ).hash_algorithm == ("SHA256")


def test_key_and_external_are_exclusive(key):
    with pytest.raises(SignedUrlError, match=r"either private_key .* or external"):
        Signer(KEY_ID, key, external=CountingSigner(key))
    with pytest.raises(SignedUrlError, match="either private_key"):
        Signer(KEY_ID)


def test_a_signer_returning_no_bytes_is_one_message(key):
    signer = Signer(KEY_ID, external=lambda message: "oops", kind="rsa", signs_with="SHA256")
    with pytest.raises(SignedUrlError, match="returned str, not signature bytes"):
        signer.sign_url(URL, date_less_than=FUTURE)
    with pytest.raises(SignedUrlError, match="is not a signer"):
        Signer(KEY_ID, external=42, kind="rsa", signs_with="SHA256")


def test_external_signer_holds_no_private_key(key):
    signer = Signer(KEY_ID, external=CountingSigner(key))
    assert signer.private_key is None
    assert policy.MAX_EPOCH > FUTURE  # the expiry used here is signable
