"""Issue 23: ``eval "$(cftutorial local env)"`` points the AWS CLI and any boto3 script at the
local AWS through their default configuration, whatever the shell held before."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cftutorial import config
from cftutorial.aws.clients import client

pytestmark = pytest.mark.localaws

LIST_BUCKETS = (
    "import boto3; print(' '.join(b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']))"
)


@pytest.fixture
def hostile_shell(tmp_path: Path) -> dict[str, str]:
    """A learner's shell set up for real AWS: a profile, its own endpoint for S3, a session
    token, a ``~/.aws`` whose default profile names another region and endpoint."""
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "config").write_text(
        "[default]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:9\n"
        "[profile work]\nregion = ap-south-1\n"
    )
    (aws / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAREALREALREALREAL\naws_secret_access_key = real\n"
    )
    env = dict(os.environ)
    env.update(
        HOME=str(tmp_path),
        AWS_PROFILE="not-a-profile-here",
        AWS_ENDPOINT_URL_S3="http://127.0.0.1:9",
        AWS_SESSION_TOKEN="a-real-session-token",
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true",
        AWS_ACCESS_KEY_ID="AKIAREALREALREALREAL",
    )
    return env


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cftutorial", "local", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_eval_local_env_then_plain_boto3_lists_the_local_buckets(local_aws, hostile_shell):
    name = f"local-env-{uuid.uuid4().hex[:10]}"
    client("s3").create_bucket(Bucket=name)
    # without it, the same script goes where the shell points: a missing profile
    before = subprocess.run(
        ["sh", "-c", f'{sys.executable} -c "{LIST_BUCKETS}"'],
        capture_output=True,
        text=True,
        timeout=120,
        env=hostile_shell,
    )
    assert before.returncode != 0 and "not-a-profile-here" in before.stderr
    script = f'eval "$({sys.executable} -m cftutorial local env)" && {sys.executable} -c "{LIST_BUCKETS}"'
    done = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, timeout=120, env=hostile_shell
    )
    assert done.returncode == 0, done.stderr
    assert name in done.stdout.split()


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_eval_local_env_then_aws_s3_ls(local_aws, hostile_shell):
    name = f"local-env-cli-{uuid.uuid4().hex[:8]}"
    client("s3").create_bucket(Bucket=name)
    script = f'eval "$({sys.executable} -m cftutorial local env)" && aws s3 ls'
    done = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, timeout=120, env=hostile_shell
    )
    assert done.returncode == 0, done.stderr
    assert name in done.stdout


def test_local_env_json_and_status_json_carry_the_same_settings(local_aws, hostile_shell):
    found = cli("env", "--json", env=hostile_shell)
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["set"] == {
        "AWS_ENDPOINT_URL": local_aws.aws_endpoint,
        "AWS_ACCESS_KEY_ID": config.LOCAL_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": config.LOCAL_SECRET_ACCESS_KEY,
        "AWS_REGION": config.LOCAL_REGION,
        "AWS_DEFAULT_REGION": config.LOCAL_REGION,
    }
    assert {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"} <= set(data["unset"])
    status = json.loads(cli("status", "--json", env=hostile_shell).stdout)
    assert status["env"] == data


def test_local_env_refuses_aws_mode_in_one_line(local_aws):
    env = dict(os.environ, CFTUTORIAL_BACKEND="aws")
    done = cli("env", env=env)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "CFTUTORIAL_BACKEND=aws" in done.stderr
    assert done.stdout == ""  # nothing for eval to run
