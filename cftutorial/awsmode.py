"""Real-AWS mode: nothing is created in an AWS account without an explicit opt-in.

``CFTUTORIAL_BACKEND=aws`` switches the clients to the standard AWS credential chain (profile,
environment, SSO). Every client then refuses to exist until the user has opted in, either with
``CFTUTORIAL_AWS_OPT_IN=yes`` in the environment (papermill, CI, the CLI) or by ticking the
notebook form's opt-in box (:func:`opt_in`). The refusal happens before any network call, so a
headless run without the opt-in stops in the first notebook having touched nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import config
from .errors import BackendError

ENV_OPT_IN = "CFTUTORIAL_AWS_OPT_IN"
OPT_IN_VALUE = "yes"
RUN_TAG = "cftutorial:run"

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


_opted_in_by_form = False


def opt_in(agree: bool) -> None:
    """What the notebook's opt-in checkbox calls: ``True`` agrees for this kernel only."""
    global _opted_in_by_form
    _opted_in_by_form = bool(agree)


def opted_in() -> bool:
    value = os.environ.get(ENV_OPT_IN, "").strip().lower()
    return value == OPT_IN_VALUE or _opted_in_by_form


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
