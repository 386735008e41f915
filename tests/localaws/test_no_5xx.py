"""Issue 23: no 5xx from bad input on any path of the AWS port, and no traceback in its log.

The regressions first (each was an HTTP 500 with a moto traceback), then hypothesis over anonymous
methods x service paths x content types x bodies, and the same with a credential scoped to each
service the local AWS serves. Bounded in count (``max_examples``) and time (one request each,
30 s timeout); the log written during each test must hold no traceback and no ERROR line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rawhttp import send

from cftutorial.aws.clients import client
from cftutorial.localaws import process

pytestmark = pytest.mark.localaws

CRASH_MARKERS = ("Traceback", " ERROR ", "Error on request")
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# a fixed name: parametrize ids carry it, and every pytest-xdist worker must collect the same ids
# (each worker has a local AWS of its own, where no other test names this bucket)
BUCKET = "no-5xx-probe"
SCOPE = (
    "AWS4-HMAC-SHA256 Credential=LOCALCFTUTORIALKEY00/20250101/us-east-1/{}/aws4_request, "
    "SignedHeaders=host, Signature=x"
)


@pytest.fixture(scope="module")
def aws(local_aws) -> str:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
    return local_aws.aws_endpoint


@pytest.fixture(autouse=True)
def no_traceback(aws) -> Iterator[None]:
    offset = os.path.getsize(process.log_file())
    yield
    with open(process.log_file(), "rb") as log:
        log.seek(offset)
        written = log.read().decode("utf-8", "replace")
    crashes = [line for line in written.splitlines() if any(m in line for m in CRASH_MARKERS)]
    assert crashes == [], crashes[:5]


# --- the regressions ------------------------------------------------------------------------------

FORM = (
    b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.html"\r\n\r\n'
    b"<script>1</script>\r\n--xyz--\r\n"
)


@pytest.mark.parametrize(
    ("method", "target", "headers", "body", "status", "code"),
    [
        ("POST", "/no-such-bucket-zz/k", {}, b"x", 405, b"MethodNotAllowed"),
        ("POST", "/no-such-bucket-zz", {"Content-Type": "text/plain"}, b"x", 404, b"NoSuchBucket"),
        ("POST", "/2020-05-31/distribution", {}, b"garbage", 403, b"MissingAuthenticationToken"),
        ("PATCH", "/2020-05-31/distribution", {}, b"", 403, b"MissingAuthenticationToken"),
        ("POST", "/", {"X-Amz-Target": "TrentService.Sign"}, b"{}", 403, b"MissingAuthentication"),
        ("POST", "/?Action=GetCallerIdentity", {}, b"", 403, b"MissingAuthenticationToken"),
        ("PATCH", f"/{BUCKET}/k", {}, b"", 405, b"MethodNotAllowed"),
        ("POST", f"/{BUCKET}/k", {}, b"x", 405, b"MethodNotAllowed"),
        ("OPTIONS", "/", {}, None, 400, b"Insufficient information"),
        ("POST", f"/{BUCKET}", {"Content-Type": "text/plain"}, b"x", 403, b"AccessDenied"),
    ],
)
def test_a_request_moto_crashed_on_gets_awss_4xx(aws, method, target, headers, body, status, code):
    reply = send(aws, method, target, headers, body)
    assert reply.status == status, (reply.status, reply.body[:300])
    assert code in reply.body


@pytest.mark.parametrize(
    ("method", "target", "scope", "extra", "body", "status", "code"),
    [
        ("POST", f"/{BUCKET}", "cloudfront", {}, b"x", 400, b"AuthorizationHeaderMalformed"),
        ("GET", "/2020-05-31/distribution", "s3", {}, None, 403, b"SignatureDoesNotMatch"),
        ("PATCH", "/2020-05-31/distribution", "cloudfront", {}, b"", 404, b"UnknownOperation"),
        (
            "DELETE",
            "/2020-05-31/distribution/EDFDVBD6EXAMPLE",
            "cloudfront",
            {},
            b"\xff\xfe not xml",
            400,
            b"InvalidArgument",
        ),
        (
            "DELETE",
            "/2020-05-31/distribution/EDFDVBD6EXAMPLE",
            "cloudfront",
            {},
            b"{}",
            400,
            b"InvalidIfMatchVersion",  # the body is ignored, as AWS ignores it
        ),
        ("POST", f"/{BUCKET}", "s3", {"Content-Type": "text/plain"}, b"x", 412, b"Precondition"),
        (
            "POST",
            f"/{BUCKET}",
            "s3",
            {"Content-Type": "multipart/form-data; boundary=xyz"},
            FORM,
            400,
            b"must contain a field named 'key'",
        ),
        ("POST", "/", "kms", {"X-Amz-Target": "TrentService.Sign"}, b"{}", 400, b"Validation"),
        ("POST", "/", "kms", {"X-Amz-Target": "TrentService.Sign"}, b"\xff", 400, b"Serializ"),
        ("POST", "/", "kms", {"X-Amz-Target": "TrentService.Nope"}, b"{}", 400, b"UnknownOper"),
        ("POST", "/", "s3", {"X-Amz-Target": "TrentService.ListKeys"}, b"{}", 403, b"scoped"),
        ("PUT", f"/{BUCKET}?tagging", "s3", {}, b"not xml", 400, b"MalformedXML"),
        ("POST", f"/{BUCKET}?delete", "s3", {}, b"\xff\xfe", 400, b"MalformedXML"),
        ("PUT", f"/{BUCKET}", "s3", {}, b"garbage", 400, b"MalformedXML"),
        ("PUT", "/no-such-bucket-zz?acl", "s3", {}, b"", 404, b"NoSuchBucket"),
        ("POST", f"/{BUCKET}/k?uploadId=nope", "s3", {}, b"<x/>", 400, b"MalformedXML"),
        (
            "POST",
            f"/{BUCKET}/k?uploadId=nope",
            "s3",
            {},
            b"<CompleteMultipartUpload/>",
            404,
            b"NoSuchUpload",
        ),
        ("DELETE", f"/{BUCKET}/absent?tagging", "s3", {}, None, 404, b"NoSuchKey"),
        ("PUT", "/", "s3", {}, b"x", 405, b"MethodNotAllowed"),
        ("HEAD", "/", "s3", {}, None, 405, b""),
        ("POST", "/?Action=GetCallerIdentity", "sts", {}, b"\xff\xfe", 404, b"MalformedQuery"),
    ],
)
def test_a_signed_request_moto_crashed_on_gets_awss_4xx(
    aws, method, target, scope, extra, body, status, code
):
    headers = {"Authorization": SCOPE.format(scope), **extra}
    reply = send(aws, method, target, headers, body)
    assert reply.status == status, (reply.status, reply.body[:300])
    assert code in reply.body


@pytest.mark.parametrize(
    ("target", "argument", "value"),
    [
        (f"/{BUCKET}?list-type=2&max-keys=x", b"maxKeys", b"x"),
        (f"/{BUCKET}?max-keys=-1", b"maxKeys", b"-1"),
        (f"/{BUCKET}?versions&max-keys=2147483648", b"maxKeys", b"2147483648"),
        (f"/{BUCKET}/k?partNumber=0", b"partNumber", b"0"),
        (f"/{BUCKET}/k?uploadId=u&max-parts=%3Cx%3E", b"max-parts", b"&lt;x&gt;"),
        (f"/{BUCKET}/k?uploadId=u&part-number-marker=1.5", b"part-number-marker", b"1.5"),
    ],
)
def test_an_integer_argument_that_is_not_one_is_invalid_argument(aws, target, argument, value):
    """moto's int() raised (HTTP 500, a traceback); S3 names the argument and the value."""
    reply = send(aws, "GET", target, {"Authorization": SCOPE.format("s3")}, None)
    assert (reply.status, b"<Code>InvalidArgument</Code>" in reply.body) == (400, True), reply.body
    assert f"<ArgumentName>{argument.decode()}</ArgumentName>".encode() in reply.body
    assert b"<ArgumentValue>" + value + b"</ArgumentValue>" in reply.body
    listed = send(
        aws, "GET", f"/{BUCKET}?list-type=2&max-keys=0", {"Authorization": SCOPE.format("s3")}
    )
    assert listed.status == 200, listed.body  # an integer in range still lists
    got = send(aws, "GET", f"/{BUCKET}/k?max-keys=x", {"Authorization": SCOPE.format("s3")})
    assert (got.status, got.body) == (200, b"x")  # GetObject takes no max-keys: ignored


