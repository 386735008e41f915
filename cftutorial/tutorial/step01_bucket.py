"""Notebook 01: create the bucket that holds the private files, and upload the sample media.

The guide created a bucket named like a host name with one call and no region; the rules it now
meets (names, ``LocationConstraint``, Object Ownership since April 2023) live in
:mod:`cftutorial.aws.buckets`. The notebook's cells make the boto3 calls themselves
(``create_bucket``, ``put_bucket_tagging``, ``put_object``); this module holds what boto3 does
not do: the checks before the first call, the lookup that makes re-running safe, the run's
names, the sample media shipped with the package, and the saved tutorial state.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .. import config
from ..aws import backend, buckets, clients, tags
from ..aws.buckets import BucketInfo
from ..errors import BucketError
from ..run import names
from . import state

#: The tag ``put_bucket_tagging`` gives the bucket: teardown finds a run's bucket by it.
RUN_TAG = tags.RUN_TAG

CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class SampleFile:
    key: str
    path: Path
    content_type: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def data_dir() -> Path:
    return Path(str(resources.files("cftutorial") / "data"))


def sample_files() -> list[SampleFile]:
    """The committed sample media: video.mp4, its HLS rendition under hls/, and hello.html."""
    root = data_dir()
    files = [
        path for path in sorted(root.rglob("*")) if path.is_file() and path.suffix in CONTENT_TYPES
    ]
    if not files:
        raise BucketError(f"no sample files found in {root}; reinstall the cftutorial package")
    return [
        SampleFile(
            key=path.relative_to(root).as_posix(),
            path=path,
            content_type=CONTENT_TYPES.get(path.suffix)
            or mimetypes.guess_type(path.name)[0]
            or "application/octet-stream",
        )
        for path in files
    ]


def upload_samples(bucket: str, *, s3: Any = None) -> list[str]:
    """Upload every sample file (private: no ACL, no public policy); returns the keys."""
    s3 = s3 or clients.client("s3")
    keys = []
    for sample in sample_files():
        with sample.path.open("rb") as body:
            s3.put_object(Bucket=bucket, Key=sample.key, Body=body, ContentType=sample.content_type)
        keys.append(sample.key)
    return keys


def default_bucket_name(run_name: str) -> str:
    """A bucket name derived from the run name (on real AWS add something unique to it)."""
    return names.bucket(run_name)


def ownership_for(approach: str) -> str:
    """The guide's ACL grant (step 3) needs ACLs enabled; today's way keeps them disabled."""
    if approach == "guide":
        return "BucketOwnerPreferred"
    if approach == "modern":
        return "BucketOwnerEnforced"
    raise BucketError(f"approach={approach!r} is not known; use 'modern' or 'guide'")


def checked_bucket_name(
    *,
    run_name: str,
    approach: str = "modern",
    bucket_name: str = "",
    region: str = "",
    aws_opt_in: bool = False,
) -> str:
    """The bucket name for the form's values, after every check that needs no S3 call.

    Checks the run name, the bucket-name rules (which rule, which character), the region and the
    approach, and (with ``CFTUTORIAL_BACKEND=aws``) the opt-in: ``aws_opt_in`` is the form's
    "create resources in my AWS account" box, and nothing is created without it.
    """
    state.check_run_name(run_name)
    name = bucket_name.strip() or default_bucket_name(run_name)
    buckets.create_bucket_kwargs(
        name, region=run_region(region), object_ownership=ownership_for(approach)
    )
    if aws_opt_in and config.backend() == "aws":
        backend.opt_in(True)
    backend.require_opt_in()
    return name


def run_region(region: str = "") -> str:
    """The run's one region: the notebook's ``region`` if set, else the profile's (aws mode) or
    us-east-1 (local AWS). Every client of the run and ``create_bucket`` use it."""
    return buckets.check_region(clients.region(region))


def find_bucket(name: str, region: str = "", *, s3: Any = None) -> BucketInfo | None:
    """None when the bucket does not exist yet; else it, with its current Object Ownership.

    The S3 client must be the run region's (``create_bucket`` goes to it next): a mismatch is
    one message naming the fix, not S3's ``IllegalLocationConstraintException``.
    """
    region = run_region(region)
    s3 = s3 or clients.client("s3", region_name=region)
    buckets.check_client_region(region, s3)
    return buckets.find_bucket(name, region, s3=s3)


def save(
    run: state.Run, *, bucket: str, region: str, approach: str, objects: list[str]
) -> list[str]:
    """Set the bucket on ``run`` for notebooks 02-08 (the cell saves it); say what changed.

    A re-run with another bucket, region or approach repoints the run: the lines returned say
    from what, and that notebooks 03 and 04 bring the permission and the distribution along
    (05-08 also re-point a distribution still reading the old bucket, and say so).
    """
    before = run.values()
    run.set(bucket=bucket, region=region, approach=approach, objects=objects)
    changes = [
        f"{key} {before[key]!r} -> {value!r}"
        for key, value in (("bucket", bucket), ("region", region), ("approach", approach))
        if before.get(key) not in (None, value)
    ]
    if changes and before.get("distribution"):
        changes.append("run notebooks 03 and 04 again so the distribution reads this bucket")
    return changes
