"""Notebook 09's clinic module: what a crash half-way leaves is put back (the run's put-back
records, idempotent) or deleted by notebook 08's cleanup (the retired key, the log bucket)."""

from __future__ import annotations

import json
import time

from test_cleanup import _full_run

from cftutorial.aws import bucket_access, clients
from cftutorial.run import names
from cftutorial.signing import keys
from cftutorial.tutorial import cleanup, saved, state
from cftutorial.tutorial import step09_clinic as step09


def _crash_mid_clinic(run_name: str) -> step09.Clinic:
    """The run as an interrupted notebook 09 would leave it: its changes recorded (its start),
    then logging on, a second key in the key group, the bucket policy naming another
    distribution."""
    _full_run(run_name, "modern")
    run = state.open_run(run_name)
    step09.check_run(run)
    clinic = step09.open_clinic(run)
    assert step09.begin(clinic) == [], "a new run has nothing to put back"
    cf, s3 = clients.client("cloudfront"), clients.client("s3")
    log_bucket = names.log_bucket(run_name)
    s3.create_bucket(Bucket=log_bucket, ObjectOwnership="BucketOwnerPreferred")
    current = cf.get_distribution_config(Id=clinic.distribution_id)
    config = current["DistributionConfig"]
    config["Logging"] = {
        "Enabled": True,
        "IncludeCookies": False,
        "Bucket": f"{log_bucket}.s3.amazonaws.com",
        "Prefix": names.log_prefix(),
    }
    cf.update_distribution(
        Id=clinic.distribution_id, DistributionConfig=config, IfMatch=current["ETag"]
    )
    config = step09.retired_key_config(run_name, keys.generate_private_key("rsa"))
    key_id = cf.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]
    group = cf.get_key_group(Id=clinic.key_group_id)
    items = [*group["KeyGroup"]["KeyGroupConfig"]["Items"], key_id]
    group["KeyGroup"]["KeyGroupConfig"]["Items"] = items
    cf.update_key_group(
        Id=clinic.key_group_id,
        KeyGroupConfig=group["KeyGroup"]["KeyGroupConfig"],
        IfMatch=group["ETag"],
    )
    wrong = bucket_access.oac_policy(
        clinic.bucket, bucket_access.distribution_arn("EDFDVBD6EXAMPLE")
    )
    s3.put_bucket_policy(Bucket=clinic.bucket, Policy=json.dumps(wrong))
    return clinic


def test_the_put_back_undoes_what_an_interrupted_clinic_changed_and_is_idempotent(local_aws):
    clinic = _crash_mid_clinic("cl-clinic")
    video = clinic.url("video.mp4")
    assert (
        step09.send(
            clinic.signer.sign_url(video, date_less_than=int(time.time()) + 300)
        ).status_code
        == 403
    )
    first = step09.begin(clinic)  # the notebook run again: its start puts back, then records
    assert [row["what"] for row in first] == [
        "retired public key",
        "bucket policy",
        "standard logging",
    ]
    assert first[0]["state"].startswith("deleted ")
    assert [row["state"] for row in first[1:]] == ["put back", "put back"]
    assert not step09.logging_on(clinic)
    run = state.open_run("cl-clinic")
    assert len(saved.pending_put_backs(run, step09.NOTEBOOK)) == 3, "recorded again"
    assert [row["state"] for row in saved.put_back(run, step09.NOTEBOOK)] == [
        "absent",
        "as it was",
        "as it was",
    ]
    assert saved.put_back(run, step09.NOTEBOOK) == []
    group = clients.client("cloudfront").get_key_group(Id=clinic.key_group_id)
    assert group["KeyGroup"]["KeyGroupConfig"]["Items"] == [clinic.signer.key_pair_id]
    signed = clinic.signer.sign_url(video, date_less_than=int(time.time()) + 300)
    assert step09.send(signed).status_code == 200
    assert step09.delete_log_bucket("cl-clinic") is True
    assert step09.delete_log_bucket("cl-clinic") is False


def test_cleanup_deletes_the_retired_key_and_the_log_bucket_of_an_interrupted_clinic(local_aws):
    clinic = _crash_mid_clinic("cl-clinic-crash")
    run = state.open_run("cl-clinic-crash")
    planned = {(item.what, item.id) for item in cleanup.plan(run)}
    retired = step09.find_retired_key("cl-clinic-crash")
    assert ("public key", retired) in planned
    assert (cleanup.BUCKET, names.log_bucket("cl-clinic-crash")) in planned
    assert [row["what"] for row in cleanup.put_backs(run)] == [
        "standard logging",
        "bucket policy",
        "retired public key",
    ]
    cleanup.cleanup(run, progress=False)
    assert cleanup.plan(run) == []
    assert cleanup.put_backs(run) == [], "forgotten with the saved state"
    assert step09.find_retired_key("cl-clinic-crash") is None
    buckets = [b["Name"] for b in clients.client("s3").list_buckets()["Buckets"]]
    assert names.log_bucket("cl-clinic-crash") not in buckets and clinic.bucket not in buckets
