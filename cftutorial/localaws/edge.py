"""The local CloudFront edge: serves ``https://DIST.cloudfront.net/PATH`` the way CloudFront does.

moto has no edge at all (gaps E1 and E2), yet the guide's steps 5 and 8 are "unsigned access
fails" and "signed URLs work". This WSGI app, served by the local AWS process on its second port,
reads moto's CloudFront and S3 state in-process and answers as CloudFront would:

1. **Which distribution.** ``EDGE/DOMAIN/PATH?QUERY``, ``Host: DOMAIN`` with ``/PATH?QUERY``, or
   an absolute-form request line (the edge used as an HTTP proxy). ``DOMAIN`` is a distribution's
   ``*.cloudfront.net`` name or one of its aliases. An unknown or disabled distribution gets what
   CloudFront gives a host it serves no distribution for: 403 with its HTML "The request could
   not be satisfied" page ("Bad request."), ``Server: CloudFront``, ``X-Cache: Error from
   cloudfront`` (AWS re:Post, "How do I troubleshoot 403 errors from CloudFront?": a domain not
   associated with a distribution gets a 403 "The request could not be satisfied").
2. **Which cache behaviour.** The first path pattern that matches, in order (``*`` any run of
   characters including ``/``, ``?`` one character, case-sensitive), else the default one. A
   method the behaviour does not allow gets CloudFront's 403 HTML page for disallowed methods.
3. **Viewer check.** When the behaviour trusts key groups (or ``TrustedSigners``), the viewer URL
   ``https://DOMAIN/PATH?QUERY`` (the ``http://`` spelling too) and the cookies go to
   :func:`cftutorial.verify.verify` with the public keys the behaviour trusts and the TCP peer as
   viewer IP. A denial is CloudFront's 403 XML (``MissingKey``, ``InvalidKey``,
   ``MalformedPolicy``, ``MalformedSignature``, ``AccessDenied``) with ``Content-Type: text/xml``.
4. **Origin request.** The signing parameters never reach the origin: the S3 key comes from the
   path alone (plus the origin path). S3 judges the distribution as it would on AWS
   (:mod:`cftutorial.localaws.s3_access`): as the origin's OAI, as the CloudFront service
   principal with the distribution's ARN (OAC), or as an anonymous caller. S3's refusal
   (``AccessDenied`` 403, ``NoSuchKey`` 404 only when the reader may list the bucket,
   ``NoSuchBucket`` 404) is relayed with S3's XML body and ``Content-Type: application/xml``.
5. **Serving.** The object's bytes and headers, ``Range`` (206, or S3's 416 ``InvalidRange``)
   through werkzeug's own range support, ``HEAD``, conditional requests, and CORS headers for
   in-browser players (``CFTUTORIAL_EDGE_CORS_ORIGINS``: ``*`` by default, a comma-separated
   list of origins to allow credentials, empty to turn CORS off). Error responses carry no CORS
   headers, as on CloudFront without a matching response headers policy.

Local conveniences that AWS does not have: ``OPTIONS`` is answered by the edge as a CORS
preflight without a signature (browsers send no cookies on preflight); a distribution is served
while its status is still ``InProgress``; there is no cache (every answer is a ``Miss``). It only
reads: ``PUT``/``POST``/``PATCH``/``DELETE`` get the disallowed-method page even when a behaviour
allows them, and an origin that is not an S3 REST endpoint gets a 502 (the local edge reads S3
only). On AWS a name under ``cloudfront.net`` that no distribution uses may not resolve in DNS at
all; locally it reaches the edge and gets the 403 page above.

Every decision is logged as one line and kept in a bounded in-memory list, served as JSON on
``GET EDGE/_cftutorial/decisions?limit=N`` so a learner can ask the edge *why* it said 403.
The edge never answers 5xx to any request; an unexpected failure is logged with its traceback
and answered 502 ("the origin failed"), which the tests treat as a bug.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.datastructures import Range
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import HTTP_STATUS_CODES, parse_cookie, parse_range_header
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from ..config import LOCAL_ACCOUNT_ID
from ..errors import UnsupportedPolicyError
from ..signing import wildcard
from . import s3_access

log = logging.getLogger("cftutorial.localaws.edge")

DECISIONS_PATH = "/_cftutorial/decisions"
ENV_CORS_ORIGINS = "CFTUTORIAL_EDGE_CORS_ORIGINS"
DEFAULT_CORS_ORIGINS = "*"
MAX_DECISIONS = 1000
DEFAULT_DECISION_LIMIT = 20
SERVED_METHODS = ("GET", "HEAD", "OPTIONS")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"})
#: S3 origin domains: BUCKET.s3.amazonaws.com, BUCKET.s3.REGION.amazonaws.com,
#: BUCKET.s3-REGION.amazonaws.com (and the dualstack form).
S3_ORIGIN = re.compile(
    r"^(?P<bucket>.+?)\.s3(?:[.-](?!website)(?:dualstack\.)?(?P<region>[a-z0-9-]+))?"
    r"\.amazonaws\.com$",
    re.IGNORECASE,
)
RELAYED_METADATA = (
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Expires",
)
S3_MESSAGES = {
    "AccessDenied": "Access Denied",
    "NoSuchKey": "The specified key does not exist.",
    "NoSuchBucket": "The specified bucket does not exist",
    "InvalidRange": "The requested range is not satisfiable",
}

_TITLE = "The request could not be satisfied."
_BAD_REQUEST_TEXT = (
    "Bad request.\nWe can't connect to the server for this app or website at this time. There "
    "might be too much traffic or a configuration error. Try again later, or contact the app or "
    "website owner."
)
_METHOD_TEXT = (
    "This distribution is not configured to allow the HTTP request method that was used for "
    "this request. The distribution supports only cachable requests."
)
_ORIGIN_TEXT = (
    "We can't connect to the server for this app or website at this time. There might be too "
    "much traffic or a configuration error. Try again later, or contact the app or website owner."
)


# --- identifiers and headers ------------------------------------------------------------------


def _request_id() -> str:
    """A CloudFront-style ``X-Amz-Cf-Id`` (56 URL-safe base64 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()


def _edge_headers(request_id: str, cache: str) -> dict[str, str]:
    return {
        "X-Cache": f"{cache} from cloudfront",
        "Via": f"1.1 {secrets.token_hex(16)}.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Pop": "LOCAL1-C1",
        "X-Amz-Cf-Id": request_id,
    }


def _html_error(status: int, title: str, text: str, request_id: str) -> Response:
    """CloudFront's own HTML error page (unknown host, disallowed method, origin failure)."""
    body = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
        '"http://www.w3.org/TR/html4/loose.dtd">\n'
        '<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">\n'
        "<TITLE>ERROR: The request could not be satisfied</TITLE>\n"
        f"</HEAD><BODY>\n<H1>{status} ERROR</H1>\n<H2>{title}</H2>\n"
        f'<HR noshade size="1px">\n{text}\n<BR clear="all">\n'
        "If you provide content to customers through CloudFront, you can find steps to "
        "troubleshoot and help prevent this error by reviewing the CloudFront documentation.\n"
        '<BR clear="all">\n<HR noshade size="1px">\n<PRE>\n'
        f"Generated by cloudfront (CloudFront)\nRequest ID: {request_id}\n</PRE>\n"
        "<ADDRESS>\n</ADDRESS>\n</BODY></HTML>"
    )
    response = Response(body, status=status, content_type="text/html")
    response.headers.update({"Server": "CloudFront", **_edge_headers(request_id, "Error")})
    return response


