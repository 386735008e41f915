"""A raw HTTP client for the edge tests: the request line goes out byte for byte.

``requests`` re-quotes paths (``%70`` stays, but ``%2E`` and dot segments are normalised) and
adds headers of its own; the tests of issue 13 must send exactly the request they name.
"""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def code(self) -> str | None:
        text = self.body.decode("utf-8", "replace")
        if "<Code>" in text:
            return text.split("<Code>", 1)[1].split("</Code>", 1)[0]
        return None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def send(
    endpoint: str,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Reply:
    """``method target`` to ``endpoint`` with exactly ``headers`` (plus Host, Content-Length)."""
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        headers = dict(headers or {})
        connection.putrequest(
            method, target, skip_host="Host" in headers, skip_accept_encoding=True
        )
        if body is not None and "Content-Length" not in headers:
            headers["Content-Length"] = str(len(body))
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()


def send_bytes(endpoint: str, request: bytes, timeout: float = 30) -> bytes:
    """Write ``request`` to a socket as it is; return everything answered until the close."""
    parts = urlsplit(endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
    return data


def status_of(raw: bytes) -> int:
    line = raw.split(b"\r\n", 1)[0]
    return int(line.split()[1]) if line.startswith(b"HTTP/1.") else 0
