"""One canonical URL step: sign_url signs the URL as HTTP clients send it, and verify names an
encoding mismatch as the reason (the most reported CloudFront signing failure)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from cftutorial.batch.inputs import object_url
from cftutorial.errors import SignedUrlError
from cftutorial.signing import keys, urls
from cftutorial.signing.signer import Signer
from cftutorial.signing.urls import strip_signing_params
from cftutorial.signing.verify import verify
from cftutorial.tutorial import state

KEY_ID = "K2JCJMDEHXQW5F"
EXPIRES = 1893456000
AT = EXPIRES - 3600
BASE = "https://d111111abcdef8.cloudfront.net"
DISPOSITION = "response-content-disposition=attachment; filename*=UTF-8''Bericht März.pdf"
CASES = {
    "space": (f"{BASE}/private content/My File.pdf", f"{BASE}/private%20content/My%20File.pdf"),
    "non-ascii": (f"{BASE}/vidéo/日本.mp4", f"{BASE}/vid%C3%A9o/%E6%97%A5%E6%9C%AC.mp4"),
    "disposition": (
        f"{BASE}/report.pdf?{DISPOSITION}",
        f"{BASE}/report.pdf?response-content-disposition=attachment;%20filename*=UTF-8%27%27"
        "Bericht%20M%C3%A4rz.pdf",
    ),
}


@pytest.fixture(scope="module")
def rsa_key():
    return keys.generate_private_key("rsa")


@pytest.fixture(scope="module")
def signer(rsa_key) -> Signer:
    return Signer(KEY_ID, rsa_key)


def botocore_signed(rsa_key, url: str, resource: str | None = None) -> str:
    """A URL signed verbatim, the way botocore's CloudFrontSigner does (and the peers did)."""
    signer = CloudFrontSigner(KEY_ID, lambda m: rsa_key.sign(m, padding.PKCS1v15(), hashes.SHA1()))
    expiry = datetime.fromtimestamp(EXPIRES, timezone.utc)
    if resource is None:
        return signer.generate_presigned_url(url, date_less_than=expiry)
    return signer.generate_presigned_url(url, policy=signer.build_policy(resource, expiry))


def as_sent(url: str) -> str:
    """What requests puts on the wire for this URL."""
    return requests.Request("GET", url).prepare().url


@pytest.mark.parametrize("case", CASES)
def test_signed_url_is_the_url_requests_sends(signer, case) -> None:
    written, encoded = CASES[case]
    signed = signer.sign_url(written, date_less_than=EXPIRES)
    assert strip_signing_params(signed) == encoded
    assert as_sent(signed) == signed
    verdict = verify(as_sent(signed), trusted_keys={KEY_ID: signer.private_key.public_key()}, at=AT)
    assert verdict.allowed, verdict.reason


@pytest.mark.parametrize("case", CASES)
def test_already_encoded_url_is_signed_unchanged(signer, case) -> None:
    _, encoded = CASES[case]
    assert strip_signing_params(signer.sign_url(encoded, date_less_than=EXPIRES)) == encoded


def test_escapes_are_normalised_as_requests_sends_them() -> None:
    assert urls.canonical_url(f"{BASE}/a%2fb%7Ec%c3%a9") == f"{BASE}/a%2Fb~c%C3%A9"
    assert as_sent(f"{BASE}/a%2fb%7Ec%c3%a9") == f"{BASE}/a%2Fb~c%C3%A9"


def test_characters_clients_disagree_on_are_encoded() -> None:
    """urllib3 encodes [ ] ^ | in a path, browsers encode ' in a query: sign the encoded form."""
    url = urls.canonical_url(f"{BASE}/a[1]^|b.txt?q='x'&r=[2]")
    assert url == f"{BASE}/a%5B1%5D%5E%7Cb.txt?q=%27x%27&r=%5B2%5D"
    assert as_sent(url) == url


def test_non_ascii_host_becomes_its_idna_form() -> None:
    assert urls.canonical_url("https://bücher.example/a b") == "https://xn--bcher-kva.example/a%20b"


@pytest.mark.parametrize("url", [f"{BASE}/100%.pdf", f"{BASE}/a?x=%zz", f"{BASE}/a%2"])
def test_ambiguous_percent_is_refused_with_the_reason(signer, url) -> None:
    with pytest.raises(SignedUrlError, match=r"not followed by two hex digits.*%25"):
        signer.sign_url(url, date_less_than=EXPIRES)


