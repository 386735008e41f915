"""Shared fixtures, and how the suite runs however it is launched.

``local_aws`` starts one local AWS process per test process (each pytest-xdist worker has its
own), in a temporary state directory, on free ports, set to end by itself when that process
ends. Tests never use the user's real ``CFTUTORIAL_HOME``, AWS credentials or Jupyter and
IPython settings: all are replaced for the whole session, so nothing depends on (or writes to)
the user's HOME.

The notebook chains (tests/chains.py) and the install (tests/installs.py) are session fixtures:
each is built once, in one worker, and every test that reads it runs in that worker (the
tests are grouped by the fixtures they use; the tests of a file that builds a fixture once are
grouped by file; the others run in any worker). The number of notebook executions is printed at
the end of the run.
"""

from __future__ import annotations

import collections
import json
import os
from collections.abc import Iterator
from pathlib import Path

import chains
import installs
import pytest
import standin as standin_run

from cftutorial.aws import account_keys
from cftutorial.localaws import process
from cftutorial.tutorial import kernel

#: Seconds a distribution of the session's local AWS stays InProgress after a change: long
#: enough for a test to see InProgress (the next call comes within milliseconds), short because
#: every test that builds a run through notebook 04 or 06, or tears one down, waits it out
#: (the chains keep their own, chains.DEPLOY_SECONDS).
DEPLOY_SECONDS = "0.5"
#: Seconds until the session's local AWS issues a requested ACM certificate (whole seconds; a
#: learner's is 3): still PENDING_VALIDATION at the waiter's first look, ISSUED at its second.
ACM_ISSUE_SECONDS = "1"
ISOLATED_ENV = {
    "CFTUTORIAL_AWS_PORT": "0",
    "CFTUTORIAL_EDGE_PORT": "0",
    "CFTUTORIAL_BACKEND": "local",
    "CFTUTORIAL_DEPLOY_SECONDS": DEPLOY_SECONDS,
    "CFTUTORIAL_ACM_ISSUE_SECONDS": ACM_ISSUE_SECONDS,
    "CFTUTORIAL_LOCAL_ALLOWED_HOSTS": "",  # the boundary as on a laptop, even under JupyterHub
    process.ENV_WATCH_PID: str(os.getpid()),
    # every kernel a test starts (papermill, nbval, Jupyter) is the project's, as make lab's
    "JUPYTER_PATH": kernel.jupyter_path(os.environ.get("JUPYTER_PATH")),
}
#: Jupyter's and IPython's own folders: per session, never the user's (~/.jupyter, ~/.ipython).
JUPYTER_DIRS = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")
#: The chains and the install: a test that uses one runs where it was built (``xdist_group``).
SHARED = ("installed", "guide_chain", "modern_chain", "standin")


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private CFTUTORIAL_HOME for the whole session, free ports for the local AWS, and
    private Jupyter and IPython folders (the python3 kernel is found in sys.prefix)."""
    home = tmp_path_factory.mktemp("cftutorial-home")
    jupyter = tmp_path_factory.mktemp("jupyter")
    private = {name: str(jupyter / name.lower()) for name in JUPYTER_DIRS}
    with chains.environment({**ISOLATED_ENV, **private, "CFTUTORIAL_HOME": str(home)}):
        yield home


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


# --- built once per session: the install and the notebook chains -------------------------------


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> installs.Install:
    """The sdist and wheel, built once; one venv with the core, then with [lab] on top."""
    return installs.build_and_install(tmp_path_factory.mktemp("install"))


@pytest.fixture(scope="session")
def modern_chain(tmp_path_factory: pytest.TempPathFactory) -> chains.Chain:
    """The learner's Run All, then the modern path's re-runs (chains.build_modern)."""
    root = tmp_path_factory.mktemp("modern-chain")
    home = root / "home"
    home.mkdir()
    chain = chains.Chain("modern", chains.InProcess(chains.chain_env(home)), home, root / "out")
    chains.build_modern(chain)
    return chain


@pytest.fixture(scope="session")
def guide_chain(
    installed: installs.Install, tmp_path_factory: pytest.TempPathFactory
) -> chains.Chain:
    """The guide path with two crashes of its local AWS (chains.build_guide), run with the
    installed wheel's papermill, kernel and CLI on the notebooks it copied: what a pip user
    who installed ``cftutorial[lab]`` runs."""
    root = tmp_path_factory.mktemp("guide-chain")
    home = root / "home"
    home.mkdir()
    env = chains.chain_env(home, installed.env())
    runner = chains.Installed(installed.bin_dir, env)
    chain = chains.Chain("guide", runner, home, root / "out", installed.notebooks)
    chains.build_guide(chain, installed.bin_dir)
    return chain


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory) -> standin_run.StandIn:
    """The aws-mode path against a stand-in account, two rounds and the guide's (standin.build)."""
    return standin_run.build(tmp_path_factory.mktemp("standin"))