def _s3_error(code: str, request_id: str, status: int, **extra: str) -> Response:
    """S3's XML error, relayed by CloudFront (S3's headers, CloudFront's ``X-Cache``/``Via``)."""
    fields = "".join(f"<{name}>{_xml_escape(value)}</{name}>" for name, value in extra.items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{S3_MESSAGES[code]}</Message>{fields}"
        f"<RequestId>{secrets.token_hex(8).upper()}</RequestId>"
        f"<HostId>{base64.b64encode(secrets.token_bytes(48)).decode()}</HostId></Error>"
    )
    response = Response(body, status=status, content_type="application/xml")
    response.headers.update({"Server": "AmazonS3", **_edge_headers(request_id, "Error")})
    return response


def _xml_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _signature_error(xml: bytes, request_id: str) -> Response:
    response = Response(xml, status=403, content_type="text/xml")
    response.headers.update({"Server": "CloudFront", **_edge_headers(request_id, "Error")})
    return response


# --- the decision log -------------------------------------------------------------------------


class DecisionLog:
    """The most recent decisions, newest last; safe to use from many request threads."""

    def __init__(self, maxlen: int = MAX_DECISIONS) -> None:
        self._items: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def add(self, decision: dict[str, Any]) -> None:
        with self._lock:
            self._items.append(decision)

    def recent(self, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._items)
        return items[-limit:] if limit > 0 else []


