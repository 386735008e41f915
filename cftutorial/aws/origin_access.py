"""Origin access identities (OAI, the guide's) and origin access controls (OAC, today's).

An OAI (2011-2022) is a CloudFront "user" whose ``S3CanonicalUserId`` can be named in an object
ACL. Since 24 Aug 2022 AWS recommends OAC instead and calls OAI legacy: OAC signs each origin
request with SigV4 as the CloudFront service, works with SSE-KMS, every region and PUT/POST, and
is authorised by a bucket policy naming the distribution. Lookups here are by name (OAC) or
comment (OAI), so a tutorial step can find what it made before instead of making a second one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from . import clients
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

    @classmethod
    def from_state(cls, record: dict[str, Any]) -> OriginAccess:
        return cls(record["kind"], record["id"], record["name"], record.get("s3_canonical_user_id"))


def oai_config(caller_reference: str, comment: str) -> dict[str, str]:
    """``CloudFrontOriginAccessIdentityConfig``: the CallerReference makes a retry idempotent."""
    return {"CallerReference": caller_reference, "Comment": comment}


def oac_config(name: str, description: str) -> dict[str, str]:
    """``OriginAccessControlConfig`` for an S3 origin, signing every request with SigV4."""
    return {
        "Name": name,
        "Description": description,
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }


def find_oai(comment: str, *, cf: Any = None) -> OriginAccess | None:
    """The OAI with this comment, or None."""
    cf = cf or clients.client("cloudfront")
    for page in cf.get_paginator("list_cloud_front_origin_access_identities").paginate():
        for item in page["CloudFrontOriginAccessIdentityList"].get("Items", []) or []:
            if item.get("Comment") == comment:
                return OriginAccess("oai", item["Id"], comment, item["S3CanonicalUserId"])
    return None


def oai_from_answer(answer: dict[str, Any]) -> OriginAccess:
    """An :class:`OriginAccess` from ``create_cloud_front_origin_access_identity``'s answer."""
    identity = answer["CloudFrontOriginAccessIdentity"]
    comment = identity["CloudFrontOriginAccessIdentityConfig"]["Comment"]
    return OriginAccess("oai", identity["Id"], comment, identity["S3CanonicalUserId"], created=True)


def find_oac(name: str, *, cf: Any = None) -> OriginAccess | None:
    """The OAC with this name, or None."""
    cf = cf or clients.client("cloudfront")
    listing = cf.list_origin_access_controls()["OriginAccessControlList"]
    while True:
        for item in listing.get("Items", []) or []:
            if item.get("Name") == name:
                return OriginAccess("oac", item["Id"], name)
        marker = listing.get("NextMarker")
        if not listing.get("IsTruncated") or not marker:
            return None
        listing = cf.list_origin_access_controls(Marker=marker)["OriginAccessControlList"]


def oac_from_answer(answer: dict[str, Any]) -> OriginAccess:
    """An :class:`OriginAccess` from ``create_origin_access_control``'s answer."""
    control = answer["OriginAccessControl"]
    name = control["OriginAccessControlConfig"]["Name"]
    return OriginAccess("oac", control["Id"], name, created=True)


def delete_oai(oai_id: str, *, cf: Any = None) -> bool:
    """Delete an OAI (needs its ETag). False when it was already gone."""
    cf = cf or clients.client("cloudfront")
    return delete_with_etag(
        cf.get_cloud_front_origin_access_identity,
        cf.delete_cloud_front_origin_access_identity,
        oai_id,
    )


def delete_oac(oac_id: str, *, cf: Any = None) -> bool:
    cf = cf or clients.client("cloudfront")
    return delete_with_etag(cf.get_origin_access_control, cf.delete_origin_access_control, oac_id)
