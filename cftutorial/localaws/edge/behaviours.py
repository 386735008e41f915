"""Which cache behaviour serves a path, what it allows, and whose keys it trusts (steps 2-3)."""

from __future__ import annotations

from ...config import LOCAL_ACCOUNT_ID
from ...signing import behaviours as cloudfront_rules
from .. import account_keys, moto_adapter
from ..moto_adapter import Behaviour, Distribution

SERVED_METHODS = ("GET", "HEAD", "OPTIONS")

#: The managed origin request policies that pass the viewer's ``Origin`` header to the origin
#: (CloudFront Developer Guide, "Use managed origin request policies"): without one, S3 never
#: sees ``Origin`` and its CORS rules never apply.
FORWARDS_ORIGIN = {
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": "CORS-S3Origin",
    "59781a5b-3903-41f3-afcb-af62929ccde1": "CORS-CustomOrigin",
    "216adef6-5c7f-47e4-b989-5492eafa07d3": "AllViewer",
    "33f36d7e-f396-46d9-90e0-52428a34d9dc": "AllViewerAndCloudFrontHeaders-2022-06",
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": "AllViewerExceptHostHeader",
}


def find_behaviour(dist: Distribution, path: str) -> Behaviour:
    """The first cache behaviour whose path pattern matches, else the default behaviour."""
    behaviours = list(dist.behaviours)
    index = cloudfront_rules.first_match([b.path_pattern for b in behaviours], path)
    return dist.default_behaviour if index is None else behaviours[index]


def pattern_of(behaviour: Behaviour) -> str:
    return behaviour.path_pattern or "Default (*)"


def allowed_methods(behaviour: Behaviour) -> set[str]:
    return (set(behaviour.allowed_methods) or {"GET", "HEAD"}) & set(SERVED_METHODS)


def forwards_origin(behaviour: Behaviour) -> bool:
    """Whether the behaviour's origin request policy passes ``Origin`` on to S3."""
    return behaviour.origin_request_policy_id in FORWARDS_ORIGIN


def requires_signature(behaviour: Behaviour) -> bool:
    return cloudfront_rules.requires_signature(
        behaviour.trusted_key_groups, behaviour.trusted_signers
    )


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