# --- finding the distribution, the behaviour, the origin -------------------------------------


@dataclass(frozen=True)
class Target:
    """What the request addressed: a distribution domain, and the path with its raw query."""

    domain: str
    path: str
    query: str

    @property
    def viewer_url(self) -> str:
        return f"https://{self.domain}{self.path}" + (f"?{self.query}" if self.query else "")


def _raw_uri(environ: Mapping[str, Any]) -> str:
    """The request target as the client sent it (not re-encoded), so signatures still match."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw
    path = environ.get("PATH_INFO", "") or "/"
    path = path.encode("latin-1", "replace").decode("utf-8", "replace")
    query = environ.get("QUERY_STRING", "")
    return path + (f"?{query}" if query else "")


def _host_name(value: str) -> str:
    host = value.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def resolve_target(environ: Mapping[str, Any], is_distribution: Callable[[str], bool]) -> Target:
    """Split the request into distribution domain, path and query (see the module docstring)."""
    raw = _raw_uri(environ)
    host = _host_name(environ.get("HTTP_HOST", "") or "")
    if raw.lower().startswith(("http://", "https://")):
        try:
            parts = urlsplit(raw)
            host, raw = (parts.hostname or "").lower(), parts.path or "/"
            raw += f"?{parts.query}" if parts.query else ""
        except ValueError:  # e.g. "http://[bad/": no usable host; take it as a path
            raw = "/" + raw
    path, _, query = raw.partition("?")
    if not path.startswith("/"):
        path = "/" + path
    if host and host not in LOCAL_HOSTS and is_distribution(host):
        return Target(host, path, query)
    first, _, rest = path[1:].partition("/")
    if first and (is_distribution(first.lower()) or host in LOCAL_HOSTS or not host):
        return Target(first.lower(), "/" + rest, query)
    return Target(host or first.lower(), path, query)


def _cloudfront() -> Any:
    from moto.cloudfront.models import cloudfront_backends

    return cloudfront_backends[LOCAL_ACCOUNT_ID]["global"]


def _items(container: Any) -> list:
    """Items of a moto list-ish value (a list, a single string, a dict with ``Items``, None)."""
    if container is None:
        return []
    if isinstance(container, Mapping):
        container = container.get("Items") or []
    if isinstance(container, (str, bytes)) or not isinstance(container, Iterable):
        return [container]
    return list(container)


def _aliases(dist: Any) -> list[str]:
    aliases = getattr(dist.distribution_config, "Aliases", None) or {}
    return [str(a).lower() for a in _items(aliases.get("Items") if aliases else None)]


def _distributions() -> list[Any]:
    backend = _cloudfront()
    for _attempt in range(3):
        try:
            return list(backend.distributions.values())
        except RuntimeError:  # changed size during iteration: another thread wrote
            continue
    return []


def find_distribution(domain: str) -> Any | None:
    """The distribution serving ``domain`` (its cloudfront.net name or an alias), if any."""
    domain = domain.lower()
    for dist in _distributions():
        if str(dist.domain_name).lower() == domain or domain in _aliases(dist):
            return dist
    return None


def is_enabled(dist: Any) -> bool:
    enabled = dist.distribution_config.Enabled
    return enabled is True or str(enabled).lower() == "true"


def path_matches(pattern: str, path: str) -> bool:
    """CloudFront path-pattern semantics: ``*`` any characters, ``?`` one, case-sensitive."""
    return wildcard.matcher(pattern if pattern.startswith("/") else "/" + pattern)(path)


def find_behaviour(dist: Any, path: str) -> Any:
    """The first cache behaviour whose path pattern matches, else the default behaviour."""
    config = dist.distribution_config
    behaviours = getattr(config, "CacheBehaviors", None) or {}
    for behaviour in _items(behaviours.get("Items") if isinstance(behaviours, Mapping) else None):
        pattern = getattr(behaviour, "path_pattern", "")
        if pattern and path_matches(pattern, path):
            return behaviour
    return config.DefaultCacheBehavior


def _allowed_methods(behaviour: Any) -> set[str]:
    methods = {str(m).upper() for m in _items(getattr(behaviour.allowed_methods, "items", None))}
    return (methods or {"GET", "HEAD"}) & set(SERVED_METHODS)


def _requires_signature(behaviour: Any) -> bool:
    groups, signers = behaviour.trusted_key_groups, behaviour.trusted_signers
    return bool(
        (getattr(groups, "enabled", False) and _items(groups.items))
        or (getattr(signers, "enabled", False) and _items(signers.items))
    )


def trusted_keys(behaviour: Any) -> dict[str, str]:
    """Key pair id -> public key PEM for every key the behaviour trusts."""
    backend = _cloudfront()
    keys: dict[str, str] = {}
    groups = behaviour.trusted_key_groups
    if getattr(groups, "enabled", False):
        for group_id in _items(groups.items):
            group = backend.key_groups.get(group_id)
            for key_id in _items(getattr(group, "items", None)):
                public_key = backend.public_keys.get(key_id)
                if public_key is not None:
                    keys[key_id] = public_key.encoded_key
    signers = behaviour.trusted_signers
    own_account = {"self", LOCAL_ACCOUNT_ID}  # the account's own number means "self" too
    if getattr(signers, "enabled", False) and own_account & set(_items(signers.items)):
        keys.update(_account_keys())
    return keys


def _account_keys() -> dict[str, str]:
    try:
        from .account_keys import trusted_for_self
    except ImportError:
        log.warning("TrustedSigners self: cftutorial.localaws.account_keys is not available")
        return {}
    return dict(trusted_for_self())


def _origin(dist: Any, behaviour: Any) -> Any | None:
    for origin in _items(dist.distribution_config.Origins.get("Items")):
        if origin.id == behaviour.target_origin_id:
            return origin
    return None


def s3_bucket_of(domain: str) -> str | None:
    """The bucket an S3 REST origin domain names (``None`` for website and custom origins)."""
    match = S3_ORIGIN.match(domain or "")
    return match.group("bucket") if match else None


def origin_principal(dist: Any, origin: Any) -> tuple[Any, str]:
    """Who S3 sees reading for this origin (OAC, OAI or nobody), and a short description."""
    control_id = getattr(origin, "origin_access_control_id", "") or ""
    if control_id:
        return s3_access.CloudFrontService(dist.arn), f"OAC {control_id}"
    identity = getattr(origin, "s3_access_identity", "") or ""
    if identity:
        oai_id = identity.rsplit("/", 1)[-1]
        record = _get_oai(oai_id)
        if record is None:
            return None, f"OAI {oai_id} does not exist"
        return s3_access.OriginAccessIdentity(oai_id, record.s3_canonical_user_id), f"OAI {oai_id}"
    return s3_access.Anonymous(), "no OAI or OAC (anonymous)"


def _get_oai(oai_id: str) -> Any | None:
    try:
        from .fidelity.oai import get_oai
    except ImportError:
        log.warning("origin uses OAI %s but the fidelity layer's OAI store is missing", oai_id)
        return None
    return get_oai(oai_id)


def s3_key(origin: Any, path: str, dist: Any) -> str:
    """The S3 key CloudFront requests: origin path + viewer path, percent-decoded."""
    if path == "/":
        root = getattr(dist.distribution_config, "DefaultRootObject", "") or ""
        path = "/" + root if root else path
    prefix = (getattr(origin, "origin_path", "") or "").rstrip("/")
    return unquote(prefix + path)[1:]


# --- CORS ---------------------------------------------------------------------------------------


def cors_origins() -> list[str]:
    """The origins allowed to read through the edge from a browser (``[]`` = CORS off)."""
    raw = os.environ.get(ENV_CORS_ORIGINS)
    raw = DEFAULT_CORS_ORIGINS if raw is None else raw
    return [item.strip() for item in raw.split(",") if item.strip()]


def _cors_headers(request: Request, preflight: bool = False) -> dict[str, str]:
    origin = request.headers.get("Origin")
    allowed = cors_origins()
    if not origin or not allowed:
        return {}
    if origin in allowed:
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin",
        }
    elif "*" in allowed:
        headers = {"Access-Control-Allow-Origin": "*"}
    else:
        return {}
    if preflight:
        headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        asked = request.headers.get("Access-Control-Request-Headers")
        if asked:
            headers["Access-Control-Allow-Headers"] = asked
        headers["Access-Control-Max-Age"] = "600"
    else:
        headers["Access-Control-Expose-Headers"] = (
            "Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified"
        )
    return headers


# --- the app ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One answer and the decision behind it."""

    response: Response
    distribution: str
    code: str | None
    reason: str


