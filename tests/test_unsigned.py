"""Step 5 (notebook 05): the run's targets, the run's signer, and step 3 undone for a moment."""

from __future__ import annotations

import builders
import pytest

from cftutorial.aws import bucket_access, buckets
from cftutorial.errors import PermissionsError, StateError
from cftutorial.tutorial import signing_key, state, viewer
from cftutorial.tutorial import step05_unsigned as step05


def test_targets_come_from_the_saved_state(local_aws):
    state.update(
        "un-targets",
        bucket="cftutorial-un-targets",
        distribution={"id": "E1EXAMPLE", "arn": "arn:x", "domain_name": "d1.cloudfront.net"},
    )
    target = step05.targets(state.open_run("un-targets"), "week 1/video.mp4")
    assert (target.bucket, target.distribution_id) == ("cftutorial-un-targets", "E1EXAMPLE")
    assert target.viewer_url == "https://d1.cloudfront.net/week 1/video.mp4"
    assert target.s3_url == viewer.s3_object_url("cftutorial-un-targets", "week 1/video.mp4")
    assert target.s3_url.endswith("/cftutorial-un-targets/week%201/video.mp4")


def test_targets_before_notebook_04_name_the_missing_step(local_aws):
    state.update("un-early", bucket="cftutorial-un-early")
    with pytest.raises(StateError, match="distribution"):
        step05.targets(state.open_run("un-early"), "video.mp4")


def test_the_run_signer_keeps_the_saved_key_and_makes_one_only_when_there_is_none(local_aws):
    run = state.open_run("un-signer")
    made = step05.run_signer(run, "modern", "ecdsa")
    assert made.kind == "ecdsa"
    kept = step05.run_signer(run, "modern", "rsa")  # a saved key is not replaced
    assert (kept.kind, kept.key_pair_id) == ("ecdsa", made.key_pair_id)
    run.save()
    assert state.get("un-signer", "signing_key")["kind"] == "ecdsa"
    assert signing_key.signer_for(run).key_pair_id == made.key_pair_id


def test_step3_skipped_removes_and_restores_the_policy(local_aws):
    builders.bucket(run_name="un-skip", approach="modern")
    policy = bucket_access.oac_policy("cftutorial-un-skip", bucket_access.distribution_arn("E1"))
    bucket_access.put_bucket_policy("cftutorial-un-skip", policy)
    with step05.step3_skipped("cftutorial-un-skip", "modern") as key:
        assert key == step05.ALLOWED_KEY == "hello.html"
        assert bucket_access.bucket_policy("cftutorial-un-skip") is None
    assert bucket_access.bucket_policy("cftutorial-un-skip") == policy


def test_step3_skipped_puts_the_policy_back_when_the_block_fails(local_aws):
    builders.bucket(run_name="un-fail", approach="modern")
    policy = bucket_access.oac_policy("cftutorial-un-fail", bucket_access.distribution_arn("E2"))
    bucket_access.put_bucket_policy("cftutorial-un-fail", policy)
    with (
        pytest.raises(RuntimeError, match="in the block"),
        step05.step3_skipped("cftutorial-un-fail", "modern"),
    ):
        raise RuntimeError("in the block")
    assert bucket_access.bucket_policy("cftutorial-un-fail") == policy


def test_step3_skipped_without_a_policy_says_to_run_notebook_04(local_aws):
    builders.bucket(run_name="un-nopolicy", approach="modern")
    with (
        pytest.raises(PermissionsError, match="run notebook 04 first"),
        step05.step3_skipped("cftutorial-un-nopolicy", "modern"),
    ):
        pass


def test_step3_skipped_in_the_guide_path_uploads_an_ungranted_object_and_removes_it(local_aws):
    builders.bucket(run_name="un-skip-g", approach="guide")
    with step05.step3_skipped("cftutorial-un-skip-g", "guide") as key:
        assert key == step05.SKIPPED_STEP3_KEY
        assert key in {row["Key"] for row in buckets.list_objects("cftutorial-un-skip-g")}
    assert key not in {row["Key"] for row in buckets.list_objects("cftutorial-un-skip-g")}
