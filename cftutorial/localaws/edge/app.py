"""The edge WSGI app: CloudFront's steps in order for one request, and the decision it logs."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES, parse_cookie
from werkzeug.wrappers import Request, Response

from ...errors import ConfigError
from ...signing import verify
from .. import boundary, control, moto_adapter, uri, wire
from ..moto_adapter import Distribution
from . import access_logs
from .access_logs import AccessLogs, Served
from .behaviours import (
    allowed_methods,
    find_behaviour,
    requires_signature,
    trusted_keys,
)
from .decisions import DECISIONS_PATH, DEFAULT_DECISION_LIMIT, MAX_DECISIONS, DecisionLog
from .handler import EdgeRequestHandler
from .origin import from_origin, preflight
from .responses import (
    BAD_REQUEST_TEXT,
    METHOD_TEXT,
    ORIGIN_TEXT,
    TITLE,
    html_error,
    request_id,
    signature_error,
)
from .routing import Target, raw_uri, resolve_target
from .view import Outcome, View

log = logging.getLogger("cftutorial.localaws.edge")


class Edge:
    """The edge WSGI app. One instance per local AWS process."""

    request_handler = EdgeRequestHandler

    def __init__(
        self, decisions: DecisionLog | None = None, logs: AccessLogs | None = None
    ) -> None:
        self.decisions = decisions or DecisionLog()
        self.logs = logs or AccessLogs()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == DECISIONS_PATH and request.method in ("GET", "HEAD"):
            return self._decisions(request)(environ, start_response)
        if request.path == access_logs.FLUSH_PATH:
            return self._flush(request, environ)(environ, start_response)
        started = time.monotonic()
        rid = request_id()
        target = Target("", request.path, "")
        try:
            target = resolve_target(
                environ, lambda d: moto_adapter.distribution_by_domain(d) is not None
            )
            outcome = self.handle(request, target, rid)
        except Exception as exc:  # never 5xx by accident: log loudly, answer as an origin failure
            log.exception("edge failed on %s %s", request.method, raw_uri(environ))
            outcome = Outcome(
                html_error(502, TITLE, ORIGIN_TEXT, rid),
                target.domain,
                "InternalError",
                f"the local edge failed: {type(exc).__name__}: {exc}",
            )
        self._record(request, target, outcome)
        self._log(request, target, outcome, time.monotonic() - started)
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

    def _log(self, request: Request, target: Target, outcome: Outcome, seconds: float) -> None:
        """The standard access log line, for a distribution that serves and logs."""
        dist = moto_adapter.distribution(outcome.distribution) if outcome.distribution else None
        if dist is None or not dist.enabled or not dist.logging.enabled:
            return
        served = Served(
            request,
            outcome.response,
            dist.domain_name,
            target.path,
            target.query,
            outcome.code,
            seconds,
            access_logs.now_utc(),
            dist.logging.include_cookies,
        )
        try:
            self.logs.record(dist, served)
        except Exception:  # a log line must never change the viewer's answer
            log.exception("access log line failed for %s %s", request.method, target.path)

    def _flush(self, request: Request, environ: dict) -> Response:
        """``POST``: deliver every waiting log file now; the answer lists what was written.

        A control endpoint like the AWS port's (:mod:`..control`): only the package's own
        clients, which send the per-start token, may ask; a web page's simple POST is refused.
        """
        refused = control.refusal(wire.Request(environ))
        if refused is not None:
            status, headers, body = refused
            return Response(body, status=status, headers=headers)
        if request.method != "POST":
            body = {"error": f"{access_logs.FLUSH_PATH} takes POST (deliver the logs now)"}
            return Response(json.dumps(body), status=405, content_type="application/json")
        delivered = self.logs.deliver(everything=True)
        return Response(json.dumps({"files": delivered}), content_type="application/json")

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

    def handle(self, request: Request, target: Target, rid: str) -> Outcome:
        """CloudFront's steps in order: distribution, behaviour, method, signature, origin."""
        dist = moto_adapter.distribution_by_domain(target.domain) if target.domain else None
        if dist is None or not dist.enabled:
            return _not_served(target, dist, rid)
        try:
            url = target.canonical()
        except uri.PathRefused as refused:
            return Outcome(
                html_error(400, TITLE, BAD_REQUEST_TEXT, rid), dist.id, "InvalidPath", str(refused)
            )
        view = View(request, target, rid, dist, find_behaviour(dist, url.path), url)
        method = request.method.upper()
        if method not in allowed_methods(view.behaviour):
            return view.outcome(
                html_error(403, TITLE, METHOD_TEXT, rid),
                "MethodNotAllowed",
                f"{method} is not allowed by cache behaviour {view.pattern}",
            )
        if not requires_signature(view.behaviour):
            signed = f"behaviour {view.pattern} requires no signature; "
        else:
            verdict = _verify(view)
            if not verdict.allowed:
                return view.outcome(
                    signature_error(verdict.error_xml(), rid),
                    verdict.code,
                    f"behaviour {view.pattern}: {verdict.reason}",
                )
            signed = f"signed {verdict.policy_kind} {verdict.source} ({verdict.key_pair_id}); "
        if method == "OPTIONS":
            return preflight(view, signed)
        return from_origin(view, signed)


