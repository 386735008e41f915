"""Gap C10: ``ActiveTrustedKeyGroups`` (and ``ActiveTrustedSigners``) list who may sign.

AWS reports, on every distribution, the key groups its behaviours trust and the public key ids in
each (``Enabled: true, Items: [{KeyGroupId, KeyPairIds: {Quantity, Items}}]``), and for
``TrustedSigners: self`` the account's active key pairs; moto 5.2.5 always reports them
disabled and empty, so a learner could not check that signing is really required.
"""

from __future__ import annotations

from typing import Any

from .. import account_keys, moto_adapter


def _key_ids(items: list) -> dict:
    return {"Quantity": len(items), "Items": items}


def _unique(values) -> list[str]:
    found: list[str] = []
    for value in values:
        if value not in found:
            found.append(value)
    return found


def active_trusted_key_groups(raw_distribution: Any) -> dict:
    dist = moto_adapter.distribution_of(raw_distribution)
    groups = _unique(g for b in dist.all_behaviours for g in b.trusted_key_groups)
    items = []
    for group_id in groups:
        group = moto_adapter.key_group(group_id)
        key_ids = list(group.items) if group is not None else []
        items.append({"KeyGroupId": group_id, "KeyPairIds": _key_ids(key_ids)})
    return {"Enabled": bool(items), "Quantity": len(items), "Items": items}


def active_trusted_signers(raw_distribution: Any) -> dict:
    dist = moto_adapter.distribution_of(raw_distribution)
    signers = _unique(s for b in dist.all_behaviours for s in b.trusted_signers)
    own = sorted(account_keys.trusted_for_self())
    items = [
        {"AwsAccountNumber": signer, "KeyPairIds": _key_ids(own if signer == "self" else [])}
        for signer in signers
    ]
    return {"Enabled": bool(items), "Quantity": len(items), "Items": items}


_DIST = ("cloudfront.models", "Distribution")
PATCHES = (
    moto_adapter.Patch(
        *_DIST, "active_trusted_key_groups", None, "C10", active_trusted_key_groups, prop=True
    ),
    moto_adapter.Patch(
        *_DIST, "active_trusted_signers", None, "C10", active_trusted_signers, prop=True
    ),
)
