"""Step 2: the identity CloudFront uses to read the private bucket.

The guide created an *Origin Access Identity* (OAI, 2011-2022): a special CloudFront "user"
whose ``S3CanonicalUserId`` can be named in an object ACL. Since 24 Aug 2022 AWS recommends
*Origin Access Control* (OAC) instead, and calls OAI legacy: OAC signs each origin request with
SigV4 as the CloudFront service, works with SSE-KMS, with every region and with PUT/POST, and
is authorised by a bucket policy naming the distribution. Both are found-or-created here, so
re-running notebook 02 never makes a second one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from . import clients
from .errors import OriginAccessError
from .etags import delete_with_etag

OAI_ORIGIN_PREFIX = "origin-access-identity/cloudfront/"


@dataclass(frozen=True)
class OriginAccess:
    kind: Literal["oai", "oac"]
    id: str
    name: str  # OAI: its comment; OAC: its name
    s3_canonical_user_id: str | None = None  # OAI only: the grantee for object ACLs
    created: bool = field(default=False, compare=False)

    @property
    def origin_access_identity(self) -> str:
        """The value for ``S3OriginConfig.OriginAccessIdentity`` ('' for OAC)."""
        return f"{OAI_ORIGIN_PREFIX}{self.id}" if self.kind == "oai" else ""

    @property
    def origin_access_control_id(self) -> str:
        """The value for the origin's ``OriginAccessControlId`` ('' for OAI)."""
        return self.id if self.kind == "oac" else ""

    def to_state(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "s3_canonical_user_id": self.s3_canonical_user_id,
        }


def oai_comment(run_name: str) -> str:
    return f"cftutorial {run_name}: identity for private videos"


def oac_name(run_name: str) -> str:
    return f"cftutorial-{run_name}"


def oai_config(run_name: str) -> dict[str, str]:
    """What ``create_cloud_front_origin_access_identity`` takes: CallerReference makes it idempotent."""
    return {"CallerReference": f"cftutorial-{run_name}-oai", "Comment": oai_comment(run_name)}


def oac_config(run_name: str) -> dict[str, str]:
    return {
        "Name": oac_name(run_name),
        "Description": f"cftutorial {run_name}: CloudFront signs origin requests to S3",
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }


def find_oai(run_name: str, *, cf: Any = None) -> OriginAccess | None:
    cf = cf or clients.client("cloudfront")
    comment = oai_comment(run_name)
    for page in cf.get_paginator("list_cloud_front_origin_access_identities").paginate():
        for item in page["CloudFrontOriginAccessIdentityList"].get("Items", []) or []:
            if item.get("Comment") == comment:
                return OriginAccess("oai", item["Id"], comment, item["S3CanonicalUserId"])
    return None


def create_or_find_oai(run_name: str, *, cf: Any = None) -> OriginAccess:
    """The guide's Origin Access Identity for this run (created once)."""
    cf = cf or clients.client("cloudfront")
    found = find_oai(run_name, cf=cf)
    if found:
        return found
    answer = cf.create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig=oai_config(run_name)
    )["CloudFrontOriginAccessIdentity"]
    return OriginAccess(
        "oai", answer["Id"], oai_comment(run_name), answer["S3CanonicalUserId"], created=True
    )


def find_oac(run_name: str, *, cf: Any = None) -> OriginAccess | None:
    cf = cf or clients.client("cloudfront")
    name = oac_name(run_name)
    listing = cf.list_origin_access_controls()["OriginAccessControlList"]
    while True:
        for item in listing.get("Items", []) or []:
            if item.get("Name") == name:
                return OriginAccess("oac", item["Id"], name)
        marker = listing.get("NextMarker")
        if not listing.get("IsTruncated") or not marker:
            return None
        listing = cf.list_origin_access_controls(Marker=marker)["OriginAccessControlList"]


def create_or_find_oac(run_name: str, *, cf: Any = None) -> OriginAccess:
    """Today's Origin Access Control for this run (created once)."""
    cf = cf or clients.client("cloudfront")
    found = find_oac(run_name, cf=cf)
    if found:
        return found
    answer = cf.create_origin_access_control(OriginAccessControlConfig=oac_config(run_name))
    return OriginAccess(
        "oac", answer["OriginAccessControl"]["Id"], oac_name(run_name), created=True
    )


def ensure(run_name: str, approach: str, *, cf: Any = None) -> OriginAccess:
    """OAI for the guide's approach, OAC for the modern one."""
    if approach == "guide":
        return create_or_find_oai(run_name, cf=cf)
    if approach == "modern":
        return create_or_find_oac(run_name, cf=cf)
    raise OriginAccessError(f"approach={approach!r} is not known; use 'modern' or 'guide'")


def from_state(record: dict[str, Any]) -> OriginAccess:
    return OriginAccess(
        record["kind"], record["id"], record["name"], record.get("s3_canonical_user_id")
    )


def delete_oai(oai_id: str, *, cf: Any = None) -> bool:
    """Delete an OAI (needs its ETag). False when it was already gone."""
    cf = cf or clients.client("cloudfront")
    return delete_with_etag(
        cf.get_cloud_front_origin_access_identity,
        cf.delete_cloud_front_origin_access_identity,
        oai_id,
        ("NoSuchCloudFrontOriginAccessIdentity",),
    )


def delete_oac(oac_id: str, *, cf: Any = None) -> bool:
    cf = cf or clients.client("cloudfront")
    return delete_with_etag(
        cf.get_origin_access_control,
        cf.delete_origin_access_control,
        oac_id,
        ("NoSuchOriginAccessControl",),
    )


def step(*, run_name: str, approach: str = "modern") -> OriginAccess:
    """Notebook 02: find or create the OAI (guide) or OAC (modern) and save it for later steps."""
    from . import state

    state.check_run_name(run_name)
    access = ensure(run_name, approach)
    state.update(run_name, origin_access=access.to_state())
    return access