def _parsable_target(target: str) -> bool:
    try:
        _port = urlsplit(target).port  # the port check is lazy: force it
    except ValueError:
        return False
    return True


class EdgeRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, but the app's own ``Server`` and ``Date`` headers win.

    The standard handler always sends ``Server: Werkzeug/…`` and a ``Date`` before the app's
    headers, so a viewer would see two of each; CloudFront answers with one ``Server``
    (``CloudFront`` for its own errors, ``AmazonS3`` relayed from an S3 origin).
    """

    def run_wsgi(self) -> None:
        """Answer an unparsable request target with CloudFront's 400 page, not a dropped line.

        werkzeug parses the target before any app runs and fails on e.g. ``http://[bad/`` or a
        port above 65535, closing the connection without an answer.
        """
        if _parsable_target(self.path):
            super().run_wsgi()
            return
        self.close_connection = True
        response = _html_error(400, _TITLE, _BAD_REQUEST_TEXT, _request_id())
        body = response.get_data()
        self.send_response(400, "Bad Request")
        for name, value in response.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        log.info("edge %s %r -> 400 BadRequest: unparsable request target", self.command, self.path)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        try:
            super().log_request(code, size)
        except ValueError:  # werkzeug's access log cannot render every target; never fail on it
            log.info("%s %r %s", self.command, self.path, code)

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self._header_names: set[str] = set()

    def send_header(self, keyword: str, value: str) -> None:
        names = getattr(self, "_header_names", None)
        if names is not None:
            names.add(keyword.lower())
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        names = getattr(self, "_header_names", set())
        if "server" not in names:
            super().send_header("Server", self.version_string())
        if "date" not in names:
            super().send_header("Date", self.date_time_string())
        super().end_headers()


class Edge:
    """The edge WSGI app. One instance per local AWS process."""

    request_handler = EdgeRequestHandler

    def __init__(self, decisions: DecisionLog | None = None) -> None:
        self.decisions = decisions or DecisionLog()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == DECISIONS_PATH and request.method in ("GET", "HEAD"):
            return self._decisions(request)(environ, start_response)
        request_id = _request_id()
        target = Target("", request.path, "")
        try:
            target = resolve_target(environ, lambda d: find_distribution(d) is not None)
            outcome = self.handle(request, target, request_id)
        except Exception as exc:  # never 5xx by accident: log loudly, answer as an origin failure
            log.exception("edge failed on %s %s", request.method, _raw_uri(environ))
            outcome = Outcome(
                _html_error(502, _TITLE, _ORIGIN_TEXT, request_id),
                target.domain,
                "InternalError",
                f"the local edge failed: {type(exc).__name__}: {exc}",
            )
        self._record(request, target, outcome)
        response = outcome.response
        # werkzeug upper-cases reason phrases ("403 FORBIDDEN"); CloudFront writes "403 Forbidden".
        response.status = (
            f"{response.status_code} {HTTP_STATUS_CODES.get(response.status_code, '')}"
        )
        return response(environ, start_response)

    def _record(self, request: Request, target: Target, outcome: Outcome) -> None:
        decision = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "distribution": outcome.distribution,
            "path": target.path,
            "status": outcome.response.status_code,
            "code": outcome.code,
            "reason": outcome.reason,
        }
        self.decisions.add(decision)
        log.info(
            "edge %s %s %s -> %s %s: %s",
            request.method,
            outcome.distribution or "-",
            target.path,
            decision["status"],
            outcome.code or "OK",
            outcome.reason,
        )

    def _decisions(self, request: Request) -> Response:
        raw = request.args.get("limit", str(DEFAULT_DECISION_LIMIT))
        try:
            limit = int(raw)
        except ValueError:
            limit = -1
        if not 0 <= limit <= MAX_DECISIONS:
            body = {
                "error": f"limit={raw!r} is not a count; use a whole number 0 to {MAX_DECISIONS}"
            }
            return Response(json.dumps(body), status=400, content_type="application/json")
        return Response(json.dumps(self.decisions.recent(limit)), content_type="application/json")

    # -- one request

    def handle(self, request: Request, target: Target, request_id: str) -> Outcome:
        """CloudFront's steps in order: distribution, behaviour, method, signature, origin."""
        dist = find_distribution(target.domain) if target.domain else None
        if dist is None or not is_enabled(dist):
            return _not_served(target, dist, request_id)
        view = _View(request, target, request_id, dist, find_behaviour(dist, target.path))
        method = request.method.upper()
        if method == "OPTIONS":
            return _preflight(view)
        if method not in _allowed_methods(view.behaviour):
            return view.outcome(
                _html_error(403, _TITLE, _METHOD_TEXT, request_id),
                "MethodNotAllowed",
                f"{method} is not allowed by cache behaviour {view.pattern}",
            )
        if not _requires_signature(view.behaviour):
            return _from_origin(view, f"behaviour {view.pattern} requires no signature; ")
        verdict = _verify(view)
        if not verdict.allowed:
            return view.outcome(
                _signature_error(verdict.error_xml(), request_id),
                verdict.code,
                f"behaviour {view.pattern}: {verdict.reason}",
            )
        return _from_origin(
            view, f"signed {verdict.policy_kind} {verdict.source} ({verdict.key_pair_id}); "
        )


