"""Gap S8: presigned S3 URLs are checked like S3 checks them.

AWS recomputes the signature of a presigned URL and refuses it with 403 when it has expired
(``AccessDenied`` "Request has expired"), was changed after signing (``SignatureDoesNotMatch``)
or names an unknown access key (``InvalidAccessKeyId``); ``X-Amz-Expires`` above one week is 400
``AuthorizationQueryParametersError``. moto 5.2.5 serves any presigned URL. SigV4 signatures
are recomputed with botocore's own signer and the local credentials; SigV2 (``Signature=``)
URLs are checked for expiry, access key and HMAC-SHA1 signature.
"""

from __future__ import annotations

import calendar
import hmac
import time
from urllib.parse import parse_qsl, quote, urlencode

from ... import config
from ..wire import Request, Response
from .errors import s3_error

MAX_EXPIRES = 604800
INCOMPLETE_V2 = (
    "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
)
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)


def _raw_path(request: Request) -> str:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    return raw.split("?", 1)[0] if raw else quote(request.path, safe="/~")


def _pairs(request: Request) -> list[tuple[str, str]]:
    return parse_qsl(request.environ.get("QUERY_STRING", ""), keep_blank_values=True)


def _expired(expires_at: float, expires: str) -> Response:
    server_time = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return s3_error(
        "AccessDenied",
        "Request has expired",
        403,
        **{
            "X-Amz-Expires": expires,
            "Expires": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires_at)),
            "ServerTime": server_time,
        },
    )


def _unknown_key(access_key: str) -> Response:
    return s3_error(
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
        403,
        AWSAccessKeyId=access_key,
    )


def check_sigv4(request: Request) -> Response | None:
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    query = request.query
    try:
        access_key, _date, region, service, _ = query.get("X-Amz-Credential", "").split("/")
        timestamp = query["X-Amz-Date"]
        query["X-Amz-Signature"]  # a missing signature is the same 400 on AWS
        expires = int(query.get("X-Amz-Expires", "0"))
        signed_at = calendar.timegm(time.strptime(timestamp, "%Y%m%dT%H%M%SZ"))
    except (KeyError, ValueError):
        return s3_error(
            "AuthorizationQueryParametersError",
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
            400,
        )
    if expires > MAX_EXPIRES:
        return s3_error(
            "AuthorizationQueryParametersError",
            f"X-Amz-Expires must be less than a week (in seconds) that is; {MAX_EXPIRES}",
            400,
        )
    if access_key != config.LOCAL_ACCESS_KEY_ID:
        return _unknown_key(access_key)
    if time.time() > signed_at + expires:
        return _expired(signed_at + expires, str(expires))
    unsigned = [(k, v) for k, v in _pairs(request) if k != "X-Amz-Signature"]
    host = request.header("Host") or ""
    url = f"http://{host}{_raw_path(request)}?{urlencode(unsigned, quote_via=quote)}"
    names = [n for n in query.get("X-Amz-SignedHeaders", "host").split(";") if n]
    headers = {n: (host if n == "host" else request.header(n) or "") for n in names}
    aws_request = AWSRequest(method=request.method, url=url, headers=headers)
    aws_request.context["timestamp"] = timestamp
    credentials = Credentials(config.LOCAL_ACCESS_KEY_ID, config.LOCAL_SECRET_ACCESS_KEY)
    signer = S3SigV4QueryAuth(credentials, service, region, expires=expires)
    canonical = signer.canonical_request(aws_request)
    expected = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected, query.get("X-Amz-Signature", "")):
        return s3_error("SignatureDoesNotMatch", BAD_SIGNATURE, 403)
    return None


def check_sigv2(request: Request) -> Response | None:
    from urllib.parse import urlsplit

    from botocore.auth import HmacV1Auth
    from botocore.credentials import Credentials

    query = request.query
    access_key = query.get("AWSAccessKeyId", "")
    try:
        expires_at = int(query.get("Expires", ""))
    except ValueError:
        expires_at = None
    if expires_at is None or not access_key or "Signature" not in query:
        return s3_error("AccessDenied", INCOMPLETE_V2, 403)
    if access_key != config.LOCAL_ACCESS_KEY_ID:
        return _unknown_key(access_key)
    if time.time() > expires_at:
        return _expired(expires_at, str(expires_at))
    credentials = Credentials(config.LOCAL_ACCESS_KEY_ID, config.LOCAL_SECRET_ACCESS_KEY)
    unsigned = [
        (k, v) for k, v in _pairs(request) if k not in ("Signature", "AWSAccessKeyId", "Expires")
    ]
    path = _raw_path(request) + ("?" + urlencode(unsigned) if unsigned else "")
    headers = {
        k[5:].replace("_", "-").lower(): v
        for k, v in request.environ.items()
        if k.startswith("HTTP_X_AMZ_")
    }
    for name in ("CONTENT_TYPE", "HTTP_CONTENT_MD5"):
        if request.environ.get(name):
            headers[name.removeprefix("HTTP_").replace("_", "-").lower()] = request.environ[name]
    from botocore.awsrequest import HTTPHeaders

    http_headers = HTTPHeaders()
    for k, v in headers.items():
        http_headers[k] = v

    class _AtExpiry(HmacV1Auth):
        def _get_date(self) -> str:  # SigV2 query auth signs Expires where Date would be
            return str(expires_at)

    expected = _AtExpiry(credentials).get_signature(request.method, urlsplit(path), http_headers)
    if not hmac.compare_digest(expected, query.get("Signature", "")):
        return s3_error("SignatureDoesNotMatch", BAD_SIGNATURE, 403)
    return None


def check_header(request: Request) -> Response | None:
    """403 ``InvalidAccessKeyId`` for an ``Authorization`` header naming another access key.

    The local AWS has one access key (:data:`config.LOCAL_ACCESS_KEY_ID`); a header that names no
    key or another one is refused as S3 refuses an unknown key. (The header's signature itself is
    not recomputed: the local secret is public, so it would prove nothing.)
    """
    auth = request.header("Authorization") or ""
    if auth.startswith("AWS4-HMAC-SHA256 ") and "Credential=" in auth:
        access_key = auth.split("Credential=", 1)[1].split("/", 1)[0]
    elif auth.startswith("AWS ") and ":" in auth:
        access_key = auth[4:].split(":", 1)[0]
    else:
        access_key = ""
    return None if access_key == config.LOCAL_ACCESS_KEY_ID else _unknown_key(access_key)


def check(request: Request) -> Response | None:
    """An S3 error for a presigned URL AWS would refuse; None when it is valid or not presigned.

    Which requests are presigned is :attr:`Request.authentication`'s decision (the one place).
    """
    kind = request.authentication
    if kind == "header":
        return check_header(request)
    if kind == "query-v4":
        return check_sigv4(request)
    if kind == "query-v2":
        return check_sigv2(request)
    return None
