"""S3 bucket operations: name and region rules, find-or-create, Object Ownership.

The guide created a bucket named like a host name (``stream.example.com``) with one call and
no region. Today the name rules are stricter and checked here *before* any call, so a learner
gets "which rule, which character" instead of a bare ``InvalidBucketName``; a bucket outside
us-east-1 needs a ``LocationConstraint`` (and us-east-1 must not be given one); and new buckets
disable ACLs (Object Ownership ``BucketOwnerEnforced``) unless told otherwise, which decides
whether the guide's per-object ACL grant of step 3 can work at all.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .. import config
from ..errors import BucketError, BucketNameError, RegionError
from . import clients, tags
from .missing import error_code, is_missing

OBJECT_OWNERSHIPS = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
DEFAULT_REGION = "us-east-1"
AWS_MODE_PREFIX = "cftutorial-"
_ALLOWED = re.compile(r"[a-z0-9.-]")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")


def check_bucket_name(name: str) -> list[str]:
    """Check S3's general-purpose bucket naming rules; return warnings (raise on a broken rule).

    Why check locally: S3 answers every broken rule with the same ``InvalidBucketName``, which
    does not say which rule was broken.
    """
    if not isinstance(name, str):
        raise BucketNameError(f"bucket name {name!r} is not a string; use e.g. 'cftutorial-demo'")
    if not 3 <= len(name) <= 63:
        raise BucketNameError(
            f"bucket name {name!r} has {len(name)} characters; use 3 to 63 characters"
        )
    for position, char in enumerate(name, start=1):
        if not _ALLOWED.match(char):
            hint = f"use {char.lower()!r} instead" if char.isupper() else "remove it"
            raise BucketNameError(
                f"bucket name {name!r}: character {char!r} at position {position} is not allowed "
                f"({hint}); only lowercase letters, digits, dots and hyphens are"
            )
    for where, char in (("start", name[0]), ("end", name[-1])):
        if not char.isalnum():
            raise BucketNameError(
                f"bucket name {name!r} must {where} with a lowercase letter or digit, not {char!r}"
            )
    if ".." in name:
        raise BucketNameError(
            f"bucket name {name!r} contains '..' at position {name.index('..') + 1}; "
            "use single dots between labels"
        )
    if _is_ip_address(name):
        raise BucketNameError(
            f"bucket name {name!r} is formatted as an IP address; use a name with letters"
        )
    if name.startswith("xn--"):
        raise BucketNameError(
            f"bucket name {name!r} starts with 'xn--' (reserved for punycode); choose another start"
        )
    if name.endswith("-s3alias"):
        raise BucketNameError(
            f"bucket name {name!r} ends with '-s3alias' (reserved for access point aliases); "
            "choose another ending"
        )
    return [dots_warning(name)] if "." in name else []


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def dots_warning(name: str) -> str:
    return (
        f"bucket name {name!r} contains dots: HTTPS to the virtual-hosted address "
        f"https://{name}.s3.amazonaws.com fails the certificate check (the wildcard certificate "
        "*.s3.amazonaws.com covers one label only). CloudFront reaches the origin through the "
        "regional endpoint, but prefer hyphens in new names."
    )


def check_aws_mode_name(name: str) -> str:
    """In aws mode a bucket name starts with ``cftutorial-``: docs/iam-policy.json grants S3 on
    ``arn:aws:s3:::cftutorial-*`` only, so any other name would end in AccessDenied."""
    if config.backend() == "aws" and not name.startswith(AWS_MODE_PREFIX):
        raise BucketNameError(
            f"bucket name {name!r} does not start with {AWS_MODE_PREFIX!r}; in aws mode the "
            f"tutorial's IAM policy (docs/iam-policy.json) covers {AWS_MODE_PREFIX}* buckets only: "
            f"use e.g. {AWS_MODE_PREFIX + name!r} (add something unique: names are global)"
        )
    return name


def check_region(region: str) -> str:
    if not isinstance(region, str) or not _REGION.match(region):
        raise RegionError(
            f"region {region!r} is not an AWS region name; use e.g. 'us-east-1' or 'eu-west-1'"
        )
    return region


def create_bucket_kwargs(
    name: str, *, region: str = DEFAULT_REGION, object_ownership: str = "BucketOwnerEnforced"
) -> dict[str, Any]:
    """The exact ``s3.create_bucket`` arguments: a LocationConstraint outside us-east-1 only.

    us-east-1 is S3's original region; it is the default and rejects being named
    (``InvalidLocationConstraint``), while every other region must be named.
    """
    check_bucket_name(name)
    check_aws_mode_name(name)
    check_region(region)
    if object_ownership not in OBJECT_OWNERSHIPS:
        raise BucketError(
            f"object_ownership={object_ownership!r} is not an Object Ownership setting; "
            f"use one of {', '.join(OBJECT_OWNERSHIPS)}"
        )
    kwargs: dict[str, Any] = {"Bucket": name, "ObjectOwnership": object_ownership}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    return kwargs


@dataclass(frozen=True)
class BucketInfo:
    name: str
    region: str
    object_ownership: str
    created: bool  # False when it already existed (re-running the notebook)
    warnings: tuple[str, ...] = ()

    @property
    def origin_domain(self) -> str:
        return regional_domain(self.name, self.region)


def regional_domain(bucket: str, region: str = DEFAULT_REGION) -> str:
    """The regional REST endpoint CloudFront should use as origin (not the global one)."""
    return f"{bucket}.s3.{region}.amazonaws.com"


def bucket_region(name: str, *, s3: Any = None) -> str | None:
    """The bucket's region, or None when it does not exist.

    A name owned by another account answers 403 here; that is one clear message (bucket names
    are global on AWS) instead of a traceback.
    """
    s3 = s3 or clients.client("s3")
    try:
        answer = s3.get_bucket_location(Bucket=name)
    except ClientError as exc:
        if is_missing(exc):
            return None
        if error_code(exc) in ("AccessDenied", "403"):
            raise BucketError(
                f"bucket {name!r} exists but this account may not read it (AccessDenied): bucket "
                "names are global on AWS, so it probably belongs to another account (or your IAM "
                "policy does not cover it: see docs/iam-policy.json); choose another bucket_name "
                "starting with 'cftutorial-'"
            ) from None
        raise
    return answer.get("LocationConstraint") or "us-east-1"


def _in_region(name: str, wanted: str, existing: str) -> None:
    """A bucket cannot move region: one message naming both, instead of S3's redirect errors."""
    if existing != wanted:
        raise RegionError(
            f"bucket {name!r} already exists in region {existing!r}, not {wanted!r} (a bucket "
            f"cannot move); use region={existing!r} in notebook 01, or another bucket_name"
        )


