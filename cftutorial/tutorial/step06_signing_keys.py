"""Notebook 06: the signing key CloudFront trusts — a public key in a key group (today) or the
guide's account key pair — and the distribution switched to trust it.

The key files and their registration are :mod:`cftutorial.tutorial.signing_key` (notebook 04
already needed them in the modern path); the boto3 calls are in :mod:`cftutorial.aws.signing_keys`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..aws import distributions
from . import state
from .signing_key import SigningKey, ensure_signing_key


@dataclass(frozen=True)
class KeysStep:
    signing_key: SigningKey
    private_key_mode: str  # e.g. "0o600"
    switched: bool  # modern: whether the distribution had to be switched to the key group
    waited_seconds: float


def step(
    *, run_name: str, approach: str = "modern", key_type: str = "rsa", progress: bool = True
) -> KeysStep:
    """Notebook 06: find or make the key, register it, and make the distribution trust it."""
    signing = ensure_signing_key(run_name, approach, key_type)
    mode = oct(Path(signing.private_key_path).stat().st_mode & 0o777)
    switched, waited = False, 0.0
    dist = state.get(run_name, "distribution")
    if approach == "modern" and dist and signing.key_group_id:
        switched = distributions.trust_key_group(dist["id"], signing.key_group_id) is not None
        waited = distributions.wait_deployed(dist["id"], progress=progress)
    return KeysStep(signing, mode, switched, waited)
