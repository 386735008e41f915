"""Gap C3: a distribution or key group may only name resources that exist.

AWS rejects a distribution config whose ``TrustedKeyGroups`` name an unknown key group
(400 ``TrustedKeyGroupDoesNotExist``) or ``TrustedSigners`` an account that does not exist
(400 ``TrustedSignerDoesNotExist``), whose S3 origin names an unknown or malformed OAI
(400 ``InvalidOriginAccessIdentity``) or an unknown OAC (``NoSuchOriginAccessControl``), or that
sets both on one origin (400 ``IllegalOriginAccessConfiguration``); a key group naming an unknown
public key fails with 404 ``NoSuchPublicKey``. moto 5.2.5 accepts anything, so a typo would
only show up later, on AWS.

Quota (CloudFront Developer Guide, "Quotas on key groups"): at most 4 key groups per cache
behaviour; more is 400 ``TooManyKeyGroupsAssociatedToDistribution``. moto 5.2.5 accepts any number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...config import LOCAL_ACCOUNT_ID
from .. import moto_adapter
from ..wire import CloudFrontError
from . import oai

MAX_KEY_GROUPS_PER_BEHAVIOUR = 4


def _items(container: Any) -> list:
    if not isinstance(container, dict):
        return []
    items = container.get("Items") or []
    return items if isinstance(items, list) else [items]


def _behaviours(config: dict) -> Iterable[dict]:
    yield config.get("DefaultCacheBehavior") or {}
    for behaviour in _items(config.get("CacheBehaviors")):
        if isinstance(behaviour, dict):
            yield behaviour


def check_distribution_config(config: dict) -> None:
    """Raise the CloudFront error AWS gives for the first dangling reference in ``config``."""
    group_ids = {group.id for group in moto_adapter.key_groups()}
    for behaviour in _behaviours(config):
        for signer in _items(behaviour.get("TrustedSigners")):
            if signer not in ("self", LOCAL_ACCOUNT_ID):
                raise CloudFrontError(
                    "TrustedSignerDoesNotExist",
                    f"One or more of your trusted signers don't exist: {signer!r}; locally only "
                    f"'self' (or the account id {LOCAL_ACCOUNT_ID}) can sign.",
                )
        trusted = _items(behaviour.get("TrustedKeyGroups"))
        if len(trusted) > MAX_KEY_GROUPS_PER_BEHAVIOUR:
            raise CloudFrontError(
                "TooManyKeyGroupsAssociatedToDistribution",
                f"A cache behaviour can trust at most {MAX_KEY_GROUPS_PER_BEHAVIOUR} key groups; "
                f"got {len(trusted)}. Put the public keys into fewer key groups (5 keys each).",
            )
        for group_id in trusted:
            if group_id not in group_ids:
                raise CloudFrontError(
                    "TrustedKeyGroupDoesNotExist",
                    f"The specified key group does not exist: {group_id}",
                )
    for origin in _items(config.get("Origins")):
        if isinstance(origin, dict):
            check_origin(origin)


def check_origin(origin: dict) -> None:
    identity = (origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity") or ""
    control = origin.get("OriginAccessControlId") or ""
    if identity and control:
        raise CloudFrontError(
            "IllegalOriginAccessConfiguration",
            f"Origin {origin.get('Id')!r} cannot use both an origin access identity and an "
            "origin access control; set S3OriginConfig.OriginAccessIdentity to '' when using OAC.",
        )
    if identity:
        oai_id = identity.removeprefix(oai.ORIGIN_PREFIX)
        if not identity.startswith(oai.ORIGIN_PREFIX) or oai.get_oai(oai_id) is None:
            raise CloudFrontError(
                "InvalidOriginAccessIdentity",
                f"The origin access identity {identity!r} does not exist or is not valid; "
                f"use 'origin-access-identity/cloudfront/ID' with the Id of an existing OAI.",
            )
    if control and moto_adapter.origin_access_control_etag(control) is None:
        raise CloudFrontError(
            "NoSuchOriginAccessControl",
            f"The specified origin access control does not exist: {control}",
        )


def check_public_keys(key_ids: Iterable[str]) -> None:
    """Every public key a key group names must exist (404 ``NoSuchPublicKey``)."""
    known = moto_adapter.public_key_ids()
    for key_id in key_ids:
        if key_id not in known:
            raise CloudFrontError(
                "NoSuchPublicKey", f"The specified public key does not exist: {key_id}"
            )


def distributions_using_key_group(group_id: str) -> list[str]:
    return [
        dist.id
        for dist in moto_adapter.distributions()
        if any(group_id in b.trusted_key_groups for b in dist.all_behaviours)
    ]


def distributions_using_oac(control_id: str) -> list[str]:
    return [
        dist.id
        for dist in moto_adapter.distributions()
        if any(origin.oac_id == control_id for origin in dist.origins)
    ]
