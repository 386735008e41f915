"""Notebook 01's "where will this run" and, in aws mode, the pre-flight summary before any write.

The opt-in itself is :mod:`cftutorial.aws.backend`; this module says, with the run's names, what
a tutorial run will create and what it costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import config
from ..aws import backend, clients
from ..aws.tags import RUN_TAG
from . import names

COST_NOTES = (
    "S3: a few MB stored and requested, well under USD 0.01 for the tutorial.",
    "CloudFront: the always-free tier covers 1 TB out and 10 million requests a month; "
    "the distribution itself costs nothing while idle.",
    "Public keys, key groups, OAC and OAI: no charge.",
    "Deployment takes minutes on AWS (seconds locally); disabling before deletion takes as long.",
    "Run `cftutorial teardown --run RUN` (or notebook 08's cleanup cell) when you are done.",
)


@dataclass(frozen=True)
class Preflight:
    """What the user sees before the first write: where, as whom, what, and what it costs."""

    account_id: str
    caller_arn: str
    region: str
    run_name: str
    resources: list[str] = field(default_factory=list)
    cost_notes: tuple[str, ...] = COST_NOTES

    def describe(self) -> str:
        lines = [
            f"AWS account {self.account_id} as {self.caller_arn}, region {self.region}",
            f"run name {self.run_name!r}: every resource is named after it and tagged "
            f"{RUN_TAG}={self.run_name} where AWS allows tags",
            "will create:",
            *(f"  - {item}" for item in self.resources),
            "costs:",
            *(f"  - {note}" for note in self.cost_notes),
        ]
        return "\n".join(lines)


def planned_resources(run_name: str, bucket_name: str = "") -> list[str]:
    """What a tutorial run creates, by name (the names the step modules use)."""
    return [
        f"S3 bucket {bucket_name or names.bucket(run_name)} (tagged), with the sample objects",
        f"origin access control {names.oac_name(run_name)!r} (or, guide path, an OAI)",
        f"CloudFront distribution {names.distribution_comment(run_name)!r} (tagged)",
        f"public key {names.public_key(run_name, 'rsa')!r} and key group "
        f"{names.key_group(run_name)!r}",
    ]


def preflight(run_name: str, bucket_name: str = "", *, sts: Any = None) -> Preflight:
    """Account, caller and region of the aws backend — one STS call, after the opt-in."""
    backend.require_opt_in()
    sts = sts or clients.client("sts")
    identity = sts.get_caller_identity()
    return Preflight(
        account_id=identity["Account"],
        caller_arn=identity["Arn"],
        region=sts.meta.region_name,
        run_name=run_name,
        resources=planned_resources(run_name, bucket_name),
    )


def where_this_runs(run_name: str, bucket_name: str = "", *, aws_opt_in: bool = False) -> str:
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
    return preflight(run_name, bucket_name).describe()
