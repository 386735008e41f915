"""The one door to moto: the only module of the local AWS that imports moto or touches its objects.

Everything else (the CloudFront and S3 rules, the edge) asks this module for plain values --
a distribution by domain with its enabled flag, behaviours, trusted key groups and signers,
origins with their OAI/OAC, key group items, public key PEMs, bucket facts, object bytes and
metadata -- and asks it to make the few writes the fidelity layer needs (ETags, key group and
public key updates, deletions, deployment restarts, bucket defaults). Patches of moto's methods
are declared as :class:`Patch` values by the rule modules and installed here.

Every moto attribute read here is declared in :func:`expectations`, so the guard
(:mod:`.guard`) refuses to start the server on a moto that no longer has one. moto's
distribution config fields (``Enabled``, ``Origins``, ``CacheBehaviors``…) are the request's
own dict keys, stored verbatim by ``DistributionConfig.__init__`` (``self.__dict__.update``);
they are read defensively.

Deployment (gap C4) uses moto's own state manager: ``cloudfront::distribution`` moves
``InProgress`` -> ``Deployed`` by time (``progression: time``, ``CFTUTORIAL_DEPLOY_SECONDS``).
moto never goes back to ``InProgress`` on an update, so :func:`restart_deployment` sets the
status through ``ManagedState``'s public setter and restarts its clock (``_time_progressed``,
the one private attribute written, guarded like the reads).
"""

from __future__ import annotations

import contextlib
import inspect
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..config import LOCAL_ACCOUNT_ID
from . import uri
from .guard import Expectation

DISTRIBUTION_MODEL = "cloudfront::distribution"
REQUEST_FINGERPRINT = "cftutorial_request_fingerprint"  # our own attribute on a moto distribution
ACLS_DISABLED = "BucketOwnerEnforced"


# --- plain values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Behaviour:
    """One cache behaviour (``path_pattern`` is ``""`` for the default behaviour)."""

    path_pattern: str
    target_origin_id: str
    allowed_methods: tuple[str, ...]
    trusted_key_groups: tuple[str, ...]
    trusted_signers: tuple[str, ...]
    origin_request_policy_id: str = ""  # which viewer headers reach the origin (Origin: CORS)


@dataclass(frozen=True)
class Origin:
    id: str
    domain_name: str
    origin_path: str
    oai: str  # "origin-access-identity/cloudfront/ID" or ""
    oac_id: str


@dataclass(frozen=True)
class StandardLogging:
    """A distribution's ``Logging`` (standard logging, legacy): where its access logs go."""

    enabled: bool = False
    include_cookies: bool = False
    bucket: str = ""  # "BUCKET.s3.amazonaws.com"
    prefix: str = ""


@dataclass(frozen=True)
class Distribution:
    id: str
    arn: str
    domain_name: str
    aliases: tuple[str, ...]
    enabled: bool
    status: str
    etag: str
    default_root_object: str
    default_behaviour: Behaviour
    behaviours: tuple[Behaviour, ...]  # the ordered cache behaviours, default not included
    origins: tuple[Origin, ...]
    caller_reference: str = ""
    request_fingerprint: str = ""  # of the create request, kept by the fidelity layer
    logging: StandardLogging = field(default_factory=StandardLogging)
    certificate_arn: str = ""  # ViewerCertificate.ACMCertificateArn ("" for the default one)

    @property
    def deployed(self) -> bool:
        return self.status == "Deployed"

    @property
    def all_behaviours(self) -> tuple[Behaviour, ...]:
        return (self.default_behaviour, *self.behaviours)


@dataclass(frozen=True)
class KeyGroup:
    id: str
    name: str
    items: tuple[str, ...]
    etag: str
    comment: str = ""
    last_modified_time: Any = None


@dataclass(frozen=True)
class PublicKey:
    id: str
    name: str
    encoded_key: str
    comment: str
    etag: str
    caller_ref: str
    created_time: Any


@dataclass(frozen=True)
class Grant:
    """One ACL grant: a grantee (canonical user id or group URI) and a permission."""

    grantee_id: str = ""
    grantee_uri: str = ""
    permission: str = "READ"


@dataclass(frozen=True)
class BlockPublicAccess:
    """The bucket's Block Public Access settings (all off when the bucket has none)."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False


@dataclass(frozen=True)
class CorsRule:
    """One rule of a bucket's CORS configuration (``put_bucket_cors``)."""

    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None


@dataclass(frozen=True)
class Bucket:
    name: str
    policy: str | None
    ownership: str | None
    block: BlockPublicAccess
    grants: tuple[Grant, ...]
    cors: tuple[CorsRule, ...] = ()

    @property
    def acls_enabled(self) -> bool:
        return self.ownership != ACLS_DISABLED


@dataclass(frozen=True)
class Certificate:
    """An ACM certificate as CloudFront's checks need it: where it lives, its state, its names."""

    arn: str
    region: str
    status: str
    names: tuple[str, ...]  # the DomainName first, then the SubjectAlternativeNames


