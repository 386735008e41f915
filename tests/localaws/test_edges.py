"""Issue 13: the local AWS tells the truth at its edges (raw clients, the exact requests).

Each test sends the request the issue names byte for byte (``http.client``: ``requests``
re-quotes paths) and asserts what AWS answers.
"""

from __future__ import annotations

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
        {"Origin": EVIL},
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
