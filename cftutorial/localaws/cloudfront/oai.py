"""Gap C1: the CloudFront origin access identity (OAI) API, which moto 5.2.5 lacks (404).

AWS: create/get/get-config/list/update/delete under ``/2020-05-31/origin-access-identity/cloudfront``;
an OAI has an ``Id`` like ``E2QWRUHAPOMQZL`` and a 96-hex-character ``S3CanonicalUserId``; update
and delete need ``If-Match`` (C5); deleting one that a distribution's origin still names fails with
409 ``CloudFrontOriginAccessIdentityInUse``; an unknown id is 404
``NoSuchCloudFrontOriginAccessIdentity``. The edge reads OAIs through :func:`get_oai`.
"""

from __future__ import annotations

import secrets
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace

from .. import moto_adapter
from ..wire import CloudFrontError, Request, Response, cloudfront_result, new_id
from .etags import new_etag, require_if_match

PREFIX = "/2020-05-31/origin-access-identity/cloudfront"
ORIGIN_PREFIX = "origin-access-identity/cloudfront/"
LOCATION = "https://cloudfront.amazonaws.com" + PREFIX


@dataclass(frozen=True)
class OAIRecord:
    id: str
    s3_canonical_user_id: str
    comment: str
    etag: str
    caller_reference: str


_lock = threading.Lock()
_store: dict[str, OAIRecord] = {}


def get_oai(oai_id: str) -> OAIRecord | None:
    """The OAI with this id, or None (the edge and reference checks use this)."""
    with _lock:
        return _store.get(oai_id)


def all_oais() -> list[OAIRecord]:
    with _lock:
        return list(_store.values())


def reset() -> None:
    with _lock:
        _store.clear()


def export_state() -> dict[str, OAIRecord]:
    """Every OAI, for the local AWS's snapshot (:mod:`..persistence`)."""
    with _lock:
        return dict(_store)


def import_state(records: dict[str, OAIRecord]) -> None:
    """Replace every OAI by a snapshot's (the server restores before it serves)."""
    if not all(isinstance(r, OAIRecord) and r.id == k for k, r in records.items()):
        raise TypeError("the snapshot's OAIs are not OAIRecord values keyed by their id")
    with _lock:
        _store.clear()
        _store.update(records)


def _no_such(oai_id: str) -> CloudFrontError:
    return CloudFrontError(
        "NoSuchCloudFrontOriginAccessIdentity",
        f"The specified origin access identity does not exist: {oai_id}",
    )


def _config_from(body: bytes) -> tuple[str, str]:
    """CallerReference and Comment from a ``CloudFrontOriginAccessIdentityConfig`` body."""
    if not body.strip():
        raise CloudFrontError(
            "MissingBody",
            "This operation requires a body. Ensure that the body is present and the Content-Type header is set.",
        )
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise CloudFrontError(
            "MalformedInput", "The XML document you provided was not well-formed."
        ) from None
    values = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in root}
    if "CallerReference" not in values or "Comment" not in values:
        raise CloudFrontError(
            "InvalidArgument",
            "CloudFrontOriginAccessIdentityConfig needs CallerReference and Comment.",
        )
    return values["CallerReference"], values["Comment"]


def _full(record: OAIRecord) -> dict:
    return {
        "Id": record.id,
        "S3CanonicalUserId": record.s3_canonical_user_id,
        "CloudFrontOriginAccessIdentityConfig": _config(record),
    }


def _config(record: OAIRecord) -> dict:
    return {"CallerReference": record.caller_reference, "Comment": record.comment}


def _get(oai_id: str) -> OAIRecord:
    record = get_oai(oai_id)
    if record is None:
        raise _no_such(oai_id)
    return record


def in_use_by(oai_id: str) -> list[str]:
    """Ids of the distributions whose origins name this OAI."""
    wanted = ORIGIN_PREFIX + oai_id
    return [
        dist.id
        for dist in moto_adapter.distributions()
        if any(o.oai == wanted for o in dist.origins)
    ]


