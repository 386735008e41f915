"""Local-mode clients never read or send the user's real AWS credentials."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from cftutorial import config
from cftutorial.aws import clients
from cftutorial.aws.backend import OptInRequired
from cftutorial.errors import BackendError, ConfigError

FAKE_KEY = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def real_looking_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    aws_dir = tmp_path / "fakehome" / ".aws"
    aws_dir.mkdir(parents=True)
    (aws_dir / "credentials").write_text(
        f"[default]\naws_access_key_id = {FAKE_KEY}\naws_secret_access_key = {FAKE_SECRET}\n"
        f"[work]\naws_access_key_id = {FAKE_KEY}\naws_secret_access_key = {FAKE_SECRET}\n"
    )
    (aws_dir / "config").write_text(
        "[default]\nregion = eu-west-3\n[profile work]\nregion = ap-south-1\n"
    )
    monkeypatch.setenv("HOME", str(tmp_path / "fakehome"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLETOKEN")
    monkeypatch.setenv("AWS_PROFILE", "work-profile-that-does-not-exist")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://example.invalid")
    return aws_dir


@pytest.mark.parametrize("service", clients.SERVICES)
def test_local_clients_ignore_real_looking_credentials(
    local_aws, real_looking_credentials: Path, service: str
) -> None:
    sent: list[dict] = []
    clients.forget()  # built now, with the real-looking settings in the environment
    client = clients.client(service)
    client.meta.events.register("before-send", lambda request, **_: sent.append(request))
    credentials = client._request_signer._credentials
    assert credentials.access_key == config.LOCAL_ACCESS_KEY_ID
    assert credentials.token is None
    assert client.meta.region_name == "us-east-1"
    assert client.meta.endpoint_url == local_aws.aws_endpoint
    call = {
        "s3": "list_buckets",
        "cloudfront": "list_distributions",
        "sts": "get_caller_identity",
        "kms": "list_keys",
        "acm": "list_certificates",
    }
    getattr(client, call[service])()
    assert sent, "no request was sent"
    for request in sent:
        headers = str(request.headers)
        assert FAKE_KEY not in headers and "EXAMPLETOKEN" not in headers
        assert config.LOCAL_ACCESS_KEY_ID in request.headers["Authorization"].decode()
        assert request.url.startswith(local_aws.aws_endpoint)


def test_unknown_backend_is_refused_with_the_accepted_values(monkeypatch) -> None:
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "cloud")
    with pytest.raises(ConfigError, match=r"CFTUTORIAL_BACKEND='cloud'.*local, aws"):
        clients.client("s3")


def test_aws_backend_without_opt_in_refuses_before_any_network_call(monkeypatch) -> None:
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    monkeypatch.delenv("CFTUTORIAL_AWS_OPT_IN", raising=False)
    created: list[str] = []
    monkeypatch.setattr(boto3.Session, "client", lambda self, name, **kw: created.append(name))
    for service in clients.SERVICES:
        with pytest.raises(OptInRequired, match="CFTUTORIAL_AWS_OPT_IN=yes") as refused:
            clients.client(service)
        assert "nothing has been created" in str(refused.value)
    assert created == [], "a client was built before the opt-in"


def test_aws_backend_with_opt_in_uses_the_standard_credential_chain(monkeypatch) -> None:
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    monkeypatch.setenv("CFTUTORIAL_AWS_OPT_IN", "yes")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    s3 = clients.client("s3")
    assert s3._request_signer._credentials.access_key == FAKE_KEY
    assert s3.meta.region_name == "eu-west-1"
    assert "amazonaws.com" in s3.meta.endpoint_url


def test_teardown_clients_do_not_need_the_opt_in(monkeypatch) -> None:
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    monkeypatch.delenv("CFTUTORIAL_AWS_OPT_IN", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    cf = clients.client("cloudfront", for_teardown=True)
    assert cf.meta.service_model.service_name == "cloudfront"


def test_unknown_service_names_the_services_used(local_aws) -> None:
    with pytest.raises(BackendError, match=r"'ec2'.*s3.*cloudfront.*sts"):
        clients.client("ec2")


def test_recorded_calls_name_each_operation(local_aws, tmp_path, monkeypatch):
    record = tmp_path / "calls.txt"
    monkeypatch.setenv(clients.ENV_RECORD_CALLS, str(record))
    s3 = clients.client("s3")
    s3.list_buckets()
    clients.client("cloudfront").list_distributions()
    assert record.read_text().splitlines() == ["s3:ListBuckets", "cloudfront:ListDistributions"]


def _profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, region: str) -> None:
    """A named profile in a temporary AWS_CONFIG_FILE, the way a learner configures a region."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config").write_text(f"[profile learner]\nregion = {region}\n")
    (tmp_path / "credentials").write_text(
        f"[learner]\naws_access_key_id = {FAKE_KEY}\naws_secret_access_key = {FAKE_SECRET}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_PROFILE", "learner")
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    monkeypatch.setenv("CFTUTORIAL_AWS_OPT_IN", "yes")


