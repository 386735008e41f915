"""Sphinx configuration for the cftutorial book (``make book``; scripts/build_book.py).

The source directory is a staging folder that scripts/build_book.py fills: the README (the
landing page exactly as GitHub shows it, its links to docs/ resolving) and docs/ as they are in
the repository, and notebooks/ holding each notebook executed once, in order, by papermill
against a fresh local AWS. MyST-NB renders those outputs and executes nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from docutils import nodes

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cftutorial import __version__  # noqa: E402

project = "cftutorial"
author = "cftutorial contributors"
release = version = __version__
copyright = "cftutorial contributors, MIT licence"

extensions = ["myst_nb"]
root_doc = "README"
include_patterns = ["README.md", "docs/*.md", "notebooks/*.ipynb"]
exclude_patterns = [
    "build",
    ".venv",
    "**/.ipynb_checkpoints",
    "docs/CONTRACTS.md",
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

# The notebooks come executed (scripts/build_book.py: a failed cell fails the build), so the
# book shows only outputs the code really printed, and MyST-NB runs nothing a second time.
nb_execution_mode = "off"
nb_merge_streams = True
# The book is a static page, read offline: no widget manager, no scripts from a CDN. Every
# widget the notebooks show carries its own static HTML (the forms' values, the last state of
# a progress bar: cftutorial.tutorial.forms, cftutorial.progress), which the book shows instead.
nb_ipywidgets_js: dict = {}
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("dirhtml", "application/vnd.jupyter.widget-view+json", None),
    ("singlehtml", "application/vnd.jupyter.widget-view+json", None),
]

html_theme = "sphinx_book_theme"
html_title = "cftutorial: private CloudFront content with signed URLs and cookies"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
}
html_show_sourcelink = False
html_last_updated_fmt = None

#: The book's table of contents, added to the README's page at build time (the README itself
#: stays as GitHub shows it).
TOCTREE = """

```{toctree}
:hidden:
:caption: The tutorial
:glob:

docs/flow
notebooks/*
```

```{toctree}
:hidden:
:caption: Guides

docs/teaching-guide
docs/workshop
docs/aws-mode
docs/local-aws-fidelity
docs/benchmarks
```
"""


def _add_toctree(app, docname: str, source: list[str]) -> None:
    if docname == root_doc:
        source[0] += TOCTREE


#: index.html, for servers and browsers that open a folder's index: the landing page is README.
REDIRECT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cftutorial</title>
<meta http-equiv="refresh" content="0; url=README.html"></head>
<body><p><a href="README.html">cftutorial: the tutorial book</a></p></body></html>
"""


def _write_index(app, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        (Path(app.outdir) / "index.html").write_text(REDIRECT)


#: A player of notebook outputs that streams through the live Jupyter server and local edge
#: (``/proxy/PORT/…``, see cftutorial.tutorial.player): a static page has neither.
LIVE_PLAYER = re.compile(r'<video\b(?P<attrs>[^>]*)\bsrc="/proxy/[^"]*"[^>]*>.*?</video>', re.S)
LIVE_NOTE = (
    '<p class="cftutorial-live-only"{id}><em>In JupyterLab this output is a video player that asks '
    "the local CloudFront edge for the signed URL above. This page is static, with no edge to ask: "
    "run the notebook (<code>cftutorial lab</code>) to see the edge answer.</em></p>"
)


def _live_note(match: re.Match) -> str:
    found = re.search(r'\bid="([^"]+)"', match.group("attrs"))
    return LIVE_NOTE.format(id=f' id="{found.group(1)}"' if found else "")


#: A link to a server that the notebook's kernel runs (notebook 11's login page; see
#: cftutorial.tutorial.step11_login_cookies.login_link): dead on a static page.
LIVE_LINK = re.compile(r'<a class="cftutorial-live-link"[^>]*>.*?</a>[^<]*', re.S)
LIVE_LINK_NOTE = (
    '<p class="cftutorial-live-only"><em>In JupyterLab this output is a link to the login page '
    "that the notebook's kernel serves on this machine. This page is static, with no kernel "
    "behind it: run the notebook (<code>cftutorial lab</code>) to log in and play the video.</em></p>"
)


def _replace_live_players(app, doctree, docname: str) -> None:
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "/proxy/" in text and "<video" in text:
            node.replace_self(nodes.raw("", LIVE_PLAYER.sub(_live_note, text), format="html"))
        elif "cftutorial-live-link" in text:
            node.replace_self(nodes.raw("", LIVE_LINK.sub(LIVE_LINK_NOTE, text), format="html"))


def setup(app) -> dict:
    app.connect("source-read", _add_toctree)
    app.connect("doctree-resolved", _replace_live_players)
    app.connect("build-finished", _write_index)
    return {"parallel_read_safe": False}
