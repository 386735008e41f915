"""Gap C10: ``ActiveTrustedKeyGroups`` (and ``ActiveTrustedSigners``) list who may sign.

AWS reports, on every distribution, the key groups its behaviours trust and the public key ids in
each (``Enabled: true, Items: [{KeyGroupId, KeyPairIds: {Quantity, Items}}]``), and for
``TrustedSigners: self`` the account's active key pairs; moto 5.2.5 always reports them
disabled and empty, so a learner could not check that signing is really required.
"""

from __future__ import annotations

from typing import Any

from .. import account_keys
from .guard import Expectation
from .references import behaviours_of
from .wire import cloudfront_backend


def _key_ids(items: list) -> dict:
    return {"Quantity": len(items), "Items": items}


def active_trusted_key_groups(dist: Any) -> dict:
    groups: list[str] = []
    for behaviour in behaviours_of(dist):
        for group_id in behaviour.trusted_key_groups.items:
            if group_id not in groups:
                groups.append(group_id)
    backend = cloudfront_backend()
    items = [
        {
            "KeyGroupId": group_id,
            "KeyPairIds": _key_ids(list(getattr(backend.key_groups.get(group_id), "items", []))),
        }
        for group_id in groups
    ]
    return {"Enabled": bool(items), "Quantity": len(items), "Items": items}


def active_trusted_signers(dist: Any) -> dict:
    signers: list[str] = []
    for behaviour in behaviours_of(dist):
        for signer in behaviour.trusted_signers.items:
            if signer not in signers:
                signers.append(signer)
    own = sorted(account_keys.trusted_for_self())
    items = [
        {"AwsAccountNumber": signer, "KeyPairIds": _key_ids(own if signer == "self" else [])}
        for signer in signers
    ]
    return {"Enabled": bool(items), "Quantity": len(items), "Items": items}


def _ignore(self, value: Any) -> None:
    """moto's constructor assigns empty placeholders; the live view above replaces them."""


def expectations() -> list[Expectation]:
    from moto.cloudfront.models import Distribution

    return [
        Expectation(
            Distribution, "__init__", ["self", "account_id", "region_name", "config"], "C10"
        )
    ]


def apply() -> None:
    from moto.cloudfront.models import Distribution

    current = getattr(Distribution.__dict__.get("active_trusted_key_groups"), "fget", None)
    if getattr(current, "_cftutorial_patch", False):
        return
    groups, signers = active_trusted_key_groups, active_trusted_signers
    groups._cftutorial_patch = True  # type: ignore[attr-defined]
    Distribution.active_trusted_key_groups = property(groups, _ignore)  # type: ignore[attr-defined]
    Distribution.active_trusted_signers = property(signers, _ignore)  # type: ignore[attr-defined]
