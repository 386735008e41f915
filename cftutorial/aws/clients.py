"""boto3 clients for the active backend, from one function.

In local mode every client talks to the local AWS process with region us-east-1 and explicit
dummy credentials. The botocore session is cut off from ``~/.aws`` (config and credentials
files point at ``os.devnull``), from ``AWS_PROFILE`` and from ``AWS_ENDPOINT_URL*``, so real
credentials present on the machine are never read, let alone sent.

A run has ONE region (:func:`region`): the notebook's ``region`` when set, else the profile's
region in aws mode (``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's ``region``), else
us-east-1. Every client is made for it, and ``create_bucket`` sends a ``LocationConstraint``
for the S3 client's region, so the two can never disagree (S3's
``IllegalLocationConstraintException``).

A client is built once per process for what it depends on, and shared (boto3's clients are
thread-safe): building one costs a botocore session and its service model, about a tenth of a
second, and a notebook asks for dozens. In local mode the key is the local AWS it talks to (its
endpoint, pid and start time, so a server restarted on other ports, or another
``CFTUTORIAL_HOME``'s server, gets a new client); in aws mode it is everything the standard
credential chain reads (the ``AWS_*`` variables and the config and credentials files as they
are now). A connection error drops the client and makes the next one ask the local AWS's health
again (:func:`cftutorial.localaws.process.forget`); :func:`forget` drops them all.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
from botocore.config import Config
from botocore.configprovider import ConstantProvider

from .. import config
from ..errors import BackendError

SERVICES = ("s3", "cloudfront", "sts", "kms", "acm")
#: The clients every step gets (:func:`clients`); KMS is made only where a KMS key is used.
CORE_SERVICES = ("s3", "cloudfront", "sts", "acm")
#: A file to append ``service:Operation`` to for every AWS call a client makes (the tests derive
#: docs/iam-policy.json from it: the policy grants what the tutorial calls, no more, no less).
ENV_RECORD_CALLS = "CFTUTORIAL_RECORD_CALLS"
#: What a request that never got an HTTP answer raises: the endpoint is gone or not listening.
CONNECTION_ERRORS = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)

_BUILT: dict[Hashable, Any] = {}
_BUILDING = threading.Lock()


def _isolated_botocore_session() -> botocore.session.Session:
    session = botocore.session.Session()
    # A constant provider, not an instance variable: AWS_PROFILE must not even be consulted.
    store = session.get_component("config_store")
    store.set_config_provider("profile", ConstantProvider(None))
    for variable, value in {
        "config_file": os.devnull,
        "credentials_file": os.devnull,
        "region": config.LOCAL_REGION,
        "ignore_configured_endpoint_urls": True,
    }.items():
        session.set_config_variable(variable, value)
    return session


def local_session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=config.LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=config.LOCAL_SECRET_ACCESS_KEY,
        aws_session_token=None,
        region_name=config.LOCAL_REGION,
        botocore_session=_isolated_botocore_session(),
    )


def region(requested: str | None = "") -> str:
    """The run's one region: ``requested`` (the notebook's) if set, else the profile's region in
    aws mode (us-east-1 when none is configured), else us-east-1 for the local AWS."""
    chosen = (requested or "").strip()
    if chosen:
        return chosen
    if config.backend() == "aws":
        return boto3.Session().region_name or config.LOCAL_REGION
    return config.LOCAL_REGION


def client(
    service: str,
    *,
    region_name: str | None = None,
    start_local: bool = True,
    for_teardown: bool = False,
    read_only: bool = False,
) -> Any:
    """A boto3 client for ``service`` on the active backend (the local AWS by default).

    ``region_name`` is the run's region when the notebook set one; by default :func:`region`
    decides. In local mode the local AWS is started on demand unless ``start_local`` is false.
    In aws mode the standard credential chain is used, and only after the user opted in (see
    :mod:`cftutorial.aws.backend`); ``for_teardown`` lifts that requirement, since deleting what an
    earlier, opted-in run created creates nothing; ``read_only`` lifts it for a caller that only
    reads (``cftutorial audit``, ``cftutorial keys check --distribution``), with the standard chain.
    """
    if service not in SERVICES:
        raise BackendError(
            f"service {service!r} is not used by the tutorial; use one of {SERVICES}"
        )
    where = region(region_name)
    record = os.environ.get(ENV_RECORD_CALLS, "").strip()
    if config.backend() == "aws":
        from . import backend

        if not (for_teardown or read_only):
            backend.require_opt_in()
        key = ("aws", os.getpid(), service, where, record, _credential_chain_inputs())
        return _shared(key, lambda: _recording(_aws_client(service, where), record))
    from ..localaws import process

    state = process.ensure_running() if start_local else process.require_running()
    endpoint = state.aws_endpoint
    key = ("local", os.getpid(), service, where, record, endpoint, state.pid, state.started_at)

    def build() -> Any:
        made = _recording(_local_client(service, endpoint, where), record)
        _forget_on_connection_error(made, key, endpoint)
        return made

    return _shared(key, build)


def forget() -> None:
    """Drop every client built so far: the next :func:`client` builds a new one."""
    with _BUILDING:
        _BUILT.clear()


def _shared(key: Hashable, build: Callable[[], Any]) -> Any:
    with _BUILDING:
        made = _BUILT.get(key)
        if made is None:
            made = _BUILT[key] = build()
        return made


def _credential_chain_inputs() -> tuple:
    """What boto3's standard chain reads, as it is now: the AWS_* variables, HOME, and the
    config and credentials files (path, size and modification time)."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
    files = []
    for variable, default in (
        ("AWS_CONFIG_FILE", "~/.aws/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
    ):
        path = Path(os.environ.get(variable) or default).expanduser()
        try:
            found = path.stat()
        except OSError:
            files.append((str(path), None))
        else:
            files.append((str(path), found.st_size, found.st_mtime_ns))
    return env, os.environ.get("HOME", ""), tuple(files)


def _forget_on_connection_error(made: Any, key: Hashable, endpoint: str | None) -> None:
    """After a request that got no answer, the next client asks the local AWS's health again."""
    from ..localaws import process

    def dropped(exception: BaseException | None = None, **_kwargs: Any) -> None:
        if isinstance(exception, CONNECTION_ERRORS):
            with _BUILDING:
                if _BUILT.get(key) is made:
                    del _BUILT[key]
            process.forget(endpoint)

    made.meta.events.register("after-call-error", dropped)


def _recording(made: Any, path: str) -> Any:
    """With ``$CFTUTORIAL_RECORD_CALLS`` set (``path``), note each operation the client calls."""
    if not path:
        return made
    service = made.meta.service_model.service_name

    def note(model: Any, **_kwargs: Any) -> None:
        with open(path, "a") as calls:  # one short append per call: lines never interleave
            calls.write(f"{service}:{model.name}\n")

    made.meta.events.register("before-call.*.*", note)
    return made


def _local_client(service: str, endpoint: str, region_name: str) -> Any:
    return local_session().client(
        service,
        region_name=region_name,
        endpoint_url=endpoint,
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 2, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        ),
    )


def _aws_client(service: str, region_name: str) -> Any:
    return boto3.Session().client(
        service,
        region_name=region_name,
        config=Config(retries={"max_attempts": 8, "mode": "adaptive"}),
    )


@dataclass(frozen=True)
class Clients:
    s3: Any
    cloudfront: Any
    sts: Any
    acm: Any  # certificates for alternate domain names (notebook 11; us-east-1 for CloudFront)


def clients(
    *, region_name: str | None = None, start_local: bool = True, for_teardown: bool = False
) -> Clients:
    """The clients the steps use (:data:`CORE_SERVICES`), for the active backend and the run's
    region."""
    return Clients(
        **{
            name: client(
                name,
                region_name=region_name,
                start_local=start_local,
                for_teardown=for_teardown,
            )
            for name in CORE_SERVICES
        }
    )
