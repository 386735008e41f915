"""Run tags: how a tutorial run's resources are found again, even without the saved state.

Every resource the tutorial creates is named after the run (``cftutorial-RUN``, ``cftutorial RUN:
…`` comments and names); those AWS lets us tag — the bucket and the distribution — also carry the
tag ``cftutorial:run=RUN``. ``cftutorial teardown`` uses the tags to find a run's bucket when it has
a custom name and the saved state was lost.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

RUN_TAG = "cftutorial:run"


def cloudfront_tags(run_name: str) -> dict[str, Any]:
    """The ``Tags`` of ``create_distribution_with_tags``."""
    return {"Items": [{"Key": RUN_TAG, "Value": run_name}]}


def s3_tagging(run_name: str) -> dict[str, Any]:
    """The ``Tagging`` of ``put_bucket_tagging``."""
    return {"TagSet": [{"Key": RUN_TAG, "Value": run_name}]}


def bucket_run(name: str, s3: Any) -> str | None:
    """The run a bucket belongs to, from its tags (None: untagged, gone or not ours)."""
    try:
        tag_set = s3.get_bucket_tagging(Bucket=name)["TagSet"]
    except ClientError:
        return None
    return next((tag["Value"] for tag in tag_set if tag["Key"] == RUN_TAG), None)


def buckets_of_run(run_name: str, s3: Any) -> list[str]:
    """Every bucket tagged with this run."""
    names = [item["Name"] for item in s3.list_buckets().get("Buckets", [])]
    return [name for name in names if bucket_run(name, s3) == run_name]


def distribution_run(arn: str, cf: Any) -> str | None:
    try:
        items = cf.list_tags_for_resource(Resource=arn)["Tags"].get("Items", [])
    except ClientError:
        return None
    return next((tag["Value"] for tag in items if tag["Key"] == RUN_TAG), None)