def test_create_multipart_upload_ignores_a_body(aws):
    reply = send(aws, "POST", f"/{BUCKET}/big?uploads", {"Authorization": SCOPE.format("s3")}, b"x")
    assert reply.status == 200, reply.body[:300]
    assert b"<UploadId>" in reply.body


# --- fuzz -------------------------------------------------------------------------------------------

PATHS = [
    "/",
    f"/{BUCKET}",
    f"/{BUCKET}/k",
    f"/{BUCKET}/absent",
    "/no-such-bucket-zz",
    "/no-such-bucket-zz/k",
    "/2020-05-31/distribution",
    "/2020-05-31/distribution/EDFDVBD6EXAMPLE",
    "/2020-05-31/distribution/EDFDVBD6EXAMPLE/config",
    "/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation",
    "/2020-05-31/public-key",
    "/2020-05-31/public-key/K2JCJMDEHXQW5F",
    "/2020-05-31/key-group",
    "/2020-05-31/origin-access-control",
    "/2020-05-31/origin-access-identity/cloudfront",
    "/2020-05-31/tagging",
    "/2020-05-31/nothing-here",
]
QUERIES = [
    "",
    "?delete",
    "?uploads",
    "?uploadId=x",
    "?acl",
    "?policy",
    "?cors",
    "?tagging",
    "?versioning",
    "?lifecycle",
    "?restore",
    "?select&select-type=2",
    "?location",
    "?WithTags",
    "?Operation=Tag",
    "?Action=GetCallerIdentity",
    "?list-type=2&max-keys=x",
]
CONTENT_TYPES = [
    None,
    "text/plain",
    "application/xml",
    "application/json",
    "application/x-amz-json-1.1",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
]
BODIES = st.one_of(
    st.none(),
    st.binary(max_size=64),
    st.sampled_from(
        [
            b"",
            b"{}",
            b"[]",
            b"<x/>",
            b"<Delete><Object><Key>k</Key></Object></Delete>",
            b"<Tagging/>",
            b"<CreateBucketConfiguration/>",
            b"Action=GetCallerIdentity&Version=2011-06-15",
            FORM,
            b'{"KeyId": 5}',
            b"\xff\xfe\x00",
        ]
    ),
)
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "PROPFIND"]
TARGETS = [
    None,
    "TrentService.ListKeys",
    "TrentService.Sign",
    "CertificateManager.ListCertificates",
]


