"""The local AWS keeps its state across ``local stop``/``start`` and ``kill -9``; ``local reset``
wipes it on purpose; state files that cannot be read are moved aside and said so.

Each test has its own state directory and server (started on free ports by the conftest's
environment). The notebook chains restart their local AWS as a learner's would: the modern
chain stops and starts it between 04 and 05, the guide chain kills it (kill -9) before 05 and
before 07 (tests/chains.py); the last two tests read what they showed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import builders
import command_line
import pytest

from cftutorial.aws import account_keys
from cftutorial.aws.clients import client
from cftutorial.errors import StateError
from cftutorial.localaws import control, process
from cftutorial.localaws import journal as journal_format
from cftutorial.signing import keys
from cftutorial.tutorial import state, step05_unsigned


@pytest.fixture
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CFTUTORIAL_HOME", str(home))
    yield home
    process.stop()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``cftutorial ARGS`` as a shell without a terminal runs it (in this process: the server it
    starts or stops is its own process all the same)."""
    return command_line.cftutorial(*args)


def kill_9() -> None:
    """What a crash does: SIGKILL, no chance to write anything on the way out."""
    pid = process.status().pid
    assert pid, "the local AWS was not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while process.status().running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process.status().running


def build_tutorial_state() -> dict[str, str]:
    """Notebooks 01-04 on both paths (tests/builders.py), plus an account key pair and an
    invalidation: one of everything the local AWS keeps."""
    for run_name, approach in (("default", "modern"), ("guide", "guide")):
        builders.run(run_name, "04", approach=approach)
    pem = keys.public_key_pem(keys.generate_private_key("rsa"))
    key_pair = account_keys.register_account_key_pair(pem)
    dist_id = state.require("default", "distribution")["id"]
    client("cloudfront").create_invalidation(
        DistributionId=dist_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": "p1"},
    )
    return {"distribution": dist_id, "account_key_pair": key_pair}


def _s3_view(s3) -> dict:
    view = {}
    for bucket in sorted(b["Name"] for b in s3.list_buckets()["Buckets"]):
        objects = {}
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            head = s3.head_object(Bucket=bucket, Key=item["Key"])
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            acl = s3.get_object_acl(Bucket=bucket, Key=item["Key"])["Grants"]
            objects[item["Key"]] = (head["ETag"], head["Metadata"], head["ContentType"], body, acl)
        view[bucket] = {
            "objects": objects,
            "policy": _maybe(lambda b=bucket: s3.get_bucket_policy(Bucket=b)["Policy"]),
            "ownership": _maybe(
                lambda b=bucket: s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]
            ),
            "block": _maybe(
                lambda b=bucket: s3.get_public_access_block(Bucket=b)[
                    "PublicAccessBlockConfiguration"
                ]
            ),
            "tags": _maybe(lambda b=bucket: s3.get_bucket_tagging(Bucket=b)["TagSet"]),
        }
    return view


def _maybe(call):
    try:
        return call()
    except Exception as exc:  # "this bucket has none" is part of the state too
        return type(exc).__name__


def _cloudfront_view(cf) -> dict:
    dists = {}
    for item in cf.list_distributions()["DistributionList"].get("Items", []):
        got = cf.get_distribution(Id=item["Id"])
        dists[item["Id"]] = (
            got["ETag"],
            got["Distribution"]["Status"],
            got["Distribution"]["DistributionConfig"],
            cf.list_tags_for_resource(Resource=got["Distribution"]["ARN"])["Tags"],
            [
                i["Id"]
                for i in cf.list_invalidations(DistributionId=item["Id"])["InvalidationList"].get(
                    "Items", []
                )
            ],
        )
    groups = {
        g["KeyGroup"]["Id"]: (cf.get_key_group(Id=g["KeyGroup"]["Id"])["ETag"], g["KeyGroup"])
        for g in cf.list_key_groups()["KeyGroupList"].get("Items", [])
    }
    public_keys = {
        k["Id"]: cf.get_public_key(Id=k["Id"])["PublicKey"]["PublicKeyConfig"]["EncodedKey"]
        for k in cf.list_public_keys()["PublicKeyList"].get("Items", [])
    }
    oacs = {
        o["Id"]: cf.get_origin_access_control(Id=o["Id"])["ETag"]
        for o in cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    }
    oais = {
        o["Id"]: (
            o["S3CanonicalUserId"],
            cf.get_cloud_front_origin_access_identity(Id=o["Id"])["ETag"],
        )
        for o in cf.list_cloud_front_origin_access_identities()[
            "CloudFrontOriginAccessIdentityList"
        ].get("Items", [])
    }
    return {
        "distributions": dists,
        "key groups": groups,
        "public keys": public_keys,
        "OACs": oacs,
        "OAIs": oais,
    }


