"""Notebook 01's "where will this run" and, in aws mode, the pre-flight summary before any write.

The opt-in itself is :mod:`cftutorial.aws.backend`; this module says, with the run's names, what
a tutorial run will create and what it costs. The list is what the notebooks really make: 01 the
bucket, 02 *both* an OAC and an OAI (to compare them; the approach decides which one the
distribution uses), 03 a second small bucket that shows the guide's ACL call refused, 04 the
distribution and (modern path) the public key and key group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .. import config
from ..aws import backend, clients
from ..aws.tags import RUN_TAG
from ..run import names

#: List prices (USD, US and Europe, 2025) the estimates use; see the AWS pricing pages.
S3_STORAGE_PER_GB_MONTH = 0.023
CLOUDFRONT_PER_10000_HTTPS_REQUESTS = 0.0100
CLOUDFRONT_PER_GB_OUT = 0.085
CLOUDFRONT_FREE_REQUESTS = 10_000_000  # always-free tier, per month
CLOUDFRONT_FREE_GB_OUT = 1024

COST_NOTES = (
    "Estimates use list prices (US/Europe); idle resources cost nothing.",
    f"CloudFront requests: USD {CLOUDFRONT_PER_10000_HTTPS_REQUESTS:.4f} per 10,000 HTTPS "
    f"requests and USD {CLOUDFRONT_PER_GB_OUT} per GB out, after the always-free tier "
    f"({CLOUDFRONT_FREE_REQUESTS:,} requests and 1 TB out a month): the tutorial's few dozen "
    "requests cost nothing.",
    "Deployment takes minutes on AWS (seconds locally); disabling before deletion takes as long.",
    "Run `cftutorial teardown --run RUN --yes` (or notebook 08's cleanup cell) when you are done.",
)


@dataclass(frozen=True)
class Planned:
    """One resource a run creates: which notebook makes it, its name, its monthly cost."""

    notebook: str
    what: str
    name: str
    monthly_usd: float
    note: str = ""

    def describe(self) -> str:
        cost = f"USD {self.monthly_usd:.2f}/month" if self.monthly_usd >= 0.005 else "USD 0.00"
        return f"[{self.notebook}] {self.what} {self.name} — {cost}" + (
            f" ({self.note})" if self.note else ""
        )


def sample_bytes() -> int:
    """What notebook 01 uploads: the sample media shipped with the package."""
    root = Path(str(resources.files("cftutorial") / "data"))
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def _storage_usd(size: int) -> float:
    return size / 1024**3 * S3_STORAGE_PER_GB_MONTH


def planned_resources(
    run_name: str, bucket_name: str = "", approach: str = "modern"
) -> list[Planned]:
    """What a tutorial run creates, by name (the names the step modules use), with its cost."""
    size = sample_bytes()
    planned = [
        Planned(
            "01",
            "S3 bucket",
            bucket_name or names.bucket(run_name),
            _storage_usd(size),
            f"tagged {RUN_TAG}={run_name}; {size / 1e6:.2f} MB of sample media, ACLs "
            + ("enabled (BucketOwnerPreferred)" if approach == "guide" else "disabled"),
        ),
        Planned("02", "origin access control", repr(names.oac_name(run_name)), 0.0, "no charge"),
        Planned(
            "02",
            "origin access identity",
            repr(names.oai_comment(run_name)),
            0.0,
            "no charge; notebook 02 makes both to compare",
        ),
        Planned(
            "03",
            "S3 bucket",
            names.acl_demo_bucket(run_name),
            _storage_usd(len(b"hello\n")),
            "one 6-byte object; shows the guide's ACL call refused",
        ),
        Planned(
            "04",
            "CloudFront distribution",
            repr(names.distribution_comment(run_name)),
            0.0,
            f"tagged; idle costs nothing; USD {CLOUDFRONT_PER_10000_HTTPS_REQUESTS:.4f} per "
            "10,000 HTTPS requests you fetch beyond the free tier",
        ),
    ]
    if approach == "guide":
        return [
            *planned,
            Planned(
                "06",
                "root-account key pair",
                "(none: console only)",
                0.0,
                "cannot be made through an API; the guide path stops there on AWS",
            ),
        ]
    return [
        *planned,
        Planned("04", "public key", repr(names.public_key(run_name, "rsa")), 0.0, "no charge"),
        Planned("04", "key group", repr(names.key_group(run_name)), 0.0, "no charge"),
    ]


@dataclass(frozen=True)
class Preflight:
    """What the user sees before the first write: where, as whom, what, and what it costs."""

    account_id: str
    caller_arn: str
    region: str
    run_name: str
    resources: list[Planned] = field(default_factory=list)
    cost_notes: tuple[str, ...] = COST_NOTES

    @property
    def monthly_usd(self) -> float:
        return sum(item.monthly_usd for item in self.resources)

    def describe(self) -> str:
        lines = [
            f"AWS account {self.account_id} as {self.caller_arn}, region {self.region}",
            f"run name {self.run_name!r}: every resource is named after it and tagged "
            f"{RUN_TAG}={self.run_name} where AWS allows tags",
            f"will create ({len(self.resources)} resources, about "
            f"USD {self.monthly_usd:.2f} a month while they exist):",
            *(f"  - {item.describe()}" for item in self.resources),
            "costs:",
            *(f"  - {note}" for note in self.cost_notes),
        ]
        return "\n".join(lines)


def preflight(
    run_name: str,
    bucket_name: str = "",
    *,
    approach: str = "modern",
    region: str = "",
    sts: Any = None,
) -> Preflight:
    """Account, caller and the run's region in the aws backend — one STS call, after the opt-in."""
    backend.require_opt_in()
    sts = sts or clients.client("sts", region_name=region or None)
    identity = sts.get_caller_identity()
    return Preflight(
        account_id=identity["Account"],
        caller_arn=identity["Arn"],
        region=sts.meta.region_name,
        run_name=run_name,
        resources=planned_resources(run_name, bucket_name, approach),
    )


def where_this_runs(
    run_name: str,
    bucket_name: str = "",
    *,
    aws_opt_in: bool = False,
    approach: str = "modern",
    region: str = "",
) -> str:
    """Notebook 01's "where will this run" text: the local AWS, or the AWS account after opt-in."""
    if config.backend() == "local":
        from ..localaws import process

        state = process.ensure_running()
        return (
            f"local AWS at {state.aws_endpoint} (edge {state.edge_endpoint}): offline, no AWS "
            "account or credentials involved, nothing costs money"
        )
    if aws_opt_in:
        backend.opt_in(True)
    return preflight(run_name, bucket_name, approach=approach, region=region).describe()
