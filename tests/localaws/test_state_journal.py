"""The local AWS's state files (issue 23): a write costs what it touched and is on disk before
its answer; a request that changes nothing writes nothing; a write the disk refuses is not
acknowledged and not left in memory; a state file someone else could have written is never
loaded.

The file format is tested on its own (no server); everything else against a local AWS each test
starts in its own state directory on free ports (boto3 with one attempt, or raw HTTP).
"""

from __future__ import annotations

import concurrent.futures
import errno
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from rawhttp import send

from cftutorial import config
from cftutorial.errors import LocalAWSError
from cftutorial.localaws import journal, process

CLI = [sys.executable, "-m", "cftutorial"]
FAULTS = Path(__file__).parent / "faults"  # a sitecustomize that makes fdatasync fail on demand
ONE_TRY = Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"})


# --- the files on their own -----------------------------------------------------------------------


def _files(tmp_path: Path) -> journal.StateFiles:
    tmp_path.chmod(0o700)
    return journal.StateFiles(tmp_path / "state")


def _reloaded(files: journal.StateFiles) -> tuple[journal.StateFiles, list[str]]:
    files.close()
    again = journal.StateFiles(files.paths["base"].with_suffix(""))
    _header, notes = again.load({})
    return again, notes


def _values(files: journal.StateFiles) -> dict:
    return {partition: files.read(partition) for partition in files.index}


def test_records_are_read_back_later_ones_winning_and_deletions_forgotten(tmp_path) -> None:
    files = _files(tmp_path)
    files.append({("a",): b"1", ("s3", "b", "key", 'x\n"y'): b"2"}, {})
    files.append({("a",): b"3", ("gone",): b"4"}, {})
    files.append({("gone",): None}, {})
    again, notes = _reloaded(files)
    assert notes == []
    assert _values(again) == {("a",): b"3", ("s3", "b", "key", 'x\n"y'): b"2"}
    assert again.same(("a",), b"3") and not again.same(("a",), b"1")
    assert again.same(("gone",), None)


def test_a_record_cut_short_at_the_end_is_ignored_and_cut_off(tmp_path) -> None:
    files = _files(tmp_path)
    files.append({("kept",): b"acknowledged"}, {})
    path, size = files.paths["journal"], files.paths["journal"].stat().st_size
    record, _starts = journal.record({("torn",): b"x" * 100})
    with open(path, "ab") as handle:  # what a kill -9 in the middle of a write leaves
        handle.write(record[:50])
    again, notes = _reloaded(files)
    assert _values(again) == {("kept",): b"acknowledged"}
    assert len(notes) == 1 and "ignored the last 50 bytes" in notes[0]
    assert path.stat().st_size == size
    again.append({("next",): b"after"}, {})
    assert _values(_reloaded(again)[0]) == {("kept",): b"acknowledged", ("next",): b"after"}


def test_a_damaged_record_followed_by_acknowledged_ones_is_unreadable(tmp_path) -> None:
    files = _files(tmp_path)
    files.append({("first",): b"one"}, {})
    files.append({("second",): b"two"}, {})
    files.close()
    path = files.paths["journal"]
    data = bytearray(path.read_bytes())
    data[data.index(b"one")] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(journal.Unreadable, match=r"damaged at byte .* acknowledged writes follow"):
        journal.StateFiles(tmp_path / "state").load({})


