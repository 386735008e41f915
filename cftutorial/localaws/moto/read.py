"""The read model: CloudFront, S3 and ACM as moto holds them, read into the plain values of
:mod:`.values`. Every attribute read here is declared in :func:`.patches.expectations`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...config import LOCAL_ACCOUNT_ID
from .modules import _acm_models, _cloudfront, _s3, _s3_models
from .values import (
    REQUEST_FINGERPRINT,
    Behaviour,
    BlockPublicAccess,
    Bucket,
    Certificate,
    CorsRule,
    Distribution,
    Grant,
    KeyGroup,
    Origin,
    PublicKey,
    StandardLogging,
    StoredObject,
    _KeyStream,
)

# --- reading CloudFront ------------------------------------------------------------------------


def _items(container: Any) -> list:
    """Items of a moto list-ish value (a list, a single string, a dict with ``Items``, None)."""
    if container is None:
        return []
    if isinstance(container, Mapping):
        container = container.get("Items") or []
    if isinstance(container, (str, bytes)) or not isinstance(container, Iterable):
        return [container]
    return list(container)


def _enabled(value: Any) -> bool:
    """THE reading of a distribution's ``Enabled`` (moto keeps what the XML parser gave)."""
    return value is True or str(value).lower() == "true"


def _behaviour(raw: Any) -> Behaviour:
    groups, signers = raw.trusted_key_groups, raw.trusted_signers
    methods = _items(getattr(raw.allowed_methods, "items", None))
    return Behaviour(
        path_pattern=str(getattr(raw, "path_pattern", "") or ""),
        target_origin_id=str(raw.target_origin_id or ""),
        allowed_methods=tuple(str(m).upper() for m in methods),
        trusted_key_groups=tuple(map(str, _items(groups.items))) if groups.enabled else (),
        trusted_signers=tuple(map(str, _items(signers.items))) if signers.enabled else (),
        origin_request_policy_id=str(getattr(raw, "origin_request_policy_id", "") or ""),
    )


def _origin(raw: Any) -> Origin:
    return Origin(
        id=str(raw.id),
        domain_name=str(raw.domain_name or ""),
        origin_path=str(raw.origin_path or ""),
        oai=str(getattr(raw, "s3_access_identity", "") or ""),
        oac_id=str(getattr(raw, "origin_access_control_id", "") or ""),
    )


def distribution_of(raw: Any) -> Distribution:
    """The plain view of one moto distribution (also for patches handed a moto object)."""
    config = raw.distribution_config
    aliases = getattr(config, "Aliases", None) or {}
    behaviours = getattr(config, "CacheBehaviors", None) or {}
    others = behaviours.get("Items") if isinstance(behaviours, Mapping) else None
    origins = getattr(config, "Origins", None) or {}
    return Distribution(
        id=str(raw.distribution_id),
        arn=str(raw.arn),
        domain_name=str(raw.domain_name).lower(),
        aliases=tuple(str(a).lower() for a in _items(aliases.get("Items") if aliases else None)),
        enabled=_enabled(getattr(config, "Enabled", False)),
        status=str(raw.status),
        etag=str(raw.etag),
        default_root_object=str(getattr(config, "DefaultRootObject", "") or ""),
        default_behaviour=_behaviour(config.DefaultCacheBehavior),
        behaviours=tuple(_behaviour(b) for b in _items(others) if not isinstance(b, Mapping)),
        origins=tuple(_origin(o) for o in _items(origins.get("Items"))),
        caller_reference=str(getattr(config, "caller_reference", "") or ""),
        request_fingerprint=str(getattr(raw, REQUEST_FINGERPRINT, "") or ""),
        certificate_arn=str(
            getattr(getattr(config, "ViewerCertificate", None), "acm_certificate_arn", "") or ""
        ),
        logging=_logging(getattr(config, "Logging", None)),
    )


def _logging(raw: Any) -> StandardLogging:
    """moto's ``Logging`` object (or the request's dict) as plain values."""
    if raw is None:
        return StandardLogging()

    def read(attribute: str, key: str) -> Any:
        return raw.get(key) if isinstance(raw, Mapping) else getattr(raw, attribute, None)

    return StandardLogging(
        enabled=_enabled(read("enabled", "Enabled")),
        include_cookies=_enabled(read("include_cookies", "IncludeCookies")),
        bucket=str(read("bucket", "Bucket") or ""),
        prefix=str(read("prefix", "Prefix") or ""),
    )


