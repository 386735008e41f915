"""The run's put-back protocol (:mod:`cftutorial.run.putback`): a notebook records a change in
the saved state before making it; ``put_back`` undoes it (newest first, idempotent, resumable);
notebook 08 and ``cftutorial teardown`` list what is still to put back."""

from __future__ import annotations

import json

import builders
import command_line
import pytest

from cftutorial.aws import bucket_access, clients, distributions
from cftutorial.run import names, putback
from cftutorial.signing import keys
from cftutorial.tutorial import saved, state
from cftutorial.tutorial import step08_try_and_clean_up as step08

OTHER = bucket_access.oac_policy("other-bucket", bucket_access.distribution_arn("EOTHER"))


def _run(run_name: str) -> tuple[str, str]:
    """A run after notebook 04: its bucket and distribution id."""
    built = builders.run(run_name, "04")
    return built["01"].bucket.name, built["04"].distribution.id


def _wrong_policy(bucket: str) -> dict:
    wrong = bucket_access.oac_policy(bucket, bucket_access.distribution_arn("EDFDVBD6EXAMPLE"))
    clients.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(wrong))
    return wrong


def _logging_on(distribution_id: str, run_name: str) -> None:
    def on(config: dict) -> bool:
        config["Logging"] = {
            "Enabled": True,
            "IncludeCookies": False,
            "Bucket": f"{names.log_bucket(run_name)}.s3.amazonaws.com",
            "Prefix": names.log_prefix(),
        }
        return True

    clients.client("s3").create_bucket(
        Bucket=names.log_bucket(run_name), ObjectOwnership="BucketOwnerPreferred"
    )
    assert distributions.update_config(distribution_id, on)


def _logging(distribution_id: str) -> dict:
    answer = clients.client("cloudfront").get_distribution_config(Id=distribution_id)
    return answer["DistributionConfig"]["Logging"]


def test_recorded_changes_are_put_back_newest_first_and_the_records_go(local_aws):
    bucket, dist_id = _run("pb-undo")
    prior_policy = bucket_access.bucket_policy(bucket)
    prior_logging = _logging(dist_id)
    assert prior_policy and prior_logging["Enabled"] is False, "notebook 04 left these"
    run = state.open_run("pb-undo")
    assert saved.record_change(
        run, "09", "distribution config", dist_id, {"Logging": prior_logging},
        what="standard logging",
    )  # fmt: skip
    _logging_on(dist_id, "pb-undo")
    assert saved.record_change(run, "09", "bucket policy", bucket, prior_policy)
    _wrong_policy(bucket)
    assert [c.what for c in saved.pending_put_backs(run, "09")] == [
        "standard logging",
        "bucket policy",
    ]
    rows = saved.put_back(run, "09")
    assert rows == [
        {"what": "bucket policy", "id": bucket, "state": "put back"},
        {"what": "standard logging", "id": dist_id, "state": "put back"},
    ]
    assert bucket_access.bucket_policy(bucket) == prior_policy
    assert _logging(dist_id) == prior_logging
    assert saved.pending_put_backs(run) == []
    assert "put_back" not in state.load("pb-undo"), "the records are gone once put back"


def test_putting_back_twice_is_harmless(local_aws):
    bucket, _ = _run("pb-twice")
    prior = bucket_access.bucket_policy(bucket)
    run = state.open_run("pb-twice")
    saved.record_change(run, "09", "bucket policy", bucket, prior)
    _wrong_policy(bucket)
    assert [row["state"] for row in saved.put_back(run, "09")] == ["put back"]
    assert saved.put_back(run, "09") == []
    assert bucket_access.bucket_policy(bucket) == prior


def test_a_crash_between_record_and_change_puts_back_as_it_was(local_aws):
    bucket, _ = _run("pb-crash")
    prior = bucket_access.bucket_policy(bucket)
    name = names.retired_public_key("pb-crash")
    run = state.open_run("pb-crash")
    saved.record_change(run, "09", "bucket policy", bucket, prior)
    saved.record_change(run, "09", "public key", name, putback.DELETE)
    # the kernel died here: nothing was changed, the records stay in the saved state
    run = state.open_run("pb-crash")  # a new kernel opens the run again
    rows = {row["what"]: row["state"] for row in saved.put_back(run, "09")}
    assert rows == {"public key": "absent", "bucket policy": "as it was"}
    assert bucket_access.bucket_policy(bucket) == prior
    assert saved.pending_put_backs(run) == []


