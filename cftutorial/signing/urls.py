"""The query string of a signed URL: CloudFront's signing parameters, added and taken off again.

A signed URL is the viewer's URL with, after its own query (if any), in this order:

* canned policy: ``Expires=EPOCH&Signature=SIG&Key-Pair-Id=ID``
* custom policy: ``Policy=B64&Signature=SIG&Key-Pair-Id=ID``
* and with a SHA-256 signature, ``&Hash-Algorithm=SHA256`` at the end.

This is the one place that spells those parameters: the signer, the batch run (per URL and its
shared-policy fast path) and the verifier all use it, so they cannot disagree on a name or the
order. Builders are plain string joins: the batch fast path appends a tail to hundreds of
thousands of URLs per second, and RSA/SHA-1 URLs stay byte-identical to botocore's
``CloudFrontSigner``.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from ..errors import SignedUrlError

#: Query parameters CloudFront reads as part of the signature; a viewer URL may not use them.
RESERVED_PARAMS = ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")
_RESERVED = re.compile(r"(?:^|&)(" + "|".join(RESERVED_PARAMS) + r")(?:=|&|$)")
#: Printable ASCII except space, ``"``, ``#`` and ``\``: a URL that is signed exactly as written.
PLAIN_URL = re.compile(r"[\x21\x24-\x5b\x5d-\x7e]+")

# The one encoding rule. An HTTP client percent-encodes (UTF-8) what it may not send raw, and the
# two kinds of client disagree on a few characters: ``requests``/urllib3 encode ``[ ] ^ | ` { }``
# in a path and keep ``'`` in a query, browsers (WHATWG URL) keep ``[ ] ^ |`` in a path and encode
# ``'`` in a query; urllib3 upper-cases ``%xx`` and ``requests`` decodes ``%41``-style escapes of
# unreserved characters. So the signed form is the one both leave unchanged: raw only RFC 3986
# unreserved characters, sub-delims, ``:`` and ``@`` (plus ``/``, and ``?`` in the query, minus
# ``'`` there), escapes upper-cased, escapes of unreserved characters decoded.
#: Characters sent raw in a URL path.
PATH_SAFE = "!$&'()*+,;=:@/~"
#: Characters sent raw in a URL query (browsers encode ``'`` there).
QUERY_SAFE = "!$&()*+,;=:@/?~"
#: Characters an object key keeps in its URL path (everything else, ``%`` included, is encoded).
KEY_SAFE = "/~"
#: A URL that needs no encoding at all (the common case, checked with one regex).
CANONICAL_URL = re.compile(r"[A-Za-z0-9\-._~!$&()*+,/:;=?@]+")
#: The characters of an object key that is its own URL path (:func:`encode_key` leaves it alone).
PLAIN_KEY_CHARS = "A-Za-z0-9_.~/-"
PLAIN_KEY = re.compile(f"[{PLAIN_KEY_CHARS}]+")
#: A ``%`` that starts no ``%XX`` escape (clients disagree on it).
BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_ENCODED_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
#: A ``.`` or ``..`` path segment before the query (the trigger for :func:`remove_dot_segments`).
_DOT_SEGMENT = re.compile(r"/\.\.?(?:[/?]|$)")


def encode_key(key: str) -> str:
    """An S3 object key as a URL path: UTF-8 percent-encoding of all but letters, digits, ``-._~/``.

    A ``%`` in a key is a literal character, so it becomes ``%25`` (unlike in :func:`canonical_url`,
    which keeps a URL's existing ``%XX``). The result is already canonical.
    """
    return key if PLAIN_KEY.fullmatch(key) else quote(key, safe=KEY_SAFE)


def is_canonical(url: str) -> bool:
    """True when ``url`` is already as clients send it (:func:`canonical_url` would return it
    unchanged): only characters no client re-encodes, and no ``.`` or ``..`` path segment."""
    return bool(CANONICAL_URL.fullmatch(url)) and not _DOT_SEGMENT.search(url.partition("?")[0])


def canonical_url(url: str, *, name: str = "url") -> str:
    """The URL exactly as HTTP clients send it (browsers and ``requests`` alike): what must be signed.

    Spaces, non-ASCII and the characters clients disagree on are percent-encoded (UTF-8) in the
    path and the query; existing ``%XX`` escapes are kept (upper-cased; those of unreserved
    characters such as ``%7E`` decoded, as ``requests`` sends them); ``.`` and ``..`` path
    segments (``%2E`` included) are resolved (RFC 3986 section 5.2.4, as browsers and ``requests``
    resolve them before sending: ``/hls/../video.mp4`` is sent as ``/video.mp4``); a non-ASCII
    host becomes its IDNA (``xn--``) form. A ``%`` not followed by two hex digits is refused: clients disagree on it
    (``requests`` sends ``%25``, a browser ``%``), so no one signature could match.
    """
    if is_canonical(url):
        return url
    control = _CONTROL.search(url)
    if control:
        raise SignedUrlError(
            f"{name}={url!r} contains the control character {control.group()!r} at position "
            f"{control.start()}; remove it (or percent-encode it, e.g. %0A) before signing"
        )
    bad = BAD_PERCENT.search(url)
    if bad:
        raise SignedUrlError(
            f"{name}={url!r} has a '%' at position {bad.start()} that is not followed by two hex "
            "digits, so its encoding is ambiguous (requests would send %25, a browser '%'); "
            "write a literal percent sign as %25"
        )
    scheme, sep, rest = url.partition("://")
    authority, slash, tail = rest.partition("/") if sep else ("", "", url)
    path, mark, query = tail.partition("?")
    try:
        encoded_path, encoded_query = _encode(path, PATH_SAFE), _encode(query, QUERY_SAFE)
    except UnicodeEncodeError:
        raise SignedUrlError(
            f"{name}={url!r} is not valid Unicode text (a lone surrogate); pass the URL as text"
        ) from None
    if slash:  # the path of an absolute URL: "/" + encoded_path
        encoded_path = remove_dot_segments("/" + encoded_path)[1:]
    elif encoded_path.startswith("/"):  # an absolute path on its own
        encoded_path = remove_dot_segments(encoded_path)
    encoded = encoded_path + mark + encoded_query
    if not sep:
        return encoded
    return f"{scheme}://{_idna_host(authority, url, name)}{slash}{encoded}"


def remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4 for an absolute path (``/a/./b/../c`` -> ``/a/c``, ``/../x`` ->
    ``/x``); a path that ends in a dot segment keeps its trailing ``/`` (``/a/..`` -> ``/``)."""
    if not _DOT_SEGMENT.search(path + "/"):
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


def _encode(part: str, safe: str) -> str:
    """Percent-encode ``part`` keeping ``safe`` raw and existing escapes (normalised)."""
    return _ESCAPE.sub(_normal_escape, quote(part, safe=safe + "%"))


def _normal_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group()[1:], 16))
    return char if char in _UNRESERVED else match.group().upper()


