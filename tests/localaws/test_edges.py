"""Issue 13: the local AWS tells the truth at its edges (raw clients, the exact requests).

Each test sends the request the issue names byte for byte (``http.client``: ``requests``
re-quotes paths) and asserts what AWS answers.
"""

from __future__ import annotations

import json
import uuid

import pytest
from rawhttp import send

from cftutorial.aws.clients import client

pytestmark = pytest.mark.localaws

EVIL = "https://evil.example"
SECRET = b"secret bytes"


@pytest.fixture(scope="module")
def s3(local_aws):
    return client("s3")


@pytest.fixture
def bucket(s3) -> str:
    name = f"edges-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="private/secret.mp4", Body=SECRET)
    return name


# 1. a bare Signature= is no credential ---------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
def test_a_bare_signature_parameter_does_not_authenticate_an_anonymous_request(
    local_aws, s3, bucket, method
):
    body = b"planted" if method == "PUT" else None
    reply = send(
        local_aws.aws_endpoint,
        method,
        f"/{bucket}/private/secret.mp4?Signature=x",
        {},  # a page's Origin is refused before this rule: test_edge_boundary.py
        body,
    )
    assert reply.status == 403, (reply.status, reply.body[:300])
    assert reply.code == "AccessDenied"
    assert b"Query-string authentication requires the Signature, Expires and AWSAccessKeyId" in (
        reply.body
    )
    assert reply.header("Access-Control-Allow-Origin") is None
    assert s3.get_object(Bucket=bucket, Key="private/secret.mp4")["Body"].read() == SECRET


def test_the_object_is_still_private_without_the_parameter(local_aws, bucket):
    reply = send(local_aws.aws_endpoint, "GET", f"/{bucket}/private/secret.mp4")
    assert (reply.status, reply.code) == (403, "AccessDenied")


@pytest.mark.parametrize(
    "query",
    [
        "AWSAccessKeyId=LOCALCFTUTORIALKEY00&Signature=x",  # no Expires
        "AWSAccessKeyId=LOCALCFTUTORIALKEY00&Expires=9999999999",  # no Signature
        "Expires=9999999999&Signature=x",  # no key
    ],
)
def test_an_incomplete_sigv2_query_is_refused(local_aws, bucket, query):
    reply = send(local_aws.aws_endpoint, "GET", f"/{bucket}/private/secret.mp4?{query}")
    assert (reply.status, reply.code) == (403, "AccessDenied"), reply.body[:300]


def test_a_sigv4_query_without_its_signature_is_a_400(local_aws, bucket):
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=LOCALCFTUTORIALKEY00%2F20250101%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20250101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
    )
    reply = send(local_aws.aws_endpoint, "GET", f"/{bucket}/private/secret.mp4?{query}")
    assert (reply.status, reply.code) == (400, "AuthorizationQueryParametersError")


def test_an_authorization_header_with_another_access_key_is_refused(local_aws, bucket):
    reply = send(
        local_aws.aws_endpoint,
        "GET",
        f"/{bucket}/private/secret.mp4",
        {"Authorization": "AWS AKIAEXAMPLEEXAMPLE0:c2lnbmF0dXJl"},
    )
    assert (reply.status, reply.code) == (403, "InvalidAccessKeyId")


def test_boto3_and_a_real_presigned_url_still_work(local_aws, s3, bucket):
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "private/secret.mp4"}, ExpiresIn=60
    )
    target = url.split(local_aws.aws_endpoint, 1)[1]
    reply = send(local_aws.aws_endpoint, "GET", target)
    assert (reply.status, reply.body) == (200, SECRET)


# 2. one path normaliser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def prefix(local_aws):
    from edge_world import build_prefix_world

    return build_prefix_world()


def edge_get(prefix, path: str, headers: dict[str, str] | None = None):
    return send(prefix.world.edge, "GET", f"/{prefix.domain}{path}", headers)


@pytest.mark.parametrize(
    "path",
    [
        "/private/secret.mp4",
        "/%70rivate/secret.mp4",
        "/%70%72%69%76%61%74%65/secret.mp4",
        "/open/../private/secret.mp4",
        "/open/%2E%2E/private/secret.mp4",
        "/./private/secret.mp4",
        "/private/./secret.mp4",
        "/x%2Esecret",
        "/x.%73ecret",
    ],
)
def test_an_encoded_or_dotted_path_meets_the_signed_behaviour_it_names(prefix, path):
    reply = edge_get(prefix, path)
    assert (reply.status, reply.code) == (403, "MissingKey"), (path, reply.status, reply.body)