def test_a_put_back_that_fails_half_way_resumes_where_it_stopped(local_aws, monkeypatch):
    bucket, dist_id = _run("pb-resume")
    run = state.open_run("pb-resume")
    saved.record_change(
        run,
        "09",
        "distribution config",
        dist_id,
        {"Logging": _logging(dist_id)},
    )
    _logging_on(dist_id, "pb-resume")
    saved.record_change(
        run,
        "09",
        "bucket policy",
        bucket,
        bucket_access.bucket_policy(bucket),
    )
    _wrong_policy(bucket)

    def interrupted(change: putback.Change, progress: bool) -> str:
        raise KeyboardInterrupt

    undo = dict(putback.UNDO, **{"distribution config": interrupted})
    monkeypatch.setattr(putback, "UNDO", undo)
    with pytest.raises(KeyboardInterrupt):
        saved.put_back(run, "09")
    run = state.open_run("pb-resume")  # what the file holds: the undo done was saved
    assert [c.kind for c in saved.pending_put_backs(run)] == ["distribution config"]
    monkeypatch.undo()
    assert [row["state"] for row in saved.put_back(run, "09")] == ["put back"]
    assert _logging(dist_id)["Enabled"] is False


def test_a_change_recorded_again_keeps_the_first_prior_value(local_aws):
    bucket, _ = _run("pb-first")
    prior = bucket_access.bucket_policy(bucket)
    run = state.open_run("pb-first")
    assert saved.record_change(run, "09", "bucket policy", bucket, prior) is True
    wrong = _wrong_policy(bucket)
    # the cell run again: what it would record now is its own change
    assert saved.record_change(run, "09", "bucket policy", bucket, wrong) is False
    saved.put_back(run, "09")
    assert bucket_access.bucket_policy(bucket) == prior


def test_a_retired_key_recorded_for_deletion_leaves_its_group_and_goes(local_aws):
    _run("pb-key")
    group_id = state.require("pb-key", "signing_key")["key_group_id"]
    name = names.retired_public_key("pb-key")
    run = state.open_run("pb-key")
    saved.record_change(
        run,
        "09",
        "public key",
        name,
        putback.DELETE,
        where={"key_group_id": group_id},
    )
    cf = clients.client("cloudfront")
    pem = keys.public_key_pem(keys.generate_private_key("rsa"))
    config = {"CallerReference": "pb-key-retired", "Name": name, "EncodedKey": pem}
    key_id = cf.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]
    group = cf.get_key_group(Id=group_id)
    items = group["KeyGroup"]["KeyGroupConfig"]["Items"]
    group["KeyGroup"]["KeyGroupConfig"]["Items"] = [*items, key_id]
    cf.update_key_group(
        Id=group_id, KeyGroupConfig=group["KeyGroup"]["KeyGroupConfig"], IfMatch=group["ETag"]
    )
    assert saved.put_back(run, "09") == [
        {"what": "public key", "id": name, "state": f"deleted {key_id}"}
    ]
    assert cf.get_key_group(Id=group_id)["KeyGroup"]["KeyGroupConfig"]["Items"] == items


def test_an_unknown_kind_is_refused_before_anything_is_recorded(local_aws):
    run = state.open_run("pb-kind")
    with pytest.raises(ValueError, match="no undo for kind 'bucket colour'"):
        saved.record_change(run, "09", "bucket colour", "b", "blue")
    assert saved.pending_put_backs(run) == []


def test_notebook_08_and_teardown_list_what_a_notebook_left_to_put_back(local_aws):
    bucket, _ = _run("pb-list")
    run = state.open_run("pb-list")
    saved.record_change(
        run, "09", "bucket policy", bucket, bucket_access.bucket_policy(bucket),
        what="bucket policy",
    )  # fmt: skip
    _wrong_policy(bucket)
    assert step08.left_to_put_back(run) == [
        {"notebook": "09", "what": "bucket policy", "id": bucket, "put back by": "its value before"}
    ]
    shown = command_line.cftutorial("teardown", "--run", "pb-list", "--dry-run")
    assert shown.returncode == 0, shown.stderr
    assert "1 change(s) a notebook made and did not put back" in shown.stdout
    assert f"notebook 09  bucket policy            {bucket}" in shown.stdout
    assert "dry run: nothing was deleted" in shown.stdout
    saved.put_back(run, "09")
    assert step08.left_to_put_back(run) == []


def test_notebook_12s_kms_key_recorded_before_it_is_made_is_scheduled_for_deletion(local_aws):
    from cftutorial.aws import kms as kms_keys
    from cftutorial.tutorial import step12_kms as step12

    run = state.open_run("pb-kms")
    assert step12.record_kms_key(run) is True
    assert step12.record_kms_key(run) is False, "a re-run keeps the first record"
    key_id = kms_keys.create_signing_key("rsa", run_name="pb-kms")
    kms_keys.set_alias(step12.alias("pb-kms"), key_id)
    assert [row["what"] for row in step08.left_to_put_back(run)] == ["KMS key"]
    (row,) = saved.put_back(run, step12.NOTEBOOK)
    assert row["state"].startswith("scheduled for deletion on "), row
    kms = clients.client("kms")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert step12.find_kms_key("pb-kms", kms=kms) is None
    assert saved.put_back(run, step12.NOTEBOOK) == []
