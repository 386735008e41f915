"""One rule for "this ClientError means the resource is gone", and no second copy of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from cftutorial.aws.missing import MISSING_CODES, is_missing

PACKAGE = Path(__file__).resolve().parent.parent / "cftutorial"


def _error(code: str, status: int = 404) -> ClientError:
    answer = {
        "Error": {"Code": code, "Message": "..."},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(answer, "AnyOperation")


@pytest.mark.parametrize(
    "code",
    [
        "NoSuchBucket",  # S3 GetBucketLocation
        "404",  # S3 HeadBucket: a HEAD answer has no body
        "NoSuchDistribution",
        "NoSuchOriginAccessControl",
        "NoSuchCloudFrontOriginAccessIdentity",
        "NoSuchPublicKey",
        "NoSuchResource",  # CloudFront GetKeyGroup
        "NotFoundException",  # KMS
        "ResourceNotFoundException",  # ACM
    ],
)
def test_each_services_no_such_resource_code_is_missing(code):
    assert is_missing(_error(code))


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("NoSuchBucketPolicy", 404),  # the bucket is there; it has no policy
        ("OwnershipControlsNotFoundError", 404),
        ("AccessDenied", 403),
        ("PreconditionFailed", 412),
        ("TrustedKeyGroupDoesNotExist", 400),
    ],
)
def test_a_missing_sub_resource_or_another_error_is_not_missing(code, status):
    assert not is_missing(_error(code, status))


def test_an_error_that_is_not_a_client_error_is_not_missing():
    assert not is_missing(KeyError("NoSuchBucket"))


def test_every_service_the_package_calls_has_its_codes():
    assert set(MISSING_CODES) == {"s3", "cloudfront", "kms", "acm"}


def test_no_module_outside_aws_missing_compares_a_no_such_code():
    """The codes are written once: anywhere else, a "NoSuch…" string compared to an error code is
    a second copy of the rule (the local AWS, which *answers* those codes, is not a caller)."""
    copies = []
    pattern = re.compile(
        r"""["'](NoSuch(Bucket|Distribution|Resource|PublicKey|OriginAccessControl)|NotFoundException|ResourceNotFoundException)["']"""
    )
    checked = 0
    for path in PACKAGE.rglob("*.py"):
        if "localaws" in path.parts or path.name == "missing.py":
            continue
        checked += 1
        copies += [
            f"{path.name}: {line.strip()}"
            for line in path.read_text().splitlines()
            if pattern.search(line)
        ]
    assert checked > 50
    assert copies == []
