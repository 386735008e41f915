"""Step 4: the CloudFront distribution that serves the bucket and demands a signature.

Two things make it private. The origin reads the bucket as the OAI or through OAC (step 2),
and the default cache behaviour names who may sign: the guide's ``TrustedSigners: self`` (any
root-account key pair of the account) or today's ``TrustedKeyGroups`` (the public keys of a key
group; AWS recommends this). The origin is the bucket's *regional* REST endpoint
``BUCKET.s3.REGION.amazonaws.com``: the global ``BUCKET.s3.amazonaws.com`` of the guide fails for
newer regions. The managed cache policy CachingOptimized keeps query strings and cookies (and so
every signature) out of the cache key.

Changing a distribution follows CloudFront's optimistic locking: read the config and its ETag,
change it, send it back with ``IfMatch=ETag``. Every change redeploys (``InProgress`` for minutes
on AWS, a few seconds locally), which :func:`wait_deployed` shows as a progress bar.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from . import clients, config, tags
from .bucket import regional_domain
from .errors import DeploymentTimeout
from .origin_access import OriginAccess

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ORIGIN_ID = "private-s3-bucket"
DEFAULT_TIMEOUT = 900.0  # AWS: "typically a few minutes"; the boto3 waiter gives up after 35 min

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


@dataclass(frozen=True)
class DistributionInfo:
    id: str
    arn: str
    domain_name: str
    status: str
    etag: str
    created: bool = False

    def to_state(self) -> dict[str, str]:
        return {"id": self.id, "arn": self.arn, "domain_name": self.domain_name}


def comment_for(run_name: str) -> str:
    return f"cftutorial {run_name}: private videos with signed URLs"


def trusted_signers_self() -> dict[str, Any]:
    """The guide's way: any CloudFront key pair of this account's root user may sign."""
    return {"Enabled": True, "Quantity": 1, "Items": ["self"]}


def trusted_key_groups(key_group_id: str) -> dict[str, Any]:
    """Today's way: the public keys in this key group may sign."""
    return {"Enabled": True, "Quantity": 1, "Items": [key_group_id]}


def _off() -> dict[str, Any]:
    return {"Enabled": False, "Quantity": 0}


def s3_origin(bucket: str, region: str, access: OriginAccess) -> dict[str, Any]:
    return {
        "Id": ORIGIN_ID,
        "DomainName": regional_domain(bucket, region),
        "OriginPath": "",
        "S3OriginConfig": {"OriginAccessIdentity": access.origin_access_identity},
        "OriginAccessControlId": access.origin_access_control_id,
        "ConnectionAttempts": 3,
        "ConnectionTimeout": 10,
    }


def distribution_config(
    *,
    run_name: str,
    bucket: str,
    region: str,
    access: OriginAccess,
    key_group_id: str | None = None,
) -> dict[str, Any]:
    """The ``DistributionConfig``: key group given -> TrustedKeyGroups, else TrustedSigners self."""
    behaviour: dict[str, Any] = {
        "TargetOriginId": ORIGIN_ID,
        "ViewerProtocolPolicy": "redirect-to-https",
        "AllowedMethods": {
            "Quantity": 2,
            "Items": ["GET", "HEAD"],
            "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
        },
        "Compress": False,
        "CachePolicyId": CACHING_OPTIMIZED,
        "TrustedSigners": _off() if key_group_id else trusted_signers_self(),
        "TrustedKeyGroups": trusted_key_groups(key_group_id) if key_group_id else _off(),
    }
    return {
        "CallerReference": f"cftutorial-{run_name}",
        "Comment": comment_for(run_name),
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [s3_origin(bucket, region, access)]},
        "DefaultCacheBehavior": behaviour,
        "PriceClass": "PriceClass_100",
        "HttpVersion": "http2",
        "IsIPV6Enabled": False,  # IPv4-only signatures (IpAddress) would fail for IPv6 viewers
    }


def _info(dist: dict[str, Any], etag: str, created: bool = False) -> DistributionInfo:
    return DistributionInfo(
        dist["Id"], dist["ARN"], dist["DomainName"], dist["Status"], etag, created
    )


def find_distribution(run_name: str, *, cf: Any = None) -> DistributionInfo | None:
    """The run's distribution, found by its comment, else by its run tag (None: there is none)."""
    cf = cf or clients.client("cloudfront")
    comment = comment_for(run_name)
    items = [
        item
        for page in cf.get_paginator("list_distributions").paginate()
        for item in page["DistributionList"].get("Items", []) or []
    ]
    for item in items:
        if item.get("Comment") == comment:
            return get_distribution(item["Id"], cf=cf)
    for item in items:
        if tags.distribution_run(item["ARN"], cf) == run_name:
            return get_distribution(item["Id"], cf=cf)
    return None


def get_distribution(distribution_id: str, *, cf: Any = None) -> DistributionInfo:
    cf = cf or clients.client("cloudfront")
    answer = cf.get_distribution(Id=distribution_id)
    return _info(answer["Distribution"], answer["ETag"])


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
    found = find_distribution(run_name, cf=cf)
    if found:
        if key_group_id:
            trust_key_group(found.id, key_group_id, cf=cf)
        return get_distribution(found.id, cf=cf)
    config_ = distribution_config(
        run_name=run_name, bucket=bucket, region=region, access=access, key_group_id=key_group_id
    )
    answer = cf.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": config_,
            "Tags": tags.cloudfront_tags(run_name),
        }
    )
    return _info(answer["Distribution"], answer["ETag"], created=True)


