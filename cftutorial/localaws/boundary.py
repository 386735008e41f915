"""The browser boundary of both ports: who may reach the local AWS at all, before any rule runs.

Both ports listen on 127.0.0.1, and any web page open in the learner's browser can send them
requests. Two checks stand in front of everything else (even the health check), so a page gets
a 403 before any rule, moto or the state is reached:

* **Host (DNS rebinding), both ports.** A page on ``attacker.example`` can make its own name
  resolve to 127.0.0.1 and then talk to a local port as a *same-origin* page, reading every
  answer. Such a request carries ``Host: attacker.example``. Jupyter Server refuses it with 403
  when it listens on loopback (``ServerApp.allow_remote_access``, ``local_hostnames``); the
  local AWS draws the same line: it answers only a ``Host`` naming this machine,

  - an IP address that is loopback (``127.0.0.1``, ``[::1]``, any ``127.x.y.z``),
  - ``localhost`` and every ``*.localhost`` name (RFC 6761: always this machine; notebook 11
    serves ``videos.cftutorial.localhost``, and ``aws s3`` addresses ``BUCKET.localhost``),
  - on the edge, a distribution's own ``*.cloudfront.net`` domain (``Host: DOMAIN`` routing):
    AWS answers for that name in DNS, so no page can point it at this machine,
  - the names in ``CFTUTORIAL_LOCAL_ALLOWED_HOSTS`` (comma-separated; ``.example.org`` for the
    name and every subdomain; ``*`` for any Host, which turns the check off),

  with or without a port. Behind JupyterHub or Binder (``JUPYTERHUB_SERVICE_PREFIX`` set when the
  local AWS starts) the browser is on another machine and reaches these ports only through
  Jupyter's authenticated proxy, which passes on the hub's own ``Host``: there the default is
  ``*``, as a hub-spawned Jupyter Server allows remote access. Set the variable to keep a list.
* **Cross-site requests, AWS port only.** The access key and secret of the local AWS are public
  constants, so a page can presign S3 requests and send them as "simple" requests a browser
  does not preflight (a ``text/plain`` POST ``?delete``, a multipart form POST). Browsers mark
  such requests: ``Origin`` on every cross-origin request (and on same-origin ones other than
  GET/HEAD), ``Sec-Fetch-Site`` (``cross-site``, ``same-site``, ``same-origin``, ``none``) on
  every request. The AWS port refuses a request whose ``Origin`` is not listed in
  ``CFTUTORIAL_AWS_CORS_ORIGINS`` (:mod:`.control`), and one marked ``cross-site`` or
  ``same-site`` that no listed ``Origin`` vouches for, signed or presigned or not. boto3, the AWS
  CLI and curl send neither header. The edge keeps serving cross-site requests: players on other
  origins are what it is for, and it only reads.

Both are local rules (AWS answers the Internet): the refusals name themselves as the local AWS's
and say which setting would let the request in.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .. import config
from . import control
from .wire import Response

log = logging.getLogger("cftutorial.localaws.boundary")

CROSS_SITE = frozenset({"cross-site", "same-site"})


def host_name(header: str) -> str | None:
    """The name a ``Host`` header gives, lower-case, without port or brackets (``None``: none or
    not a host at all)."""
    value = header.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return name or None
    name, colon, port = value.partition(":")
    if colon and not port.isdigit():
        return None
    return name.rstrip(".") or None


def is_this_machine(name: str) -> bool:
    """A loopback address, ``localhost`` or a ``*.localhost`` name (RFC 6761 section 6.3)."""
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return name == "localhost" or name.endswith(".localhost")


def listed(name: str, allowed: Iterable[str]) -> bool:
    """Whether ``name`` is in the configured list (``*``, ``name``, or ``.suffix`` entries)."""
    for entry in allowed:
        if entry == "*" or entry == name:
            return True
        if entry.startswith(".") and (name == entry[1:] or name.endswith(entry)):
            return True
    return False


@dataclass(frozen=True)
class Policy:
    """One port's boundary: which extra names it answers, whether it refuses cross-site
    requests, and the 403 it answers in its own voice."""

    refuse: Callable[[str], Response]
    also_allowed: Callable[[str], bool] = lambda _name: False
    cross_site: bool = False
    allowed_hosts: tuple[str, ...] = field(default_factory=config.local_allowed_hosts)


def host_refusal(environ: dict, policy: Policy) -> str | None:
    """Why this request's ``Host`` is not answered, or ``None`` when it is."""
    header = environ.get("HTTP_HOST")
    if not header:  # HTTP/1.0 without Host: only a program on this machine sends that
        return None
    name = host_name(header)
    if name is not None and (
        is_this_machine(name) or listed(name, policy.allowed_hosts) or policy.also_allowed(name)
    ):
        return None
    return (
        f"the local AWS answers only requests addressed to this machine (Host 127.0.0.1, "
        f"localhost, [::1] or a *.localhost name), not Host {header!r}; if a proxy of yours "
        f"sends that name, add it to {config.ENV_ALLOWED_HOSTS}"
    )


def cross_site_refusal(environ: dict) -> str | None:
    """Why a browser's cross-site request is refused on the AWS port, or ``None``."""
    origin = environ.get("HTTP_ORIGIN")
    allowed = control.cors_origins()
    if origin is not None and origin not in allowed:
        return (
            f"the local AWS refuses requests from web pages (Origin {origin!r}); a page of yours "
            f"that must call it directly goes in {control.ENV_AWS_CORS_ORIGINS}"
        )
    site = (environ.get("HTTP_SEC_FETCH_SITE") or "").strip().lower()
    if site in CROSS_SITE and origin is None:
        return (
            f"the local AWS refuses requests a browser marks as {site} (Sec-Fetch-Site); "
            "use boto3, the AWS CLI or curl, which do not send it"
        )
    return None


def guard(app: Callable, policy: Policy) -> Callable:
    """``app`` behind the boundary: a refused request gets ``policy.refuse(reason)`` (and the
    connection closes, since its body, if any, is never read)."""

    def wsgi(environ: dict, start_response: Callable):
        reason = host_refusal(environ, policy)
        if reason is None and policy.cross_site:
            reason = cross_site_refusal(environ)
        if reason is None:
            return app(environ, start_response)
        log.info(
            "BOUNDARY %s %s -> 403: %s",
            environ.get("REQUEST_METHOD", "?"),
            environ.get("PATH_INFO", ""),
            reason,
        )
        status, headers, body = policy.refuse(reason)
        headers = {**headers, "Content-Length": str(len(body)), "Connection": "close"}
        start_response(f"{status} Forbidden", list(headers.items()))
        return [body]

    return wsgi


def aws_port() -> Policy:
    """The AWS port: Host and cross-site checks, refused with S3's ``AccessDenied`` XML."""
    from .s3.errors import s3_error

    return Policy(refuse=lambda reason: s3_error("AccessDenied", reason, 403), cross_site=True)
