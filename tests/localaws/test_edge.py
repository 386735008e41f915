"""The local CloudFront edge through real HTTP, against the running local AWS."""

from __future__ import annotations

import base64
import time

import pytest
import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from edge_world import GRANTED, PRIVATE, README, VIDEO, World, build_world, in_an_hour

from cftutorial.signing import keys
from cftutorial.signing.verify import CLOUDFRONT_ERRORS

pytestmark = pytest.mark.localaws

CF_ERROR = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'


@pytest.fixture(scope="module")
def world(local_aws) -> World:
    return build_world()


def get(world: World, signed_or_viewer_url: str, **kwargs) -> requests.Response:
    """GET a viewer URL through the edge (EDGE/DOMAIN/PATH?QUERY), exactly as written."""
    rest = signed_or_viewer_url.split("//", 1)[1]
    return requests.request(
        kwargs.pop("method", "GET"), f"{world.edge}/{rest}", timeout=30, **kwargs
    )


def assert_cloudfront_error(response: requests.Response, code: str) -> None:
    assert response.status_code == 403, response.text
    assert response.text == CF_ERROR.format(code=code, message=CLOUDFRONT_ERRORS[code])
    assert response.headers["Server"] == "CloudFront"
    assert response.headers["Content-Type"] == "text/xml"
    assert response.headers["X-Cache"] == "Error from cloudfront"
    assert len(response.headers["X-Amz-Cf-Id"]) == 56


def assert_s3_error(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/xml"
    assert f"<Code>{code}</Code>" in response.text
    assert response.headers["X-Cache"] == "Error from cloudfront"


def video_url(world: World, path: str = "/video.mp4") -> str:
    return world.url("signed", path)


# --- viewer checks: each CloudFront error code ------------------------------------------------


def test_unsigned_request_is_denied_with_missing_key(world):
    assert_cloudfront_error(get(world, video_url(world)), "MissingKey")


def test_key_outside_the_trusted_key_group_is_denied_with_invalid_key(world):
    signed = world.untrusted.sign_url(video_url(world), date_less_than=in_an_hour())
    assert_cloudfront_error(get(world, signed), "InvalidKey")


def test_key_group_id_used_as_key_pair_id_is_denied_with_invalid_key(world):
    signer = world.signers["rsa-SHA1"]
    signed = signer.sign_url(video_url(world), date_less_than=in_an_hour())
    wrong = signed.replace(
        f"Key-Pair-Id={signer.key_pair_id}", f"Key-Pair-Id={world.ids['key_group']}"
    )
    assert wrong != signed
    assert_cloudfront_error(get(world, wrong), "InvalidKey")


def test_garbage_policy_is_denied_with_malformed_policy(world):
    key_id = world.ids["rsa"]
    garbage = (
        base64.b64encode(b'{"Statement": nope').decode().translate(str.maketrans("+=/", "-_~"))
    )
    url = f"{video_url(world)}?Policy={garbage}&Signature=AAAA&Key-Pair-Id={key_id}"
    assert_cloudfront_error(get(world, url), "MalformedPolicy")


def test_garbage_signature_is_denied_with_malformed_signature(world):
    signed = world.signers["rsa-SHA1"].sign_url(video_url(world), date_less_than=in_an_hour())
    head, _, tail = signed.partition("&Signature=")
    _, _, rest = tail.partition("&")
    assert_cloudfront_error(
        get(world, f"{head}&Signature=%%%not*base64!!&{rest}"), "MalformedSignature"
    )


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"date_less_than": int(time.time()) - 60, "allow_past": True}, id="expired"),
        pytest.param(
            {
                "date_less_than": int(time.time()) + 7200,
                "date_greater_than": int(time.time()) + 3600,
            },
            id="not-yet-valid",
        ),
        pytest.param(
            {"date_less_than": int(time.time()) + 3600, "ip_address": "10.1.2.0/24"}, id="wrong-ip"
        ),
        pytest.param(
            {"date_less_than": int(time.time()) + 3600, "policy_resource": "https://*/other/*"},
            id="wrong-resource",
        ),
    ],
)
def test_policy_conditions_that_fail_are_denied_with_access_denied(world, options):
    signed = world.signers["rsa-SHA1"].sign_url(video_url(world), **options)
    assert_cloudfront_error(get(world, signed), "AccessDenied")


def test_tampered_path_is_denied_with_access_denied(world):
    signed = world.signers["rsa-SHA1"].sign_url(video_url(world), date_less_than=in_an_hour())
    tampered = signed.replace("/video.mp4?", "/my%20video.mp4?")
    assert tampered != signed
    assert_cloudfront_error(get(world, tampered), "AccessDenied")


