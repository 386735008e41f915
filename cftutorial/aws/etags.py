"""CloudFront's optimistic locking: every change or deletion names the ETag it last read.

Deleting a key group, public key, OAI or OAC is always the same two calls — read the resource
for its ETag, delete with ``IfMatch=ETag`` — and "already gone" is not an error for cleanup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from .missing import is_missing


def delete_with_etag(
    get: Callable[..., dict[str, Any]],
    delete: Callable[..., Any],
    resource_id: str,
) -> bool:
    """``delete(Id=…, IfMatch=ETag from get(Id=…))``; False when the resource no longer exists."""
    try:
        etag = get(Id=resource_id)["ETag"]
        delete(Id=resource_id, IfMatch=etag)
    except ClientError as exc:
        if is_missing(exc):
            return False
        raise
    return True