def signers_of(distribution_id: str, *, cf: Any = None) -> dict[str, Any]:
    """Who may sign for the default behaviour (TrustedSigners and TrustedKeyGroups)."""
    cf = cf or clients.client("cloudfront")
    behaviour = cf.get_distribution_config(Id=distribution_id)["DistributionConfig"][
        "DefaultCacheBehavior"
    ]
    return {
        "TrustedSigners": behaviour.get("TrustedSigners", _off()),
        "TrustedKeyGroups": behaviour.get("TrustedKeyGroups", _off()),
    }


def update_config(
    distribution_id: str, change: Callable[[dict[str, Any]], bool], *, cf: Any = None
) -> str | None:
    """Read config + ETag, apply ``change`` (returns False for "nothing to do"), send IfMatch.

    Returns the new ETag, or None when nothing changed (so re-running deploys nothing).
    """
    cf = cf or clients.client("cloudfront")
    current = cf.get_distribution_config(Id=distribution_id)
    config_ = copy.deepcopy(current["DistributionConfig"])
    if not change(config_):
        return None
    answer = cf.update_distribution(
        Id=distribution_id, DistributionConfig=config_, IfMatch=current["ETag"]
    )
    return answer["ETag"]


def trust_key_group(distribution_id: str, key_group_id: str, *, cf: Any = None) -> str | None:
    """Switch the default behaviour to ``TrustedKeyGroups`` = this group (TrustedSigners off)."""

    def change(config_: dict[str, Any]) -> bool:
        behaviour = config_["DefaultCacheBehavior"]
        wanted = trusted_key_groups(key_group_id)
        if behaviour.get("TrustedKeyGroups") == wanted and not _enabled(
            behaviour, "TrustedSigners"
        ):
            return False
        behaviour["TrustedKeyGroups"] = wanted
        behaviour["TrustedSigners"] = _off()
        return True

    return update_config(distribution_id, change, cf=cf)


def _enabled(behaviour: dict[str, Any], name: str) -> bool:
    return bool(behaviour.get(name, {}).get("Enabled"))


def set_enabled(distribution_id: str, enabled: bool, *, cf: Any = None) -> str | None:
    def change(config_: dict[str, Any]) -> bool:
        if config_["Enabled"] == enabled:
            return False
        config_["Enabled"] = enabled
        return True

    return update_config(distribution_id, change, cf=cf)


def poll_interval() -> float:
    """Locally a deployment takes seconds; on AWS the official waiter polls every 60 s."""
    return 0.25 if config.backend() == "local" else 20.0


def wait_deployed(
    distribution_id: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool = True,
    cf: Any = None,
) -> float:
    """Wait until the distribution's Status is Deployed; returns the seconds waited.

    A progress bar (tqdm.auto: a widget in Jupyter, text elsewhere) shows the elapsed time, so
    a learner sees that something is happening during AWS's minutes-long deployments.
    """
    cf = cf or clients.client("cloudfront")
    started = time.monotonic()
    bar = _progress_bar(distribution_id) if progress else None
    try:
        while True:
            status = cf.get_distribution(Id=distribution_id)["Distribution"]["Status"]
            elapsed = time.monotonic() - started
            if bar is not None:
                bar.set_postfix_str(f"{status}, {elapsed:.1f} s")
            if status == "Deployed":
                return elapsed
            if elapsed > timeout:
                raise DeploymentTimeout(
                    f"distribution {distribution_id} is still {status!r} after {elapsed:.0f} s "
                    f"(timeout={timeout:.0f} s); nothing is wrong yet — run this cell again to "
                    "keep waiting, or pass a larger timeout"
                )
            time.sleep(poll_interval())
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()


def _progress_bar(distribution_id: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(desc=f"waiting for {distribution_id} to deploy", unit=" polls", leave=True)


def is_deployed(distribution_id: str, *, cf: Any = None) -> bool:
    cf = cf or clients.client("cloudfront")
    return cf.get_distribution(Id=distribution_id)["Distribution"]["Status"] == "Deployed"


def delete_distribution(
    distribution_id: str, *, timeout: float = DEFAULT_TIMEOUT, progress: bool = True, cf: Any = None
) -> bool:
    """Disable (IfMatch) → wait Deployed → delete (IfMatch new ETag). False when already gone."""
    cf = cf or clients.client("cloudfront")
    try:
        set_enabled(distribution_id, False, cf=cf)
        wait_deployed(distribution_id, timeout=timeout, progress=progress, cf=cf)
        etag = cf.get_distribution(Id=distribution_id)["ETag"]
        cf.delete_distribution(Id=distribution_id, IfMatch=etag)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchDistribution", "404"):
            return False
        raise
    return True


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
    from . import keygroups, permissions, state
    from .origin_access import from_state

    bucket = state.require(run_name, "bucket")
    region = state.get(run_name, "region", "us-east-1")
    access = from_state(state.require(run_name, "origin_access"))
    cf = clients.client("cloudfront")
    signing = (
        keygroups.ensure_signing_key(run_name, "modern", key_type, cf=cf)
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
        policy = permissions.oac_policy(bucket, dist.arn)
        permissions.put_bucket_policy(bucket, policy)
    waited = wait_deployed(dist.id, timeout=deploy_timeout, progress=progress, cf=cf)
    return DistributionStep(
        dataclasses.replace(get_distribution(dist.id, cf=cf), created=dist.created),
        signers_of(dist.id, cf=cf),
        signing.key_pair_id if signing else None,
        key_group_id,
        policy,
        waited,
    )
