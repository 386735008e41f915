"""Cleanup: everything a run made is removed in dependency order; running it twice is harmless."""

from __future__ import annotations

from pathlib import Path

import builders

from cftutorial.aws import clients
from cftutorial.tutorial import cleanup, state
from cftutorial.tutorial import step02_origin_access as step02
from cftutorial.tutorial import step04_distribution as step04
from cftutorial.tutorial import step08_try_and_clean_up as step08


def _full_run(run_name: str, approach: str) -> builders.Distribution:
    return builders.run(run_name, "04", approach=approach)["04"]


def test_cleanup_removes_every_resource_of_a_modern_run(local_aws):
    result = _full_run("cl-modern", "modern")
    key_path = Path(state.get("cl-modern", "signing_key")["private_key_path"])
    steps = cleanup.cleanup(state.open_run("cl-modern"), progress=False)
    outcomes = {(s.what, s.outcome) for s in steps}
    for what in (
        "distribution",
        "key group",
        "public key",
        "OAC",
        "bucket (policy, objects, bucket)",
    ):
        assert (what, "deleted") in outcomes, what
    order = [s.what for s in steps]
    assert order.index("distribution") < order.index("key group") < order.index("public key")
    assert order.index("public key") < order.index("OAC")
    cf, s3 = clients.client("cloudfront"), clients.client("s3")
    assert step04.find_run_distribution("cl-modern") is None
    assert result.key_group_id not in str(cf.list_key_groups())
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "cftutorial-cl-modern" not in buckets and "cftutorial-cl-modern-acl-demo" not in buckets
    assert not key_path.exists()
    assert state.load("cl-modern") == {}


def test_cleanup_of_a_guide_run_removes_the_oai(local_aws):
    _full_run("cl-guide", "guide")
    oai = step02.find_run_oai("cl-guide")
    assert oai is not None
    steps = cleanup.cleanup(state.open_run("cl-guide"), progress=False)
    assert cleanup.CleanupStep("OAI", oai.id, "deleted") in steps
    assert step02.find_run_oai("cl-guide") is None


def test_cleanup_twice_finds_nothing_left_the_second_time(local_aws):
    _full_run("cl-twice", "guide")
    run = state.open_run("cl-twice")
    first = cleanup.cleanup(run, progress=False)
    assert first, "the first cleanup found nothing to delete"
    assert {s.outcome for s in first} == {"deleted"}
    assert cleanup.plan(run) == []
    assert cleanup.cleanup(run, progress=False) == []


def test_cleanup_can_keep_the_local_key_files(local_aws):
    _full_run("cl-keep", "modern")
    key_path = Path(state.get("cl-keep", "signing_key")["private_key_path"])
    steps = cleanup.cleanup(state.open_run("cl-keep"), keep_keys=True, progress=False)
    assert key_path.exists()
    assert any(s.what == "local key file" and s.outcome == "kept" for s in steps)
    key_path.unlink()


def test_notebook_08_lists_what_stays_and_deletes_only_when_asked(local_aws):
    result = _full_run("cl-eight", "modern")
    run = state.open_run("cl-eight")
    stays = step08.what_stays(run)
    assert {"what": "distribution", "id": result.distribution.id} in stays
    assert [row["what"] for row in stays][:3] == ["distribution", "key group", "public key"]
    assert step08.what_stays(run) == stays, "listing what stays changed something"
    assert "cftutorial teardown --run cl-eight --yes" in step08.how_to_clean_up("cl-eight")
    assert step08.targets(run).distribution_id == result.distribution.id
    rows = step08.clean_up(run, progress=False)
    assert {"what": "distribution", "id": result.distribution.id, "outcome": "deleted"} in rows
    assert step08.what_stays(run) == []
    assert state.load("cl-eight") == {}
    assert step08.clean_up(run, progress=False) == []  # twice is harmless


def test_the_playlist_segments_are_its_non_comment_lines():
    playlist = (
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nvideo0.ts\n\n#EXTINF:2.0,\nvideo1.ts\n"
    )
    assert step08.playlist_segments(playlist) == ["video0.ts", "video1.ts"]
    assert step08.playlist_segments("#EXTM3U\n") == []


def test_cleanup_after_notebook_11_stopped_half_way_deletes_its_certificate(local_aws):
    """11 stopped with the alias on (before its restore cell): the distribution goes first, then
    the certificate it used (ACM refuses while it is in use), and nothing of the run is left."""
    from cftutorial.aws import certificates
    from cftutorial.tutorial import step11_login_cookies as step11

    dist_id = _full_run("cl-alias", "modern").distribution.id
    acm, cf = certificates.acm_client(), clients.client("cloudfront")
    arn = acm.request_certificate(
        DomainName="*.cl-alias.localhost",
        ValidationMethod="DNS",
        Tags=certificates.run_tags("cl-alias"),
    )["CertificateArn"]
    assert certificates.wait_issued(arn) == "ISSUED"
    current = cf.get_distribution_config(Id=dist_id)
    changed = step11.with_alias(
        current["DistributionConfig"], alias="videos.cl-alias.localhost", arn=arn
    )
    cf.update_distribution(Id=dist_id, DistributionConfig=changed, IfMatch=current["ETag"])
    run = state.open_run("cl-alias")
    planned = [item.what for item in cleanup.plan(run)]
    assert planned[:2] == ["distribution", cleanup.CERTIFICATE], planned
    steps = cleanup.cleanup(run, progress=False)
    assert cleanup.CleanupStep(cleanup.CERTIFICATE, arn.rsplit("/", 1)[1], "deleted") in steps
    assert certificates.run_certificates("cl-alias") == []
    assert cleanup.plan(run) == []
