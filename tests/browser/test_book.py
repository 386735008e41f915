"""``make book``: the static site builds offline from the notebooks as the modern chain's Run
All executed them (scripts/build_book.py --executed: nothing is executed a second time), and
reads well in headless Chromium: pages render, notebook 05 shows the two refusals, images load
and no internal link is broken. The suite does not run ``make book`` itself: without
``--executed`` it runs the same notebooks once more the same way (papermill, the defaults, in
order), the execution the book used to repeat.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import nbformat
import pytest
from lab_driver import VIEWPORT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_SOURCES = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.md"))


@pytest.fixture(scope="module")
def book(built_book) -> Path:
    """The session's book (conftest.built_book, which also holds that the build left the
    committed notebooks as they were), built without running anything."""
    assert "book built in" in built_book.output
    assert "executing" not in built_book.output, "the book ran notebooks of its own"
    return built_book.path


@pytest.fixture(scope="module")
def site(book: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def book_page(site: str, chromium) -> Iterator[object]:
    """A page of the session's Chromium (Playwright's sync API runs once per process)."""
    page = chromium.new_page(viewport=VIEWPORT)
    # offline: only the book's own server is reachable (the README's Binder badge is not)
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(site) else route.abort(),
    )
    yield page
    page.close()


def test_the_book_shows_every_executed_notebook_and_the_committed_ones_stay_clean(
    book: Path, modern_chain
) -> None:
    assert len(NOTEBOOK_SOURCES) == 13
    for source in NOTEBOOK_SOURCES:
        html = (book / "notebooks" / f"{source.stem}.html").read_text()
        assert 'class="cell_output' in html, f"{source.stem}: no executed output in the book"
        # the outputs are the chain's: its distribution id is on the page
        dist_id = re.search(r"distribution (\w+) \(created\)", modern_chain.text("04"))
        if source.stem.startswith("04"):
            assert dist_id and dist_id.group(1) in html
        committed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
        assert not any(cell.get("outputs") for cell in committed.cells if cell.cell_type == "code")
    assert "README.html" in (book / "index.html").read_text()


def crawl(page, site: str) -> dict[str, dict]:
    """Every page reachable from the landing page: its title, images, links and element ids."""
    seen: dict[str, dict] = {}
    todo = [urljoin(site, "README.html")]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        response = page.goto(url)
        info = page.evaluate(
            """() => ({
              title: document.title,
              article: (document.querySelector('article') || {innerText: ''}).innerText,
              images: [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
              links: [...document.querySelectorAll('a[href]')].map(a => a.href),
              ids: [...document.querySelectorAll('[id]')].map(e => e.id),
            })"""
        )
        info["status"] = response.status if response else None
        seen[url] = info
        for link in info["links"]:
            target = urldefrag(link).url
            if target.startswith(site) and target.endswith(".html") and target not in seen:
                todo.append(target)
    return seen


@pytest.fixture(scope="module")
def pages(book_page, site: str) -> dict[str, dict]:
    return crawl(book_page, site)


def test_every_page_renders(pages: dict[str, dict], site: str) -> None:
    names = {urlsplit(url).path.lstrip("/") for url in pages}
    expected = {f"notebooks/{s.stem}.html" for s in NOTEBOOK_SOURCES}
    expected |= {"README.html", "docs/teaching-guide.html", "docs/aws-mode.html"}
    expected |= {"docs/local-aws-fidelity.html", "docs/flow.html", "docs/workshop.html"}
    assert expected <= names, expected - names
    for url, info in pages.items():
        assert info["status"] == 200, url
        assert info["title"].strip() and len(info["article"]) > 200, f"{url} rendered nothing"


def test_notebook_05_shows_missing_key_and_access_denied(pages: dict[str, dict], site: str) -> None:
    article = pages[urljoin(site, "notebooks/05-unsigned-access-fails.html")]["article"]
    assert "MissingKey" in article and "AccessDenied" in article


def test_images_load(pages: dict[str, dict], site: str) -> None:
    local = [
        (url, img)
        for url, info in pages.items()
        for img in info["images"]
        if img["src"].startswith(site)
    ]
    assert any("flow.svg" in img["src"] for _, img in local), "the flow diagram is missing"
    broken = [(url, img["src"]) for url, img in local if not img["ok"]]
    assert not broken, broken


def test_no_internal_link_is_broken(pages: dict[str, dict], site: str, book: Path) -> None:
    checked, broken = 0, []
    for url, info in pages.items():
        for link in info["links"]:
            if not link.startswith(site):
                continue
            target, fragment = urldefrag(link)
            path = book / urlsplit(target).path.lstrip("/")
            if path.is_dir():
                path = path / "index.html"
            checked += 1
            if not path.is_file() or (
                fragment and target in pages and fragment not in pages[target]["ids"]
            ):
                broken.append((url, link))
    assert checked > 50
    assert not broken, broken


def test_live_players_become_a_true_note(pages: dict[str, dict], site: str, book: Path) -> None:
    html = (book / "notebooks" / "08-try-them-and-clean-up.html").read_text()
    for attribute in ('src="/proxy/', 'href="/proxy/'):
        assert attribute not in html, (
            "a player that needs the live Jupyter server was left in the book"
        )
    article = pages[urljoin(site, "notebooks/08-try-them-and-clean-up.html")]["article"]
    assert "This page is static, with no edge to ask" in article
