"""Which bucket and key a path-style S3 request names (the local clients use path style)."""

from __future__ import annotations

from .. import moto_adapter, uri
from ..wire import Request


def bucket_and_key(request: Request) -> tuple[str, str]:
    """``("bucket", "key")`` from ``/bucket/key``; ``("", "")`` for ``/``."""
    path = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    path = uri.s3_request_path(path.split("?", 1)[0])
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def bucket_exists(bucket: str) -> bool:
    return moto_adapter.bucket_exists(bucket)


def ownership(bucket: str) -> str | None:
    found = moto_adapter.bucket(bucket)
    return found.ownership if found is not None else None
