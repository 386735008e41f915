"""The local AWS answers S3 requests as AWS does (gaps S1-S8 of local-aws-fidelity.md)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from cftutorial.aws.clients import client, local_session

FULL_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


@pytest.fixture(scope="module")
def s3(local_aws):
    return client("s3")


@pytest.fixture
def bucket(s3) -> str:
    name = f"fidelity-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="private/video.mp4", Body=b"secret bytes")
    return name


def url_of(local_aws, bucket: str, key: str = "") -> str:
    return f"{local_aws.aws_endpoint}/{bucket}/{key}"


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def assert_access_denied_xml(reply: requests.Response) -> None:
    assert reply.status_code == 403, reply.text
    assert reply.headers["Content-Type"].startswith("application/xml")
    assert "<Code>AccessDenied</Code><Message>Access Denied</Message>" in reply.text
    assert "<RequestId>" in reply.text and "<HostId>" in reply.text


def policy(bucket: str, principal, condition=None) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


# S1 -------------------------------------------------------------------------------------------


def test_new_bucket_has_acls_disabled_and_all_public_access_blocked(s3, bucket):
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == FULL_BLOCK


def test_bucket_created_with_object_ownership_keeps_it(s3):
    name = f"fidelity-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerPreferred")
    rules = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerPreferred"}]
    assert s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"] == FULL_BLOCK


# S2 -------------------------------------------------------------------------------------------


def test_object_acl_on_a_bucket_owner_enforced_bucket_is_access_control_list_not_supported(
    s3, bucket
):
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_acl(Bucket=bucket, Key="private/video.mp4", ACL="public-read")
    assert error_of(excinfo) == ("AccessControlListNotSupported", 400)
    assert excinfo.value.response["Error"]["Message"] == "The bucket does not allow ACLs"


def test_put_object_and_bucket_acl_with_an_acl_are_refused_when_acls_are_disabled(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="public.txt", Body=b"x", ACL="public-read")
    assert error_of(excinfo) == ("AccessControlListNotSupported", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert error_of(excinfo) == ("AccessControlListNotSupported", 400)
    s3.put_object(Bucket=bucket, Key="owner.txt", Body=b"x", ACL="bucket-owner-full-control")
    grants = s3.get_object_acl(Bucket=bucket, Key="owner.txt")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]


# S3 -------------------------------------------------------------------------------------------


def test_put_object_acl_with_an_access_control_policy_stores_its_grants(s3):
    name = f"fidelity-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerPreferred")
    s3.put_object(Bucket=name, Key="video.mp4", Body=b"v")
    current = s3.get_object_acl(Bucket=name, Key="video.mp4")
    reader = "a" * 96
    grants = [
        {
            "Grantee": {"Type": "CanonicalUser", "ID": current["Owner"]["ID"]},
            "Permission": "FULL_CONTROL",
        },
        {"Grantee": {"Type": "CanonicalUser", "ID": reader}, "Permission": "READ"},
    ]
    s3.put_object_acl(
        Bucket=name,
        Key="video.mp4",
        AccessControlPolicy={"Owner": current["Owner"], "Grants": grants},
    )
    stored = s3.get_object_acl(Bucket=name, Key="video.mp4")["Grants"]
    assert {(g["Grantee"].get("ID"), g["Permission"]) for g in stored} == {
        (current["Owner"]["ID"], "FULL_CONTROL"),
        (reader, "READ"),
    }


def test_put_object_acl_with_grant_read_stores_the_grant(s3):
    name = f"fidelity-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.put_object(Bucket=name, Key="video.mp4", Body=b"v")
    reader = "b" * 96
    s3.put_object_acl(Bucket=name, Key="video.mp4", GrantRead=f'id="{reader}"')
    stored = s3.get_object_acl(Bucket=name, Key="video.mp4")["Grants"]
    assert (reader, "READ") in {(g["Grantee"].get("ID"), g["Permission"]) for g in stored}


# S4 -------------------------------------------------------------------------------------------


def test_anonymous_get_of_a_private_object_is_access_denied_with_an_xml_body(local_aws, bucket):
    reply = requests.get(url_of(local_aws, bucket, "private/video.mp4"), timeout=10)
    assert_access_denied_xml(reply)
    head = requests.head(url_of(local_aws, bucket, "private/video.mp4"), timeout=10)
    assert head.status_code == 403


def test_authenticated_get_of_the_same_object_still_works(s3, bucket):
    assert s3.get_object(Bucket=bucket, Key="private/video.mp4")["Body"].read() == b"secret bytes"


# S5 -------------------------------------------------------------------------------------------


def test_policy_for_an_oai_does_not_let_anonymous_users_read(local_aws, s3, bucket):
    config = {"CallerReference": uuid.uuid4().hex, "Comment": ""}
    oai = client("cloudfront").create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig=config
    )["CloudFrontOriginAccessIdentity"]
    principal = {
        "AWS": f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {oai['Id']}"
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(bucket, principal))
    assert_access_denied_xml(
        requests.get(url_of(local_aws, bucket, "private/video.mp4"), timeout=10)
    )


def test_policy_for_the_cloudfront_service_does_not_let_anonymous_users_read(local_aws, s3, bucket):
    condition = {
        "StringEquals": {
            "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
        }
    }
    s3.put_bucket_policy(
        Bucket=bucket, Policy=policy(bucket, {"Service": "cloudfront.amazonaws.com"}, condition)
    )
    assert_access_denied_xml(
        requests.get(url_of(local_aws, bucket, "private/video.mp4"), timeout=10)
    )


def test_public_policy_without_block_public_access_lets_anonymous_users_read(local_aws, s3, bucket):
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(bucket, "*"))
    reply = requests.get(url_of(local_aws, bucket, "private/video.mp4"), timeout=10)
    assert reply.status_code == 200 and reply.content == b"secret bytes"


# S6 -------------------------------------------------------------------------------------------


def test_anonymous_put_list_and_delete_on_a_private_bucket_are_access_denied(local_aws, s3, bucket):
    assert_access_denied_xml(
        requests.put(url_of(local_aws, bucket, "new.txt"), data=b"x", timeout=10)
    )
    assert_access_denied_xml(requests.get(url_of(local_aws, bucket), timeout=10))
    assert_access_denied_xml(
        requests.delete(url_of(local_aws, bucket, "private/video.mp4"), timeout=10)
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["private/video.mp4"]


# S7 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        "this is not json",
        '{"Version": "2012-10-17"}',
        '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::B/*"}]}',
        '{"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::B/*"}]}',
        '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other-bucket/*"}]}',
    ],
    ids=["not-json", "no-statement", "no-principal", "bad-effect", "other-bucket"],
)
def test_invalid_bucket_policy_is_rejected_with_malformed_policy(local_aws, s3, bucket, document):
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_policy(Bucket=bucket, Policy=document.replace(":::B/", f":::{bucket}/"))
    assert error_of(excinfo) == ("MalformedPolicy", 400)
    assert s3.get_object(Bucket=bucket, Key="private/video.mp4")["Body"].read() == b"secret bytes"
    assert (
        requests.get(url_of(local_aws, bucket, "private/video.mp4"), timeout=10).status_code == 403
    )


def test_public_policy_is_refused_while_block_public_policy_is_on(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy(bucket, "*"))
    assert error_of(excinfo) == ("AccessDenied", 403)


# S8 -------------------------------------------------------------------------------------------


@pytest.fixture(params=["s3v4", "s3"], ids=["sigv4", "sigv2"])
def signer(request, local_aws):
    """An S3 client that presigns with SigV4 (``X-Amz-Signature``) or SigV2 (``Signature``)."""
    return local_session().client(
        "s3",
        endpoint_url=local_aws.aws_endpoint,
        config=Config(signature_version=request.param, s3={"addressing_style": "path"}),
    )


def presign(s3, bucket: str, key: str = "private/video.mp4", expires: int = 60) -> str:
    return s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
    )


def test_presigned_url_within_its_lifetime_is_served(signer, bucket):
    url = presign(signer, bucket)
    marker = "X-Amz-Signature=" if signer.meta.config.signature_version == "s3v4" else "Signature="
    assert marker in url
    reply = requests.get(url, timeout=10)
    assert reply.status_code == 200 and reply.content == b"secret bytes"


def test_presigned_url_for_another_key_is_signature_does_not_match(s3, signer, bucket):
    s3.put_object(Bucket=bucket, Key="private/other.mp4", Body=b"other")
    url = presign(signer, bucket).replace("private/video.mp4", "private/other.mp4")
    reply = requests.get(url, timeout=10)
    assert reply.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in reply.text


def test_sigv4_presigned_url_with_an_added_parameter_is_signature_does_not_match(local_aws, bucket):
    sigv4 = local_session().client(
        "s3",
        endpoint_url=local_aws.aws_endpoint,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    extended = requests.get(presign(sigv4, bucket) + "&extra=1", timeout=10)
    assert extended.status_code == 403 and "SignatureDoesNotMatch" in extended.text


def test_expired_presigned_url_is_access_denied_request_has_expired(signer, bucket):
    url = presign(signer, bucket, expires=1)
    time.sleep(2.1)
    reply = requests.get(url, timeout=10)
    assert reply.status_code == 403
    assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in reply.text


def test_public_acl_is_access_denied_while_block_public_acls_is_on(s3):
    name = f"fidelity-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerPreferred")
    s3.put_object(Bucket=name, Key="video.mp4", Body=b"v")
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_acl(Bucket=name, Key="video.mp4", ACL="public-read")
    assert error_of(excinfo) == ("AccessDenied", 403)


def test_valid_single_statement_policy_is_stored_and_requests_never_fail_with_500(
    local_aws, s3, bucket
):
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Sid": "OacOnly",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{bucket}/*"],
            "Condition": {
                "ArnLike": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*"}
            },
        },
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == document
    assert s3.get_object(Bucket=bucket, Key="private/video.mp4")["Body"].read() == b"secret bytes"
    assert_access_denied_xml(
        requests.get(url_of(local_aws, bucket, "private/video.mp4"), timeout=10)
    )


def test_oai_canonical_user_principal_is_stored_in_its_arn_form(s3, bucket):
    cf = client("cloudfront")
    oai = cf.create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig={"CallerReference": uuid.uuid4().hex, "Comment": "s7"}
    )["CloudFrontOriginAccessIdentity"]
    s3.put_bucket_policy(
        Bucket=bucket, Policy=policy(bucket, {"CanonicalUser": oai["S3CanonicalUserId"]})
    )
    stored = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert stored["Statement"][0]["Principal"] == {
        "AWS": f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {oai['Id']}"
    }


def test_policy_naming_an_unknown_oai_is_malformed_policy_invalid_principal(s3, bucket):
    principal = {
        "AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ENOSUCHOAI0000"
    }
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy(bucket, principal))
    assert error_of(excinfo) == ("MalformedPolicy", 400)
    assert excinfo.value.response["Error"]["Message"] == "Invalid principal in policy"
