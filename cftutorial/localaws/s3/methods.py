"""S3's answer to a method a resource does not take, where moto 5.2.5 crashes (HTTP 500).

S3 answers ``405 MethodNotAllowed`` ("The specified method is not allowed against this
resource.", with ``Method`` and ``ResourceType``) to a method it has no operation for: any method
but GET, HEAD, PUT, POST, DELETE and OPTIONS; anything but GET (ListBuckets) and OPTIONS on the
service itself (``/``); a ``POST`` on
an object without one of the sub-resources an object POST names (``uploads``, ``uploadId``,
``restore``, ``select``), on a bucket with a sub-resource other than ``delete``; a ``PUT`` naming a
POST-only or read-only sub-resource. moto raises ``NotImplementedError`` or ``KeyError:
'DEFAULT'`` on them instead, whoever sends them.

A preflight with no ``Origin`` or no ``Access-Control-Request-Method`` is S3's ``400 BadRequest``
("Insufficient information. Origin request header needed."), and one to the service itself
(``OPTIONS /``, no bucket) its ``403 AccessForbidden`` "CORSResponse": moto crashes on both.
"""

from __future__ import annotations

from ..wire import Request, Response
from .cors import NOT_ALLOWED
from .errors import s3_error
from .paths import bucket_and_key

S3_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"})
OBJECT_POST = frozenset({"uploads", "uploadId", "restore", "select"})
#: Bucket sub-resources; of them a bucket ``POST`` takes only ``delete`` (DeleteObjects).
BUCKET_SUBRESOURCES = frozenset(
    {
        "acl", "accelerate", "analytics", "cors", "delete", "encryption", "intelligent-tiering",
        "inventory", "lifecycle", "location", "logging", "metrics", "notification",
        "object-lock", "ownershipControls", "policy", "policyStatus", "publicAccessBlock",
        "replication", "requestPayment", "tagging", "uploads", "versioning", "versions", "website",
    }
)  # fmt: skip
#: Sub-resources no ``PUT`` names (they are POST-only or read-only).
NOT_PUT = frozenset({"delete", "uploads", "restore", "select", "location", "versions"})
NOT_ALLOWED_MESSAGE = "The specified method is not allowed against this resource."
NO_ORIGIN = "Insufficient information. Origin request header needed."


def _not_allowed(request: Request, resource: str) -> Response:
    status, headers, body = s3_error(
        "MethodNotAllowed", NOT_ALLOWED_MESSAGE, 405, Method=request.method, ResourceType=resource
    )
    return status, headers, b"" if request.method == "HEAD" else body


def check(request: Request) -> Response | None:
    """405/400/403 for what S3 has no operation for; ``None`` to go on."""
    bucket, key = bucket_and_key(request)
    resource = "OBJECT" if key else "BUCKET" if bucket else "SERVICE"
    method, query = request.method, set(request.query)
    if method not in S3_METHODS:
        return _not_allowed(request, resource)
    if not bucket and method in ("HEAD", "PUT", "POST", "DELETE"):  # the service: GET only
        return _not_allowed(request, resource)
    if method == "POST" and key and not OBJECT_POST & query:
        return _not_allowed(request, resource)
    if method == "POST" and not key and query & BUCKET_SUBRESOURCES - {"delete"}:
        return _not_allowed(request, resource)
    if method == "PUT" and query & NOT_PUT:
        return _not_allowed(request, resource)
    if request.method == "OPTIONS":
        if not request.header("Origin") or not request.header("Access-Control-Request-Method"):
            return s3_error("BadRequest", NO_ORIGIN, 400)
        if not bucket:
            return s3_error(
                "AccessForbidden",
                f"CORSResponse: {NOT_ALLOWED}",
                403,
                Method=request.header("Access-Control-Request-Method") or "",
                ResourceType="SERVICE",
            )
    return None
