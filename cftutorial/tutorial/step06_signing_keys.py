"""Notebook 06: the signing key CloudFront trusts — a public key in a key group (today) or the
guide's account key pair — and the distribution switched to trust it.

The notebook shows the boto3 calls themselves (``create_public_key``, ``create_key_group``,
``update_distribution(IfMatch=ETag)``). What boto3 does not do is here and in
:mod:`cftutorial.tutorial.signing_key`: the key files (0600), the find-or-create lookups, the
change to the distribution's config, the wait, and the saved state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..aws import distributions
from . import saved, state
from .signing_key import SigningKey

_OFF = {"Enabled": False, "Quantity": 0}


def switch_to_key_group(config: dict[str, Any], key_group_id: str) -> bool:
    """Make ``config``'s default behaviour trust only this key group (changes ``config``).

    Returns False when it trusts exactly that already, so the notebook sends no
    ``update_distribution`` and nothing redeploys on a re-run.
    """
    behaviour = config["DefaultCacheBehavior"]
    wanted = distributions.trusted_key_groups(key_group_id)
    signers_on = bool(behaviour.get("TrustedSigners", {}).get("Enabled"))
    if behaviour.get("TrustedKeyGroups") == wanted and not signers_on:
        return False
    behaviour["TrustedKeyGroups"] = wanted
    behaviour["TrustedSigners"] = dict(_OFF)
    return True


def private_key_mode(signing: SigningKey) -> str:
    """The private key file's permission bits, e.g. ``"0o600"``."""
    return oct(Path(signing.private_key_path).stat().st_mode & 0o777)


def check_run(run: state.Run) -> saved.Checked:
    """Before switching the distribution: it exists and reads the run's bucket; a saved key is registered.

    See :func:`cftutorial.tutorial.saved.check`: what can be repaired is, and said in
    ``.report()``; what cannot is one message naming the notebook or command that fixes it.
    """
    return saved.check(run, "distribution", "signing_key")