def test_policy_resource_and_cookie_resource_are_encoded_too(signer) -> None:
    signed = signer.sign_url(
        f"{BASE}/vidéo/日本.mp4", policy_resource=f"{BASE}/vidéo/*", date_less_than=EXPIRES
    )
    verdict = verify(signed, trusted_keys={KEY_ID: signer.private_key.public_key()}, at=AT)
    assert verdict.allowed, verdict.reason
    assert verdict.policy["Statement"][0]["Resource"] == f"{BASE}/vid%C3%A9o/*"
    cookies = signer.sign_cookies(f"{BASE}/my files/*", date_less_than=EXPIRES)
    encoded = cookies["CloudFront-Policy"]
    cookie_verdict = verify(
        f"{BASE}/my%20files/a.mp4",
        trusted_keys={KEY_ID: signer.private_key.public_key()},
        cookies=cookies,
        at=AT,
    )
    assert encoded and cookie_verdict.allowed, cookie_verdict.reason


@pytest.mark.parametrize("case", CASES)
def test_url_signed_verbatim_is_denied_naming_the_encoding(rsa_key, case) -> None:
    written, _ = CASES[case]
    sent = as_sent(botocore_signed(rsa_key, written))
    verdict = verify(sent, trusted_keys={KEY_ID: rsa_key.public_key()}, at=AT)
    assert verdict.code == "AccessDenied"
    assert "the viewer requested %" in verdict.reason, verdict.reason
    assert "signed before it was percent-encoded" in verdict.reason


def test_space_mismatch_reads_as_the_issue_says(rsa_key) -> None:
    sent = as_sent(botocore_signed(rsa_key, f"{BASE}/private content/My File.pdf"))
    reason = verify(sent, trusted_keys={KEY_ID: rsa_key.public_key()}, at=AT).reason
    assert reason.startswith("the viewer requested %20, the policy names a space (' ')")


def test_custom_policy_naming_raw_characters_is_denied_naming_the_encoding(rsa_key) -> None:
    sent = as_sent(botocore_signed(rsa_key, f"{BASE}/vidéo/日本.mp4", f"{BASE}/vidéo/*"))
    verdict = verify(sent, trusted_keys={KEY_ID: rsa_key.public_key()}, at=AT)
    assert verdict.code == "AccessDenied"
    assert verdict.reason.startswith("the viewer requested %C3%A9, the policy names 'é'")


def test_raw_request_for_an_encoded_signature_names_the_other_direction(signer) -> None:
    signed = signer.sign_url(f"{BASE}/my file.txt", date_less_than=EXPIRES)
    raw = signed.replace("my%20file", "my file")
    verdict = verify(raw, trusted_keys={KEY_ID: signer.private_key.public_key()}, at=AT)
    assert verdict.reason.startswith("the viewer requested a space (' '), the policy names %20")


def test_batch_object_urls_follow_the_same_rule(signer) -> None:
    for key in ("private content/My File.pdf", "vidéo/日本.mp4", "100%/a+b.txt"):
        url = object_url(BASE, key)
        assert urls.canonical_url(url) == url  # already as sent: signing leaves it alone
        assert strip_signing_params(signer.sign_url(url, date_less_than=EXPIRES)) == url
    assert object_url(BASE, "100%/a.txt") == f"{BASE}/100%25/a.txt"  # a key's % is literal


def test_step07_inspector_names_the_mismatch_as_a_browser_meets_it(rsa_key, monkeypatch) -> None:
    """A learner pastes a verbatim-signed URL (raw space): the inspector checks it as sent."""
    from cftutorial.tutorial import step07_signed_urls

    monkeypatch.setattr(
        step07_signed_urls.signing_key, "trusted_keys", lambda run: {KEY_ID: rsa_key.public_key()}
    )
    pasted = botocore_signed(rsa_key, f"{BASE}/private content/My File.pdf")
    shown = step07_signed_urls.inspect_signed_url(pasted, run=state.open_run("demo"))
    assert shown["allowed"] is False
    assert "the viewer requested %20, the policy names a space" in shown["reason"]
    assert "checked as a browser sends it" in shown["reason"]
