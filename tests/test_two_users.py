"""A workshop host: one local AWS per user server, side by side, on free ports.

Two users (two state directories, ports chosen by the system) each start their own local AWS
with ``cftutorial local start``; neither sees the other's buckets or objects, and stopping one
leaves the other running. The resident memory of each server is printed (docs/workshop.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from cftutorial import config

ROOT = Path(__file__).resolve().parent.parent


def user_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CFTUTORIAL_"))}
    env.update(
        CFTUTORIAL_HOME=str(home),
        CFTUTORIAL_AWS_PORT="0",
        CFTUTORIAL_EDGE_PORT="0",
        CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()),
        PYTHONPATH=str(ROOT),
    )
    return env


def cftutorial(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cftutorial", *args],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def s3_of(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=config.LOCAL_REGION,
        aws_access_key_id=config.LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=config.LOCAL_SECRET_ACCESS_KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


@pytest.fixture
def two_users(tmp_path: Path):
    users = {}
    for name in ("ada", "grace"):
        env = user_env(tmp_path / name / ".cftutorial")
        started = cftutorial("local", "start", env=env)
        assert started.returncode == 0, started.stderr
        status = json.loads(cftutorial("local", "status", "--json", env=env).stdout)
        users[name] = {**status, "env": env}  # the test's env, not status's "env" lines
    yield users
    for user in users.values():
        cftutorial("local", "stop", env=user["env"])


def test_two_users_local_aws_do_not_see_each_other(two_users) -> None:
    ada, grace = two_users["ada"], two_users["grace"]
    assert ada["running"] and grace["running"]
    assert ada["pid"] != grace["pid"]
    assert {ada["aws_endpoint"], ada["edge_endpoint"]}.isdisjoint(
        {grace["aws_endpoint"], grace["edge_endpoint"]}
    )
    s3_ada, s3_grace = s3_of(ada["aws_endpoint"]), s3_of(grace["aws_endpoint"])
    s3_ada.create_bucket(Bucket="ada-course-media")
    s3_ada.put_object(Bucket="ada-course-media", Key="video.mp4", Body=b"ada's")
    s3_grace.create_bucket(Bucket="grace-course-media")

    assert [b["Name"] for b in s3_ada.list_buckets()["Buckets"]] == ["ada-course-media"]
    assert [b["Name"] for b in s3_grace.list_buckets()["Buckets"]] == ["grace-course-media"]
    # the same bucket name is free in the other user's AWS: nothing is shared
    s3_grace.create_bucket(Bucket="ada-course-media")
    assert s3_grace.list_objects_v2(Bucket="ada-course-media").get("KeyCount") == 0

    print(
        f"\nlocal AWS resident memory: ada {rss_mb(ada['pid']):.0f} MB, grace {rss_mb(grace['pid']):.0f} MB"
    )
    stopped = cftutorial("local", "stop", env=ada["env"])
    assert stopped.stdout.strip() == "stopped"
    still = json.loads(cftutorial("local", "status", "--json", env=grace["env"]).stdout)
    assert still["running"] and still["pid"] == grace["pid"]
    assert sorted(b["Name"] for b in s3_grace.list_buckets()["Buckets"]) == [
        "ada-course-media",
        "grace-course-media",
    ]
