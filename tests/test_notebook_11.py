"""Notebook 11: an alias with an ACM certificate, cookies from a login app, HLS, logout.

The notebook as the modern chain ran it: after 01-07 and 08 (``clean_up=False``) with the
defaults, then again in a fresh kernel (as a learner re-running it would) with its solution,
then 08 with ``clean_up=True``; in the guide chain, the guide path's one message. The other
tests check the pieces: the rules the local AWS applies to aliases and certificates, S3's CORS
answer through the edge, the login app and the cookie scope exercise.
"""

from __future__ import annotations

import re
import time

import builders
import pytest
import refusals
import requests
from botocore.exceptions import ClientError
from chains import flat, solution_outputs

from cftutorial.aws import certificates, clients
from cftutorial.errors import LoginAppError, ModernPathRequired
from cftutorial.localaws import process
from cftutorial.tutorial import exercises, login_app, signing_key, state
from cftutorial.tutorial import step11_login_cookies as step11


def test_11_runs_after_01_08_twice_and_08_still_cleans_up(modern_chain):
    kept = modern_chain.text("08")
    assert "OK: nothing was deleted" in kept  # the chain's order: 08 (clean_up=False), then 11
    again = modern_chain["11-again"]
    for text in (modern_chain.text("11"), again.text):
        assert "InvalidViewerCertificate" in text and "doesn't cover the alternate" in text
        assert "Aliases: ['videos.cftutorial.localhost']" in text
        assert "CertificateSource: acm" in text
        assert "status: ISSUED" in text
        assert "Domain=cftutorial.localhost" in text and "SameSite=Strict" in text
        assert "Secure; HttpOnly" in text
        assert re.search(r"OK: videos\.cftutorial\.localhost serves .* 4 segments", text)
        assert "after logout video3.ts got 403" in text
    # a learner's Run All (put_back = False) leaves it all live and says so; the run again with
    # put_back = True, over what the first one left, puts it back
    left = modern_chain.text("11")
    assert "Nothing was put back (put_back = False)" in left and "certificate deleted" not in left
    assert re.search(r"OK: nothing was put back; http://login\.\S+/ answers 200", left)
    assert "| certificate | *.cftutorial.localhost | deleted " in flat(again.text), again.text
    assert "| alias, certificate, CORS policy |" in flat(again.text)
    assert "back as notebook 04 made it" in again.text
    assert any("Correct:" in out for out in solution_outputs(again.notebook))
    assert "OK: everything this run created is gone" in modern_chain.text("08-clean")


def test_11_on_the_guide_path_is_one_message(guide_chain, monkeypatch):
    """Not executed on the guide path: it stops where the executed 09 stops, on the same run,
    with its own message, shown as 09's is (tests/refusals.py)."""
    error = refusals.on_the_guide_path(guide_chain, "11", monkeypatch)
    assert "its login service signs cookies for the run's key group" in str(
        error
    )  # why, in its own words


def test_a_guide_run_is_refused_with_the_fix(isolated_home):
    state.update("guided", signing_key={"approach": "guide", "key_group_id": None})
    with pytest.raises(ModernPathRequired, match=r"needs the modern path.*approach='modern'"):
        step11.check_run(state.open_run("guided"))
    state.forget("guided")


# --- the local AWS: aliases, certificates, CORS --------------------------------------------


@pytest.fixture(scope="module")
def run(local_aws):
    name = "alias-rules"
    builders.run(name, "04", show_acl_failure=False)
    return name


def _update(dist_id: str, alias: str, arn: str) -> None:
    cf = clients.client("cloudfront")
    current = cf.get_distribution_config(Id=dist_id)
    changed = step11.with_alias(current["DistributionConfig"], alias=alias, arn=arn)
    cf.update_distribution(Id=dist_id, DistributionConfig=changed, IfMatch=current["ETag"])


