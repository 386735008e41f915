"""The one wildcard matcher: ``*`` is any run of characters (``/`` included), ``?`` exactly one.

CloudFront's policy ``Resource`` and cache-behaviour path patterns, and IAM/S3's ``Action`` and
``Resource`` in bucket policies, all use these two wildcards and nothing else, so the local AWS,
the verifier and batch signing share this module.

:func:`match` is a linear scan with one backtrack point (no regular expressions), so a hostile
pattern such as ``*a*a*a*a*b`` from a viewer's policy cannot make a request take exponential
time. :func:`matcher` compiles a pattern the caller trusts (a batch option, a distribution's path
pattern) once, for many texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache


def match(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """Whether the whole of ``text`` matches ``pattern``."""
    if ignore_case:
        pattern, text = pattern.casefold(), text.casefold()
    p = t = 0
    star = -1
    mark = 0
    while t < len(text):
        if p < len(pattern) and pattern[p] == "*":
            star = p
            mark = t
            p += 1
        elif p < len(pattern) and (pattern[p] == "?" or pattern[p] == text[t]):
            p += 1
            t += 1
        elif star != -1:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


@lru_cache(maxsize=1024)
def matcher(pattern: str, *, ignore_case: bool = False) -> Callable[[str], bool]:
    """A fast test for one pattern, with the same answers as :func:`match`.

    A pattern without wildcards is an equality test, ``prefix*`` a prefix test, anything else
    one compiled regular expression.
    """
    if ignore_case:
        compiled = _regex(pattern, re.IGNORECASE)
        return lambda text: compiled.fullmatch(text) is not None
    if "*" not in pattern and "?" not in pattern:
        return pattern.__eq__
    head = pattern.rstrip("*")
    if "*" not in head and "?" not in head:
        return lambda text: text.startswith(head)
    compiled = _regex(pattern, 0)
    return lambda text: compiled.fullmatch(text) is not None


def _regex(pattern: str, flags: int) -> re.Pattern[str]:
    body = "".join(
        ".*" if part == "*" else "." if part == "?" else re.escape(part)
        for part in re.split(r"([*?])", pattern)
        if part
    )
    return re.compile(body, re.DOTALL | flags)