@dataclass(frozen=True)
class _View:
    """One viewer request that reached a served distribution and one of its behaviours."""

    request: Request
    target: Target
    request_id: str
    dist: Any
    behaviour: Any

    @property
    def pattern(self) -> str:
        return getattr(self.behaviour, "path_pattern", "") or "Default (*)"

    def outcome(self, response: Response, code: str | None, reason: str) -> Outcome:
        return Outcome(response, self.dist.distribution_id, code, reason)


def _not_served(target: Target, dist: Any | None, request_id: str) -> Outcome:
    state = "is disabled" if dist is not None else "is not a known distribution"
    return Outcome(
        _html_error(403, _TITLE, _BAD_REQUEST_TEXT, request_id),
        dist.distribution_id if dist is not None else target.domain,
        "BadRequest",
        f"{target.domain or '(no host)'} {state}",
    )


def _preflight(view: _View) -> Outcome:
    response = Response(status=200)
    response.headers.update(
        {"Allow": ", ".join(SERVED_METHODS), "Server": "CloudFront"}
        | _cors_headers(view.request, preflight=True)
        | _edge_headers(view.request_id, "Miss")
    )
    return view.outcome(response, None, "CORS preflight answered by the edge")


def _verify(view: _View) -> Any:
    from ..signing import verify

    viewer_url = view.target.viewer_url
    cookies = parse_cookie(view.request.headers.get("Cookie", ""))
    return verify.verify(
        viewer_url,
        trusted_keys=trusted_keys(view.behaviour),
        cookies=dict(cookies.items()),
        viewer_ip=view.request.remote_addr,
        at=time.time(),
        alternate_urls=("http://" + viewer_url.removeprefix("https://"),),
    )


