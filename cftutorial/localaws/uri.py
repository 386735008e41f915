"""THE one path normaliser of the local AWS: what path a request names, and which S3 key.

CloudFront normalises the viewer's path before it compares it with the cache behaviours' path
patterns (RFC 3986: percent-encoded *unreserved* characters are decoded, the remaining
percent-encodings are upper-cased, dot segments are removed; AWS Support on re:Post,
"CloudFront behaviour path pattern matching"). The local edge matches behaviours on
:func:`normalise`'s result and derives the S3 key (:func:`key_of`) and so the bucket-policy
resource from the *same* string, so a path can never match one behaviour while it reads an
object another behaviour protects (``/%70rivate/x`` is ``/private/x`` everywhere).

``%2F`` (an encoded ``/``) is a reserved character: RFC 3986 does not make it equivalent to
``/``, so :func:`normalise` keeps it, and :func:`key_of` keeps it too (the key holds the three
characters ``%2F``). An S3 key's ``/`` is therefore reachable only as a literal ``/``, which the
path patterns see; ``/private%2Fsecret.mp4`` names the key ``private%2Fsecret.mp4`` and never
reads ``private/secret.mp4`` past a ``/private/*`` behaviour. (AWS's S3 would decode a ``%2F``
that CloudFront forwards; the local edge fails closed instead. ``docs/local-aws-fidelity.md``.)

S3 itself (the AWS port) does not normalise: a key is the request path fully percent-decoded,
``%2F`` and dot segments included (``/b/x/../k`` names the key ``x/../k``), which is also what moto
serves; :func:`s3_request_path` is that rule, so the S3 read decision and moto name one key.
"""

from __future__ import annotations

import re
import string
from urllib.parse import unquote

UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
ENCODED_SLASH = "%2F"


def _decode_unreserved(path: str) -> str:
    """``%70`` -> ``p``; every other escape stays, with upper-case hex (``%2f`` -> ``%2F``)."""

    def one(match: re.Match) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in UNRESERVED else "%" + match.group(1).upper()

    return _ESCAPE.sub(one, path)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4 for an absolute path (``/a/./b/../c`` -> ``/a/c``)."""
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


def normalise(raw_path: str) -> str:
    """The path CloudFront matches path patterns against, from the path as the viewer sent it."""
    return remove_dot_segments(_decode_unreserved(raw_path or "/"))


def key_of(normalised_path: str) -> str:
    """The S3 key a normalised path names: every escape decoded except ``%2F`` (see above)."""
    decoded = ENCODED_SLASH.join(unquote(part) for part in normalised_path.split(ENCODED_SLASH))
    return decoded[1:] if decoded.startswith("/") else decoded


def s3_request_path(raw_path: str) -> str:
    """The path an S3 REST request names, as S3 reads it: fully decoded, nothing removed."""
    return unquote(raw_path)
