"""Signed URLs: byte-identical to botocore and to AWS's OpenSSL recipe; reserved parameters refused."""

from __future__ import annotations

import base64
import re
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cftutorial.errors import PolicyError, SignedUrlError
from cftutorial.signing import keys, policy, verify
from cftutorial.signing import urls as signed_urls
from cftutorial.signing.signer import RESERVED_PARAMS, Signer, sign_url, url_safe_b64
from cftutorial.signing.urls import canonical_url

FUTURE = 1893456000
KEY_ID = "K2JCJMDEHXQW5F"
OPENSSL = "/usr/bin/openssl"


@pytest.fixture(scope="module")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, keys.KeyPairFiles]:
    folder = tmp_path_factory.mktemp("signer-keys")
    return {kind: keys.write_key_pair(folder, kind=kind, name=kind) for kind in keys.KINDS}


@pytest.fixture(scope="module")
def rsa_key(key_files):
    return keys.load_private_key(key_files["rsa"].private_key_path)


@pytest.fixture(scope="module")
def botocore_signer(rsa_key) -> CloudFrontSigner:
    return CloudFrontSigner(KEY_ID, lambda m: rsa_key.sign(m, padding.PKCS1v15(), hashes.SHA1()))


path_text = st.text(
    # refused by contract: '"' and '\\' (quote, backslash); '*' makes a custom policy (AWS CLI v2)
    st.characters(exclude_categories=("Cc", "Cs"), exclude_characters='"#?&\\*'),
    max_size=30,
)
param = st.tuples(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
    path_text.map(lambda s: s.replace("=", "")),
).map(lambda pair: f"{pair[0]}={pair[1]}")
urls = st.builds(
    lambda host, path, query: f"https://{host}/{path}" + (f"?{'&'.join(query)}" if query else ""),
    st.sampled_from(["d111111abcdef8.cloudfront.net", "media.example.com"]),
    path_text,
    st.lists(param, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(url=urls)
def test_canned_rsa_sha1_url_is_byte_identical_to_botocore(url, rsa_key, botocore_signer) -> None:
    """botocore signs the text verbatim; we sign what a client sends, so both agree on that."""
    assume(not re.search(r"%(?![0-9A-Fa-f]{2})", url))  # ambiguous: refused (tested elsewhere)
    sent = canonical_url(url)
    ours = Signer(KEY_ID, rsa_key).sign_url(url, date_less_than=FUTURE)
    theirs = botocore_signer.generate_presigned_url(
        sent, date_less_than=datetime.fromtimestamp(FUTURE, timezone.utc)
    )
    assert ours == theirs
    assert requests.Request("GET", ours).prepare().url == ours  # what requests sends, unchanged


@settings(max_examples=40, deadline=None)
@given(
    url=urls,
    resource=st.none() | st.just("https://d111111abcdef8.cloudfront.net/*"),
    start=st.none() | st.integers(1, FUTURE - 1),
    ip=st.none() | st.ip_addresses(v=4).map(str),
)
def test_custom_rsa_sha1_url_is_byte_identical_to_botocore(
    url, resource, start, ip, rsa_key, botocore_signer
) -> None:
    assume(resource is not None or start is not None or ip is not None)  # else canned
    assume(not re.search(r"%(?![0-9A-Fa-f]{2})", url))
    url = canonical_url(url)
    assume(resource is None or url.startswith(resource[:-1]))  # a resource must cover its URL
    ours = Signer(KEY_ID, rsa_key).sign_url(
        url, date_less_than=FUTURE, date_greater_than=start, ip_address=ip, policy_resource=resource
    )
    custom = botocore_signer.build_policy(
        url if resource is None else resource,
        datetime.fromtimestamp(FUTURE, timezone.utc),
        date_greater_than=None if start is None else datetime.fromtimestamp(start, timezone.utc),
        ip_address=ip,
    )
    assert ours == botocore_signer.generate_presigned_url(url, policy=custom)


def _openssl_signature(private_key: Path, message: bytes, digest: str) -> str:
    pipeline = f"{OPENSSL} {digest} -sign '{private_key}' | {OPENSSL} base64 -A | tr -- '+=/' '-_~'"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline], input=message, capture_output=True, check=True
    )
    return result.stdout.decode("ascii").strip()


