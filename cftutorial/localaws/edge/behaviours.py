"""Which cache behaviour serves a path, what it allows, and whose keys it trusts (steps 2-3)."""

from __future__ import annotations

from ...config import LOCAL_ACCOUNT_ID
from ...signing import wildcard
from .. import account_keys, moto_adapter
from ..moto_adapter import Behaviour, Distribution

SERVED_METHODS = ("GET", "HEAD", "OPTIONS")


def path_matches(pattern: str, path: str) -> bool:
    """CloudFront path-pattern semantics: ``*`` any characters, ``?`` one, case-sensitive."""
    return wildcard.matcher(pattern if pattern.startswith("/") else "/" + pattern)(path)


def find_behaviour(dist: Distribution, path: str) -> Behaviour:
    """The first cache behaviour whose path pattern matches, else the default behaviour."""
    for behaviour in dist.behaviours:
        if behaviour.path_pattern and path_matches(behaviour.path_pattern, path):
            return behaviour
    return dist.default_behaviour


def pattern_of(behaviour: Behaviour) -> str:
    return behaviour.path_pattern or "Default (*)"


def allowed_methods(behaviour: Behaviour) -> set[str]:
    return (set(behaviour.allowed_methods) or {"GET", "HEAD"}) & set(SERVED_METHODS)


def requires_signature(behaviour: Behaviour) -> bool:
    return bool(behaviour.trusted_key_groups or behaviour.trusted_signers)


def trusted_keys(behaviour: Behaviour) -> dict[str, str]:
    """Key pair id -> public key PEM for every key the behaviour trusts."""
    keys: dict[str, str] = {}
    for group_id in behaviour.trusted_key_groups:
        group = moto_adapter.key_group(group_id)
        for key_id in group.items if group is not None else ():
            public_key = moto_adapter.public_key(key_id)
            if public_key is not None:
                keys[key_id] = public_key.encoded_key
    own_account = {"self", LOCAL_ACCOUNT_ID}  # the account's own number means "self" too
    if own_account & set(behaviour.trusted_signers):
        keys.update(account_keys.trusted_for_self())
    return keys