def create(request: Request) -> Response:
    caller_reference, comment = _config_from(request.body)
    with _lock:
        for record in _store.values():
            if record.caller_reference == caller_reference:
                if record.comment != comment:
                    raise CloudFrontError(
                        "CloudFrontOriginAccessIdentityAlreadyExists",
                        "If the CallerReference is a value you already sent in a previous request "
                        "to create an identity but the content of the "
                        "CloudFrontOriginAccessIdentityConfig is different from the original "
                        "request, CloudFront returns this error.",
                    )
                break
        else:
            record = OAIRecord(
                id="E" + new_id(13),
                s3_canonical_user_id=secrets.token_hex(48),
                comment=comment,
                etag=new_etag(),
                caller_reference=caller_reference,
            )
            _store[record.id] = record
    return cloudfront_result(
        "CreateCloudFrontOriginAccessIdentity",
        {
            "CloudFrontOriginAccessIdentity": _full(record),
            "Location": f"{LOCATION}/{record.id}",
            "ETag": record.etag,
        },
    )


def get(request: Request, oai_id: str) -> Response:
    record = _get(oai_id)
    return cloudfront_result(
        "GetCloudFrontOriginAccessIdentity",
        {"CloudFrontOriginAccessIdentity": _full(record), "ETag": record.etag},
    )


def get_config(request: Request, oai_id: str) -> Response:
    record = _get(oai_id)
    return cloudfront_result(
        "GetCloudFrontOriginAccessIdentityConfig",
        {"CloudFrontOriginAccessIdentityConfig": _config(record), "ETag": record.etag},
    )


def list_all(request: Request) -> Response:
    with _lock:
        records = sorted(_store.values(), key=lambda r: r.id)
    marker = request.query.get("Marker", "")
    raw = request.query.get("MaxItems") or "100"
    if not raw.isdigit():
        raise CloudFrontError(
            "InvalidArgument", f"MaxItems {raw!r} is not a whole number from 0 to 100"
        )
    max_items = int(raw)
    start = next((i + 1 for i, r in enumerate(records) if r.id == marker), 0) if marker else 0
    page = records[start : start + max_items]
    truncated = start + max_items < len(records)
    listing = {
        "Marker": marker,
        "MaxItems": max_items,
        "IsTruncated": truncated,
        "Quantity": len(page),
        "Items": [
            {"Id": r.id, "S3CanonicalUserId": r.s3_canonical_user_id, "Comment": r.comment}
            for r in page
        ],
    }
    if truncated:
        listing["NextMarker"] = page[-1].id
    return cloudfront_result(
        "ListCloudFrontOriginAccessIdentities", {"CloudFrontOriginAccessIdentityList": listing}
    )


def update(request: Request, oai_id: str) -> Response:
    caller_reference, comment = _config_from(request.body)
    with _lock:
        record = _store.get(oai_id)
        if record is None:
            raise _no_such(oai_id)
        require_if_match(record.etag, request.header("If-Match"))
        if caller_reference != record.caller_reference:
            raise CloudFrontError(
                "IllegalUpdate",
                "The update contains modifications that are not allowed: CallerReference.",
            )
        record = replace(record, comment=comment, etag=new_etag())
        _store[oai_id] = record
    return cloudfront_result(
        "UpdateCloudFrontOriginAccessIdentity",
        {"CloudFrontOriginAccessIdentity": _full(record), "ETag": record.etag},
    )


def delete(request: Request, oai_id: str) -> Response:
    with _lock:
        record = _store.get(oai_id)
        if record is None:
            raise _no_such(oai_id)
        require_if_match(record.etag, request.header("If-Match"))
        users = in_use_by(oai_id)
        if users:
            raise CloudFrontError(
                "CloudFrontOriginAccessIdentityInUse",
                f"The CloudFront origin access identity is still being used by distribution(s) {', '.join(users)}.",
            )
        del _store[oai_id]
    return 204, {}, b""


#: (method, path regex, handler, operation) -- answered by the fidelity middleware.
ROUTES = [
    ("POST", rf"{PREFIX}/?", create, "CreateCloudFrontOriginAccessIdentity"),
    ("GET", rf"{PREFIX}/?", list_all, "ListCloudFrontOriginAccessIdentities"),
    ("GET", rf"{PREFIX}/(?P<oai_id>[^/]+)", get, "GetCloudFrontOriginAccessIdentity"),
    (
        "GET",
        rf"{PREFIX}/(?P<oai_id>[^/]+)/config",
        get_config,
        "GetCloudFrontOriginAccessIdentityConfig",
    ),
    ("PUT", rf"{PREFIX}/(?P<oai_id>[^/]+)/config", update, "UpdateCloudFrontOriginAccessIdentity"),
    ("DELETE", rf"{PREFIX}/(?P<oai_id>[^/]+)", delete, "DeleteCloudFrontOriginAccessIdentity"),
]
