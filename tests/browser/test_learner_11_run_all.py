"""Notebook 11 after Run All with its defaults (issue 26, item 1): the login link it prints
works, the player plays, and the login page says when the learner has logged out.

The run is notebooks 01-04 made by the step functions they call (the fewest notebooks 11
needs), then notebook 11 Run All in JupyterLab, whose kernel stays up afterwards; Chromium then
opens the printed link (``*.localhost`` resolves to this machine). The same run shows 11's
tables at 950 px (test_learner_tables.py).
"""

from __future__ import annotations

import re

import nbformat
import pytest
from test_learner_tables import assert_tables_keep_words_whole, run_all, saved

from cftutorial.tutorial import login_app

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.localaws]
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
def run_all_11(run_made, page, screenshots) -> nbformat.NotebookNode:
    """Notebook 11, Run All in JupyterLab with the defaults, its kernel still up; its tables
    checked at 950 px; the notebook as JupyterLab saves it."""
    run_all(page, run_made, "11")
    checked = assert_tables_keep_words_whole(page, "11", ("forms.response_summary(",))
    assert checked >= 2, checked
    screenshots.take(page, "learner-11-answers-at-950px")
    return saved(page, run_made, "11")


def test_after_run_all_in_jupyterlab_its_tables_fit_the_login_link_works_and_it_plays(
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
