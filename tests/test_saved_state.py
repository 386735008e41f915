"""State that checks itself: a saved id AWS no longer has is repaired, or named with its fix."""

from __future__ import annotations

from pathlib import Path

import builders
import pytest

from cftutorial.aws import bucket_access, buckets, clients, distributions, signing_keys
from cftutorial.errors import StateError
from cftutorial.tutorial import saved, signing_key, state
from cftutorial.tutorial import step01_bucket as step01
from cftutorial.tutorial import step05_unsigned as step05
from cftutorial.tutorial import step07_signed_urls as step07
from cftutorial.tutorial import step08_try_and_clean_up as step08


def _through_04(run_name: str, approach: str = "modern", bucket_name: str = "") -> str:
    built = builders.run(run_name, "04", approach=approach, bucket_name=bucket_name, skip=("03",))
    return built["04"].distribution.id


def _origin(distribution_id: str) -> dict:
    config = clients.client("cloudfront").get_distribution_config(Id=distribution_id)
    return config["DistributionConfig"]["Origins"]["Items"][0]


def test_a_matching_run_is_checked_and_left_alone(local_aws):
    _through_04("sv-ok")
    checked = step08.check_run(state.open_run("sv-ok"))
    assert checked.repairs == [] and checked.signing is not None
    assert checked.report() == "run 'sv-ok': the saved state matches the local AWS"


def test_a_lost_distribution_is_one_message_naming_notebook_04_and_teardown(local_aws):
    dist_id = _through_04("sv-gone")
    distributions.delete_distribution(dist_id, progress=False)
    with pytest.raises(StateError) as caught:
        step05.check_run(state.open_run("sv-gone"))
    message = str(caught.value)
    assert f"run 'sv-gone' saved distribution {dist_id} but the local AWS has none" in message
    assert (
        "(the local AWS was reset?)" in message
        and "re-run notebook 04 with run_name='sv-gone'" in message
    )
    assert "`cftutorial teardown --run sv-gone --yes` and start from 01" in message
    assert "\n" not in message


def test_a_lost_bucket_names_notebook_01(local_aws):
    _through_04("sv-nobucket", bucket_name="cftutorial-sv-nobucket-2")
    state.update("sv-nobucket", bucket="cftutorial-sv-never-made")
    with pytest.raises(
        StateError, match=r"saved bucket 'cftutorial-sv-never-made' but .* notebook 01"
    ):
        step07.check_run(state.open_run("sv-nobucket"))


def test_notebook_05_before_04_names_notebook_04(local_aws):
    builders.run("sv-early", "02")
    with pytest.raises(StateError, match="no saved distribution yet: run notebook 04"):
        step05.check_run(state.open_run("sv-early"))


def test_a_lost_public_key_is_registered_again_and_put_back_in_its_key_group(local_aws):
    """After a reset the saved ids name nothing: the key file is registered again, a key group
    made holding it, the distribution switched to that group, and the new ids saved."""
    _through_04("sv-key")
    cf = clients.client("cloudfront")
    before = state.get("sv-key", "signing_key")
    dist_id = state.get("sv-key", "distribution")["id"]
    # what a reset leaves: ids that AWS does not know, and no key of the run's name
    distributions.trust_key_group(dist_id, before["key_group_id"], cf=cf)
    state.update("sv-key", signing_key={**before, "key_pair_id": "K0GONE", "key_group_id": "gone"})
    run = state.open_run("sv-key")
    checked = step08.check_run(run)
    assert state.get("sv-key", "signing_key")["key_pair_id"] == "K0GONE"  # set, not yet saved
    run.save()  # the cell's one save
    after = state.get("sv-key", "signing_key")
    assert after["key_pair_id"] == before["key_pair_id"]  # the same key, found by its name
    assert after["key_group_id"] == before["key_group_id"]
    report = checked.report()
    assert f"public key K0GONE was gone: found it by name as {before['key_pair_id']}" in report
    assert f"key group gone was gone: found {before['key_group_id']}" in report


def test_a_key_unknown_to_cloudfront_is_registered_from_the_key_file(local_aws):
    builders.bucket(run_name="sv-newkey")
    run = state.open_run("sv-newkey")
    signing = signing_key.ensure_signing_key(run, "modern", "ecdsa")
    run.save()
    cf = clients.client("cloudfront")
    signing_keys.delete_key_group(signing.key_group_id, cf=cf)
    signing_keys.delete_public_key(signing.key_pair_id, cf=cf)
    repaired, said = signing_key.verify_registered(run, cf=cf)
    run.save()
    assert repaired.key_pair_id != signing.key_pair_id
    items = cf.get_key_group(Id=repaired.key_group_id)["KeyGroup"]["KeyGroupConfig"]["Items"]
    assert items == [repaired.key_pair_id]
    pem = signing_keys.registered_pem(repaired.key_pair_id, cf=cf)
    assert pem.strip() == Path(signing.public_key_path).read_text().strip()
    assert said[0].startswith(f"public key {signing.key_pair_id} was gone: registered the key")
    assert "was gone: made it again as" in said[1]
    assert state.get("sv-newkey", "signing_key")["key_pair_id"] == repaired.key_pair_id


def test_a_lost_oac_is_made_again_and_the_distribution_repointed(local_aws):
    dist_id = _through_04("sv-oac")
    old = state.get("sv-oac", "origin_access")["id"]
    distributions.update_config(
        dist_id, lambda c: c["Origins"]["Items"][0].update(OriginAccessControlId="") or True
    )
    clients.client("cloudfront").delete_origin_access_control(
        Id=old, IfMatch=clients.client("cloudfront").get_origin_access_control(Id=old)["ETag"]
    )
    run = state.open_run("sv-oac")
    checked = step05.check_run(run)
    run.save()
    new = state.get("sv-oac", "origin_access")["id"]
    assert new != old and _origin(dist_id)["OriginAccessControlId"] == new
    assert f"OAC {old} was gone: made it again as {new}" in checked.report()
    assert distributions.is_deployed(dist_id), "the repair is deployed before requests are sent"


def test_a_rerun_of_01_with_another_bucket_is_said_and_the_distribution_follows(local_aws):
    dist_id = _through_04("sv-move")
    changes = builders.bucket(run_name="sv-move", bucket_name="cftutorial-sv-move-b")
    assert changes.uploaded
    said = step01.save(
        state.open_run("sv-move"),
        bucket="cftutorial-sv-move-b",
        region="us-east-1",
        approach="modern",
        objects=changes.uploaded,
    )
    assert said == []  # notebook 01 saved it already: nothing changed the second time
    state.update("sv-move", bucket="cftutorial-sv-move")
    run = state.open_run("sv-move")
    said = step01.save(
        run,
        bucket="cftutorial-sv-move-b",
        region="us-east-1",
        approach="modern",
        objects=changes.uploaded,
    )
    run.save()
    assert said[0] == "bucket 'cftutorial-sv-move' -> 'cftutorial-sv-move-b'"
    assert "run notebooks 03 and 04 again" in said[-1]
    checked = step05.check_run(run)
    assert _origin(dist_id)["DomainName"] == buckets.regional_domain("cftutorial-sv-move-b")
    arn = checked.distribution["arn"]
    policy = bucket_access.bucket_policy("cftutorial-sv-move-b")
    assert policy["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceArn"] == arn
    assert "origin DomainName 'cftutorial-sv-move.s3" in checked.report()


def test_checking_an_unknown_part_is_refused(isolated_home):
    with pytest.raises(StateError, match="choose from"):
        saved.check(state.open_run("default"), "bukket")
