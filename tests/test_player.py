"""cftutorial.player: the URL and <video> element a learner's browser uses to play a signed URL."""

from __future__ import annotations

import html
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from edge_world import VIDEO, World, build_world, in_an_hour
from jupyter_process import JupyterServer, running_jupyter

from cftutorial.errors import CftutorialError, PlayerError, ViewerURLError
from cftutorial.tutorial import player, viewer

SIGNED = (
    "https://d111111abcdef8.cloudfront.net/videos/clip.mp4"
    "?Expires=1767225600&Signature=Ab~c-_d&Key-Pair-Id=K2JCJMDEHXQW5F"
)


class _Elements(HTMLParser):
    """Collects (tag, attributes) of every start tag, attribute values unescaped."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def video_attributes(markup: str) -> dict[str, str | None]:
    parser = _Elements()
    parser.feed(markup)
    videos = [attrs for tag, attrs in parser.found if tag == "video"]
    assert len(videos) == 1, markup
    return videos[0]


def edge_port(local_aws) -> int:
    port = urlsplit(local_aws.edge_endpoint).port
    assert port, local_aws.edge_endpoint
    return port


@pytest.fixture
def no_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(player.ENV_HUB_PREFIX, raising=False)


@pytest.mark.usefixtures("no_hub")
def test_browser_url_goes_through_the_jupyter_proxy_to_the_edge_port(local_aws) -> None:
    expected = f"/proxy/{edge_port(local_aws)}/d111111abcdef8.cloudfront.net/videos/clip.mp4"
    assert player.browser_url(SIGNED) == expected + "?" + SIGNED.split("?", 1)[1]


@pytest.mark.parametrize("prefix", ["/user/ada/", "/user/ada", "user/ada/"])
def test_browser_url_starts_with_the_jupyterhub_prefix_when_set(
    local_aws, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    monkeypatch.setenv(player.ENV_HUB_PREFIX, prefix)
    url = player.browser_url(SIGNED)
    assert url.startswith(f"/user/ada/proxy/{edge_port(local_aws)}/d111111abcdef8.cloudfront.net/")
    assert url.endswith("?" + SIGNED.split("?", 1)[1])


def test_browser_url_is_the_viewer_url_itself_in_aws_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    assert player.browser_url(SIGNED) == SIGNED


@pytest.mark.parametrize("bad", ["ftp://d1.cloudfront.net/x", "d1.cloudfront.net/x", "", None])
def test_browser_url_rejects_a_value_that_is_not_an_http_url(bad) -> None:
    with pytest.raises(ViewerURLError) as caught:
        player.browser_url(bad)
    assert repr(bad) in str(caught.value)
    assert "https://" in str(caught.value)


@pytest.mark.usefixtures("no_hub")
def test_video_html_is_a_player_element_whose_src_is_the_escaped_browser_url(local_aws) -> None:
    markup = player.video_html(SIGNED)
    attrs = video_attributes(markup)
    assert attrs["src"] == player.browser_url(SIGNED)
    assert "&amp;Signature=" in markup and "&Signature=" not in markup
    assert attrs["preload"] == "auto"
    assert attrs["width"] == "480"
    for flag in ("controls", "playsinline", "muted"):
        assert flag in attrs, flag
    assert "autoplay" not in attrs


@pytest.mark.usefixtures("no_hub")
def test_video_html_leaves_out_muted_and_adds_autoplay_when_asked(local_aws) -> None:
    attrs = video_attributes(player.video_html(SIGNED, muted=False, autoplay=True, width=320))
    assert "muted" not in attrs
    assert "autoplay" in attrs
    assert attrs["width"] == "320"


@pytest.mark.usefixtures("no_hub")
def test_video_html_escapes_the_element_id(local_aws) -> None:
    tricky = 'clip"><script>alert(1)</script>'
    markup = player.video_html(SIGNED, element_id=tricky)
    assert video_attributes(markup)["id"] == tricky
    assert "<script>" not in markup


@pytest.mark.parametrize(
    ("option", "value"), [("width", 0), ("width", "480"), ("width", True), ("element_id", "  ")]
)
def test_video_html_rejects_an_option_it_cannot_use(local_aws, option: str, value) -> None:
    with pytest.raises(PlayerError) as caught:
        player.video_html(SIGNED, **{option: value})
    assert isinstance(caught.value, CftutorialError)
    assert f"{option}={value!r}" in str(caught.value)


@pytest.mark.usefixtures("no_hub")
def test_video_returns_ipython_html_with_the_same_markup(local_aws) -> None:
    from IPython.display import HTML

    shown = player.video(SIGNED, element_id="signed-video")
    assert isinstance(shown, HTML)
    assert shown.data == player.video_html(SIGNED, element_id="signed-video")
    assert shown._repr_html_().startswith('<video id="signed-video" ')


# --- through a real Jupyter server: the browser's path to the edge ---------------------------


@pytest.fixture(scope="module")
def world(local_aws) -> World:
    return build_world()


@pytest.fixture(scope="module")
def jupyter(local_aws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    work = tmp_path_factory.mktemp("jupyter-server")
    root = work / "root"
    root.mkdir()
    with running_jupyter("server", root, work) as server:
        yield server


def through_jupyter(
    jupyter: JupyterServer, viewer_url: str, *, auth: bool = True, **headers: str
) -> requests.Response:
    path = player.browser_url(viewer_url)
    assert path.startswith("/proxy/"), path
    sent = {**(jupyter.headers() if auth else {}), **headers}
    return requests.get(
        jupyter.url.rstrip("/") + path, headers=sent, timeout=30, allow_redirects=False
    )


def signed(world: World, path: str = "/video.mp4") -> str:
    return world.signers["rsa-SHA1"].sign_url(
        world.url("signed", path), date_less_than=in_an_hour()
    )


@pytest.mark.localaws
@pytest.mark.usefixtures("no_hub")
def test_signed_url_through_the_jupyter_proxy_gets_the_object_bytes(
    jupyter: JupyterServer, world: World
) -> None:
    reply = through_jupyter(jupyter, signed(world))
    assert reply.status_code == 200, (reply.status_code, reply.text[:300], jupyter.log_tail())
    assert reply.content == VIDEO
    assert reply.headers["Content-Type"] == "video/mp4"


@pytest.mark.localaws
@pytest.mark.usefixtures("no_hub")
def test_range_request_through_the_jupyter_proxy_gets_206_with_those_bytes(
    jupyter: JupyterServer, world: World
) -> None:
    reply = through_jupyter(jupyter, signed(world), Range="bytes=100-199")
    assert reply.status_code == 206, (reply.status_code, reply.text[:300])
    assert reply.content == VIDEO[100:200]
    assert reply.headers["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"


@pytest.mark.localaws
@pytest.mark.usefixtures("no_hub")
def test_unsigned_url_through_the_jupyter_proxy_gets_the_edges_missing_key_403(
    jupyter: JupyterServer, world: World
) -> None:
    unsigned = world.url("signed", "/video.mp4")
    reply = through_jupyter(jupyter, unsigned)
    direct = viewer.fetch(unsigned)
    assert reply.status_code == direct.status_code == 403
    assert b"<Code>MissingKey</Code>" in reply.content
    assert reply.headers["Content-Type"] == direct.headers["Content-Type"] == "text/xml"
    assert reply.content == direct.content


@pytest.mark.localaws
@pytest.mark.usefixtures("no_hub")
def test_the_proxy_route_needs_the_jupyter_login(jupyter: JupyterServer, world: World) -> None:
    reply = through_jupyter(jupyter, signed(world), auth=False)
    assert reply.status_code in (302, 403), reply.status_code
    assert reply.content != VIDEO


@pytest.mark.localaws
@pytest.mark.usefixtures("no_hub")
def test_jupyter_server_proxy_is_enabled_as_a_server_extension(jupyter: JupyterServer) -> None:
    reply = requests.get(jupyter.url + "api/status", headers=jupyter.headers(), timeout=10)
    assert reply.status_code == 200
    log = Path(jupyter.log).read_text(errors="replace")
    assert "jupyter_server_proxy" in log, jupyter.log_tail()


def test_notebook_08_plays_its_video_through_the_player() -> None:
    """A hand-written <video src=edge_url(...)> only plays when the browser runs on this machine."""
    import nbformat

    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    found = sorted(notebooks.glob("08-*.ipynb"))
    assert len(found) == 1, found
    sources = [
        c.source for c in nbformat.read(found[0], as_version=4).cells if c.cell_type == "code"
    ]
    played = [source for source in sources if "player.video_and_answer(" in source]
    assert len(played) == 2, "the signed and the expired video, each with the edge's answer"
    assert any('cases["expired a minute ago"]' in source for source in played)
    assert not any("<video" in source for source in sources)


def test_browser_url_rejects_a_value_that_is_not_an_http_url_in_aws_mode_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    with pytest.raises(ViewerURLError) as caught:
        player.browser_url("d1.cloudfront.net/video.mp4")
    assert "'d1.cloudfront.net/video.mp4'" in str(caught.value)


@pytest.mark.localaws
@pytest.mark.usefixtures("no_hub")
def test_an_expired_url_plays_nothing_and_the_edges_reason_stands_beside_the_player(
    world: World,
) -> None:
    expired = world.signers["rsa-SHA1"].sign_url(
        world.url("signed", "/video.mp4"), date_less_than=1_000_000_000, allow_past=True
    )
    shown = player.video_and_answer(expired, distribution=world.ids["signed"], width=320)
    markup = shown.data
    assert video_attributes(markup)["src"] == player.browser_url(expired)
    assert "edge answer: 403 AccessDenied</b>" in markup
    reason = viewer.recent_decisions(limit=1, distribution=world.ids["signed"])[-1]["reason"]
    assert "expired" in reason and html.escape(reason) in markup


@pytest.mark.localaws
@pytest.mark.usefixtures("no_hub")
def test_a_good_url_says_the_player_can_load_it(world: World) -> None:
    markup = player.video_and_answer(signed(world), distribution=world.ids["signed"]).data
    assert "edge answer: 206</b><br>the player can load it" in markup
    assert video_attributes(markup)["width"] == "480"