@dataclass(frozen=True)
class StoredObject:
    """An object's metadata S3 answers with, and a reader of its bytes (never all of them at
    once: fifty viewers of a large video would otherwise hold fifty copies)."""

    size: int
    etag: str
    last_modified: str
    metadata: Mapping[str, str]
    grants: tuple[Grant, ...] = field(default=())
    reader: Callable[[], io.RawIOBase] | None = None

    @property
    def value(self) -> bytes:
        """All the bytes (for small reads and tests; the edge streams through ``reader``)."""
        if self.reader is None:
            return b""
        with self.reader() as stream:
            return stream.read()


class _KeyStream(io.RawIOBase):
    """A seekable read-only view of one moto object's buffer: each read takes the object's lock,
    seeks to its own position and reads at most what was asked (moto shares one buffer per object
    between its readers). An object deleted or replaced meanwhile (moto closes its buffer) ends
    the stream early."""

    def __init__(self, key: Any, size: int) -> None:
        self._key = key
        self._size = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), max(0, self._size - self._position))
        if want == 0:
            return 0
        try:
            with self._key.lock:
                stored = self._key._value_buffer
                stored.seek(self._position)
                data = stored.read(want)
        except ValueError:  # the buffer was closed: the object is gone
            return 0
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


# --- moto's modules (imported lazily: the server starts fast, --help stays fast) ---------------


def _cf_models() -> Any:
    from moto.cloudfront import models

    return models


def _s3_models() -> Any:
    from moto.s3 import models

    return models


def _s3_responses() -> Any:
    from moto.s3 import responses

    return responses


def _kms_models() -> Any:
    from moto.kms import models

    return models


def _acm_models() -> Any:
    from moto.acm import models

    return models


def _kms_utils() -> Any:
    from moto.kms import utils

    return utils


def _cloudfront() -> Any:
    return _cf_models().cloudfront_backends[LOCAL_ACCOUNT_ID]["aws"]


def _kms_regions() -> dict[str, Any]:
    """The local account's KMS backends that exist, by Region (KMS keys are regional)."""
    return dict(_kms_models().kms_backends[LOCAL_ACCOUNT_ID])


def _s3() -> Any:
    return _s3_models().s3_backends[LOCAL_ACCOUNT_ID]["aws"]


def moto_version() -> str:
    import moto

    return moto.__version__


def moto_app() -> Callable:
    """moto's own WSGI app (every service, dispatched by host and credential scope)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def serialize_cloudfront(operation: str, result: Any) -> tuple[int, dict[str, str], bytes]:
    """``result`` (a dict, or a moto error) as CloudFront ``operation``'s rest-xml answer."""
    from moto.core.serialize import get_serializer_class
    from moto.core.utils import get_service_model

    model = get_service_model("cloudfront").operation_model(operation)
    serialized = get_serializer_class("cloudfront", "rest-xml")(model).serialize(result)
    body = serialized["body"]
    headers = {k: str(v) for k, v in serialized["headers"].items()}
    data = body.encode() if isinstance(body, str) else (body or b"")
    return serialized["status_code"], headers, data


def cloudfront_exception(code: str, message: str) -> Exception:
    """moto's CloudFront exception, which its dispatcher serialises (not an HTTP 500)."""
    from moto.cloudfront.exceptions import CloudFrontException

    return CloudFrontException(code, message)


def utcnow() -> Any:
    from moto.core.utils import utcnow as now

    return now()


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


# --- writing CloudFront ------------------------------------------------------------------------


def set_etag(raw: Any, etag: str) -> None:
    """Give a moto object handed to a patch (distribution, OAC) a new ETag."""
    raw.etag = etag


def result_fields(answer: Any) -> dict:
    """The fields of what a moto CloudFront response method answers (``ActionResult``), which
    moto's serializer then writes: a patch adds the ones moto leaves out (``Location``)."""
    return answer.result


def remember_request(raw: Any, fingerprint: str) -> None:
    """A created moto distribution keeps its create request's fingerprint (pickled with it)."""
    setattr(raw, REQUEST_FINGERPRINT, fingerprint)


def update_key_group(
    group_id: str, name: str, items: list[str], comment: str, etag: str
) -> KeyGroup:
    raw = _cloudfront().key_groups[group_id]
    raw.name, raw.items, raw.comment, raw.etag = name, list(items), comment, etag
    raw.last_modified_time = utcnow()
    return _key_group(raw)


def delete_key_group(group_id: str) -> None:
    _cloudfront().key_groups.pop(group_id, None)


def update_public_key_comment(key_id: str, comment: str, etag: str) -> PublicKey:
    raw = _cloudfront().public_keys[key_id]
    raw.comment, raw.etag = comment, etag
    return _public_key(raw)


def delete_public_key(key_id: str) -> None:
    _cloudfront().public_keys.pop(key_id, None)


