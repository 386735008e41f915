"""Notebook 11's login service: a tiny werkzeug app that hands out the signed cookies.

A real site signs the ``CloudFront-*`` cookies on its own server after the viewer logged in,
and sets them for the parent domain it shares with the distribution's alternate domain name
(``example.com`` for ``www.example.com`` and ``videos.example.com``). This app does just that,
on ``127.0.0.1`` and a free port, for ONE fixed demo user (:data:`DEMO_USER`,
:data:`DEMO_PASSWORD`: a demonstration, not an account system):

* ``GET /``: the login form (or, when logged in, links to the player and a logout button);
* ``POST /login``: a right user name and password -> ``Set-Cookie`` for each signed cookie
  (with the :class:`CookieScope` attributes), then ``303`` to ``/player``; wrong -> ``401``;
* ``POST /logout``: the same cookies again, empty and with ``Max-Age=0``, which makes the
  browser delete them (same ``Domain`` and ``Path``, or it deletes nothing);
* ``GET /player``: a page that plays the HLS playlist with the vendored hls.js
  (``xhr.withCredentials = true``, so the cross-origin requests carry the cookies);
* ``GET /assets/hls.min.js``: that hls.js (see ``assets/NOTICE-hls.js.txt``).

:func:`start` runs it in a daemon thread (it ends with the kernel; ``atexit`` stops it
cleanly); starting it again under the same name stops the old server first, and the port is
a free one unless given, so a re-run never meets "address in use".
"""

from __future__ import annotations

import atexit
import errno
import html
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ..config import LOCAL_HOST
from ..errors import LoginAppError
from ..signing import cookies as signed_cookies

DEMO_USER = "learner"
DEMO_PASSWORD = "cloudfront-demo"  # a fixed demo password, shown in the notebook on purpose
HLS_JS = "hls.min.js"
HLS_JS_VERSION = "1.7.4"


@dataclass(frozen=True)
class CookieScope:
    """Where and how the browser keeps the signed cookies (the ``Set-Cookie`` attributes)."""

    domain: str  # the parent domain shared by the login host and the alternate domain name
    path: str = "/"
    secure: bool = True
    http_only: bool = True
    same_site: str = "Strict"
    lifetime: int = 3600  # seconds: the signed policy's expiry and the cookies' Max-Age

    def headers(self, values: dict[str, str], *, clear: bool = False) -> list[str]:
        """``Set-Cookie`` values for ``values`` (``clear``: empty, ``Max-Age=0``: deleted)."""
        return signed_cookies.set_cookie_headers(
            {name: "" for name in values} if clear else values,
            domain=self.domain,
            path=self.path,
            secure=self.secure,
            http_only=self.http_only,
            max_age=0 if clear else self.lifetime,
            same_site=self.same_site,
        )


#: The cookie names logout clears (every name :meth:`Signer.sign_cookies` can set).
COOKIE_NAMES = (
    "CloudFront-Policy",
    "CloudFront-Expires",
    "CloudFront-Signature",
    "CloudFront-Key-Pair-Id",
    "CloudFront-Hash-Algorithm",
)


def domain_matches(host: str, domain: str) -> bool:
    """RFC 6265 5.1.3: a cookie for ``domain`` goes to ``host`` itself and its subdomains."""
    host, domain = host.lower(), domain.lower().lstrip(".")
    return host == domain or host.endswith("." + domain)


