"""Gaps S2 and S3: ACLs on S3 behave as on AWS.

S2 -- on a bucket whose Object Ownership is ``BucketOwnerEnforced`` (the default since 2023) AWS
refuses every request that sets an ACL (PutBucketAcl, PutObjectAcl, PutObject/CopyObject with an
``x-amz-acl`` other than ``bucket-owner-full-control`` or any ``x-amz-grant-*`` header) with
400 ``AccessControlListNotSupported`` "The bucket does not allow ACLs". Reading ACLs still works.
moto 5.2.5 accepts them.

Also Block Public Access ``BlockPublicAcls`` (on by default, S1): on a bucket with ACLs enabled,
a request that sets a *public* ACL (AllUsers / AuthenticatedUsers, ``public-read`` …) is 403
``AccessDenied``.

S3 -- ``PutObjectAcl`` with an ``AccessControlPolicy`` body stores exactly the grants in the body
(the guide's way of granting READ to an OAI's canonical user); moto 5.2.5 ignores the body and
copies the bucket ACL instead.
"""

from __future__ import annotations

from .. import moto_adapter
from ..wire import Request, Response
from .errors import s3_error
from .paths import bucket_and_key, ownership

OWNER_ONLY_ACL = "bucket-owner-full-control"
PUBLIC_CANNED = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GROUPS = (
    "acs.amazonaws.com/groups/global/AllUsers",
    "acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _is_public_acl(request: Request) -> bool:
    if (request.header("x-amz-acl") or "") in PUBLIC_CANNED:
        return True
    grants = " ".join(v for k, v in request.environ.items() if k.startswith("HTTP_X_AMZ_GRANT_"))
    body = request.body.decode("utf-8", "replace") if "acl" in request.query else ""
    return any(group in grants or group in body for group in PUBLIC_GROUPS)


def _blocks_public_acls(bucket: str) -> bool:
    found = moto_adapter.bucket(bucket)
    return bool(found is not None and found.block.block_public_acls)


def _sets_acl(request: Request, key: str) -> bool:
    if request.method != "PUT":
        return False
    if "acl" in request.query:
        canned = request.header("x-amz-acl")
        grants = any(k.startswith("HTTP_X_AMZ_GRANT_") for k in request.environ)
        return bool(
            grants or request.body.strip() or (canned and canned != OWNER_ONLY_ACL) or not canned
        )
    if key and not request.query:
        canned = request.header("x-amz-acl")
        grants = any(k.startswith("HTTP_X_AMZ_GRANT_") for k in request.environ)
        return bool(grants or (canned and canned != OWNER_ONLY_ACL))
    return False


MALFORMED_ACL = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)


def _malformed_body(request: Request) -> Response | None:
    """400 ``MalformedACLError`` for an ACL body that is not XML (moto answers 500)."""
    body = request.body.strip() if "acl" in request.query else b""
    if not body:
        return None
    import xml.etree.ElementTree as ElementTree

    try:
        ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return s3_error("MalformedACLError", MALFORMED_ACL, 400)
    return None


def check(request: Request) -> Response | None:
    """An ``AccessControlListNotSupported`` answer when the request sets an ACL it may not."""
    bucket, key = bucket_and_key(request)
    if not bucket or not _sets_acl(request, key):
        return None
    if ownership(bucket) != "BucketOwnerEnforced":
        if _blocks_public_acls(bucket) and _is_public_acl(request):
            return s3_error("AccessDenied", "Access Denied", 403)
        return _malformed_body(request)
    return s3_error(
        "AccessControlListNotSupported",
        "The bucket does not allow ACLs",
        400,
    )


def make(original):
    def put_object_acl(self):
        if moto_adapter.store_acl_from_body(self):
            return 200, {}, ""
        return original(self)

    return put_object_acl


PATCHES = (
    moto_adapter.Patch("s3.responses", "S3Response", "put_object_acl", ("self",), "S3", make),
)
