"""Gaps S4, S5, S6: what S3 answers a request that carries no credentials at all.

AWS evaluates an anonymous request against the bucket policy (principal ``*`` only; an OAI or
``cloudfront.amazonaws.com`` principal is *not* anonymous), the object ACL (AllUsers) and Block
Public Access, and denies with 403 and the ``<Error><Code>AccessDenied</Code>`` XML body:
S4 a private object's GET/HEAD, S5 an object readable only by an OAI / CloudFront (OAC),
S6 PUT, DELETE, POST and ListBucket on a private bucket. moto 5.2.5 answers an empty 403 body,
lets anyone read whatever a policy allows to *someone*, and accepts anonymous writes.

The read decision for GET/HEAD comes from :mod:`.access`, the same code
the local edge uses for the OAI/OAC principal, so both sides agree.
"""

from __future__ import annotations

import logging

from ...errors import CftutorialError
from ..wire import Request, Response
from . import access
from .errors import access_denied
from .paths import bucket_and_key, bucket_exists

log = logging.getLogger("cftutorial.localaws.fidelity")

READ_METHODS = ("GET", "HEAD")
#: Object sub-resources an anonymous reader may still use with GET (none of them need ACLs).
READ_QUERY = {"versionId", "partNumber"}


def _is_plain_read(request: Request, key: str) -> bool:
    extra = {k for k in request.query if not k.startswith("response-")} - READ_QUERY
    return bool(key) and request.method in READ_METHODS and not extra


def _can_read(bucket: str, key: str) -> bool:
    try:
        decision = access.can_get_object(bucket, key, access.Anonymous())
    except CftutorialError as error:  # e.g. UnsupportedPolicyError: deny, never an HTTP 500
        log.warning("anonymous read of s3://%s/%s denied: %s", bucket, key, error)
        return False
    return bool(decision.allowed)


def check(request: Request) -> Response | None:
    """403 AccessDenied for an anonymous request S3 would refuse; None to let moto answer."""
    if request.method == "OPTIONS":
        return None  # CORS preflight carries no credentials on AWS either
    bucket, key = bucket_and_key(request)
    if bucket and not bucket_exists(bucket):
        return None  # AWS says NoSuchBucket to anyone
    if _is_plain_read(request, key) and _can_read(bucket, key):
        return None
    status, headers, body = access_denied()
    return (status, headers, b"") if request.method == "HEAD" else (status, headers, body)