def _headers(content_type: str | None, target: str | None, scope: str | None) -> dict[str, str]:
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if target:
        headers["X-Amz-Target"] = target
    if scope:
        headers["Authorization"] = SCOPE.format(scope)
    return headers


@FUZZ
@given(
    method=st.sampled_from(METHODS),
    path=st.sampled_from(PATHS),
    query=st.sampled_from(QUERIES),
    content_type=st.sampled_from(CONTENT_TYPES),
    target=st.sampled_from(TARGETS),
    body=BODIES,
)
def test_fuzzed_anonymous_requests_never_5xx(aws, method, path, query, content_type, target, body):
    reply = send(aws, method, path + query, _headers(content_type, target, None), body)
    assert reply.status < 500, (method, path + query, content_type, body, reply.body[:300])


@FUZZ
@given(
    method=st.sampled_from(METHODS),
    path=st.sampled_from(PATHS),
    query=st.sampled_from(QUERIES),
    content_type=st.sampled_from(CONTENT_TYPES),
    target=st.sampled_from(TARGETS),
    scope=st.sampled_from(["s3", "cloudfront", "kms", "acm", "sts"]),
    body=BODIES,
)
def test_fuzzed_garbage_with_any_credential_scope_never_5xx(
    aws, method, path, query, content_type, target, scope, body
):
    if path == f"/{BUCKET}" and method == "DELETE" and not query:
        return  # DeleteBucket on the fuzz bucket: valid, and the next examples need it
    reply = send(aws, method, path + query, _headers(content_type, target, scope), body)
    assert reply.status < 500, (method, path + query, scope, body, reply.body[:300])