def test_compaction_keeps_the_newest_values_and_drops_the_rest(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(journal, "COMPACT_MIN_BYTES", 10_000)
    files = _files(tmp_path)
    for number in range(30):
        files.append({("big",): bytes([number]) * 1000, ("small",): str(number).encode()}, {})
    assert files.needs_compaction()
    before, generation = files.total(), files.generation
    files.compact({"summary": {}})
    assert files.total() < before / 10 and files.generation == generation + 1
    files.append({("after",): b"compaction"}, {})
    again, _notes = _reloaded(files)
    assert _values(again) == {
        ("big",): bytes([29]) * 1000,
        ("small",): b"29",
        ("after",): b"compaction",
    }


def test_a_journal_older_than_its_base_is_ignored(tmp_path) -> None:
    """A crash between the base's rename and the new journal's: the base holds it all."""
    files = _files(tmp_path)
    files.append({("a",): b"1"}, {})
    stale = files.paths["journal"].read_bytes()
    files.compact({})
    files.close()
    files.paths["journal"].write_bytes(stale + journal.record({("a",): b"old"})[0])
    again = journal.StateFiles(tmp_path / "state")
    again.load({})
    assert _values(again) == {("a",): b"1"}


def test_a_failed_append_leaves_the_journal_as_it_was(tmp_path, monkeypatch) -> None:
    files = _files(tmp_path)
    files.append({("a",): b"1"}, {})
    size, index = files.paths["journal"].stat().st_size, dict(files.index)

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal.os, "fdatasync", full)
    with pytest.raises(OSError, match="No space left"):
        files.append({("a",): b"2", ("b",): b"3"}, {})
    assert files.paths["journal"].stat().st_size == size and files.index == index
    monkeypatch.undo()
    files.append({("c",): b"4"}, {})
    assert _values(_reloaded(files)[0]) == {("a",): b"1", ("c",): b"4"}


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
def test_a_file_of_another_user_or_writable_by_others_is_never_opened(tmp_path) -> None:
    path = tmp_path / "state.base"
    path.write_bytes(b"x")
    os.chown(path, 65534, 65534)
    with pytest.raises(journal.Untrusted, match=r"belongs to nobody \(uid 65534\), not to you"):
        journal.open_trusted(path, os.O_RDONLY)
    os.chown(path, 0, 0)
    path.chmod(0o620)
    with pytest.raises(journal.Untrusted, match=r"its group may write it \(mode 620\).*chmod 600"):
        journal.open_trusted(path, os.O_RDONLY)
    path.chmod(0o644)
    os.close(journal.open_trusted(path, os.O_RDONLY))
    assert path.stat().st_mode & 0o777 == 0o600  # readable by others: ours, so made private
    link = tmp_path / "link.base"
    link.symlink_to(path)
    with pytest.raises(journal.Untrusted, match="symbolic link"):
        journal.open_trusted(link, os.O_RDONLY)


# --- a local AWS of the test's own -------------------------------------------------------------


@pytest.fixture
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CFTUTORIAL_HOME", str(home))
    yield home
    process.stop()


def _client(service: str, endpoint: str | None = None, **options):
    return boto3.client(
        service,
        endpoint_url=endpoint or process.status().aws_endpoint,
        region_name=config.LOCAL_REGION,
        aws_access_key_id=config.LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=config.LOCAL_SECRET_ACCESS_KEY,
        config=options.pop("config", ONE_TRY),
    )


def _look(home: Path) -> dict[str, tuple[int, int, int]]:
    """Each state file's inode, size and modification time."""
    found = {}
    for path in home.glob("*local-aws-state*"):
        info = path.stat()
        found[path.name] = (info.st_ino, info.st_size, info.st_mtime_ns)
    return found


def _journal_size(home: Path) -> int:
    return (home / "local-aws-state.journal").stat().st_size


def kill_9() -> None:
    pid = process.status().pid
    assert pid, "the local AWS was not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while process.status().running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process.status().running


def _persistence_lines(home: Path) -> list[str]:
    return [
        line for line in (home / "local-aws.log").read_text().splitlines() if "PERSISTENCE" in line
    ]


