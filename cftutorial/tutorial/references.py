"""CallerReference values: unique per creation, saved before the create call.

CloudFront makes a create idempotent by its ``CallerReference``: the same reference with the
same config returns the resource made before, the same reference with another config is
refused (``DistributionAlreadyExists``, ``CloudFrontOriginAccessIdentityAlreadyExists``,
``PublicKeyAlreadyExists``). A fixed reference per run name would therefore fail the second
time a run name is used after a teardown. So each creation gets a fresh uuid-based reference,
set on the run (:class:`~cftutorial.tutorial.state.Run`) and saved by the cell, before the
create call when that is in a later cell: a create retried uses the same reference, and the
step's find-by-name lookup runs first, so an interrupted create is resumed, never duplicated.
Teardown forgets the state, and with it the references.
"""

from __future__ import annotations

import uuid

from ..run import names
from . import state

STATE_KEY = "caller_references"


def caller_reference(run: state.Run, what: str) -> str:
    """The CallerReference for the run's ``what`` (``distribution``, ``oai``, ``public-key-rsa``):
    the saved one, or a new ``cftutorial-RUN-WHAT-<uuid>`` set on ``run`` (the cell saves it)."""
    saved = dict(run.get(STATE_KEY) or {})
    if saved.get(what):
        return saved[what]
    saved[what] = f"{names.PREFIX}-{run.name}-{what}-{uuid.uuid4().hex}"
    run.set(**{STATE_KEY: saved})
    return saved[what]
