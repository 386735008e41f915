"""The command line at its boundary, run as a learner runs it: a subprocess with its own HOME.

AWS errors (no credentials, unreachable endpoint, throttling, a refusal) are one line with exit
status 2 and a hint; a closed pipe ends a command quietly; reading commands create nothing.
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Runs the command with botocore's retries cut to one attempt, so a throttled or unreachable
#: endpoint fails at once instead of after the client's eight adaptive retries.
ONE_ATTEMPT_DRIVER = """
import sys
import botocore.config
from cftutorial.aws import clients

def one_attempt(**kwargs):
    kwargs["retries"] = {"max_attempts": 1, "mode": "standard"}
    return botocore.config.Config(**kwargs)

clients.Config = one_attempt
from cftutorial.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def learner_env(tmp_path: Path) -> dict[str, str]:
    """A learner's environment: a fresh HOME, no AWS settings, a state directory not yet made."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CFTUTORIAL_"))}
    env.update(
        HOME=str(tmp_path / "home"),
        CFTUTORIAL_HOME=str(tmp_path / "state"),
        PYTHONPATH=str(ROOT),
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    (tmp_path / "home").mkdir()
    return env


def cftutorial(*args: str, env: dict[str, str], driver: str | None = None, **kwargs):
    command = (
        [sys.executable, "-c", driver, *args]
        if driver
        else [sys.executable, "-m", "cftutorial", *args]
    )
    kwargs.setdefault("stdin", subprocess.DEVNULL)  # no terminal, however pytest was started
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, **kwargs)


def assert_one_line_error(result, *needles: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cftutorial: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def aws_env(env: dict[str, str], endpoint: str) -> dict[str, str]:
    return {
        **env,
        "CFTUTORIAL_BACKEND": "aws",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }


class FakeAWS:
    """An HTTP endpoint that answers every request with one AWS error document."""

    def __init__(self, status: int, code: str, message: str) -> None:
        body = (
            '<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>fake-request</RequestId></ErrorResponse>"
        ).encode()
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.requests.append(f"{self.command} {self.path}")
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_aws() -> Iterator:
    servers: list[FakeAWS] = []

    def make(status: int, code: str, message: str) -> FakeAWS:
        servers.append(FakeAWS(status, code, message))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- AWS errors -------------------------------------------------------------------------------


def test_no_credentials_is_one_line_with_the_fix(learner_env, tmp_path):
    env = {**learner_env, "CFTUTORIAL_BACKEND": "aws"}
    result = cftutorial("teardown", "--run", "x", "--dry-run", env=env)
    assert_one_line_error(
        result, "Unable to locate credentials", "aws configure", "CFTUTORIAL_BACKEND"
    )
    assert not (tmp_path / "state").exists()


def test_unreachable_endpoint_is_one_line(learner_env):
    env = aws_env(learner_env, f"http://127.0.0.1:{closed_port()}")
    result = cftutorial("teardown", "--run", "x", "--dry-run", env=env, driver=ONE_ATTEMPT_DRIVER)
    assert_one_line_error(result, "AWS endpoint unreachable", "127.0.0.1", "AWS_ENDPOINT_URL")


def test_access_denied_names_the_operation_and_permission(learner_env, fake_aws):
    aws = fake_aws(
        403,
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/learner is not authorized to perform: "
        "cloudfront:ListDistributions because no identity-based policy allows it",
    )
    result = cftutorial(
        "teardown", "--run", "x", "--dry-run", env=aws_env(learner_env, aws.endpoint)
    )
    assert aws.requests, "the command never reached the fake AWS endpoint"
    assert_one_line_error(
        result,
        "AWS refused ListDistributions (AccessDenied",
        "the missing permission is cloudfront:ListDistributions",
        "iam-policy.json",
    )


def test_access_denied_without_a_named_action_names_service_and_operation(learner_env, fake_aws):
    aws = fake_aws(403, "AccessDenied", "Access Denied")
    result = cftutorial(
        "teardown", "--run", "x", "--dry-run", env=aws_env(learner_env, aws.endpoint)
    )
    line = assert_one_line_error(result, "AWS refused ", "(AccessDenied: Access Denied)")
    operation = line.split("AWS refused ", 1)[1].split(" ", 1)[0]
    assert f"the missing permission is cloudfront:{operation}" in line, line


def test_throttling_is_one_line_saying_wait(learner_env, fake_aws):
    aws = fake_aws(400, "Throttling", "Rate exceeded")
    result = cftutorial(
        "teardown", "--run", "x", "--dry-run",
        env=aws_env(learner_env, aws.endpoint), driver=ONE_ATTEMPT_DRIVER,
    )  # fmt: skip
    assert_one_line_error(result, "(Throttling: Rate exceeded)", "wait a minute")


def test_other_refusals_are_one_line_with_code_and_message(learner_env, fake_aws):
    aws = fake_aws(400, "InvalidArgument", "The parameter Marker is malformed")
    result = cftutorial(
        "teardown", "--run", "x", "--dry-run", env=aws_env(learner_env, aws.endpoint)
    )
    assert_one_line_error(
        result, "AWS refused ", "(InvalidArgument: The parameter Marker is malformed)"
    )


def test_signing_commands_do_not_load_botocore(learner_env, tmp_path):
    keys = tmp_path / "keys"
    assert cftutorial("keys", "create", "--out", str(keys), env=learner_env).returncode == 0
    probe = (
        "import sys; from cftutorial.cli import main; code = main(sys.argv[1:]); "
        "print('botocore' in sys.modules, file=sys.stderr); sys.exit(code)"
    )
    result = cftutorial(
        "sign", "--url", "https://d111111abcdef8.cloudfront.net/a.mp4", "--key-pair-id", "K2JCJMDEHXQW5F",
        "--private-key", str(keys / "cloudfront_private_key.pem"), "--date-less-than", "1h",
        env=learner_env, driver=probe,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Signature=" in result.stdout
    assert result.stderr.strip() == "False"


# --- broken pipes -----------------------------------------------------------------------------


def run_into_closed_pipe(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Runs the command with its stdout a pipe nobody reads any more (like ``| true``)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "cftutorial", *args],
            env=env, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)


def test_doctor_into_a_closed_pipe_exits_quietly(learner_env):
    result = run_into_closed_pipe("doctor", "--json", env=learner_env)
    assert result.stderr == ""
    assert result.returncode == 141


def test_sign_into_a_closed_pipe_exits_quietly(learner_env, tmp_path):
    keys = tmp_path / "keys"
    assert cftutorial("keys", "create", "--out", str(keys), env=learner_env).returncode == 0
    result = run_into_closed_pipe(
        "sign", "--url", "https://d111111abcdef8.cloudfront.net/a.mp4", "--key-pair-id", "K2JCJMDEHXQW5F",
        "--private-key", str(keys / "cloudfront_private_key.pem"), "--date-less-than", "1h",
        env=learner_env,
    )  # fmt: skip
    assert result.stderr == ""
    assert result.returncode == 141


def test_a_shell_pipe_into_head_prints_no_traceback(learner_env):
    result = subprocess.run(
        f"{sys.executable} -m cftutorial doctor --json | head -c1",
        shell=True, env=learner_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.stdout == "["
    assert "Traceback" not in result.stderr
    assert "BrokenPipeError" not in result.stderr


# --- reading creates nothing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("local", "status"),
        ("local", "status", "--json"),
        ("local", "stop"),
        ("doctor",),
        ("doctor", "--json"),
    ],
)
def test_reading_commands_create_no_directory(learner_env, tmp_path, args):
    result = cftutorial(*args, env=learner_env)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    assert str(tmp_path / "state") in result.stdout or args == ("local", "stop")
    assert not (tmp_path / "state").exists(), (
        f"cftutorial {' '.join(args)} created the state directory"
    )
    assert list((tmp_path / "home").iterdir()) == []
