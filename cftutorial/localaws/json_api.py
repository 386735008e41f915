"""The JSON-protocol APIs (KMS, ACM): a body that is not the operation's input gets AWS's 400.

A JSON-protocol request names its operation in ``X-Amz-Target`` (``TrentService.Sign``) and
sends its input as a JSON object. AWS answers an operation the service does not have with ``400
UnknownOperationException``, a body that is not a JSON object with ``400 SerializationException``,
and an input that breaks the model (a missing ``KeyId``, a number where text belongs) with ``400
ValidationException``. moto reads the fields directly and answered HTTP 500 (``KeyError``,
``AttributeError: 'NoneType' object has no attribute 'startswith'``, ``UnicodeDecodeError``).
The check is the botocore model's own ``ParamValidator``, so "valid" means exactly what boto3
would send; what the model cannot say (a key that does not exist) is left to moto, which answers
it as AWS does.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from .wire import Request, Response, request_id

#: The JSON-protocol services the local AWS serves, by credential-scope name.
SERVICES = ("kms", "acm")


@functools.cache
def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def service_of_target(target: str) -> str | None:
    """The service whose ``targetPrefix`` starts ``target`` (``TrentService.Sign`` -> ``kms``)."""
    prefix = target.partition(".")[0]
    return next((s for s in SERVICES if _model(s).metadata.get("targetPrefix") == prefix), None)


def error(code: str, message: str, status: int = 400) -> Response:
    rid = request_id()
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": rid}, body


def check(request: Request, service: str) -> Response | None:
    """AWS's 400 for a request to ``service`` (``kms``, ``acm``) its model refuses; else None."""
    target = request.header("X-Amz-Target") or ""
    model = _model(service)
    prefix, _, name = target.partition(".")
    if prefix != model.metadata.get("targetPrefix") or name not in model.operation_names:
        return error("UnknownOperationException", f"unknown operation {target!r}")
    try:
        params = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError, RecursionError):
        params = None
    if not isinstance(params, dict):
        return error("SerializationException", "the request body is not a JSON object")
    from botocore.validate import ParamValidator

    shape = model.operation_model(name).input_shape
    report = ParamValidator().validate(params, shape) if shape is not None else None
    if report is not None and report.has_errors():
        return error("ValidationException", report.generate_report())
    return None
