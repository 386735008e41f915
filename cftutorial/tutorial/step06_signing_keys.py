"""Notebook 06: the signing key CloudFront trusts — a public key in a key group (today) or the
guide's account key pair — and the distribution switched to trust it.

The notebook shows the boto3 calls themselves (``create_public_key``, ``create_key_group``,
``update_distribution(IfMatch=ETag)``). What boto3 does not do is here and in
:mod:`cftutorial.tutorial.signing_key`: the key files (0600), the find-or-create lookups, the
change to the distribution's config, the wait, and the saved state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..aws import clients, distributions
from ..aws.distributions import signers_of, wait_deployed
from . import saved, state
from .signing_key import SigningKey, ensure_signing_key

__all__ = [
    "KeysStep",
    "ensure_signing_key",
    "signers_of",
    "step",
    "switch_to_key_group",
    "trust",
    "wait_deployed",
]

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


@dataclass(frozen=True)
class KeysStep:
    signing_key: SigningKey
    private_key_mode: str  # e.g. "0o600"
    switched: bool  # modern: whether the distribution had to be switched to the key group
    waited_seconds: float


def trust(distribution_id: str, key_group_id: str, *, cf: Any) -> bool:
    """``get_distribution_config`` + :func:`switch_to_key_group` + ``update_distribution``."""
    current = cf.get_distribution_config(Id=distribution_id)
    config = current["DistributionConfig"]
    if not switch_to_key_group(config, key_group_id):
        return False
    cf.update_distribution(Id=distribution_id, DistributionConfig=config, IfMatch=current["ETag"])
    return True


def step(
    *, run_name: str, approach: str = "modern", key_type: str = "rsa", progress: bool = True
) -> KeysStep:
    """Notebook 06 in one call (tests, scripts): the same lookups and calls the cells show."""

    cf = clients.client("cloudfront")
    signing = ensure_signing_key(run_name, approach, key_type, cf=cf)
    switched, waited = False, 0.0
    dist = state.get(run_name, "distribution")
    if approach == "modern" and dist and signing.key_group_id:
        switched = trust(dist["id"], signing.key_group_id, cf=cf)
        waited = wait_deployed(dist["id"], progress=progress, cf=cf)
    return KeysStep(signing, private_key_mode(signing), switched, waited)


def check_run(run_name: str) -> saved.Checked:
    """Before switching the distribution: it exists and reads the run's bucket; a saved key is registered.

    See :func:`cftutorial.tutorial.saved.check`: what can be repaired is, and said in
    ``.report()``; what cannot is one message naming the notebook or command that fixes it.
    """
    return saved.check(run_name, "distribution", "signing_key")
