"""The tutorial as a learner sees it: JupyterLab in Chromium, forms, the step cells, the video.

A headless notebook run (papermill) cannot show that a form renders, that a learner's edit in it
reaches the next cell, or that the browser can load the video; these tests drive the real page.
Screenshots of every checked notebook are saved to tests/screenshots/ (listed at the end of the
pytest output).
"""

from __future__ import annotations

import re
import secrets

import builders
import chains
import pytest
from lab_driver import (
    VIEWPORT,
    cell_node,
    find_cell,
    menu,
    open_notebook,
    output_text,
    run_cell,
    select_cell,
    wait_executed,
)
from test_learner_tables import assert_tables_keep_words_whole

from cftutorial.aws import clients

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.localaws]


def notebook(lab, number: int) -> str:
    found = sorted(lab.notebooks.glob(f"{number:02d}-*.ipynb"))
    assert len(found) == 1, f"expected one notebook {number:02d}-*.ipynb, found {found}"
    return found[0].name


def run_all(page, lab, name: str) -> None:
    chains.counted("JupyterLab", name)
    open_notebook(page, lab.server, name)
    menu(page, "Run", "Run All Cells")
    wait_executed(page)


def test_notebook_01_form_renders_and_its_step_creates_the_typed_bucket(
    page, lab, screenshots
) -> None:
    run_all(page, lab, notebook(lab, 1))

    form = cell_node(page, find_cell(page, "forms.bucket_form("))
    for label in ("run name", "approach", "bucket name", "region"):
        shown = form.locator("label.widget-label", has_text=re.compile(f"^{label}$"))
        shown.wait_for(state="visible", timeout=30_000)
    name_field = form.locator(".widget-text").filter(has_text="bucket name").locator("input")
    name_field.wait_for(state="visible", timeout=10_000)

    new_bucket = f"cftutorial-browser-{secrets.token_hex(4)}"
    name_field.fill(new_bucket)
    screenshots.take(page, "01-form")
    # the step's cells read form.values(): the lookup, then s3.create_bucket(...), the upload, the save
    for needle in (
        "step01.checked_bucket_name(",
        "s3.create_bucket(Bucket=bucket",
        "s3.put_object(",
        "step01.save(",
    ):
        run_cell(page, find_cell(page, needle))
    step = find_cell(page, "s3.create_bucket(Bucket=bucket")
    shown = output_text(page, step)
    assert f"created {new_bucket!r}" in shown, shown
    cell_node(page, step).locator(".jp-OutputArea").scroll_into_view_if_needed()
    screenshots.take(page, "01-step-result")
    s3 = clients.client("s3")
    assert s3.head_bucket(Bucket=new_bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=new_bucket).get("Contents", [])}
    assert "video.mp4" in keys, keys


def run_steps_01_to_07(lab) -> None:
    """What notebooks 01-07 leave for 08, built as their cells build it (tests/builders.py) in
    the lab's CFTUTORIAL_HOME: the notebooks' own cells ran headless in the chains (tests/chains.py), and
    this test is about 08 in the browser, so it needs their state, not a third execution."""
    with chains.in_home(lab.home):
        builders.run("default", "06", show_acl_failure=False)


_PLAYS_JS = """async (id) => {
  const video = document.getElementById(id);
  video.muted = true;
  await video.play();
  return {src: video.currentSrc, muted: video.muted};
}"""


def test_notebook_08_plays_the_signed_video_and_refuses_the_expired_url(
    page, lab, screenshots
) -> None:
    run_steps_01_to_07(lab)
    open_notebook(page, lab.server, notebook(lab, 8))
    chains.counted("JupyterLab", notebook(lab, 8))
    clean_up = find_cell(page, "## Clean up", kind="markdown")
    select_cell(page, clean_up)
    menu(page, "Run", "Run All Above Selected Cell")
    wait_executed(page, upto=clean_up)

    video_cell = find_cell(page, 'element_id="signed-video"')
    cell_node(page, video_cell).locator("video#signed-video").wait_for(timeout=30_000)
    started = page.evaluate(_PLAYS_JS, "signed-video")
    assert started["muted"] is True
    assert started["src"].startswith(lab.server.url + "proxy/"), started["src"]
    page.wait_for_function(
        "() => { const v = document.getElementById('signed-video');"
        " return v.readyState >= 2 && v.currentTime > 0.5; }",
        timeout=30_000,
    )

    expired_cell = find_cell(page, 'element_id="expired-video"')
    expired = cell_node(page, expired_cell).locator("video#expired-video")
    expired.wait_for(timeout=10_000)
    error_code = page.wait_for_function(
        "() => { const v = document.getElementById('expired-video');"
        " return v.error ? v.error.code : null; }",
        timeout=30_000,
    ).json_value()
    assert error_code == 4, error_code  # MEDIA_ERR_SRC_NOT_SUPPORTED: the edge answered 403
    beside = output_text(page, expired_cell)
    assert "403" in beside and "AccessDenied" in beside and "expired" in beside, beside
    expired.scroll_into_view_if_needed()
    screenshots.take(page, "08-video")

    denied = find_cell(page, "denied = {")
    table = output_text(page, denied)
    row = next((line for line in table.splitlines() if "expired a minute ago" in line), "")
    assert "403" in row and "AccessDenied" in row, table
    screenshots.take(page, "08-denied")
    # the answers' tables, 950 px wide as a learner's window may be (test_learner_tables.py)
    checked = assert_tables_keep_words_whole(page, "08", ("forms.response_summary(",))
    assert checked >= 3, checked
    screenshots.take(page, "learner-08-answers-at-950px")
    page.set_viewport_size(VIEWPORT)

    form = cell_node(page, find_cell(page, "forms.try_form("))
    form.locator(".widget-checkbox", has_text="clean up").locator("input").check()
    select_cell(page, clean_up)
    menu(page, "Run", "Run Selected Cell and All Below")
    wait_executed(page)
    check = find_cell(page, "everything this run created is gone")
    assert "OK: everything this run created is gone" in output_text(page, check)
    screenshots.take(page, "08-cleaned-up")
