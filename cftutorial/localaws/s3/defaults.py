"""Gap S1: a new bucket has ACLs disabled and Block Public Access on, as on AWS since April 2023,
and SSE-S3 default encryption, as on AWS since January 2023.

AWS: Object Ownership ``BucketOwnerEnforced`` unless the bucket is created with
``ObjectOwnership=…`` (``x-amz-object-ownership``), and all four Block Public Access settings
on; ``GetBucketEncryption`` answers ``AES256`` for a bucket nobody configured, and
``DeleteBucketEncryption`` resets the bucket to it. moto 5.2.5 sets no ownership controls, no
public access block, and no default encryption (``ServerSideEncryptionConfigurationNotFound``).
"""

from __future__ import annotations

from .. import moto_adapter


def make(original):
    def create_bucket(self, bucket_name, region_name, bucket_namespace=None):
        bucket = original(self, bucket_name, region_name, bucket_namespace)
        # moto's response sets the ownership from x-amz-object-ownership afterwards.
        moto_adapter.apply_bucket_defaults(bucket)
        return bucket

    return create_bucket


def make_delete_encryption(original):
    def delete_bucket_encryption(self, bucket_name):
        original(self, bucket_name)
        moto_adapter.apply_default_encryption((self, bucket_name))

    return delete_bucket_encryption


PATCHES = (
    moto_adapter.Patch(
        "s3.models",
        "S3Backend",
        "create_bucket",
        ("self", "bucket_name", "region_name", "bucket_namespace"),
        "S1",
        make,
    ),
    moto_adapter.Patch(
        "s3.models",
        "S3Backend",
        "delete_bucket_encryption",
        ("self", "bucket_name"),
        "S1",
        make_delete_encryption,
    ),
)
