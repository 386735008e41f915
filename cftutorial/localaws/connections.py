"""How long a client may take, and how many may be connected: the same rules on both ports.

Without them one thread waits for each connection for as long as its client likes, so 200
clients that send their headers a byte at a time ("slowloris") hold 200 threads. The rules are
those of Apache's ``mod_reqtimeout`` (``RequestReadTimeout header=… body=…,MinRate=500``), read
by werkzeug's own request handler (:mod:`.handler`) through :class:`DeadlineReader`, the
connection's reading side:

* **The request head** (request line and headers) must be complete within
  ``CFTUTORIAL_LOCAL_READ_SECONDS`` (default 10) of the connection's start, however it trickles
  in. A client that sent part of a head then gets ``408 Request Timeout``; one that sent nothing
  is closed without an answer (a browser's speculative connection gets no stray 408).
* **The body** may pause for at most that long, and each byte it brings buys only
  ``1/MIN_BODY_RATE`` s more: a real upload (megabytes a second on 127.0.0.1) never meets the
  limit, a trickle does. On the AWS port the body is read before any other work
  (:func:`body_first`, outside the snapshot lock of :mod:`.persistence`, so a slow upload never
  holds up another client's change) and a body that stops coming is S3's ``400 RequestTimeout``.
* **At most ``CFTUTORIAL_LOCAL_MAX_CONNECTIONS`` (default 128) connections** are served at once
  per port (:class:`BoundedThreadedServer`); one more is closed at once, with a log line. Since
  every phase of a request has a deadline, a slot is never held for ever.

Writing is not timed: a paused video player stops reading, and its connection must still be
there when it plays on.
"""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.serving import ThreadedWSGIServer

from .. import config

log = logging.getLogger("cftutorial.localaws.connections")

ENV_READ_SECONDS = "CFTUTORIAL_LOCAL_READ_SECONDS"
ENV_MAX_CONNECTIONS = "CFTUTORIAL_LOCAL_MAX_CONNECTIONS"
DEFAULT_READ_SECONDS = 10.0
DEFAULT_MAX_CONNECTIONS = 128
#: Bytes a second a body must keep up to extend its deadline (mod_reqtimeout's ``MinRate=500``).
MIN_BODY_RATE = 500.0
#: S3's answer to a body that stopped coming (S3 API "Error responses": ``RequestTimeout``).
REQUEST_TIMEOUT_MESSAGE = (
    "Your socket connection to the server was not read from or written to within the timeout "
    "period. Idle connections will be closed."
)


@dataclass(frozen=True)
class Limits:
    read_seconds: float = DEFAULT_READ_SECONDS
    max_connections: int = DEFAULT_MAX_CONNECTIONS


def limits() -> Limits:
    """The settings of this process (read once, when the ports are bound)."""
    return Limits(
        read_seconds=config.number(ENV_READ_SECONDS, DEFAULT_READ_SECONDS, 0.5, 600),
        max_connections=int(
            config.number(
                ENV_MAX_CONNECTIONS,
                DEFAULT_MAX_CONNECTIONS,
                1,
                10000,
                whole=True,
                unit="connections",
            )
        ),
    )


class HeadTimeout(Exception):
    """The request head did not arrive in time (not a ``TimeoutError``, which http.server would
    swallow into an ERROR log line without answering)."""

    def __init__(self, received: int, seconds: float) -> None:
        super().__init__(f"request head not complete within {seconds:g} s")
        self.received = received


class DeadlineReader(io.RawIOBase):
    """The socket's reading side, every ``recv`` bounded by the current phase's deadline.

    The handler calls :meth:`expect_head` when it starts waiting for a request and
    :meth:`expect_body` once the head is parsed. Between reads the socket is blocking again,
    so writes stay untimed.
    """

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        super().__init__()
        self._sock = sock
        self.seconds = seconds
        self.in_head = False
        self.deadline = time.monotonic() + seconds
        self.head_bytes = 0

    def expect_head(self) -> None:
        self.in_head, self.head_bytes = True, 0
        self.deadline = time.monotonic() + self.seconds

    def expect_body(self) -> None:
        self.in_head = False
        self.deadline = time.monotonic() + self.seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        wait = self.deadline - time.monotonic()
        try:
            if wait <= 0:
                raise TimeoutError("read deadline passed")
            self._sock.settimeout(wait)
            try:
                count = self._sock.recv_into(buffer)
            finally:
                self._sock.settimeout(None)
        except TimeoutError:
            if self.in_head:
                raise HeadTimeout(self.head_bytes, self.seconds) from None
            raise
        if self.in_head:
            self.head_bytes += count
        else:
            self.deadline += count / MIN_BODY_RATE
        return count


class BoundedThreadedServer(ThreadedWSGIServer):
    """werkzeug's threaded server with at most ``limits.max_connections`` connections at once."""

    def __init__(self, host: str, port: int, app: Callable, handler: type, limits: Limits) -> None:
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        super().__init__(host, port, app, handler)

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning(
                "connection from %s:%s refused: %d connections already (%s)",
                *client_address[:2],
                self.limits.max_connections,
                ENV_MAX_CONNECTIONS,
            )
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def body_first(app: Callable) -> Callable:
    """``app`` called only once the whole body is in memory (S3's ``RequestTimeout`` if it stops
    coming), so nothing ``app`` holds (the snapshot lock) waits on a slow client."""
    from .s3.errors import s3_error
    from .wire import Request, send

    def wsgi(environ, start_response):
        try:
            _ = Request(environ).body
        except TimeoutError:
            log.info("request body stopped coming: 400 RequestTimeout, connection closed")
            status, headers, body = s3_error("RequestTimeout", REQUEST_TIMEOUT_MESSAGE, 400)
            return send(start_response, (status, headers, body))  # werkzeug then closes
        return app(environ, start_response)

    wsgi.request_handler = getattr(app, "request_handler", None)  # type: ignore[attr-defined]
    return wsgi
