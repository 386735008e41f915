"""The WSGI layer in front of moto: answers what moto gets wrong, passes everything else on.

Order of a request: the port's lock (:mod:`.control`: the token on control endpoints, no
cross-site simple POSTs, CORS only for listed origins); the local account-key-pair endpoint;
``/moto-api/reset`` (also clears the fidelity layer's own stores); a request that names no
service or the wrong one (:mod:`.scope`); JSON-protocol inputs (KMS, ACM: :mod:`.json_api`);
CloudFront routes moto lacks
or gets wrong (C1, C5, C7, C8); then S3 rules: methods S3 has no operation for (405,
:mod:`.s3.methods`), presigned URLs (S8), anonymous requests (S4-S6), ACL calls (S2), bucket
policies (S7). A rule returns a response to send, or None to let moto answer.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

from ..errors import AccountKeyPairError
from . import account_keys, control, json_api, scope
from .cloudfront import bodies, keygroups, oac, oai, public_keys
from .handler import LocalRequestHandler
from .s3 import acls, anonymous, methods, policy, presigned, shapes
from .s3.errors import s3_error
from .wire import CloudFrontError, Request, Response, WSGIApp, send

log = logging.getLogger("cftutorial.localaws.fidelity")

ACCOUNT_KEYS_PATH = "/_cftutorial/account-key-pairs"
RESET_PATH = "/moto-api/reset"

BAD_FRAMING = s3_error(
    "InvalidRequest",
    "A request may not carry both Content-Length and Transfer-Encoding (RFC 9112 section 6.1)",
    400,
)

CLOUDFRONT_ROUTES = [
    (method, re.compile(pattern + "$"), handler, operation)
    for method, pattern, handler, operation in (
        *oai.ROUTES,
        *keygroups.ROUTES,
        *public_keys.ROUTES,
        *oac.ROUTES,
    )
]


def reset_own_state() -> None:
    """What ``POST /moto-api/reset`` must clear besides moto's backends."""
    oai.reset()
    account_keys.reset()


def _json(status: int, data: object) -> Response:
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


def account_key_pairs(request: Request) -> Response:
    """``POST`` a PEM body to register a local account key pair; ``GET`` lists them."""
    if request.method == "GET":
        keys = account_keys.trusted_for_self()
        return _json(200, [{"KeyPairId": k, "PublicKey": v} for k, v in sorted(keys.items())])
    if request.method != "POST":
        return _json(405, {"Error": f"method {request.method} not allowed; use GET or POST"})
    try:
        key_id = account_keys.register(request.body.decode("utf-8", "replace"))
    except AccountKeyPairError as error:
        return _json(400, {"Error": str(error)})
    return _json(201, {"KeyPairId": key_id})


def delete_account_key_pair(request: Request) -> Response:
    """``DELETE /_cftutorial/account-key-pairs/ID``: 204, or 404 when there is no such key pair."""
    if request.method != "DELETE":
        return _json(405, {"Error": f"method {request.method} not allowed; use DELETE"})
    key_id = request.path.rsplit("/", 1)[1]
    if account_keys.delete(key_id):
        return 204, {}, b""
    return _json(404, {"Error": f"no account key pair {key_id!r} is registered"})


def cloudfront_route(request: Request) -> Response | None:
    unknown = bodies.unknown_route(request)
    if unknown is not None:
        return unknown
    refused = bodies.check(request)
    if refused is not None:
        operation = bodies.operation_of(request) or bodies.route_of(request)
        return refused.response(operation.name)
    for method, pattern, handler, operation in CLOUDFRONT_ROUTES:
        match = pattern.match(request.path)
        if method == request.method and match:
            try:
                return handler(request, **match.groupdict())
            except CloudFrontError as error:
                return error.response(operation)
    return None


def s3_rules(request: Request) -> Response | None:
    for rule in (methods.check, presigned.check):
        found = rule(request)
        if found:
            return found
    if request.anonymous:
        return anonymous.check(request) or shapes.check(request)
    for rule in (shapes.check, shapes.missing_resource, acls.check, policy.check):
        found = rule(request)
        if found:
            return found
    return None


def wrap_app(app: WSGIApp) -> Callable:
    """moto's app with the fidelity rules in front of it."""

    def wsgi(environ, start_response):
        request = Request(environ)
        if request.framing_conflict:
            return send(start_response, BAD_FRAMING)
        refused = control.refusal(request)
        if refused is not None:
            return send(start_response, refused)
        if not control.allows_cors(request):
            start_response = _dropping_cors(start_response)
        return _route(request, environ, start_response)

    def _route(request: Request, environ: dict, start_response: Callable):
        path = request.path
        if path == ACCOUNT_KEYS_PATH:
            return send(start_response, account_key_pairs(request))
        if path.startswith(ACCOUNT_KEYS_PATH + "/"):
            return send(start_response, delete_account_key_pair(request))
        if path == RESET_PATH and request.method == "POST":
            result = app(environ, start_response)
            reset_own_state()
            return result
        if control.is_control(path):
            return app(environ, start_response)
        found = scope.check(request)
        if found is not None:
            return send(start_response, found)
        service = request.service
        if service == "cloudfront":
            found = cloudfront_route(request)
        elif service in ("s3", None):
            found = s3_rules(request)
        elif service in json_api.SERVICES:
            found = json_api.check(request, service)
        else:
            found = None
        if found is not None:
            return send(start_response, found)
        return app(environ, start_response)

    wsgi.request_handler = LocalRequestHandler  # type: ignore[attr-defined]
    return wsgi


def _dropping_cors(start_response: Callable) -> Callable:
    """``start_response`` without moto's ``Access-Control-*`` headers (see :mod:`.control`)."""

    def respond(status, headers, exc_info=None):
        return start_response(status, control.without_cors(headers), exc_info)

    return respond
