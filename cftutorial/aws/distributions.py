"""CloudFront distributions: the config that demands a signature, changes with IfMatch, waits.

Two things make it private. The origin reads the bucket as the OAI or through OAC (step 2),
and the default cache behaviour names who may sign: the guide's ``TrustedSigners: self`` (any
root-account key pair of the account) or today's ``TrustedKeyGroups`` (the public keys of a key
group; AWS recommends this). The origin is the bucket's *regional* REST endpoint
``BUCKET.s3.REGION.amazonaws.com``: the global ``BUCKET.s3.amazonaws.com`` of the guide fails for
newer regions. The managed cache policy CachingOptimized keeps query strings and cookies (and so
every signature) out of the cache key.

Changing a distribution follows CloudFront's optimistic locking: read the config and its ETag,
change it, send it back with ``IfMatch=ETag``. Every change redeploys (``InProgress`` for minutes
on AWS, a few seconds locally), which :func:`wait_deployed` shows as elapsed against expected time.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .. import config
from ..errors import DeploymentTimeout, WaitInterrupted
from ..progress import bar as progress_bar
from . import clients, tags
from .missing import is_missing

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ORIGIN_ID = "private-s3-bucket"
DEFAULT_TIMEOUT = 900.0  # AWS: "typically a few minutes"; the boto3 waiter gives up after 35 min


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


def trusted_signers_self() -> dict[str, Any]:
    """The guide's way: any CloudFront key pair of this account's root user may sign."""
    return {"Enabled": True, "Quantity": 1, "Items": ["self"]}


def trusted_key_groups(key_group_id: str) -> dict[str, Any]:
    """Today's way: the public keys in this key group may sign."""
    return {"Enabled": True, "Quantity": 1, "Items": [key_group_id]}


def _off() -> dict[str, Any]:
    return {"Enabled": False, "Quantity": 0}


def s3_origin(
    domain_name: str, *, origin_access_identity: str = "", origin_access_control_id: str = ""
) -> dict[str, Any]:
    """An S3 REST origin read as an OAI (``origin-access-identity/cloudfront/ID``) or an OAC."""
    return {
        "Id": ORIGIN_ID,
        "DomainName": domain_name,
        "OriginPath": "",
        "S3OriginConfig": {"OriginAccessIdentity": origin_access_identity},
        "OriginAccessControlId": origin_access_control_id,
        "ConnectionAttempts": 3,
        "ConnectionTimeout": 10,
    }


def distribution_config(
    *,
    caller_reference: str,
    comment: str,
    origin: dict[str, Any],
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
        "CallerReference": caller_reference,
        "Comment": comment,
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": behaviour,
        "PriceClass": "PriceClass_100",
        "HttpVersion": "http2",
        "IsIPV6Enabled": False,  # IPv4-only signatures (IpAddress) would fail for IPv6 viewers
    }


def distribution_info(dist: dict[str, Any], etag: str, created: bool = False) -> DistributionInfo:
    return DistributionInfo(
        dist["Id"], dist["ARN"], dist["DomainName"], dist["Status"], etag, created
    )


def find_distribution(
    comment: str, *, run_name: str | None = None, cf: Any = None
) -> DistributionInfo | None:
    """The distribution with this comment, else the one tagged with ``run_name`` (or None)."""
    cf = cf or clients.client("cloudfront")
    items = [
        item
        for page in cf.get_paginator("list_distributions").paginate()
        for item in page["DistributionList"].get("Items", []) or []
    ]
    for item in items:
        if item.get("Comment") == comment:
            return get_distribution(item["Id"], cf=cf)
    for item in items if run_name else ():
        if tags.distribution_run(item["ARN"], cf) == run_name:
            return get_distribution(item["Id"], cf=cf)
    return None


def get_distribution(distribution_id: str, *, cf: Any = None) -> DistributionInfo:
    cf = cf or clients.client("cloudfront")
    answer = cf.get_distribution(Id=distribution_id)
    return distribution_info(answer["Distribution"], answer["ETag"])


