"""Gap S1: a new bucket has ACLs disabled and Block Public Access on, as on AWS since April 2023.

AWS: Object Ownership ``BucketOwnerEnforced`` unless the bucket is created with
``ObjectOwnership=…`` (``x-amz-object-ownership``), and all four Block Public Access settings
on. moto 5.2.5 sets no ownership controls and no public access block.
"""

from __future__ import annotations

from .guard import Expectation, wrap

DEFAULT_OWNERSHIP = "BucketOwnerEnforced"


def expectations() -> list[Expectation]:
    from moto.s3.models import FakeBucket, PublicAccessBlock, S3Backend

    return [
        Expectation(
            S3Backend,
            "create_bucket",
            ["self", "bucket_name", "region_name", "bucket_namespace"],
            "S1",
        ),
        Expectation(
            PublicAccessBlock,
            "__init__",
            [
                "self",
                "block_public_acls",
                "ignore_public_acls",
                "block_public_policy",
                "restrict_public_buckets",
            ],
            "S1",
        ),
        Expectation(FakeBucket, "__init__", None, "S1"),
    ]


def apply() -> None:
    from moto.s3.models import PublicAccessBlock, S3Backend

    def make(original):
        def create_bucket(self, bucket_name, region_name, bucket_namespace=None):
            bucket = original(self, bucket_name, region_name, bucket_namespace)
            # moto's response sets ``ownership_rule`` from x-amz-object-ownership afterwards.
            bucket.ownership_rule = DEFAULT_OWNERSHIP
            bucket.public_access_block = PublicAccessBlock("true", "true", "true", "true")
            return bucket

        return create_bucket

    wrap(S3Backend, "create_bucket", make)
