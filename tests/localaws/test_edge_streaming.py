"""Issue 23 (memory): the edge streams an object in chunks instead of holding copies of it.

A viewer costs one chunk of memory (the RSS figures are in benchmarks/bench_edge_load.py); here the
answers: the whole object, a range from its middle, HEAD, 304, and an object deleted while a slow
viewer is still reading it (answered whole, as S3 does, and never a traceback: gap X28).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import pytest
from edge_world import World, build_world, in_an_hour
from rawhttp import send

from cftutorial.aws.clients import client
from cftutorial.localaws import process

pytestmark = pytest.mark.localaws

SIZE = 3 * 1024 * 1024 + 17
BODY = os.urandom(SIZE)


@pytest.fixture(scope="module")
def world(local_aws) -> World:
    return build_world()


def signed_target(world: World, key: str) -> str:
    url = world.signers["rsa-SHA1"].sign_url(
        world.url("signed", f"/{key}"), date_less_than=in_an_hour()
    )
    return "/" + url.split("//", 1)[1]


@pytest.fixture
def large(world) -> str:
    key = f"large-{uuid.uuid4().hex[:8]}.mp4"
    client("s3").put_object(Bucket=world.oac_bucket, Key=key, Body=BODY, ContentType="video/mp4")
    return key


def test_a_large_object_is_served_whole_in_range_and_head(world, large):
    target = signed_target(world, large)
    whole = send(world.edge, "GET", target)
    assert (whole.status, len(whole.body)) == (200, SIZE)
    assert whole.body == BODY and whole.header("Content-Length") == str(SIZE)
    middle = send(world.edge, "GET", target, {"Range": "bytes=1048570-2097160"})
    assert middle.status == 206 and middle.body == BODY[1048570:2097161]
    assert middle.header("Content-Range") == f"bytes 1048570-2097160/{SIZE}"
    tail = send(world.edge, "GET", target, {"Range": "bytes=-5"})
    assert (tail.status, tail.body) == (206, BODY[-5:])
    head = send(world.edge, "HEAD", target)
    assert (head.status, head.body, head.header("Content-Length")) == (200, b"", str(SIZE))
    again = send(world.edge, "GET", target, {"If-None-Match": whole.header("ETag")})
    assert (again.status, again.body) == (304, b"")


def test_an_object_deleted_under_a_viewer_is_still_served_whole_without_a_traceback(world, large):
    """S3 finishes a GET that started before the object was deleted; so does the edge."""
    offset = os.path.getsize(process.log_file())
    edge = urlsplit(world.edge)
    with socket.socket() as sock:
        # a slow viewer: a small receive window, so the edge is still sending when the delete lands
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(30)
        sock.connect((edge.hostname, edge.port))
        request = f"GET {signed_target(world, large)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        sock.sendall(f"{request}Connection: close\r\n\r\n".encode())
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200")
        client("s3").delete_object(Bucket=world.oac_bucket, Key=large)
        while chunk := sock.recv(1 << 20):
            answer += chunk
    assert answer.split(b"\r\n\r\n", 1)[1] == BODY
    with open(process.log_file(), "rb") as log:
        log.seek(offset)
        written = log.read().decode("utf-8", "replace")
    assert "Traceback" not in written and " ERROR " not in written, written[-2000:]
    gone = send(world.edge, "GET", signed_target(world, large))
    assert gone.status in (403, 404)


def test_a_stream_whose_object_moto_disposed_ends_early_instead_of_raising():
    from moto.s3.models import FakeKey

    from cftutorial.localaws.moto.values import _KeyStream

    key = FakeKey("k", b"0123456789" * 10, account_id="123456789012", region_name="us-east-1")
    stream = _KeyStream(key, 100)
    assert stream.read(10) == b"0123456789"
    stream.seek(95)
    assert stream.read() == b"56789"
    stream.seek(20)
    key.dispose()  # what moto does to a key it deletes or resets
    assert stream.read() == b""


def test_the_server_limits_its_malloc_arenas():
    code = (
        "from cftutorial.localaws.server import limit_malloc_arenas; print(limit_malloc_arenas())"
    )
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    expected = "True" if sys.platform.startswith("linux") else "False"
    assert found.stdout.strip() == expected, found.stderr
    env["MALLOC_ARENA_MAX"] = "4"  # the environment's own setting wins
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert found.stdout.strip() == "False"


def test_an_object_moto_disposes_of_while_a_stream_reads_it_is_let_go_when_the_stream_closes(
    monkeypatch,
):
    from moto.s3.models import FakeKey

    from cftutorial.localaws.moto.values import _KeyStream, dispose_after_reads

    monkeypatch.setattr(FakeKey, "dispose", dispose_after_reads(FakeKey.dispose))
    key = FakeKey("k", b"0123456789" * 10, account_id="123456789012", region_name="us-east-1")
    first, second = _KeyStream(key, 100), _KeyStream(key, 100)
    assert first.read(10) == b"0123456789"
    key.dispose()  # the object deleted or replaced: held back while streams read it
    assert not key.disposed
    assert first.read() == (b"0123456789" * 10)[10:]
    first.close()
    assert not key.disposed  # the second stream still reads it
    second.seek(95)
    assert second.read() == b"56789"
    second.close()
    assert key.disposed and key._value_buffer.closed  # the last close let it go
