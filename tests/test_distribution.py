"""Step 4: the distribution that requires signatures; ETag updates; waiting; deletion."""

from __future__ import annotations

import os
import re

import builders
import pytest
from botocore.exceptions import ClientError

from cftutorial.aws import bucket_access, clients, distributions
from cftutorial.aws.origin_access import OriginAccess
from cftutorial.run import names as run_names
from cftutorial.tutorial import signing_key, state
from cftutorial.tutorial import step04_distribution as step04


def _prepare(run_name: str, approach: str) -> None:
    builders.run(run_name, "03", approach=approach, show_acl_failure=False)


def test_the_config_uses_the_regional_origin_and_caching_optimized():
    access = OriginAccess("oac", "OACID", "n")
    config = step04.config_for(
        state.Run("d"), bucket="b", region="eu-west-1", access=access, key_group_id="KG"
    )
    origin = config["Origins"]["Items"][0]
    assert origin["DomainName"] == "b.s3.eu-west-1.amazonaws.com"
    assert origin["OriginAccessControlId"] == "OACID"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"
    assert behaviour["TrustedKeyGroups"] == {"Enabled": True, "Quantity": 1, "Items": ["KG"]}
    assert behaviour["TrustedSigners"]["Enabled"] is False


def test_without_a_key_group_the_config_trusts_self_like_the_guide():
    access = OriginAccess("oai", "OAIID", "n", "c" * 64)
    config = step04.config_for(state.Run("d"), bucket="b", region="us-east-1", access=access)
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["TrustedSigners"] == {"Enabled": True, "Quantity": 1, "Items": ["self"]}
    assert behaviour["TrustedKeyGroups"]["Enabled"] is False
    origin = config["Origins"]["Items"][0]
    assert (
        origin["S3OriginConfig"]["OriginAccessIdentity"]
        == "origin-access-identity/cloudfront/OAIID"
    )


def test_the_modern_path_trusts_the_key_group_and_writes_the_oac_policy(local_aws):
    _prepare("ds-modern", "modern")
    result = builders.distribution(run_name="ds-modern", approach="modern")
    dist = result.distribution
    assert result.created and dist.status == "Deployed"
    assert result.signers["TrustedKeyGroups"]["Items"] == [result.key_group_id]
    assert result.key_pair_id != result.key_group_id
    policy = bucket_access.bucket_policy("cftutorial-ds-modern")
    condition = policy["Statement"][0]["Condition"]["StringEquals"]
    assert condition["AWS:SourceArn"] == dist.arn
    assert state.get("ds-modern", "distribution")["id"] == dist.id


def test_running_notebook_04_again_finds_the_same_distribution(local_aws):
    _prepare("ds-again", "guide")
    first = builders.distribution(run_name="ds-again", approach="guide")
    second = builders.distribution(run_name="ds-again", approach="guide")
    assert first.distribution.id == second.distribution.id
    assert first.created and not second.created
    listing = clients.client("cloudfront").list_distributions()["DistributionList"]["Items"]
    comment = run_names.distribution_comment("ds-again")
    assert sum(item["Comment"] == comment for item in listing) == 1
    assert second.signers["TrustedSigners"]["Items"] == ["self"]


def test_an_update_with_a_stale_etag_is_refused(local_aws):
    _prepare("ds-etag", "guide")
    dist = builders.distribution(run_name="ds-etag", approach="guide").distribution
    cf = clients.client("cloudfront")
    current = cf.get_distribution_config(Id=dist.id)
    distributions.set_enabled(dist.id, False)
    with pytest.raises(ClientError) as caught:
        cf.update_distribution(
            Id=dist.id, DistributionConfig=current["DistributionConfig"], IfMatch=current["ETag"]
        )
    assert caught.value.response["Error"]["Code"] == "PreconditionFailed"