def _error(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call()
    return refused.value.response["Error"]["Code"], refused.value.response["Error"]["Message"]


def test_the_alias_rules_of_cloudfront_and_acm(run):
    dist_id = state.require(run, "distribution")["id"]
    acm = certificates.acm_client()
    arn = acm.request_certificate(
        DomainName="*.rules.localhost", ValidationMethod="DNS", Tags=certificates.run_tags(run)
    )["CertificateArn"]
    unknown = arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    code, message = _error(lambda: _update(dist_id, "videos.rules.localhost", unknown))
    assert code == "InvalidViewerCertificate" and "isn't in us-east-1" in message
    assert certificates.wait_issued(arn) == "ISSUED"
    other_region = arn.replace(":us-east-1:", ":eu-west-1:")
    assert _error(lambda: _update(dist_id, "videos.rules.localhost", other_region))[0] == (
        "InvalidViewerCertificate"
    )
    for uncovered in ("rules.localhost", "a.b.rules.localhost", "videos.other.localhost"):
        code, message = _error(lambda a=uncovered: _update(dist_id, a, arn))
        assert code == "InvalidViewerCertificate" and "doesn't cover" in message, uncovered
    _update(dist_id, "videos.rules.localhost", arn)
    code, _ = _error(lambda: acm.delete_certificate(CertificateArn=arn))
    assert code == "ResourceInUseException"
    answer = requests.get(
        f"{process.ensure_running().edge_endpoint}/hls/video0.ts",
        headers={"Host": "videos.rules.localhost"},
        timeout=30,
    )
    assert answer.status_code == 403 and "MissingKey" in answer.text, "not served on the alias"
    restored = builders.put_back_11(
        run, bucket=state.require(run, "bucket"), distribution_id=dist_id,
        certificate_names=("*.rules.localhost",),
    )  # fmt: skip
    assert any(
        row["what"] == "certificate" and row["state"].startswith("deleted ") for row in restored
    ), restored
    assert not certificates.run_certificates(run)


def test_an_alias_on_another_distribution_is_cname_already_exists(run, local_aws):
    dist_id = state.require(run, "distribution")["id"]
    acm = certificates.acm_client()
    arn = acm.request_certificate(
        DomainName="dup.localhost", ValidationMethod="DNS", Tags=certificates.run_tags(run)
    )["CertificateArn"]
    certificates.wait_issued(arn)
    _update(dist_id, "dup.localhost", arn)
    cf = clients.client("cloudfront")
    config = cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
    config["CallerReference"] = "another-distribution"
    with pytest.raises(ClientError) as refused:
        cf.create_distribution(DistributionConfig=config)
    assert refused.value.response["Error"]["Code"] == "CNAMEAlreadyExists"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    builders.put_back_11(
        run, bucket=state.require(run, "bucket"), distribution_id=dist_id,
        certificate_names=("dup.localhost",),
    )  # fmt: skip


def test_the_login_app_sets_and_clears_the_cookies_and_the_edge_follows(run):
    site = step11.Site("flow.localhost")
    dist_id, bucket = state.require(run, "distribution")["id"], state.require(run, "bucket")
    acm = certificates.acm_client()
    arn = acm.request_certificate(
        DomainName=site.certificate_name, ValidationMethod="DNS", Tags=certificates.run_tags(run)
    )["CertificateArn"]
    certificates.wait_issued(arn)
    _update(dist_id, site.alias, arn)
    scope = login_app.CookieScope(domain=site.parent_domain)
    run_0 = state.open_run(run)
    app = step11.start_login_app(run_0, site, scope=scope)
    again = step11.start_login_app(run_0, site, scope=scope)  # a re-run replaces it
    origin = step11.browser_url(site.login_host, again.port, "")
    clients.client("s3").put_bucket_cors(
        Bucket=bucket, CORSConfiguration=step11.cors_configuration(origin)
    )
    browser = step11.LocalBrowser()
    wrong = browser.post(origin + "/login", data={"user": "learner", "password": "guess"})
    assert wrong.status_code == 401 and not step11.signed_cookie_names(browser)
    login = browser.post(
        origin + "/login", data={"user": login_app.DEMO_USER, "password": login_app.DEMO_PASSWORD}
    )
    assert login.status_code == 303
    assert step11.signed_cookie_names(browser) == [
        "CloudFront-Key-Pair-Id",
        "CloudFront-Policy",
        "CloudFront-Signature",
    ]
    edge = step11.edge_port()
    segment = browser.get(
        step11.browser_url(site.alias, edge, "/hls/video0.ts"), headers={"Origin": origin}
    )
    assert segment.status_code == 200
    assert segment.headers["Access-Control-Allow-Origin"] == origin
    assert segment.headers["Access-Control-Allow-Credentials"] == "true"
    stranger = browser.get(
        step11.browser_url(site.alias, edge, "/hls/video0.ts"),
        headers={"Origin": "http://evil.example"},
    )
    assert stranger.status_code == 200 and "Access-Control-Allow-Origin" not in stranger.headers
    browser.post(origin + "/logout")
    assert not step11.signed_cookie_names(browser)
    after = browser.get(step11.browser_url(site.alias, edge, "/hls/video1.ts"))
    assert after.status_code == 403
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{app.port}/", timeout=5)  # the first one was stopped
    builders.put_back_11(
        run, bucket=bucket, distribution_id=dist_id, certificate_names=(site.certificate_name,)
    )
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{again.port}/", timeout=5)


def test_a_taken_port_is_one_message():
    scope = login_app.CookieScope(domain="port.localhost")
    app = login_app.LoginApp(sign=dict, scope=scope, playlist_url="http://videos.port.localhost/")
    first = login_app.start("port-a", app)
    try:
        with pytest.raises(LoginAppError, match=rf"port {first.port} .* is taken.*login_port = 0"):
            login_app.start("port-b", app, port=first.port)
    finally:
        assert login_app.stop("port-a") and not login_app.stop("port-a")


# --- the cookie scope exercise ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "path", "said"),
    [
        ("localhost", "/hls/", "top-level"),
        ("videos.scope.localhost", "/hls/", "cannot set a cookie"),
        ("login.scope.localhost", "/hls/", "would not send"),
        ("scope.localhost", "/video", "does not cover /hls/video0.ts"),
        ("scope.localhost", "/", "also sends the cookies with /video.mp4"),
    ],
)
def test_the_exercise_names_what_the_browser_would_do(domain, path, said):
    feedback = exercises.check_cookie_scope(
        {"domain": domain, "path": path, "resource": "https://videos.scope.localhost/hls/*"},
        alias="videos.scope.localhost",
        login_host="login.scope.localhost",
        signer=None,
    )
    assert not feedback.ok and said in feedback.message


