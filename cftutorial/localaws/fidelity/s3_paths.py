"""Which bucket and key a path-style S3 request names (the local clients use path style)."""

from __future__ import annotations

from urllib.parse import unquote

from .wire import Request


def bucket_and_key(request: Request) -> tuple[str, str]:
    """``("bucket", "key")`` from ``/bucket/key``; ``("", "")`` for ``/``."""
    path = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    path = unquote(path.split("?", 1)[0])
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def bucket_exists(bucket: str) -> bool:
    from .wire import s3_backend

    return bool(bucket) and bucket in s3_backend().buckets


def ownership(bucket: str) -> str | None:
    from .wire import s3_backend

    found = s3_backend().buckets.get(bucket)
    rule = getattr(found, "ownership_rule", None)
    if isinstance(rule, dict):  # moto keeps a dict when set through PutBucketOwnershipControls
        rule = rule.get("Rule", {}).get("ObjectOwnership") or rule.get("ObjectOwnership")
    return rule