def test_refused_requests_and_reads_write_nothing_before_and_after_a_restart(own_home) -> None:
    process.start()
    s3, kms = _client("s3"), _client("kms")
    s3.create_bucket(Bucket="nothing-written")
    s3.put_object(Bucket="nothing-written", Key="hello.html", Body=b"<p>hi</p>")
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    for restarted in (False, True):
        if restarted:
            process.stop()
            process.start()
            s3, kms = _client("s3"), _client("kms")
        endpoint = process.status().aws_endpoint
        before = _look(own_home)
        assert len(before) == 2
        refused = send(
            endpoint,
            "POST",
            "/nothing-written?delete",
            {"Host": endpoint.split("//")[1], "Content-Type": "text/plain;charset=UTF-8"},
            b"<Delete><Object><Key>hello.html</Key></Object></Delete>",
        )
        assert refused.status == 403 and refused.code == "AccessDenied"
        anonymous_put = send(endpoint, "PUT", "/nothing-written/planted.html", {}, b"<script>")
        assert anonymous_put.status == 403
        with pytest.raises(ClientError, match="NoSuchBucket"):
            s3.put_object(Bucket="no-such-bucket", Key="k", Body=b"x")
        s3.get_object(Bucket="nothing-written", Key="hello.html")
        s3.head_object(Bucket="nothing-written", Key="hello.html")
        s3.list_objects_v2(Bucket="nothing-written")
        kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
        assert _look(own_home) == before, "a request that changed nothing wrote to the state"
    assert s3.get_object(Bucket="nothing-written", Key="hello.html")["Body"].read() == b"<p>hi</p>"


def test_a_write_costs_the_same_few_bytes_however_large_the_state(own_home) -> None:
    process.start()
    s3 = _client("s3")
    s3.create_bucket(Bucket="cost-of-a-write")

    def one_write(key: str) -> int:
        before = _journal_size(own_home)
        s3.put_object(Bucket="cost-of-a-write", Key=key, Body=b"k" * 1024)
        return _journal_size(own_home) - before

    small = one_write("first")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda n: s3.put_object(
                    Bucket="cost-of-a-write", Key=f"fill/{n}", Body=b"f" * 1024
                ),
                range(300),
            )
        )
    large = one_write("last")
    assert 1024 < small < 4096 and abs(large - small) <= 16, (small, large)


def _virtual_hosted(endpoint: str):
    """An S3 client sending ``Host: BUCKET.localhost:PORT`` to 127.0.0.1 (no DNS needed)."""
    port = endpoint.rsplit(":", 1)[1]
    s3 = _client(
        "s3",
        f"http://localhost:{port}",
        config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "virtual"}),
    )

    def to_loopback(request, **_):
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(request.url)
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port}"))

    s3.meta.events.register("before-send.s3", to_loopback)
    return s3


