"""Notebook 01's "where will this run" and, in aws mode, the pre-flight summary before any write.

The opt-in itself is :mod:`cftutorial.aws.backend`; this module says, with the run's names, what
a tutorial run will create and what it costs: every resource notebooks 01-12 make, read from the
run's resource table (:mod:`cftutorial.run.resources`), which teardown and the self-checks walk
too. A fee this tutorial's sources do not state is shown as a link to its pricing page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import config
from ..aws import backend, clients
from ..aws.tags import RUN_TAG
from ..run import resources
from ..run.resources import CLOUDFRONT_PER_10000_HTTPS_REQUESTS, Planned

CLOUDFRONT_PER_GB_OUT = 0.085
CLOUDFRONT_FREE_REQUESTS = 10_000_000  # always-free tier, per month
CLOUDFRONT_FREE_GB_OUT = 1024

COST_NOTES = (
    "Estimates use list prices (US/Europe); idle resources cost nothing, except a fee marked "
    "'a monthly fee' (see its pricing page).",
    f"CloudFront requests: USD {CLOUDFRONT_PER_10000_HTTPS_REQUESTS:.4f} per 10,000 HTTPS "
    f"requests and USD {CLOUDFRONT_PER_GB_OUT} per GB out, after the always-free tier "
    f"({CLOUDFRONT_FREE_REQUESTS:,} requests and 1 TB out a month): the tutorial's few dozen "
    "requests cost nothing.",
    "Deployment takes minutes on AWS (seconds locally); disabling before deletion takes as long.",
    "Run `cftutorial teardown --run RUN --yes` (or notebook 08's cleanup cell) when you are done.",
)


def planned_resources(
    run_name: str, bucket_name: str = "", approach: str = "modern"
) -> list[Planned]:
    """What notebooks 01-12 create for the run, by notebook, with the cost of each."""
    return resources.planned(run_name, bucket_name, approach)


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
        """The figures the table states (a fee only linked is not in the sum)."""
        return sum(item.monthly_usd or 0.0 for item in self.resources)

    @property
    def linked_fees(self) -> list[Planned]:
        return [item for item in self.resources if item.monthly_usd is None]

    def describe(self) -> str:
        lines = [
            f"AWS account {self.account_id} as {self.caller_arn}, region {self.region}",
            f"run name {self.run_name!r}: every resource is named after it and tagged "
            f"{RUN_TAG}={self.run_name} where AWS allows tags",
            f"will create ({len(self.resources)} resources, about "
            f"USD {self.monthly_usd:.2f} a month while they exist"
            + (
                f", plus the monthly fee of {len(self.linked_fees)} shown by its pricing page"
                if self.linked_fees
                else ""
            )
            + "):",
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
