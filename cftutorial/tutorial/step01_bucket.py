"""Notebook 01: create the bucket that holds the private files, and upload the sample media.

The guide created a bucket named like a host name with one call and no region; the rules it now
meets (names, ``LocationConstraint``, Object Ownership since April 2023) live in
:mod:`cftutorial.aws.buckets`. This module adds what boto3 does not do: the run's names, the
sample media shipped with the package, and the saved tutorial state.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .. import config
from ..aws import backend, buckets, clients
from ..aws.buckets import DEFAULT_REGION, BucketInfo
from ..errors import BucketError
from . import names, state

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


@dataclass(frozen=True)
class BucketStep:
    bucket: BucketInfo
    uploaded: list[str]
    objects: list[dict[str, Any]]


def step(
    *,
    run_name: str,
    approach: str = "modern",
    bucket_name: str = "",
    region: str = DEFAULT_REGION,
    aws_opt_in: bool = False,
) -> BucketStep:
    """Notebook 01: create (or find) the bucket, upload the samples, save what was made.

    ``aws_opt_in`` is the form's "create resources in my AWS account" box; it matters only with
    ``CFTUTORIAL_BACKEND=aws``, where nothing is created without it (or the environment's opt-in).
    """
    state.check_run_name(run_name)
    if aws_opt_in and config.backend() == "aws":
        backend.opt_in(True)
    backend.require_opt_in()
    name = bucket_name.strip() or default_bucket_name(run_name)
    info = buckets.create_bucket(
        name, region=region, object_ownership=ownership_for(approach), run_name=run_name
    )
    uploaded = upload_samples(name)
    state.update(run_name, bucket=name, region=region, approach=approach, objects=uploaded)
    return BucketStep(info, uploaded, buckets.list_objects(name))
