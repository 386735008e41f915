"""Issue 13, item 6: no client holds a thread for ever, on either port (raw sockets).

A local AWS of this module's own, with a short read deadline (``CFTUTORIAL_LOCAL_READ_SECONDS``)
and a small connection bound, so the deadline can pass within a test. The only waits here are
that deadline, with generous margins; no speed is asserted.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from edge_world import VIDEO, World, build_world, in_an_hour
from rawhttp import send, status_of

from cftutorial.aws.clients import client
from cftutorial.localaws import connections, process

pytestmark = [pytest.mark.localaws, pytest.mark.slow]

READ_SECONDS = 6.0  # long beside the few requests a test makes meanwhile
MAX_CONNECTIONS = 48
#: Long enough for any dropped client to have been dropped: the deadline, three times, plus 20 s.
DROPPED_WITHIN = 3 * READ_SECONDS + 20
PARTIAL_HEAD = b"GET /video.mp4 HTTP/1.1\r\nHost: x\r\n"
CRASH_MARKERS = ("Traceback", " ERROR ", "Error on request")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A local AWS with a read deadline of ``READ_SECONDS``, and the edge world built in it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CFTUTORIAL_HOME", str(tmp_path_factory.mktemp("slow-clients-home")))
        patch.setenv(connections.ENV_READ_SECONDS, str(READ_SECONDS))
        patch.setenv(connections.ENV_MAX_CONNECTIONS, str(MAX_CONNECTIONS))
        state = process.start()
        try:
            world = build_world.__wrapped__()  # a world of this server's own, not the session's
            assert world.edge == state.edge_endpoint
            yield world
        finally:
            process.stop()


def written_since(offset: int) -> str:
    with open(process.log_file(), "rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", "replace")


@pytest.fixture
def log_check(server: World) -> Iterator[int]:
    """The server log's size before the test; afterwards, no traceback or ERROR line after it."""
    offset = os.path.getsize(process.log_file())
    yield offset
    text = written_since(offset)
    assert "127.0.0.1 - - [" in text  # the right log, and the server wrote to it during the test
    crashes = [line for line in text.splitlines() if any(m in line for m in CRASH_MARKERS)]
    assert crashes == [], crashes[:5]


def connect(endpoint: str) -> socket.socket:
    parts = urlsplit(endpoint)
    return socket.create_connection((parts.hostname, parts.port), timeout=DROPPED_WITHIN)


def answer_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (a reset after its answer counts as a close)."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except ConnectionError:
        return False
    finally:
        sock.settimeout(DROPPED_WITHIN)


def signed_get(world: World) -> tuple[int, bytes]:
    url = world.signers["rsa-SHA1"].sign_url(
        world.url("signed", "/video.mp4"), date_less_than=in_an_hour()
    )
    reply = send(world.edge, "GET", "/" + url.split("//", 1)[1])
    return reply.status, reply.body


class Trickler:
    """Slow clients that send a partial head, then one more header byte every 0.2 s."""

    def __init__(self, endpoints: list[str], count: int) -> None:
        self.sockets = [connect(endpoints[i % len(endpoints)]) for i in range(count)]
        for sock in self.sockets:
            sock.sendall(PARTIAL_HEAD)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        live = list(self.sockets)
        while live and not self.stop.wait(0.2):
            for sock in list(live):
                try:
                    sock.send(b"X")
                except OSError:  # dropped by the server
                    live.remove(sock)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def test_slow_clients_on_both_ports_do_not_stop_a_signed_get_and_are_dropped(server, log_check):
    """60 clients trickle their headers (faster than any idle time-out would notice) at both
    ports; signed GETs on both still answer at once, and every slow client is dropped."""
    slow = Trickler([server.edge, server.aws], 60)
    try:
        assert signed_get(server) == (200, VIDEO)
        s3 = client("s3")
        bucket = server.oac_bucket
        s3.put_object(Bucket=bucket, Key="during-slowloris.txt", Body=b"still answering")
        got = s3.get_object(Bucket=bucket, Key="during-slowloris.txt")["Body"].read()
        assert got == b"still answering"
        assert all(still_open(sock) for sock in slow.sockets)  # they were still being waited on
        answers = [answer_until_closed(sock) for sock in slow.sockets]
    finally:
        slow.close()
    # a 408, or (when a trickled byte reached the closed socket first) a reset: never a 200
    assert {status_of(answer) for answer in answers} <= {408, 0}
    assert any(status_of(answer) == 408 for answer in answers)
    assert signed_get(server) == (200, VIDEO)
    assert written_since(log_check).count("request head not complete") == len(answers)


