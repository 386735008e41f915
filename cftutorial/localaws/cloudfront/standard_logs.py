"""Gap C13: the rules AWS applies to a distribution's standard-logging (legacy) bucket.

moto 5.2.5 stores ``DistributionConfig.Logging`` verbatim and checks nothing. AWS (CloudFront
Developer Guide, "Configure standard logging (legacy)", sections "Choose an Amazon S3 bucket for
standard logs" and "Permissions"):

* the bucket is named as ``BUCKET.s3.amazonaws.com``;
* it must have ACLs enabled: a bucket whose Object Ownership is ``BucketOwnerEnforced`` cannot
  receive legacy logs, and a create or update naming one fails with 400 ``InvalidArgument`` "The
  S3 bucket that you specified for CloudFront logs does not enable ACL access: BUCKET";
* when logging is enabled, CloudFront updates the bucket's ACL to give the ``awslogsdelivery``
  account FULL_CONTROL (canonical user id :data:`AWSLOGSDELIVERY`), which it then writes with;
  removing that grant (or disabling ACLs later) stops delivery.

What AWS does not document, and the local choice: the exact error for a bucket that does not
exist (locally 400 ``InvalidArgument`` naming it), and for a ``Bucket`` that is not an S3 domain
(locally 400 ``InvalidArgument`` with the expected form). The caller's own right to change the
bucket ACL (``s3:GetBucketAcl``/``s3:PutBucketAcl``, FULL_CONTROL on the bucket) always holds
locally: there is one account and it owns every bucket.
"""

from __future__ import annotations

import re

from .. import moto_adapter
from ..wire import CloudFrontError

#: The canonical user id of the ``awslogsdelivery`` account (CloudFront Developer Guide,
#: "Configure standard logging (legacy)", Permissions).
AWSLOGSDELIVERY = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"
_LOG_BUCKET = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$"
)


def bucket_of(domain: str) -> str | None:
    """``BUCKET`` of ``BUCKET.s3.amazonaws.com`` (or a regional form), else ``None``."""
    match = _LOG_BUCKET.match((domain or "").strip().lower())
    return match.group("bucket") if match else None


def _logging_of(config: dict) -> dict:
    value = config.get("Logging")
    return value if isinstance(value, dict) else {}


def check_logging(config: dict) -> str | None:
    """Raise AWS's error for a logging bucket CloudFront cannot write to; the bucket, if enabled."""
    logging = _logging_of(config)
    if str(logging.get("Enabled", "")).strip().lower() != "true":
        return None
    domain = str(logging.get("Bucket") or "")
    bucket = bucket_of(domain)
    if bucket is None:
        raise CloudFrontError(
            "InvalidArgument",
            f"The parameter Logging.Bucket {domain!r} is not an S3 bucket domain; "
            "use 'BUCKET.s3.amazonaws.com'.",
        )
    found = moto_adapter.bucket(bucket)
    if found is None:
        raise CloudFrontError(
            "InvalidArgument",
            f"The S3 bucket that you specified for CloudFront logs doesn't exist: {domain}",
        )
    if not found.acls_enabled:
        raise CloudFrontError(
            "InvalidArgument",
            "The S3 bucket that you specified for CloudFront logs does not enable ACL access: "
            f"{domain} (its Object Ownership is BucketOwnerEnforced; set BucketOwnerPreferred "
            "with put_bucket_ownership_controls)",
        )
    return bucket


def grant_log_delivery(bucket: str | None) -> None:
    """What CloudFront does to the bucket when logging is enabled: awslogsdelivery FULL_CONTROL."""
    if bucket:
        moto_adapter.add_bucket_grant(bucket, AWSLOGSDELIVERY, "FULL_CONTROL")


def can_deliver(bucket_name: str) -> str | None:
    """Why CloudFront cannot write a log file to the bucket now (``None``: it can)."""
    found = moto_adapter.bucket(bucket_name)
    if found is None:
        return f"bucket {bucket_name} does not exist"
    if not found.acls_enabled:
        return f"bucket {bucket_name} has ACLs disabled (BucketOwnerEnforced)"
    holds = moto_adapter.Grant(AWSLOGSDELIVERY, "", "FULL_CONTROL") in found.grants
    if not holds:
        return f"bucket {bucket_name}'s ACL no longer grants awslogsdelivery FULL_CONTROL"
    return None
