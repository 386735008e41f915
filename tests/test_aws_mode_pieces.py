"""The pieces of aws mode that need no stand-in: CallerReferences, the pre-creation summary,
the stand-in edge setting and the aws-mode bucket-name rule."""

from __future__ import annotations

import re

import pytest

from cftutorial import config
from cftutorial.errors import ConfigError
from cftutorial.tutorial import preflight, references, state
from cftutorial.tutorial import step02_origin_access as step02


class Interrupted(Exception):
    pass


class FakeCloudFront:
    """Lists no OAI; the create records its config and (the first time) is interrupted."""

    def __init__(self, fail: bool) -> None:
        self.fail, self.sent = fail, []

    def get_paginator(self, _name):
        class Pages:
            def paginate(self):
                return [{"CloudFrontOriginAccessIdentityList": {"Items": []}}]

        return Pages()

    def create_cloud_front_origin_access_identity(self, CloudFrontOriginAccessIdentityConfig):
        self.sent.append(dict(CloudFrontOriginAccessIdentityConfig))
        if self.fail:
            raise Interrupted("connection lost after CloudFront made it")
        return {
            "CloudFrontOriginAccessIdentity": {
                "Id": "E1OAI",
                "S3CanonicalUserId": "a" * 64,
                "CloudFrontOriginAccessIdentityConfig": CloudFrontOriginAccessIdentityConfig,
            }
        }


def test_the_reference_is_saved_before_the_create_and_reused_by_the_retry():
    run = "ref-retry"
    first = FakeCloudFront(fail=True)
    run_0 = state.open_run(run)
    with pytest.raises(Interrupted):
        step02.create_or_find_oai(run_0, cf=first)
    sent = first.sent[0]["CallerReference"]
    assert state.get(run, references.STATE_KEY) == {"oai": sent}, "not saved before the call"
    again = FakeCloudFront(fail=False)
    assert step02.create_or_find_oai(run_0, cf=again).id == "E1OAI"
    assert again.sent[0]["CallerReference"] == sent, "the retry must resume, not duplicate"


def test_each_creation_after_a_teardown_gets_a_new_reference():
    run = "ref-new"
    run_0 = state.open_run(run)
    first = references.caller_reference(run_0, "distribution")
    assert re.fullmatch(r"cftutorial-ref-new-distribution-[0-9a-f]{32}", first)
    assert references.caller_reference(run_0, "distribution") == first
    assert references.caller_reference(run_0, "oai") != first
    state.forget(run)  # what teardown does last
    assert references.caller_reference(state.open_run(run), "distribution") != first


def test_the_summary_lists_what_each_notebook_creates_with_its_cost():
    modern = preflight.planned_resources("sum", approach="modern")
    assert [(item.notebook, item.what) for item in modern] == [
        ("01", "S3 bucket"),
        ("02", "origin access control"),
        ("02", "origin access identity"),
        ("03", "S3 bucket"),
        ("04", "CloudFront distribution"),
        ("04", "key group"),
        ("04", "public key"),
        ("09", "public key"),
        ("09", "S3 bucket"),
        ("10", "public key"),
        ("11", "ACM certificate"),
        ("12", "public key"),
        ("12", "KMS alias"),
        ("12", "KMS key"),
        ("13", "CloudFront distribution"),
        ("13", "key group"),
        ("13", "public key"),
        ("13", "public key"),
        ("13", "S3 bucket"),
    ]
    assert {item.name for item in modern} >= {
        "cftutorial-sum",
        "cftutorial-sum-acl-demo",
        "cftutorial-sum-logs",
        "'cftutorial-sum-rsa-2'",
    }
    priced = [item for item in modern if item.monthly_usd is not None]
    assert all(0 <= item.monthly_usd < 0.01 for item in priced)
    (kms_key,) = [item for item in modern if item.monthly_usd is None]  # a fee we do not guess
    assert kms_key.what == "KMS key" and "https://aws.amazon.com/kms/pricing/" in kms_key.describe()
    guide = preflight.planned_resources("sum", "cftutorial-mine", approach="guide")
    assert guide[0].name == "cftutorial-mine" and "BucketOwnerPreferred" in guide[0].note
    assert "console only" in guide[-1].name
    text = preflight.Preflight(
        "123456789012", "arn:aws:iam::123456789012:user/me", "eu-west-1", "sum", modern
    ).describe()
    assert "region eu-west-1" in text and "will create (19 resources" in text
    assert "plus the monthly fee of 1 shown by its pricing page" in text
    assert "per 10,000 HTTPS requests" in text


def test_the_stand_in_edge_setting_is_checked(monkeypatch):
    monkeypatch.delenv(config.ENV_EDGE_ENDPOINT, raising=False)
    assert config.edge_endpoint() is None
    monkeypatch.setenv(config.ENV_EDGE_ENDPOINT, "http://127.0.0.1:4751/")
    assert config.edge_endpoint() == "http://127.0.0.1:4751"
    monkeypatch.setenv(config.ENV_EDGE_ENDPOINT, "127.0.0.1:4751")
    with pytest.raises(ConfigError, match=r"CFTUTORIAL_EDGE_ENDPOINT='127.0.0.1:4751'"):
        config.edge_endpoint()


def test_without_the_setting_aws_mode_requests_the_real_cloudfront_url(monkeypatch):
    from cftutorial.tutorial import player, viewer

    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    monkeypatch.delenv(config.ENV_EDGE_ENDPOINT, raising=False)
    url = "https://d111111abcdef8.cloudfront.net/video.mp4?Expires=1"
    assert viewer.request_url(url) == url and player.browser_url(url) == url
    monkeypatch.setenv(config.ENV_EDGE_ENDPOINT, "http://127.0.0.1:4999")
    assert (
        viewer.request_url(url)
        == "http://127.0.0.1:4999/d111111abcdef8.cloudfront.net/video.mp4?Expires=1"
    )
    assert player.browser_url(url).startswith("/proxy/4999/d111111abcdef8.cloudfront.net/")
