"""Notebooks 09-13 need the modern path (a key group); the guide's path gets one message.

The guide's path (``approach='guide'``, ``TrustedSigners: self``) signs with the account's key
pairs and has no key group, so a notebook that works on a key group's keys stops at its first
cell with :class:`~cftutorial.errors.ModernPathRequired`, naming why and the way on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ModernPathRequired

#: Why each notebook needs a key group (the part of the one message that differs).
NEEDS_KEY_GROUP = {
    "09": "its cases use key groups (Key-Pair-Id = a public key id, a key removed from the group)",
    "10": "it rotates a public key inside a key group",
    "11": "its login service signs cookies for the run's key group",
    "12": "a KMS key signs for a public key in a key group (an account key pair cannot live in KMS)",
    "13": "its practice distribution trusts a key group, and the audit's fixes move legacy "
    "TrustedSigners to one",
}


def is_modern(run: Mapping[str, Any], approach: str = "modern") -> bool:
    """The parameter and the saved run (``state.load``'s record) both follow the modern path."""
    signing = run.get("signing_key") or {}
    return (
        approach == "modern"
        and run.get("approach", "modern") == "modern"
        and signing.get("approach", "modern") == "modern"
    )


def require_modern(run: Mapping[str, Any], notebook: str, approach: str = "modern") -> None:
    """One message when ``approach`` or the saved ``run`` is on the guide's path."""
    if notebook not in NEEDS_KEY_GROUP:
        raise ValueError(f"notebook {notebook!r} does not need the modern path")
    if not is_modern(run, approach):
        raise ModernPathRequired(
            f"notebook {notebook} needs the modern path: {NEEDS_KEY_GROUP[notebook]}, and the "
            "guide path (approach='guide') signs with the account's key pairs (TrustedSigners) "
            "instead. Run notebooks 01-07 with approach='modern' (another run_name keeps this "
            "run), then this notebook with that run_name."
        )
