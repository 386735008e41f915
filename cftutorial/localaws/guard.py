"""The moto-version guard: every moto attribute the local AWS patches *or reads* is declared.

The local AWS reaches into moto's classes (only through :mod:`..moto_adapter`), so a moto release
that renames a method, changes its parameters or stops setting an attribute the adapter reads
would silently turn a gap back on or break the edge. Each patch and each read declares an
:class:`Expectation`; :func:`check` compares them with the installed moto before anything is
patched, and the server refuses to start (exit 4, one ``FIDELITY_GUARD`` log line) when one no
longer holds.

Two kinds: a class attribute (method, property; ``params`` compares the signature), and an
``instance`` attribute, which moto sets in a constructor: it must be assigned by an
``__init__`` of the class or its bases (checked on the constructors' code, unwrapped from our
own patches), or be a class attribute.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import MotoVersionError


@dataclass(frozen=True)
class Expectation:
    """``owner.attribute`` exists and (for callables) takes exactly ``params`` (``None``: any)."""

    owner: object
    attribute: str
    params: Sequence[str] | None = None
    gap: str = ""
    instance: bool = False

    @property
    def name(self) -> str:
        return f"{getattr(self.owner, '__module__', '?')}.{getattr(self.owner, '__qualname__', self.owner)}.{self.attribute}"


def _unwrapped(function: object) -> object:
    while getattr(function, "__wrapped__", None) is not None:
        function = function.__wrapped__  # type: ignore[attr-defined]
    return function


def _constructors_assign(owner: object, attribute: str) -> bool:
    """Whether an ``__init__`` of ``owner`` or its bases stores ``self.<attribute>``."""
    for cls in getattr(owner, "__mro__", (owner,)):
        init = _unwrapped(cls.__dict__.get("__init__"))
        code = getattr(init, "__code__", None)
        if code is not None and attribute in code.co_names:
            return True
    return False


def problem(expectation: Expectation) -> str | None:
    """What is wrong with one expectation, or None when moto still matches it."""
    target = inspect.getattr_static(expectation.owner, expectation.attribute, None)
    if target is None and expectation.instance:
        if _constructors_assign(expectation.owner, expectation.attribute):
            return None
        return (
            f"{expectation.name} is no longer set by the constructor "
            f"(read by the moto adapter for {expectation.gap})"
        )
    if target is None:
        return f"{expectation.name} is missing (needed for gap {expectation.gap})"
    if expectation.params is None:
        return None
    function = getattr(target, "__wrapped__", None) or getattr(target, "__func__", target)
    if not callable(function):
        return f"{expectation.name} is not callable (needed for gap {expectation.gap})"
    found = list(inspect.signature(function).parameters)
    if found != list(expectation.params):
        return (
            f"{expectation.name} takes ({', '.join(found)}), expected "
            f"({', '.join(expectation.params)}) (needed for gap {expectation.gap})"
        )
    return None


def check(expectations: Iterable[Expectation]) -> list[str]:
    """Every problem found, one line each; empty when the installed moto matches."""
    return [found for found in map(problem, expectations) if found]


def require(expectations: Iterable[Expectation], moto_version: str = "(unknown)") -> None:
    """Raise :class:`MotoVersionError` naming every mismatch, so the server does not start."""
    problems = check(expectations)
    if problems:
        raise MotoVersionError(
            f"moto {moto_version} does not match what the local AWS patches and reads "
            f"(tested with moto>=5.2.5,<5.3): " + "; ".join(problems)
        )
