"""The AWS port's lock: who may use the control endpoints, and which web pages get CORS.

The AWS port listens on a fixed 127.0.0.1 port, so any web page open in the learner's browser
can send it requests. Without a lock, a drive-by page could ``POST /moto-api/reset`` (wipe every
bucket), plant an account key pair that ``TrustedSigners: self`` then trusts, or read the whole
state from ``/moto-api/data.json``. So:

* **A per-start token.** The local AWS process makes a random token when it starts
  (:func:`server_token`) and writes it to the runtime file (mode 0600, readable by the learner's
  own processes only). ``/moto-api/*`` and ``/_cftutorial/*`` (except the health check, which
  says only "I am the local AWS, pid N") answer 403 without the header
  :data:`TOKEN_HEADER` holding it. The package's own clients add it (:func:`headers`). A browser
  page cannot read the runtime file, and cannot send a custom header cross-site without a CORS
  preflight, which the control endpoints never pass.
* **No simple requests on the control endpoints.** A ``POST`` there must carry a JSON or PEM
  ``Content-Type`` (``application/json``, ``application/x-pem-file``); ``text/plain``,
  form types or none at all (what a cross-site "simple request" can send) are refused with 415.
* **Web pages are stopped earlier.** Before any of this, the port's browser boundary
  (:mod:`.boundary`) refuses a ``Host`` that does not name this machine and every request a
  browser marks as cross-site (an ``Origin`` not listed below, ``Sec-Fetch-Site: cross-site`` or
  ``same-site``); the token and the content types are the second line.
* **CORS only for origins that need it.** moto answers every ``Origin`` with
  ``Access-Control-Allow-Origin: <that origin>`` and allows every method and header. The
  fidelity layer drops moto's CORS headers unless the request's ``Origin`` is listed in
  ``CFTUTORIAL_AWS_CORS_ORIGINS`` (comma-separated; default none: the notebooks call the AWS
  port from the kernel, and the browser reaches only the *edge*, through jupyter-server-proxy),
  and never sends them for the control endpoints.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .wire import Request, Response

TOKEN_HEADER = "X-Cftutorial-Token"
ENV_AWS_CORS_ORIGINS = "CFTUTORIAL_AWS_CORS_ORIGINS"
CONTROL_PREFIXES = ("/moto-api", "/_cftutorial")
OPEN_PATHS = frozenset({"/_cftutorial/health"})
CONTROL_TYPES = ("application/json", "application/x-pem-file")

_lock = threading.Lock()
_token: list[str] = []


def server_token() -> str:
    """This process's token (made on first use, the same for the life of the process)."""
    with _lock:
        if not _token:
            _token.append(secrets.token_urlsafe(32))
        return _token[0]


def client_token(runtime_file: Path) -> str:
    """The running local AWS's token, from its runtime file ("" when there is none).

    The caller names the file (``process.runtime_file()``): the server imports this module,
    so it must not import :mod:`.process`, which imports the server.
    """
    try:
        data = json.loads(runtime_file.read_text())
    except (OSError, ValueError):
        return ""
    token = data.get("token") if isinstance(data, dict) else None
    return token if isinstance(token, str) else ""


def headers(runtime_file: Path, content_type: str | None = None) -> dict[str, str]:
    """Headers for a request of the package's own to a control endpoint."""
    found = {TOKEN_HEADER: client_token(runtime_file)}
    if content_type:
        found["Content-Type"] = content_type
    return found


def is_control(path: str) -> bool:
    return path.startswith(CONTROL_PREFIXES)


def _json(status: int, message: str) -> Response:
    return status, {"Content-Type": "application/json"}, json.dumps({"Error": message}).encode()


def refusal(request: Request) -> Response | None:
    """403 / 415 for a control request that lacks the token or is a cross-site simple POST."""
    if not is_control(request.path) or request.path in OPEN_PATHS:
        return None
    given = request.header(TOKEN_HEADER) or ""
    if not hmac.compare_digest(given.encode(), server_token().encode()):
        return _json(
            403,
            f"{request.path} is a control endpoint of the local AWS: send the {TOKEN_HEADER} "
            "header with the token from the runtime file (the package's own clients do)",
        )
    content_type = (request.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    if request.method == "POST" and content_type not in CONTROL_TYPES:
        return _json(
            415,
            f"Content-Type {content_type or '(none)'!r} is not accepted on {request.path}; "
            f"use one of {', '.join(CONTROL_TYPES)}",
        )
    return None


def cors_origins() -> frozenset[str]:
    raw = os.environ.get(ENV_AWS_CORS_ORIGINS, "")
    return frozenset(item.strip() for item in raw.split(",") if item.strip())


def allows_cors(request: Request) -> bool:
    """Whether moto's CORS headers may reach this request's page."""
    origin = request.header("Origin")
    return bool(origin) and not is_control(request.path) and origin in cors_origins()


def without_cors(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
