"""Play a CloudFront URL in the learner's browser, wherever JupyterLab runs.

The kernel reaches the local edge at ``http://127.0.0.1:EDGE_PORT`` (:mod:`cftutorial.viewer`),
but the browser that shows the notebook may run on another machine: on Binder or a JupyterHub
only the Jupyter server's own URL is reachable from it. So in local mode a ``<video>`` element
gets its media through the Jupyter server, at ``BASE/proxy/EDGE_PORT/DOMAIN/PATH?QUERY``.

That route is ``jupyter-server-proxy``'s ``/proxy/PORT/…``, chosen over a route of our own
because it is the well-kept, widely deployed way (Binder images ship it) to reach a local port
through Jupyter: it is enabled as a server extension just by being installed, it needs the
user's Jupyter login (the edge is not exposed to anybody else), it strips the
``/proxy/PORT`` prefix, passes the query string untouched (a re-encoded signed URL would no
longer match its signature) and relays ``Range`` requests and their ``206`` answers, which a
browser's media player needs. The edge already accepts ``EDGE/DOMAIN/PATH?QUERY``, so the proxied
request is an ordinary edge request, judged exactly as the kernel's own fetches are.

In aws mode the browser loads the real CloudFront URL itself.
"""

from __future__ import annotations

import html
import os
from typing import Any
from urllib.parse import urlsplit

from .. import config
from ..errors import EdgeError, PlayerError, ViewerURLError
from . import viewer

ENV_HUB_PREFIX = "JUPYTERHUB_SERVICE_PREFIX"
PROXY_ROUTE = "proxy"


def _base_url() -> str:
    """The Jupyter server's base path as the browser sees it (``/user/NAME/`` on a JupyterHub)."""
    prefix = os.environ.get(ENV_HUB_PREFIX, "").strip() or "/"
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    return prefix if prefix.endswith("/") else prefix + "/"


def _through_jupyter(edge_url: str) -> str:
    """``http://127.0.0.1:PORT/DOMAIN/PATH?QUERY`` -> ``BASE/proxy/PORT/DOMAIN/PATH?QUERY``."""
    port = urlsplit(edge_url).port
    if not port:
        raise EdgeError(
            f"the local edge address {edge_url!r} has no port; restart the local AWS with "
            "'cftutorial local stop' and 'cftutorial local start'"
        )
    after_host = edge_url.split("//", 1)[1]
    return f"{_base_url()}{PROXY_ROUTE}/{port}{after_host[after_host.index('/') :]}"


def _checked(viewer_url: str) -> str:
    parts = urlsplit(viewer_url) if isinstance(viewer_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ViewerURLError(
            f"viewer URL {viewer_url!r} is not an http(s) URL with a host; expected something "
            "like 'https://d111111abcdef8.cloudfront.net/video.mp4'"
        )
    return viewer_url


def browser_url(viewer_url: str) -> str:
    """The URL a browser in this Jupyter session can load for ``viewer_url``.

    Local mode: ``BASE/proxy/EDGE_PORT/DOMAIN/PATH?QUERY`` with the path and query exactly as
    in ``viewer_url`` (see :func:`cftutorial.viewer.edge_url`); ``BASE`` is
    ``$JUPYTERHUB_SERVICE_PREFIX`` when set, else ``/``. aws mode: ``viewer_url`` itself.
    """
    if config.backend() != "local" and config.edge_endpoint() is None:
        return _checked(viewer_url)
    return _through_jupyter(viewer.edge_url(viewer_url))


def _dimension(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 16 <= value <= 4096:
        raise PlayerError(
            f"{name}={value!r} is not a video size; use a whole number of pixels from 16 to 4096"
        )
    return value


def video_html(
    viewer_url: str,
    *,
    width: int = 480,
    muted: bool = True,
    autoplay: bool = False,
    element_id: str | None = None,
) -> str:
    """An HTML5 ``<video>`` element that plays ``viewer_url`` from this browser.

    ``muted`` defaults to true because browsers refuse to autoplay sound, and a muted player
    behaves the same everywhere. The fallback text links the same URL, so a browser without the
    codec still shows the edge's answer (the video itself, or CloudFront's 403 XML).
    """
    src = html.escape(browser_url(viewer_url), quote=True)
    attributes = [f'src="{src}"', f'width="{_dimension("width", width)}"']
    if element_id is not None:
        if not isinstance(element_id, str) or not element_id.strip():
            raise PlayerError(
                f"element_id={element_id!r} is not an element id; use a non-empty string "
                "such as 'signed-video', or None"
            )
        attributes.insert(0, f'id="{html.escape(element_id, quote=True)}"')
    attributes += ["controls", "playsinline", 'preload="auto"']
    attributes += ["muted"] if muted else []
    attributes += ["autoplay"] if autoplay else []
    fallback = f'Your browser cannot play this video here; <a href="{src}">open it</a>.'
    return f"<video {' '.join(attributes)}>{fallback}</video>"


def video(
    viewer_url: str,
    *,
    width: int = 480,
    muted: bool = True,
    autoplay: bool = False,
    element_id: str | None = None,
) -> Any:
    """:func:`video_html` as an ``IPython.display.HTML`` object, for the last line of a cell."""
    from IPython.display import HTML

    return HTML(
        video_html(viewer_url, width=width, muted=muted, autoplay=autoplay, element_id=element_id)
    )


def _answer_html(status: int, code: str | None, reason: str) -> str:
    plays = status in (200, 206)
    colour = "#1a7f37" if plays else "#b42318"
    headline = f"{status} {code or ''}".strip()
    said = "the player can load it" if plays else html.escape(reason)
    return (
        f'<div style="max-width:32em;text-align:left"><b style="color:{colour}">edge answer: '
        f"{html.escape(headline)}</b><br>{said}</div>"
    )


def video_and_answer(
    viewer_url: str,
    *,
    distribution: str | None = None,
    width: int = 480,
    element_id: str | None = None,
) -> Any:
    """The player for ``viewer_url`` with the edge's answer beside it.

    A ``<video>`` whose URL is refused shows only a dead 0:00 player; the learner needs to see
    *why*. So the URL is requested once (its first byte only), and beside the player goes the
    status, the code and the edge's reason (:func:`cftutorial.tutorial.viewer.edge_reason`).
    """
    from IPython.display import HTML

    markup = video_html(viewer_url, width=width, element_id=element_id)
    answer = viewer.fetch(viewer_url, headers={"Range": "bytes=0-0"})
    code = viewer.describe_response(answer)["code"]
    reason = viewer.edge_reason(viewer_url, answer, distribution=distribution)
    side = _answer_html(answer.status_code, code, reason)
    return HTML(f'<div style="display:flex;gap:1em;align-items:flex-start">{markup}{side}</div>')