def _everything_in(s3, bucket: str) -> dict:
    """Each key's versions (id, ETag, bytes, metadata, tags) and delete markers, the bucket's
    policy, ACL and uploads in progress."""
    listed = s3.list_object_versions(Bucket=bucket)
    versions = {}
    for item in listed.get("Versions", []):
        got = s3.get_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
        tags = s3.get_object_tagging(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
        versions[item["Key"], item["VersionId"]] = (
            got["ETag"], got["Body"].read(), got["Metadata"], got["ContentType"], tags["TagSet"]
        )  # fmt: skip
    markers = sorted((m["Key"], m["VersionId"]) for m in listed.get("DeleteMarkers", []))
    uploads = [
        (u["Key"], u["UploadId"])
        for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    ]
    return {
        "versions": versions,
        "markers": markers,
        "uploads": uploads,
        "acl": s3.get_bucket_acl(Bucket=bucket)["Grants"],
        "tags": s3.get_bucket_tagging(Bucket=bucket)["TagSet"],
    }


def test_every_kind_of_s3_write_survives_kill_9(own_home) -> None:
    """Path and virtual-hosted style, versions and delete markers, ?delete, a browser form
    upload replacing a key, copies, tags, ACLs, multipart uploads finished and in progress."""
    started = process.start()
    s3, hosted = _client("s3"), _virtual_hosted(started.aws_endpoint)
    bucket = "every-write"
    hosted.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerPreferred")
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False, "IgnorePublicAcls": False,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )  # fmt: skip
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "course", "Value": "cf"}]})
    hosted.put_object(Bucket=bucket, Key="dir/a b.txt", Body=b"v1", Metadata={"m": "1"})
    hosted.put_object(Bucket=bucket, Key="dir/a b.txt", Body=b"v2")
    s3.put_object_tagging(
        Bucket=bucket, Key="dir/a b.txt", Tagging={"TagSet": [{"Key": "t", "Value": "2"}]}
    )
    for name in ("gone-1", "gone-2", "kept"):
        s3.put_object(Bucket=bucket, Key=name, Body=name.encode())
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "gone-1"}, {"Key": "gone-2"}]})
    hosted.delete_object(Bucket=bucket, Key="kept")  # a delete marker
    s3.copy_object(
        Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "dir/a b.txt"}
    )
    s3.put_object_acl(Bucket=bucket, Key="copy.txt", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="hello.html", Body=b"<p>before</p>", ContentType="text/html")
    # a browser form upload, authorised by a presigned query (what issue 23's page sent)
    sigv4 = _client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    signed = sigv4.generate_presigned_url("list_objects", {"Bucket": bucket}, HttpMethod="POST")
    posted = requests.post(
        signed,
        data={"key": "hello.html"},
        files={"file": ("h.html", b"<p>form</p>", "text/html")},
        timeout=30,
    )
    assert posted.status_code == 204, posted.text
    done = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")
    part = s3.upload_part(
        Bucket=bucket, Key="big.bin", UploadId=done["UploadId"], PartNumber=1, Body=b"p" * 100
    )
    s3.complete_multipart_upload(
        Bucket=bucket, Key="big.bin", UploadId=done["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )  # fmt: skip
    pending = s3.create_multipart_upload(Bucket=bucket, Key="pending.bin")["UploadId"]
    s3.upload_part(
        Bucket=bucket, Key="pending.bin", UploadId=pending, PartNumber=1, Body=b"q" * 6_000_000
    )
    s3.create_bucket(Bucket="made-and-deleted")
    s3.delete_bucket(Bucket="made-and-deleted")
    before = _everything_in(s3, bucket)
    assert len(before["versions"]) == 9 and len(before["markers"]) == 3 and before["uploads"]
    assert any(
        v[1] == b"<p>form</p>" for k, v in before["versions"].items() if k[0] == "hello.html"
    )

    kill_9()
    process.start()
    s3 = _client("s3")
    assert _everything_in(s3, bucket) == before
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [bucket]
    s3.upload_part(Bucket=bucket, Key="pending.bin", UploadId=pending, PartNumber=2, Body=b"r")
    listed = s3.list_parts(Bucket=bucket, Key="pending.bin", UploadId=pending)["Parts"]
    assert [p["PartNumber"] for p in listed] == [1, 2]


def test_a_write_burst_killed_midway_keeps_every_acknowledged_write(own_home) -> None:
    process.start()
    s3 = _client("s3")
    s3.create_bucket(Bucket="burst")
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer(number: int) -> None:
        client = _client("s3")
        for count in range(10_000):
            if stop.is_set():
                return
            key = f"w{number}/{count}"
            try:
                client.put_object(Bucket="burst", Key=key, Body=key.encode() * 50)
            except Exception:  # the kill: no answer, so not acknowledged
                return
            acknowledged.append(key)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 150:
        time.sleep(0.01)
    kill_9()
    stop.set()
    for thread in threads:
        thread.join(30)
    process.start()
    kept = {
        item["Key"]
        for page in _client("s3").get_paginator("list_objects_v2").paginate(Bucket="burst")
        for item in page.get("Contents", [])
    }
    assert len(acknowledged) >= 150 and set(acknowledged) <= kept
    assert len(kept - set(acknowledged)) <= 6  # at most one unanswered write per client


def test_the_log_delivery_grant_a_distribution_adds_to_a_bucket_survives_kill_9(own_home) -> None:
    """A CloudFront request changing an S3 bucket (its ACL: the awslogsdelivery grant)."""
    from edge_world import _config, _distribution

    from cftutorial.localaws.cloudfront.standard_logs import AWSLOGSDELIVERY

    process.start()
    s3, cf = _client("s3"), _client("cloudfront")
    s3.create_bucket(Bucket="grant-origin")
    s3.create_bucket(Bucket="grant-logs", ObjectOwnership="BucketOwnerPreferred")
    setup = _config("s3", "grant-origin.s3.amazonaws.com")
    setup["Logging"] = {
        "Enabled": True, "IncludeCookies": False, "Bucket": "grant-logs.s3.amazonaws.com",
        "Prefix": "logs/",
    }  # fmt: skip
    _distribution(cf, setup)
    grants = s3.get_bucket_acl(Bucket="grant-logs")["Grants"]
    assert AWSLOGSDELIVERY in json.dumps(grants)
    kill_9()
    process.start()
    assert _client("s3").get_bucket_acl(Bucket="grant-logs")["Grants"] == grants


def test_a_reset_through_moto_api_is_kept_like_any_change(own_home) -> None:
    """``POST /moto-api/reset`` changes everything: every partition is compared, all kept."""
    started = process.start()
    _client("s3").create_bucket(Bucket="before-reset")
    _client("cloudfront").create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig={"CallerReference": "r", "Comment": "c"}
    )
    reply = requests.post(
        started.aws_endpoint + "/moto-api/reset",
        headers=process.control_headers("application/json"),
        timeout=30,
    )
    assert reply.status_code == 200
    kill_9()
    summary = process.start().saved_state["summary"]
    assert summary["buckets"] == 0 and summary["OAIs"] == 0


def test_overwritten_values_are_compacted_away_in_the_background(own_home) -> None:
    process.start()
    s3 = _client("s3")
    s3.create_bucket(Bucket="compacted")
    for number in range(5):  # 3 MB written, 0.6 MB of it live: more than 1 MiB is dead
        s3.put_object(Bucket="compacted", Key="big.bin", Body=bytes([number]) * 600_000)
    deadline = time.monotonic() + 30
    while sum(size for _ino, size, _t in _look(own_home).values()) > 1_500_000:
        assert time.monotonic() < deadline, f"never compacted: {_look(own_home)}"
        time.sleep(0.1)
    s3.put_object(Bucket="compacted", Key="small.txt", Body=b"after the compaction")
    kill_9()
    process.start()
    s3 = _client("s3")
    assert s3.get_object(Bucket="compacted", Key="big.bin")["Body"].read() == bytes([4]) * 600_000
    assert (
        s3.get_object(Bucket="compacted", Key="small.txt")["Body"].read() == b"after the compaction"
    )


def test_a_write_cut_short_by_a_kill_is_ignored_at_start_with_one_line(own_home) -> None:
    process.start()
    s3 = _client("s3")
    s3.create_bucket(Bucket="torn-tail")
    s3.put_object(Bucket="torn-tail", Key="kept", Body=b"acknowledged")
    process.stop()
    path = own_home / "local-aws-state.journal"
    whole = path.stat().st_size
    with open(path, "ab") as handle:
        handle.write(journal.record({("s3", "torn-tail", "key", "torn"): b"x" * 500})[0][:200])
    started = process.start()
    assert started.saved_state["summary"]["objects"] == 1
    assert [o["Key"] for o in _client("s3").list_objects_v2(Bucket="torn-tail")["Contents"]] == [
        "kept"
    ]
    lines = _persistence_lines(own_home)
    assert (
        sum("ignored the last 200 bytes of local-aws-state.journal" in line for line in lines) == 1
    )
    assert path.stat().st_size == whole


# --- a write the disk refuses --------------------------------------------------------------------


def _failing_writes(own_home: Path, monkeypatch) -> Path:
    """Start a local AWS whose fdatasync fails with ENOSPC while the returned file exists."""
    marker = own_home.parent / "disk-full"
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(FAULTS), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.setenv("CFTUTORIAL_TEST_FULL_WHEN", str(marker))
    process.start()
    return marker


def test_a_write_the_disk_refuses_is_500_and_undone_in_memory(own_home, monkeypatch) -> None:
    marker = _failing_writes(own_home, monkeypatch)
    s3, cf, kms = _client("s3"), _client("cloudfront"), _client("kms")
    s3.create_bucket(Bucket="disk-full")
    s3.put_object(Bucket="disk-full", Key="old.txt", Body=b"old")
    marker.touch()

    with pytest.raises(ClientError) as put:
        s3.put_object(Bucket="disk-full", Key="new.txt", Body=b"new")
    error = put.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert error["Error"]["Code"] == "InternalError"
    assert "We encountered an internal error. Please try again." in error["Error"]["Message"]
    assert "is full (No space left on device)" in error["Error"]["Message"]
    with pytest.raises(ClientError, match="404"):
        s3.head_object(Bucket="disk-full", Key="new.txt")
    with pytest.raises(ClientError, match="InternalError"):
        s3.put_object(Bucket="disk-full", Key="old.txt", Body=b"overwritten")
    with pytest.raises(ClientError, match="InternalError"):
        s3.delete_object(Bucket="disk-full", Key="old.txt")
    assert s3.get_object(Bucket="disk-full", Key="old.txt")["Body"].read() == b"old"
    with pytest.raises(ClientError, match="InternalError"):
        s3.delete_objects(Bucket="disk-full", Delete={"Objects": [{"Key": "old.txt"}]})
    s3.delete_bucket_tagging(Bucket="disk-full")  # it has none: no change, nothing to write
    with pytest.raises(ClientError) as oai:
        cf.create_cloud_front_origin_access_identity(
            CloudFrontOriginAccessIdentityConfig={"CallerReference": "r", "Comment": "c"}
        )
    assert oai.value.response["Error"]["Code"] == "InternalFailure"
    assert oai.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    listed = cf.list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]
    assert listed["Quantity"] == 0
    with pytest.raises(ClientError) as key:
        kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    assert key.value.response["Error"]["Code"] == "KMSInternalException"
    assert kms.list_keys()["Keys"] == []
    refused = [line for line in _persistence_lines(own_home) if "could not keep" in line]
    assert len(refused) == 6 and all("No space left on device" in line for line in refused)

    marker.unlink()
    s3.put_object(Bucket="disk-full", Key="after.txt", Body=b"after")
    kill_9()
    monkeypatch.delenv("CFTUTORIAL_TEST_FULL_WHEN")
    process.start()
    listed = _client("s3").list_objects_v2(Bucket="disk-full")["Contents"]
    assert sorted(o["Key"] for o in listed) == ["after.txt", "old.txt"]