def test_the_open_default_behaviour_still_serves_and_decodes_unreserved(prefix):
    from edge_world import README

    for path in ("/open.txt", "/%6Fpen.txt", "/private/../open.txt"):
        reply = edge_get(prefix, path)
        assert (reply.status, reply.body) == (200, README), path


def test_an_encoded_slash_is_refused_and_never_reads_the_protected_key(prefix):
    from edge_world import SECRET_VIDEO

    reply = edge_get(prefix, "/private%2Fsecret.mp4")
    assert reply.status == 400  # refused before any rule (issue 23; localaws/uri.py)
    assert b"Bad request" in reply.body
    assert SECRET_VIDEO not in reply.body


def test_a_signed_request_through_a_dotted_path_is_served(prefix):
    from edge_world import SECRET_VIDEO, in_an_hour

    signer = prefix.world.signers["rsa-SHA1"]
    url = signer.sign_url(
        f"https://{prefix.domain}/private/secret.mp4", date_less_than=in_an_hour()
    )
    reply = send(prefix.world.edge, "GET", "/" + url.split("//", 1)[1])
    assert (reply.status, reply.body) == (200, SECRET_VIDEO)


def test_normalise_follows_rfc_3986():
    from cftutorial.localaws import uri

    assert uri.normalise("/%70rivate/%7e%2f%2fx") == "/private/~%2F%2Fx"
    assert uri.normalise("/a/b/c/./../../g") == "/a/g"
    assert uri.normalise("/../../x") == "/x"
    assert uri.normalise("/a/..") == "/"
    assert uri.key_of("/a%20b%2Fc") == "a b%2Fc"
    assert uri.s3_request_path("/b/x/../a%2Fb") == "/b/x/../a/b"


# 3. the AWS port is locked down --------------------------------------------------------------

PEM_OF_AN_ATTACKER = (
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
)


def test_the_runtime_file_is_private_and_holds_the_token(local_aws):
    import os
    import stat

    from cftutorial.localaws import control, process

    mode = stat.S_IMODE(os.stat(process.runtime_file()).st_mode)
    assert mode == 0o600, oct(mode)
    assert len(control.client_token(process.runtime_file())) >= 40


@pytest.mark.parametrize(
    ("method", "target", "content_type", "body"),
    [
        ("POST", "/moto-api/reset", "text/plain", b""),
        ("POST", "/moto-api/reset", None, None),
        ("POST", "/_cftutorial/account-key-pairs", "text/plain", PEM_OF_AN_ATTACKER.encode()),
        ("GET", "/_cftutorial/account-key-pairs", None, None),
        ("GET", "/moto-api/data.json", None, None),
        ("GET", "/moto-api/", None, None),
        ("DELETE", "/_cftutorial/account-key-pairs/APKAEXAMPLE", None, None),
    ],
)
def test_a_web_page_cannot_use_the_control_endpoints(
    local_aws, s3, bucket, method, target, content_type, body
):
    # without Origin: a page's Origin is refused before the token is looked at
    # (test_edge_boundary.py); the token alone still keeps every other client out
    headers = {"Content-Type": content_type} if content_type else {}
    reply = send(local_aws.aws_endpoint, method, target, headers, body)
    assert reply.status == 403, (reply.status, reply.body[:200])
    assert b"X-Cftutorial-Token" in reply.body
    assert reply.header("Access-Control-Allow-Origin") is None
    assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_preflight_to_a_control_endpoint_gets_no_cors(local_aws):
    from cftutorial.localaws import control, process

    for headers in (
        {"Origin": EVIL, "Access-Control-Request-Method": "POST"},
        {"Origin": EVIL, "Access-Control-Request-Method": "POST"}
        | control.headers(process.runtime_file()),
    ):
        reply = send(local_aws.aws_endpoint, "OPTIONS", "/moto-api/reset", headers)
        assert reply.header("Access-Control-Allow-Origin") is None


def test_with_the_token_a_text_plain_post_is_still_refused(local_aws, s3, bucket):
    from cftutorial.localaws import control, process

    for target, body in (
        ("/moto-api/reset", b""),
        ("/_cftutorial/account-key-pairs", PEM_OF_AN_ATTACKER.encode()),
    ):
        headers = control.headers(process.runtime_file(), "text/plain")
        reply = send(local_aws.aws_endpoint, "POST", target, headers, body)
        assert reply.status == 415, (target, reply.status, reply.body)
    assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_the_packages_own_client_still_lists_account_key_pairs(local_aws):
    from cftutorial.aws import account_keys

    assert isinstance(account_keys.list_account_key_pairs(), list)


