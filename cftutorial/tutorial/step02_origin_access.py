"""Notebook 02: the identity CloudFront uses to read the private bucket (OAI or OAC).

The boto3 calls and the lookups are in :mod:`cftutorial.aws.origin_access`; this module gives them
the run's names and saves the result, so re-running notebook 02 never makes a second one.
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
from . import names, state

APPROACH_KIND = {"guide": "oai", "modern": "oac"}


def oai_config_for(run_name: str) -> dict[str, str]:
    """What ``create_cloud_front_origin_access_identity`` takes for this run."""
    return oai_config(names.oai_caller_reference(run_name), names.oai_comment(run_name))


def oac_config_for(run_name: str) -> dict[str, str]:
    """What ``create_origin_access_control`` takes for this run."""
    return oac_config(names.oac_name(run_name), names.oac_description(run_name))


def find_run_oai(run_name: str, *, cf: Any = None) -> OriginAccess | None:
    return find_oai(names.oai_comment(run_name), cf=cf)


def find_run_oac(run_name: str, *, cf: Any = None) -> OriginAccess | None:
    return find_oac(names.oac_name(run_name), cf=cf)


def create_or_find_oai(run_name: str, *, cf: Any = None) -> OriginAccess:
    """The guide's Origin Access Identity for this run (created once)."""
    cf = cf or clients.client("cloudfront")
    found = find_run_oai(run_name, cf=cf)
    if found:
        return found
    return oai_from_answer(
        cf.create_cloud_front_origin_access_identity(
            CloudFrontOriginAccessIdentityConfig=oai_config_for(run_name)
        )
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


def ensure(run_name: str, approach: str, *, cf: Any = None) -> OriginAccess:
    """OAI for the guide's approach, OAC for the modern one."""
    if approach == "guide":
        return create_or_find_oai(run_name, cf=cf)
    if approach == "modern":
        return create_or_find_oac(run_name, cf=cf)
    raise OriginAccessError(f"approach={approach!r} is not known; use 'modern' or 'guide'")


def from_state(record: dict[str, Any]) -> OriginAccess:
    return OriginAccess.from_state(record)


def step(*, run_name: str, approach: str = "modern") -> OriginAccess:
    """Notebook 02: find or create the OAI (guide) or OAC (modern) and save it for later steps."""
    state.check_run_name(run_name)
    access = ensure(run_name, approach)
    state.update(run_name, origin_access=access.to_state())
    return access
