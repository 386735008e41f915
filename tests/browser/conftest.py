"""Fixtures for the browser tests: Chromium, a JupyterLab per test, and the screenshots folder.

Every browser test is skipped, with the reason, when Debian's Chromium or Playwright is missing
(``scripts/install-test-system-deps.sh`` installs Chromium; ``make test`` runs it first).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import chains
import pytest
from jupyter_process import JupyterServer, running_jupyter
from lab_driver import CHROMIUM, VIEWPORT, launch

from cftutorial.localaws import process

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SCREENSHOTS = ROOT / "tests" / "screenshots"
_SAVED = pytest.StashKey[list[Path]]()
_FAILED = pytest.StashKey[bool]()


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is missing: run scripts/install-test-system-deps.sh as root "
            "(apt-get install chromium fonts-dejavu-core)"
        )
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed: pip install -e '.[test]'"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason is None:
        return
    here = Path(__file__).parent
    # In CI the browser tests must run: there a missing browser is a broken install step, so
    # they are not skipped and fail (the chromium fixture names the reason).
    if _in_ci():
        return
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    saved = config.stash.get(_SAVED, [])
    if saved:
        folders = sorted({str(path.parent) for path in saved})
        terminalreporter.write_line(
            f"browser screenshots ({len(saved)}): {', '.join(folders)}", bold=True
        )


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    missing = _missing()
    if missing:
        pytest.fail(f"CI=true, but the browser tests cannot run: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


@pytest.fixture
def page(chromium, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser page; when the test fails, what it showed last is saved as a screenshot."""
    context = chromium.new_context(viewport=VIEWPORT)
    current = context.new_page()
    try:
        yield current
    finally:
        if request.node.stash.get(_FAILED, False):
            from playwright.sync_api import Error

            saved = request.config.stash.setdefault(_SAVED, [])
            with contextlib.suppress(Error):  # best effort: the page may be gone
                Screenshots(SCREENSHOTS, saved).take(current, f"FAILED-{request.node.name[:80]}")
        context.close()


class Screenshots:
    """Saves PNGs under tests/screenshots/ (gitignored) and lists them in pytest's summary."""

    def __init__(self, folder: Path, saved: list[Path]) -> None:
        self.folder, self.saved = folder, saved

    def take(self, page, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path))
        self.saved.append(path)
        print(f"screenshot: {path}")
        return path


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Screenshots:
    saved = request.config.stash.setdefault(_SAVED, [])
    return Screenshots(SCREENSHOTS, saved)


@dataclass(frozen=True)
class LabSession:
    server: JupyterServer
    notebooks: Path  # the temp copy JupyterLab serves
    home: Path  # its CFTUTORIAL_HOME


def _home_using(local_aws: process.LocalAWSStatus, home: Path) -> Path:
    """A fresh CFTUTORIAL_HOME whose runtime file points at the session's running local AWS.

    The notebooks' state (bucket, keys, distribution) starts empty, while the local AWS is the
    one the test process checks with boto3; nothing is started twice.
    """
    home.mkdir(mode=0o700)
    shutil.copy2(local_aws.runtime_file, home / Path(local_aws.runtime_file).name)
    return home


@pytest.fixture
def lab(local_aws, tmp_path: Path) -> Iterator[LabSession]:
    """JupyterLab on a temp copy of notebooks/, with a fresh CFTUTORIAL_HOME; stopped after."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    home = _home_using(local_aws, tmp_path / "home")
    try:
        with running_jupyter(
            "lab", notebooks, tmp_path / "jupyter", env={"CFTUTORIAL_HOME": str(home)}
        ) as server:
            yield LabSession(server, notebooks, home)
    finally:
        chains.tear_down_shared(home)


@dataclass(frozen=True)
class Book:
    """The book built once per session from the modern chain's Run All: its folder, and what
    the build printed."""

    path: Path
    output: str


@pytest.fixture(scope="session")
def built_book(modern_chain, tmp_path_factory: pytest.TempPathFactory) -> Book:
    """``scripts/build_book.py --executed`` on the notebooks the modern chain's Run All
    executed (nothing runs a second time), shared by every book test."""
    pytest.importorskip(
        "myst_nb", reason="the [docs] extra is not installed: pip install -e '.[docs]'"
    )
    out = tmp_path_factory.mktemp("book") / "html"
    executed = modern_chain["01"].path.parent  # the learner's Run All, one file per notebook
    before = {p: p.read_bytes() for p in NOTEBOOKS.glob("*.ipynb")}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_book.py"), str(out), "--executed",
         str(executed)],
        capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"\nbook build: {time.perf_counter() - started:.0f} s")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    after = {p: p.read_bytes() for p in NOTEBOOKS.glob("*.ipynb")}
    assert after == before, "building the book changed the committed notebooks"
    return Book(out, result.stdout + result.stderr)


@pytest.fixture
def run_made(lab: LabSession, monkeypatch: pytest.MonkeyPatch) -> LabSession:
    """Notebooks 01-04's run in the lab's state directory (as the notebooks would make it)."""
    import builders

    monkeypatch.setenv("CFTUTORIAL_HOME", str(lab.home))
    builders.run("default", "04", show_acl_failure=False)
    return lab