def test_the_run_region_is_the_notebooks_else_the_profiles(tmp_path, monkeypatch) -> None:
    _profile(tmp_path, monkeypatch, "eu-west-1")
    assert clients.region("") == "eu-west-1"
    assert clients.region("  ap-south-1 ") == "ap-south-1"
    assert clients.client("s3").meta.region_name == "eu-west-1"
    assert clients.client("s3", region_name="ap-south-1").meta.region_name == "ap-south-1"
    made = clients.clients()
    assert {made.s3.meta.region_name, made.sts.meta.region_name} == {"eu-west-1"}
    assert made.s3._request_signer._credentials.method == "shared-credentials-file"


def test_the_local_run_region_is_us_east_1_unless_the_notebook_names_one(local_aws) -> None:
    assert clients.region("") == "us-east-1"
    assert clients.client("s3").meta.region_name == "us-east-1"
    assert clients.client("s3", region_name="eu-west-1").meta.region_name == "eu-west-1"


def test_the_default_notebook_region_gives_a_location_constraint_for_the_profile(
    tmp_path, monkeypatch
) -> None:
    """The failure this fixes: a profile in eu-west-1 and the notebook's default region used to
    send no LocationConstraint to eu-west-1 (IllegalLocationConstraintException)."""
    from cftutorial.aws import buckets
    from cftutorial.tutorial import step01_bucket as step01

    _profile(tmp_path, monkeypatch, "eu-west-1")
    region = step01.run_region("")
    assert region == "eu-west-1"
    kwargs = buckets.create_bucket_kwargs("cftutorial-region", region=region)
    assert kwargs["CreateBucketConfiguration"] == {"LocationConstraint": "eu-west-1"}


def test_a_client_of_another_region_is_one_message_before_any_call(tmp_path, monkeypatch) -> None:
    from cftutorial.aws import buckets
    from cftutorial.errors import RegionError

    _profile(tmp_path, monkeypatch, "eu-west-1")
    s3 = clients.client("s3")
    with pytest.raises(RegionError, match=r"'eu-west-1'.*'ap-south-1'.*region_name='ap-south-1'"):
        buckets.check_client_region("ap-south-1", s3)
    buckets.check_client_region("eu-west-1", s3)  # the run's own region: fine
    buckets.check_client_region("eu-west-1", clients.client("s3", region_name="us-east-1"))


# --- built once per process and local AWS ------------------------------------------------------


@pytest.fixture
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A state directory whose local AWS is this test's own (started on demand)."""
    from cftutorial.localaws import process

    monkeypatch.setenv("CFTUTORIAL_HOME", str(tmp_path / "home"))
    yield tmp_path / "home"
    process.stop()


@pytest.fixture
def health_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request to a local AWS's health endpoint this process makes, by endpoint."""
    from cftutorial.localaws import process

    asked: list[str] = []
    real = process._answers

    def counted(endpoint: str, pid: int) -> bool:
        asked.append(endpoint)
        return real(endpoint, pid)

    monkeypatch.setattr(process, "_answers", counted)
    return asked