def _s3_decision(bucket: str, key: str, principal: Any, who: str) -> s3_access.AccessDecision:
    if principal is None:
        return s3_access.AccessDecision(False, who, "AccessDenied")
    try:
        return s3_access.can_get_object(bucket, key, principal)
    except UnsupportedPolicyError as exc:  # fail closed, and say why in the decision log
        return s3_access.AccessDecision(False, str(exc), "AccessDenied")


def _from_origin(view: _View, signed: str) -> Outcome:
    """Ask S3 as the distribution (OAC, OAI or anonymous); relay a refusal as S3 wrote it."""
    origin = _origin(view.dist, view.behaviour)
    bucket = s3_bucket_of(getattr(origin, "domain_name", "") or "")
    if origin is None or bucket is None:
        name = getattr(origin, "domain_name", view.behaviour.target_origin_id)
        return view.outcome(
            _html_error(502, _TITLE, _ORIGIN_TEXT, view.request_id),
            "OriginNotS3",
            f"{signed}origin {name!r} is not an S3 REST endpoint; the local edge reads only S3",
        )
    key = s3_key(origin, view.target.path, view.dist)
    principal, who = origin_principal(view.dist, origin)
    decision = _s3_decision(bucket, key, principal, who)
    reason = f"{signed}S3 s3://{bucket}/{key} as {who}: {decision.reason}"
    if decision.allowed:
        return _serve(view, bucket, key, reason)
    extra = {"NoSuchKey": {"Key": key}, "NoSuchBucket": {"BucketName": bucket}}
    code = decision.code or "AccessDenied"
    return view.outcome(
        _s3_error(code, view.request_id, decision.status, **extra.get(code, {})), code, reason
    )