def delete_origin_access_control(control_id: str) -> None:
    _cloudfront().origin_access_controls.pop(control_id, None)


def configure_deployment(seconds: float) -> None:
    """Distributions are ``InProgress`` for ``seconds``, then ``Deployed`` (moto's state manager)."""
    from moto.moto_api import state_manager

    state_manager.set_transition(DISTRIBUTION_MODEL, {"progression": "time", "seconds": seconds})


def restart_deployment(raw: Any) -> None:
    """A changed distribution deploys again: ``InProgress`` from now (moto never goes back)."""
    raw.status = "InProgress"
    raw._time_progressed = datetime.now()


def keep_origin_access(raw: Any, config: Mapping[str, Any]) -> None:
    """Gap C2: an origin keeps ``S3OriginConfig.OriginAccessIdentity`` and its OAC id."""
    s3_config = config.get("S3OriginConfig")
    raw.s3_origin_config = dict(s3_config) if s3_config is not None else None
    if s3_config is not None:
        raw.s3_origin_config.setdefault("OriginAccessIdentity", "")
    raw.s3_access_identity = (s3_config or {}).get("OriginAccessIdentity") or ""
    raw.origin_access_control_id = config.get("OriginAccessControlId") or ""


def set_status(raw: Any, status: str) -> None:
    """An invalidation handed to a patch gets AWS's status spelling."""
    raw.status = status


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


def configure_acm_validation(seconds: float) -> None:
    """How long a requested certificate stays PENDING_VALIDATION before moto issues it."""
    from moto import settings

    settings.ACM_VALIDATION_WAIT = seconds


def acm_exception(code: str, message: str) -> Exception:
    """moto's ACM (JSON protocol) exception with AWS's error code, serialised by moto."""
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)


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


def add_bucket_grant(bucket_name: str, canonical_user_id: str, permission: str) -> bool:
    """Add one canonical-user grant to a bucket's ACL (no-op when present); False: no bucket."""
    raw = _s3().buckets.get(bucket_name)
    if raw is None:
        return False
    if Grant(canonical_user_id, "", permission) in _grants(raw.acl):
        return True
    _note(s3_bucket(bucket_name))  # a CloudFront request changing a bucket: kept with it
    models = _s3_models()
    if raw.acl is None:
        raw.acl = models.FakeAcl(grants=[])
    grantee = models.FakeGrantee(grantee_id=canonical_user_id)
    raw.acl.grants.append(models.FakeGrant([grantee], [permission]))
    return True


def put_object(bucket_name: str, key: str, value: bytes) -> bool:
    """Store an object as a service writes it (log delivery); False when the bucket is gone."""
    if _s3().buckets.get(bucket_name) is None:
        return False
    _note(s3_key(bucket_name, key))
    _s3().put_object(bucket_name, key, value)
    return True


def apply_bucket_defaults(raw: Any) -> None:
    """Gap S1: a new bucket has ACLs disabled and all of Block Public Access on."""
    raw.ownership_rule = ACLS_DISABLED
    raw.public_access_block = _s3_models().PublicAccessBlock("true", "true", "true", "true")


def store_acl_from_body(response: Any) -> bool:
    """Gap S3: ``PutObjectAcl`` with an ``AccessControlPolicy`` body stores exactly its grants.

    ``response`` is moto's ``S3Response`` handling the request; False when the request sets the
    ACL by headers (moto's own handling is then right).
    """
    if response._acl_from_headers(response.headers) is not None:
        return False
    if not (response.body or b"").strip():
        return False
    acl = response._acl_from_body()
    response.backend.put_object_acl(response.bucket_name, response.parse_key_name(), acl)
    return True


# --- the state on disk, one partition at a time (see persistence.py) ---------------------------
#
# A partition is one piece of moto's state that the state files keep apart, named by a tuple:
#   ("s3", BUCKET)                       the bucket's own settings and tags, not its objects
#   ("s3", BUCKET, "key", KEY)           every version of one key, with their tags
#   ("s3", BUCKET, "upload", UPLOAD_ID)  one multipart upload in progress, with its parts
#   ("cloudfront",)                      the local account's CloudFront backend (small: whole)
#   ("kms",)                             the local account's KMS backends, by Region (small: whole)
# Its value (:func:`partition_value`) is what the state files pickle; None: it does not exist.
# A request is kept by pickling the partitions it can have touched and writing those that
# changed, so its cost is that of what it touched, never of the whole state.

Partition = tuple[str, ...]
CLOUDFRONT: Partition = ("cloudfront",)
KMS: Partition = ("kms",)
_BUCKET_CONTENTS = ("keys", "multiparts")  # a bucket partition's value leaves these out
_noted: ContextVar[set[Partition] | None] = ContextVar("cftutorial_noted", default=None)


def s3_bucket(bucket: str) -> Partition:
    return ("s3", bucket)