# --- pytest-xdist: where each test runs, and the order --------------------------------------


def _group(item: pytest.Item) -> str:
    for name in SHARED:
        if name in item.fixturenames:
            return "installed" if name == "guide_chain" else name.removesuffix("_chain")
    if not _uses_module_fixtures(item):
        return item.nodeid  # nothing built per file: any worker, so the long files spread out
    return item.nodeid.split("::")[0]


def _uses_module_fixtures(item: pytest.Item) -> bool:
    """Whether a fixture the test uses is built once per file (or class): then its file's tests
    run in one worker, which builds it once."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return True
    return any(
        definitions[-1].scope in ("module", "class", "package")
        for definitions in info.name2fixturedefs.values()
        if definitions
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test joins the group of the shared fixture it reads, else its file's group when the
    file builds a fixture once for its tests, else none (any worker); the shared ones run first,
    so the longest work starts first."""
    grouping = config.pluginmanager.hasplugin("xdist")  # else xdist_group is no marker
    for item in items:
        if grouping:
            item.add_marker(pytest.mark.xdist_group(_group(item)))
        if any(name in item.fixturenames for name in SHARED):
            item.add_marker(pytest.mark.slow)  # what it reads executes notebooks or installs
    shared = {"installed": 0, "modern": 1, "standin": 2}
    items.sort(key=lambda item: shared.get(_group(item), len(shared)))


# --- counting notebook executions ---------------------------------------------------------------

_EXECUTIONS = pytest.StashKey[list[str]]()


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: hand the count to the controller
        workeroutput["notebook_executions"] = json.dumps(chains.EXECUTIONS)
    else:
        session.config.stash.setdefault(_EXECUTIONS, []).extend(chains.EXECUTIONS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    found = getattr(node, "workeroutput", {}).get("notebook_executions")
    if found:
        node.config.stash.setdefault(_EXECUTIONS, []).extend(json.loads(found))


_UNGROUPED = pytest.StashKey[bool]()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids: list[str]) -> None:
    """Under --dist loadgroup a grouped test's id ends in "@group"; without it (a pytest-xdist
    that cannot group) each worker would build every chain: said at the end of the run."""
    if node.config.getvalue("dist") == "loadgroup" and not any("@" in i for i in ids):
        node.config.stash[_UNGROUPED] = True


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if config.stash.get(_UNGROUPED, False):
        terminalreporter.write_line(
            "pytest-xdist did not group the tests (--dist loadgroup): each worker built the "
            "chains it needed; see the 'test' extra's pytest bound in pyproject.toml",
            red=True,
            bold=True,
        )
    executed = config.stash.get(_EXECUTIONS, [])
    by_who = collections.Counter(line.split("/")[0].split(" ")[0] for line in executed)
    detail = ", ".join(f"{who} {count}" for who, count in sorted(by_who.items()))
    terminalreporter.write_line(
        f"notebook executions: {len(executed)}" + (f" ({detail})" if detail else ""), bold=True
    )