def test_the_health_check_stays_open_and_says_only_who_it_is(local_aws):
    """Who it is, and the one public setting a client needs (no token, no path, no state)."""
    reply = send(local_aws.aws_endpoint, "GET", "/_cftutorial/health")
    assert reply.status == 200
    assert set(json.loads(reply.body)) == {"service", "pid", "deploy_seconds"}
    assert reply.header("Access-Control-Allow-Origin") is None


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_s3_answers_carry_no_cors_for_an_unlisted_origin(local_aws, s3, method):
    name = f"edges-cors-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    headers = {"Origin": EVIL, "Access-Control-Request-Method": "GET"}
    reply = send(local_aws.aws_endpoint, method, f"/{name}/anything", headers)
    assert reply.status < 500
    assert not [h for h in reply.headers if h.startswith("access-control-")], reply.headers


def test_cors_is_allowed_only_for_a_listed_origin_and_never_on_control_paths(monkeypatch):
    from cftutorial.localaws import control
    from cftutorial.localaws.wire import Request

    def request(path: str, origin: str) -> Request:
        return Request({"PATH_INFO": path, "HTTP_ORIGIN": origin, "REQUEST_METHOD": "GET"})

    listed = "http://127.0.0.1:8888"
    assert not control.allows_cors(request("/bucket/key", listed))  # default: none
    monkeypatch.setenv(control.ENV_AWS_CORS_ORIGINS, f"{listed}, http://localhost:8888")
    assert control.allows_cors(request("/bucket/key", listed))
    assert not control.allows_cors(request("/bucket/key", EVIL))
    assert not control.allows_cors(request("/moto-api/data.json", listed))
    assert not control.allows_cors(request("/_cftutorial/account-key-pairs", listed))


# 4. 4xx, not 5xx, for bad input --------------------------------------------------------------

CF_AUTH = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=LOCALCFTUTORIALKEY00/20250101/us-east-1/"
    "cloudfront/aws4_request, SignedHeaders=host, Signature=x"
}
S3_AUTH = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=LOCALCFTUTORIALKEY00/20250101/us-east-1/"
    "s3/aws4_request, SignedHeaders=host, Signature=x"
}
CF_NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"


@pytest.mark.parametrize(
    ("target", "body"),
    [
        ("/2020-05-31/distribution", b"not xml"),
        ("/2020-05-31/distribution", f"<DistributionConfig xmlns='{CF_NS}'/>".encode()),
        ("/2020-05-31/public-key", b"not xml"),
        ("/2020-05-31/public-key", f"<PublicKeyConfig xmlns='{CF_NS}'/>".encode()),
        ("/2020-05-31/key-group", b"<KeyGroupConfig"),
        ("/2020-05-31/key-group", f"<KeyGroupConfig xmlns='{CF_NS}'/>".encode()),
        ("/2020-05-31/origin-access-control", b"not xml"),
        (
            "/2020-05-31/origin-access-control",
            f"<OriginAccessControlConfig xmlns='{CF_NS}'><Name>x</Name>"
            "</OriginAccessControlConfig>".encode(),
        ),
        ("/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation", b"not xml"),
        ("/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation", b"<Wrong/>"),
    ],
)
def test_a_malformed_cloudfront_body_is_invalid_argument(local_aws, target, body):
    reply = send(local_aws.aws_endpoint, "POST", target, CF_AUTH, body)
    assert (reply.status, reply.code) == (400, "InvalidArgument"), (reply.status, reply.body)
    assert b"<Type>Sender</Type>" in reply.body


@pytest.mark.parametrize("value", ["abc", "-5", "1.5", ""])
def test_a_bad_oai_max_items_is_invalid_argument(local_aws, value):
    target = f"/2020-05-31/origin-access-identity/cloudfront?MaxItems={value}"
    reply = send(local_aws.aws_endpoint, "GET", target, CF_AUTH)
    expected = (200, None) if value == "" else (400, "InvalidArgument")
    assert (reply.status, reply.code) == expected, reply.body


def test_a_well_formed_boto3_create_still_works(local_aws):
    cf = client("cloudfront")
    created = cf.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": f"edges-{uuid.uuid4().hex[:8]}",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201