def s3_key(bucket: str, key: str) -> Partition:
    return ("s3", bucket, "key", key)


def s3_upload(bucket: str, upload_id: str) -> Partition:
    return ("s3", bucket, "upload", upload_id)


@contextlib.contextmanager
def noting() -> Iterator[set[Partition]]:
    """Collect the partitions this module's own writes touch in this thread meanwhile (a
    CloudFront request granting log delivery on a bucket, the edge writing a log file)."""
    found: set[Partition] = set()
    token = _noted.set(found)
    try:
        yield found
    finally:
        _noted.reset(token)


def _note(partition: Partition) -> None:
    found = _noted.get()
    if found is not None:
        found.add(partition)


def moto_partitions() -> list[Partition]:
    """Every partition of moto's state that exists now."""
    found = [CLOUDFRONT, KMS]
    for name, raw in list(_s3().buckets.items()):
        found.append(s3_bucket(name))
        found += [s3_key(name, key) for key in list(dict.keys(raw.keys))]
        found += [s3_upload(name, upload) for upload in list(raw.multiparts)]
    return found


def partition_value(partition: Partition) -> Any:
    """What the state files keep of ``partition`` now (live moto objects: pickle them at once,
    with writers kept out), or None when it does not exist."""
    if partition == CLOUDFRONT:
        return _cloudfront()
    if partition == KMS:
        return _kms_regions()
    raw = _s3().buckets.get(partition[1]) if partition[0] == "s3" else None
    if raw is None:
        return None
    tags = _s3().tagger.tags
    if len(partition) == 2:
        settings = {k: v for k, v in vars(raw).items() if k not in _BUCKET_CONTENTS}
        return {"settings": settings, "tags": tags.get(raw.arn)}
    kind, name = partition[2:]
    if kind == "key":
        versions = dict.get(raw.keys, name)
        if not versions:
            return None
        own = {arn: tags[arn] for arn in _arns(versions) if arn in tags}
        return {"versions": list(versions), "tags": own}
    return raw.multiparts.get(name)


def _arns(versions: Iterable[Any]) -> list[str]:
    """The tag keys of a key's versions (a delete marker has none)."""
    key_type = _s3_models().FakeKey
    return [v.arn for v in versions if isinstance(v, key_type)]


def install_partition(partition: Partition, value: Any) -> None:
    """Make ``value`` (from :func:`partition_value`, unpickled) ``partition``'s state; None
    removes it. Install a bucket before its keys and uploads."""
    if partition == CLOUDFRONT:
        _install_cloudfront(value)
    elif partition == KMS:
        _install_kms(value or {})
    elif len(partition) == 2:
        _install_bucket(partition[1], value)
    else:
        _install_in_bucket(partition, value)


def _install_cloudfront(value: Any) -> None:
    backends = _cf_models().cloudfront_backends[LOCAL_ACCOUNT_ID]
    if value is None:
        backends["aws"].reset()
        return
    if not isinstance(value, _cf_models().CloudFrontBackend):
        raise TypeError("the saved CloudFront state is not a CloudFront backend")
    backends["aws"] = value


def _install_kms(value: Mapping[str, Any]) -> None:
    models = _kms_models()
    if not all(isinstance(backend, models.KmsBackend) for backend in value.values()):
        raise TypeError("the saved KMS state is not a KMS backend per Region")
    regions = models.kms_backends[LOCAL_ACCOUNT_ID]
    for region, backend in list(regions.items()):
        if region not in value:
            backend.reset()
    for region, backend in value.items():
        regions[region] = backend


def _install_bucket(name: str, value: Any) -> None:
    s3, models = _s3(), _s3_models()
    raw = s3.buckets.get(name)
    if value is None:
        if raw is not None:
            s3.buckets.pop(name)
            s3.tagger.tags.pop(raw.arn, None)
        models.s3_backends.bucket_accounts.pop(name, None)
        return
    settings, tags = value["settings"], value["tags"]
    if raw is None:
        raw = models.FakeBucket.__new__(models.FakeBucket)  # __init__ would make a new bucket
        contents = {"keys": models._VersionedKeyStore(), "multiparts": models.MultipartDict()}
    else:  # settings replaced in place: whoever holds the bucket sees them
        contents = {name: getattr(raw, name) for name in _BUCKET_CONTENTS}
        vars(raw).clear()
    vars(raw).update(settings)
    vars(raw).update(contents)
    if raw.name != name or not isinstance(raw.keys, models._VersionedKeyStore):
        raise TypeError(f"the saved settings of bucket {name!r} are not a bucket's")
    s3.buckets[name] = raw
    models.s3_backends.bucket_accounts[name] = (raw.partition, raw.account_id)
    if tags is None:
        s3.tagger.tags.pop(raw.arn, None)
    else:
        s3.tagger.tags[raw.arn] = dict(tags)


