"""Shared fixtures.

``local_aws`` starts one local AWS process for the test session, in a temporary state
directory, on free ports, set to end by itself when pytest ends. Tests never use the user's
real ``CFTUTORIAL_HOME`` or AWS credentials: both are replaced for the whole session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cftutorial.aws import account_keys
from cftutorial.localaws import process
from cftutorial.tutorial import kernel

ISOLATED_ENV = {
    "CFTUTORIAL_AWS_PORT": "0",
    "CFTUTORIAL_EDGE_PORT": "0",
    "CFTUTORIAL_BACKEND": "local",
    "CFTUTORIAL_DEPLOY_SECONDS": "1",
    process.ENV_WATCH_PID: str(os.getpid()),
    # every kernel a test starts (papermill, nbval, Jupyter) is the project's, as make lab's
    "JUPYTER_PATH": kernel.jupyter_path(os.environ.get("JUPYTER_PATH")),
}


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private CFTUTORIAL_HOME for the whole session, and free ports for the local AWS."""
    home = tmp_path_factory.mktemp("cftutorial-home")
    saved = {name: os.environ.get(name) for name in [*ISOLATED_ENV, "CFTUTORIAL_HOME"]}
    os.environ.update(ISOLATED_ENV, CFTUTORIAL_HOME=str(home))
    yield home
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def local_aws(isolated_home: Path) -> Iterator[process.LocalAWSStatus]:
    """One running local AWS for the session (stopped at the end, and by itself if pytest dies)."""
    state = process.start()
    assert state.running, state
    yield state
    process.stop()


@pytest.fixture(autouse=True)
def free_account_key_pair_slots(request: pytest.FixtureRequest) -> Iterator[None]:
    """An account has at most two key pairs (as on AWS), and the session shares one local AWS:
    delete the account key pairs a test registered (guide path) once it is done."""
    if "local_aws" not in request.fixturenames:
        yield
        return

    request.getfixturevalue("local_aws")
    before = {item["KeyPairId"] for item in account_keys.list_account_key_pairs()}
    yield
    for item in account_keys.list_account_key_pairs():
        if item["KeyPairId"] not in before:
            account_keys.delete_account_key_pair(item["KeyPairId"])