@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256"])
def test_rsa_signature_equals_aws_openssl_recipe(key_files, algorithm: str) -> None:
    message = policy.custom_policy(
        "https://d111111abcdef8.cloudfront.net/videos/*", date_less_than=FUTURE
    ).encode()
    ours = Signer(KEY_ID, key_files["rsa"].private_key_path, algorithm).signature(message)
    theirs = _openssl_signature(key_files["rsa"].private_key_path, message, algorithm.lower())
    assert len(theirs) == 344
    assert ours == theirs


@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256"])
def test_ecdsa_signature_is_accepted_by_openssl_dgst_verify(
    key_files, tmp_path: Path, algorithm: str
) -> None:
    message = policy.canned_policy("https://d111111abcdef8.cloudfront.net/a.jpg", FUTURE).encode()
    signer = Signer(KEY_ID, key_files["ecdsa"].private_key_path, algorithm)
    raw = signer._sign(message)
    assert raw[0] == 0x30  # DER SEQUENCE
    (tmp_path / "policy").write_bytes(message)
    (tmp_path / "sig.der").write_bytes(raw)
    result = subprocess.run(
        [
            OPENSSL,
            "dgst",
            f"-{algorithm.lower()}",
            "-verify",
            str(key_files["ecdsa"].public_key_path),
            "-signature",
            str(tmp_path / "sig.der"),
            str(tmp_path / "policy"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Verified OK" in result.stdout
    assert signer.signature(message) != signer.signature(message)  # ECDSA is randomised


def test_signing_parameters_follow_the_urls_own_query_in_cloudfronts_order(key_files) -> None:
    signer = Signer(KEY_ID, key_files["ecdsa"].private_key_path, "sha256")
    url = signer.sign_url(
        "https://d111111abcdef8.cloudfront.net/a.jpg?size=large", date_less_than=FUTURE
    )
    names = [part.split("=")[0] for part in url.split("?", 1)[1].split("&")]
    assert names == ["size", "Expires", "Signature", "Key-Pair-Id", "Hash-Algorithm"]
    assert url.endswith(f"&Key-Pair-Id={KEY_ID}&Hash-Algorithm=SHA256")
    custom = signer.sign_url("https://d/a.jpg", date_less_than=FUTURE, ip_address="192.0.2.1")
    assert [p.split("=")[0] for p in custom.split("?", 1)[1].split("&")] == [
        "Policy",
        "Signature",
        "Key-Pair-Id",
        "Hash-Algorithm",
    ]


def test_sha1_urls_carry_no_hash_algorithm_parameter(rsa_key) -> None:
    url = sign_url(
        "https://d/a.jpg", key_pair_id=KEY_ID, private_key=rsa_key, date_less_than=FUTURE
    )
    assert "Hash-Algorithm" not in url
    assert re.fullmatch(
        r"https://d/a\.jpg\?Expires=1893456000&Signature=[A-Za-z0-9~_-]{344}&Key-Pair-Id=K2JCJMDEHXQW5F",
        url,
    )


def test_url_safe_base64_substitutes_plus_equals_and_slash() -> None:
    assert base64.b64encode(b"\xfb\xff\xbf\xfb\xef") == b"+/+/++8="
    assert url_safe_b64(b"\xfb\xff\xbf\xfb\xef") == "-~-~--8_"


@pytest.mark.parametrize("name", RESERVED_PARAMS)
def test_url_already_carrying_a_reserved_parameter_is_refused(rsa_key, name: str) -> None:
    signer = Signer(KEY_ID, rsa_key)
    for url in (
        f"https://d/a.jpg?{name}=1",
        f"https://d/a.jpg?x=1&{name}",
        f"https://d/a?{name}=&y",
    ):
        with pytest.raises(SignedUrlError, match=f"already has the query parameter '{name}'"):
            signer.sign_url(url, date_less_than=FUTURE)
        with pytest.raises(SignedUrlError, match="reserves for signing"):
            signer.sign_url(url, date_less_than=FUTURE, ip_address="192.0.2.1")


def test_look_alike_parameter_names_are_not_refused(rsa_key) -> None:
    url = Signer(KEY_ID, rsa_key).sign_url(
        "https://d/a?MyExpires=1&policy=2", date_less_than=FUTURE
    )
    assert url.startswith("https://d/a?MyExpires=1&policy=2&Expires=")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://d/a.jpg#top", "has a '#' fragment"),
        ("https://d/a\r\n.jpg", r"contains the control character '\\r'"),
        ("https://d/100%.jpg", "not followed by two hex digits"),
        ("", "is empty"),
    ],
)
def test_unsignable_url_is_refused_with_the_reason(rsa_key, url: str, message: str) -> None:
    with pytest.raises((SignedUrlError, PolicyError), match=message):
        Signer(KEY_ID, rsa_key).sign_url(url, date_less_than=FUTURE)


def test_past_expiry_is_refused_unless_allow_past(rsa_key) -> None:
    signer = Signer(KEY_ID, rsa_key)
    past = int(time.time()) - 10
    with pytest.raises(PolicyError, match="is already past"):
        signer.sign_url("https://d/a.jpg", date_less_than=past)
    assert f"Expires={past}&" in signer.sign_url(
        "https://d/a.jpg", date_less_than=past, allow_past=True
    )


def test_milliseconds_expiry_is_refused_with_a_hint(rsa_key) -> None:
    with pytest.raises(PolicyError, match="looks like milliseconds"):
        Signer(KEY_ID, rsa_key).sign_url("https://d/a.jpg", date_less_than=FUTURE * 1000)


@pytest.mark.parametrize(
    ("key_pair_id", "algorithm", "message"),
    [
        ("", "SHA1", "is not a CloudFront key id"),
        ("K1&x=1", "SHA1", "is not a CloudFront key id"),
        (KEY_ID, "MD5", "hash_algorithm 'MD5' is not supported; use SHA1"),
    ],
)
def test_bad_key_pair_id_or_hash_algorithm_is_refused(
    rsa_key, key_pair_id, algorithm, message
) -> None:
    with pytest.raises(SignedUrlError, match=message):
        Signer(key_pair_id, rsa_key, algorithm)


def test_url_that_is_not_text_is_refused(rsa_key) -> None:
    with pytest.raises(SignedUrlError, match="url=None is empty or not text"):
        Signer(KEY_ID, rsa_key).sign_url(None, date_less_than=FUTURE)  # type: ignore[arg-type]


# ------------------------------------------------------------------- the one query builder


def test_the_signer_batch_and_verifier_share_one_query_builder() -> None:
    """signer.py and batch/ spell no signing parameter themselves: signing/urls.py does."""
    root = Path(__file__).resolve().parent.parent / "cftutorial"
    spelled = re.compile(r"(?:Expires|Policy|Signature|Key-Pair-Id)=\{|&Hash-Algorithm=SHA256")
    builders = [
        path.relative_to(root).as_posix()
        for path in (root / "signing" / "signer.py", *sorted((root / "batch").glob("*.py")))
        if spelled.search(path.read_text())
    ]
    assert builders == [], f"signing parameters assembled outside signing/urls.py: {builders}"
    assert spelled.search((root / "signing" / "urls.py").read_text())


def test_query_builder_appends_after_the_viewers_own_query_and_splits_back() -> None:
    key = signed_urls.key_params(KEY_ID, "SHA256")
    assert key == f"Key-Pair-Id={KEY_ID}&Hash-Algorithm=SHA256"
    assert signed_urls.key_params(KEY_ID, "SHA1") == f"Key-Pair-Id={KEY_ID}"
    signed = signed_urls.append_params(
        "https://d/a.jpg?x=1", signed_urls.canned_params(5, "SIG", key)
    )
    assert (
        signed
        == f"https://d/a.jpg?x=1&Expires=5&Signature=SIG&Key-Pair-Id={KEY_ID}&Hash-Algorithm=SHA256"
    )
    base, found = signed_urls.split_url(signed)
    assert base == "https://d/a.jpg?x=1"
    assert found == {"Expires": ["5"], "Signature": ["SIG"], "Key-Pair-Id": [KEY_ID],
                     "Hash-Algorithm": ["SHA256"]}  # fmt: skip
    custom = signed_urls.append_params(
        "https://d/a", signed_urls.custom_params("POL", "SIG", signed_urls.key_params("K", "SHA1"))
    )
    assert custom == "https://d/a?Policy=POL&Signature=SIG&Key-Pair-Id=K"


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("a=1&Policy=x", "Policy"),
        ("Expires", "Expires"),
        ("x=Signature", None),
        ("MyPolicy=1", None),
    ],
)
def test_reserved_parameter_check_matches_whole_names_only(query: str, found) -> None:
    assert signed_urls.reserved_param(query) == found