def _install_in_bucket(partition: Partition, value: Any) -> None:
    s3, models = _s3(), _s3_models()
    raw = s3.buckets.get(partition[1])
    if raw is None:
        if value is None:
            return
        raise TypeError(f"{partition[2]} {partition[3]!r} is saved without its bucket")
    kind, name = partition[2:]
    if kind == "upload":
        if value is None:
            raw.multiparts.pop(name, None)
        elif isinstance(value, models.FakeMultipart):
            raw.multiparts[name] = value
        else:
            raise TypeError(f"the saved upload {name!r} is not a multipart upload")
        return
    for arn in _arns(dict.get(raw.keys, name) or []):
        s3.tagger.tags.pop(arn, None)
    if value is None:
        dict.pop(raw.keys, name, None)
        return
    versions = value["versions"]
    kinds = (models.FakeKey, models.FakeDeleteMarker)
    if not versions or not all(isinstance(v, kinds) for v in versions):
        raise TypeError(f"the saved key {name!r} is not a list of object versions")
    dict.__setitem__(raw.keys, name, list(versions))  # as moto's store keeps it: all versions
    for arn, tags in value["tags"].items():
        s3.tagger.tags[arn] = dict(tags)


def reset_kept_state() -> None:
    """Empty the local account's S3, CloudFront and KMS backends (before a reload from disk).

    As moto's own reset does, but without disposing of every object moto ever tracked (a value
    that failed to unpickle is among them, half made, and would fail that)."""
    models = _s3_models()
    for name in list(_s3().buckets):
        models.s3_backends.bucket_accounts.pop(name, None)
    for backend in (_s3(), _cloudfront(), *_kms_regions().values()):
        region, account = backend.region_name, backend.account_id
        backend.__dict__ = {}
        backend.__init__(region, account)


def key_versions(bucket: str) -> dict[str, tuple[Any, ...]]:
    """Each key of ``bucket`` with its version objects: compare two of these by identity
    (:func:`changed_keys`) to see which keys a request replaced, added or removed."""
    raw = _s3().buckets.get(bucket)
    return {} if raw is None else {n: tuple(v) for n, v in list(dict.items(raw.keys))}


def changed_keys(bucket: str, before: Mapping[str, tuple[Any, ...]]) -> set[Partition]:
    after = key_versions(bucket)
    return {
        s3_key(bucket, name)
        for name in before.keys() | after.keys()
        if not _same(before.get(name), after.get(name))
    }


def uploads(bucket: str) -> dict[str, Any]:
    """The multipart uploads in progress in ``bucket``, by id (see :func:`changed_uploads`)."""
    raw = _s3().buckets.get(bucket)
    return {} if raw is None else dict(raw.multiparts)


def changed_uploads(bucket: str, before: Mapping[str, Any]) -> set[Partition]:
    after = uploads(bucket)
    return {
        s3_upload(bucket, upload)
        for upload in before.keys() | after.keys()
        if before.get(upload) is not after.get(upload)
    }


def _same(before: tuple[Any, ...] | None, after: tuple[Any, ...] | None) -> bool:
    """The same objects in the same order (held since before, so no id was reused)."""
    if before is None or after is None:
        return before is after
    return len(before) == len(after) and all(a is b for a, b in zip(before, after, strict=True))


def server_access_log_bucket(bucket: str) -> str | None:
    """The bucket moto writes ``bucket``'s server access logs to (PutBucketLogging), if any."""
    raw = _s3().buckets.get(bucket)
    target = (getattr(raw, "logging", None) or {}).get("TargetBucket") if raw else None
    return target if isinstance(target, str) and target else None


