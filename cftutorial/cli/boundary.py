"""What the command line does with errors that are not its own: one line and a hint, never a traceback.

botocore is never imported here: when a command did not load it, no exception can be one of its
errors, so the signing commands run without it (see :func:`aws_error_message`).
"""

from __future__ import annotations

import re
import sys
from types import TracebackType

#: The extra that provides each third-party module a command may need.
EXTRA_OF_MODULE = {
    "boto3": "local",
    "botocore": "local",
    "s3transfer": "local",
    "jmespath": "local",
    "moto": "local",
    "werkzeug": "local",
    "requests": "local",
    "urllib3": "local",
    "flask": "local",
    "flask_cors": "local",
    "yaml": "local",
    "jupyterlab": "lab",
    "jupyter_server": "lab",
    "jupyter_server_proxy": "lab",
    "ipywidgets": "lab",
    "papermill": "lab",
    "jupytext": "lab",
    "nbformat": "lab",
    "nbclient": "lab",
    "IPython": "lab",
    "ipykernel": "lab",
    "sphinx": "docs",
    "myst_nb": "docs",
}

#: What the [aws] extra alone provides (enough in aws mode).
AWS_MODULES = {"boto3", "botocore", "s3transfer", "jmespath"}

CREDENTIAL_ERRORS = (
    "NoCredentialsError",
    "PartialCredentialsError",
    "CredentialRetrievalError",
    "ProfileNotFound",
    "NoRegionError",
    "SSOError",
    "SSOTokenLoadError",
    "UnauthorizedSSOTokenError",
    "TokenRetrievalError",
)
CREDENTIAL_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "AuthFailure",
}
THROTTLING_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
}
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"}

HINT_CREDENTIALS = (
    "configure AWS credentials (aws configure, or AWS_PROFILE=NAME), "
    "or unset CFTUTORIAL_BACKEND to use the local AWS"
)
HINT_LOCAL = "is the local AWS running? cftutorial local status"
HINT_AWS_NETWORK = "check the network, AWS_REGION and AWS_ENDPOINT_URL"
HINT_THROTTLED = "AWS is limiting the request rate: wait a minute and run the command again"
HINT_DENIED = "grant it to your IAM identity (docs/iam-policy.json lists what the tutorial needs)"


def missing_extra_message(exc: ModuleNotFoundError) -> str | None:
    """``pip install 'cftutorial[EXTRA]'`` for a missing third-party module, else None."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(top)
    if extra is None:
        return None
    if extra == "local" and top in AWS_MODULES and _backend() == "aws":
        extra = "aws"  # real AWS needs the clients, not the local AWS
    return (
        f"this command needs {top}, which is not installed; "
        f"install it with: pip install 'cftutorial[{extra}]'"
    )


def aws_error_message(exc: BaseException) -> str | None:
    """One line (what failed; the hint) for a botocore or boto3 error, else None."""
    exceptions = sys.modules.get("botocore.exceptions")
    if exceptions is None:
        return None  # no command loaded botocore, so this cannot be one of its errors
    if isinstance(exc, exceptions.ClientError):
        return _client_error_message(exc)
    if isinstance(exc, exceptions.BotoCoreError):
        return _botocore_error_message(exc, exceptions)
    boto3_exceptions = sys.modules.get("boto3.exceptions")
    if boto3_exceptions is not None and isinstance(exc, boto3_exceptions.Boto3Error):
        return f"AWS: {_one_line(str(exc))}; {HINT_AWS_NETWORK}"
    return None


def _backend() -> str:
    from .. import config
    from ..errors import CftutorialError

    try:
        return config.backend()
    except CftutorialError:
        return "local"


def _botocore_error_message(exc: BaseException, exceptions) -> str:
    text = _one_line(str(exc))
    if type(exc).__name__ in CREDENTIAL_ERRORS:
        return f"AWS credentials: {text}; {HINT_CREDENTIALS}"
    unreachable = (exceptions.EndpointConnectionError, exceptions.ConnectionClosedError)
    if isinstance(exc, (*unreachable, exceptions.ConnectTimeoutError, exceptions.ReadTimeoutError)):
        hint = HINT_LOCAL if _backend() == "local" else HINT_AWS_NETWORK
        return f"AWS endpoint unreachable: {text}; {hint}"
    return f"AWS: {text}; {HINT_AWS_NETWORK}"


def _client_error_message(exc) -> str:
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "Unknown")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    operation = exc.operation_name
    said = _one_line(str(error.get("Message") or ""))
    where = f"AWS refused {operation} ({code}{': ' + said if said else ''})"
    if code in THROTTLING_CODES:
        return f"{where}; {HINT_THROTTLED}"
    if code in CREDENTIAL_CODES:
        return f"{where}; {HINT_CREDENTIALS}"
    if code in DENIED_CODES or (status == 403 and code not in CREDENTIAL_CODES):
        permission = _permission(said, operation, exc.__traceback__)
        return f"{where}; the missing permission is {permission}: {HINT_DENIED}"
    return where


def _permission(message: str, operation: str, trace: TracebackType | None) -> str:
    """The IAM action that was refused: as AWS names it, else service prefix + operation."""
    named = re.search(r"perform: ([\w-]+:[\w*]+)", message)
    if named:
        return named.group(1)
    return f"{_service_of_call(trace) or 'SERVICE'}:{operation}"


def _service_of_call(trace: TracebackType | None) -> str | None:
    """The IAM prefix (signing name) of the client whose call failed, from its frame."""
    while trace is not None:
        client = trace.tb_frame.f_locals.get("self")
        model = getattr(getattr(client, "meta", None), "service_model", None)
        if trace.tb_frame.f_code.co_name == "_make_api_call" and model is not None:
            return model.signing_name
        trace = trace.tb_next
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())
