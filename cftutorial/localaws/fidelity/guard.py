"""The moto-version guard: every patch names the moto attribute it replaces and its signature.

The fidelity layer reaches into moto's classes, so a moto release that renames a method or
changes its parameters would silently turn a gap back on. Each patch declares an
:class:`Expectation`; :func:`check` compares them with the installed moto before anything is
patched, and the server refuses to start (one clear log line) when one no longer holds.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ...errors import MotoVersionError


@dataclass(frozen=True)
class Expectation:
    """``owner.attribute`` exists and (for callables) takes exactly ``params`` (``None``: any)."""

    owner: object
    attribute: str
    params: Sequence[str] | None = None
    gap: str = ""

    @property
    def name(self) -> str:
        return f"{getattr(self.owner, '__module__', '?')}.{getattr(self.owner, '__qualname__', self.owner)}.{self.attribute}"


def problem(expectation: Expectation) -> str | None:
    """What is wrong with one expectation, or None when moto still matches it."""
    target = inspect.getattr_static(expectation.owner, expectation.attribute, None)
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


def require(expectations: Iterable[Expectation]) -> None:
    """Raise :class:`MotoVersionError` naming every mismatch, so the server does not start."""
    problems = check(expectations)
    if problems:
        import moto

        raise MotoVersionError(
            f"moto {moto.__version__} does not match what the fidelity layer patches "
            f"(tested with moto>=5.2.5,<5.3): " + "; ".join(problems)
        )


def wrap(owner: type, attribute: str, make: Callable[[Callable], Callable]) -> None:
    """Replace ``owner.attribute`` by ``make(original)``, once (re-applying is a no-op)."""
    original = inspect.getattr_static(owner, attribute)
    if getattr(original, "_cftutorial_patch", False):
        return
    replacement = make(getattr(owner, attribute))
    replacement._cftutorial_patch = True  # type: ignore[attr-defined]
    replacement.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(owner, attribute, replacement)
