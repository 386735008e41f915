"""The exercises' auto-checks: right answers pass, each typical mistake gets specific feedback."""

from __future__ import annotations

import time

import pytest

from cftutorial import exercises as ex


@pytest.mark.parametrize(
    "check",
    [
        lambda a: ex.check_dotted_bucket_name(a),
        lambda a: ex.check_oai_origin_value(a),
        lambda a: ex.check_oac_policy_statement(a),
        lambda a: ex.check_trusted_key_groups(a),
        lambda a: ex.check_denial_code("no Key-Pair-Id", a),
        lambda a: ex.check_key_pair_id_choice(a, key_pair_id="K1", key_group_id="G1"),
    ],
)
def test_a_blank_answer_says_what_to_fill_in_without_raising(check):
    feedback = check(None)
    assert not feedback.ok
    assert "no answer yet" in feedback.message


def test_a_dotted_valid_name_is_correct_and_an_undotted_one_gets_a_hint():
    assert ex.check_dotted_bucket_name("videos.example").ok
    hint = ex.check_dotted_bucket_name("videos-example")
    assert not hint.ok and "which character" in hint.message
    refused = ex.check_dotted_bucket_name("Videos.example")
    assert not refused.ok and "character 'V'" in refused.message


def test_the_bare_oai_id_is_recognised_as_missing_the_prefix():
    assert ex.check_oai_origin_value("origin-access-identity/cloudfront/E2QWRUHEXAMPLE").ok
    feedback = ex.check_oai_origin_value("E2QWRUHEXAMPLE")
    assert not feedback.ok and "prefix" in feedback.message


GOOD_STATEMENT = {
    "Effect": "Allow",
    "Principal": {"Service": "cloudfront.amazonaws.com"},
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{ex.EXAMPLE_BUCKET}/*",
    "Condition": {"StringEquals": {"AWS:SourceArn": ex.EXAMPLE_DISTRIBUTION_ARN}},
}


def test_the_right_oac_statement_passes():
    assert ex.check_oac_policy_statement(GOOD_STATEMENT).ok


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Condition": {}}, "any* CloudFront distribution"),
        ({"Resource": f"arn:aws:s3:::{ex.EXAMPLE_BUCKET}"}, "end with /*"),
        ({"Principal": {"AWS": "arn:aws:iam::cloudfront:user/x"}}, "OAI form"),
        ({"Action": "s3:*"}, "read only"),
    ],
)
def test_each_oac_statement_mistake_is_named(change, expected):
    feedback = ex.check_oac_policy_statement({**GOOD_STATEMENT, **change})
    assert not feedback.ok
    assert expected in feedback.message


def test_trusted_key_groups_mistakes_are_named():
    kg = ex.EXAMPLE_KEY_GROUP_ID
    assert ex.check_trusted_key_groups({"Enabled": True, "Quantity": 1, "Items": [kg]}).ok
    assert (
        "TrustedSigners"
        in ex.check_trusted_key_groups({"Enabled": True, "Quantity": 1, "Items": ["self"]}).message
    )
    assert (
        "Quantity"
        in ex.check_trusted_key_groups({"Enabled": True, "Quantity": 2, "Items": [kg]}).message
    )
    assert (
        "unsigned"
        in ex.check_trusted_key_groups({"Enabled": False, "Quantity": 1, "Items": [kg]}).message
    )


def test_denial_codes_are_case_sensitive_and_access_denied_is_explained():
    assert ex.check_denial_code("no Key-Pair-Id", "MissingKey").ok
    assert "case-sensitive" in ex.check_denial_code("no Key-Pair-Id", "missingkey").message
    assert "stops earlier" in ex.check_denial_code("no Key-Pair-Id", "AccessDenied").message
    assert ex.check_denial_code("Key-Pair-Id is the key group id", "InvalidKey").ok


def test_choosing_the_key_group_id_is_explained_as_unknown_key():
    assert ex.check_key_pair_id_choice("K1", key_pair_id="K1", key_group_id="G1").ok
    feedback = ex.check_key_pair_id_choice("G1", key_pair_id="K1", key_group_id="G1")
    assert not feedback.ok and "Unknown Key" in feedback.message


def test_restricted_url_checks_ip_and_lifetime(local_aws):
    from cftutorial import keygroups

    keygroups.ensure_signing_key("ex-url", "modern", "ecdsa")
    signer = keygroups.signer_for("ex-url")
    url = "https://d111111abcdef8.cloudfront.net/video.mp4"
    now = int(time.time())
    assert ex.check_restricted_url(
        signer.sign_url(url, date_less_than=now + 600, ip_address="127.0.0.1/32"), run_name="ex-url"
    ).ok
    canned = ex.check_restricted_url(
        signer.sign_url(url, date_less_than=now + 600), run_name="ex-url"
    )
    assert not canned.ok and "canned" in canned.message
    long = ex.check_restricted_url(
        signer.sign_url(url, date_less_than=now + 6000, ip_address="127.0.0.1/32"),
        run_name="ex-url",
    )
    assert not long.ok and "milliseconds" in long.message


def test_hls_cookies_must_not_open_the_mp4(local_aws):
    from cftutorial import keygroups

    keygroups.ensure_signing_key("ex-cookies", "modern", "rsa")
    signer = keygroups.signer_for("ex-cookies")
    domain = "d111111abcdef8.cloudfront.net"
    expires = int(time.time()) + 300
    right = signer.sign_cookies(f"https://{domain}/hls/*", date_less_than=expires)
    assert ex.check_hls_cookies(right, run_name="ex-cookies", domain=domain).ok
    too_wide = signer.sign_cookies(f"https://{domain}/*", date_less_than=expires)
    feedback = ex.check_hls_cookies(too_wide, run_name="ex-cookies", domain=domain)
    assert not feedback.ok and "video.mp4" in feedback.message