def cache_behaviours(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A distribution config's cache behaviours in the order CloudFront matches them: each
    ``CacheBehaviors`` item by its path pattern, then the default behaviour as ``*``."""
    ordered = [
        (item["PathPattern"], item)
        for item in (config.get("CacheBehaviors") or {}).get("Items", []) or []
    ]
    default = config.get("DefaultCacheBehavior")
    return [*ordered, ("*", default)] if default else ordered


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


def behaviours(distribution_config: dict[str, Any]) -> list[dict[str, Any]]:
    """The default cache behaviour and the others, in the config (changes to them stick)."""
    others = (distribution_config.get("CacheBehaviors") or {}).get("Items") or []
    return [distribution_config["DefaultCacheBehavior"], *others]


def without_alias(distribution_config: dict[str, Any]) -> bool:
    """Take notebook 11's alias off a config in place: no alias, the default certificate, no
    origin request policy; False when there was nothing to take off."""
    aliased = (distribution_config.get("Aliases") or {}).get("Quantity")
    policies = any(b.get("OriginRequestPolicyId") for b in behaviours(distribution_config))
    if not (aliased or policies):
        return False
    distribution_config["Aliases"] = {"Quantity": 0}
    distribution_config["ViewerCertificate"] = {"CloudFrontDefaultCertificate": True}
    for behaviour in behaviours(distribution_config):
        behaviour.pop("OriginRequestPolicyId", None)
    return True


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
    """Locally a deployment takes seconds and a poll a few milliseconds, so the wait ends within
    0.1 s of Deployed; on AWS the official waiter polls every 60 s."""
    return 0.1 if config.backend() == "local" else 20.0


def expected_deploy_seconds() -> float | None:
    """How long a deployment should take: locally what the local AWS's health check answers (its
    ``CFTUTORIAL_DEPLOY_SECONDS``; None when it does not run); on AWS None, because AWS only
    says "typically a few minutes"."""
    if config.backend() != "local":
        return None
    from ..localaws import process

    return process.deploy_seconds()


def wait_deployed(
    distribution_id: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool = True,
    cf: Any = None,
) -> float:
    """Wait until the distribution's Status is Deployed; returns the seconds waited.

    While it is not Deployed, a progress bar (a widget in Jupyter, text elsewhere) shows the
    elapsed seconds against the expected time, so a learner sees how far along AWS's
    minutes-long deployments are; once Deployed it is full (green in a notebook), also when the
    deployment beat the expected time. A distribution that is Deployed at the first look shows
    no bar at all: nothing redeployed, so there is nothing to wait for. An interrupt stops only
    the wait: :class:`~cftutorial.errors.WaitInterrupted` says so, and waiting again resumes.
    """
    cf = cf or clients.client("cloudfront")
    started = time.monotonic()
    bar, status = None, "InProgress"
    try:
        while True:
            status = cf.get_distribution(Id=distribution_id)["Distribution"]["Status"]
            elapsed = time.monotonic() - started
            if status == "Deployed":
                _show(bar, elapsed, status, done=True)
                return elapsed
            if bar is None and progress:
                bar = _progress_bar(distribution_id, expected_deploy_seconds())
            _show(bar, elapsed, status)
            if elapsed > timeout:
                raise DeploymentTimeout(
                    f"distribution {distribution_id} is still {status!r} after {elapsed:.0f} s "
                    f"(timeout={timeout:.0f} s); nothing is wrong yet — run this cell again to "
                    "keep waiting, or pass a larger timeout"
                )
            time.sleep(poll_interval())
    except KeyboardInterrupt:
        raise WaitInterrupted(
            f"interrupted after {time.monotonic() - started:.0f} s: only the wait stopped; "
            f"distribution {distribution_id} keeps deploying ({status}); run this cell (or "
            "command) again to resume waiting for Deployed"
        ) from None
    finally:
        if bar is not None:
            bar.close()


def _show(bar: Any, elapsed: float, status: str, done: bool = False) -> None:
    """The line a learner reads: the seconds so far against the expected ones, and the status.

    ``done``: Deployed, so the bar is full whatever the clock says (a deployment that beat the
    expected time finished; it did not fall short)."""
    if bar is None:
        return
    expected = bar.total
    if expected:
        bar.n = expected if done else min(round(elapsed, 1), expected)
        told = f"{elapsed:.1f} s of about {expected:g} s expected"
    else:
        told = f"{elapsed:.0f} s elapsed (AWS: typically a few minutes)"
    bar.set_description_str(f"{bar.distribution_id} {status}: {told}", refresh=False)
    bar.refresh()


def _progress_bar(distribution_id: str, expected: float | None) -> Any:
    """Locally a bar that fills over the expected seconds; on AWS (no expected time) a line."""
    bar = progress_bar(
        desc=f"{distribution_id} deploying",
        total=max(expected, 0.1) if expected is not None else None,
        bar_format="{desc} |{bar}|" if expected is not None else "{desc}",
        leave=True,
    )
    bar.distribution_id = distribution_id
    return bar


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
        if is_missing(exc):
            return False
        raise
    return True
