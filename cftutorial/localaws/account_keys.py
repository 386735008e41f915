"""LOCAL ONLY: the guide's root-account CloudFront key pairs (step 6 of the 2011 guide).

On AWS these key pairs can only be made in the console, by the root user, at most two active,
and AWS discourages them in favour of public keys in key groups. Offline, this registry stands
in for them so the guide's ``TrustedSigners: self`` path can be followed: the local edge trusts
:func:`trusted_for_self` for behaviours with ``TrustedSigners: self``. It lives in the local AWS
process (in memory, thread-safe, saved in the local AWS's snapshot like moto's state, see
:mod:`.persistence`) and is cleared by ``POST /moto-api/reset``; it is exposed
as ``POST/GET /_cftutorial/account-key-pairs`` and ``DELETE …/account-key-pairs/ID`` on the
AWS port.
"""

from __future__ import annotations

import secrets
import string
import threading

from ..errors import AccountKeyPairError
from ..signing.keys import public_key_problem

ID_PREFIX = "APKA"
MAX_ACTIVE = 2

_lock = threading.Lock()
_keys: dict[str, str] = {}


def _new_id() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return ID_PREFIX + "".join(secrets.choice(alphabet) for _ in range(16))


def register(public_key_pem: str) -> str:
    """Register a public key as an account key pair; returns its ``APKA…`` key pair id.

    The key is checked as CloudFront checks public keys (RSA 2048 or ECDSA P-256, PEM); the same
    PEM registered twice returns the same id; a third distinct key is refused, as on AWS.
    """
    pem = (public_key_pem or "").strip()
    problem = public_key_problem(pem)
    if problem:
        raise AccountKeyPairError(
            f"the account key pair was not registered: {problem}; "
            "use an RSA 2048-bit or ECDSA P-256 public key in PEM format"
        )
    pem += "\n"
    with _lock:
        for key_id, known in _keys.items():
            if known == pem:
                return key_id
        if len(_keys) >= MAX_ACTIVE:
            raise AccountKeyPairError(
                f"an account has at most {MAX_ACTIVE} active CloudFront key pairs "
                f"({', '.join(sorted(_keys))} are registered); reset the local AWS to start over"
            )
        key_id = _new_id()
        _keys[key_id] = pem
        return key_id


def trusted_for_self() -> dict[str, str]:
    """Key pair id -> PEM of every registered account key pair (what ``self`` trusts)."""
    with _lock:
        return dict(_keys)


def delete(key_pair_id: str) -> bool:
    """Delete one account key pair (the console's "Delete"); False when it was not there."""
    with _lock:
        return _keys.pop(key_pair_id, None) is not None


def reset() -> None:
    with _lock:
        _keys.clear()


def export_state() -> dict[str, str]:
    """Key pair id -> PEM, for the local AWS's snapshot (:mod:`.persistence`)."""
    with _lock:
        return dict(_keys)


def import_state(keys: dict[str, str]) -> None:
    """Replace every account key pair by a snapshot's (the server restores before it serves)."""
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in keys.items()):
        raise TypeError("the snapshot's account key pairs are not id -> PEM strings")
    with _lock:
        _keys.clear()
        _keys.update(keys)
