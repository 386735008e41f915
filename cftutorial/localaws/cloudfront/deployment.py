"""Gap C4: distributions are ``InProgress`` for a while after every change, then ``Deployed``.

AWS takes minutes to deploy a created, updated or disabled distribution, and the
``distribution_deployed`` waiter and progress displays depend on seeing ``InProgress`` first;
moto 5.2.5 reports ``Deployed`` on the first read. moto's own state manager serves here: at
start the server sets the ``cloudfront::distribution`` transition to ``progression: time`` with
``CFTUTORIAL_DEPLOY_SECONDS`` (default 2, read from the server's environment), so a new
distribution is ``InProgress`` that long. moto never goes back to ``InProgress`` after an update,
so the update patch (:mod:`.distributions`) restarts the deployment through the adapter.

The clock runs from the answer: a create or update is kept on disk before it is answered, and
the time that takes (an ``fsync`` on a busy disk can take seconds) does not count, so the first
look after the answer is ``InProgress`` as on AWS (:func:`.persistence.Store.wrap`).
"""

from __future__ import annotations

from ... import config
from .. import moto_adapter

ENV_DEPLOY_SECONDS = "CFTUTORIAL_DEPLOY_SECONDS"
DEFAULT_DEPLOY_SECONDS = 2.0
PATCHES: tuple[moto_adapter.Patch, ...] = ()


def deploy_seconds() -> float:
    """The configured deployment delay in seconds (0 to 3600)."""
    return config.number(ENV_DEPLOY_SECONDS, DEFAULT_DEPLOY_SECONDS, 0, 3600)


def setup() -> None:
    """Tell moto's state manager how long a deployment takes (a bad setting stops the server)."""
    moto_adapter.configure_deployment(deploy_seconds())


def start_deployment(raw_distribution: object) -> None:
    """Mark a (moto) distribution as changed now: ``InProgress`` until the delay has passed."""
    moto_adapter.restart_deployment(raw_distribution)
