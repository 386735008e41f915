"""Step 1: bucket-name rules, region handling, find-or-create, sample upload."""

from __future__ import annotations

import re

import builders
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_learner_errors import cell_starting

from cftutorial.aws import buckets, clients, tags
from cftutorial.errors import BucketError
from cftutorial.tutorial import state
from cftutorial.tutorial import step01_bucket as step01


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "3 to 63 characters"),
        ("a" * 64, "3 to 63 characters"),
        ("Videos", "character 'V' at position 1"),
        ("my_videos", "character '_' at position 3"),
        ("-videos", "must start"),
        ("videos.", "must end"),
        ("videos..example", "'..'"),
        ("192.168.5.4", "IP address"),
        ("xn--videos", "xn--"),
        ("videos-s3alias", "-s3alias"),
    ],
)
def test_a_broken_naming_rule_is_named_in_the_error(name, rule):
    with pytest.raises(buckets.BucketNameError, match=re.escape(rule)) as caught:
        buckets.check_bucket_name(name)
    assert repr(name) in str(caught.value)


def test_a_dotted_name_is_accepted_with_an_https_warning():
    warnings = buckets.check_bucket_name("stream.example.com")
    assert len(warnings) == 1
    assert "HTTPS" in warnings[0]


@settings(max_examples=60, deadline=None)
@given(st.from_regex(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", fullmatch=True))
def test_hyphenated_lowercase_names_pass_without_warnings(name):
    if name.startswith("xn--") or name.endswith("-s3alias"):
        return
    assert buckets.check_bucket_name(name) == []


def test_us_east_1_gets_no_location_constraint():
    kwargs = buckets.create_bucket_kwargs("cftutorial-x", region="us-east-1")
    assert "CreateBucketConfiguration" not in kwargs
    assert kwargs["ObjectOwnership"] == "BucketOwnerEnforced"


def test_other_regions_get_a_location_constraint():
    kwargs = buckets.create_bucket_kwargs("cftutorial-x", region="eu-west-1")
    assert kwargs["CreateBucketConfiguration"] == {"LocationConstraint": "eu-west-1"}


def test_a_region_that_is_not_one_is_refused():
    with pytest.raises(buckets.RegionError, match="'Europe'"):
        buckets.create_bucket_kwargs("cftutorial-x", region="Europe")


def test_an_unknown_object_ownership_is_refused():
    with pytest.raises(BucketError, match="BucketOwnerPreferred"):
        buckets.create_bucket_kwargs("cftutorial-x", object_ownership="Public")


def test_creating_twice_finds_the_existing_bucket(local_aws):
    first = buckets.create_bucket("cftutorial-bk-twice")
    second = buckets.create_bucket("cftutorial-bk-twice")
    assert (first.created, second.created) == (True, False)
    names = [b["Name"] for b in clients.client("s3").list_buckets()["Buckets"]]
    assert names.count("cftutorial-bk-twice") == 1


def test_a_bucket_in_another_region_has_that_location(local_aws):
    info = buckets.create_bucket("cftutorial-bk-eu", region="eu-west-1")
    assert info.origin_domain == "cftutorial-bk-eu.s3.eu-west-1.amazonaws.com"
    assert buckets.bucket_region("cftutorial-bk-eu") == "eu-west-1"


def test_asking_for_an_existing_bucket_in_another_region_is_refused(local_aws):
    buckets.create_bucket("cftutorial-bk-moved", region="eu-west-1")
    with pytest.raises(buckets.RegionError, match="eu-west-1"):
        buckets.create_bucket("cftutorial-bk-moved", region="us-east-1")


def test_the_guide_approach_creates_a_bucket_that_allows_acls(local_aws):
    buckets.create_bucket("cftutorial-bk-acl", object_ownership=step01.ownership_for("guide"))
    assert buckets.object_ownership("cftutorial-bk-acl") == "BucketOwnerPreferred"


def test_sample_files_include_the_video_its_hls_rendition_and_a_page():
    samples = {s.key: s for s in step01.sample_files()}
    assert {"video.mp4", "hls/video.m3u8", "hls/video0.ts", "hello.html"} <= set(samples)
    assert samples["video.mp4"].content_type == "video/mp4"
    assert samples["video.mp4"].size < 1_000_000
    assert samples["video.mp4"].path.read_bytes()[4:8] == b"ftyp"
    playlist = samples["hls/video.m3u8"].path.read_text()
    segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    assert segments, "the playlist lists no segments"
    assert all(f"hls/{segment}" in samples for segment in segments)


def test_notebook_01_uploads_the_samples_and_saves_the_bucket(local_aws):
    result = builders.bucket(run_name="bk-step", approach="modern")
    listed = {row["Key"]: row["Size"] for row in buckets.list_objects("cftutorial-bk-step")}
    for sample in step01.sample_files():
        assert listed[sample.key] == sample.size
    head = clients.client("s3").head_object(Bucket="cftutorial-bk-step", Key="hls/video.m3u8")
    assert head["ContentType"] == "application/vnd.apple.mpegurl"
    assert state.get("bk-step", "bucket") == result.bucket.name == "cftutorial-bk-step"
    assert state.get("bk-step", "objects") == result.uploaded


def test_find_bucket_is_none_before_the_create_and_the_bucket_after(local_aws):
    assert step01.find_bucket("cftutorial-bk-find") is None
    clients.client("s3").create_bucket(
        Bucket="cftutorial-bk-find", ObjectOwnership="BucketOwnerPreferred"
    )
    found = step01.find_bucket("cftutorial-bk-find")
    assert (found.name, found.region, found.object_ownership) == (
        "cftutorial-bk-find",
        "us-east-1",
        "BucketOwnerPreferred",
    )
    with pytest.raises(buckets.RegionError, match="'us-east-1', not 'eu-west-1'"):
        step01.find_bucket("cftutorial-bk-find", "eu-west-1")


def test_checked_bucket_name_refuses_a_bad_value_before_any_call():
    assert step01.checked_bucket_name(run_name="bk-check") == "cftutorial-bk-check"
    assert step01.checked_bucket_name(run_name="x", bucket_name=" my-own ") == "my-own"
    with pytest.raises(buckets.BucketNameError, match="character '_'"):
        step01.checked_bucket_name(run_name="x", bucket_name="my_videos")
    with pytest.raises(buckets.RegionError, match="'Europe'"):
        step01.checked_bucket_name(run_name="x", region="Europe")
    with pytest.raises(BucketError, match="'modern' or 'guide'"):
        step01.checked_bucket_name(run_name="x", approach="future")


def test_a_new_bucket_is_tagged_with_its_run(local_aws):
    builders.bucket(run_name="bk-tagged", bucket_name="custom-bk-tagged")
    assert tags.bucket_run("custom-bk-tagged", clients.client("s3")) == "bk-tagged"


def test_rerunning_with_the_other_approach_says_what_changed(local_aws):
    first = builders.bucket(run_name="bk-switch", approach="guide")
    second = builders.bucket(run_name="bk-switch", approach="modern")
    third = builders.bucket(run_name="bk-switch", approach="modern")
    assert first.bucket.created and first.ownership_changed_from is None
    assert not second.bucket.created
    assert second.ownership_changed_from == "BucketOwnerPreferred"
    assert buckets.object_ownership("cftutorial-bk-switch") == "BucketOwnerEnforced"
    assert third.ownership_changed_from is None
    assert state.get("bk-switch", "approach") == "modern"


def test_notebook_01s_cell_says_which_change_a_re_run_made(local_aws, capsys):
    """Notebook 01's "Re-running with the other approach" cell, its own source run here on a
    bucket 01 made on the guide path, then again, then for a new bucket: each of its three
    answers, and the change it makes (the executed chains run 01 again on the same approach)."""
    cell = cell_starting("01", "if found is not None and found.object_ownership != ownership:")
    name = builders.bucket(run_name="bk-cell", approach="guide").bucket.name
    s3 = clients.client("s3")
    ownership = step01.ownership_for("modern")
    shown = []
    for new in (False, False, True):  # found as the cell before it finds it, each time anew
        found = None if new else buckets.find_bucket(name, s3=s3)
        exec(cell, {"found": found, "ownership": ownership, "s3": s3, "bucket": name})
        shown.append(capsys.readouterr().out)
    assert shown == [
        "Object Ownership changed from BucketOwnerPreferred to BucketOwnerEnforced\n",
        "Object Ownership is already BucketOwnerEnforced: nothing changed\n",
        "new bucket: Object Ownership BucketOwnerEnforced from the start\n",
    ]
    assert buckets.object_ownership(name) == "BucketOwnerEnforced"
