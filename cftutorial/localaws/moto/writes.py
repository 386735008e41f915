"""The few writes the fidelity layer makes to moto's objects: ETags and remembered requests,
key group and public key updates and deletions, deployment restarts and delays, bucket grants,
defaults and ACLs, log files put into S3.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from .modules import _cloudfront, _s3, _s3_models, utcnow
from .read import _grants, _key_group, _public_key
from .state import _note, collecting, s3_bucket, s3_key
from .values import (
    ACLS_DISABLED,
    DISTRIBUTION_MODEL,
    REQUEST_FINGERPRINT,
    Grant,
    KeyGroup,
    PublicKey,
)

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


#: The distributions whose deployment (re)started in this request, while one is collected.
_deploying: ContextVar[list | None] = ContextVar("cftutorial_deploying", default=None)


def _in_progress_from_now(raw: Any) -> None:
    """``InProgress``, for the deployment delay counted from now (moto's time progression)."""
    raw.status = "InProgress"
    raw._time_progressed = datetime.now()


def restart_deployment(raw: Any) -> None:
    """A changed distribution deploys again: ``InProgress`` from now (moto never goes back)."""
    _in_progress_from_now(raw)
    started = _deploying.get()
    if started is not None:
        started.append(raw)


def deployments_started() -> AbstractContextManager[list]:
    """Collect the distributions whose deployment restarts in this thread meanwhile."""
    return collecting(_deploying, [])


def deploy_from_now(started: list) -> None:
    """The deployment clock of ``started`` runs from now: the moment the change is answered.

    AWS answers a create or update with ``InProgress`` and stays so for minutes; locally the
    delay is seconds, so time spent keeping the change on disk (an ``fsync`` on a busy machine)
    must not use it up before the client has even read the answer."""
    for raw in started:  # (reading .status now would already move it on to Deployed)
        _in_progress_from_now(raw)


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


def configure_acm_validation(seconds: float) -> None:
    """How long a requested certificate stays PENDING_VALIDATION before moto issues it."""
    from moto import settings

    settings.ACM_VALIDATION_WAIT = seconds


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
    """Gap S1: a new bucket has ACLs disabled, all of Block Public Access on, and SSE-S3
    default encryption."""
    raw.ownership_rule = ACLS_DISABLED
    raw.public_access_block = _s3_models().PublicAccessBlock("true", "true", "true", "true")
    apply_default_encryption(raw)


def apply_default_encryption(raw: Any) -> None:
    """SSE-S3 (``AES256``), what every bucket has by default since January 2023 and what
    ``DeleteBucketEncryption`` resets a bucket to (S3 User Guide, default encryption).

    ``raw`` is a moto bucket, or ``(backend, bucket name)`` from a patch of the backend."""
    if isinstance(raw, tuple):
        backend, name = raw
        raw = backend.get_bucket(name)
    raw.encryption = {
        "Rule": {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
            "BucketKeyEnabled": "false",
        }
    }


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
