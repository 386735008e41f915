"""The fidelity layer: makes the local AWS behave like AWS where moto 5.2.5 does not.

One unit per gap of ``local-aws-fidelity.md`` (C1-C13 in :mod:`.cloudfront`, S1-S8 in
:mod:`.s3`, K1 in :mod:`.kms`), each a module whose docstring names the gap and the AWS behaviour it reproduces.
Runs only inside the local AWS process: the server's app factory calls :func:`build_app`, which
checks the installed moto (:mod:`.guard`: every patched method *and* every attribute the
:mod:`.moto_adapter` reads), patches moto once, points moto's state manager at the deployment
delay, and puts the WSGI rules (:mod:`.middleware`) in front of moto.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..errors import ConfigError, MotoVersionError
from . import guard, kms, moto_adapter
from .cloudfront import (
    active_signers,
    certificates,
    deployment,
    distributions,
    invalidations,
    keygroups,
    oac,
    origins,
    public_keys,
)
from .middleware import wrap_app
from .s3 import acls, defaults, reads_in_flight

log = logging.getLogger("cftutorial.localaws.fidelity")

PATCHES = (
    origins,
    deployment,
    distributions,
    oac,
    keygroups,
    public_keys,
    invalidations,
    active_signers,
    certificates,
    defaults,
    acls,
    reads_in_flight,
    kms,
)


def expectations() -> list[guard.Expectation]:
    """Everything the local AWS assumes about moto: what the adapter reads, what is patched."""
    return [
        *moto_adapter.expectations(),
        *(patch.expectation() for unit in PATCHES for patch in unit.PATCHES),
    ]


def apply_patches() -> None:
    """Check the installed moto, then patch it (idempotent) and set the deployment delay."""
    guard.require(expectations(), moto_adapter.moto_version())
    for unit in PATCHES:
        for patch in unit.PATCHES:
            moto_adapter.apply(patch)
    deployment.setup()
    certificates.setup()


def build_app() -> Callable:
    """The local AWS app: moto behind the fidelity rules. Refuses to build on a changed moto."""
    try:
        apply_patches()
    except MotoVersionError as error:
        log.error("FIDELITY_GUARD %s", error)
        raise SystemExit(4) from None
    except ConfigError as error:
        log.error("FIDELITY_CONFIG %s", error)
        raise SystemExit(2) from None
    return wrap_app(moto_adapter.moto_app())
