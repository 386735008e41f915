"""Notebook 11's player in Chromium: log in, the HLS video plays through the cookies, log out,
the next segment is refused.

The run is set up with the same step functions and calls the notebook makes (alias, ACM
certificate, login app, CORS rules); Chromium then opens the login page the notebook links to,
on ``login.cftutorial-browser.localhost`` (Chromium resolves ``*.localhost`` to this machine).
"""

from __future__ import annotations

import builders
import pytest

from cftutorial.aws import certificates, clients, distributions
from cftutorial.tutorial import login_app, state, viewer
from cftutorial.tutorial import step11_login_cookies as step11

pytestmark = [pytest.mark.browser]
RUN = "browser-cookies"
PLAYING = """() => {
  const v = document.getElementById('hls-video');
  return v.readyState >= 2 && v.currentTime > 0.5;
}"""
# One segment from the network with the browser's cookies, as the player would fetch it next:
# no-store skips the HTTP cache (which still holds the segments already played), and no-cors
# lets the test read the real status even when the answer carries no CORS headers.
NEXT_SEGMENT = """(url) => fetch(url, {credentials: 'include', cache: 'no-store', mode: 'no-cors'})
  .then(r => r.type)"""


@pytest.fixture
def login_site(local_aws):
    """The run of notebooks 01-04 with notebook 11's alias, certificate, login app and CORS."""
    builders.run(RUN, "04", show_acl_failure=False)
    site = step11.Site("cftutorial-browser.localhost")
    dist_id, bucket = state.require(RUN, "distribution")["id"], state.require(RUN, "bucket")
    arn = (
        step11.find_certificate(RUN, site)
        or certificates.acm_client().request_certificate(
            DomainName=site.certificate_name,
            ValidationMethod="DNS",
            Tags=certificates.run_tags(RUN),
        )["CertificateArn"]
    )
    certificates.wait_issued(arn)
    cf = clients.client("cloudfront")
    current = cf.get_distribution_config(Id=dist_id)
    wanted = step11.with_alias(current["DistributionConfig"], alias=site.alias, arn=arn)
    cf.update_distribution(Id=dist_id, DistributionConfig=wanted, IfMatch=current["ETag"])
    distributions.wait_deployed(dist_id, progress=False)
    scope = login_app.CookieScope(domain=site.parent_domain)
    app = step11.start_login_app(state.open_run(RUN), site, scope=scope)
    origin = step11.browser_url(site.login_host, app.port, "")
    clients.client("s3").put_bucket_cors(
        Bucket=bucket, CORSConfiguration=step11.cors_configuration(origin)
    )
    yield site, origin
    builders.put_back_11(
        RUN, bucket=bucket, distribution_id=dist_id, certificate_names=(site.certificate_name,)
    )


def test_the_player_plays_through_the_cookies_and_logout_refuses_the_next_segment(
    chromium, screenshots, login_site
):
    site, origin = login_site
    context = chromium.new_context(viewport={"width": 900, "height": 700})
    page = context.new_page()
    segments: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: (
            segments.append((r.url.rsplit("/", 1)[1], r.status)) if "/hls/" in r.url else None
        ),
    )
    try:
        page.goto(origin + "/")
        page.fill("#user", login_app.DEMO_USER)
        page.fill("#password", login_app.DEMO_PASSWORD)
        page.click("#login")
        page.wait_for_url("**/player")
        names = {c["name"]: c for c in context.cookies() if c["name"].startswith("CloudFront-")}
        assert set(names) == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
        cookie = names["CloudFront-Signature"]
        assert cookie["domain"] == "." + site.parent_domain and cookie["path"] == "/"
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        page.wait_for_function(PLAYING, timeout=30_000)
        first = page.evaluate("() => document.getElementById('hls-video').currentTime")
        page.wait_for_function(f"() => document.getElementById('hls-video').currentTime > {first}")
        log = page.evaluate("() => window.playerLog")
        assert log[0].startswith("hls.js 1.7.4"), log
        assert ("video.m3u8", 200) in segments and ("video0.ts", 200) in segments, segments
        assert all(status == 200 for _, status in segments), segments
        path = screenshots.take(page, "11-hls-player-playing")
        assert path.stat().st_size > 10_000, "the screenshot is blank"
        url = step11.browser_url(site.alias, step11.edge_port(), "/hls/video3.ts")
        with page.expect_response(url) as logged_in:
            page.evaluate(NEXT_SEGMENT, url)
        assert logged_in.value.status == 200

        page.click("#logout")
        page.wait_for_url(origin + "/?logged-out")
        assert "Logged out" in page.locator("#logged-out").inner_text()
        assert not [c for c in context.cookies() if c["name"].startswith("CloudFront-")]
        with page.expect_response(url) as refused:
            page.evaluate(NEXT_SEGMENT, url)
        assert refused.value.status == 403
        dist_id = state.require(RUN, "distribution")["id"]
        last = viewer.recent_decisions(1, distribution=dist_id)[-1]
        assert (last["path"], last["status"], last["code"]) == ("/hls/video3.ts", 403, "MissingKey")
        # a refused answer carries no CORS headers, so a player sees a network error, not a 403
        assert "access-control-allow-origin" not in refused.value.headers
        screenshots.take(page, "11-hls-player-logged-out")
    finally:
        context.close()