def test_parameter_added_after_signing_is_denied_with_access_denied(world):
    signed = world.signers["rsa-SHA1"].sign_url(video_url(world), date_less_than=in_an_hour())
    assert get(world, signed).status_code == 200
    assert_cloudfront_error(get(world, signed + "&quality=hd"), "AccessDenied")


def test_tampered_query_value_is_denied_with_access_denied(world):
    signed = world.signers["rsa-SHA1"].sign_url(
        video_url(world, "/video.mp4?quality=sd"), date_less_than=in_an_hour()
    )
    assert get(world, signed).status_code == 200
    assert_cloudfront_error(get(world, signed.replace("quality=sd", "quality=hd")), "AccessDenied")


def test_tampered_signature_is_denied_with_access_denied(world):
    signed = world.signers["rsa-SHA1"].sign_url(video_url(world), date_less_than=in_an_hour())
    head, _, tail = signed.partition("&Signature=")
    signature, _, rest = tail.partition("&")
    flipped = ("B" if signature[10] == "A" else "A").join((signature[:10], signature[11:]))
    assert_cloudfront_error(get(world, f"{head}&Signature={flipped}&{rest}"), "AccessDenied")


# --- valid signatures ---------------------------------------------------------------------------


SIGNERS = ["rsa-SHA1", "rsa-SHA256", "ecdsa-SHA1", "ecdsa-SHA256"]


@pytest.mark.parametrize("signer_name", SIGNERS)
def test_valid_canned_url_serves_the_exact_bytes(world, signer_name):
    signed = world.signers[signer_name].sign_url(video_url(world), date_less_than=in_an_hour())
    response = get(world, signed)
    assert response.status_code == 200, response.text
    assert response.content == VIDEO
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["X-Cache"] == "Miss from cloudfront"


@pytest.mark.parametrize("signer_name", SIGNERS)
def test_valid_custom_url_serves_the_exact_bytes(world, signer_name):
    signed = world.signers[signer_name].sign_url(
        video_url(world),
        date_less_than=in_an_hour(),
        date_greater_than=int(time.time()) - 60,
        ip_address="127.0.0.0/8",
        policy_resource=f"https://{world.domains['signed']}/*",
    )
    response = get(world, signed)
    assert response.status_code == 200, response.text
    assert response.content == VIDEO


@pytest.mark.parametrize("signer_name", SIGNERS)
@pytest.mark.parametrize("resource", ["/video.mp4", "/*"])
def test_valid_signed_cookies_serve_the_exact_bytes(world, signer_name, resource):
    cookies = world.signers[signer_name].sign_cookies(
        f"https://{world.domains['signed']}{resource}", date_less_than=in_an_hour()
    )
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    response = get(world, video_url(world), headers={"Cookie": header})
    assert response.status_code == 200, response.text
    assert response.content == VIDEO


def test_policy_naming_the_http_url_matches_too(world):
    signed = world.signers["rsa-SHA1"].sign_url(
        video_url(world),
        date_less_than=in_an_hour(),
        policy_resource=f"http://{world.domains['signed']}/video.mp4",
    )
    assert get(world, signed).status_code == 200


def test_signed_url_takes_precedence_over_cookies(world):
    good = world.signers["rsa-SHA1"].sign_cookies(video_url(world), date_less_than=in_an_hour())
    good_header = "; ".join(f"{k}={v}" for k, v in good.items())
    expired = world.signers["rsa-SHA1"].sign_url(
        video_url(world), date_less_than=int(time.time()) - 5, allow_past=True
    )
    assert_cloudfront_error(get(world, expired, headers={"Cookie": good_header}), "AccessDenied")
    valid = world.signers["rsa-SHA1"].sign_url(video_url(world), date_less_than=in_an_hour())
    response = get(
        world, valid, headers={"Cookie": "CloudFront-Key-Pair-Id=NOPE; CloudFront-Expires=1"}
    )
    assert response.status_code == 200


def test_url_signed_by_botocore_cloudfront_signer_passes_the_edge(world):
    private_key = keys.load_private_key(world.ids["rsa_private_pem"].encode())

    def rsa_signer(message: bytes) -> bytes:
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())

    signer = CloudFrontSigner(world.ids["rsa"], rsa_signer)
    canned = signer.generate_presigned_url(video_url(world), date_less_than=_datetime(in_an_hour()))
    custom = signer.generate_presigned_url(
        video_url(world),
        policy=signer.build_policy(f"https://{world.domains['signed']}/*", _datetime(in_an_hour())),
    )
    for url in (canned, custom):
        response = get(world, url)
        assert response.status_code == 200, (url, response.text)
        assert response.content == VIDEO


