"""Which bucket and key an S3 request names."""

from __future__ import annotations

from .. import moto_adapter
from ..wire import Request


def bucket_and_key(request: Request) -> tuple[str, str]:
    """``("bucket", "key")`` as moto reads them, path style (``/bucket/key``) or virtual-hosted
    (``Host: bucket.localhost``); ``("", "")`` for the service and for an access point, which
    the local AWS does not serve."""
    return moto_adapter.s3_target(request.environ) or ("", "")


def bucket_exists(bucket: str) -> bool:
    return moto_adapter.bucket_exists(bucket)


def ownership(bucket: str) -> str | None:
    found = moto_adapter.bucket(bucket)
    return found.ownership if found is not None else None
