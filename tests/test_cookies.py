"""Signed cookies: the CloudFront-* names, Set-Cookie headers, and the cloudfront.net refusal."""

from __future__ import annotations

import base64
import json

import pytest

from cftutorial.errors import CookieOptionError, PolicyError
from cftutorial.signing import keys
from cftutorial.signing.cookies import set_cookie_headers, signed_cookies
from cftutorial.signing.verify import verify

FUTURE = 1893456000
NOW = FUTURE - 600
KEY_ID = "K2JCJMDEHXQW5F"
BASE = "https://media.example.com"


@pytest.fixture(scope="module")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, keys.KeyPairFiles]:
    folder = tmp_path_factory.mktemp("cookie-keys")
    return {kind: keys.write_key_pair(folder, kind=kind, name=kind) for kind in keys.KINDS}


def _decoded_policy(value: str) -> dict:
    return json.loads(base64.b64decode(value.translate(str.maketrans("-_~", "+=/"))))


def test_canned_cookies_are_expires_signature_and_key_pair_id(key_files) -> None:
    cookies = signed_cookies(
        f"{BASE}/a.jpg",
        key_pair_id=KEY_ID,
        private_key=key_files["rsa"].private_key_path,
        date_less_than=FUTURE,
    )
    assert list(cookies) == ["CloudFront-Expires", "CloudFront-Signature", "CloudFront-Key-Pair-Id"]
    assert cookies["CloudFront-Expires"] == str(FUTURE)
    assert cookies["CloudFront-Key-Pair-Id"] == KEY_ID
    public = keys.load_public_key(key_files["rsa"].public_key_path)
    verdict = verify(f"{BASE}/a.jpg", trusted_keys={KEY_ID: public}, cookies=cookies, at=NOW)
    assert verdict.allowed, verdict.reason
    other = verify(f"{BASE}/b.jpg", trusted_keys={KEY_ID: public}, cookies=cookies, at=NOW)
    assert other.code == "AccessDenied"


def test_custom_cookies_carry_the_policy_and_the_sha256_label(key_files) -> None:
    cookies = signed_cookies(
        f"{BASE}/videos/*",
        key_pair_id=KEY_ID,
        private_key=key_files["ecdsa"].private_key_path,
        date_less_than=FUTURE,
        ip_address="192.0.2.0/24",
        hash_algorithm="SHA256",
    )
    assert list(cookies) == [
        "CloudFront-Policy",
        "CloudFront-Signature",
        "CloudFront-Key-Pair-Id",
        "CloudFront-Hash-Algorithm",
    ]
    assert cookies["CloudFront-Hash-Algorithm"] == "SHA256"
    statement = _decoded_policy(cookies["CloudFront-Policy"])["Statement"][0]
    assert statement["Resource"] == f"{BASE}/videos/*"
    assert statement["Condition"]["IpAddress"] == {"AWS:SourceIp": "192.0.2.0/24"}
    public = keys.load_public_key(key_files["ecdsa"].public_key_path)
    for segment in ("seg1.ts", "sub/seg2.ts"):
        verdict = verify(
            f"{BASE}/videos/{segment}",
            trusted_keys={KEY_ID: public},
            cookies=cookies,
            viewer_ip="192.0.2.9",
            at=NOW,
        )
        assert verdict.allowed, verdict.reason


def test_cookies_refuse_the_same_bad_values_as_urls(key_files) -> None:
    with pytest.raises(PolicyError, match="is IPv6"):
        signed_cookies(
            f"{BASE}/*",
            key_pair_id=KEY_ID,
            private_key=key_files["rsa"].private_key_path,
            date_less_than=FUTURE,
            ip_address="::1",
        )


def test_set_cookie_headers_are_secure_and_http_only_by_default() -> None:
    headers = set_cookie_headers(
        {"CloudFront-Policy": "eyJ-_~", "CloudFront-Key-Pair-Id": KEY_ID},
        domain="media.example.com",
        path="/videos/",
        max_age=3600,
    )
    assert headers == [
        "CloudFront-Policy=eyJ-_~; Path=/videos/; Domain=media.example.com; Max-Age=3600; Secure; HttpOnly",
        f"CloudFront-Key-Pair-Id={KEY_ID}; Path=/videos/; Domain=media.example.com; Max-Age=3600; Secure; HttpOnly",
    ]
    plain = set_cookie_headers({"a": "b"}, secure=False, http_only=False)
    assert plain == ["a=b; Path=/"]


@pytest.mark.parametrize(
    "domain", ["cloudfront.net", "d111111abcdef8.cloudfront.net", ".CloudFront.NET"]
)
def test_cloudfront_net_cookie_domain_is_refused_with_the_reason(domain: str) -> None:
    with pytest.raises(CookieOptionError, match=r"Public Suffix List.*alternate domain name"):
        set_cookie_headers({"a": "b"}, domain=domain)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"domain": "exa mple.com"}, "is not a host name"),
        ({"path": "videos"}, "is not a cookie path"),
        ({"path": "/a;b"}, "is not a cookie path"),
        ({"max_age": -1}, "is not a number of seconds"),
    ],
)
def test_bad_cookie_options_are_refused(options: dict, message: str) -> None:
    with pytest.raises(CookieOptionError, match=message):
        set_cookie_headers({"a": "b"}, **options)


def test_cookie_value_that_a_cookie_cannot_carry_is_refused() -> None:
    with pytest.raises(CookieOptionError, match="cookie CloudFront-Policy has value 'a;b'"):
        set_cookie_headers({"CloudFront-Policy": "a;b"})