def path_matches(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 5.1.4: ``/hls`` and ``/hls/`` match ``/hls/video0.ts``; ``/hlsx`` does not."""
    if request_path == cookie_path:
        return True
    if not request_path.startswith(cookie_path):
        return False
    return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"


def hls_js() -> bytes:
    return resources.files("cftutorial.tutorial").joinpath("assets", HLS_JS).read_bytes()


class LoginApp:
    """The WSGI app. ``sign`` returns fresh ``CloudFront-*`` cookies for one login."""

    def __init__(
        self, *, sign: Callable[[], dict[str, str]], scope: CookieScope, playlist_url: str
    ) -> None:
        self.sign, self.scope, self.playlist_url = sign, scope, playlist_url
        self.logins = 0

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        route = {
            ("GET", "/"): self._home,
            ("POST", "/login"): self._login,
            ("POST", "/logout"): self._logout,
            ("GET", "/player"): self._player,
            ("GET", f"/assets/{HLS_JS}"): self._hls_js,
        }.get((request.method, request.path))
        response = route(request) if route else Response("not found", status=404)
        return response(environ, start_response)

    def _logged_in(self, request: Request) -> bool:
        return "CloudFront-Signature" in request.cookies

    def _home(self, request: Request) -> Response:
        if self._logged_in(request):
            body = (
                "<p>Logged in: your browser holds the signed cookies.</p>"
                '<p><a id="player-link" href="/player">Play the video</a></p>' + _LOGOUT_FORM
            )
        else:
            body = _LOGIN_FORM.format(user=html.escape(DEMO_USER))
            if "logged-out" in request.args:
                body = _LOGGED_OUT + body
        return _page("Login", body)

    def _login(self, request: Request) -> Response:
        user, password = request.form.get("user", ""), request.form.get("password", "")
        if (user, password) != (DEMO_USER, DEMO_PASSWORD):
            form = _LOGIN_FORM.format(user=html.escape(DEMO_USER))
            return _page("Login", "<p>Wrong user name or password.</p>" + form, 401)
        response = Response(status=303, headers={"Location": "/player"})
        for header in self.scope.headers(self.sign()):
            response.headers.add("Set-Cookie", header)
        self.logins += 1
        return response

    def _logout(self, request: Request) -> Response:
        response = Response(status=303, headers={"Location": "/?logged-out"})
        for header in self.scope.headers(dict.fromkeys(COOKIE_NAMES, ""), clear=True):
            response.headers.add("Set-Cookie", header)
        return response

    def _player(self, request: Request) -> Response:
        return _page("Player", player_html(self.playlist_url))

    def _hls_js(self, request: Request) -> Response:
        return Response(hls_js(), content_type="text/javascript")


_LOGIN_FORM = """<form method="post" action="/login">
<p>Demo user <code>{user}</code> (a fixed demonstration account).</p>
<label>user <input name="user" id="user"></label>
<label>password <input name="password" id="password" type="password"></label>
<button id="login" type="submit">Log in</button></form>"""
_LOGGED_OUT = (
    '<p id="logged-out">Logged out: your browser deleted the CloudFront-* cookies, so the '
    "video host now refuses the next segment (403). Log in again to get new ones.</p>"
)
_LOGOUT_FORM = (
    '<form method="post" action="/logout"><button id="logout" type="submit">Log out</button></form>'
)

_PLAYER_JS = """<script src="/assets/hls.min.js"></script>
<script>
const video = document.getElementById('hls-video');
const log = document.getElementById('player-log');
window.playerLog = [];
function note(text) { window.playerLog.push(text); log.textContent += text + '\\n'; }
const playlist = %s;
if (window.Hls && Hls.isSupported()) {
  const hls = new Hls({xhrSetup: (xhr) => { xhr.withCredentials = true; }});
  hls.on(Hls.Events.FRAG_LOADED, (e, d) => note('segment ' + d.frag.relurl + ' loaded'));
  hls.on(Hls.Events.ERROR, (e, d) => note('error ' + d.details +
    (d.response ? ' HTTP ' + d.response.code : '')));
  hls.loadSource(playlist);
  hls.attachMedia(video);
  note('hls.js ' + Hls.version + ' with withCredentials');
} else if (video.canPlayType('application/vnd.apple.mpegurl')) {
  video.crossOrigin = 'use-credentials';  // native HLS (Safari): send the cookies too
  video.src = playlist;
  note('native HLS');
} else { note('this browser cannot play HLS'); }
</script>"""


def player_html(playlist_url: str) -> str:
    """The player page's body: a muted ``<video>``, the log of loaded segments, logout."""
    return (
        f"<p>Playlist: <code>{html.escape(playlist_url)}</code></p>"
        '<video id="hls-video" width="480" controls muted autoplay playsinline></video>'
        '<pre id="player-log"></pre>' + _LOGOUT_FORM + _PLAYER_JS % json.dumps(playlist_url)
    )


def _page(title: str, body: str, status: int = 200) -> Response:
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        # no icon to fetch: the browser's /favicon.ico request would only log a 404
        "<link rel='icon' href='data:,'></head>"
        f"<body><h1>{title}</h1>{body}</body></html>"
    )
    return Response(page, status=status, content_type="text/html; charset=utf-8")


# --- running it ---------------------------------------------------------------------------------


class _Quiet(WSGIRequestHandler):
    """No access log: werkzeug's would print every request into the notebook's output."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class Running:
    """A started login app: its server thread and port."""

    name: str
    app: LoginApp
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


_RUNNING: dict[str, Running] = {}
_LOCK = threading.Lock()


def start(name: str, app: LoginApp, *, port: int = 0) -> Running:
    """Serve ``app`` on 127.0.0.1 (``port`` 0: a free one), replacing an earlier ``name``."""
    with _LOCK:
        old = _RUNNING.pop(name, None)
        if old is not None:
            old.stop()
        _require_free(port)
        try:
            server = make_server(LOCAL_HOST, port, app, threaded=True, request_handler=_Quiet)
        except SystemExit:  # werkzeug's answer to a port taken since the probe
            raise _taken(port) from None
        thread = threading.Thread(target=server.serve_forever, daemon=True, name=f"login-{name}")
        thread.start()
        _RUNNING[name] = Running(name, app, server, thread)
        return _RUNNING[name]


def _taken(port: int) -> LoginAppError:
    return LoginAppError(
        f"port {port} on {LOCAL_HOST} is taken by another program; use login_port = 0 "
        "(a free port) or another port"
    )


def _require_free(port: int) -> None:
    """werkzeug prints and exits on a taken port; ask the operating system first."""
    if not port:
        return
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((LOCAL_HOST, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise _taken(port) from None
        raise
    finally:
        probe.close()


def stop(name: str) -> bool:
    """Stop the login app ``name``; False when none was running."""
    with _LOCK:
        running = _RUNNING.pop(name, None)
    if running is None:
        return False
    running.stop()
    return True


@atexit.register
def _stop_all() -> None:
    for name in list(_RUNNING):
        stop(name)
