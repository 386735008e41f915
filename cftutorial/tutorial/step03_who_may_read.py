"""Notebook 03: who may read the objects — only CloudFront, never an anonymous visitor.

The notebook's cells make the boto3 calls (``put_object_acl``, ``put_bucket_policy``); this module
holds what boto3 does not do: what notebooks 01-02 saved, the checks before the guide's grant
(an OAI, a bucket with ACLs), the demonstration bucket made the 2023 default way, and the
policy previews. The ACL and policy documents themselves are built in
:mod:`cftutorial.aws.bucket_access`.
"""

from __future__ import annotations

from typing import Any

from ..aws import buckets, clients
from ..aws.bucket_access import (
    AclOutcome,
    distribution_arn,
    oac_policy,
    try_grant_read,
)
from ..aws.origin_access import OriginAccess, find_oai
from ..errors import AclNotSupportedError, PermissionsError
from ..run import names
from . import saved, state

DEMO_KEY = "hello.txt"
EXAMPLE_DISTRIBUTION_ID = "EDFDVBD6EXAMPLE"  # the preview's placeholder until notebook 04


def saved_origin(run: state.Run) -> saved.Checked:
    """What notebooks 01 and 02 saved (the bucket, its objects, the origin access), checked
    against AWS (:func:`saved.check`: repaired, or one message naming the notebook to run)."""
    return saved.check(run, "bucket", "origin_access")


def check_acls_possible(run: saved.Checked, *, s3: Any = None) -> str:
    """Before the guide's grant: an OAI to grant to, and a bucket that allows ACLs.

    Returns the OAI's canonical user id. Without these checks S3 would answer each object's
    ``put_object_acl`` with an error that does not say which notebook to run again.
    """
    if run.access.kind != "oai" or not run.access.s3_canonical_user_id:
        raise PermissionsError(
            f"run {run.run_name!r} uses an {run.access.kind.upper()}, but the guide's ACL grant needs "
            "an OAI; run notebook 02 with approach='guide'"
        )
    ownership = buckets.object_ownership(run.bucket, s3=s3)
    if ownership == "BucketOwnerEnforced":
        raise AclNotSupportedError(
            f"bucket {run.bucket!r} does not allow ACLs (Object Ownership {ownership}), so READ "
            "cannot be granted to the OAI; run notebook 01 with approach='guide' "
            "(BucketOwnerPreferred), then this notebook again"
        )
    return run.access.s3_canonical_user_id


def make_acl_demo_bucket(run_name: str, *, s3: Any = None) -> str:
    """A small extra bucket made the default (2023+) way, with one object; returns its name.

    It shows the guide's call refused without touching the learner's real bucket (cleanup
    removes it). Making it again is harmless: found by name, the object rewritten.
    """
    s3 = s3 or clients.client("s3")
    demo = names.acl_demo_bucket(run_name)
    buckets.create_bucket(demo, object_ownership="BucketOwnerEnforced", s3=s3)
    s3.put_object(Bucket=demo, Key=DEMO_KEY, Body=b"hello\n", ContentType="text/plain")
    return demo


def show_acl_refused_on_default_bucket(run_name: str, *, s3: Any = None) -> AclOutcome:
    """Try the guide's grant on a bucket made the default (2023+) way: expect a 400."""
    s3 = s3 or clients.client("s3")
    demo = make_acl_demo_bucket(run_name, s3=s3)
    return try_grant_read(demo, DEMO_KEY, "0" * 64, s3=s3)


def find_run_oai(run_name: str, *, cf: Any = None) -> OriginAccess | None:
    """The run's OAI (notebook 02 makes one in either approach), or None."""
    return find_oai(names.oai_comment(run_name), cf=cf)


def oac_policy_preview(bucket: str) -> dict[str, Any]:
    """The OAC policy with a placeholder distribution: notebook 04 writes it with the real ARN."""
    return oac_policy(bucket, distribution_arn(EXAMPLE_DISTRIBUTION_ID))
