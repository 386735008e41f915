"""Which distribution a request addresses, and its path and raw query (step 1 of the edge)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import uri

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"})


@dataclass(frozen=True)
class Target:
    """What the request addressed: a distribution domain, and the path and query as sent."""

    domain: str
    path: str
    query: str

    def canonical(self) -> uri.ViewerUrl:
        """The one URL every decision reads (:func:`..uri.viewer_url`); ``PathRefused`` when the
        edge will not judge the path."""
        return uri.viewer_url(self.domain, self.path, self.query)


def raw_uri(environ: Mapping[str, Any]) -> str:
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
    """Split the request into distribution domain, path and query (see the package docstring)."""
    raw = raw_uri(environ)
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
