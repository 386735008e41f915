"""moto's own modules, imported lazily (the server starts fast, ``--help`` stays fast), and the
few moto services the local AWS calls as they are: its version, its WSGI app, its CloudFront
serializer and exceptions, its clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...config import LOCAL_ACCOUNT_ID

# --- moto's modules (imported lazily: the server starts fast, --help stays fast) ---------------


def _cf_models() -> Any:
    from moto.cloudfront import models

    return models


def _s3_models() -> Any:
    from moto.s3 import models

    return models


def _s3_responses() -> Any:
    from moto.s3 import responses

    return responses


def _kms_models() -> Any:
    from moto.kms import models

    return models


def _acm_models() -> Any:
    from moto.acm import models

    return models


def _kms_utils() -> Any:
    from moto.kms import utils

    return utils


def _cloudfront() -> Any:
    return _cf_models().cloudfront_backends[LOCAL_ACCOUNT_ID]["aws"]


def _kms_regions() -> dict[str, Any]:
    """The local account's KMS backends that exist, by Region (KMS keys are regional)."""
    return dict(_kms_models().kms_backends[LOCAL_ACCOUNT_ID])


def _s3() -> Any:
    return _s3_models().s3_backends[LOCAL_ACCOUNT_ID]["aws"]


def moto_version() -> str:
    import moto

    return moto.__version__


def moto_app() -> Callable:
    """moto's own WSGI app (every service, dispatched by host and credential scope)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def serialize_cloudfront(operation: str, result: Any) -> tuple[int, dict[str, str], bytes]:
    """``result`` (a dict, or a moto error) as CloudFront ``operation``'s rest-xml answer."""
    from moto.core.serialize import get_serializer_class
    from moto.core.utils import get_service_model

    model = get_service_model("cloudfront").operation_model(operation)
    serialized = get_serializer_class("cloudfront", "rest-xml")(model).serialize(result)
    body = serialized["body"]
    headers = {k: str(v) for k, v in serialized["headers"].items()}
    data = body.encode() if isinstance(body, str) else (body or b"")
    return serialized["status_code"], headers, data


def cloudfront_exception(code: str, message: str) -> Exception:
    """moto's CloudFront exception, which its dispatcher serialises (not an HTTP 500)."""
    from moto.cloudfront.exceptions import CloudFrontException

    return CloudFrontException(code, message)


def utcnow() -> Any:
    from moto.core.utils import utcnow as now

    return now()


def acm_exception(code: str, message: str) -> Exception:
    """moto's ACM (JSON protocol) exception with AWS's error code, serialised by moto."""
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)
