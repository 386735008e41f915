"""Requests in, AWS-shaped responses out: the small WSGI vocabulary the fidelity layer speaks.

CloudFront answers are serialised by moto's own rest-xml serializer against the botocore model
(through :mod:`.moto_adapter`), so shapes, status codes and the
``<ErrorResponse><Error><Type>Sender</Type>…`` error body are exactly what boto3 parses from AWS.
S3's flat ``<Error>`` body has its one renderer in :mod:`.s3.errors`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from . import moto_adapter

#: Query parameters that make a request a SigV4 / SigV2 presigned (query-string) request.
QUERY_V4 = ("X-Amz-Signature", "X-Amz-Credential", "X-Amz-Algorithm")
QUERY_V2 = ("Signature", "AWSAccessKeyId")

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
Response = tuple[int, dict[str, str], bytes]

_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    500: "Internal Server Error",
}


@dataclass
class Request:
    """The parts of a WSGI request the fidelity rules look at (body read at most once)."""

    environ: dict

    @property
    def method(self) -> str:
        return self.environ.get("REQUEST_METHOD", "GET").upper()

    @property
    def path(self) -> str:
        return self.environ.get("PATH_INFO", "")

    @cached_property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.environ.get("QUERY_STRING", ""), keep_blank_values=True))

    def header(self, name: str) -> str | None:
        key = "HTTP_" + name.upper().replace("-", "_")
        if name.lower() == "content-type":
            key = "CONTENT_TYPE"
        return self.environ.get(key)

    @cached_property
    def body(self) -> bytes:
        """Read the body and put it back, so moto can still read it after a rule looked."""
        import io

        try:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        stream = self.environ["wsgi.input"]
        if self.environ.get("wsgi.input_terminated"):  # chunked: read to the end
            data = stream.read()
        elif length > 0:
            data = stream.read(length)
        else:
            data = b""
        self.environ["wsgi.input"] = io.BytesIO(data)
        self.environ["CONTENT_LENGTH"] = str(len(data))
        return data

    def drop_body(self) -> None:
        """Forget the body (an operation that takes none ignores one, as AWS does; moto would
        try to parse it)."""
        import io

        self.environ["wsgi.input"] = io.BytesIO(b"")
        self.environ["CONTENT_LENGTH"] = "0"
        self.environ.pop("wsgi.input_terminated", None)
        self.__dict__["body"] = b""

    @property
    def framing_conflict(self) -> bool:
        """Both ``Content-Length`` and ``Transfer-Encoding``: RFC 9112 section 6.1 lets a server
        refuse such a request, and the local AWS does (400), as a smuggling-safe front end would."""
        return bool(self.environ.get("HTTP_TRANSFER_ENCODING")) and bool(
            self.environ.get("CONTENT_LENGTH")
        )

    @property
    def service(self) -> str | None:
        """The service the SigV4 credential scope names (``cloudfront``, ``s3``, ``sts``)."""
        auth = self.header("Authorization") or ""
        credential = self.query.get("X-Amz-Credential", "")
        scope = (
            auth.split("Credential=", 1)[1].split(",", 1)[0]
            if "Credential=" in auth
            else credential
        )
        parts = scope.split("/")
        return parts[3] if len(parts) >= 5 else None

    @property
    def authentication(self) -> str:
        """THE one answer to "does this request claim credentials, and how" (S3's view).

        ``"header"`` (an ``Authorization`` header), ``"query-v4"`` (any ``X-Amz-Signature``,
        ``X-Amz-Credential`` or ``X-Amz-Algorithm`` parameter), ``"query-v2"`` (any ``Signature``
        or ``AWSAccessKeyId`` parameter) or ``"anonymous"``. A query-string claim is only a claim:
        :mod:`.s3.presigned` refuses it unless it is complete and its signature is right, so a bare
        ``?Signature=x`` is never a way past the anonymous rules.
        """
        if self.header("Authorization"):
            return "header"
        query = self.query
        if any(name in query for name in QUERY_V4):
            return "query-v4"
        if any(name in query for name in QUERY_V2):
            return "query-v2"
        return "anonymous"

    @property
    def anonymous(self) -> bool:
        """No credentials claimed at all: S3's anonymous principal."""
        return self.authentication == "anonymous"


def send(start_response: Callable, response: Response) -> list[bytes]:
    status, headers, body = response
    headers = {**headers, "Content-Length": str(len(body))}
    start_response(f"{status} {_REASONS.get(status, 'Status')}", list(headers.items()))
    return [body]


def request_id() -> str:
    return secrets.token_hex(8).upper()


def cloudfront_result(operation: str, result: Any) -> Response:
    """``result`` serialised as the output of CloudFront ``operation`` (status from the model)."""
    status, headers, data = moto_adapter.serialize_cloudfront(operation, result)
    headers["x-amz-request-id"] = request_id()
    return status, headers, data


class CloudFrontError(Exception):
    """A CloudFront error to answer with; the HTTP status comes from the botocore model."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def as_moto(self) -> Exception:
        return moto_adapter.cloudfront_exception(self.code, self.message)

    def response(self, operation: str = "GetDistribution") -> Response:
        return cloudfront_result(operation, self.as_moto())


def new_id(length: int = 14) -> str:
    """A CloudFront-style id: an upper-case letter, then upper-case letters and digits."""
    import string

    alphabet = string.ascii_uppercase + string.digits
    return secrets.choice(string.ascii_uppercase) + "".join(
        secrets.choice(alphabet) for _ in range(length - 1)
    )


def moto_errors(function: Callable) -> Callable:
    """Turn :class:`CloudFrontError` into moto's own exception inside patched moto methods,
    so moto's dispatcher serialises it instead of answering HTTP 500."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except CloudFrontError as error:
            raise error.as_moto() from None

    return wrapper
