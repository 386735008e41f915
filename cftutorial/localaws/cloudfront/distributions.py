"""Distribution create/update/delete as AWS does them: wires gaps C3, C4, C5 and C6 into moto.

Also gap C6 itself: AWS deletes a distribution only when it is disabled *and* deployed;
otherwise 409 ``DistributionNotDisabled`` ("The distribution you are trying to delete has not
been disabled."). moto 5.2.5 deletes an enabled distribution.

Gap C13 (:mod:`.standard_logs`): a ``Logging`` bucket must exist with ACLs enabled, and gets the
awslogsdelivery grant.

And gap C11 for distributions: a create with a ``CallerReference`` already used is an idempotent
retry when its ``DistributionConfig`` is the same (AWS answers with the existing distribution)
and 409 ``DistributionAlreadyExists`` when it differs. moto 5.2.5 refuses both.
"""

from __future__ import annotations

import json

from .. import moto_adapter
from ..wire import CloudFrontError, moto_errors
from . import certificates, deployment, references, standard_logs
from .etags import new_etag, require_if_match


def require_deletable(dist: moto_adapter.Distribution) -> None:
    """Gap C6: only a disabled, deployed distribution may be deleted."""
    if dist.enabled or not dist.deployed:
        state = "enabled" if dist.enabled else "disabled but still InProgress"
        raise CloudFrontError(
            "DistributionNotDisabled",
            f"The distribution you are trying to delete has not been disabled "
            f"(distribution {dist.id} is {state}; disable it with "
            f"update_distribution, wait until it is Deployed, then delete it).",
        )


def _changed(raw_distribution) -> str:
    """A created or updated distribution: a new ETag, and deploying from now."""
    etag = new_etag()
    moto_adapter.set_etag(raw_distribution, etag)
    deployment.start_deployment(raw_distribution)
    return etag


def _plain(value):
    """The request as plain JSON values, strings stripped (AWS ignores white space)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value).strip() if value is not None else None


def fingerprint(distribution_config: dict) -> str:
    """What "the same DistributionConfig" means for a retried create (taken before moto,
    which turns the request's dicts into its own objects in place)."""
    return json.dumps(_plain(distribution_config), sort_keys=True)


def retried(distribution_config: dict, request: str) -> str | None:
    """The id of the distribution this create retries, or None when the reference is new.

    Raises ``DistributionAlreadyExists`` when the reference was used with another config.
    """
    reference = str(distribution_config.get("CallerReference") or "")
    existing = moto_adapter.distribution_with_caller_reference(reference)
    if existing is None:
        return None
    if existing.request_fingerprint != request:
        raise CloudFrontError(
            "DistributionAlreadyExists",
            "The caller reference you attempted to create the distribution with is associated "
            f"with another distribution ({existing.id}, created with another DistributionConfig); "
            "use a new CallerReference for a new distribution.",
        )
    return existing.id


def make_create(original):
    @moto_errors
    def create_distribution_with_tags(self, distribution_config, tags):
        request = fingerprint(distribution_config)
        existing = retried(distribution_config, request)
        if existing is not None:
            return moto_adapter.distribution_answer(existing)
        references.check_distribution_config(distribution_config)
        log_bucket = standard_logs.check_logging(distribution_config)
        certificates.check(distribution_config)
        dist, location, _etag = original(self, distribution_config, tags)
        standard_logs.grant_log_delivery(log_bucket)
        moto_adapter.remember_request(dist, request)
        return dist, location, _changed(dist)

    return create_distribution_with_tags


def make_update(original):
    @moto_errors
    def update_distribution(self, dist_config, _id, if_match):
        current = moto_adapter.distribution(_id)
        log_bucket = None
        if current is not None:
            require_if_match(current.etag, if_match)
            references.check_distribution_config(dist_config)
            log_bucket = standard_logs.check_logging(dist_config)
            certificates.check(dist_config, own_id=_id)
        dist, location, _etag = original(self, dist_config, _id, if_match)
        standard_logs.grant_log_delivery(log_bucket)
        return dist, location, _changed(dist)

    return update_distribution


def make_delete(original):
    @moto_errors
    def delete_distribution(self, distribution_id, if_match):
        current = moto_adapter.distribution(distribution_id)
        if current is not None:
            require_if_match(current.etag, if_match)
            require_deletable(current)
        return original(self, distribution_id, if_match)

    return delete_distribution


_BACKEND = ("cloudfront.models", "CloudFrontBackend")
PATCHES = (
    moto_adapter.Patch(
        *_BACKEND,
        "create_distribution_with_tags",
        ("self", "distribution_config", "tags"),
        "C3/C4/C11",
        make_create,
    ),
    moto_adapter.Patch(
        *_BACKEND,
        "update_distribution",
        ("self", "dist_config", "_id", "if_match"),
        "C3/C4/C5",
        make_update,
    ),
    moto_adapter.Patch(
        *_BACKEND,
        "delete_distribution",
        ("self", "distribution_id", "if_match"),
        "C5/C6",
        make_delete,
    ),
)