@pytest.mark.slow  # about 12 s of slow fsyncs: make test runs it, make check does not
def test_a_deployment_runs_from_the_answer_however_long_the_disk_takes(
    own_home, monkeypatch
) -> None:
    """AWS answers a create or update InProgress and stays so for minutes. Locally the delay is
    1 s here, and each fsync takes 1.2 s (a busy disk): the clock starts when the change is
    answered, so the first look after each answer (well within 1 s, however loaded the
    machine) is still InProgress; had it started before the fsync, the delay would be over by
    then."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(FAULTS), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.setenv("CFTUTORIAL_TEST_SLOW_SYNC_SECONDS", "1.2")
    monkeypatch.setenv("CFTUTORIAL_DEPLOY_SECONDS", "1")
    process.start()
    s3, cf = _client("s3"), _client("cloudfront")
    s3.create_bucket(Bucket="slow-disk")
    origin = {
        "Id": "o",
        "DomainName": "slow-disk.s3.us-east-1.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    config_ = {
        "CallerReference": "slow-disk",
        "Comment": "",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "o",
            "ViewerProtocolPolicy": "https-only",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
    }
    before = time.monotonic()
    made = cf.create_distribution(DistributionConfig=config_)["Distribution"]
    took = time.monotonic() - before
    assert took > 1.0, took  # keeping it took longer than the deployment delay
    assert made["Status"] == "InProgress"
    assert cf.get_distribution(Id=made["Id"])["Distribution"]["Status"] == "InProgress"
    answered = time.monotonic()
    while cf.get_distribution(Id=made["Id"])["Distribution"]["Status"] != "Deployed":
        assert time.monotonic() - answered < 30, "never Deployed"
        time.sleep(0.05)

    current = cf.get_distribution_config(Id=made["Id"])
    changed = dict(current["DistributionConfig"], Comment="changed on a slow disk")
    updated = cf.update_distribution(
        Id=made["Id"], IfMatch=current["ETag"], DistributionConfig=changed
    )
    assert updated["Distribution"]["Status"] == "InProgress"
    assert cf.get_distribution(Id=made["Id"])["Distribution"]["Status"] == "InProgress"


@pytest.fixture
def tmpfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``mount(size)``: a small tmpfs with the state directory in it (skipped when mount is
    impossible here: the injected-ENOSPC test covers the refusal then); unmounted at the end."""
    disk = tmp_path / "disk"
    mounted = []

    def mount(size: str) -> Path:
        disk.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=700", "tmpfs", str(disk)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
        mounted.append(disk)
        monkeypatch.setenv("CFTUTORIAL_HOME", str(disk / "home"))
        return disk

    try:
        yield mount
    finally:
        if mounted:
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], capture_output=True)
            try:
                process.stop()
            finally:
                subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_on_a_full_disk_no_acknowledged_write_is_lost_and_doctor_says_why(tmpfs) -> None:
    tmpfs("2m")
    process.start()
    s3 = _client("s3")
    s3.create_bucket(Bucket="small-disk")
    acknowledged, refused = [], []
    for number in range(40):
        try:
            s3.put_object(Bucket="small-disk", Key=f"o{number}", Body=os.urandom(100_000))
            acknowledged.append(f"o{number}")
        except ClientError as error:
            refused.append(error.response["Error"]["Code"])
    assert acknowledged and refused, "the 2 MB disk never filled up"
    assert set(refused) == {"InternalError"}
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket="small-disk").get("Contents", [])}
    assert listed == set(acknowledged), "memory is ahead of the disk"

    doctor = subprocess.run([*CLI, "doctor"], capture_output=True, text=True, timeout=120)
    assert "state directory" in doctor.stdout and "fix: free space on that disk" in doctor.stdout
    kill_9()
    process.start()
    kept = {o["Key"] for o in _client("s3").list_objects_v2(Bucket="small-disk")["Contents"]}
    assert kept == set(acknowledged)


