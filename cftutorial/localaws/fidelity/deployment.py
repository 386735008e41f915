"""Gap C4: distributions are ``InProgress`` for a while after every change, then ``Deployed``.

AWS takes minutes to deploy a created, updated or disabled distribution, and the
``distribution_deployed`` waiter and progress displays depend on seeing ``InProgress`` first;
moto 5.2.5 reports ``Deployed`` on the first read. The delay here is
``CFTUTORIAL_DEPLOY_SECONDS`` (default 2), read from the server's environment.
"""

from __future__ import annotations

import os
import time

from ...errors import ConfigError
from .guard import Expectation

ENV_DEPLOY_SECONDS = "CFTUTORIAL_DEPLOY_SECONDS"
DEFAULT_DEPLOY_SECONDS = 2.0


def deploy_seconds() -> float:
    """The configured deployment delay in seconds (0 to 3600)."""
    raw = os.environ.get(ENV_DEPLOY_SECONDS, "").strip()
    if not raw:
        return DEFAULT_DEPLOY_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ConfigError(
            f"{ENV_DEPLOY_SECONDS}={raw!r} is not a delay; use a number of seconds from 0 to 3600"
        )
    return value


def start_deployment(dist: object) -> None:
    """Mark ``dist`` as changed now: ``InProgress`` until the delay has passed."""
    dist._cftutorial_deployed_at = time.monotonic() + deploy_seconds()  # type: ignore[attr-defined]


def _status(self) -> str:
    deployed_at = getattr(self, "_cftutorial_deployed_at", None)
    if deployed_at is None:
        start_deployment(self)
        deployed_at = self._cftutorial_deployed_at
    return "InProgress" if time.monotonic() < deployed_at else "Deployed"


def _ignore(self, value: str) -> None:
    """moto assigns statuses itself; the deployment clock alone decides."""


def expectations() -> list[Expectation]:
    from moto.cloudfront.models import Distribution

    return [Expectation(Distribution, "status", None, "C4")]


def apply() -> None:
    from moto.cloudfront.models import Distribution

    deploy_seconds()  # a bad setting stops the server at start, not at the first request
    current = getattr(Distribution.__dict__.get("status"), "fget", None)
    if not getattr(current, "_cftutorial_patch", False):
        _status._cftutorial_patch = True  # type: ignore[attr-defined]
        Distribution.status = property(_status, _ignore)  # type: ignore[assignment]


def is_deployed(dist: object) -> bool:
    return _status(dist) == "Deployed"