def _idna_host(authority: str, url: str, name: str) -> str:
    if authority.isascii():
        return authority
    userinfo, at, hostport = authority.rpartition("@")
    host, colon, port = hostport.partition(":")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise SignedUrlError(
            f"{name}={url!r} has a host name {host!r} that has no IDNA (xn--) form; "
            "use the distribution's domain name"
        ) from None
    return f"{userinfo}{at}{ascii_host}{colon}{port}"


def check_scheme(url: str, *, name: str = "url") -> str:
    """Refuse what is not an absolute ``http://`` or ``https://`` URL (as the AWS CLI v2 does)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise SignedUrlError(
            f"{name}={url!r} is not an absolute http:// or https:// URL; CloudFront serves only "
            "those, so sign the full viewer URL, e.g. https://d111111abcdef8.cloudfront.net/video.mp4"
        )
    return url


def encoding_difference(requested: str, signed: str) -> str | None:
    """Why ``requested`` and ``signed`` differ if only their percent-encoding does, else ``None``.

    E.g. "the viewer requested %20, the policy names a space (' ')": the classic cause of a
    signature that verifies as signed and is denied as sent.
    """
    if unquote(requested) != unquote(signed) and not _decoded_prefix_match(requested, signed):
        return None
    for encoded, other, said in ((requested, signed, "requested"), (signed, requested, "names")):
        for run in _ENCODED_RUN.finditer(encoded):
            text = unquote(run.group())
            if text and text in other and run.group() not in other:
                shown = "a space (' ')" if text == " " else repr(text)
                if said == "requested":
                    return f"the viewer requested {run.group()}, the policy names {shown}"
                return f"the viewer requested {shown}, the policy names {run.group()}"
    return None


def _decoded_prefix_match(requested: str, pattern: str) -> bool:
    """For a wildcard policy: the decoded texts agree up to the pattern's first wildcard."""
    if "*" not in pattern and "?" not in pattern:
        return False
    head = re.split(r"[*?]", unquote(pattern), maxsplit=1)[0]
    return unquote(requested).startswith(head)


def reserved_param(query: str) -> str | None:
    """The first signing parameter name used in a query string (without ``?``), or ``None``."""
    found = _RESERVED.search(query)
    return found.group(1) if found else None


def key_params(key_pair_id: str, hash_algorithm: str) -> str:
    """``Key-Pair-Id=ID`` plus ``&Hash-Algorithm=SHA256`` for SHA-256: the end of every signed query.

    It depends only on the key, so a signer builds it once.
    """
    tail = f"Key-Pair-Id={key_pair_id}"
    return f"{tail}&Hash-Algorithm=SHA256" if hash_algorithm == "SHA256" else tail


def canned_params(expires: int, signature: str, key: str) -> str:
    """``Expires=…&Signature=…&`` + ``key`` (from :func:`key_params`)."""
    return f"Expires={expires}&Signature={signature}&{key}"


def custom_params(encoded_policy: str, signature: str, key: str) -> str:
    """``Policy=…&Signature=…&`` + ``key`` (from :func:`key_params`)."""
    return f"Policy={encoded_policy}&Signature={signature}&{key}"


def append_params(url: str, params: str) -> str:
    """``url`` with the signing parameters after its own query string (``?`` or ``&``)."""
    return f"{url}{'&' if '?' in url else '?'}{params}"


def split_url(url: str) -> tuple[str, dict[str, list[str]]]:
    """(URL without signing parameters, signing parameter values in order of appearance).

    The viewer's own parameters stay in place, so the canned policy is rebuilt from exactly the
    URL that was signed; a parameter added after signing changes it and the signature fails.
    """
    base, mark, query = url.partition("?")
    if not mark:
        return url, {}
    kept: list[str] = []
    found: dict[str, list[str]] = {}
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name in RESERVED_PARAMS:
            found.setdefault(name, []).append(value)
        else:
            kept.append(part)
    if not found:
        return url, {}
    return (base + "?" + "&".join(kept)) if kept else base, found


def strip_signing_params(url: str) -> str:
    """The viewer URL as it was before signing (the resource a canned policy names)."""
    return split_url(url)[0]