def _not_served(target: Target, dist: Distribution | None, rid: str) -> Outcome:
    state = "is disabled" if dist is not None else "is not a known distribution"
    return Outcome(
        html_error(403, TITLE, BAD_REQUEST_TEXT, rid),
        dist.id if dist is not None else target.domain,
        "BadRequest",
        f"{target.domain or '(no host)'} {state}",
    )


def _verify(view: View) -> Any:
    viewer_url = view.url.url
    cookies = parse_cookie(_cookie_header(view.request.environ))
    return verify.verify(
        viewer_url,
        trusted_keys=trusted_keys(view.behaviour),
        cookies=dict(cookies.items()),
        viewer_ip=view.request.remote_addr,
        at=time.time(),
        alternate_urls=("http://" + viewer_url.removeprefix("https://"),),
    )


def _cookie_header(environ: dict) -> str:
    """The ``Cookie`` header with bytes that are not UTF-8 replaced by U+FFFD, so they can only
    fail the signature check (werkzeug's ``parse_cookie`` raises ``UnicodeDecodeError`` on them).

    Returned in WSGI's latin-1 form, which ``parse_cookie`` decodes as UTF-8 again.
    """
    raw = environ.get("HTTP_COOKIE", "")
    text = raw.encode("latin-1", "replace").decode("utf-8", "replace")
    return text.encode("utf-8").decode("latin-1")


def _is_distribution_domain(name: str) -> bool:
    """A distribution's own ``*.cloudfront.net`` name: AWS answers for it in DNS, so no web page
    can point it at this machine (``Host: DOMAIN`` routing keeps working for it)."""
    if not name.endswith(".cloudfront.net"):
        return False
    dist = moto_adapter.distribution_by_domain(name)
    return dist is not None and dist.domain_name == name


def _refused_host(reason: str) -> wire.Response:
    """CloudFront's 403 page, with the local edge's reason as its text (a local refusal)."""
    page = html_error(403, TITLE, f"Bad request.\n{reason}", request_id())
    return 403, dict(page.headers.items()), page.get_data()


def boundary_policy() -> boundary.Policy:
    """The edge's browser boundary (:mod:`..boundary`): the Host check only, since players on
    other origins are what the edge serves, and it only reads."""
    return boundary.Policy(refuse=_refused_host, also_allowed=_is_distribution_domain)


def build_edge_app() -> Callable:
    """The factory the local AWS process registers under ``APPS["edge"]``."""
    try:
        access_logs.delivery_seconds()  # a bad CFTUTORIAL_LOG_DELIVERY_SECONDS stops the start
    except ConfigError as error:
        log.error("EDGE_CONFIG %s", error)
        raise SystemExit(2) from None
    return Edge()