def _datetime(epoch: int):
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch, tz=timezone.utc).replace(tzinfo=None)


# --- serving details ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed_video(world) -> str:
    return world.signers["ecdsa-SHA256"].sign_url(video_url(world), date_less_than=in_an_hour())


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 100),
        ("bytes=1000-", 1000, len(VIDEO)),
        ("bytes=-500", len(VIDEO) - 500, len(VIDEO)),
    ],
)
def test_range_request_returns_206_with_the_exact_slice(world, signed_video, header, start, end):
    response = get(world, signed_video, headers={"Range": header})
    assert response.status_code == 206, response.text
    assert response.content == VIDEO[start:end]
    assert response.headers["Content-Range"] == f"bytes {start}-{end - 1}/{len(VIDEO)}"
    assert response.headers["Content-Length"] == str(end - start)


def test_unsatisfiable_range_returns_416(world, signed_video):
    response = get(world, signed_video, headers={"Range": f"bytes={len(VIDEO) + 10}-"})
    assert response.status_code == 416
    assert "<Code>InvalidRange</Code>" in response.text
    assert response.headers["Content-Range"] == f"bytes */{len(VIDEO)}"


def test_malformed_range_is_ignored_like_s3_does(world, signed_video):
    response = get(world, signed_video, headers={"Range": "bytes=abc"})
    assert response.status_code == 200
    assert response.content == VIDEO


def test_head_returns_headers_without_a_body(world, signed_video):
    response = get(world, signed_video, method="HEAD")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Length"] == str(len(VIDEO))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"].startswith('"')
    assert "Last-Modified" in response.headers
    assert response.headers["Via"].endswith(".cloudfront.net (CloudFront)")
    assert response.headers["Server"] == "AmazonS3"


def test_if_none_match_with_the_current_etag_returns_304(world, signed_video):
    etag = get(world, signed_video, method="HEAD").headers["ETag"]
    assert get(world, signed_video, headers={"If-None-Match": etag}).status_code == 304


