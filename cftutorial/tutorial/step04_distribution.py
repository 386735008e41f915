"""Notebook 04: the CloudFront distribution that serves the bucket and demands a signature.

The config, the IfMatch changes and the wait are in :mod:`cftutorial.aws.distributions`; this
module names the run's distribution, finds it again on a re-run, and (modern path) writes the
OAC bucket policy once the distribution's ARN exists.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..aws import bucket_access, buckets, clients, tags
from ..aws.distributions import (
    DEFAULT_TIMEOUT,
    DistributionInfo,
    distribution_config,
    distribution_info,
    find_distribution,
    get_distribution,
    s3_origin,
    signers_of,
    trust_key_group,
    wait_deployed,
)
from ..aws.origin_access import OriginAccess
from . import names, signing_key, state

RTMP_HISTORY = """\
The guide also created a *streaming* distribution (RTMP, for Flash players):

    stream_dist = cf.create_streaming_distribution(origin=origin, enabled=True,
                                                   trusted_signers=["Self"])

That no longer exists. CloudFront stopped RTMP distributions on 31 December 2020 (the day Adobe
ended Flash) and removed their documentation in February 2021; CreateStreamingDistribution is
marked deprecated in the API. Nothing plays rtmp://…/cfx/st any more.

Today the same video is cut into HLS (or DASH) segments and served by an ordinary web
distribution like this one; browsers play it with HTML5 <video> (natively in Safari, with hls.js
or Video.js elsewhere). For a catalogue the pipeline is S3 -> AWS Elemental MediaConvert -> S3 ->
CloudFront. Signed *cookies* cover every segment of a video at once (notebook 08)."""


def config_for(
    *,
    run_name: str,
    bucket: str,
    region: str,
    access: OriginAccess,
    key_group_id: str | None = None,
) -> dict[str, Any]:
    """The run's ``DistributionConfig``: key group given -> TrustedKeyGroups, else TrustedSigners self."""
    origin = s3_origin(
        buckets.regional_domain(bucket, region),
        origin_access_identity=access.origin_access_identity,
        origin_access_control_id=access.origin_access_control_id,
    )
    return distribution_config(
        caller_reference=names.distribution_caller_reference(run_name),
        comment=names.distribution_comment(run_name),
        origin=origin,
        key_group_id=key_group_id,
    )


def find_run_distribution(run_name: str, *, cf: Any = None) -> DistributionInfo | None:
    """The run's distribution, by its comment or its run tag (None: there is none)."""
    return find_distribution(names.distribution_comment(run_name), run_name=run_name, cf=cf)


def create_or_find_distribution(
    *,
    run_name: str,
    bucket: str,
    region: str,
    access: OriginAccess,
    key_group_id: str | None = None,
    cf: Any = None,
) -> DistributionInfo:
    """Create the run's distribution once; later runs find it (and fix who may sign)."""
    cf = cf or clients.client("cloudfront")
    found = find_run_distribution(run_name, cf=cf)
    if found:
        if key_group_id:
            trust_key_group(found.id, key_group_id, cf=cf)
        return get_distribution(found.id, cf=cf)
    config_ = config_for(
        run_name=run_name, bucket=bucket, region=region, access=access, key_group_id=key_group_id
    )
    answer = cf.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": config_,
            "Tags": tags.cloudfront_tags(run_name),
        }
    )
    return distribution_info(answer["Distribution"], answer["ETag"], created=True)


@dataclass(frozen=True)
class DistributionStep:
    distribution: DistributionInfo
    signers: dict[str, Any]
    key_pair_id: str | None
    key_group_id: str | None
    bucket_policy: dict[str, Any] | None
    waited_seconds: float


def step(
    *,
    run_name: str,
    approach: str = "modern",
    key_type: str = "rsa",
    deploy_timeout: float = DEFAULT_TIMEOUT,
    progress: bool = True,
) -> DistributionStep:
    """Notebook 04: create (or find) the distribution that requires signatures, and wait.

    modern: a key group is needed first, so the package makes the signing key on demand
    (notebook 06 opens it up); after creation the OAC bucket policy naming this distribution's
    ARN is written. guide: ``TrustedSigners: self`` needs no key yet.
    """
    bucket = state.require(run_name, "bucket")
    region = state.get(run_name, "region", "us-east-1")
    access = OriginAccess.from_state(state.require(run_name, "origin_access"))
    cf = clients.client("cloudfront")
    signing = (
        signing_key.ensure_signing_key(run_name, "modern", key_type, cf=cf)
        if approach == "modern"
        else None
    )
    key_group_id = signing.key_group_id if signing else None
    dist = create_or_find_distribution(
        run_name=run_name,
        bucket=bucket,
        region=region,
        access=access,
        key_group_id=key_group_id,
        cf=cf,
    )
    state.update(run_name, distribution=dist.to_state())
    policy = None
    if access.kind == "oac":
        policy = bucket_access.oac_policy(bucket, dist.arn)
        bucket_access.put_bucket_policy(bucket, policy)
    waited = wait_deployed(dist.id, timeout=deploy_timeout, progress=progress, cf=cf)
    return DistributionStep(
        dataclasses.replace(get_distribution(dist.id, cf=cf), created=dist.created),
        signers_of(dist.id, cf=cf),
        signing.key_pair_id if signing else None,
        key_group_id,
        policy,
        waited,
    )