def test_sign_urls_signs_each_url_as_sign_url_does(rsa_key, key_files) -> None:
    signer = Signer(KEY_ID, rsa_key)
    many = [
        "https://d111111abcdef8.cloudfront.net/a.mp4",
        "https://d111111abcdef8.cloudfront.net/private content/My File.pdf",
        "https://d111111abcdef8.cloudfront.net/v.mp4?lang=en",
    ]
    # RSA PKCS#1 v1.5 is deterministic: the bulk call must give the very same URLs.
    assert signer.sign_urls(many, date_less_than=FUTURE) == [
        signer.sign_url(url, date_less_than=FUTURE) for url in many
    ]
    custom = signer.sign_urls(many, date_less_than=FUTURE, ip_address="192.0.2.0/24")
    assert custom == [
        signer.sign_url(url, date_less_than=FUTURE, ip_address="192.0.2.0/24") for url in many
    ]
    assert all("Policy=" in url for url in custom)
    ecdsa = Signer(KEY_ID, key_files["ecdsa"].private_key_path)
    public = keys.load_public_key(key_files["ecdsa"].public_key_path)
    for url in ecdsa.sign_urls(many, date_less_than=FUTURE):
        assert verify.verify(url, trusted_keys={KEY_ID: public}).allowed


def test_sign_urls_refuses_the_whole_list_for_one_bad_url(rsa_key) -> None:
    signer = Signer(KEY_ID, rsa_key)
    good = "https://d111111abcdef8.cloudfront.net/a.mp4"
    with pytest.raises(SignedUrlError, match="ftp://x/a"):
        signer.sign_urls([good, "ftp://x/a"], date_less_than=FUTURE)


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("https://d111111abcdef8.cloudfront.net/.", "https://d111111abcdef8.cloudfront.net/"),
        (
            "https://d111111abcdef8.cloudfront.net/hls/../a.ts",
            "https://d111111abcdef8.cloudfront.net/a.ts",
        ),
        (
            "https://d111111abcdef8.cloudfront.net/a/./b",
            "https://d111111abcdef8.cloudfront.net/a/b",
        ),
    ],
)
def test_a_plain_url_with_a_dot_segment_is_signed_as_clients_send_it(url, sent, rsa_key) -> None:
    """The canned fast path skips the URL checks only for a URL already as clients send it: a
    ``.`` or ``..`` segment is resolved first, as requests and browsers do before sending."""
    signed = Signer(KEY_ID, rsa_key).sign_url(url, date_less_than=FUTURE)
    assert signed.startswith(sent + "?Expires="), signed
    assert requests.Request("GET", signed).prepare().url == signed
