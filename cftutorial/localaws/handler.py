"""werkzeug's request handler for both ports: the app's own headers win, no bearer token
reaches the log, and no client holds a thread for ever.

* The standard handler always sends ``Server: Werkzeug/…`` and a ``Date`` before the app's
  headers, so a client would see two of each; AWS answers with one (``AmazonS3`` on S3's
  errors, ``CloudFront`` on the edge's own pages).
* A signed URL is a bearer token until it expires, and werkzeug's access log writes every
  request line whole. :func:`redact` keeps the first characters of each ``Signature=``,
  ``Policy=``, ``X-Amz-Signature=`` and ``X-Amz-Credential=`` value (enough for a learner to
  match a log line to the URL they made) and drops the rest.
* The standard handler waits for a request head and body as long as the client likes: here
  every read has a deadline (:mod:`.connections`: 408 for a head that trickles in too slowly).
"""

from __future__ import annotations

import io
import re

from werkzeug.serving import WSGIRequestHandler

from . import connections

KEPT = 8
SECRET_PARAMETERS = re.compile(
    r"(?P<name>(?:X-Amz-)?Signature|Policy|X-Amz-Credential)=(?P<kept>[^&\s\"]{0,"
    + str(KEPT)
    + r"})[^&\s\"]*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``…Signature=abcdefgh…&…``: signing values cut to their first characters."""
    return SECRET_PARAMETERS.sub(lambda m: f"{m['name']}={m['kept']}…", text)


class LocalRequestHandler(WSGIRequestHandler):
    """werkzeug's handler with one ``Server``/``Date`` (the app's, when it sends them) and a
    redacted access log."""

    #: The ``Server`` of the 408 this handler sends itself (``None``: werkzeug's own).
    timeout_server: str | None = None

    def setup(self) -> None:
        """Read through a :class:`~.connections.DeadlineReader` instead of a plain socket file."""
        super().setup()
        self.rfile.close()
        limits = getattr(self.server, "limits", connections.Limits())
        self.reader = connections.DeadlineReader(self.connection, limits.read_seconds)
        self.rfile = io.BufferedReader(self.reader)

    def handle_one_request(self) -> None:
        self.reader.expect_head()
        # what a 408 sent before the request line was read needs (http.server's own 414 does this)
        self.requestline, self.request_version, self.command = "", "", ""
        try:
            super().handle_one_request()
        except connections.HeadTimeout as late:
            self.close_connection = True
            self.log_message("%s; %s", late, "408, closed" if late.received else "closed")
            if late.received:
                self._request_timeout()

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self.reader.expect_body()
        return parsed

    def _request_timeout(self) -> None:
        body = b"Request Timeout: the request head did not arrive in time.\n"
        self.send_response(408, "Request Timeout")
        if self.timeout_server:
            self.send_header("Server", self.timeout_server)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log(self, type: str, message: str, *args) -> None:
        try:
            text = message % args if args else message
        except (TypeError, ValueError):
            text = message
        super().log(type, "%s", redact(text))

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self._header_names: set[str] = set()

    def send_header(self, keyword: str, value: str) -> None:
        names = getattr(self, "_header_names", None)
        if names is not None:
            names.add(keyword.lower())
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        names = getattr(self, "_header_names", set())
        if "server" not in names:
            super().send_header("Server", self.version_string())
        if "date" not in names:
            super().send_header("Date", self.date_time_string())
        super().end_headers()
