"""Notebook 02: the identity CloudFront uses to read the private bucket (OAI or OAC).

The notebook's cells make the boto3 calls (``create_origin_access_control``,
``create_cloud_front_origin_access_identity``); this module gives them the run's names, holds the
lookups that make re-running safe (``find_run_oac`` / ``find_run_oai``: None or the one made
before), and saves the result.
"""

from __future__ import annotations

from typing import Any

from ..aws import clients
from ..aws.origin_access import (
    OriginAccess,
    find_oac,
    find_oai,
    oac_config,
    oac_from_answer,
    oai_config,
    oai_from_answer,
)
from ..errors import OriginAccessError
from ..run import names
from . import references, state

APPROACH_KIND = {"guide": "oai", "modern": "oac"}


def oai_config_for(run: state.Run) -> dict[str, str]:
    """What ``create_cloud_front_origin_access_identity`` takes for this run (its
    CallerReference set on ``run``)."""
    return oai_config(references.caller_reference(run, "oai"), names.oai_comment(run.name))


def oac_config_for(run_name: str) -> dict[str, str]:
    """What ``create_origin_access_control`` takes for this run."""
    return oac_config(names.oac_name(run_name), names.oac_description(run_name))


def find_run_oai(run_name: str, *, cf: Any = None) -> OriginAccess | None:
    return find_oai(names.oai_comment(run_name), cf=cf)


def find_run_oac(run_name: str, *, cf: Any = None) -> OriginAccess | None:
    return find_oac(names.oac_name(run_name), cf=cf)


def create_or_find_oai(run: state.Run, *, cf: Any = None) -> OriginAccess:
    """The guide's Origin Access Identity for this run (created once; the run is saved before
    the create call, with its CallerReference, as notebook 02's cell does)."""
    cf = cf or clients.client("cloudfront")
    found = find_run_oai(run.name, cf=cf)
    if found:
        return found
    config_ = oai_config_for(run)
    run.save()
    return oai_from_answer(
        cf.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig=config_)
    )


def create_or_find_oac(run_name: str, *, cf: Any = None) -> OriginAccess:
    """Today's Origin Access Control for this run (created once)."""
    cf = cf or clients.client("cloudfront")
    found = find_run_oac(run_name, cf=cf)
    if found:
        return found
    return oac_from_answer(
        cf.create_origin_access_control(OriginAccessControlConfig=oac_config_for(run_name))
    )


def ensure(run: state.Run, approach: str, *, cf: Any = None) -> OriginAccess:
    """OAI for the guide's approach, OAC for the modern one."""
    if approach == "guide":
        return create_or_find_oai(run, cf=cf)
    if approach == "modern":
        return create_or_find_oac(run.name, cf=cf)
    raise OriginAccessError(f"approach={approach!r} is not known; use 'modern' or 'guide'")


def from_state(record: dict[str, Any]) -> OriginAccess:
    return OriginAccess.from_state(record)


def for_approach(approach: str, *, oai: OriginAccess, oac: OriginAccess) -> OriginAccess:
    """The one the run's distribution will use: the OAI for the guide, the OAC for today."""
    if approach not in APPROACH_KIND:
        raise OriginAccessError(f"approach={approach!r} is not known; use 'modern' or 'guide'")
    return oai if approach == "guide" else oac


def save(run: state.Run, access: OriginAccess) -> OriginAccess | None:
    """Set the run's origin access on ``run`` for notebooks 03-04 (the cell saves it); returns
    the one it replaces, if other.

    A re-run with the other approach replaces it, so the notebook can say that 03 and 04 must
    run again (the bucket's permission and the distribution's origin still name the old one).
    """
    saved = run.get("origin_access")
    run.set(origin_access=access.to_state())
    previous = OriginAccess.from_state(saved) if saved else None
    return previous if previous is not None and previous != access else None