def test_switching_to_a_key_group_uses_if_match_and_is_idempotent(local_aws):

    _prepare("ds-switch", "modern")  # then 04 on the guide's path: TrustedSigners self
    dist = builders.distribution(run_name="ds-switch", approach="guide").distribution
    assert distributions.signers_of(dist.id)["TrustedKeyGroups"]["Enabled"] is False
    signing = signing_key.ensure_signing_key(state.open_run("ds-switch"), "modern", "rsa")
    assert distributions.trust_key_group(dist.id, signing.key_group_id) is not None
    assert distributions.trust_key_group(dist.id, signing.key_group_id) is None
    signers = distributions.signers_of(dist.id)
    assert signers["TrustedKeyGroups"]["Items"] == [signing.key_group_id]
    assert signers["TrustedSigners"]["Enabled"] is False


def test_wait_deployed_waits_through_in_progress(local_aws):
    _prepare("ds-wait", "guide")
    dist = builders.distribution(run_name="ds-wait", approach="guide").distribution
    cf = clients.client("cloudfront")  # made first: making a client can take a second
    distributions.set_enabled(dist.id, False, cf=cf)
    assert not distributions.is_deployed(dist.id, cf=cf)
    waited = distributions.wait_deployed(dist.id, progress=False, cf=cf)
    assert waited > 0
    assert distributions.is_deployed(dist.id)


def test_wait_deployed_times_out_with_a_message_saying_what_to_do(local_aws):
    _prepare("ds-timeout", "guide")
    dist = builders.distribution(run_name="ds-timeout", approach="guide").distribution
    cf = clients.client("cloudfront")  # made first: making a client can take a second
    distributions.set_enabled(dist.id, False, cf=cf)
    with pytest.raises(distributions.DeploymentTimeout, match="run this cell again"):
        distributions.wait_deployed(dist.id, timeout=0.0, progress=False, cf=cf)


def test_delete_disables_waits_and_deletes(local_aws):
    _prepare("ds-delete", "guide")
    dist = builders.distribution(run_name="ds-delete", approach="guide").distribution
    assert distributions.delete_distribution(dist.id, progress=False) is True
    assert step04.find_run_distribution("ds-delete") is None
    assert distributions.delete_distribution(dist.id, progress=False) is False


def test_the_rtmp_history_says_when_and_what_replaces_it():
    assert "31 December 2020" in step04.RTMP_HISTORY
    assert "HLS" in step04.RTMP_HISTORY


def test_the_key_group_made_on_demand_says_whether_it_wrote_the_state(local_aws):
    assert state.get("ds-kg", "signing_key") is None
    run = state.open_run("ds-kg")
    signing, saved_now = step04.key_group_for(run, "ecdsa")
    run.save()
    again, saved_again = step04.key_group_for(run, "ecdsa")
    assert saved_now and not saved_again and not run.changed
    assert again == signing and signing.key_pair_id != signing.key_group_id
    assert state.get("ds-kg", "signing_key")["key_group_id"] == signing.key_group_id
    group = clients.client("cloudfront").get_key_group(Id=signing.key_group_id)
    assert group["KeyGroup"]["KeyGroupConfig"]["Items"] == [signing.key_pair_id]


def test_saved_run_names_the_notebook_to_run_first(local_aws):
    with pytest.raises(
        state.StateError,
        match=r"no saved bucket, origin access yet.*notebooks 01 and 02, in order, first",
    ):
        step04.saved_origin(state.open_run("ds-nothing"))
    builders.bucket(run_name="ds-saved", region="eu-west-1")
    with pytest.raises(state.StateError, match="run notebook 02-origin-access first"):
        step04.saved_origin(state.open_run("ds-saved"))
    builders.origin_access(run_name="ds-saved")
    run = step04.saved_origin(state.open_run("ds-saved"))
    assert (run.bucket, run.region, run.access.kind) == ("cftutorial-ds-saved", "eu-west-1", "oac")


