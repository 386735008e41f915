"""Notebook 05: prove that nothing gets through without a signature.

The notebook sends plain ``requests.get`` calls (the anonymous S3 GET, the unsigned edge GET);
:mod:`cftutorial.tutorial.viewer` says where they go. This module adds what those requests need
around them: the run's targets from the saved state, and a ``with`` block in which step 3 is
undone, so a *valid* signature meets the origin's own 403.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..aws import clients
from ..aws.bucket_access import bucket_policy, delete_bucket_policy, put_bucket_policy
from ..errors import PermissionsError
from ..run.urls import viewer_url
from ..signing.signer import Signer
from . import saved, signing_key, state, viewer

SKIPPED_STEP3_KEY = "not-granted/hello.html"
ALLOWED_KEY = "hello.html"  # an object step 3 lets CloudFront read


@dataclass(frozen=True)
class Targets:
    """What notebook 05 requests, for one run and one object key."""

    bucket: str
    distribution_id: str
    domain: str
    key: str

    @property
    def s3_url(self) -> str:
        """The object straight on S3 (no CloudFront, no credentials)."""
        return viewer.s3_object_url(self.bucket, self.key)

    @property
    def viewer_url(self) -> str:
        """The object through the distribution, as a viewer writes it."""
        return viewer_url(self.domain, self.key)


def targets(run: state.Run, object_key: str) -> Targets:
    """The run's bucket and distribution (saved by notebooks 01 and 04) for ``object_key``."""
    bucket = run.require("bucket")
    dist = run.require("distribution")
    return Targets(bucket, dist["id"], dist["domain_name"], object_key)


def run_signer(run: state.Run, approach: str, key_type: str = "rsa") -> Signer:
    """The run's signer. Its saved key is used as it is; only a run without one (the guide path
    before notebook 06) gets a key made here, of ``key_type`` (set on ``run``: the cell saves
    it), so this notebook changes no key."""
    saved = run.get("signing_key")
    if not saved or saved.get("approach") != approach:
        signing_key.ensure_signing_key(run, approach, key_type)
    return signing_key.signer_for(run)


@contextlib.contextmanager
def step3_skipped(bucket: str, approach: str, *, s3: Any = None) -> Iterator[str]:
    """For the length of a ``with`` block, an object CloudFront may *not* read; yields its key.

    Guide approach: an object uploaded without the ACL grant. Modern approach: the bucket policy
    is removed and put back afterwards (also when the block fails). Either way a valid signature
    then meets an origin 403.
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
        yield ALLOWED_KEY
    finally:
        put_bucket_policy(bucket, saved, s3=s3)


def check_run(run: state.Run) -> saved.Checked:
    """Before any request: the saved bucket, distribution (and key, if saved) exist and match.

    See :func:`cftutorial.tutorial.saved.check`: what can be repaired is, and said in
    ``.report()``; what cannot is one message naming the notebook or command that fixes it.
    """
    return saved.check(run, "bucket", "distribution", "signing_key")
