"""A core install (cryptography and tqdm only) signs and batch-signs; the rest names its extra.

Each command runs in a subprocess whose import system refuses every package outside the core,
as if they were not installed: a meta-path finder raises ModuleNotFoundError for them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Top-level packages that only the extras install.
NOT_IN_CORE = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "moto",
    "werkzeug",
    "flask",
    "flask_cors",
    "requests",
    "urllib3",
    "yaml",
    "jupyterlab",
    "jupyter_server",
    "jupyter_server_proxy",
    "ipywidgets",
    "IPython",
    "ipykernel",
    "papermill",
    "jupytext",
    "nbformat",
    "nbclient",
    "sphinx",
    "myst_nb",
)

CORE_ONLY_DRIVER = f"""
import importlib.abc
import sys

REFUSED = {set(NOT_IN_CORE)!r}


class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in REFUSED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled())
import cftutorial.batch, cftutorial.cli, cftutorial.signing  # importable without the extras
from cftutorial.cli import main

code = main(sys.argv[1:])
loaded = sorted(n for n in sys.modules if n.split(".")[0] in REFUSED)
assert not loaded, loaded
sys.exit(code)
"""


@pytest.fixture
def core_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CFTUTORIAL_"))}
    env.update(HOME=str(tmp_path), CFTUTORIAL_HOME=str(tmp_path / "state"), PYTHONPATH=str(ROOT))
    return env


def core_only(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CORE_ONLY_DRIVER, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def private_key(tmp_path: Path, core_env: dict[str, str]) -> Path:
    result = core_only("keys", "create", "--out", str(tmp_path / "keys"), env=core_env)
    assert result.returncode == 0, result.stderr
    return tmp_path / "keys" / "cloudfront_private_key.pem"


SIGNING = ["--key-pair-id", "K2JCJMDEHXQW5F", "--date-less-than", "1h"]


def test_the_blocker_really_refuses_the_extras(core_env):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CORE_ONLY_DRIVER.replace("code = main", "import boto3\ncode = main"),
        ],
        env=core_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "No module named 'boto3'" in result.stderr


def test_sign_and_verify_need_only_the_core(core_env, private_key):
    url = "https://d111111abcdef8.cloudfront.net/media/a.mp4"
    signed = core_only(
        "sign", "--url", url, "--private-key", str(private_key), *SIGNING, env=core_env
    )
    assert signed.returncode == 0, signed.stderr
    assert "Signature=" in signed.stdout and "Key-Pair-Id=K2JCJMDEHXQW5F" in signed.stdout
    public_key = private_key.with_name("cloudfront_public_key.pem")
    verified = core_only(
        "verify", signed.stdout.strip(), "--public-key", str(public_key), env=core_env
    )
    assert verified.returncode == 0, (verified.stdout, verified.stderr)


def test_batch_needs_only_the_core(core_env, private_key, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("media/a.mp4\nmedia/b.mp4\nmedia/c d.mp4\n")
    output = tmp_path / "signed.csv"
    result = core_only(
        "batch", "--input", str(keys), "--output", str(output),
        "--base-url", "https://d111111abcdef8.cloudfront.net",
        "--private-key", str(private_key), "--workers", "1", *SIGNING,
        env=core_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = output.read_text().splitlines()
    assert rows[0].startswith("key,url")
    assert len(rows) == 4 and "Signature=" in rows[1]


@pytest.mark.parametrize(
    ("args", "backend", "extra"),
    [
        (("local", "status"), "local", "local"),
        (("local", "start"), "local", "local"),
        (("teardown", "--dry-run"), "local", "local"),
        (("teardown", "--dry-run"), "aws", "aws"),
    ],
)
def test_a_command_whose_extra_is_missing_names_the_pip_command(core_env, args, backend, extra):
    result = core_only(*args, env={**core_env, "CFTUTORIAL_BACKEND": backend})
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"pip install 'cftutorial[{extra}]'" in lines[0], lines[0]


def test_batch_from_s3_without_boto3_names_the_aws_extra(core_env, private_key, tmp_path):
    result = core_only(
        "batch", "--input", "s3://media-bucket/course/", "--output", str(tmp_path / "o.csv"),
        "--base-url", "https://d111111abcdef8.cloudfront.net",
        "--private-key", str(private_key), *SIGNING,
        env={**core_env, "CFTUTORIAL_BACKEND": "aws"},
    )  # fmt: skip
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "pip install 'cftutorial[aws]'" in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_doctor_on_a_core_install_says_which_extra_to_add(core_env):
    result = core_only("doctor", env=core_env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    # the package checks read installed metadata, which the blocker cannot hide: the local AWS
    # check is the one that imports (tests/test_wheel.py runs doctor in a real core install)
    local_aws = next(line for line in result.stdout.splitlines() if "local AWS" in line)
    assert "cannot run:" in local_aws and "is missing" in local_aws, local_aws
    assert "pip install 'cftutorial[local]'" in result.stdout
