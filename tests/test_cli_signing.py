"""``cftutorial keys create | sign | sign-cookies | verify``: output, exit codes 0/1/2, no traceback."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cftutorial.cli import main
from cftutorial.signing import keys

FUTURE = "2030-01-01T00:00:00Z"
KEY_ID = "K2JCJMDEHXQW5F"


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-keys")
    assert main(["keys", "create", "--out", str(folder), "--type", "ecdsa", "--name", "demo"]) == 0
    return folder


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sign_args(key_dir: Path, *extra: str) -> list[str]:
    return [
        "--url",
        "https://d111111abcdef8.cloudfront.net/a.jpg?x=1",
        "--key-pair-id",
        KEY_ID,
        "--private-key",
        f"file://{key_dir / 'demo_private_key.pem'}",
        "--date-less-than",
        FUTURE,
        *extra,
    ]


def test_keys_create_writes_a_0600_private_key_and_refuses_to_overwrite(
    capsys, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "keys", "create", "--out", str(tmp_path))
    assert code == 0
    private = tmp_path / "cloudfront_private_key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert str(private) in out
    assert "PRIVATE KEY-----" not in out
    code, out, err = run(capsys, "keys", "create", "--out", str(tmp_path))
    assert code == 2
    assert err.startswith("cftutorial: error: ") and "already exists" in err
    assert run(capsys, "keys", "create", "--out", str(tmp_path), "--force")[0] == 0


def test_sign_prints_a_url_that_verify_allows(capsys, key_dir: Path) -> None:
    code, out, _ = run(capsys, "sign", *sign_args(key_dir, "--hash-algorithm", "sha256"))
    assert code == 0
    url = out.strip()
    assert url.startswith("https://d111111abcdef8.cloudfront.net/a.jpg?x=1&Expires=1893456000&")
    assert url.endswith("&Hash-Algorithm=SHA256")
    public = str(key_dir / "demo_public_key.pem")
    code, out, _ = run(
        capsys, "verify", url, "--public-key", public, "--at", "2029-12-31T23:59:00Z"
    )
    assert code == 0
    assert out.startswith("allowed: signature valid (canned policy)")


def test_verify_exits_1_with_code_and_reason_when_denied(capsys, key_dir: Path) -> None:
    url = run(capsys, "sign", *sign_args(key_dir, "--ip-address", "192.0.2.1"))[1].strip()
    public = str(key_dir / "demo_public_key.pem")
    code, out, _ = run(
        capsys, "verify", url, "--public-key", public, "--ip", "10.0.0.1", "--at", "1893000000"
    )
    assert code == 1
    assert (
        out.strip() == "denied: AccessDenied (Access denied): IP 10.0.0.1 is outside 192.0.2.1/32"
    )
    code, out, _ = run(
        capsys, "verify", url, "--public-key", public, "--key-pair-id", "KOTHER", "--json"
    )
    assert code == 1
    verdict = json.loads(out)
    assert (verdict["code"], verdict["message"]) == ("InvalidKey", "Unknown Key")
    assert verdict["policy_kind"] == "custom"


def test_sign_cookies_prints_json_that_verify_accepts(capsys, key_dir: Path) -> None:
    code, out, _ = run(
        capsys,
        "sign-cookies",
        *sign_args(key_dir, "--policy-resource", "https://d111111abcdef8.cloudfront.net/*"),
    )
    assert code == 0
    cookies = json.loads(out)
    assert sorted(cookies) == [  # an ECDSA key signs with SHA-256 unless told otherwise
        "CloudFront-Hash-Algorithm",
        "CloudFront-Key-Pair-Id",
        "CloudFront-Policy",
        "CloudFront-Signature",
    ]
    cookie_args = [
        arg for name, value in cookies.items() for arg in ("--cookie", f"{name}={value}")
    ]
    code, out, _ = run(
        capsys,
        "verify",
        "https://d111111abcdef8.cloudfront.net/b.png",
        "--public-key",
        str(key_dir / "demo_public_key.pem"),
        "--at",
        "1893000000",
        "--json",
        *cookie_args,
    )
    assert code == 0
    assert json.loads(out)["source"] == "cookies"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--date-greater-than", "2031-01-01T00:00:00Z"],
            "is not before the expiry, --date-less-than",
        ),
        (["--ip-address", "2001:db8::1"], "is IPv6"),
    ],
)
def test_bad_sign_input_exits_2_with_one_line(capsys, key_dir: Path, extra, message) -> None:
    code, out, err = run(capsys, "sign", *sign_args(key_dir, *extra))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err


def test_bad_input_through_the_real_command_prints_no_traceback(key_dir: Path) -> None:
    args = sign_args(key_dir)
    args[args.index(FUTURE)] = "1893456000000"
    result = subprocess.run(
        [sys.executable, "-m", "cftutorial", "sign", *args], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("cftutorial: error: --date-less-than=1893456000000")
    assert "milliseconds" in result.stderr
    verify_run = subprocess.run(
        [
            sys.executable,
            "-m",
            "cftutorial",
            "verify",
            "https://d/a",
            "--public-key",
            "/nonexistent.pem",
        ],
        capture_output=True,
        text=True,
    )
    assert verify_run.returncode == 2
    assert "Traceback" not in verify_run.stderr
    assert "cannot read public key file '/nonexistent.pem'" in verify_run.stderr


def test_sign_accepts_a_relative_expiry_like_batch(tmp_path) -> None:
    import subprocess
    import sys
    import time

    files = keys.write_key_pair(tmp_path, kind="rsa")
    before = int(time.time())
    url = subprocess.run(
        [
            sys.executable, "-m", "cftutorial", "sign",
            "--url", "https://d111111abcdef8.cloudfront.net/video.mp4",
            "--key-pair-id", "K2JCJMDEHXQW5F",
            "--private-key", str(files.private_key_path),
            "--date-less-than", "2h",
        ],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    expires = int(url.split("Expires=")[1].split("&")[0])
    assert before + 7200 <= expires <= int(time.time()) + 7200


# --- cftutorial batch: the same options object as the batch notebook ------------------------


def batch_args(key_dir: Path, tmp_path: Path, *extra: str) -> list[str]:
    (tmp_path / "keys.txt").write_text("a.mp4\n")
    return [
        "batch",
        "--input", str(tmp_path / "keys.txt"),
        "--output", str(tmp_path / "out.csv"),
        "--base-url", "d111111abcdef8.cloudfront.net",
        "--key-pair-id", KEY_ID,
        "--private-key", str(key_dir / "demo_private_key.pem"),
        "--date-less-than", FUTURE,
        "--no-progress",
        *extra,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--input", "/no/such/keys.txt", "JSONL file of object keys, s3://BUCKET/PREFIX\n"),
        ("--output", "out.txt", "name it *.csv or *.jsonl"),
        ("--base-url", "ftp://example.com", "cannot be used"),
        ("--key-pair-id", "a b", "is not a CloudFront key id"),
        ("--date-less-than", "-5m", "is already past"),
        ("--date-greater-than", "2031-01-01T00:00:00Z", "is not before the expiry"),
        ("--ip-address", "2001:db8::1", "IPv6"),
        ("--workers", "0", "is not a number of processes"),
    ],
)
def test_batch_bad_option_is_one_line_naming_its_flag_exit_2(
    capsys, key_dir: Path, tmp_path: Path, flag: str, value: str, words: str
) -> None:
    args = batch_args(key_dir, tmp_path)
    if flag in args:  # FLAG=VALUE, so that a value like -5m is not read as a flag
        at = args.index(flag)
        args[at : at + 2] = [f"{flag}={value}"]
    else:
        args.append(f"{flag}={value}")
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err
    assert err.startswith(f"cftutorial: error: {flag}") and words in err, err
    assert not (tmp_path / "out.csv").exists()


def test_batch_policy_flag_and_policy_resource_must_agree(capsys, key_dir, tmp_path) -> None:
    args = batch_args(key_dir, tmp_path, "--policy", "canned", "--ip-address", "192.0.2.1")
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("cftutorial: error: --policy='canned' cannot carry --ip-address")
    args = batch_args(key_dir, tmp_path, "--policy", "custom", "--policy-resource", "https://d/*")
    code, _, err = run(capsys, *args)
    assert err.startswith("cftutorial: error: --policy-resource is only for one shared policy")


def test_batch_flags_build_the_same_options_as_the_notebooks_parameters(key_dir, tmp_path) -> None:
    from dataclasses import asdict

    from cftutorial import batch
    from cftutorial.cli import batch as batch_command
    from cftutorial.cli import build_parser

    argv = batch_args(key_dir, tmp_path, "--policy", "shared", "--hash-algorithm", "sha256",
                      "--workers", "2", "--on-error", "skip")  # fmt: skip
    from_cli = batch_command.options(build_parser().parse_args(argv))
    from_notebook = batch.BatchOptions.build(
        objects=str(tmp_path / "keys.txt"),
        output=[str(tmp_path / "out.csv")],
        domain="d111111abcdef8.cloudfront.net",
        key_pair_id=KEY_ID,
        private_key=str(key_dir / "demo_private_key.pem"),
        expires=FUTURE,
        policy="shared",
        hash_algorithm="SHA256",
        workers=2,
        on_error="skip",
    )

    def comparable(options: batch.BatchOptions) -> dict:
        return {k: v for k, v in asdict(options).items() if k != "private_key"}

    assert comparable(from_cli) == comparable(from_notebook)
    assert from_cli.policy_resource == "https://d111111abcdef8.cloudfront.net/*"
