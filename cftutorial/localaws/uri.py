"""THE one path normaliser of the local AWS: what URL a viewer request names, and which S3 key.

**The edge (CloudFront).** Every decision about a viewer request is made on one string, the
*canonical viewer URL*: ``https://DOMAIN/PATH?QUERY`` exactly as
:func:`cftutorial.signing.urls.canonical_url` signs it (:func:`viewer_url`). Escapes of unreserved
characters are decoded (``%70`` is ``p``, ``%2e`` is ``.``), the other escapes upper-cased, and
``.``/``..`` segments resolved (RFC 3986 section 5.2.4). The cache behaviour is matched on its
path, the policy ``Resource`` (and a canned policy) on the whole URL, and the S3 key
(:func:`key_of`) read from its path, so a request can never be judged on one path and served
another: with notebook 07's cookie for ``https://D/hls/*``, ``/hls/../video.mp4`` and
``/hls/%2e%2e/video.mp4`` are ``https://D/video.mp4`` to all three, which the cookie does not
open.

What AWS documents (CloudFront Developer Guide, "Cache behavior settings", path pattern):
CloudFront normalises the URI path consistent with RFC 3986 (dot segments and repeated slashes
removed) and matches the cache behaviour on it; then it sends the *raw* path to the origin, and
S3 reads that raw path as the key without resolving anything. What CloudFront checks a policy
``Resource`` against is not documented. Browsers and ``requests`` resolve dot segments (``%2e``
included) before they send a URL, so only a hand-written request line ever carries one.
The local edge resolves them once, for all three decisions (a local choice: on AWS such a request
reaches S3 as a key with ``..`` in it, which the tutorial never creates). Repeated slashes are
kept (an S3 key may hold ``//``); a ``//`` path names that key for all three decisions.

**Refused** (CloudFront's 400 "Bad request" page, a local choice; :class:`PathRefused`): an
encoded slash ``%2F``: CloudFront matches behaviours with it kept (RFC 3986 does not make
it ``/``) while S3 decodes it to ``/``, so on AWS ``/private%2Fsecret.mp4`` can reach an object
that a ``/private/*`` behaviour protects through the default one. No single reading of it
agrees with both, so the local edge answers neither.

A ``%`` that starts no escape is read as ``%25`` (as ``requests`` sends it; a browser sends it
bare), and bytes that are not printable ASCII as their ``%XX``, so every request line has one
canonical URL.

**The AWS port (S3).** S3 does not normalise: a key is the request path fully percent-decoded,
``%2F`` and dot segments included (``/b/x/../k`` names the key ``x/../k``), which is also what
moto serves; :func:`s3_request_path` is that rule, so the S3 read decision and moto name one key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from ..signing import urls

_ENCODED_SLASH = re.compile("%2F", re.IGNORECASE)
ENCODED_SLASH = "%2F"
#: Printable ASCII: what a request line keeps as it is; other bytes become ``%XX`` (UTF-8).
_PRINTABLE = "".join(chr(code) for code in range(0x21, 0x7F))


class PathRefused(ValueError):
    """A request target the local edge will not judge (see the module docstring)."""


@dataclass(frozen=True)
class ViewerUrl:
    """The canonical viewer URL and its path, the one string every edge decision reads."""

    url: str
    path: str


def _request_text(raw: str) -> str:
    """A request-line part (WSGI's latin-1 text of the bytes sent) as text
    :func:`~cftutorial.signing.urls.canonical_url` takes: every byte that is not printable ASCII
    percent-encoded, and a ``%`` that starts no escape written ``%25`` (as ``requests`` sends it)."""
    if not (raw.isascii() and raw.isprintable()):
        raw = quote(raw.encode("latin-1", "replace"), safe=_PRINTABLE)
    return urls.BAD_PERCENT.sub("%25", raw) if "%" in raw else raw


def viewer_url(domain: str, raw_path: str, raw_query: str = "") -> ViewerUrl:
    """The canonical ``https://DOMAIN/PATH?QUERY`` of a request; :class:`PathRefused` when its
    path has an encoded slash."""
    path = _request_text(raw_path or "/")
    if _ENCODED_SLASH.search(path):
        raise PathRefused(
            f"the path {raw_path!r} has an encoded slash (%2F): CloudFront would match the cache "
            "behaviour with it kept and S3 would read it as '/', so the local edge refuses it"
        )
    head = f"https://{domain}"
    written = head + path + (f"?{_request_text(raw_query)}" if raw_query else "")
    url = urls.canonical_url(written, name="the request URL")
    return ViewerUrl(url, url[len(head) :].partition("?")[0] or "/")


def normalise(raw_path: str) -> str:
    """The canonical form of a path as the viewer sent it (:func:`viewer_url`'s rule for a path
    alone; an encoded slash is kept here)."""
    return urls.canonical_url(_request_text(raw_path or "/"), name="the request path") or "/"


def key_of(normalised_path: str) -> str:
    """The S3 key a canonical path names: every escape decoded (``%2F`` is kept as the three
    characters, though :func:`viewer_url` refuses it before a key is ever read)."""
    decoded = ENCODED_SLASH.join(unquote(part) for part in normalised_path.split(ENCODED_SLASH))
    return decoded[1:] if decoded.startswith("/") else decoded


def s3_request_path(raw_path: str) -> str:
    """The path an S3 REST request names, as S3 reads it: fully decoded, nothing removed."""
    return unquote(raw_path)
