"""Which cache behaviour serves a path, and whether it asks for a signature: CloudFront's rules,
read by the local edge (serving a request) and by ``cftutorial audit`` (judging a distribution).

Path patterns are compared with the requested path in the order the behaviours are listed, the
first match wins, and the default behaviour (``*``) comes last; a leading ``/`` on a pattern
changes nothing; ``*`` and ``?`` are the only wildcards and matching is case-sensitive (the
CloudFront Developer Guide, "Cache behavior settings", Path pattern). A behaviour asks for a
signature when it trusts a key group or (legacy) a trusted signer.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import wildcard


def normalised(pattern: str) -> str:
    """The pattern with its leading ``/`` (CloudFront treats ``a/*`` and ``/a/*`` alike)."""
    return pattern if pattern.startswith("/") else "/" + pattern


def path_matches(pattern: str, path: str) -> bool:
    """CloudFront path-pattern semantics: ``*`` any characters, ``?`` one, case-sensitive."""
    return wildcard.matcher(normalised(pattern))(path)


def first_match(patterns: Sequence[str | None], path: str) -> int | None:
    """The index of the first pattern that matches ``path`` (empty ones skipped), or None: the
    default behaviour serves it."""
    for index, pattern in enumerate(patterns):
        if pattern and path_matches(pattern, path):
            return index
    return None


def shared_path(first: str, second: str) -> str | None:
    """A path both patterns match (the shortest), or None when none does."""
    return wildcard.overlap(normalised(first), normalised(second))


def requires_signature(key_groups: Sequence[str], trusted_signers: Sequence[str]) -> bool:
    """Whether a behaviour asks viewers for a signed URL or cookies."""
    return bool(key_groups or trusted_signers)
