"""Real-AWS mode: nothing is created in an AWS account without an explicit opt-in.

``CFTUTORIAL_BACKEND=aws`` switches the clients to the standard AWS credential chain (profile,
environment, SSO). Every client then refuses to exist until the user has opted in, either with
``CFTUTORIAL_AWS_OPT_IN=yes`` in the environment (papermill, CI, the CLI) or by ticking the
notebook form's opt-in box (:func:`opt_in`). The refusal happens before any network call, so a
headless run without the opt-in stops in the first notebook having touched nothing.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from . import config
from .errors import BackendError
from .tags import RUN_TAG

ENV_OPT_IN = "CFTUTORIAL_AWS_OPT_IN"
OPT_IN_VALUE = "yes"
OPT_IN_FILE = "aws-opt-in.json"

COST_NOTES = (
    "S3: a few MB stored and requested, well under USD 0.01 for the tutorial.",
    "CloudFront: the always-free tier covers 1 TB out and 10 million requests a month; "
    "the distribution itself costs nothing while idle.",
    "Public keys, key groups, OAC and OAI: no charge.",
    "Deployment takes minutes on AWS (seconds locally); disabling before deletion takes as long.",
    "Run `cftutorial teardown --run RUN` (or notebook 08's cleanup cell) when you are done.",
)


class OptInRequired(BackendError):
    """Real-AWS mode was chosen but the user has not agreed to create resources."""


def _opt_in_file():
    return config.home() / OPT_IN_FILE


def opt_in(agree: bool) -> None:
    """What notebook 01's opt-in checkbox calls.

    The choice is kept in the state directory so the later notebooks (fresh kernels) see it;
    ``opt_in(False)`` takes it back.
    """
    path = _opt_in_file()
    if agree:
        path.write_text(
            json.dumps({"agreed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        )
    else:
        path.unlink(missing_ok=True)


def opted_in() -> bool:
    value = os.environ.get(ENV_OPT_IN, "").strip().lower()
    return value == OPT_IN_VALUE or _opt_in_file().is_file()


def opt_in_message() -> str:
    return (
        f"{config.ENV_BACKEND}=aws would create real, billable resources in your AWS account "
        "(an S3 bucket, a CloudFront distribution, keys); nothing has been created and no AWS call "
        f"was made. To go ahead, set {ENV_OPT_IN}={OPT_IN_VALUE} in the environment (for papermill: "
        f"`{ENV_OPT_IN}={OPT_IN_VALUE} papermill …`) or tick 'Create resources in my AWS account' in "
        "notebook 01's form. To stay offline, unset CFTUTORIAL_BACKEND."
    )


def require_opt_in() -> None:
    """Raise :class:`OptInRequired` in aws mode without an opt-in; do nothing in local mode."""
    if config.backend() == "aws" and not opted_in():
        raise OptInRequired(opt_in_message())


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
    from . import bucket, distribution, keygroups, origin_access

    return [
        f"S3 bucket {bucket_name or bucket.default_bucket_name(run_name)} (tagged), with the sample objects",
        f"origin access control {origin_access.oac_name(run_name)!r} (or, guide path, an OAI)",
        f"CloudFront distribution {distribution.comment_for(run_name)!r} (tagged)",
        f"public key {keygroups.public_key_name(run_name, 'rsa')!r} and key group "
        f"{keygroups.key_group_name(run_name)!r}",
    ]


def preflight(run_name: str, bucket_name: str = "", *, sts: Any = None) -> Preflight:
    """Account, caller and region of the aws backend — one STS call, after the opt-in."""
    from . import clients

    require_opt_in()
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
        from .localaws import process

        state = process.ensure_running()
        return (
            f"local AWS at {state.aws_endpoint} (edge {state.edge_endpoint}): offline, no AWS "
            "account or credentials involved, nothing costs money"
        )
    if aws_opt_in:
        opt_in(True)
    return preflight(run_name, bucket_name).describe()