def test_a_put_object_acl_body_that_is_not_xml_is_malformed_acl(local_aws, s3):
    name = f"edges-acl-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerPreferred")
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    reply = send(local_aws.aws_endpoint, "PUT", f"/{name}/k?acl", S3_AUTH, b"not xml")
    assert (reply.status, reply.code) == (400, "MalformedACLError"), reply.body


def test_deeply_nested_policy_json_is_malformed_policy(local_aws, bucket):
    deep = '{"Version":"2012-10-17","Statement":' + "[" * 500 + "]" * 500 + "}"
    reply = send(local_aws.aws_endpoint, "PUT", f"/{bucket}?policy", S3_AUTH, deep.encode())
    assert (reply.status, reply.code) == (400, "MalformedPolicy"), reply.body
    deeper = '{"a":' * 5000 + "1" + "}" * 5000
    reply = send(local_aws.aws_endpoint, "PUT", f"/{bucket}?policy", S3_AUTH, deeper.encode())
    assert (reply.status, reply.code) == (400, "MalformedPolicy"), reply.body


@pytest.mark.parametrize("length", ["5", "3", "50"])
def test_content_length_with_transfer_encoding_is_a_400(local_aws, bucket, length):
    from rawhttp import send_bytes, status_of

    raw = (
        f"PUT /{bucket}/smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {S3_AUTH['Authorization']}\r\n"
        f"Content-Length: {length}\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n0\r\n\r\n"
    ).encode()
    answer = send_bytes(local_aws.aws_endpoint, raw, timeout=10)
    assert status_of(answer) == 400, answer[:300]
    assert b"<Code>InvalidRequest</Code>" in answer


def test_a_non_utf8_cookie_on_a_signed_behaviour_is_missing_key(prefix):
    from rawhttp import send_bytes, status_of

    raw = (
        f"GET /{prefix.domain}/private/secret.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        + b"Cookie: CloudFront-Policy=\xff\xfe; CloudFront-Signature=\xc3\x28\r\n"
        + b"Connection: close\r\n\r\n"
    )
    answer = send_bytes(prefix.world.edge, raw, timeout=10)
    assert status_of(answer) == 403, answer[:300]
    assert b"<Code>MissingKey</Code>" in answer or b"<Code>MalformedPolicy</Code>" in answer


# 5. the 20 KB bucket policy limit ------------------------------------------------------------


def _policy_of_size(bucket: str, size: int) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": []}},
    }
    arns = statement["Condition"]["StringEquals"]["AWS:SourceArn"]
    document = {"Version": "2012-10-17", "Statement": [statement]}
    n = 0
    while len(json.dumps(document, separators=(",", ":"))) < size:
        arns.append(f"arn:aws:cloudfront::123456789012:distribution/E{n:013d}")
        n += 1
    while len(json.dumps(document, separators=(",", ":"))) > size:
        arns.pop()
    return json.dumps(document, separators=(",", ":"))


def test_a_bucket_policy_of_20_kb_is_stored_and_a_larger_one_is_policy_too_large(s3, bucket):
    from botocore.exceptions import ClientError

    fits = _policy_of_size(bucket, 20 * 1024)
    assert len(fits) <= 20 * 1024
    s3.put_bucket_policy(Bucket=bucket, Policy=fits)
    too_large = _policy_of_size(bucket, 20 * 1024 + 80)
    assert len(too_large) > 20 * 1024
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_policy(Bucket=bucket, Policy=too_large)
    error = refused.value.response["Error"]
    assert error["Code"] == "PolicyTooLarge"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(fits)


def test_whitespace_does_not_count_towards_the_limit(s3, bucket):
    fits = _policy_of_size(bucket, 20 * 1024 - 100)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(json.loads(fits), indent=8))


def test_a_5_mb_policy_is_refused_unread(local_aws, bucket):
    body = b'{"Version":"2012-10-17","Statement":[' + b" " * (5 * 1024 * 1024) + b"]}"
    reply = send(local_aws.aws_endpoint, "PUT", f"/{bucket}?policy", S3_AUTH, body)
    assert (reply.status, reply.code) == (400, "PolicyTooLarge"), reply.body[:300]


# 6. smaller gaps -------------------------------------------------------------------------------


