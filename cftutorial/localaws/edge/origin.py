"""Steps 5-6 of the edge: read the S3 origin as the distribution would, and serve the object
(or answer an allowed ``OPTIONS`` preflight as S3 would, :func:`preflight`).

The signing parameters never reach the origin: the S3 key comes from the canonical path alone
(plus the origin path). S3 judges the distribution as it would on AWS (:mod:`..s3.access`): as the
origin's OAI, as the CloudFront service principal with the distribution's ARN (OAC), or as an
anonymous caller.
"""

from __future__ import annotations

import io
import re
from typing import Any

from werkzeug.datastructures import Range
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import parse_range_header
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from ...errors import UnsupportedPolicyError
from .. import moto_adapter, uri
from ..cloudfront.oai import get_oai
from ..moto_adapter import Distribution, Origin, StoredObject
from ..s3 import access, cors
from .behaviours import forwards_origin
from .responses import ORIGIN_TEXT, TITLE, cors_headers, edge_headers, html_error, s3_error
from .view import Outcome, View

#: S3 origin domains: BUCKET.s3.amazonaws.com, BUCKET.s3.REGION.amazonaws.com,
#: BUCKET.s3-REGION.amazonaws.com (and the dualstack form).
S3_ORIGIN = re.compile(
    r"^(?P<bucket>.+?)\.s3(?:[.-](?!website)(?:dualstack\.)?(?P<region>[a-z0-9-]+))?"
    r"\.amazonaws\.com$",
    re.IGNORECASE,
)
#: How much of an object a viewer's answer holds in memory at once.
CHUNK = 64 * 1024
RELAYED_METADATA = (
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Expires",
)


def s3_bucket_of(domain: str) -> str | None:
    """The bucket an S3 REST origin domain names (``None`` for website and custom origins)."""
    match = S3_ORIGIN.match(domain or "")
    return match.group("bucket") if match else None


def origin_of(dist: Distribution, behaviour: moto_adapter.Behaviour) -> Origin | None:
    for origin in dist.origins:
        if origin.id == behaviour.target_origin_id:
            return origin
    return None


def origin_principal(dist: Distribution, origin: Origin) -> tuple[Any, str]:
    """Who S3 sees reading for this origin (OAC, OAI or nobody), and a short description."""
    if origin.oac_id:
        return access.CloudFrontService(dist.arn), f"OAC {origin.oac_id}"
    if origin.oai:
        oai_id = origin.oai.rsplit("/", 1)[-1]
        record = get_oai(oai_id)
        if record is None:
            return None, f"OAI {oai_id} does not exist"
        return access.OriginAccessIdentity(oai_id, record.s3_canonical_user_id), f"OAI {oai_id}"
    return access.Anonymous(), "no OAI or OAC (anonymous)"


def s3_key(origin: Origin, path: str, dist: Distribution) -> str:
    """The S3 key the edge reads: origin path + the canonical viewer path, decoded by
    :func:`..uri.key_of` (the same string the behaviour and the policy were matched on)."""
    if path == "/" and dist.default_root_object:
        path = "/" + dist.default_root_object
    prefix = origin.origin_path.rstrip("/")
    return uri.key_of(prefix + path)


def _s3_decision(bucket: str, key: str, principal: Any, who: str) -> access.AccessDecision:
    if principal is None:
        return access.AccessDecision(False, who, "AccessDenied")
    try:
        return access.can_get_object(bucket, key, principal)
    except UnsupportedPolicyError as exc:  # fail closed, and say why in the decision log
        return access.AccessDecision(False, str(exc), "AccessDenied")


def from_origin(view: View, signed: str) -> Outcome:
    """Ask S3 as the distribution (OAC, OAI or anonymous); relay a refusal as S3 wrote it."""
    origin = origin_of(view.dist, view.behaviour)
    bucket = s3_bucket_of(origin.domain_name) if origin is not None else None
    if origin is None or bucket is None:
        name = origin.domain_name if origin is not None else view.behaviour.target_origin_id
        return view.outcome(
            html_error(502, TITLE, ORIGIN_TEXT, view.request_id),
            "OriginNotS3",
            f"{signed}origin {name!r} is not an S3 REST endpoint; the local edge reads only S3",
        )
    key = s3_key(origin, view.url.path, view.dist)
    principal, who = origin_principal(view.dist, origin)
    decision = _s3_decision(bucket, key, principal, who)
    reason = f"{signed}S3 s3://{bucket}/{key} as {who}: {decision.reason}"
    if decision.allowed:
        return _serve(view, bucket, key, reason)
    extra = {"NoSuchKey": {"Key": key}, "NoSuchBucket": {"BucketName": bucket}}
    code = decision.code or "AccessDenied"
    return view.outcome(
        s3_error(code, view.request_id, decision.status, **extra.get(code, {})), code, reason
    )


