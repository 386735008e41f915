"""The local AWS process: start, status, shared state across processes, idempotence, stale
runtime files, port conflicts, stop. Each test gets its own state directory and server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import command_line
import pytest
import requests

from cftutorial.localaws import process


@pytest.fixture
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A state directory of this test's own, so its server is not the session's."""
    home = tmp_path / "home"
    monkeypatch.setenv("CFTUTORIAL_HOME", str(home))
    yield home
    process.stop()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``cftutorial ARGS`` as a shell without a terminal runs it (in this process: the server it
    starts or stops is its own process all the same; the test below shares state across
    processes)."""
    return command_line.cftutorial(*args)


def test_start_status_json_then_stop(own_home: Path) -> None:
    started = run_cli("local", "start")
    assert started.returncode == 0, started.stderr
    status = run_cli("local", "status", "--json")
    assert status.returncode == 0
    data = json.loads(status.stdout)
    assert data["running"] is True
    assert data["aws_endpoint"].startswith("http://127.0.0.1:")
    assert "edge_endpoint" in data
    assert isinstance(data["pid"], int)
    assert data["home"] == str(own_home)
    assert (
        requests.get(data["aws_endpoint"] + "/_cftutorial/health", timeout=5).json()["pid"]
        == (data["pid"])
    )
    stopped = run_cli("local", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    after = json.loads(run_cli("local", "status", "--json").stdout)
    assert after["running"] is False
    assert not (own_home / "local-aws.json").exists()


def test_bucket_created_in_one_process_is_listed_from_another(own_home: Path) -> None:
    process.start()
    create = (
        "from cftutorial.aws.clients import client;"
        "client('s3', start_local=False).create_bucket(Bucket='shared-between-processes')"
    )
    subprocess.run([sys.executable, "-c", create], check=True, timeout=60)
    listing = (
        "from cftutorial.aws.clients import client;"
        "print([b['Name'] for b in client('s3', start_local=False).list_buckets()['Buckets']])"
    )
    out = subprocess.run(
        [sys.executable, "-c", listing], check=True, timeout=60, capture_output=True, text=True
    )
    assert "shared-between-processes" in out.stdout


def test_second_start_reports_the_running_server(own_home: Path) -> None:
    first = process.start()
    second = process.start()
    assert second.already_running is True
    assert second.pid == first.pid
    cli = run_cli("local", "start")
    assert cli.returncode == 0
    assert "already running" in cli.stdout and str(first.pid) in cli.stdout


def test_stale_runtime_file_after_kill_9_is_replaced(own_home: Path) -> None:
    first = process.start()
    os.kill(first.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while process.status().running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (own_home / "local-aws.json").exists(), "the killed server could not remove its file"
    assert process.status().running is False
    second = process.start()
    assert second.running and second.pid != first.pid
    assert json.loads((own_home / "local-aws.json").read_text())["pid"] == second.pid


def test_port_taken_by_another_program_is_a_clear_error(
    own_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        monkeypatch.setenv("CFTUTORIAL_AWS_PORT", str(port))
        result = run_cli("local", "start")
    assert result.returncode == 2
    assert f"port {port}" in result.stderr and "CFTUTORIAL_AWS_PORT" in result.stderr
    assert "Traceback" not in result.stderr
    assert process.status().running is False


def test_bad_port_setting_names_the_value(own_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CFTUTORIAL_EDGE_PORT", "http")
    result = run_cli("local", "start")
    assert result.returncode == 2
    assert "CFTUTORIAL_EDGE_PORT='http'" in result.stderr and "0 for any free port" in result.stderr


def test_stop_does_not_kill_a_foreign_process_named_in_the_runtime_file(own_home: Path) -> None:
    foreign = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        own_home.mkdir(parents=True, exist_ok=True)
        (own_home / "local-aws.json").write_text(
            json.dumps({"pid": foreign.pid, "endpoints": {"aws": "http://127.0.0.1:9"}})
        )
        assert process.stop() is False
        assert foreign.poll() is None, "stop() killed a process it did not start"
        assert not (own_home / "local-aws.json").exists()
    finally:
        foreign.kill()
        foreign.wait()


def test_server_stops_by_itself_when_the_watched_process_ends(
    own_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    monkeypatch.setenv(process.ENV_WATCH_PID, str(parent.pid))
    try:
        state = process.start()
        assert state.running
    finally:
        parent.kill()  # the watched process ends (here as soon as the server runs)
        parent.wait()
    deadline = time.monotonic() + 15
    while process.status().running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process.status().running is False


def test_the_deployment_delay_is_what_the_servers_health_check_answers(
    own_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """A local AWS started with CFTUTORIAL_DEPLOY_SECONDS=3 says 3 in its health answer, not in
    its files; the client's own setting (here 0.5) does not count, and a wait expects 3 s (from
    the create's answer: keeping it on disk first does not use up the delay)."""
    from cftutorial.aws import clients, distributions

    monkeypatch.setenv("CFTUTORIAL_DEPLOY_SECONDS", "3")
    started = process.start()
    monkeypatch.setenv("CFTUTORIAL_DEPLOY_SECONDS", "0.5")  # the kernel's, not the server's
    health = requests.get(started.aws_endpoint + "/_cftutorial/health", timeout=5).json()
    assert health == {"service": "cftutorial-aws", "pid": started.pid, "deploy_seconds": 3.0}
    assert "deploy_seconds" not in process.runtime_file().read_text()
    assert process.deploy_seconds() == 3.0
    assert distributions.expected_deploy_seconds() == 3.0
    s3, cf = clients.client("s3"), clients.client("cloudfront")
    s3.create_bucket(Bucket="cftutorial-deploy-delay")
    config = distributions.distribution_config(
        caller_reference="deploy-delay",
        comment="deploy delay",
        origin=distributions.s3_origin("cftutorial-deploy-delay.s3.us-east-1.amazonaws.com"),
    )
    before_create = time.monotonic()
    made = cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    create_took = time.monotonic() - before_create
    capsys.readouterr()
    distributions.wait_deployed(made, progress=True, cf=cf)
    since_create = time.monotonic() - before_create
    shown = capsys.readouterr().err
    assert "of about 3 s expected" in shown, f"{shown!r} (the create call took {create_took:.1f} s)"
    # InProgress for the server's 3 s from the create's answer, not the kernel's 0.5 s
    assert since_create >= 3.0, since_create


def test_a_local_aws_that_is_not_running_has_no_deployment_delay(own_home: Path) -> None:
    assert process.deploy_seconds() is None
    assert not process.status().running  # asking started nothing
