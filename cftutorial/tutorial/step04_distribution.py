"""Notebook 04: the CloudFront distribution that serves the bucket and demands a signature.

The notebook's cells make the boto3 calls (``create_distribution_with_tags``, and in the modern
path ``put_bucket_policy``); this module holds what boto3 does not do: what notebooks 01-02 saved,
the signing key made on demand (modern path), the run's ``DistributionConfig`` and names, the
lookup that makes re-running safe, the saved state and the wait (with the IfMatch changes, in
:mod:`cftutorial.aws.distributions`).
"""

from __future__ import annotations

from typing import Any

from ..aws import buckets, tags
from ..aws.distributions import (
    DistributionInfo,
    distribution_config,
    distribution_info,
    find_distribution,
    s3_origin,
    update_config,
)
from ..aws.origin_access import OriginAccess
from ..run import names
from . import references, saved, signing_key, state

RTMP_HISTORY = """\
The guide also created a streaming distribution (RTMP, for Flash players):

    stream_dist = cf.create_streaming_distribution(origin=origin, enabled=True,
                                                   trusted_signers=["Self"])

That no longer exists. CloudFront stopped RTMP distributions on 31 December 2020 (the day Adobe
ended Flash) and removed their documentation in February 2021; CreateStreamingDistribution is
marked deprecated in the API. Nothing plays rtmp://…/cfx/st any more.

Today the same video is cut into HLS (or DASH) segments and served by an ordinary web
distribution like this one; browsers play it with HTML5 <video> (natively in Safari, with hls.js
or Video.js elsewhere). For a catalogue the pipeline is S3 -> AWS Elemental MediaConvert -> S3 ->
CloudFront. Signed cookies cover every segment of a video at once (notebook 08)."""


def config_for(
    run: state.Run,
    *,
    bucket: str,
    region: str,
    access: OriginAccess,
    key_group_id: str | None = None,
) -> dict[str, Any]:
    """The run's ``DistributionConfig``: key group given -> TrustedKeyGroups, else TrustedSigners
    self. Its CallerReference is set on ``run`` (the cell saves it before the create call)."""
    origin = s3_origin(
        buckets.regional_domain(bucket, region),
        origin_access_identity=access.origin_access_identity,
        origin_access_control_id=access.origin_access_control_id,
    )
    return distribution_config(
        caller_reference=references.caller_reference(run, "distribution"),
        comment=names.distribution_comment(run.name),
        origin=origin,
        key_group_id=key_group_id,
    )


#: The tag ``create_distribution_with_tags`` gives the distribution: teardown finds it by it.
RUN_TAG = tags.RUN_TAG


def saved_origin(run: state.Run) -> saved.Checked:
    """What notebooks 01-02 saved (the bucket, its region, the origin access), checked against
    AWS (:func:`saved.check`: a lost OAC made again, or one message naming the notebook to run)."""
    return saved.check(run, "bucket", "origin_access")


def key_group_for(
    run: state.Run, key_type: str = "rsa", *, cf: Any = None
) -> tuple[signing_key.SigningKey, bool]:
    """The run's signing key in a key group, made on demand; and whether ``run`` changed.

    A distribution can only trust a key group that exists, and the guide makes keys in step 6:
    so the modern path makes them here (key files, ``create_public_key``, ``create_key_group``,
    all shown in notebook 06) and sets them as the run's ``signing_key`` and ``key_files`` (the
    cell saves them). The flag tells the notebook to say that it wrote them.
    """
    before = run.get("signing_key")
    signing = signing_key.ensure_signing_key(run, "modern", key_type, cf=cf)
    return signing, signing.to_state() != before


def from_answer(answer: dict[str, Any]) -> DistributionInfo:
    """A :class:`DistributionInfo` from ``create_distribution(_with_tags)``'s answer."""
    return distribution_info(answer["Distribution"], answer["ETag"], created=True)


def find_run_distribution(run_name: str, *, cf: Any = None) -> DistributionInfo | None:
    """The run's distribution, by its comment or its run tag (None: there is none)."""
    return find_distribution(names.distribution_comment(run_name), run_name=run_name, cf=cf)


def _signers(value: dict[str, Any] | None) -> tuple[bool, list[str]]:
    value = value or {}
    return bool(value.get("Enabled")), list(value.get("Items") or [])


def bring_up_to_date(distribution_id: str, config: dict[str, Any], *, cf: Any = None) -> list[str]:
    """Make a found distribution's origin and signers what ``config`` asks for; say what changed.

    A re-run with another bucket or approach must not leave the distribution reading the old
    bucket, through the old origin access, or trusting the old signers, while the notebook says
    "found". One ``update_distribution`` (IfMatch) applies every change; none when all match.
    """
    wanted = config["Origins"]["Items"][0]
    wanted_origin = {
        "DomainName": wanted["DomainName"],
        "OriginAccessControlId": wanted["OriginAccessControlId"],
        "OriginAccessIdentity": wanted["S3OriginConfig"]["OriginAccessIdentity"],
    }
    wanted_behaviour = config["DefaultCacheBehavior"]
    changes: list[str] = []

    def change(current: dict[str, Any]) -> bool:
        changes.extend(saved.repoint_origin(current["Origins"]["Items"][0], wanted_origin))
        behaviour = current["DefaultCacheBehavior"]
        for key in ("TrustedSigners", "TrustedKeyGroups"):
            if _signers(behaviour.get(key)) != _signers(wanted_behaviour[key]):
                changes.append(f"{key} -> {_signers(wanted_behaviour[key])[1] or 'off'}")
                behaviour[key] = wanted_behaviour[key]
        return bool(changes)

    update_config(distribution_id, change, cf=cf)
    return changes