@pytest.mark.parametrize("port", ["edge", "aws"])
def test_a_head_that_stops_half_way_is_408_after_the_deadline(server, log_check, port):
    with connect(getattr(server, port)) as sock:
        sock.sendall(PARTIAL_HEAD)
        answer = answer_until_closed(sock)
    assert status_of(answer) == 408, answer[:200]
    head = answer.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nConnection: close" in head
    server_headers = [line for line in head.split(b"\r\n") if line.lower().startswith(b"server:")]
    assert len(server_headers) == 1
    if port == "edge":  # the edge speaks as CloudFront
        assert server_headers == [b"Server: CloudFront"]


@pytest.mark.parametrize("port", ["edge", "aws"])
def test_a_connection_that_sends_nothing_is_closed_without_an_answer(server, log_check, port):
    with connect(getattr(server, port)) as sock:
        assert answer_until_closed(sock) == b""


def test_a_body_that_stops_coming_is_request_timeout_and_holds_no_lock(server, log_check):
    """S3's ``RequestTimeout``; meanwhile another client's change is answered (the body is read
    before the snapshot lock is taken)."""
    key = f"stalled-{uuid.uuid4().hex[:8]}"
    s3 = client("s3")
    with connect(server.aws) as sock:
        sock.sendall(
            f"PUT /{server.oac_bucket}/{key} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n".encode()
            + b"only ten b"
        )
        time.sleep(0.2)  # the server is now waiting for the other 90 bytes
        s3.put_object(Bucket=server.oac_bucket, Key=f"{key}-other", Body=b"not held up")
        assert still_open(sock)  # the stalled upload was still being waited for
        answer = answer_until_closed(sock)
    assert status_of(answer) == 400, answer[:300]
    assert b"<Code>RequestTimeout</Code>" in answer
    assert b"Your socket connection to the server was not read from or written to" in answer
    listed = s3.list_objects_v2(Bucket=server.oac_bucket, Prefix=key).get("Contents", [])
    assert [item["Key"] for item in listed] == [f"{key}-other"]


def test_connections_beyond_the_bound_are_refused_and_the_rest_served(server, log_check):
    held = [connect(server.edge) for _ in range(MAX_CONNECTIONS)]
    try:
        with connect(server.edge) as extra:
            assert answer_until_closed(extra) == b""
        assert all(still_open(sock) for sock in held)  # refused at once, not at the deadline
    finally:
        for sock in held:
            sock.close()
    assert signed_get(server) == (200, VIDEO)
    assert f"refused: {MAX_CONNECTIONS} connections already" in written_since(log_check)


def test_a_bad_limit_setting_stops_the_server_with_one_line(monkeypatch, tmp_path):
    from cftutorial.errors import LocalAWSError

    for variable, value in (
        (connections.ENV_READ_SECONDS, "0"),
        (connections.ENV_MAX_CONNECTIONS, "lots"),
    ):
        monkeypatch.setenv("CFTUTORIAL_HOME", str(tmp_path / variable))
        monkeypatch.delenv(connections.ENV_READ_SECONDS, raising=False)
        monkeypatch.setenv(variable, value)
        with pytest.raises(LocalAWSError) as refused:
            process.start()
        lines = [line for line in str(refused.value).splitlines() if "CONNECTIONS_CONFIG" in line]
        assert len(lines) == 1, str(refused.value)
        assert f"{variable}={value!r} is not allowed" in lines[0]
        assert "Traceback" not in str(refused.value)
