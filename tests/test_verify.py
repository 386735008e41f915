"""Verification: what CloudFront answers a viewer, with the reason, never an exception."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cftutorial.signing import keys, wildcard
from cftutorial.signing.signer import Signer, url_safe_b64
from cftutorial.signing.urls import canonical_url, strip_signing_params
from cftutorial.signing.verify import (
    CLOUDFRONT_ERRORS,
    requested_key_pair_id,
    verify,
)

NOW = 1_800_000_000
EXPIRES = NOW + 3600
KEY_ID = "K2JCJMDEHXQW5F"
BASE = "https://d111111abcdef8.cloudfront.net"


@pytest.fixture(scope="module")
def signers() -> dict[tuple[str, str], Signer]:
    """One key of each kind, and a signer for each (kind, hash algorithm)."""
    made = {kind: keys.generate_private_key(kind) for kind in keys.KINDS}
    return {
        (kind, algorithm): Signer(KEY_ID, key, algorithm)
        for kind, key in made.items()
        for algorithm in ("SHA1", "SHA256")
    }


def trusted(signer: Signer) -> dict[str, str]:
    return {KEY_ID: keys.public_key_pem(signer.private_key)}


path_text = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), exclude_characters='"#?&'), max_size=25
)
param = st.builds(
    lambda name, value: f"{name}={value}",
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
    path_text.map(lambda s: s.replace("=", "")),
)
urls = (
    st.builds(
        lambda path, query, escape: (
            f"{BASE}/{quote(path) if escape else path}" + (f"?{'&'.join(query)}" if query else "")
        ),
        path_text,
        st.lists(param, max_size=3),
        st.booleans(),
    )
    .filter(lambda url: not re.search(r"%(?![0-9A-Fa-f]{2})|[\"\\\\]", url))  # refused by contract
    .map(lambda url: canonical_url(url.replace("*", "%2A")))  # as sent; a raw * means custom
)
variants = st.tuples(
    st.sampled_from(["rsa", "ecdsa"]),
    st.sampled_from(["SHA1", "SHA256"]),
    st.sampled_from(["canned", "custom"]),
)
HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def sign(signer: Signer, url: str, kind: str) -> str:
    if kind == "canned":
        return signer.sign_url(url, date_less_than=EXPIRES, allow_past=True)
    return signer.sign_url(
        url,
        date_less_than=EXPIRES,
        date_greater_than=NOW - 60,
        ip_address="192.0.2.0/24",
        allow_past=True,
    )


def check(url: str, signer: Signer, **options):
    options.setdefault("viewer_ip", "192.0.2.10")
    options.setdefault("at", NOW)
    return verify(url, trusted_keys=trusted(signer), **options)


@HYPOTHESIS
@given(url=urls, variant=variants)
def test_any_signed_url_verifies(signers, url: str, variant) -> None:
    key_kind, algorithm, policy_kind = variant
    signer = signers[key_kind, algorithm]
    verdict = check(sign(signer, url, policy_kind), signer)
    assert verdict.allowed, verdict.reason
    assert (verdict.code, verdict.message) == (None, None)
    assert verdict.resource == url
    assert verdict.policy_kind == policy_kind
    assert verdict.hash_algorithm == algorithm
    assert verdict.source == "url"
    assert verdict.expires == EXPIRES
    assert verdict.policy["Statement"][0]["Condition"]["DateLessThan"]["AWS:EpochTime"] == EXPIRES


def _toggle_hash_algorithm(url: str) -> str:
    if url.endswith("&Hash-Algorithm=SHA256"):
        return url.removesuffix("&Hash-Algorithm=SHA256")
    return url + "&Hash-Algorithm=SHA256"


def _change_signature(url: str) -> str:
    def flip(match: re.Match) -> str:
        value = match.group(1)
        index = 10
        replacement = "B" if value[index] != "B" else "C"
        return f"Signature={value[:index]}{replacement}{value[index + 1 :]}"

    return re.sub(r"Signature=([^&]+)", flip, url)


def _change_policy(url: str) -> str:
    """Re-encode the policy (or Expires) one second later: still well formed, no longer signed."""
    canned = re.search(r"Expires=(\d+)", url)
    if canned:
        return url.replace(f"Expires={canned.group(1)}", f"Expires={int(canned.group(1)) + 1}")
    encoded = re.search(r"Policy=([^&]+)", url).group(1)
    raw = base64.b64decode(encoded.translate(str.maketrans("-_~", "+=/")))
    changed = raw.replace(str(EXPIRES).encode(), str(EXPIRES + 1).encode())
    assert changed != raw
    return url.replace(f"Policy={encoded}", f"Policy={url_safe_b64(changed)}")


def _change_path(url: str) -> str:
    return url.replace(BASE + "/", BASE + "/x", 1)


def _change_query(url: str) -> str:
    return url + "&extra=1"


MUTATIONS = {
    "path": (_change_path, "AccessDenied"),
    "query": (_change_query, "AccessDenied"),
    "policy": (_change_policy, "AccessDenied"),
    "signature": (_change_signature, "AccessDenied"),
    "key id": (
        lambda url: url.replace(f"Key-Pair-Id={KEY_ID}", "Key-Pair-Id=KOTHERKEY"),
        "InvalidKey",
    ),
    "hash algorithm": (_toggle_hash_algorithm, "AccessDenied"),
}


@HYPOTHESIS
@given(url=urls, variant=variants, mutation=st.sampled_from(sorted(MUTATIONS)))
def test_any_single_change_is_denied_with_the_right_code(signers, url, variant, mutation) -> None:
    key_kind, algorithm, policy_kind = variant
    signer = signers[key_kind, algorithm]
    signed = sign(signer, url, policy_kind)
    change, code = MUTATIONS[mutation]
    changed = change(signed)
    assert changed != signed
    verdict = check(changed, signer)
    assert not verdict.allowed
    assert verdict.code == code, verdict.reason
    assert verdict.message == CLOUDFRONT_ERRORS[code]


@HYPOTHESIS
@given(variant=variants, late=st.integers(0, 10**6))
def test_expired_url_is_denied_with_access_denied(signers, variant, late: int) -> None:
    key_kind, algorithm, policy_kind = variant
    signer = signers[key_kind, algorithm]
    verdict = check(sign(signer, f"{BASE}/a.jpg", policy_kind), signer, at=EXPIRES + late)
    assert (verdict.allowed, verdict.code) == (False, "AccessDenied")
    assert verdict.reason == f"expired {late} s ago at 2027-01-15T09:00:00Z"


def test_url_not_yet_valid_is_denied_until_its_start(signers) -> None:
    signer = signers["rsa", "SHA1"]
    url = signer.sign_url(
        f"{BASE}/a", date_less_than=EXPIRES, date_greater_than=NOW + 10, allow_past=True
    )
    verdict = check(url, signer)
    assert verdict.code == "AccessDenied"
    assert verdict.reason == "not valid until 2027-01-15T08:00:10Z (11 s from now)"
    assert check(url, signer, at=NOW + 11).allowed


def test_viewer_outside_the_ip_range_is_denied_naming_both(signers) -> None:
    signer = signers["ecdsa", "SHA256"]
    url = sign(signer, f"{BASE}/a.jpg", "custom")
    assert check(url, signer, viewer_ip="10.1.2.3").reason == "IP 10.1.2.3 is outside 192.0.2.0/24"
    ipv6 = check(url, signer, viewer_ip="2001:db8::1")
    assert ipv6.code == "AccessDenied"
    assert "is IPv6" in ipv6.reason
    assert "viewer IP is unknown" in check(url, signer, viewer_ip=None).reason


def test_wildcard_resource_allows_matching_urls_only(signers) -> None:
    signer = signers["rsa", "SHA1"]
    url = signer.sign_url(
        f"{BASE}/videos/a.m3u8",
        date_less_than=EXPIRES,
        policy_resource=f"{BASE}/videos/*",
        allow_past=True,
    )
    assert check(url, signer).allowed
    moved = url.replace("/videos/a.m3u8", "/secret/a.m3u8")
    verdict = check(moved, signer)
    assert verdict.code == "AccessDenied"
    assert verdict.reason == f"resource {BASE}/secret/a.m3u8 does not match {BASE}/videos/*"


def test_policy_naming_the_http_form_matches_through_alternate_urls(signers) -> None:
    signer = signers["rsa", "SHA1"]
    http_base = BASE.replace("https://", "http://")
    url = signer.sign_url(
        f"{BASE}/a.jpg",
        date_less_than=EXPIRES,
        policy_resource=f"{http_base}/a.jpg",
        allow_past=True,
    )
    assert not check(url, signer).allowed
    verdict = check(url, signer, alternate_urls=[url.replace("https://", "http://")])
    assert verdict.allowed, verdict.reason


def test_unsigned_request_is_denied_with_missing_key(signers) -> None:
    verdict = check(f"{BASE}/a.jpg", signers["rsa", "SHA1"])
    assert (verdict.code, verdict.message) == (
        "MissingKey",
        "Missing Key-Pair-Id query parameter or cookie value",
    )
    assert "requires a signature" in verdict.reason
    assert verdict.error_xml() == (
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingKey</Code>'
        b"<Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>"
    )


def test_signed_url_without_key_pair_id_is_denied_with_missing_key(signers) -> None:
    signer = signers["rsa", "SHA1"]
    url = sign(signer, f"{BASE}/a.jpg", "canned").replace(f"Key-Pair-Id={KEY_ID}", "Key-Pair-Id=")
    verdict = check(url, signer)
    assert verdict.code == "MissingKey"
    assert verdict.reason == "the URL has signing parameters but no Key-Pair-Id"


def test_key_group_id_used_as_key_pair_id_is_denied_with_a_hint(signers) -> None:
    signer = signers["rsa", "SHA1"]
    group_id = "6f1d0bd0-3c7a-4a4e-9d5f-2b0c8e8e1a11"
    url = sign(signer, f"{BASE}/a.jpg", "canned").replace(
        f"Key-Pair-Id={KEY_ID}", f"Key-Pair-Id={group_id}"
    )
    verdict = check(url, signer)
    assert (verdict.code, verdict.message) == ("InvalidKey", "Unknown Key")
    assert verdict.reason.startswith(
        f"key {group_id} is not trusted for this URL (trusted: {KEY_ID})"
    )
    assert "key group id" in verdict.reason
    assert b"<Code>InvalidKey</Code><Message>Unknown Key</Message>" in verdict.error_xml()


@pytest.mark.parametrize(
    ("policy_value", "reason"),
    [
        ("%%%", "contains '%', which is not URL-safe base64"),
        ("abc", "is not valid base64"),
        (url_safe_b64(b"not json"), "is not valid JSON"),
        (url_safe_b64(b'{"Statement":[]}'), "a list of one statement"),
        (url_safe_b64(b'{"Statement":[{"Resource":"x","Condition":{}}]}'), "no DateLessThan"),
        (
            url_safe_b64(b'{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":"1"}}}]}'),
            "whole seconds",
        ),
        (
            url_safe_b64(
                b'{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1},"Foo":{}}}]}'
            ),
            "unsupported conditions ['Foo']",
        ),
        (url_safe_b64(b"[" * 100000 + b"]" * 100000)[:16000], "not valid"),
    ],
)
def test_undecodable_policy_is_denied_with_malformed_policy(signers, policy_value, reason) -> None:
    signer = signers["rsa", "SHA1"]
    url = f"{BASE}/a.jpg?Policy={policy_value}&Signature=AAAA&Key-Pair-Id={KEY_ID}"
    verdict = check(url, signer)
    assert (verdict.code, verdict.message) == ("MalformedPolicy", "Malformed Policy")
    assert reason in verdict.reason


def test_non_numeric_expires_is_denied_with_malformed_policy(signers) -> None:
    signer = signers["rsa", "SHA1"]
    verdict = check(f"{BASE}/a?Expires=soon&Signature=AAAA&Key-Pair-Id={KEY_ID}", signer)
    assert verdict.code == "MalformedPolicy"
    assert verdict.reason == "Expires=soon is not a whole number of epoch seconds"


def test_undecodable_signature_is_denied_with_malformed_signature(signers) -> None:
    signer = signers["rsa", "SHA1"]
    url = sign(signer, f"{BASE}/a.jpg", "canned")
    standard = re.sub(r"Signature=[^&]+", "Signature=ab+c/d==", url)
    verdict = check(standard, signer)
    assert (verdict.code, verdict.message) == ("MalformedSignature", "Could not unencode Signature")
    assert "use URL-safe base64" in verdict.reason
    assert (
        check(re.sub(r"Signature=[^&]+", "Signature=abc", url), signer).code == "MalformedSignature"
    )


def test_sha1_signature_labelled_sha256_is_denied_saying_so(signers) -> None:
    signer = signers["rsa", "SHA1"]
    url = sign(signer, f"{BASE}/a.jpg", "canned") + "&Hash-Algorithm=SHA256"
    verdict = check(url, signer)
    assert verdict.code == "AccessDenied"
    assert verdict.reason == "signed with SHA-1 but Hash-Algorithm says SHA256"


def test_signature_from_another_key_is_denied(signers) -> None:
    url = sign(signers["rsa", "SHA1"], f"{BASE}/a.jpg", "canned")
    other = Signer(KEY_ID, keys.generate_private_key("rsa"))
    verdict = check(url, other)
    assert verdict.code == "AccessDenied"
    assert "signature does not match the URL without its signing parameters" in verdict.reason


@HYPOTHESIS
@given(variant=variants, resource=st.sampled_from([f"{BASE}/a.jpg", f"{BASE}/*"]))
def test_signed_cookies_verify_and_the_url_takes_precedence(signers, variant, resource) -> None:
    key_kind, algorithm, _ = variant
    signer = signers[key_kind, algorithm]
    cookies = signer.sign_cookies(resource, date_less_than=EXPIRES, allow_past=True)
    verdict = check(f"{BASE}/a.jpg", signer, cookies=cookies)
    assert verdict.allowed, verdict.reason
    assert verdict.source == "cookies"
    assert verdict.policy_kind == ("custom" if "*" in resource else "canned")
    expired_url = signer.sign_url(f"{BASE}/a.jpg", date_less_than=NOW - 1, allow_past=True)
    overruled = check(expired_url, signer, cookies=cookies)
    assert (overruled.source, overruled.code) == ("url", "AccessDenied")


def test_strip_signing_params_restores_the_url_as_signed(signers) -> None:
    signer = signers["ecdsa", "SHA256"]
    for url in (f"{BASE}/a", f"{BASE}/a?", f"{BASE}/a?x=1&", f"{BASE}/a??b", f"{BASE}/a?x=1&y"):
        signed = signer.sign_url(url, date_less_than=EXPIRES, allow_past=True)
        assert strip_signing_params(signed) == url
        assert requested_key_pair_id(signed) == KEY_ID
    assert requested_key_pair_id(f"{BASE}/a", {"CloudFront-Key-Pair-Id": "K9"}) == "K9"
    assert requested_key_pair_id(f"{BASE}/a") is None


garbage = st.text(st.characters(), max_size=200)
signing_junk = st.lists(
    st.tuples(
        st.sampled_from(["Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm", "x"]),
        garbage | st.binary(max_size=120).map(url_safe_b64),
    ),
    max_size=6,
).map(lambda pairs: "&".join(f"{name}={value}" for name, value in pairs))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    url=garbage | st.builds(lambda path, query: f"{BASE}/{path}?{query}", garbage, signing_junk),
    cookies=st.dictionaries(
        st.sampled_from(
            [
                "CloudFront-Policy",
                "CloudFront-Signature",
                "CloudFront-Key-Pair-Id",
                "CloudFront-Expires",
                "CloudFront-Hash-Algorithm",
                "other",
            ]
        ),
        garbage,
    ),
    viewer_ip=st.none() | garbage,
    key_id=st.sampled_from([KEY_ID, "", "K?"]),
)
def test_garbage_requests_are_denied_without_raising(
    signers, url, cookies, viewer_ip, key_id
) -> None:
    if key_id:
        url = url.replace("Key-Pair-Id=", f"Key-Pair-Id={key_id}", 1)
    verdict = check(url, signers["ecdsa", "SHA1"], cookies=cookies, viewer_ip=viewer_ip)
    assert not verdict.allowed
    assert verdict.code in CLOUDFRONT_ERRORS
    assert not verdict.reason.startswith("request could not be checked"), verdict.reason
    assert verdict.error_xml().startswith(b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>')
    json.dumps(verdict.to_dict())


def _wildcard_oracle(pattern: str, text: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


@settings(max_examples=100, deadline=None)
@given(pattern=st.text("ab*?", max_size=8), text=st.text("ab?*", max_size=10))
def test_wildcard_match_agrees_with_a_regular_expression(pattern: str, text: str) -> None:
    assert wildcard.match(pattern, text) == _wildcard_oracle(pattern, text)


def test_wildcard_match_is_fast_on_hostile_patterns() -> None:
    assert not wildcard.match("*a" * 50 + "b", "a" * 2000)
    assert wildcard.match("https://d/*/a?.jpg", "https://d/x/y/ab.jpg")


def test_unusable_trusted_key_is_a_denial_not_an_exception(signers) -> None:
    url = sign(signers["rsa", "SHA1"], f"{BASE}/a.jpg", "canned")
    verdict = verify(url, trusted_keys={KEY_ID: "not a pem"}, at=NOW)
    assert verdict.code == "AccessDenied"
    assert verdict.reason.startswith(f"trusted key {KEY_ID} cannot be used: cannot read")


def test_repeated_signing_parameter_is_denied(signers) -> None:
    signer = signers["rsa", "SHA1"]
    url = sign(signer, f"{BASE}/a.jpg", "canned")
    verdict = check(url + f"&Key-Pair-Id={KEY_ID}", signer)
    assert verdict.code == "AccessDenied"
    assert verdict.reason == "the URL has 2 Key-Pair-Id parameters; CloudFront needs exactly one"
