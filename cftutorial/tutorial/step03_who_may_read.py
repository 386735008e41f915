"""Notebook 03: who may read the objects — only CloudFront, never an anonymous visitor.

The ACL and bucket-policy calls are in :mod:`cftutorial.aws.bucket_access`; this module runs the
guide's grant or previews today's policy for the run, and shows the guide's call refused on a
bucket made the 2023 default way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..aws import buckets, clients
from ..aws.bucket_access import (
    AclOutcome,
    bucket_policy,
    delete_bucket_policy,
    distribution_arn,
    grant_read_to_oai,
    oac_policy,
    put_bucket_policy,
    try_grant_read,
)
from ..aws.origin_access import OriginAccess
from ..errors import PermissionsError
from . import names, state


def show_acl_refused_on_default_bucket(run_name: str, *, s3: Any = None) -> AclOutcome:
    """Try the guide's grant on a bucket made the default (2023+) way: expect a 400.

    A small extra bucket ``cftutorial-RUN-acl-demo`` is created for the demonstration (cleanup
    removes it), so the learner's real bucket is left alone.
    """
    s3 = s3 or clients.client("s3")
    demo = names.acl_demo_bucket(run_name)
    buckets.create_bucket(demo, object_ownership="BucketOwnerEnforced", s3=s3)
    s3.put_object(Bucket=demo, Key="hello.txt", Body=b"hello\n", ContentType="text/plain")
    return try_grant_read(demo, "hello.txt", "0" * 64, s3=s3)


SKIPPED_STEP3_KEY = "not-granted/hello.html"


@contextlib.contextmanager
def step3_skipped(bucket: str, approach: str, *, s3: Any = None) -> Iterator[str]:
    """For the length of a ``with`` block, an object CloudFront may *not* read; yields its key.

    Guide approach: an object uploaded without the ACL grant. Modern approach: the bucket policy
    is removed and put back afterwards. Either way a valid signature then meets an origin 403.
    """
    s3 = s3 or clients.client("s3")
    if approach == "guide":
        s3.put_object(
            Bucket=bucket,
            Key=SKIPPED_STEP3_KEY,
            Body=b"<p>no grant for CloudFront on this object</p>\n",
            ContentType="text/html; charset=utf-8",
        )
        try:
            yield SKIPPED_STEP3_KEY
        finally:
            s3.delete_object(Bucket=bucket, Key=SKIPPED_STEP3_KEY)
        return
    saved = bucket_policy(bucket, s3=s3)
    if saved is None:
        raise PermissionsError(
            f"bucket {bucket!r} has no bucket policy to remove; run notebook 04 first"
        )
    delete_bucket_policy(bucket, s3=s3)
    try:
        yield "hello.html"
    finally:
        put_bucket_policy(bucket, saved, s3=s3)


@dataclass(frozen=True)
class PermissionsStep:
    approach: str
    bucket: str
    acl_grants: list[AclOutcome]  # guide: one per object
    default_bucket_attempt: AclOutcome | None  # the same call on a 2023-default bucket
    policy_preview: dict[str, Any] | None  # modern: the policy notebook 04 will write
    policy_written: bool


def step(
    *, run_name: str, approach: str = "modern", show_acl_failure: bool = True
) -> PermissionsStep:
    """Notebook 03: guide → ACL READ for the OAI on every object; modern → explain the policy.

    The modern (OAC) bucket policy names the distribution's ARN, so it is only *previewed* here
    (with a placeholder id) and written by notebook 04 right after the distribution is created.
    """
    bucket = state.require(run_name, "bucket")
    access = OriginAccess.from_state(state.require(run_name, "origin_access"))
    attempt = show_acl_refused_on_default_bucket(run_name) if show_acl_failure else None
    if approach == "guide":
        if access.kind != "oai":
            raise PermissionsError(
                f"run {run_name!r} uses an {access.kind.upper()}, but the guide's ACL grant needs "
                "an OAI; run notebook 02 with approach='guide'"
            )
        keys = state.get(run_name, "objects") or []
        grants = grant_read_to_oai(bucket, keys, access.s3_canonical_user_id or "")
        return PermissionsStep(approach, bucket, grants, attempt, None, False)
    preview = oac_policy(bucket, distribution_arn("EDFDVBD6EXAMPLE"))
    return PermissionsStep(approach, bucket, [], attempt, preview, False)