def _object_response(obj: StoredObject, request_id: str, environ: dict) -> Response:
    """The object as S3 sends it (headers from its metadata), with CloudFront's headers added.

    The bytes are streamed from the stored object in :data:`CHUNK` pieces (werkzeug seeks the
    stream for a range), so a viewer costs one chunk of memory, not a copy of the object.
    """
    metadata = obj.metadata
    by_name = {name.lower(): value for name, value in metadata.items()}  # names are any case
    stream = obj.reader() if obj.reader is not None else io.BytesIO(b"")
    response = Response(
        wrap_file(environ, stream, buffer_size=CHUNK),
        content_type=by_name.get("content-type") or "binary/octet-stream",
        direct_passthrough=True,
    )
    response.content_length = obj.size
    response.headers["ETag"] = obj.etag
    response.headers["Last-Modified"] = obj.last_modified
    for name in RELAYED_METADATA:
        if by_name.get(name.lower()):
            response.headers[name] = by_name[name.lower()]
    for name, value in metadata.items():
        if name.lower().startswith("x-amz-meta-"):
            response.headers[name] = value
    response.headers["Server"] = "AmazonS3"
    response.headers.update(edge_headers(request_id, "Miss"))
    return response


def _serve(view: View, bucket: str, key: str, reason: str) -> Outcome:
    obj = moto_adapter.stored_object(bucket, key)
    if obj is None:  # deleted between the decision and now
        return view.outcome(
            s3_error("NoSuchKey", view.request_id, 404, Key=key),
            "NoSuchKey",
            reason + "; the object disappeared",
        )
    response = _object_response(obj, view.request_id, view.request.environ)
    length = obj.size
    try:
        response.make_conditional(
            _range_environ(view.request.environ), accept_ranges=True, complete_length=length
        )
    except RequestedRangeNotSatisfiable:
        error = s3_error(
            "InvalidRange",
            view.request_id,
            416,
            RangeRequested=view.request.headers.get("Range", ""),
            ActualObjectSize=str(length),
        )
        error.headers["Content-Range"] = f"bytes */{length}"
        return view.outcome(error, "InvalidRange", reason + "; range not satisfiable")
    response.headers.update(_cors(view, bucket))
    detail = {206: f"; bytes {response.headers.get('Content-Range')}", 304: "; not modified"}
    return view.outcome(response, None, reason + detail.get(response.status_code, ""))


def _cors(view: View, bucket: str) -> dict[str, str]:
    """S3's CORS answer when the behaviour forwards ``Origin`` and the bucket has CORS rules
    (what a credentialed cross-origin player needs), else the edge's own CORS setting."""
    found = moto_adapter.bucket(bucket) if forwards_origin(view.behaviour) else None
    if found is not None and found.cors:
        origin = view.request.headers.get("Origin")
        return cors.headers(found.cors, origin, view.request.method)
    return cors_headers(view.request)


def preflight(view: View, signed: str) -> Outcome:
    """An ``OPTIONS`` the behaviour allows, past its signature check: S3's preflight answer from
    the bucket's CORS rules when the behaviour forwards ``Origin`` and the bucket has rules,
    else the edge's own CORS setting (``CFTUTORIAL_EDGE_CORS_ORIGINS``, a local stand-in for a
    response headers policy)."""
    origin = origin_of(view.dist, view.behaviour)
    bucket = s3_bucket_of(origin.domain_name) if origin is not None else None
    found = moto_adapter.bucket(bucket) if bucket and forwards_origin(view.behaviour) else None
    request = view.request
    if found is not None and found.cors:
        allowed, message = cors.preflight(
            found.cors,
            request.headers.get("Origin", ""),
            request.headers.get("Access-Control-Request-Method", ""),
            request.headers.get("Access-Control-Request-Headers"),
        )
        if allowed is None:
            method = request.headers.get("Access-Control-Request-Method", "")
            error = s3_error(
                "AccessForbidden",
                view.request_id,
                403,
                f"CORSResponse: {message}",
                Method=method,
                ResourceType="OBJECT",
            )
            return view.outcome(
                error,
                "AccessForbidden",
                f"{signed}S3 refused the preflight on s3://{bucket}: {message}",
            )
        response = Response(status=200)
        response.headers.update(
            allowed | {"Server": "AmazonS3"} | edge_headers(view.request_id, "Miss")
        )
        return view.outcome(response, None, f"{signed}preflight answered by S3's CORS rules")
    response = Response(status=200)
    response.headers.update(
        {"Server": "CloudFront"}
        | cors_headers(request, preflight=True)
        | edge_headers(view.request_id, "Miss")
    )
    return view.outcome(response, None, f"{signed}preflight answered by the edge's CORS setting")


def _range_environ(environ: dict) -> dict:
    """The environ S3 would act on: a malformed, multi-part or non-``bytes`` ``Range`` is
    ignored (200 whole; RFC 9110 section 14.2: a server ignores a range unit it does not know)."""
    header = environ.get("HTTP_RANGE")
    if not header:
        return environ
    parsed: Range | None = parse_range_header(header)
    if parsed is not None and parsed.units == "bytes" and len(parsed.ranges) == 1:
        return environ
    return {k: v for k, v in environ.items() if k != "HTTP_RANGE"}
