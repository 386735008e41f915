"""The book as a learner reads it offline (issue 26, items 6 and 13): solutions collapsed until
opened, forms and progress bars drawn without widget scripts, no remote image, no dead link to a
server the notebook's kernel ran, and a quiet build.

The book is the session's (``built_book``: ``scripts/build_book.py`` on the modern chain's Run
All); every check is a helper that takes the built folder (and the build's output), so a build
made elsewhere (``make book``) can be checked the same way.
Chromium reads the book from a local server with every other address refused, as offline.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_PAGES = sorted(
    f"notebooks/{p.stem}.html" for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.md")
)
REMOTE_SCRIPT = re.compile(r"""<script[^>]+src=["']https?://""", re.I)


@pytest.fixture(scope="module")
def built(built_book) -> tuple[Path, str]:
    """(the book's folder, everything the build printed): the session's book."""
    return built_book.path, built_book.output


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def offline(built, chromium) -> Iterator[tuple[object, str, list[str]]]:
    """(a Chromium page, the book's address, the addresses it tried to reach elsewhere)."""
    handler = functools.partial(_Quiet, directory=str(built[0]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}/"
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    elsewhere: list[str] = []

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(site) or url.startswith("data:"):
            request_route.continue_()
        else:
            elsewhere.append(url)
            request_route.abort()

    page.route("**/*", route)
    yield page, site, elsewhere
    page.close()
    server.shutdown()
    server.server_close()


# --- the checks, each on a built book --------------------------------------------------------


def assert_quiet_build(output: str) -> None:
    assert "Kernel is running over TCP" not in output, output[-2000:]
    assert "book built in" in output


def assert_no_remote_script_or_image(book: Path) -> None:
    for page in [book / "README.html", *(book / p for p in NOTEBOOK_PAGES)]:
        html = page.read_text()
        assert not REMOTE_SCRIPT.search(html), f"{page.name} loads a script from the network"
        assert "mybinder.org/badge" not in html, f"{page.name} shows a remote badge image"
        assert "widget-view+json" not in html and "html-manager" not in html, page.name


def assert_solutions_collapsed(page, site: str, path: str) -> None:
    """Every solution on ``path`` is closed until its summary is clicked."""
    page.goto(site + path)
    solutions = page.locator("div.tag_solution")
    explained = page.locator("details:has(> summary:has-text('Solution'))")
    assert solutions.count() >= 1 and explained.count() >= 1, path
    for found in (solutions.first.locator("details").first, explained.first):
        assert found.evaluate("d => d.open") is False, path
    code = solutions.first.locator(".cell_input pre").first
    assert not code.is_visible(), f"{path}: the solution's code shows before it is opened"
    solutions.first.locator("summary").first.click()
    assert code.is_visible(), f"{path}: opening the solution shows nothing"
    explanation = explained.first.locator("p").first
    assert not explanation.is_visible()
    explained.first.locator("summary").first.click()
    assert explanation.is_visible()


def assert_forms_drawn(page, site: str, path: str) -> None:
    page.goto(site + path)
    form = page.locator(".cftutorial-form").first
    form.scroll_into_view_if_needed()
    assert form.is_visible(), f"{path}: the form is blank"
    text = form.inner_text()
    assert "run name" in text and "default" in text and "static copy" in text, text


def assert_bar_finished(page, site: str, path: str, words: str) -> None:
    page.goto(site + path)
    bar = page.locator(".cftutorial-progress").first
    bar.scroll_into_view_if_needed()
    assert bar.is_visible(), f"{path}: the progress bar is missing"
    assert bar.get_attribute("data-style") == "success", f"{path}: the bar is not green"
    assert words in bar.inner_text(), bar.inner_text()


def assert_no_dead_login_link(page, site: str) -> None:
    page.goto(site + "notebooks/11-cookies-from-a-login-service.html")
    assert page.locator("a[href*='login.cftutorial.localhost']").count() == 0
    note = page.locator(".cftutorial-live-only")
    assert note.count() == 1 and "This page is static" in note.inner_text()


# --- the tests -------------------------------------------------------------------------------------


def test_the_book_builds_quietly_and_loads_nothing_from_the_network(built, offline) -> None:
    book, output = built
    assert_quiet_build(output)
    assert_no_remote_script_or_image(book)
    page, site, elsewhere = offline
    page.goto(site + "README.html")
    badge = page.locator("img[alt='Launch on Binder']")
    assert badge.evaluate("i => i.complete && i.naturalWidth > 0"), "the badge is broken"
    for path in NOTEBOOK_PAGES:
        page.goto(site + path)
    assert not elsewhere, f"the book asked the network for {elsewhere[:5]}"


def test_every_solution_is_collapsed_until_opened(offline, screenshots) -> None:
    page, site, _ = offline
    for path in NOTEBOOK_PAGES:
        assert_solutions_collapsed(page, site, path)
    page.goto(site + NOTEBOOK_PAGES[0])
    page.locator("div.tag_solution").first.scroll_into_view_if_needed()
    screenshots.take(page, "learner-book-solution-collapsed")


def test_forms_and_bars_are_drawn_without_widgets(offline, screenshots) -> None:
    page, site, _ = offline
    for path in NOTEBOOK_PAGES:
        assert_forms_drawn(page, site, path)
    assert_bar_finished(
        page, site, "notebooks/04-distribution-requiring-signatures.html", "Deployed"
    )
    screenshots.take(page, "learner-book-04-bar")
    assert_bar_finished(page, site, "notebooks/batch-sign-urls.html", "100%")
    screenshots.take(page, "learner-book-batch-bar")


def test_11_says_its_login_page_needs_the_notebook(offline) -> None:
    page, site, _ = offline
    assert_no_dead_login_link(page, site)
