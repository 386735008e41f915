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


def overlap(first: str, second: str) -> str | None:
    """The shortest text both patterns match whole, or None when no text matches both.

    A breadth-first walk over pairs of positions (one in each pattern): ``*`` may be left or
    may take one character and stay, ``?`` takes any one character, a literal takes itself.
    Its cost is the product of the two lengths, whatever the patterns hold.
    """
    from collections import deque

    start = (0, 0)
    came: dict[tuple[int, int], tuple[tuple[int, int], str] | None] = {start: None}
    queue = deque([start])
    while queue:
        i, j = state = queue.popleft()
        if i == len(first) and j == len(second):
            text = []
            step = came[state]
            while step is not None:
                state, char = step
                text.append(char)
                step = came[state]
            return "".join(reversed(text))
        moves: list[tuple[tuple[int, int], str]] = []
        if i < len(first) and first[i] == "*":
            moves.append(((i + 1, j), ""))
        if j < len(second) and second[j] == "*":
            moves.append(((i, j + 1), ""))
        if i < len(first) and j < len(second):
            char = _common(first[i], second[j])
            if char is not None:
                after = (i if first[i] == "*" else i + 1, j if second[j] == "*" else j + 1)
                moves.append((after, char))
        for after, char in moves:
            if after not in came:
                came[after] = (state, char)
                queue.append(after)
    return None


def _common(first: str, second: str) -> str | None:
    """A character both pattern positions take (a wildcard against a wildcard takes ``a``)."""
    if first in "*?":
        return "a" if second in "*?" else second
    if second in "*?":
        return first
    return first if first == second else None