def _raw_distributions() -> list[Any]:
    backend = _cloudfront()
    for _attempt in range(3):
        try:
            return list(backend.distributions.values())
        except RuntimeError:  # changed size during iteration: another thread wrote
            continue
    return []


def distributions() -> list[Distribution]:
    return [distribution_of(d) for d in _raw_distributions()]


def distribution(distribution_id: str) -> Distribution | None:
    raw = _cloudfront().distributions.get(distribution_id)
    return distribution_of(raw) if raw is not None else None


def distribution_by_domain(domain: str) -> Distribution | None:
    """The distribution serving ``domain`` (its cloudfront.net name or an alias), if any."""
    domain = domain.lower()
    for raw in _raw_distributions():
        if str(raw.domain_name).lower() == domain:
            return distribution_of(raw)
    for dist in distributions():
        if domain in dist.aliases:
            return dist
    return None


def distribution_with_caller_reference(reference: str) -> Distribution | None:
    for raw in _raw_distributions():
        if str(getattr(raw.distribution_config, "caller_reference", "")) == reference:
            return distribution_of(raw)
    return None


def distribution_answer(distribution_id: str) -> tuple[Any, str, str]:
    """moto's own ``(distribution, location, etag)`` for a patch to return to moto's response."""
    raw = _cloudfront().distributions[distribution_id]
    return raw, raw.location, raw.etag


def _key_group(raw: Any) -> KeyGroup:
    return KeyGroup(
        id=str(raw.id),
        name=str(raw.name),
        items=tuple(map(str, _items(raw.items))),
        etag=str(raw.etag),
        comment=str(getattr(raw, "comment", "") or ""),
        last_modified_time=getattr(raw, "last_modified_time", None),
    )


def key_groups() -> list[KeyGroup]:
    return [_key_group(g) for g in list(_cloudfront().key_groups.values())]


def key_group(group_id: str) -> KeyGroup | None:
    raw = _cloudfront().key_groups.get(group_id)
    return _key_group(raw) if raw is not None else None


def _public_key(raw: Any) -> PublicKey:
    return PublicKey(
        id=str(raw.id),
        name=str(raw.name),
        encoded_key=str(raw.encoded_key),
        comment=str(raw.comment or ""),
        etag=str(raw.etag),
        caller_ref=str(raw.caller_ref),
        created_time=raw.created_time,
    )


def public_key(key_id: str) -> PublicKey | None:
    raw = _cloudfront().public_keys.get(key_id)
    return _public_key(raw) if raw is not None else None


def public_keys() -> list[PublicKey]:
    return [_public_key(k) for k in list(_cloudfront().public_keys.values())]


def public_key_answer(key_id: str) -> Any:
    """moto's own public key object, for a patch to return to moto's response."""
    return _cloudfront().public_keys[key_id]


def public_key_ids() -> set[str]:
    return set(_cloudfront().public_keys)


def origin_access_control_names() -> dict[str, str]:
    """Every origin access control's name, by id."""
    return {
        str(i): str(c.name or "") for i, c in list(_cloudfront().origin_access_controls.items())
    }


def origin_access_control_etag(control_id: str) -> str | None:
    raw = _cloudfront().origin_access_controls.get(control_id)
    return str(raw.etag) if raw is not None else None


# --- reading and writing S3 --------------------------------------------------------------------


def _grants(acl: Any) -> tuple[Grant, ...]:
    grants: list[Grant] = []
    for grant in getattr(acl, "grants", None) or []:
        permissions = grant.permissions
        permissions = [permissions] if isinstance(permissions, str) else permissions
        for grantee in grant.grantees:
            for permission in permissions:
                grants.append(Grant(grantee.id or "", grantee.uri or "", permission))
    return tuple(grants)


