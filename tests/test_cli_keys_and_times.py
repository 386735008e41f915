"""The AWS CLI's contract where `cftutorial` follows it: key formats, protected keys, date forms."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cftutorial.cli import main
from cftutorial.cli.signing import ENV_KEY_PASSWORD
from cftutorial.signing import keys, verify

KEY_ID = "K2JCJMDEHXQW5F"
URL = "https://d111111abcdef8.cloudfront.net/a.jpg"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sign(capsys, private_key: Path, expiry: str) -> tuple[int, str, str]:
    return run(
        capsys, "sign", "--url", URL, "--key-pair-id", KEY_ID,
        "--private-key", str(private_key), "--date-less-than", expiry,
    )  # fmt: skip


def test_pkcs1_writes_an_rsa_private_key_block_the_aws_cli_v1_reads(capsys, tmp_path: Path):
    code, out, _ = run(capsys, "keys", "create", "--out", str(tmp_path), "--format", "pkcs1")
    assert code == 0 and "pkcs1" in out
    private = tmp_path / "cloudfront_private_key.pem"
    assert private.read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert keys.key_kind(keys.load_private_key(private)) == "rsa"


def test_pkcs8_is_the_default_and_says_how_to_get_pkcs1(capsys, tmp_path: Path):
    code, out, _ = run(capsys, "keys", "create", "--out", str(tmp_path))
    assert code == 0 and "--format pkcs1" in out
    assert (
        (tmp_path / "cloudfront_private_key.pem")
        .read_text()
        .startswith("-----BEGIN PRIVATE KEY-----")
    )


def test_pkcs1_for_an_ecdsa_key_is_refused_in_one_line(capsys, tmp_path: Path):
    code, out, err = run(
        capsys, "keys", "create", "--out", str(tmp_path), "--type", "ecdsa", "--format", "pkcs1"
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "RSA keys only" in err
    assert not list(tmp_path.iterdir()), "nothing may be written for a refused request"


def test_a_password_protected_key_signs_with_the_password_from_the_environment(
    capsys, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv(ENV_KEY_PASSWORD, "correct horse")
    assert run(capsys, "keys", "create", "--out", str(tmp_path), "--encrypt")[0] == 0
    private = tmp_path / "cloudfront_private_key.pem"
    assert private.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    code, out, _ = sign(capsys, str(private), "1h")
    assert code == 0
    public = keys.load_public_key(tmp_path / "cloudfront_public_key.pem")
    assert verify.verify(out.strip(), trusted_keys={KEY_ID: public}).allowed


def test_a_protected_key_without_a_terminal_or_password_is_one_line(tmp_path: Path, monkeypatch):
    key = keys.generate_private_key("rsa")
    private = tmp_path / "k.pem"
    private.write_bytes(keys.private_key_pem(key, password=b"pw"))
    env = {k: v for k, v in __import__("os").environ.items() if k != ENV_KEY_PASSWORD}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cftutorial",
            "sign",
            "--url",
            URL,
            "--key-pair-id",
            KEY_ID,
            "--private-key",
            str(private),
            "--date-less-than",
            "1h",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert "password-protected" in result.stderr and ENV_KEY_PASSWORD in result.stderr


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2030-01-01", 1893456000),
        ("2030-01-01T00:00:00", 1893456000),
        ("2030-01-01T01:00:00+01:00", 1893456000),
        ("1893456000", 1893456000),
    ],
)
def test_sign_reads_dates_the_way_the_aws_cli_does(capsys, tmp_path: Path, given, expected):
    files = keys.write_key_pair(tmp_path, kind="ecdsa")
    code, out, _ = sign(capsys, str(files.private_key_path), given)
    assert code == 0 and f"Expires={expected}&" in out


def test_verify_at_takes_relative_and_far_future_times(capsys, tmp_path: Path):
    files = keys.write_key_pair(tmp_path, kind="ecdsa")
    code, signed, _ = sign(capsys, str(files.private_key_path), "30m")
    assert code == 0
    public = str(files.public_key_path)
    later = run(capsys, "verify", signed.strip(), "--public-key", public, "--at", "1h", "--json")
    assert later[0] == 1 and json.loads(later[1])["code"] == "AccessDenied"
    assert "expired" in json.loads(later[1])["reason"]
    now = run(capsys, "verify", signed.strip(), "--public-key", public, "--at=-1m")
    assert now[0] == 0 and now[1].startswith("allowed")
    far = run(
        capsys, "verify", signed.strip(), "--public-key", public, "--at", "2040-01-01T00:00:00Z"
    )
    assert far[0] == 1 and "expired" in far[1] and "milliseconds" not in far[1] + far[2]
