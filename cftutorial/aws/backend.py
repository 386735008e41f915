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

from .. import config
from ..errors import BackendError

ENV_OPT_IN = "CFTUTORIAL_AWS_OPT_IN"
OPT_IN_VALUE = "yes"
OPT_IN_FILE = "aws-opt-in.json"


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