def test_host_header_addressing_reaches_the_distribution(world):
    domain = world.domains["signed"]
    response = requests.get(f"{world.edge}/public/readme.txt", headers={"Host": domain}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.content == README


def test_path_pattern_behaviour_that_requires_nothing_serves_unsigned(world):
    response = get(world, world.url("signed", "/public/readme.txt"))
    assert response.status_code == 200, response.text
    assert response.content == README
    assert response.headers["Content-Type"] == "text/plain"


def test_path_pattern_is_case_sensitive(world):
    assert_cloudfront_error(get(world, world.url("signed", "/PUBLIC/readme.txt")), "MissingKey")


def test_percent_encoded_path_is_signed_and_served_as_written(world):
    signed = world.signers["rsa-SHA1"].sign_url(
        video_url(world, "/my%20video.mp4"), date_less_than=in_an_hour()
    )
    response = get(world, signed)
    assert response.status_code == 200, response.text
    assert response.content == VIDEO[:1000]


def test_post_is_refused_like_a_disallowed_method(world):
    response = get(world, world.url("signed", "/public/readme.txt"), method="POST", data=b"x")
    assert response.status_code == 403
    assert response.headers["Server"] == "CloudFront"
    assert "not configured to allow the HTTP request method" in response.text


def test_cors_headers_on_success_and_none_on_errors(world):
    origin = {"Origin": "http://localhost:8888"}
    served = get(world, world.url("signed", "/public/readme.txt"), headers=origin)
    assert served.headers["Access-Control-Allow-Origin"] == "*"
    denied = get(world, video_url(world), headers=origin)
    assert denied.status_code == 403
    assert "Access-Control-Allow-Origin" not in denied.headers


# --- origin access (how S3 judges the distribution) ---------------------------------------------


def test_oac_policy_naming_another_distribution_denies_even_a_valid_signature(world):
    signed = world.signers["rsa-SHA1"].sign_url(
        world.url("other_arn", "/video.mp4"), date_less_than=in_an_hour()
    )
    response = get(world, signed)
    assert_s3_error(response, 403, "AccessDenied")
    assert response.headers["Server"] == "AmazonS3"


def test_missing_object_without_list_permission_is_access_denied(world):
    signed = world.require_account_signer().sign_url(
        world.url("self_signed", "/missing.mp4"), date_less_than=in_an_hour()
    )
    assert_s3_error(get(world, signed), 403, "AccessDenied")


def test_missing_object_with_list_permission_is_no_such_key(world):
    signed = world.signers["rsa-SHA1"].sign_url(
        video_url(world, "/missing.mp4"), date_less_than=in_an_hour()
    )
    response = get(world, signed)
    assert_s3_error(response, 404, "NoSuchKey")
    assert "<Key>missing.mp4</Key>" in response.text


@pytest.mark.parametrize(
    ("domain", "bucket"),
    [
        ("stream.example.com.s3.amazonaws.com", "stream.example.com"),
        ("my-videos.s3.eu-west-1.amazonaws.com", "my-videos"),
        ("my-videos.s3-eu-west-1.amazonaws.com", "my-videos"),
        ("my-videos.s3.dualstack.eu-west-1.amazonaws.com", "my-videos"),
        ("my-videos.s3-website-us-east-1.amazonaws.com", None),
        ("example.com", None),
    ],
)
def test_s3_origin_domain_forms_name_the_bucket(domain, bucket):
    from cftutorial.localaws.edge.origin import s3_bucket_of

    assert s3_bucket_of(domain) == bucket


def test_oai_without_acl_grant_or_policy_is_denied(world):
    response = get(world, world.url("oai", "/private.txt"))
    assert_s3_error(response, 403, "AccessDenied")
    assert PRIVATE not in response.content


def test_oai_with_acl_grant_is_served(world):
    response = get(world, world.url("oai", "/granted.txt"))
    assert response.status_code == 200, response.text
    assert response.content == GRANTED


def test_trusted_signers_self_accepts_a_registered_account_key_pair(world):
    signed = world.require_account_signer().sign_url(
        world.url("self_signed", "/video.mp4"), date_less_than=in_an_hour()
    )
    response = get(world, signed)
    assert response.status_code == 200, response.text
    assert response.content == VIDEO


def test_trusted_signers_self_refuses_a_key_group_key(world):
    signed = world.signers["rsa-SHA1"].sign_url(
        world.url("self_signed", "/video.mp4"), date_less_than=in_an_hour()
    )
    assert_cloudfront_error(get(world, signed), "InvalidKey")


# --- distributions that do not serve ------------------------------------------------------------


def assert_bad_request_page(response: requests.Response) -> None:
    assert response.status_code == 403
    assert response.headers["Server"] == "CloudFront"
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["X-Cache"] == "Error from cloudfront"
    assert "The request could not be satisfied" in response.text
    assert "Bad request." in response.text


def test_unknown_distribution_gets_cloudfronts_bad_request_page(world):
    assert_bad_request_page(get(world, "https://d0000000000000.cloudfront.net/video.mp4"))


def test_disabled_distribution_is_not_served(world):
    assert_bad_request_page(get(world, world.url("disabled", "/video.mp4")))


# --- diagnosis ----------------------------------------------------------------------------------


def test_decisions_endpoint_explains_the_latest_answers(world):
    get(world, world.url("signed", "/video.mp4?why=decisions"))
    decisions = requests.get(
        f"{world.edge}/_cftutorial/decisions", params={"limit": 5}, timeout=10
    ).json()
    assert 1 <= len(decisions) <= 5
    latest = decisions[-1]
    assert set(latest) >= {"time", "distribution", "path", "status", "code", "reason"}
    assert latest["distribution"] == world.ids["signed"]
    assert latest["path"] == "/video.mp4"
    assert latest["status"] == 403
    assert latest["code"] == "MissingKey"
    assert latest["reason"]


def test_decisions_endpoint_refuses_a_bad_limit_with_400(world):
    response = requests.get(
        f"{world.edge}/_cftutorial/decisions", params={"limit": "many"}, timeout=10
    )
    assert response.status_code == 400
    assert "'many'" in response.json()["error"]


def test_absolute_form_request_line_is_served_like_a_proxy_request(world):
    import http.client
    from urllib.parse import urlsplit

    edge = urlsplit(world.edge)
    connection = http.client.HTTPConnection(edge.hostname, edge.port, timeout=30)
    try:
        connection.request(
            "GET", world.url("signed", "/public/readme.txt").replace("https://", "http://")
        )
        response = connection.getresponse()
        assert response.status == 200
        assert response.read() == README
    finally:
        connection.close()


def test_options_on_a_get_head_behaviour_is_the_disallowed_method_page(world):
    """CloudFront answers ``OPTIONS`` only where ``AllowedMethods`` include it (issue 23)."""
    response = get(
        world,
        video_url(world),
        method="OPTIONS",
        headers={"Origin": "http://localhost:8888", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 403
    assert "not configured to allow the HTTP request method" in response.text
    assert "Access-Control-Allow-Origin" not in response.headers


# --- pure pieces (no server) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/public/*", "/public/a/b.txt", True),
        ("public/*", "/public/a.txt", True),
        ("/public/*", "/Public/a.txt", False),
        ("/images/*.jpg", "/images/x/y.jpg", True),
        ("/images/*.jpg", "/images/x.png", False),
        ("/v?/index.m3u8", "/v1/index.m3u8", True),
        ("/v?/index.m3u8", "/v10/index.m3u8", False),
        ("/a.b", "/aXb", False),
        ("*", "/anything", True),
    ],
)
def test_path_patterns_follow_cloudfront_semantics(pattern, path, expected):
    from cftutorial.signing.behaviours import path_matches

    assert path_matches(pattern, path) is expected


def test_first_matching_cache_behaviour_wins_in_order():
    from cftutorial.localaws.edge.behaviours import find_behaviour
    from cftutorial.localaws.moto_adapter import Behaviour, Distribution

    def behaviour(pattern: str) -> Behaviour:
        return Behaviour(pattern, "origin", ("GET", "HEAD"), (), ())

    first, second, default = behaviour("/videos/*"), behaviour("/videos/hd/*"), behaviour("")
    dist = Distribution(
        "E1",
        "arn",
        "d1.cloudfront.net",
        (),
        True,
        "Deployed",
        "E",
        "",
        default,
        (first, second),
        (),
    )
    assert find_behaviour(dist, "/videos/hd/a.mp4") is first
    assert find_behaviour(dist, "/other.mp4") is default


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"RAW_URI": "/d1.cloudfront.net/a/b?x=1", "HTTP_HOST": "127.0.0.1:4751"},
            ("d1.cloudfront.net", "/a/b", "x=1"),
        ),
        (
            {"RAW_URI": "/a/b?x=1", "HTTP_HOST": "d1.cloudfront.net"},
            ("d1.cloudfront.net", "/a/b", "x=1"),
        ),
        (
            {"RAW_URI": "http://d1.cloudfront.net/a%20b", "HTTP_HOST": "d1.cloudfront.net"},
            ("d1.cloudfront.net", "/a%20b", ""),
        ),
        (
            {"RAW_URI": "/D1.CLOUDFRONT.NET", "HTTP_HOST": "localhost:4751"},
            ("d1.cloudfront.net", "/", ""),
        ),
    ],
)
def test_requests_are_resolved_to_distribution_path_and_raw_query(environ, expected):
    from cftutorial.localaws.edge.routing import resolve_target

    target = resolve_target(environ, lambda domain: domain == "d1.cloudfront.net")
    assert (target.domain, target.path, target.query) == expected


