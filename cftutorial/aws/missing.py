"""One answer to "does this ClientError mean the resource is gone?", for every service we call.

Each service spells "no such resource" its own way; this is the union, with where each code comes
from (the API reference's *Errors* section of the call named):

- S3: ``NoSuchBucket`` (GetBucketLocation, ListObjectsV2, DeleteBucket, …), ``NoSuchKey``
  (GetObject); a HEAD request (HeadBucket, HeadObject) has no body, so botocore reports the bare
  status: ``404`` (``NotFound`` in some botocore versions).
- CloudFront: ``NoSuchDistribution`` (GetDistribution, UpdateDistribution, DeleteDistribution),
  ``NoSuchOriginAccessControl`` (Get/DeleteOriginAccessControl),
  ``NoSuchCloudFrontOriginAccessIdentity`` (Get/DeleteCloudFrontOriginAccessIdentity),
  ``NoSuchPublicKey`` (Get/DeletePublicKey), and ``NoSuchResource`` (GetKeyGroup, UpdateKeyGroup,
  DeleteKeyGroup: key groups have no code of their own).
- KMS: ``NotFoundException`` (DescribeKey, GetPublicKey, ScheduleKeyDeletion, DeleteAlias).
- ACM: ``ResourceNotFoundException`` (DescribeCertificate, DeleteCertificate).

A missing *sub*-resource (``NoSuchBucketPolicy``, ``OwnershipControlsNotFoundError``) is not a
missing resource: the bucket is there, it has no policy; callers that mean that ask for it by name.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

#: service -> the codes its API answers for a resource that does not exist.
MISSING_CODES: dict[str, frozenset[str]] = {
    "s3": frozenset({"NoSuchBucket", "NoSuchKey", "404", "NotFound"}),
    "cloudfront": frozenset(
        {
            "NoSuchDistribution",
            "NoSuchOriginAccessControl",
            "NoSuchCloudFrontOriginAccessIdentity",
            "NoSuchPublicKey",
            "NoSuchResource",
        }
    ),
    "kms": frozenset({"NotFoundException"}),
    "acm": frozenset({"ResourceNotFoundException"}),
}

_ALL = frozenset().union(*MISSING_CODES.values())


def error_code(error: ClientError) -> str:
    """The AWS error code of ``error`` ('' when the answer carried none)."""
    return str(error.response.get("Error", {}).get("Code", ""))


def is_missing(error: BaseException) -> bool:
    """True when ``error`` is AWS saying the resource it was asked about does not exist."""
    return isinstance(error, ClientError) and error_code(error) in _ALL