def test_the_direct_s3_403_says_server_amazon_s3_once(local_aws, bucket):
    from rawhttp import send_bytes

    raw = (
        f"GET /{bucket}/private/secret.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    answer = send_bytes(local_aws.aws_endpoint, raw.encode(), timeout=10)
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 403")
    assert head.count(b"\r\nserver:") == 1 and b"\r\nserver: amazons3" in head, head


@pytest.mark.parametrize("header", ["bytes=0-9,20-29", "items=0-5", "bytes=abc"])
def test_a_range_the_edge_cannot_serve_as_one_part_gets_the_whole_object(prefix, header):
    from edge_world import README

    reply = edge_get(prefix, "/open.txt", {"Range": header})
    assert (reply.status, reply.body) == (200, README), (header, reply.status)


def test_a_single_byte_range_is_still_206(prefix):
    from edge_world import README

    reply = edge_get(prefix, "/open.txt", {"Range": "bytes=0-4"})
    assert (reply.status, reply.body) == (206, README[:5])


def test_the_access_log_keeps_only_the_first_characters_of_signatures(prefix):
    import os

    from edge_world import SECRET_VIDEO, in_an_hour

    from cftutorial.localaws import process

    offset = os.path.getsize(process.log_file())
    signer = prefix.world.signers["rsa-SHA1"]
    url = signer.sign_url(
        f"https://{prefix.domain}/private/secret.mp4", date_less_than=in_an_hour()
    )
    reply = send(prefix.world.edge, "GET", "/" + url.split("//", 1)[1])
    assert (reply.status, reply.body) == (200, SECRET_VIDEO)
    signature = url.split("Signature=", 1)[1].split("&", 1)[0]
    with open(process.log_file(), "rb") as log:
        log.seek(offset)
        written = log.read().decode("utf-8", "replace")
    assert "/private/secret.mp4?" in written  # the request line was logged
    assert signature not in written
    assert f"Signature={signature[:8]}…" in written


def test_redact_cuts_every_signing_value():
    from cftutorial.localaws.handler import redact

    line = "GET /x?Expires=1&Signature=abcdefghijkl&Policy=eyJTdGF0ZW1lbnQi&Key-Pair-Id=K HTTP/1.1"
    assert redact(line) == (
        "GET /x?Expires=1&Signature=abcdefgh…&Policy=eyJTdGF0…&Key-Pair-Id=K HTTP/1.1"
    )
    assert "X-Amz-Signature=0123abcd…" in redact("/b/k?X-Amz-Signature=0123abcdef99")


# 6. the creates, as bytes on the wire (boto3's own serializer writes the body) ---------------


def _wire_body(operation: str, params: dict) -> bytes:
    """The XML body boto3 would send for ``operation`` (botocore's rest-xml serializer)."""
    from botocore.serialize import create_serializer

    model = client("cloudfront").meta.service_model.operation_model(operation)
    return create_serializer("rest-xml").serialize_to_request(params, model)["body"]


def _id_of(body: bytes) -> str:
    return body.decode().split("<Id>", 1)[1].split("</Id>", 1)[0]


def test_a_raw_create_origin_access_control_answers_201_with_its_location(local_aws):
    config = {
        "Name": f"edges-{uuid.uuid4().hex[:8]}",
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }
    body = _wire_body("CreateOriginAccessControl", {"OriginAccessControlConfig": config})
    reply = send(local_aws.aws_endpoint, "POST", "/2020-05-31/origin-access-control", CF_AUTH, body)
    assert reply.status == 201, reply.body[:300]
    location = "https://cloudfront.amazonaws.com/2020-05-31/origin-access-control/"
    assert reply.header("Location") == location + _id_of(reply.body)


def test_a_raw_create_distribution_retried_is_the_same_and_reused_is_already_exists(local_aws):
    from test_fidelity_cloudfront import dist_config

    config = dist_config()
    first = send(
        local_aws.aws_endpoint,
        "POST",
        "/2020-05-31/distribution",
        CF_AUTH,
        _wire_body("CreateDistribution", {"DistributionConfig": config}),
    )
    assert first.status == 201, first.body[:300]
    retried = send(
        local_aws.aws_endpoint,
        "POST",
        "/2020-05-31/distribution",
        CF_AUTH,
        _wire_body("CreateDistribution", {"DistributionConfig": config}),
    )
    assert (retried.status, _id_of(retried.body)) == (201, _id_of(first.body))
    other = _wire_body("CreateDistribution", {"DistributionConfig": config | {"Comment": "other"}})
    reused = send(local_aws.aws_endpoint, "POST", "/2020-05-31/distribution", CF_AUTH, other)
    assert (reused.status, reused.code) == (409, "DistributionAlreadyExists"), reused.body[:300]
