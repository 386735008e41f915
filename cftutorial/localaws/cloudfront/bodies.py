"""CloudFront request bodies are checked against the botocore model before anyone reads them.

AWS answers a CloudFront ``POST``/``PUT`` whose XML body is not well-formed, is not the
operation's input shape, or lacks a required element with 400 ``InvalidArgument`` (the one
client error every create/update operation declares in the botocore model). moto 5.2.5 indexes
the parsed body directly and answers HTTP 500 instead. The operation comes from the model's
``requestUri``/method; the body is parsed with botocore's own rest-xml parser and checked with
botocore's own ``ParamValidator``, so "valid" means exactly what boto3 would have sent.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from xml.sax.saxutils import escape

from ..wire import CloudFrontError, Request, Response, request_id

NOT_XML = (
    "The XML document you provided was not well-formed or did not validate against our "
    "published schema"
)


Route = tuple[str, re.Pattern, frozenset[str], Any]


@functools.lru_cache(maxsize=1)
def _routes() -> list[Route]:
    """(method, path regex, query keys the URI names, operation model) for every CloudFront
    operation; those naming query keys (``?WithTags``) come first."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("cloudfront")
    found = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        uri, _, query = operation.http["requestUri"].partition("?")
        keys = frozenset(part.split("=", 1)[0] for part in query.split("&") if part)
        pattern = re.compile(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(uri)) + "$")
        found.append((operation.http["method"], pattern, keys, operation))
    return sorted(found, key=lambda item: -len(item[2]))


def _has_xml_body(operation: Any) -> bool:
    shape = operation.input_shape
    payload = (shape.serialization or {}).get("payload") if shape else None
    return bool(payload) and shape.members[payload].type_name == "structure"


@functools.lru_cache(maxsize=1)
def _operations() -> list[Route]:
    """The routes of the operations with an XML body."""
    return [route for route in _routes() if _has_xml_body(route[3])]


def _match(request: Request, routes: list[Route]) -> Any | None:
    for method, pattern, keys, operation in routes:
        if (
            method == request.method
            and pattern.match(request.path)
            and keys <= request.query.keys()
        ):
            return operation
    return None


def operation_of(request: Request) -> Any | None:
    """The operation with an XML body this request names (None: none)."""
    return _match(request, _operations())


def route_of(request: Request) -> Any | None:
    """The CloudFront operation this method and path name (None: the API has none)."""
    return _match(request, _routes())


def problem(operation: Any, body: bytes) -> str | None:
    """Why ``body`` is not a valid input of ``operation`` (None when it is)."""
    from botocore.parsers import ResponseParserError, RestXMLParser
    from botocore.validate import ParamValidator

    payload = operation.input_shape.serialization["payload"]
    shape = operation.input_shape.members[payload]
    parser = RestXMLParser()
    try:
        root = parser._parse_xml_string_to_dom(body)
    except (ResponseParserError, ValueError):
        return NOT_XML
    member = operation.input_shape.members[payload]
    names = {payload, shape.name, member.serialization.get("name"), shape.serialization.get("name")}
    if parser._node_tag(root) not in names:
        return f"{NOT_XML}: the root element must be {payload}"
    try:
        params = parser._handle_structure(shape, root)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        return f"{NOT_XML}: {type(error).__name__}: {error}"
    report = ParamValidator().validate(params, shape)
    return str(report.generate_report()) if report.has_errors() else None


def check(request: Request) -> CloudFrontError | None:
    """``InvalidArgument`` for a CloudFront body AWS would refuse; None to go on."""
    try:
        request.body.decode("utf-8")
    except UnicodeDecodeError:  # moto decodes every CloudFront body as UTF-8 (HTTP 500)
        return CloudFrontError("InvalidArgument", f"{NOT_XML}: the body is not UTF-8 text")
    route = route_of(request)
    if route is not None and not _has_xml_body(route) and request.body:
        request.drop_body()  # DeleteDistribution and the like take no body: AWS ignores one
    if request.method not in ("POST", "PUT"):
        return None
    operation = operation_of(request)
    if operation is None:
        return None
    found = problem(operation, request.body)
    return CloudFrontError("InvalidArgument", found) if found else None


def unknown_route(request: Request) -> Response | None:
    """404 for a method and path the CloudFront API has no operation for (moto: HTTP 500).

    AWS documents no answer for it; this one is the local AWS's own (CloudFront's error body,
    ``UnknownOperationException``), so a client gets a 4xx that names what it sent.
    """
    if route_of(request) is not None:
        return None
    rid = request_id()
    message = f"the CloudFront API (2020-05-31) has no operation {request.method} {request.path}"
    body = (
        '<?xml version="1.0"?>\n<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/'
        '2020-05-31/"><Error><Type>Sender</Type><Code>UnknownOperationException</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{rid}</RequestId>"
        "</ErrorResponse>"
    )
    return 404, {"Content-Type": "text/xml", "x-amz-request-id": rid}, body.encode()