def _object(bucket: str, key: str) -> Any | None:
    from moto.s3.models import FakeKey, s3_backends

    found = s3_backends[LOCAL_ACCOUNT_ID]["aws"].buckets.get(bucket)
    obj = found.keys.get(key) if found is not None else None
    return obj if isinstance(obj, FakeKey) else None


def _object_response(obj: Any, request_id: str) -> Response:
    """The object as S3 sends it (headers from its metadata), with CloudFront's headers added."""
    with obj.lock:  # moto computes the ETag from the shared buffer without its own lock
        etag = obj.etag
    metadata = obj.metadata
    response = Response(
        obj.value, content_type=metadata.get("Content-Type") or "binary/octet-stream"
    )
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = obj.last_modified_RFC1123
    for name in RELAYED_METADATA:
        if metadata.get(name):
            response.headers[name] = metadata[name]
    for name, value in metadata.items():
        if name.lower().startswith("x-amz-meta-"):
            response.headers[name] = value
    response.headers["Server"] = "AmazonS3"
    response.headers.update(_edge_headers(request_id, "Miss"))
    return response


def _serve(view: _View, bucket: str, key: str, reason: str) -> Outcome:
    obj = _object(bucket, key)
    if obj is None:  # deleted between the decision and now
        return view.outcome(
            _s3_error("NoSuchKey", view.request_id, 404, Key=key),
            "NoSuchKey",
            reason + "; the object disappeared",
        )
    response = _object_response(obj, view.request_id)
    length = response.content_length or 0
    try:
        response.make_conditional(
            _range_environ(view.request.environ), accept_ranges=True, complete_length=length
        )
    except RequestedRangeNotSatisfiable:
        error = _s3_error(
            "InvalidRange",
            view.request_id,
            416,
            RangeRequested=view.request.headers.get("Range", ""),
            ActualObjectSize=str(length),
        )
        error.headers["Content-Range"] = f"bytes */{length}"
        return view.outcome(error, "InvalidRange", reason + "; range not satisfiable")
    response.headers.update(_cors_headers(view.request))
    detail = {206: f"; bytes {response.headers.get('Content-Range')}", 304: "; not modified"}
    return view.outcome(response, None, reason + detail.get(response.status_code, ""))


def _range_environ(environ: dict) -> dict:
    """The environ S3 would act on: a malformed or multi-part ``Range`` is ignored (200 whole)."""
    header = environ.get("HTTP_RANGE")
    if not header:
        return environ
    parsed: Range | None = parse_range_header(header)
    if parsed is not None and len(parsed.ranges) == 1:
        return environ
    return {k: v for k, v in environ.items() if k != "HTTP_RANGE"}


def build_edge_app() -> Callable:
    """The factory the local AWS process registers under ``APPS["edge"]``."""
    return Edge()


__all__ = [
    "DECISIONS_PATH",
    "DecisionLog",
    "Edge",
    "Target",
    "build_edge_app",
    "cors_origins",
    "find_behaviour",
    "find_distribution",
    "path_matches",
    "resolve_target",
    "s3_bucket_of",
    "trusted_keys",
]
