"""Which service an API request is for, and AWS's 4xx when its credentials do not say so.

**No credentials, another service than S3: ``MissingAuthenticationToken``.**

Every AWS API but S3's answers a request that is not signed at all with ``403
MissingAuthenticationToken`` ("The request must contain either a valid (registered) AWS access key
ID or X.509 certificate.", AWS API references, "Common Errors"), in the protocol of the service.
The local AWS serves every service on one port and tells them apart by the credential scope,
which an unsigned request does not have, so moto took such a request for S3 and crashed on it
(``POST /2020-05-31/distribution`` is a POST to object ``distribution`` of bucket
``2020-05-31`` to moto: HTTP 500, ``KeyError: 'DEFAULT'``). Here an unsigned request is another
service's when it says so in the only ways it can:

* a CloudFront path (``/2020-05-31/…``): rest-xml ``<ErrorResponse>`` (as the CloudFront API);
* an ``X-Amz-Target`` header (KMS, ACM: the JSON protocols): ``{"__type": …}``;
* an ``Action=`` parameter (STS and the other query protocols): the query ``<ErrorResponse>``.

Everything else is S3's, judged by the anonymous rules (:mod:`.s3.anonymous`).

**Credentials scoped to another service.** A SigV4 credential names its service, and AWS's
endpoint for one service refuses a credential scoped to another: S3 with ``400
AuthorizationHeaderMalformed`` ('… incorrect service "cloudfront". This endpoint belongs to
"s3".'), the other APIs with ``403 SignatureDoesNotMatch`` ("Credential should be scoped to
correct service: 'cloudfront'."; ``InvalidSignatureException`` in the JSON protocol). moto routed
such a request by its credential and crashed (``POST /bucket`` signed for CloudFront: HTTP 500).
Here the path and headers above name the service, and a credential for another is refused (the
query protocol is STS's: the only query API the tutorial uses). An STS body that is not text is
``MalformedQueryString`` (with the 404 the "Common Errors" page gives it).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from . import json_api
from .s3.errors import s3_error
from .wire import Request, Response, request_id

CLOUDFRONT_PREFIX = "/2020-05-31/"
CLOUDFRONT_NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
CODE = "MissingAuthenticationToken"
MALFORMED_QUERY = "The query string contains a syntax error."
_SCOPE = "Credential should be scoped to correct service: '{}'. "
MESSAGE = (
    "The request must contain either a valid (registered) AWS access key ID or X.509 certificate."
)


def _xml(
    namespace: str | None, code: str = CODE, message: str = MESSAGE, status: int = 403
) -> Response:
    rid = request_id()
    ns = f' xmlns="{namespace}"' if namespace else ""
    body = (
        f'<?xml version="1.0"?>\n<ErrorResponse{ns}><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        f"<RequestId>{rid}</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml", "x-amzn-RequestId": rid}, body.encode()


def _json() -> Response:
    rid = request_id()
    body = json.dumps({"__type": f"{CODE}Exception", "message": MESSAGE}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": rid}
    return 403, headers, body


def _names_an_action(request: Request) -> bool:
    if "Action" in request.query:
        return True
    content_type = (request.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    if request.method != "POST" or content_type != "application/x-www-form-urlencoded":
        return False
    try:
        return "Action" in parse_qs(request.body.decode("ascii"))
    except UnicodeDecodeError:
        return False


def protocol(request: Request) -> str:
    """``cloudfront``, ``json`` (``X-Amz-Target``), ``query`` (``Action=``) or ``s3``."""
    if request.path.startswith(CLOUDFRONT_PREFIX):
        return "cloudfront"
    if request.header("X-Amz-Target"):
        return "json"
    if request.path in ("", "/") and _names_an_action(request):
        return "query"
    return "s3"


def _wrong_scope(request: Request, kind: str, service: str) -> Response | None:
    if kind == "s3" and service != "s3":
        return s3_error(
            "AuthorizationHeaderMalformed",
            f'The authorization header is malformed; incorrect service "{service}". '
            'This endpoint belongs to "s3".',
            400,
        )
    if kind == "cloudfront" and service != "cloudfront":
        return _xml(CLOUDFRONT_NS, "SignatureDoesNotMatch", _SCOPE.format("cloudfront"))
    if kind == "json":
        named = json_api.service_of_target(request.header("X-Amz-Target") or "")
        if named is None:
            return json_api.error("UnknownOperationException", "unknown X-Amz-Target")
        if named != service:
            return json_api.error("InvalidSignatureException", _SCOPE.format(named), 403)
    if kind == "query" and service != "sts":
        return _xml(None, "SignatureDoesNotMatch", _SCOPE.format("sts"))
    return None


def check(request: Request) -> Response | None:
    """AWS's answer to a request that names no service or the wrong one; None to go on."""
    kind = protocol(request)
    if request.anonymous:
        if kind == "cloudfront":
            return _xml(CLOUDFRONT_NS)
        if kind == "json":
            return _json()
        if kind == "query":
            return _xml(None)
        return None
    service = request.service  # None: SigV2 or no readable scope, which moto judges
    found = _wrong_scope(request, kind, service) if service else None
    if found is None and service == "sts" and not _is_text(request.body):
        return _xml(None, "MalformedQueryString", MALFORMED_QUERY, 404)  # AWS's status for it
    return found


def _is_text(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
