"""Gap C5: ETags rotate on every change and ``IfMatch`` must name the current one.

CloudFront makes every update and delete conditional, so two notebooks (or a stale
``get_distribution_config``) cannot overwrite each other. AWS answers a missing ``If-Match``
with 400 ``InvalidIfMatchVersion`` and a stale one with 412 ``PreconditionFailed``;
moto 5.2.5 accepts any non-empty value and never changes an ETag.
"""

from __future__ import annotations

from ..wire import CloudFrontError, new_id

MISSING_MESSAGE = "The If-Match version is missing or not valid for the resource."
STALE_MESSAGE = (
    "The precondition given in one or more of the request-header fields evaluated to false."
)


def require_if_match(current: str, given: str | None) -> None:
    """Raise the CloudFront error AWS gives when ``given`` is not the resource's ETag."""
    if not given:
        raise CloudFrontError("InvalidIfMatchVersion", MISSING_MESSAGE)
    if given != current:
        raise CloudFrontError("PreconditionFailed", STALE_MESSAGE)


def new_etag() -> str:
    """A fresh ETag in CloudFront's form (e.g. ``E2QWRUHEXAMPLE``)."""
    return new_id(14)
