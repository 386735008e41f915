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

#: Query parameters CloudFront reads as part of the signature; a viewer URL may not use them.
RESERVED_PARAMS = ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")
_RESERVED = re.compile(r"(?:^|&)(" + "|".join(RESERVED_PARAMS) + r")(?:=|&|$)")
#: Printable ASCII except space, ``"``, ``#`` and ``\``: a URL that is signed exactly as written.
PLAIN_URL = re.compile(r"[\x21\x24-\x5b\x5d-\x7e]+")


def reserved_param(query: str) -> str | None:
    """The first signing parameter name used in a query string (without ``?``), or ``None``."""
    found = _RESERVED.search(query)
    return found.group(1) if found else None


def key_params(key_pair_id: str, hash_algorithm: str = "SHA1") -> str:
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