def _remount_read_only(disk: Path) -> None:
    """``mount -o remount,ro``: busy (exit 32) while a file on it is still open for writing, as
    for a moment after the stopped server's exit, so it is retried for a few seconds."""
    deadline = time.monotonic() + 15
    while True:
        done = subprocess.run(
            ["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True
        )
        if done.returncode == 0:
            return
        assert time.monotonic() < deadline, done.stderr
        time.sleep(0.3)


def test_a_read_only_home_is_named_with_the_fix_by_start_and_doctor(tmpfs) -> None:
    disk = tmpfs("4m")
    home = disk / "home"
    process.start()
    _client("s3").create_bucket(Bucket="read-only")
    process.stop()
    _remount_read_only(disk)
    started = subprocess.run([*CLI, "local", "start"], capture_output=True, text=True, timeout=120)
    assert started.returncode == 2 and started.stderr.count("\n") == 1
    assert f"cannot start the local AWS: {home} is on a read-only file system" in started.stderr
    doctor = subprocess.run([*CLI, "doctor"], capture_output=True, text=True, timeout=120)
    assert f"{home} is on a read-only file system (Read-only file system)" in doctor.stdout
    assert "fix: set CFTUTORIAL_HOME to a writable directory" in doctor.stdout
    stopped = subprocess.run([*CLI, "local", "stop"], capture_output=True, timeout=60)
    assert stopped.returncode == 0


# --- nothing someone else wrote is loaded -----------------------------------------------------------


class _Payload:
    """What a planted state file would do when unpickled: create ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


def _plant(home: Path, ran: Path, *, legacy: bool = False) -> Path:
    """A state file that passes every header check and whose value runs a command."""
    from cftutorial.localaws import moto_adapter

    home.mkdir(mode=0o700, exist_ok=True)
    payload = pickle.dumps(_Payload(ran))
    if legacy:
        header = {"format": 1, "moto": moto_adapter.moto_version()}
        path = home / "local-aws-state.pickle"
        path.write_bytes(journal.MAGIC + json.dumps(header).encode() + b"\n" + payload)
        return path
    path = home / "local-aws-state.base"
    head = journal._header("base", 1, {"moto": moto_adapter.moto_version()})
    path.write_bytes(head + journal.record({("cloudfront",): payload})[0])
    path.chmod(0o600)
    return path


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving files away needs root")


@needs_root
@pytest.mark.parametrize("legacy", [False, True], ids=["state-files", "old-snapshot"])
def test_a_state_planted_in_a_home_of_another_user_is_refused_unloaded(own_home, legacy) -> None:
    ran = own_home.parent / "payload-ran"
    _plant(own_home, ran, legacy=legacy)
    own_home.chmod(0o777)
    shutil.chown(own_home, "nobody", "nogroup")
    for path in own_home.iterdir():
        shutil.chown(path, "nobody", "nogroup")
    started = subprocess.run([*CLI, "local", "start"], capture_output=True, text=True, timeout=120)
    assert started.returncode == 2 and started.stdout == ""
    line = started.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert f"refusing to use {own_home} as the state directory: it belongs to nobody" in line
    assert f'chown -R "$(id -un)" {own_home}' in line
    assert not ran.exists(), "the planted payload ran"
    assert not process.status().running


@needs_root
@pytest.mark.parametrize("how", ["owner", "mode"])
def test_a_planted_state_file_in_ones_own_home_is_refused_unloaded(own_home, how) -> None:
    ran = own_home.parent / "payload-ran"
    planted = _plant(own_home, ran)
    if how == "owner":
        shutil.chown(planted, "nobody", "nogroup")
    else:
        planted.chmod(0o666)
    with pytest.raises(LocalAWSError) as refused:
        process.start()
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"refusing to load {planted}: ")
    assert ("belongs to nobody" if how == "owner" else "group and others may write it") in message
    assert not ran.exists(), "the planted payload ran"
    assert not process.status().running


def test_a_state_file_naming_code_is_not_run_even_when_it_is_ones_own(own_home) -> None:
    """The second fence: the unpickler loads moto's and this package's classes only."""
    ran = own_home.parent / "payload-ran"
    _plant(own_home, ran)
    started = process.start()
    assert started.saved_state["result"] == "unreadable"
    assert "the state names posix.system, which it may not" in started.saved_state["message"]
    assert not ran.exists(), "the planted payload ran"


def test_a_home_open_to_others_is_made_private(own_home) -> None:
    own_home.mkdir(mode=0o755)
    own_home.chmod(0o755)
    process.start()
    assert own_home.stat().st_mode & 0o777 == 0o700


def test_a_snapshot_of_the_design_before_is_converted_once(own_home) -> None:
    """``local-aws-state.pickle`` (before issue 23): loaded, written as state files, removed."""
    own_home.mkdir(mode=0o700)
    script = """
import json, pickle, sys
from pathlib import Path
from cftutorial.localaws import fidelity, moto_adapter, partitions
from cftutorial.localaws.cloudfront import oai
fidelity.apply_patches()
from moto.s3.models import s3_backends
from moto.cloudfront.models import cloudfront_backends
s3 = s3_backends["123456789012"]["aws"]
s3.create_bucket("converted", "us-east-1")
s3.put_object("converted", "kept.txt", b"from the old snapshot")
state = {"moto": {"s3": s3, "cloudfront": cloudfront_backends["123456789012"]["aws"], "kms": {}},
         "oai": {}, "account_keys": {"APKAOLD": "PEM"}}
payload = partitions.encode(state)
header = {"format": 1, "moto": moto_adapter.moto_version()}
path = Path(sys.argv[1])
path.write_bytes(b"cftutorial local AWS state\\n" + json.dumps(header).encode() + b"\\n" + payload)
path.chmod(0o600)
"""
    legacy = own_home / "local-aws-state.pickle"
    subprocess.run([sys.executable, "-c", script, str(legacy)], check=True, timeout=120)
    started = process.start()
    assert started.saved_state["result"] == "restored"
    assert "(converted from local-aws-state.pickle)" in started.saved_state["message"]
    assert not legacy.exists() and (own_home / "local-aws-state.base").is_file()
    got = _client("s3").get_object(Bucket="converted", Key="kept.txt")["Body"].read()
    assert got == b"from the old snapshot"
    process.stop()
    assert process.start().saved_state["summary"]["account key pairs"] == 1