def test_a_client_is_built_once_and_the_health_asked_once(own_home, health_checks) -> None:
    first = clients.client("s3")
    asked = len(health_checks)
    assert asked >= 1, "the first client did not check the local AWS's health"
    again = [clients.client("s3") for _ in range(5)]
    assert all(made is first for made in again)
    assert len(health_checks) == asked, "a later client asked the health endpoint again"
    assert clients.client("cloudfront") is not first  # one per service
    assert clients.client("s3", region_name="eu-west-1") is not first  # ... and per region
    assert first.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_local_aws_restarted_on_other_ports_gets_a_new_client(own_home) -> None:
    from cftutorial.localaws import process

    before = clients.client("s3")
    old_endpoint = before.meta.endpoint_url
    process.stop()
    restarted = process.start()
    assert restarted.aws_endpoint != old_endpoint, "the restart reused the port"
    after = clients.client("s3")
    assert after is not before and after.meta.endpoint_url == restarted.aws_endpoint
    assert after.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_another_cftutorial_home_gets_the_client_of_its_own_local_aws(
    own_home, tmp_path, monkeypatch, local_aws
) -> None:
    mine = clients.client("s3")
    monkeypatch.setenv("CFTUTORIAL_HOME", str(local_aws.home))
    sessions = clients.client("s3")
    assert sessions is not mine
    assert sessions.meta.endpoint_url == local_aws.aws_endpoint != mine.meta.endpoint_url
    monkeypatch.setenv("CFTUTORIAL_HOME", str(own_home))
    assert clients.client("s3") is mine


def test_switching_the_backend_never_reuses_a_local_client(local_aws, monkeypatch) -> None:
    local = clients.client("s3")
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    monkeypatch.setenv("CFTUTORIAL_AWS_OPT_IN", "yes")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    on_aws = clients.client("s3")
    assert on_aws is not local and "amazonaws.com" in on_aws.meta.endpoint_url
    assert on_aws._request_signer._credentials.access_key == FAKE_KEY
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE")  # other credentials
    assert clients.client("s3")._request_signer._credentials.access_key == "AKIAI44QH8DHBEXAMPLE"
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "local")
    assert clients.client("s3") is local


def test_an_edited_credentials_file_gives_a_new_aws_client(tmp_path, monkeypatch) -> None:
    _profile(tmp_path, monkeypatch, "eu-west-1")
    before = clients.client("s3")
    assert clients.client("s3") is before
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[learner]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\n"
        f"aws_secret_access_key = {FAKE_SECRET}\n# edited\n"
    )
    after = clients.client("s3")
    assert after is not before
    assert after._request_signer._credentials.access_key == "AKIAI44QH8DHBEXAMPLE"


def test_a_connection_error_drops_the_client_and_the_next_one_asks_again(
    own_home, health_checks
) -> None:
    """A learner's ``s3`` from an earlier cell, after the local AWS crashed: the call fails with
    botocore's connection error, and the next client finds (here: starts) a live local AWS."""
    import os
    import signal
    import time

    from botocore.exceptions import EndpointConnectionError

    from cftutorial.localaws import process

    held = clients.client("s3")
    crashed = process.status()
    os.kill(crashed.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while process._is_our_server(crashed.pid) and time.monotonic() < deadline:
        process._reap(crashed.pid)
        time.sleep(0.05)
    asked = len(health_checks)
    with pytest.raises(EndpointConnectionError):
        held.list_buckets()
    assert not any(known[3] == crashed.aws_endpoint for known in process._ANSWERED)
    fresh = clients.client("s3")
    assert fresh is not held and len(health_checks) > asked
    assert fresh.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert process.status().pid != crashed.pid


def test_forget_builds_every_client_anew(local_aws) -> None:
    before = clients.client("sts")
    clients.forget()
    assert clients.client("sts") is not before