def test_the_exercise_asks_the_edge_about_the_resource(run):
    site = step11.Site("scope.localhost")
    dist_id = state.require(run, "distribution")["id"]
    arn = certificates.acm_client().request_certificate(
        DomainName=site.certificate_name, ValidationMethod="DNS", Tags=certificates.run_tags(run)
    )["CertificateArn"]
    certificates.wait_issued(arn)
    _update(dist_id, site.alias, arn)
    signer = signing_key.signer_for(state.open_run(run))
    common = {"alias": site.alias, "login_host": site.login_host, "signer": signer}
    scope = {"domain": site.parent_domain, "path": "/hls/"}
    wide = exercises.check_cookie_scope({**scope, "resource": site.viewer_url("*")}, **common)
    assert not wide.ok and "also open video.mp4" in wide.message
    elsewhere = exercises.check_cookie_scope(
        {**scope, "resource": "https://other.localhost/hls/*"}, **common
    )
    assert not elsewhere.ok and "refused the HLS files" in elsewhere.message
    right = exercises.check_cookie_scope({**scope, "resource": site.viewer_url("hls/*")}, **common)
    assert right.ok, right.message
    builders.put_back_11(
        run, bucket=state.require(run, "bucket"), distribution_id=dist_id,
        certificate_names=(site.certificate_name,),
    )  # fmt: skip


def test_the_vendored_hls_js_is_the_noted_version_with_its_licence():
    shipped = login_app.hls_js()
    assert len(shipped) > 100_000 and b"xhrSetup" in shipped
    assert login_app.HLS_JS_VERSION.encode() in shipped
    from importlib import resources

    assets = resources.files("cftutorial.tutorial") / "assets"
    assert "Apache License" in (assets / "hls.js-LICENSE.txt").read_text()
    assert "hls.js 1.7.4" in (assets / "NOTICE-hls.js.txt").read_text()


@pytest.mark.parametrize(
    ("region", "status", "alias", "code"),
    [
        ("us-east-1", "PENDING_VALIDATION", "videos.example.com", "InvalidViewerCertificate"),
        ("eu-west-1", "ISSUED", "videos.example.com", "InvalidViewerCertificate"),
        ("us-east-1", "ISSUED", "example.com", "InvalidViewerCertificate"),
        ("us-east-1", "ISSUED", "videos.example.com", None),
    ],
)
def test_the_certificate_rule_in_the_fidelity_layer(monkeypatch, region, status, alias, code):
    from cftutorial.localaws import moto_adapter
    from cftutorial.localaws.cloudfront import certificates as rules
    from cftutorial.localaws.wire import CloudFrontError

    found = moto_adapter.Certificate("arn", region, status, ("*.example.com",))
    monkeypatch.setattr(moto_adapter, "certificate", lambda arn: found)
    monkeypatch.setattr(moto_adapter, "distributions", list)
    config = {
        "Aliases": {"Quantity": 1, "Items": [alias]},
        "ViewerCertificate": {"ACMCertificateArn": f"arn:aws:acm:{region}:1:certificate/x"},
    }
    if code is None:
        rules.check(config)
        return
    with pytest.raises(CloudFrontError) as refused:
        rules.check(config)
    assert refused.value.code == code


def test_an_alias_without_a_certificate_is_refused():
    from cftutorial.localaws.cloudfront import certificates as rules
    from cftutorial.localaws.wire import CloudFrontError

    with pytest.raises(CloudFrontError, match="must attach a trusted certificate"):
        rules.check({"Aliases": {"Quantity": 1, "Items": ["videos.example.com"]}})


