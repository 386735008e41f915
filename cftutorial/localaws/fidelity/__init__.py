"""The fidelity layer: makes the local AWS behave like AWS where moto 5.2.5 does not.

One unit per gap of ``local-aws-fidelity.md`` (C1-C10, S1-S8), each a module whose docstring
names the gap and the AWS behaviour it reproduces. Runs only inside the local AWS process: the
server's app factory calls :func:`build_app`, which checks the installed moto (:mod:`.guard`),
patches moto's classes once, and puts the WSGI rules (:mod:`.middleware`) in front of moto.

| gap | unit |
|---|---|
| C1 OAI API | ``oai`` (``get_oai``) |
| C2 origin access fields kept | ``origins`` |
| C3 references validated | ``references`` (+ ``distributions``, ``keygroups``) |
| C4 InProgress -> Deployed | ``deployment`` (``CFTUTORIAL_DEPLOY_SECONDS``) |
| C5 ETag / If-Match | ``etags`` (+ ``distributions``, ``oai``, ``oac``, ``public_keys``, ``keygroups``) |
| C6 delete only when disabled and deployed | ``distributions.require_deletable`` |
| C7 key group config/update/delete | ``keygroups`` |
| C8 public key validation / in use | ``public_keys`` |
| C9 invalidation ``Completed`` | ``invalidations`` |
| C10 active trusted key groups | ``active_signers`` |
| S1 BucketOwnerEnforced + BPA | ``s3_defaults`` |
| S2/S3 ACLs | ``s3_acls`` |
| S4-S6 anonymous requests | ``s3_anonymous`` (decision from ``localaws.s3_access``) |
| S7 bucket policy validation | ``s3_policy`` |
| S8 presigned URLs | ``s3_presigned`` |
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from . import (
    active_signers,
    deployment,
    distributions,
    guard,
    invalidations,
    keygroups,
    oac,
    origins,
    public_keys,
    s3_acls,
    s3_defaults,
)

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
    s3_defaults,
    s3_acls,
)


def expectations() -> list[guard.Expectation]:
    """Everything the patches assume about moto."""
    return [e for unit in PATCHES for e in unit.expectations()]


def apply_patches() -> None:
    """Check the installed moto, then patch it (idempotent)."""
    guard.require(expectations())
    for unit in PATCHES:
        unit.apply()


def build_app() -> Callable:
    """The local AWS app: moto behind the fidelity rules. Refuses to build on a changed moto."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from ...errors import ConfigError, MotoVersionError
    from .middleware import wrap_app

    try:
        apply_patches()
    except MotoVersionError as error:
        log.error("FIDELITY_GUARD %s", error)
        raise SystemExit(4) from None
    except ConfigError as error:
        log.error("FIDELITY_CONFIG %s", error)
        raise SystemExit(2) from None
    return wrap_app(DomainDispatcherApplication(create_backend_app))
