"""THE S3 error renderer: S3's flat ``<Error>`` body with its request ids.

Used by the AWS port's S3 rules (as a ``(status, headers, body)`` answer) and by the local edge,
which relays S3's refusals as S3 wrote them (``Server: AmazonS3`` plus CloudFront's headers).
"""

from __future__ import annotations

import base64
import secrets
from xml.sax.saxutils import escape

from ..wire import Response, request_id

#: S3's own messages for the codes the edge relays without a message of its own.
MESSAGES = {
    "AccessDenied": "Access Denied",
    "NoSuchKey": "The specified key does not exist.",
    "NoSuchBucket": "The specified bucket does not exist",
    "InvalidRange": "The requested range is not satisfiable",
}


def render(code: str, message: str | None = None, **extra: str) -> tuple[str, bytes]:
    """``(request id, body)`` of S3's error ``code``; ``extra`` adds fields such as ``Key``."""
    rid = request_id()
    fields = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in extra.items())
    text = MESSAGES.get(code, code) if message is None else message
    host_id = base64.b64encode(secrets.token_bytes(48)).decode()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(text)}</Message>{fields}"
        f"<RequestId>{rid}</RequestId><HostId>{host_id}</HostId></Error>"
    )
    return rid, body.encode()


def s3_error(code: str, message: str | None, status: int, **extra: str) -> Response:
    """The AWS port's answer: S3's error body with ``x-amz-request-id``."""
    rid, body = render(code, message, **extra)
    headers = {"Content-Type": "application/xml", "x-amz-request-id": rid, "Server": "AmazonS3"}
    return status, headers, body


def access_denied() -> Response:
    return s3_error("AccessDenied", "Access Denied", 403)
