"""Who may read a bucket's objects: object ACL grants (the guide's) and bucket policies (today's).

The guide granted READ on each object to the OAI's ``S3CanonicalUserId`` (an object ACL). Since
April 2023 new buckets disable ACLs (Object Ownership ``BucketOwnerEnforced``), so that call
fails with ``AccessControlListNotSupported`` unless the bucket was created with
``BucketOwnerPreferred`` or ``ObjectWriter``; AWS marks the ACL way "not recommended". Today one
bucket policy does it: for an OAI, the principal
``arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID``; for OAC, the service
principal ``cloudfront.amazonaws.com`` limited by ``AWS:SourceArn`` to *this* distribution, which
is why that policy can only be written once the distribution exists (notebook 04).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .. import config
from ..errors import AclNotSupportedError, PermissionsError
from . import clients

OAI_PRINCIPAL_PREFIX = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "
CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com"


@dataclass(frozen=True)
class AclOutcome:
    """What happened to one ``put_object_acl`` call, for the notebook to show."""

    bucket: str
    key: str
    ok: bool
    code: str | None = None
    message: str | None = None
    status: int | None = None


def distribution_arn(distribution_id: str, account_id: str = config.LOCAL_ACCOUNT_ID) -> str:
    return f"arn:aws:cloudfront::{account_id}:distribution/{distribution_id}"


def acl_with_read_grant(current_acl: dict[str, Any], canonical_user_id: str) -> dict[str, Any]:
    """The object's ACL plus READ for the OAI, keeping the owner's grants (put replaces all)."""
    grants = [g for g in current_acl.get("Grants", []) if _grantee_id(g) != canonical_user_id]
    grants.append(
        {"Grantee": {"Type": "CanonicalUser", "ID": canonical_user_id}, "Permission": "READ"}
    )
    return {"Owner": current_acl["Owner"], "Grants": grants}


def _grantee_id(grant: dict[str, Any]) -> str | None:
    return grant.get("Grantee", {}).get("ID")


def try_grant_read(bucket: str, key: str, canonical_user_id: str, *, s3: Any = None) -> AclOutcome:
    """The guide's ``key.add_user_grant("READ", oai.s3_user_id)``, reporting S3's answer."""
    s3 = s3 or clients.client("s3")
    try:
        current = s3.get_object_acl(Bucket=bucket, Key=key)
        s3.put_object_acl(
            Bucket=bucket,
            Key=key,
            AccessControlPolicy=acl_with_read_grant(current, canonical_user_id),
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return AclOutcome(
            bucket,
            key,
            ok=False,
            code=error.get("Code"),
            message=error.get("Message"),
            status=exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
        )
    return AclOutcome(bucket, key, ok=True)


def grant_read_to_oai(
    bucket: str, keys: Iterable[str], canonical_user_id: str, *, s3: Any = None
) -> list[AclOutcome]:
    """Grant READ on every key to the OAI; raise a clear error on a bucket without ACLs."""
    s3 = s3 or clients.client("s3")
    outcomes = [try_grant_read(bucket, key, canonical_user_id, s3=s3) for key in keys]
    for outcome in outcomes:
        if outcome.code == "AccessControlListNotSupported":
            raise AclNotSupportedError(
                f"bucket {bucket!r} does not allow ACLs (Object Ownership BucketOwnerEnforced), "
                f"so READ on {outcome.key!r} cannot be granted to the OAI; create the bucket with "
                "object_ownership='BucketOwnerPreferred' (approach='guide' in notebook 01) or use "
                "a bucket policy instead"
            )
        if not outcome.ok:
            raise PermissionsError(
                f"granting READ on s3://{bucket}/{outcome.key} failed: {outcome.code} "
                f"{outcome.message}"
            )
    return outcomes


def object_grants(bucket: str, key: str, *, s3: Any = None) -> list[dict[str, str]]:
    """The object's grants as rows (grantee, permission), to show what the ACL now says."""
    s3 = s3 or clients.client("s3")
    acl = s3.get_object_acl(Bucket=bucket, Key=key)
    return [
        {
            "Grantee": g["Grantee"].get("ID") or g["Grantee"].get("URI", "?"),
            "Permission": g["Permission"],
        }
        for g in acl.get("Grants", [])
    ]


def oai_policy(bucket: str, oai_id: str) -> dict[str, Any]:
    """Today's way for an OAI: one bucket policy statement instead of one ACL per object."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowCloudFrontOAIRead",
                "Effect": "Allow",
                "Principal": {"AWS": f"{OAI_PRINCIPAL_PREFIX}{oai_id}"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def oac_policy(bucket: str, distribution_arn_value: str) -> dict[str, Any]:
    """Today's way for OAC: the CloudFront service, but only on behalf of this distribution."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowCloudFrontServicePrincipalReadOnly",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDFRONT_SERVICE},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn_value}},
            }
        ],
    }


def put_bucket_policy(bucket: str, policy: dict[str, Any], *, s3: Any = None) -> None:
    """Write the policy (replacing any earlier one: re-running is idempotent)."""
    s3 = s3 or clients.client("s3")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def bucket_policy(bucket: str, *, s3: Any = None) -> dict[str, Any] | None:
    s3 = s3 or clients.client("s3")
    try:
        return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchBucketPolicy":
            return None
        raise


def delete_bucket_policy(bucket: str, *, s3: Any = None) -> None:
    s3 = s3 or clients.client("s3")
    s3.delete_bucket_policy(Bucket=bucket)