def s3_target(environ: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(bucket, key)`` an S3 request names, read as moto reads it (path or virtual-hosted
    style: ``Host: BUCKET.localhost``); ``(bucket, "")`` for the bucket itself, ``("", "")``
    for the service. None when moto would look the bucket up elsewhere (an access point)."""
    from moto.core.request import Request
    from moto.s3 import responses, utils
    from moto.s3bucket_path import utils as path_style

    request = Request(dict(environ))
    if ".s3-accesspoint." in (request.headers.get("host") or ""):
        return None
    url, path = request.raw_url, uri.s3_request_path(request.raw_path)
    if responses.S3Response.subdomain_based_buckets(request):
        return utils.bucket_name_from_url(url) or "", responses.parse_key_name(path)
    return path_style.bucket_name_from_url(url) or "", path_style.parse_key_name(path)


def service_of(environ: Mapping[str, Any]) -> str:
    """The service moto's dispatcher sends a request to: ``s3``, ``cloudfront``, ``kms``,
    ``moto_api``… (its own rules: the credential scope, then the body and the path)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    path = environ.get("PATH_INFO", "")
    if path.startswith("/moto-api"):
        return "moto_api"
    global _DISPATCHER
    if _DISPATCHER is None:
        _DISPATCHER = DomainDispatcherApplication(lambda service: None)  # type: ignore[arg-type]
    host = _DISPATCHER.infer_service_region_host(environ, path)
    if host is None:
        return "s3"  # moto's DEFAULT_SERVICE_REGION
    return host.split(".", 1)[0]


_DISPATCHER: Any = None


def restore_legacy_state(state: Mapping[str, Any]) -> None:
    """Install the backends of a snapshot written before issue 23 (one pickle of the whole
    backends): moto's S3 and CloudFront backends, and KMS per Region.

    moto keeps one more index outside the backend, bucket name -> account (the common bucket
    namespace, filled by ``FakeBucket.__init__``, which unpickling does not call): rebuilt here.
    """
    s3, cloudfront = state.get("s3"), state.get("cloudfront")
    kms = state.get("kms") or {}  # snapshots written before KMS was saved have none
    s3_models, cf_models = _s3_models(), _cf_models()
    if not isinstance(s3, s3_models.S3Backend) or not isinstance(
        cloudfront, cf_models.CloudFrontBackend
    ):
        raise TypeError("the snapshot does not hold an S3 and a CloudFront backend")
    _install_kms(kms)
    s3_models.s3_backends[LOCAL_ACCOUNT_ID]["aws"] = s3
    cf_models.cloudfront_backends[LOCAL_ACCOUNT_ID]["aws"] = cloudfront
    for name in s3.buckets:
        s3_models.s3_backends.bucket_accounts[name] = (s3.partition, s3.account_id)


def state_summary() -> dict[str, int]:
    """How much the local account holds (for the log and ``cftutorial local status``)."""
    s3, cloudfront = _s3(), _cloudfront()
    buckets = list(s3.buckets.values())
    return {
        "buckets": len(buckets),
        "objects": sum(len(b.keys) for b in buckets),
        "distributions": len(cloudfront.distributions),
        "origin access controls": len(cloudfront.origin_access_controls),
        "public keys": len(cloudfront.public_keys),
        "key groups": len(cloudfront.key_groups),
        "invalidations": sum(len(v) for v in cloudfront.invalidations.values()),
        "KMS keys": sum(len(backend.keys) for backend in _kms_regions().values()),
    }


# --- KMS Sign (gap K1, see kms.py) --------------------------------------------------------------


def kms_sign_request(response: Any) -> dict[str, Any]:
    """The parameters of the ``Sign`` request moto's KMS response object is answering."""
    names = ("KeyId", "Message", "MessageType", "SigningAlgorithm")
    return {name: response._get_param(name) for name in names}


def kms_key_arn(response: Any, key_id: str) -> str:
    """The ARN of the KMS key ``key_id`` names (an id, ARN or alias), in the request's Region."""
    return response.kms_backend.describe_key(key_id).arn


def kms_validation_error(message: str) -> Exception:
    """moto's KMS ``ValidationException`` (serialised by its dispatcher as AWS does)."""
    from moto.kms.exceptions import ValidationException

    return ValidationException(message)


def kms_sign_digest(response: Any, key_id: str, digest: bytes, algorithm: str) -> tuple[str, bytes]:
    """(key ARN, signature of an already computed digest) with the key's private half, as KMS
    signs ``MessageType=DIGEST``: the hash step of the algorithm is skipped (``Prehashed``)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    key = response.kms_backend.describe_key(key_id)
    if key.key_usage != "SIGN_VERIFY":
        raise kms_validation_error(
            f"1 validation error detected: Value '{key_id}' at 'KeyId' failed to satisfy "
            "constraint: Member must point to a key with usage: 'SIGN_VERIFY'"
        )
    if algorithm not in key.signing_algorithms:
        raise kms_validation_error(
            f"1 validation error detected: Value '{algorithm}' at 'SigningAlgorithm' failed to "
            f"satisfy constraint: Member must satisfy enum value set: {key.signing_algorithms}"
        )
    digest_algorithm = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}[
        algorithm[-3:]
    ]()
    hashed = Prehashed(digest_algorithm)
    private = key.private_key.private_key
    if algorithm.startswith("ECDSA"):
        return key.arn, private.sign(digest, ec.ECDSA(hashed))
    if algorithm.startswith("RSASSA_PSS"):
        pss = padding.PSS(mgf=padding.MGF1(digest_algorithm), salt_length=padding.PSS.MAX_LENGTH)
        return key.arn, private.sign(digest, pss, hashed)
    return key.arn, private.sign(digest, padding.PKCS1v15(), hashed)


# --- patches -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Patch:
    """Replace ``moto.<module>.<owner>.<attribute>`` by ``make(original)``.

    ``params`` is the signature the replacement relies on (``None``: any). With ``prop`` set,
    the attribute becomes a read-only property computed by ``make`` (a getter taking the moto
    object); moto's own assignments to it are ignored.
    """

    module: str
    owner: str
    attribute: str
    params: tuple[str, ...] | None
    gap: str
    make: Callable[[Callable], Callable] | Callable[[Any], Any]
    prop: bool = False

    def target(self) -> type:
        import importlib

        return getattr(importlib.import_module(f"moto.{self.module}"), self.owner)

    def expectation(self) -> Expectation:
        return Expectation(self.target(), self.attribute, self.params, self.gap, instance=self.prop)


def apply(patch: Patch) -> None:
    """Install one patch, once (re-applying is a no-op)."""
    owner = patch.target()
    current = inspect.getattr_static(owner, patch.attribute, None)
    if patch.prop:
        if getattr(getattr(current, "fget", None), "_cftutorial_patch", False):
            return
        getter = patch.make
        getter._cftutorial_patch = True  # type: ignore[attr-defined]
        setattr(owner, patch.attribute, property(getter, _ignore_assignment))
        return
    if getattr(current, "_cftutorial_patch", False):
        return
    replacement = patch.make(getattr(owner, patch.attribute))
    replacement._cftutorial_patch = True  # type: ignore[attr-defined]
    replacement.__wrapped__ = current  # type: ignore[attr-defined]
    setattr(owner, patch.attribute, replacement)


def _ignore_assignment(self: Any, value: Any) -> None:
    """moto's constructor assigns placeholders; the computed view replaces them."""


# --- what the adapter relies on ----------------------------------------------------------------


def expectations() -> list[Expectation]:
    """Every moto attribute this module reads or writes, for the guard."""
    cf, s3 = _cf_models(), _s3_models()
    from moto.core.responses import ActionResult
    from moto.moto_api._internal.managed_state_model import ManagedState
    from moto.moto_api._internal.state_manager import StateManager

    def own(owner: type, *names: str, gap: str = "edge") -> list[Expectation]:
        return [Expectation(owner, name, None, gap, instance=True) for name in names]

    kms, kms_utils = _kms_models(), _kms_utils()
    from moto.kms import responses as kms_responses

    return [
        Expectation(cf, "cloudfront_backends", None, "adapter"),
        Expectation(s3, "s3_backends", None, "adapter"),
        Expectation(kms, "kms_backends", None, "persistence"),
        *own(kms.KmsBackend, "keys", gap="persistence"),
        Expectation(kms.KmsBackend, "describe_key", ("self", "key_id"), "K1"),
        Expectation(kms_responses.KmsResponse, "_get_param", None, "K1"),
        Expectation(kms_responses.KmsResponse, "kms_backend", None, "K1"),
        *own(kms.Key, "key_usage", "arn", "private_key", gap="K1"),
        Expectation(kms.Key, "signing_algorithms", None, "K1"),
        *own(kms_utils.RSAPrivateKey, "private_key", gap="K1"),
        *own(kms_utils.ECDSAPrivateKey, "private_key", gap="K1"),
        *own(
            cf.CloudFrontBackend,
            "distributions",
            "key_groups",
            "public_keys",
            "origin_access_controls",
            gap="adapter",
        ),
        *own(
            cf.Distribution, "distribution_id", "arn", "domain_name", "etag", "distribution_config"
        ),
        Expectation(cf.DistributionConfig, "__dict__", None, "adapter", instance=True),
        *own(cf.DistributionConfig, "caller_reference", gap="C11"),
        Expectation(cf.Distribution, "location", None, "C11"),
        *own(cf.DefaultCacheBehaviour, "target_origin_id", "trusted_key_groups", "trusted_signers"),
        *own(cf.DefaultCacheBehaviour, "allowed_methods"),
        *own(cf.CacheBehaviour, "path_pattern"),
        *own(cf.TrustedKeyGroups, "items", "enabled"),
        *own(cf.TrustedSigners, "items", "enabled"),
        *own(cf.AllowedMethods, "items"),
        *own(cf.Origin, "id", "domain_name", "origin_path", "s3_access_identity"),
        *own(cf.KeyGroup, "id", "name", "items", "etag", gap="C7"),
        *own(cf.PublicKey, "id", "name", "encoded_key", "comment", "etag", "caller_ref", gap="C8"),
        *own(cf.PublicKey, "created_time", gap="C8"),
        *own(cf.OriginAccessControl, "etag", gap="C5"),
        *own(cf.OriginAccessControl, "name", gap="C11"),
        Expectation(ActionResult, "result", None, "C12"),
        # C4 through moto's state manager
        Expectation(ManagedState, "status", None, "C4"),
        *own(ManagedState, "_time_progressed", gap="C4"),
        Expectation(StateManager, "set_transition", ("self", "model_name", "transition"), "C4"),
        *own(s3.S3Backend, "buckets", gap="S4-S8"),
        *own(s3.S3Backend, "partition", "account_id", gap="persistence"),
        Expectation(s3.s3_backends, "bucket_accounts", None, "persistence"),
        *own(cf.CloudFrontBackend, "invalidations", gap="persistence"),
        *own(s3.FakeBucket, "policy", "acl", "ownership_rule", "public_access_block", "keys"),
        *own(s3.FakeBucket, "multiparts", gap="4xx"),
        *own(
            s3.PublicAccessBlock,
            "block_public_acls",
            "ignore_public_acls",
            "block_public_policy",
            "restrict_public_buckets",
        ),
        Expectation(
            s3.PublicAccessBlock,
            "__init__",
            (
                "self",
                "block_public_acls",
                "ignore_public_acls",
                "block_public_policy",
                "restrict_public_buckets",
            ),
            "S1",
        ),
        Expectation(_s3_responses().S3Response, "_acl_from_body", ("self",), "S3"),
        Expectation(_s3_responses().S3Response, "_acl_from_headers", ("self", "headers"), "S3"),
        *own(s3.FakeAcl, "grants"),
        Expectation(s3.FakeAcl, "__init__", ("self", "grants"), "logs"),
        Expectation(s3.FakeGrant, "__init__", ("self", "grantees", "permissions"), "logs"),
        Expectation(
            s3.FakeGrantee, "__init__", ("self", "grantee_id", "uri", "display_name"), "logs"
        ),
        Expectation(s3.S3Backend, "put_object", None, "logs"),
        *own(cf.Logging, "enabled", "include_cookies", "bucket", "prefix", gap="logs"),
        *own(s3.FakeGrant, "grantees", "permissions"),
        *own(s3.FakeGrantee, "id", "uri"),
        *own(s3.FakeKey, "value", "etag", "lock", "metadata", "last_modified_RFC1123", "acl"),
        *own(s3.FakeKey, "_value_buffer", "size", gap="memory"),
        Expectation(s3.FakeKey, "__init__", None, "edge"),
        *own(cf.DefaultCacheBehaviour, "origin_request_policy_id", gap="C14"),
        *own(cf.ViewerCertificate, "acm_certificate_arn", gap="C14"),
        *own(s3.FakeBucket, "cors", gap="C14"),
        *own(s3.CorsRule, "allowed_origins", "allowed_methods", "allowed_headers", gap="C14"),
        *own(s3.CorsRule, "exposed_headers", "max_age_seconds", gap="C14"),
        *_acm_expectations(),
        *_state_expectations(),
    ]


def _state_expectations() -> list[Expectation]:
    """What the state files' partitions read and write (gap "state": persistence.py)."""
    s3, cf, kms = _s3_models(), _cf_models(), _kms_models()
    from moto.core.request import Request
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.s3 import responses, utils
    from moto.s3bucket_path import utils as path_style
    from moto.utilities.tagging_service import TaggingService

    def own(owner: type, *names: str) -> list[Expectation]:
        return [Expectation(owner, name, None, "state", instance=True) for name in names]

    return [
        *(Expectation(s3, name, None, "state") for name in ("_VersionedKeyStore", "MultipartDict")),
        *own(s3.FakeBucket, "name", "keys", "multiparts", "logging", "partition", "account_id"),
        Expectation(s3.FakeBucket, "arn", None, "state"),
        Expectation(s3.FakeKey, "arn", None, "state"),
        *own(s3.S3Backend, "tagger"),
        *own(TaggingService, "tags"),
        *(
            Expectation(owner, "__init__", ("self", "region_name", "account_id"), "state")
            for owner in (s3.S3Backend, cf.CloudFrontBackend, kms.KmsBackend)
        ),
        *own(s3.S3Backend, "region_name"),
        *(
            Expectation(owner, "reset", ("self",), "state")
            for owner in (cf.CloudFrontBackend, kms.KmsBackend)
        ),
        Expectation(s3.FakeMultipart, "__init__", None, "state"),
        Expectation(s3.FakeDeleteMarker, "__init__", None, "state"),
        Expectation(responses.S3Response, "subdomain_based_buckets", ("request",), "state"),
        Expectation(responses, "parse_key_name", ("pth",), "state"),
        Expectation(utils, "bucket_name_from_url", ("url",), "state"),
        Expectation(path_style, "bucket_name_from_url", ("url",), "state"),
        Expectation(path_style, "parse_key_name", ("path",), "state"),
        Expectation(Request, "raw_url", None, "state"),
        Expectation(Request, "raw_path", None, "state"),
        Expectation(
            DomainDispatcherApplication,
            "infer_service_region_host",
            ("self", "environ", "path"),
            "state",
        ),
    ]


def _acm_expectations() -> list[Expectation]:
    acm = _acm_models()
    from moto import settings

    return [
        Expectation(acm, "acm_backends", None, "C14"),
        Expectation(settings, "ACM_VALIDATION_WAIT", None, "C14"),
        Expectation(acm.AWSCertificateManagerBackend, "get_certificate", ("self", "arn"), "C14"),
        *(
            Expectation(acm.CertBundle, name, None, "C14", instance=True)
            for name in ("arn", "status", "common_name", "sans")
        ),
    ]