def local_aws_view() -> dict:
    """Everything a learner's saved ids point at, as the AWS API answers it."""
    return {
        "s3": _s3_view(client("s3")),
        "cloudfront": _cloudfront_view(client("cloudfront")),
        "account key pairs": account_keys.list_account_key_pairs(),
    }


def test_every_resource_survives_stop_start_and_kill_9(own_home: Path) -> None:
    process.start()
    made = build_tutorial_state()
    before = local_aws_view()
    assert len(before["s3"]) >= 3 and len(before["cloudfront"]["distributions"]) == 2
    assert before["cloudfront"]["OAIs"] and before["cloudfront"]["OACs"]
    assert before["cloudfront"]["key groups"] and before["cloudfront"]["public keys"]
    assert made["distribution"] in before["cloudfront"]["distributions"]
    assert before["cloudfront"]["distributions"][made["distribution"]][4], "no invalidation"
    assert [k["KeyPairId"] for k in before["account key pairs"]] == [made["account_key_pair"]]

    assert run_cli("local", "stop").returncode == 0
    started = run_cli("local", "start")
    assert started.returncode == 0, started.stderr
    assert "saved state:       restored buckets: " in started.stdout
    assert local_aws_view() == before

    kill_9()
    assert process.start().saved_state["result"] == "restored"
    assert local_aws_view() == before


def test_a_kill_right_after_an_answer_keeps_that_change(own_home: Path) -> None:
    process.start()
    s3 = client("s3")
    s3.create_bucket(Bucket="last-request-kept")
    s3.put_object(Bucket="last-request-kept", Key="one.txt", Body=b"1")
    s3.delete_object(Bucket="last-request-kept", Key="one.txt")
    s3.put_object(Bucket="last-request-kept", Key="two.txt", Body=b"2")  # the last request
    kill_9()
    process.start()
    listed = client("s3").list_objects_v2(Bucket="last-request-kept")["Contents"]
    assert [o["Key"] for o in listed] == ["two.txt"]


def test_the_state_files_are_private_and_gitignored(own_home: Path) -> None:
    process.start()
    client("s3").create_bucket(Bucket="mode-check")
    files = [Path(name) for name in process.status().state_files]
    assert [f.name for f in files] == ["local-aws-state.base", "local-aws-state.journal"]
    root = Path(__file__).resolve().parent.parent
    for state_file in files:
        assert state_file.is_file() and (state_file.stat().st_mode & 0o777) == 0o600
        inside = root / ".cftutorial" / state_file.name
        checked = subprocess.run(
            ["git", "check-ignore", "-q", str(inside)], cwd=root, capture_output=True, timeout=30
        )
        assert checked.returncode == 0, f"{inside} is not ignored by git"