def _ownership(raw: Any) -> str | None:
    rule = getattr(raw, "ownership_rule", None)
    if isinstance(rule, Mapping):  # a dict when set through PutBucketOwnershipControls
        inner = rule.get("Rule")
        rule = (inner.get("ObjectOwnership") if isinstance(inner, Mapping) else None) or rule.get(
            "ObjectOwnership"
        )
    return rule


def _block(raw: Any) -> BlockPublicAccess:
    pab = getattr(raw, "public_access_block", None)
    if pab is None:
        return BlockPublicAccess()
    return BlockPublicAccess(
        block_public_acls=_enabled(pab.block_public_acls),
        ignore_public_acls=_enabled(pab.ignore_public_acls),
        block_public_policy=_enabled(pab.block_public_policy),
        restrict_public_buckets=_enabled(pab.restrict_public_buckets),
    )


def bucket_exists(name: str) -> bool:
    return bool(name) and name in _s3().buckets


def bucket(name: str) -> Bucket | None:
    raw = _s3().buckets.get(name)
    if raw is None:
        return None
    policy = raw.policy
    if isinstance(policy, bytes):
        policy = policy.decode("utf-8", errors="replace")
    cors = tuple(_cors_rule(rule) for rule in (raw.cors or []))
    return Bucket(name, policy or None, _ownership(raw), _block(raw), _grants(raw.acl), cors)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in _items(value))


def _cors_rule(raw: Any) -> CorsRule:
    age = getattr(raw, "max_age_seconds", None)
    return CorsRule(
        allowed_origins=_strings(raw.allowed_origins),
        allowed_methods=tuple(m.upper() for m in _strings(raw.allowed_methods)),
        allowed_headers=_strings(raw.allowed_headers),
        expose_headers=_strings(raw.exposed_headers),
        max_age_seconds=int(age) if str(age or "").isdigit() else None,
    )


# --- reading ACM (the certificates CloudFront's alternate domain names need) -------------------


def certificate(arn: str) -> Certificate | None:
    """The certificate ``arn`` names, looked up in the region the ARN says (None: no such one).

    moto's ``get_certificate`` also runs its own clock: a requested certificate turns ISSUED
    once ``ACM_VALIDATION_WAIT`` seconds have passed (see :func:`configure_acm_validation`).
    """
    parts = str(arn).split(":")
    if len(parts) < 6 or parts[2] != "acm" or not parts[3]:
        return None
    region = parts[3]
    try:
        backend = _acm_models().acm_backends[LOCAL_ACCOUNT_ID][region]
        bundle = backend.get_certificate(arn)
    except Exception:  # CertificateNotFound, or a region moto does not know
        return None
    names = [str(bundle.common_name), *(str(n) for n in bundle.sans or [])]
    unique = tuple(dict.fromkeys(n.lower() for n in names if n and n != "None"))
    return Certificate(str(bundle.arn), region, str(bundle.status), unique)


def _current_key(bucket_name: str, key: str) -> Any | None:
    found = _s3().buckets.get(bucket_name)
    obj = found.keys.get(key) if found is not None else None
    return obj if isinstance(obj, _s3_models().FakeKey) else None


def object_grants(bucket_name: str, key: str) -> tuple[Grant, ...] | None:
    """The object's ACL grants, or ``None`` when there is no such object."""
    obj = _current_key(bucket_name, key)
    return None if obj is None else _grants(getattr(obj, "acl", None))


def multipart_upload_exists(bucket_name: str, upload_id: str) -> bool:
    """Whether the bucket has an upload in progress with this id."""
    found = _s3().buckets.get(bucket_name)
    return found is not None and upload_id in found.multiparts


def object_exists(bucket_name: str, key: str) -> bool:
    return _current_key(bucket_name, key) is not None


def stored_object(bucket_name: str, key: str) -> StoredObject | None:
    obj = _current_key(bucket_name, key)
    if obj is None:
        return None
    with obj.lock:  # moto computes the ETag from the shared buffer without its own lock
        etag = obj.etag
        size = obj.size
    return StoredObject(
        size=size,
        etag=etag,
        last_modified=obj.last_modified_RFC1123,
        metadata=dict(obj.metadata),
        grants=_grants(getattr(obj, "acl", None)),
        reader=lambda: _KeyStream(obj, size),
    )
