"""werkzeug's request handler with CloudFront's manners: one ``Server``, a 400 page, no crash."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from ..handler import LocalRequestHandler, redact
from .responses import BAD_REQUEST_TEXT, TITLE, html_error, request_id

log = logging.getLogger("cftutorial.localaws.edge")


def _parsable_target(target: str) -> bool:
    try:
        _port = urlsplit(target).port  # the port check is lazy: force it
    except ValueError:
        return False
    return True


class EdgeRequestHandler(LocalRequestHandler):
    """werkzeug's request handler, but the app's own ``Server`` and ``Date`` headers win.

    The standard handler always sends ``Server: Werkzeug/…`` and a ``Date`` before the app's
    headers, so a viewer would see two of each; CloudFront answers with one ``Server``
    (``CloudFront`` for its own errors, ``AmazonS3`` relayed from an S3 origin).
    """

    timeout_server = "CloudFront"

    def run_wsgi(self) -> None:
        """Answer an unparsable request target with CloudFront's 400 page, not a dropped line.

        werkzeug parses the target before any app runs and fails on e.g. ``http://[bad/`` or a
        port above 65535, closing the connection without an answer.
        """
        if _parsable_target(self.path):
            super().run_wsgi()
            return
        self.close_connection = True
        response = html_error(400, TITLE, BAD_REQUEST_TEXT, request_id())
        body = response.get_data()
        self.send_response(400, "Bad Request")
        for name, value in response.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        log.info(
            "edge %s %r -> 400 BadRequest: unparsable request target",
            self.command,
            redact(self.path),
        )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        try:
            super().log_request(code, size)
        except ValueError:  # werkzeug's access log cannot render every target; never fail on it
            log.info("%s %r %s", self.command, redact(self.path), code)