@pytest.mark.parametrize(
    "damage",
    ["garbage", "damaged", "moto"],
    ids=["not-a-state-file", "damaged-record", "other-moto-version"],
)
def test_unreadable_state_is_moved_aside_and_the_server_starts_empty(
    own_home: Path, damage: str
) -> None:
    process.start()
    client("s3").create_bucket(Bucket="before-damage")
    client("s3").create_bucket(Bucket="after-damage")
    process.stop()
    base = process.state_path().with_name("local-aws-state.base")
    journal = base.with_name("local-aws-state.journal")
    target = base if damage != "damaged" else journal
    data = target.read_bytes()
    if damage == "garbage":
        data = b"not a state file at all"
    elif damage == "damaged":  # a byte of the first record: an acknowledged one follows
        first = data.index(b"CFR1") + 40
        data = data[:first] + bytes([data[first] ^ 0xFF]) + data[first + 1 :]
    else:
        header_end = data.index(b"\n", len(journal_format.MAGIC))
        header = json.loads(data[len(journal_format.MAGIC) : header_end])
        header["moto"] = "4.0.0"
        data = journal_format.MAGIC + json.dumps(header).encode() + data[header_end:]
    target.write_bytes(data)

    started = run_cli("local", "start")
    assert started.returncode == 0, started.stderr
    status = run_cli("local", "status")
    reason = {"garbage": "not a cftutorial", "damaged": "damaged at byte", "moto": "moto 4.0.0"}
    assert "the saved state could not be read" in status.stdout
    assert reason[damage] in status.stdout and "started empty" in status.stdout
    aside = list(own_home.glob(f"{target.name}.unreadable-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == data
    assert client("s3").list_buckets()["Buckets"] == []
    log_lines = [
        line for line in process.log_file().read_text().splitlines() if "PERSISTENCE" in line
    ]
    assert len(log_lines) == 1 and aside[0].name in log_lines[0]


def test_reset_refuses_without_a_terminal_unless_yes(own_home: Path) -> None:
    process.start()
    client("s3").create_bucket(Bucket="kept-without-yes")
    refused = run_cli("local", "reset")
    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0 and "--yes" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert process.status().running and process.state_bytes()


def test_reset_yes_stops_wipes_forgets_the_runs_and_starts_nothing(own_home: Path) -> None:
    process.start()
    builders.bucket(run_name="default")
    assert state.runs() == ["default"]
    wiped = run_cli("local", "reset", "--yes")
    assert wiped.returncode == 0, wiped.stderr
    assert "stopped the local AWS; removed its saved state; forgot run(s) default" in wiped.stdout
    assert process.state_bytes() is None
    assert not process.status().running, "reset started a server"
    assert state.runs() == []
    # a step that needs earlier state now says, in one line, which notebook to run
    with pytest.raises(StateError) as raised:
        step05_unsigned.targets(state.open_run("default"), "hello.html")
    assert "\n" not in str(raised.value) and "run notebook 01-create-bucket-and-upload" in str(
        raised.value
    )
    process.start()
    assert client("s3").list_buckets()["Buckets"] == []
    again = run_cli("local", "reset", "--yes")
    assert "the local AWS was not running" not in again.stdout  # it was: started just above
    assert "it had no saved state" in again.stdout


def test_status_when_stopped_says_the_state_is_kept(own_home: Path) -> None:
    process.start()
    client("s3").create_bucket(Bucket="kept-while-stopped")
    process.stop()
    stopped = run_cli("local", "status")
    assert stopped.returncode == 1
    assert "restored on start" in stopped.stdout and "KiB" in stopped.stdout


def test_an_access_log_file_the_edge_delivered_survives_kill_9(own_home: Path) -> None:
    """The edge's one write (standard log files into S3) is saved like an AWS-port write."""
    import requests
    from edge_world import _config, _distribution

    started = process.start()
    s3, cf = client("s3"), client("cloudfront")
    s3.create_bucket(Bucket="kept-origin")
    s3.create_bucket(Bucket="kept-logs", ObjectOwnership="BucketOwnerPreferred")
    config = _config("s3", "kept-origin.s3.amazonaws.com")
    config["Logging"] = {
        "Enabled": True,
        "IncludeCookies": False,
        "Bucket": "kept-logs.s3.amazonaws.com",
        "Prefix": "logs/",
    }
    dist = _distribution(cf, config)
    edge = started.edge_endpoint
    assert requests.get(f"{edge}/{dist['DomainName']}/x.txt", timeout=30).status_code == 403
    headers = control.headers(process.runtime_file(), "application/json")
    reply = requests.post(f"{edge}/_cftutorial/logs/flush", headers=headers, timeout=30)
    files = reply.json()["files"]
    assert [f["outcome"] for f in files] == ["delivered"]
    kill_9()
    process.start()
    listed = client("s3").list_objects_v2(Bucket="kept-logs")["Contents"]
    assert [o["Key"] for o in listed] == [files[0]["key"]]


# --- the notebooks, as a learner runs them, with a restart in the middle ----------------------


def test_modern_notebooks_05_to_08_pass_after_a_stop_start(modern_chain) -> None:
    """The modern chain's Run All stopped and started its local AWS between 04 and 05."""
    assert modern_chain.probes["stop"].stdout.strip() == "stopped"
    started = modern_chain.probes["start"]
    assert started.returncode == 0 and "saved state:       restored" in started.stdout, (
        started.stdout + started.stderr
    )
    shown = modern_chain.texts("02", "04", "05", "06", "07", "08")
    dist_id = re.search(r"distribution (\w+) \(created\)", shown["04"]).group(1)
    oac_id = re.search(r"OAC (\w+) \(created\)", shown["02"]).group(1)
    group = re.search(r"key group (\w+) holds public key (\w+)", shown["04"])
    assert re.search(rf"distribution: {dist_id} \w+\.cloudfront\.net", shown["05"])
    assert "OK: S3 403 AccessDenied, edge 403 MissingKey" in shown["05"]
    assert f"found key group {group.group(1)} holding ['{group.group(2)}']" in shown["06"]
    assert f"Key-Pair-Id={group.group(2)}" in shown["07"]
    assert "bytes match the uploaded file: True" in shown["08"]
    assert re.search(r"OK: 200 with the signature \(\d+ bytes\), 403 for all 4 bad", shown["08"])
    # the same resources are still there, nothing was re-created (as the API answered after 08)
    after = modern_chain.probes["after 08"]
    assert after["id"] == dist_id
    assert after["origin"]["OriginAccessControlId"] == oac_id
    assert after["trusted key groups"] == [group.group(1)]
    assert after["distributions"] == 1
    assert {"video.mp4", "hello.html", "hls/video.m3u8"} <= set(
        modern_chain.probes["objects after 08"]
    )


def test_guide_notebooks_pass_after_kill_9_and_keep_the_account_key_pair(guide_chain) -> None:
    """The guide chain's local AWS was killed (SIGKILL) before 05 and before 07, each time
    started again with ``cftutorial local start``, which restored the saved state."""
    for number in ("05", "07"):
        started = guide_chain.probes[f"start before {number}"]
        assert started.returncode == 0 and "saved state:       restored" in started.stdout, (
            started.stdout + started.stderr
        )
    shown = guide_chain.texts("02", "04", "05", "06", "07", "08")
    key_pair = re.search(r"account key pair (APKA\w+)", shown["06"]).group(1)
    dist_id = re.search(r"distribution (\w+) \(created\)", shown["04"]).group(1)
    oai_id = re.search(r"OAI (\w+) \(created\)", shown["02"]).group(1)
    assert re.search(rf"distribution: {dist_id} \w+\.cloudfront\.net", shown["05"])
    assert f"Key-Pair-Id={key_pair}" in shown["07"]
    assert "bytes match the uploaded file: True" in shown["08"]
    assert re.search(r"OK: 200 with the signature \(\d+ bytes\), 403 for all 4 bad", shown["08"])
    # the same resources are still there after both restarts (as the API answered after 07)
    after = guide_chain.probes["after 07"]
    assert after["id"] == dist_id
    assert after["origin"]["S3OriginConfig"]["OriginAccessIdentity"].endswith(oai_id)
    assert guide_chain.probes["account key pairs"] == [key_pair]
