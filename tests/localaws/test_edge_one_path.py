"""Issue 23: the edge judges a signed request on the path it serves (one canonical URL).

A wildcard policy must not escape its scope through dot segments: notebook 07's HLS cookie
(``Resource: https://DOMAIN/hls/*``) and a URL policy for ``https://D/hls/a.ts*`` are sent with
``..``, ``%2e%2e`` and friends through raw sockets (``requests`` would resolve them first). The
behaviour, the policy ``Resource`` and the S3 key all come from the URL that
:func:`cftutorial.signing.urls.canonical_url` signs; an encoded slash is refused.
"""

from __future__ import annotations

import pytest
from edge_world import VIDEO, World, build_world, in_an_hour
from rawhttp import send

from cftutorial.aws import clients
from cftutorial.signing import urls

pytestmark = pytest.mark.localaws

SECRET = b"not under /hls/\n"
SEGMENT = b"#EXTM3U segment bytes\n"


@pytest.fixture(scope="module")
def world(local_aws) -> World:
    built = build_world()
    s3 = clients.client("s3")
    s3.put_object(Bucket=built.oac_bucket, Key="private/secret.txt", Body=SECRET)
    s3.put_object(Bucket=built.oac_bucket, Key="hls/a.ts", Body=SEGMENT)
    return built


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def get(world: World, path: str, headers: dict[str, str] | None = None):
    """``GET /DOMAIN{path}`` on the edge with the request line exactly as written."""
    return send(world.edge, "GET", f"/{world.domains['signed']}{path}", headers)


@pytest.fixture(scope="module")
def hls_cookie(world) -> str:
    """Notebook 07's cookie: a custom policy for every file under ``/hls/``."""
    signer = world.signers["rsa-SHA1"]
    cookies = signer.sign_cookies(world.url("signed", "/hls/*"), date_less_than=in_an_hour())
    assert "CloudFront-Policy" in cookies
    return cookie_header(cookies)


def test_the_hls_cookie_opens_its_own_scope(world, hls_cookie):
    reply = get(world, "/hls/a.ts", {"Cookie": hls_cookie})
    assert (reply.status, reply.body) == (200, SEGMENT)


def test_the_hls_cookie_does_not_open_the_file_outside_it(world, hls_cookie):
    reply = get(world, "/video.mp4", {"Cookie": hls_cookie})
    assert (reply.status, reply.code) == (403, "AccessDenied")


@pytest.mark.parametrize(
    "path",
    [
        "/hls/../video.mp4",
        "/hls/%2e%2e/video.mp4",
        "/hls/%2E%2E/video.mp4",
        "/hls/.%2e/video.mp4",
        "/hls/%2e./video.mp4",
        "/hls/x/../../video.mp4",
        "/hls/./../video.mp4",
        "/hls/../hls/../video.mp4",
        "/hls/..",
        "/hls/../private/secret.txt",
        "/hls/%2e%2e/private/secret.txt",
    ],
)
def test_a_dot_segment_does_not_carry_the_hls_cookie_out_of_hls(world, hls_cookie, path):
    reply = get(world, path, {"Cookie": hls_cookie})
    assert reply.status == 403, (path, reply.status, reply.body[:200])
    assert reply.code == "AccessDenied", (path, reply.body[:300])
    assert VIDEO[:64] not in reply.body and SECRET not in reply.body


def test_a_dot_segment_inside_the_scope_is_served_as_the_path_it_resolves_to(world, hls_cookie):
    for path in ("/hls/x/../a.ts", "/hls/./a.ts", "/hls/%2e/a.ts", "/%68ls/a.ts"):
        reply = get(world, path, {"Cookie": hls_cookie})
        assert (reply.status, reply.body) == (200, SEGMENT), path


@pytest.fixture(scope="module")
def segment_url(world) -> str:
    """A signed URL whose custom policy names ``https://D/hls/a.ts*``."""
    signer = world.signers["rsa-SHA256"]
    return signer.sign_url(
        world.url("signed", "/hls/a.ts"),
        policy_resource=world.url("signed", "/hls/a.ts*"),
        date_less_than=in_an_hour(),
    )


def test_the_url_policy_opens_its_own_file(world, segment_url):
    query = segment_url.split("?", 1)[1]
    reply = get(world, f"/hls/a.ts?{query}")
    assert (reply.status, reply.body) == (200, SEGMENT)


@pytest.mark.parametrize(
    "path",
    [
        "/hls/a.ts/../../private/secret.txt",
        "/hls/a.ts/%2e%2e/%2e%2e/private/secret.txt",
        "/hls/a.ts/../../video.mp4",
        "/hls/a.ts/%2E%2E/%2E./video.mp4",
        "/hls/a.ts%2F..%2F..%2Fvideo.mp4",
    ],
)
def test_a_url_policy_with_a_wildcard_does_not_escape_through_dot_segments(
    world, segment_url, path
):
    query = segment_url.split("?", 1)[1]
    reply = get(world, f"{path}?{query}")
    assert reply.status in (400, 403), (path, reply.status, reply.body[:200])
    assert SECRET not in reply.body and VIDEO[:64] not in reply.body


def test_an_encoded_slash_is_refused_before_any_rule(world, hls_cookie):
    """``%2F``: CloudFront matches behaviours with it kept, S3 decodes it to ``/``; the local
    edge refuses it (a local choice, docs/local-aws-fidelity.md)."""
    for path in ("/hls%2Fa.ts", "/hls/..%2Fvideo.mp4", "/public%2freadme.txt"):
        reply = get(world, path, {"Cookie": hls_cookie})
        assert reply.status == 400, (path, reply.status, reply.body[:200])
        assert b"Bad request" in reply.body
        assert reply.header("Server") == "CloudFront"


def test_the_decision_names_the_path_that_was_judged(world, hls_cookie):
    import requests

    get(world, "/hls/%2e%2e/video.mp4", {"Cookie": hls_cookie})
    decisions = requests.get(f"{world.edge}/_cftutorial/decisions?limit=5", timeout=30).json()
    mine = [d for d in decisions if d["path"] == "/hls/%2e%2e/video.mp4"]
    assert mine, decisions
    assert mine[-1]["status"] == 403
    assert "https://" + world.domains["signed"] + "/video.mp4" in mine[-1]["reason"]


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("https://d.example/hls/../video.mp4", "https://d.example/video.mp4"),
        ("https://d.example/hls/%2e%2E/video.mp4", "https://d.example/video.mp4"),
        ("https://d.example/a/./b/../c?x=/../y", "https://d.example/a/c?x=/../y"),
        ("https://d.example/a/..", "https://d.example/"),
        ("https://d.example/.well-known/x", "https://d.example/.well-known/x"),
        ("https://d.example/hls/*", "https://d.example/hls/*"),
    ],
)
def test_canonical_url_resolves_dot_segments_as_clients_do(written, sent):
    assert urls.canonical_url(written) == sent
