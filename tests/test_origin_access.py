"""Step 2: OAI (the guide) and OAC (today), found or created once."""

from __future__ import annotations

import builders
import pytest

from cftutorial.aws import clients
from cftutorial.aws import origin_access as aws_origin_access
from cftutorial.aws.origin_access import OriginAccess
from cftutorial.errors import OriginAccessError
from cftutorial.tutorial import state
from cftutorial.tutorial import step02_origin_access as step02


def test_an_oai_is_created_once_and_has_a_canonical_user_id(local_aws):
    run = state.open_run("oa-oai")
    first = step02.create_or_find_oai(run)
    second = step02.create_or_find_oai(run)
    assert first.created and not second.created
    assert first.id == second.id
    assert len(first.s3_canonical_user_id or "") >= 64
    assert first.origin_access_identity == f"origin-access-identity/cloudfront/{first.id}"
    assert first.origin_access_control_id == ""


def test_an_oac_is_created_once_and_signs_with_sigv4(local_aws):
    first = step02.create_or_find_oac("oa-oac")
    second = step02.create_or_find_oac("oa-oac")
    assert first.created and not second.created and first.id == second.id
    config = clients.client("cloudfront").get_origin_access_control(Id=first.id)
    config = config["OriginAccessControl"]["OriginAccessControlConfig"]
    assert (config["SigningProtocol"], config["SigningBehavior"]) == ("sigv4", "always")
    assert first.origin_access_identity == ""
    assert first.origin_access_control_id == first.id


def test_notebook_02_saves_the_origin_access_of_the_approach(local_aws):
    guide = builders.origin_access(run_name="oa-step-g", approach="guide").access
    modern = builders.origin_access(run_name="oa-step-m", approach="modern").access
    assert (guide.kind, modern.kind) == ("oai", "oac")
    assert (
        state.get("oa-step-g", "origin_access")["s3_canonical_user_id"]
        == guide.s3_canonical_user_id
    )
    assert step02.from_state(state.get("oa-step-m", "origin_access")) == modern


def test_an_unknown_approach_is_refused():
    with pytest.raises(OriginAccessError, match="'modern' or 'guide'"):
        step02.ensure(state.open_run("oa-x"), "future")


def test_deleting_twice_reports_the_second_as_absent(local_aws):
    oac = step02.create_or_find_oac("oa-delete")
    oai = step02.create_or_find_oai(state.open_run("oa-delete"))
    assert aws_origin_access.delete_oac(oac.id) is True
    assert aws_origin_access.delete_oac(oac.id) is False
    assert aws_origin_access.delete_oai(oai.id) is True
    assert aws_origin_access.delete_oai(oai.id) is False
    assert step02.find_run_oai("oa-delete") is None


def test_the_lookups_are_none_until_the_notebook_creates(local_aws):
    cf = clients.client("cloudfront")
    assert step02.find_run_oac("oa-look", cf=cf) is None
    assert step02.find_run_oai("oa-look", cf=cf) is None
    oac = aws_origin_access.oac_from_answer(
        cf.create_origin_access_control(OriginAccessControlConfig=step02.oac_config_for("oa-look"))
    )
    oai = aws_origin_access.oai_from_answer(
        cf.create_cloud_front_origin_access_identity(
            CloudFrontOriginAccessIdentityConfig=step02.oai_config_for(state.open_run("oa-look"))
        )
    )
    assert oac.created and oai.created
    assert step02.find_run_oac("oa-look", cf=cf) == oac
    assert step02.find_run_oai("oa-look", cf=cf) == oai


def test_the_approach_chooses_which_one_is_used():
    oai = OriginAccess("oai", "OAI1", "c", "c" * 96)
    oac = OriginAccess("oac", "OAC1", "n")
    assert step02.for_approach("guide", oai=oai, oac=oac) is oai
    assert step02.for_approach("modern", oai=oai, oac=oac) is oac
    with pytest.raises(OriginAccessError, match="'modern' or 'guide'"):
        step02.for_approach("future", oai=oai, oac=oac)


def test_saving_the_other_kind_reports_the_one_it_replaces(isolated_home):
    oai = OriginAccess("oai", "OAI1", "c", "c" * 96)
    oac = OriginAccess("oac", "OAC1", "n")
    run = state.open_run("oa-save")
    assert step02.save(run, oai) is None
    assert step02.save(run, oai) is None
    assert step02.save(run, oac) == oai
    assert state.get("oa-save", "origin_access") is None  # set on the run, not yet saved
    run.save()
    assert step02.from_state(state.get("oa-save", "origin_access")) == oac