def test_the_notebook_create_call_is_tagged_and_saved(local_aws):
    """What notebook 04's create cell does: the boto3 call with the run tag, then save."""
    _prepare("ds-cell", "guide")
    saved_run = state.open_run("ds-cell")
    run = step04.saved_origin(saved_run)
    config = step04.config_for(saved_run, bucket=run.bucket, region=run.region, access=run.access)
    saved_run.save()
    cf = clients.client("cloudfront")
    assert step04.find_run_distribution("ds-cell", cf=cf) is None
    answer = cf.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": config,
            "Tags": {"Items": [{"Key": step04.RUN_TAG, "Value": "ds-cell"}]},
        }
    )
    dist = step04.from_answer(answer)
    saved_run.set(distribution=dist.to_state())
    saved_run.save()
    assert dist.created and step04.find_run_distribution("ds-cell", cf=cf).id == dist.id
    assert state.get("ds-cell", "distribution") == dist.to_state()
    tags = cf.list_tags_for_resource(Resource=dist.arn)["Tags"]["Items"]
    assert {"Key": "cftutorial:run", "Value": "ds-cell"} in tags


def test_a_found_distribution_follows_a_rerun_with_the_other_approach(local_aws):
    _prepare("ds-follow", "guide")
    first = builders.distribution(run_name="ds-follow", approach="guide")
    assert first.changes == []
    builders.origin_access(run_name="ds-follow", approach="modern")
    second = builders.distribution(run_name="ds-follow", approach="modern")
    assert second.distribution.id == first.distribution.id and not second.created
    joined = "; ".join(second.changes)
    for what in ("OriginAccessControlId", "OriginAccessIdentity", "TrustedSigners -> off"):
        assert what in joined, joined
    assert f"TrustedKeyGroups -> ['{second.key_group_id}']" in joined
    config = clients.client("cloudfront").get_distribution_config(Id=first.distribution.id)
    origin = config["DistributionConfig"]["Origins"]["Items"][0]
    access = OriginAccess.from_state(state.get("ds-follow", "origin_access"))
    assert origin["OriginAccessControlId"] == access.id
    assert origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    assert second.signers["TrustedKeyGroups"]["Items"] == [second.key_group_id]
    third = builders.distribution(run_name="ds-follow", approach="modern")
    assert third.changes == []


def test_a_found_distribution_follows_the_run_to_another_bucket(local_aws):
    _prepare("ds-move", "guide")
    first = builders.distribution(run_name="ds-move", approach="guide")
    builders.bucket(run_name="ds-move", approach="guide", bucket_name="cftutorial-ds-moved")
    second = builders.distribution(run_name="ds-move", approach="guide")
    assert second.distribution.id == first.distribution.id
    assert second.changes == [
        "origin DomainName 'cftutorial-ds-move.s3.us-east-1.amazonaws.com' -> "
        "'cftutorial-ds-moved.s3.us-east-1.amazonaws.com'"
    ]


def test_the_wait_shows_elapsed_seconds_against_the_expected_ones(local_aws, capsys):
    _prepare("ds-bar", "guide")
    dist = builders.distribution(run_name="ds-bar", approach="guide").distribution
    cf = clients.client("cloudfront")
    capsys.readouterr()
    distributions.set_enabled(dist.id, False, cf=cf)
    distributions.wait_deployed(dist.id, progress=True, cf=cf)
    shown = capsys.readouterr().err
    expected = float(os.environ["CFTUTORIAL_DEPLOY_SECONDS"])  # the session's (conftest.py)
    assert distributions.expected_deploy_seconds() == expected
    about = re.escape(f"of about {expected:g} s expected")
    assert re.search(rf"{dist.id} InProgress: \d\.\d s {about}", shown), shown
    assert f"{dist.id} Deployed:" in shown
    assert "polls" not in shown and "/?" not in shown


def test_the_wait_shows_nothing_when_nothing_redeploys(local_aws, capsys):
    _prepare("ds-nobar", "guide")
    dist = builders.distribution(run_name="ds-nobar", approach="guide").distribution
    capsys.readouterr()
    assert distributions.wait_deployed(dist.id, progress=True) < 5
    assert capsys.readouterr().err == ""