def object_ownership(name: str, *, s3: Any = None) -> str:
    """The bucket's Object Ownership (a bucket with no controls behaves as ObjectWriter)."""
    s3 = s3 or clients.client("s3")
    try:
        rules = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
    except ClientError as exc:
        if error_code(exc) == "OwnershipControlsNotFoundError":
            return "ObjectWriter"
        raise
    return rules[0]["ObjectOwnership"] if rules else "ObjectWriter"


def find_bucket(name: str, region: str | None = None, *, s3: Any = None) -> BucketInfo | None:
    """The existing bucket ``name`` with its Object Ownership, or None: the lookup before a create.

    ``region`` defaults to the S3 client's region (the run's one region). A bucket that exists
    in another region cannot be moved there, so that is an error naming both regions rather
    than a second bucket.
    """
    s3 = s3 or clients.client("s3")
    region = region or s3.meta.region_name
    existing = bucket_region(name, s3=s3)
    if existing is None:
        return None
    _in_region(name, region, existing)
    return BucketInfo(name, region, object_ownership(name, s3=s3), created=False)


def check_client_region(region: str, s3: Any) -> None:
    """``create_bucket`` for ``region`` must reach S3 in that region or in us-east-1.

    S3 refuses a regional endpoint's create for another region: no LocationConstraint there is
    ``IllegalLocationConstraintException``, a different one ``IncompatibleLocationConstraint``
    (us-east-1's endpoint accepts any). One message naming the fix instead.
    """
    client_region = s3.meta.region_name
    if client_region not in (region, "us-east-1"):
        raise RegionError(
            f"the S3 client is for region {client_region!r} but the bucket is for {region!r}; "
            f"make the client with clients.client('s3', region_name={region!r})"
        )


def create_bucket(
    name: str,
    *,
    region: str | None = None,
    object_ownership: str = "BucketOwnerEnforced",
    run_name: str | None = None,
    s3: Any = None,
) -> BucketInfo:
    """Find or create the bucket in ``region`` (default: the S3 client's, the run's region).

    Re-running with the same settings changes nothing. A new bucket is tagged
    ``cftutorial:run=RUN`` when ``run_name`` is given, so teardown finds it even under a custom
    name and without the saved state.
    """
    s3 = s3 or clients.client("s3", region_name=region)
    region = region or s3.meta.region_name
    kwargs = create_bucket_kwargs(name, region=region, object_ownership=object_ownership)
    warnings = tuple(check_bucket_name(name))
    check_client_region(region, s3)
    existing = bucket_region(name, s3=s3)
    if existing is not None:
        _in_region(name, region, existing)
        current = _ownership_or_set(name, object_ownership, s3)
        return BucketInfo(name, region, current, created=False, warnings=warnings)
    s3.create_bucket(**kwargs)
    if run_name:
        s3.put_bucket_tagging(Bucket=name, Tagging=tags.s3_tagging(run_name))
    return BucketInfo(name, region, object_ownership, created=True, warnings=warnings)


def _ownership_or_set(name: str, wanted: str, s3: Any) -> str:
    """An existing bucket gets the Object Ownership the run asks for (switching approach)."""
    if object_ownership(name, s3=s3) != wanted:
        s3.put_bucket_ownership_controls(
            Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": wanted}]}
        )
    return wanted


def list_objects(bucket: str, *, s3: Any = None) -> list[dict[str, Any]]:
    """Key, size and ETag of every object (what the learner sees in the console's list)."""
    s3 = s3 or clients.client("s3")
    rows = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            rows.append({"Key": item["Key"], "Size": item["Size"], "ETag": item["ETag"]})
    return rows
