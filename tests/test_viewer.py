"""The viewer side: fetching CloudFront URLs through the local edge, and S3 directly."""

from __future__ import annotations

import pytest
import requests
from edge_world import README, VIDEO, World, build_world, in_an_hour

from cftutorial.errors import BackendError, CftutorialError, ViewerURLError
from cftutorial.tutorial import viewer

pytestmark = pytest.mark.localaws


@pytest.fixture(scope="module")
def world(local_aws) -> World:
    return build_world()


def test_edge_url_maps_the_viewer_url_onto_the_edge_unchanged(world):
    viewer_url = "https://d111111abcdef8.cloudfront.net/a%20b/video.mp4?x=1&Signature=a~b-c_"
    assert viewer.edge_url(viewer_url) == (
        f"{world.edge}/d111111abcdef8.cloudfront.net/a%20b/video.mp4?x=1&Signature=a~b-c_"
    )


def test_edge_url_of_a_bare_domain_addresses_its_root(world):
    assert viewer.edge_url("https://D111.cloudfront.net") == f"{world.edge}/d111.cloudfront.net/"


@pytest.mark.parametrize(
    "bad",
    ["", "ftp://x.cloudfront.net/a", "d111.cloudfront.net/video.mp4", "https:///nohost", None],
)
def test_edge_url_refuses_what_is_not_an_http_url(bad):
    with pytest.raises(ViewerURLError) as caught:
        viewer.edge_url(bad)
    assert repr(bad) in str(caught.value)


def test_fetch_unsigned_is_denied_and_described(world):
    response = viewer.fetch(world.url("signed", "/video.mp4"))
    summary = viewer.describe_response(response)
    assert summary["status"] == 403
    assert summary["code"] == "MissingKey"
    assert summary["message"] == "Missing Key-Pair-Id query parameter or cookie value"
    assert summary["from"] == "cloudfront"
    assert summary["headers"]["X-Cache"] == "Error from cloudfront"


def test_fetch_signed_url_returns_the_object(world):
    signed = world.signers["rsa-SHA256"].sign_url(
        world.url("signed", "/video.mp4"), date_less_than=in_an_hour()
    )
    response = viewer.fetch(signed)
    assert response.status_code == 200
    assert response.content == VIDEO
    summary = viewer.describe_response(response)
    assert summary["code"] is None
    assert summary["from"] == "s3 via cloudfront"
    assert summary["bytes"] == len(VIDEO)


def test_fetch_sends_signed_cookies(world):
    cookies = world.signers["ecdsa-SHA1"].sign_cookies(
        f"https://{world.domains['signed']}/*", date_less_than=in_an_hour()
    )
    response = viewer.fetch(
        world.url("signed", "/video.mp4"), cookies=cookies, headers={"Range": "bytes=0-9"}
    )
    assert response.status_code == 206
    assert response.content == VIDEO[:10]


def test_fetch_head_has_no_body(world):
    response = viewer.fetch(world.url("signed", "/public/readme.txt"), method="head")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Length"] == str(len(README))


def test_describe_response_reads_relayed_s3_errors(world):
    response = viewer.fetch(world.url("oai", "/private.txt"))
    summary = viewer.describe_response(response)
    assert summary["status"] == 403
    assert summary["code"] == "AccessDenied"
    assert summary["message"] == "Access Denied"
    assert summary["from"] == "s3 via cloudfront"


def test_describe_response_reads_cloudfronts_html_error_page(world):
    summary = viewer.describe_response(viewer.fetch("https://d0000000000000.cloudfront.net/x"))
    assert summary["status"] == 403
    assert summary["code"] is None
    assert summary["message"] == "The request could not be satisfied."


def test_direct_s3_get_of_a_private_object_is_access_denied(world):
    response = viewer.direct_s3_get(world.oac_bucket, "video.mp4")
    summary = viewer.describe_response(response)
    assert summary["status"] == 403
    assert summary["code"] == "AccessDenied"
    assert VIDEO[:100] not in response.content


@pytest.mark.parametrize(("bucket", "key"), [("", "video.mp4"), ("a/b", "k"), ("bucket", "")])
def test_direct_s3_get_refuses_bad_names(bucket, key):
    with pytest.raises(ViewerURLError):
        viewer.direct_s3_get(bucket, key)