# --- S3's CORS answer and the SameSite attribute -----------------------------------------------


def test_s3_cors_echoes_a_listed_origin_with_credentials_and_nothing_else():
    from cftutorial.localaws.moto_adapter import CorsRule
    from cftutorial.localaws.s3 import cors

    rules = (CorsRule(("http://login.example.com:*",), ("GET", "HEAD"), max_age_seconds=600),)
    found = cors.headers(rules, "http://login.example.com:8080", "GET")
    assert found["Access-Control-Allow-Origin"] == "http://login.example.com:8080"
    assert found["Access-Control-Allow-Credentials"] == "true"
    assert found["Access-Control-Max-Age"] == "600" and "Origin" in found["Vary"]
    assert cors.headers(rules, "http://evil.example", "GET") == {}
    assert cors.headers(rules, "http://login.example.com:8080", "PUT") == {}
    assert cors.headers(rules, None, "GET") == {}
    anyone = (CorsRule(("*",), ("GET",)),)
    wide = cors.headers(anyone, "http://a.example", "GET")
    assert wide["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in wide


def test_only_origin_forwarding_policies_let_s3_see_the_origin():
    from cftutorial.localaws.edge.behaviours import forwards_origin
    from cftutorial.localaws.moto_adapter import Behaviour

    def behaviour(policy: str) -> Behaviour:
        return Behaviour("", "o", ("GET",), (), (), origin_request_policy_id=policy)

    assert forwards_origin(behaviour(step11.CORS_S3_ORIGIN))
    assert not forwards_origin(behaviour(""))
    assert not forwards_origin(behaviour("acba4595-bd28-49b8-b9fe-13317c0390fa"))


def test_same_site_is_written_and_checked():
    from cftutorial.errors import CookieOptionError
    from cftutorial.signing import cookies

    header = cookies.set_cookie_headers({"CloudFront-Policy": "x"}, same_site="Lax")[0]
    assert header.endswith("; Secure; HttpOnly; SameSite=Lax")
    assert "SameSite" not in cookies.set_cookie_headers({"CloudFront-Policy": "x"})[0]
    with pytest.raises(CookieOptionError, match="needs secure=True"):
        cookies.set_cookie_headers({"a": "b"}, same_site="None", secure=False)
    with pytest.raises(CookieOptionError, match="'Strict', 'Lax', 'None'"):
        cookies.set_cookie_headers({"a": "b"}, same_site="strict")


def test_a_certificate_lost_by_a_local_restart_does_not_block_updates(monkeypatch):
    """ACM is not in the local AWS's saved state: after a restart the attached certificate is
    gone, and an update that keeps it (08's disable before delete) must still go through."""
    from types import SimpleNamespace

    from cftutorial.localaws import moto_adapter
    from cftutorial.localaws.cloudfront import certificates as rules
    from cftutorial.localaws.wire import CloudFrontError

    arn = "arn:aws:acm:us-east-1:1:certificate/lost"
    monkeypatch.setattr(moto_adapter, "certificate", lambda _arn: None)
    monkeypatch.setattr(moto_adapter, "distributions", list)
    monkeypatch.setattr(
        moto_adapter, "distribution", lambda _id: SimpleNamespace(certificate_arn=arn)
    )
    config = {
        "Aliases": {"Quantity": 1, "Items": ["videos.example.com"]},
        "ViewerCertificate": {"ACMCertificateArn": arn},
    }
    rules.check(config, own_id="EDIST")
    with pytest.raises(CloudFrontError, match="doesn't exist"):
        rules.check(config)  # a new distribution naming it


def test_without_an_origin_forwarding_policy_the_bucket_cors_is_not_asked(run):
    """On AWS, S3 never sees ``Origin`` unless the behaviour forwards it: the edge keeps its own
    answer (``*``, no credentials) although the bucket has a rule for this origin."""
    dist = state.require(run, "distribution")
    origin = "http://login.nopolicy.localhost:8000"
    s3 = clients.client("s3")
    s3.put_bucket_cors(
        Bucket=state.require(run, "bucket"), CORSConfiguration=step11.cors_configuration(origin)
    )
    try:
        url = signing_key.signer_for(state.open_run(run)).sign_url(
            f"https://{dist['domain_name']}/hls/video0.ts", date_less_than=int(time.time()) + 300
        )
        answer = requests.get(
            f"{process.ensure_running().edge_endpoint}/{url.split('//', 1)[1]}",
            headers={"Origin": origin},
            timeout=30,
        )
        assert answer.status_code == 200
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in answer.headers
    finally:
        s3.delete_bucket_cors(Bucket=state.require(run, "bucket"))
