"""Notebook 11 after Run All with its defaults (issue 26, item 1): the login link it prints
works, the player plays, and the login page says when the learner has logged out.

The run is notebooks 01-04 made by the step functions they call (the fewest notebooks 11
needs), then notebook 11 executed by papermill with its defaults in a kernel that stays up
afterwards, as JupyterLab's kernel does after Run All; Chromium then opens the printed link
(``*.localhost`` resolves to this machine).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import builders
import chains
import nbformat
import pytest

from cftutorial.tutorial import login_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = next((ROOT / "notebooks").glob("11-*.ipynb"))
PLAYING = """() => {
  const v = document.getElementById('hls-video');
  return v && v.readyState >= 2 && v.currentTime > 0.5;
}"""


def login_url_of(executed: nbformat.NotebookNode) -> str:
    """The login page's address as notebook 11 prints it."""
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            found = re.search(r"login page: (http://\S+/)", output.get("text", ""))
            if found:
                return found.group(1)
    raise AssertionError("notebook 11 printed no login page")


def assert_11_left_it_live(executed: nbformat.NotebookNode) -> None:
    """What the executed notebook says at its end with the defaults: nothing was put back."""
    text = "\n".join(
        output.get("text", "") for cell in executed.cells for output in cell.get("outputs", [])
    )
    assert "Nothing was put back (put_back = False)" in text
    assert re.search(r"OK: nothing was put back; http://login\.\S+/ answers 200", text)
    assert "login app stopped" not in text and "certificate deleted" not in text


@pytest.fixture
def run_all_11(local_aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Notebook 11, Run All with the defaults, its kernel still up; the executed notebook."""
    import papermill
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.utils import run_sync

    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    shutil.copy2(local_aws.runtime_file, home / Path(local_aws.runtime_file).name)
    monkeypatch.setenv("CFTUTORIAL_HOME", str(home))
    builders.run("default", "04", show_acl_failure=False)
    manager = AsyncKernelManager(kernel_name="python3")
    chains.counted("papermill-kept-kernel", NOTEBOOK.name)
    try:
        executed = papermill.execute_notebook(
            str(NOTEBOOK), str(tmp_path / NOTEBOOK.name), cwd=str(NOTEBOOK.parent),
            kernel_name="python3", km=manager, progress_bar=False,
        )  # fmt: skip
        yield executed
    finally:
        if run_sync(manager.is_alive)():
            run_sync(manager.shutdown_kernel)(now=True)
        chains.tear_down_shared(home)


def test_after_run_all_the_login_link_works_and_the_player_plays(
    run_all_11, chromium, screenshots
) -> None:
    assert_11_left_it_live(run_all_11)
    login = login_url_of(run_all_11)
    context = chromium.new_context(viewport={"width": 950, "height": 800})
    page = context.new_page()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    try:
        answer = page.goto(login)
        assert answer is not None and answer.status == 200
        page.fill("#user", login_app.DEMO_USER)
        page.fill("#password", login_app.DEMO_PASSWORD)
        page.click("#login")
        page.wait_for_url("**/player")
        page.wait_for_function(PLAYING, timeout=30_000)
        path = screenshots.take(page, "learner-11-after-run-all-playing")
        assert path.stat().st_size > 10_000, "the screenshot is blank"
        page.click("#logout")
        page.wait_for_url(login + "?logged-out")
        said = page.locator("#logged-out")
        assert said.is_visible() and "deleted the CloudFront-* cookies" in said.inner_text()
        screenshots.take(page, "learner-11-logged-out")
        assert not missing, f"the login site answered 404 to {missing}"  # the favicon too
    finally:
        context.close()