def test_recent_decisions_lists_the_latest_answer_last(world):
    viewer.fetch(world.url("signed", "/public/readme.txt?recent=1"))
    decisions = viewer.recent_decisions(limit=3)
    assert 1 <= len(decisions) <= 3
    assert decisions[-1]["path"] == "/public/readme.txt"
    assert decisions[-1]["status"] == 200
    assert "requires no signature" in decisions[-1]["reason"]


@pytest.mark.parametrize("limit", [-1, 5000, "3", True])
def test_recent_decisions_refuses_a_bad_limit(limit):
    with pytest.raises(CftutorialError, match="limit"):
        viewer.recent_decisions(limit=limit)


def test_edge_functions_refuse_aws_mode(monkeypatch):
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    with pytest.raises(BackendError):
        viewer.edge_url("https://d111.cloudfront.net/video.mp4")
    with pytest.raises(BackendError):
        viewer.recent_decisions()


def test_fetch_in_aws_mode_requests_the_real_url(monkeypatch):
    seen: dict = {}

    def fake_request(method, url, **kwargs):
        seen.update(method=method, url=url, **kwargs)
        response = requests.Response()
        response.status_code = 200
        return response

    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    monkeypatch.setattr(viewer.requests, "request", fake_request)
    url = "https://d111.cloudfront.net/video.mp4?Expires=1&Signature=x&Key-Pair-Id=K"
    viewer.fetch(url, cookies={"CloudFront-Key-Pair-Id": "K"})
    assert seen["url"] == url
    assert seen["method"] == "GET"
    assert seen["headers"]["Cookie"] == "CloudFront-Key-Pair-Id=K"


def test_recent_decisions_of_one_distribution_leave_out_the_others(world):
    viewer.fetch(world.url("oai", "/private.txt?mine=1"))
    viewer.fetch(world.url("signed", "/public/readme.txt?theirs=1"))
    mine = viewer.recent_decisions(limit=5, distribution=world.ids["oai"])
    assert mine, "no decision of the OAI distribution was listed"
    assert {d["distribution"] for d in mine} == {world.ids["oai"]}
    assert mine[-1]["path"] == "/private.txt"
    everyone = viewer.recent_decisions(limit=1)
    assert everyone[-1]["distribution"] == world.ids["signed"]


@pytest.mark.parametrize("distribution", ["", 42])
def test_recent_decisions_refuses_what_is_not_a_distribution_id(distribution):
    with pytest.raises(CftutorialError, match="not a distribution Id"):
        viewer.recent_decisions(distribution=distribution)


def test_request_url_is_the_edge_locally_and_the_url_itself_on_aws(world, monkeypatch):
    url = world.url("signed", "/a%20b.mp4?Expires=1&Signature=x~y")
    assert viewer.request_url(url) == viewer.edge_url(url)
    assert viewer.request_url(url).startswith(world.edge + "/")
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    assert viewer.request_url(url) == url
    with pytest.raises(ViewerURLError):
        viewer.request_url("d111.cloudfront.net/video.mp4")


def test_s3_object_url_is_the_local_s3_path_or_the_global_aws_name(world, monkeypatch):
    assert viewer.s3_object_url(world.oac_bucket, "week 1/vidéo.mp4") == (
        f"{world.aws}/{world.oac_bucket}/week%201/vid%C3%A9o.mp4"
    )
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    assert viewer.s3_object_url("my-videos", "video.mp4") == (
        "https://my-videos.s3.amazonaws.com/video.mp4"
    )


def test_edge_reason_of_an_expired_url_is_the_edges_own_reason(world):
    expired = world.signers["rsa-SHA1"].sign_url(
        world.url("signed", "/video.mp4"), date_less_than=1_000_000_000, allow_past=True
    )
    answer = viewer.fetch(expired)
    assert answer.status_code == 403
    reason = viewer.edge_reason(expired, answer, distribution=world.ids["signed"])
    assert "expired" in reason, reason
    assert reason == viewer.recent_decisions(limit=1)[-1]["reason"]


def test_edge_reason_on_aws_is_the_code_and_message_of_the_answer(world, monkeypatch):
    answer = viewer.fetch(world.url("signed", "/video.mp4"))
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    reason = viewer.edge_reason(world.url("signed", "/video.mp4"), answer)
    assert reason == "MissingKey Missing Key-Pair-Id query parameter or cookie value"