@pytest.mark.parametrize(
    ("setting", "origin", "expected"),
    [
        (None, "http://a.test", {"Access-Control-Allow-Origin": "*"}),
        ("", "http://a.test", None),
        (
            "http://a.test, http://b.test",
            "http://b.test",
            {
                "Access-Control-Allow-Origin": "http://b.test",
                "Access-Control-Allow-Credentials": "true",
            },
        ),
        ("http://a.test", "http://evil.test", None),
    ],
)
def test_cors_origins_setting_decides_the_cors_headers(monkeypatch, setting, origin, expected):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from cftutorial.localaws.edge.responses import ENV_CORS_ORIGINS, cors_headers

    if setting is None:
        monkeypatch.delenv(ENV_CORS_ORIGINS, raising=False)
    else:
        monkeypatch.setenv(ENV_CORS_ORIGINS, setting)
    headers = cors_headers(Request(EnvironBuilder(headers={"Origin": origin}).get_environ()))
    if expected is None:
        assert headers == {}
    else:
        assert expected.items() <= headers.items()


def test_status_lines_use_cloudfronts_reason_phrases(world):
    import http.client
    from urllib.parse import urlsplit

    edge = urlsplit(world.edge)
    reasons = {}
    for path in (
        f"/{world.domains['signed']}/video.mp4",
        f"/{world.domains['signed']}/public/readme.txt",
    ):
        connection = http.client.HTTPConnection(edge.hostname, edge.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            reasons[response.status] = response.reason
        finally:
            connection.close()
    assert reasons == {403: "Forbidden", 200: "OK"}
