"""The exercises' auto-checks: right answers pass, each typical mistake gets specific feedback."""

from __future__ import annotations

import re
import time
from pathlib import Path

import jupytext
import pytest

from cftutorial.tutorial import exercises, signing_key, state


@pytest.mark.parametrize(
    "check",
    [
        lambda a: exercises.check_dotted_bucket_name(a),
        lambda a: exercises.check_oai_origin_value(a),
        lambda a: exercises.check_oac_policy_statement(a),
        lambda a: exercises.check_trusted_key_groups(a),
        lambda a: exercises.check_denial_code("no Key-Pair-Id", a),
        lambda a: exercises.check_key_pair_id_choice(a, key_pair_id="K1", key_group_id="G1"),
        lambda a: exercises.check_restricted_url(a, run=state.open_run("ex-blank")),
        lambda a: exercises.check_hls_cookies(
            a, run=state.open_run("ex-blank"), domain="d1.cloudfront.net"
        ),
    ],
)
def test_a_blank_answer_says_what_to_fill_in_without_raising(check):
    feedback = check(None)
    assert not feedback.ok
    assert "no answer yet" in feedback.message


def test_the_blank_answer_hint_of_01_names_no_answer():
    message = exercises.check_dotted_bucket_name(None).message
    quoted = re.findall(r"'([^']*)'", message)
    assert "no answer yet" in message
    assert not [q for q in quoted if exercises.check_dotted_bucket_name(q).ok], message


def test_a_partial_oac_statement_gets_hints_not_the_missing_values():
    feedback = exercises.check_oac_policy_statement({"Effect": "Allow"})
    assert not feedback.ok
    for value in (
        "cloudfront.amazonaws.com",
        "s3:GetObject",
        f"arn:aws:s3:::{exercises.EXAMPLE_BUCKET}/*",
        exercises.EXAMPLE_DISTRIBUTION_ARN,
    ):
        assert value not in feedback.message, value
    assert "Service" in feedback.message and "read only" in feedback.message


NOTEBOOK_SOURCES = sorted(
    (Path(__file__).resolve().parent.parent / "notebooks").glob("0[1-4]-*.md")
)


@pytest.mark.parametrize("path", NOTEBOOK_SOURCES, ids=lambda p: p.name[:2])
def test_solution_cells_of_01_to_04_run_only_when_asked(path):
    notebook = jupytext.read(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    solutions = [c for c in code if "solution" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and solutions, path.name
    assert "run_solutions = False" in parameters[0].source
    for cell in solutions:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
        assert cell.source.startswith("if run_solutions:\n"), cell.source
        assert "display(exercises.check_" in cell.source
        body = cell.source.splitlines()[1:]
        assert all(not line or line.startswith("    ") for line in body), cell.source


def test_a_dotted_valid_name_is_correct_and_an_undotted_one_gets_a_hint():
    assert exercises.check_dotted_bucket_name("videos.example").ok
    hint = exercises.check_dotted_bucket_name("videos-example")
    assert not hint.ok and "which character" in hint.message
    refused = exercises.check_dotted_bucket_name("Videos.example")
    assert not refused.ok and "character 'V'" in refused.message


def test_the_bare_oai_id_is_recognised_as_missing_the_prefix():
    assert exercises.check_oai_origin_value("origin-access-identity/cloudfront/E2QWRUHEXAMPLE").ok
    feedback = exercises.check_oai_origin_value("E2QWRUHEXAMPLE")
    assert not feedback.ok and "prefix" in feedback.message


GOOD_STATEMENT = {
    "Effect": "Allow",
    "Principal": {"Service": "cloudfront.amazonaws.com"},
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{exercises.EXAMPLE_BUCKET}/*",
    "Condition": {"StringEquals": {"AWS:SourceArn": exercises.EXAMPLE_DISTRIBUTION_ARN}},
}


def test_the_right_oac_statement_passes():
    assert exercises.check_oac_policy_statement(GOOD_STATEMENT).ok


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Condition": {}}, "any* CloudFront distribution"),
        ({"Resource": f"arn:aws:s3:::{exercises.EXAMPLE_BUCKET}"}, "end with /*"),
        ({"Principal": {"AWS": "arn:aws:iam::cloudfront:user/x"}}, "OAI form"),
        ({"Action": "s3:*"}, "read only"),
    ],
)
def test_each_oac_statement_mistake_is_named(change, expected):
    feedback = exercises.check_oac_policy_statement({**GOOD_STATEMENT, **change})
    assert not feedback.ok
    assert expected in feedback.message


def test_trusted_key_groups_mistakes_are_named():
    kg = exercises.EXAMPLE_KEY_GROUP_ID
    assert exercises.check_trusted_key_groups({"Enabled": True, "Quantity": 1, "Items": [kg]}).ok
    assert (
        "TrustedSigners"
        in exercises.check_trusted_key_groups(
            {"Enabled": True, "Quantity": 1, "Items": ["self"]}
        ).message
    )
    assert (
        "Quantity"
        in exercises.check_trusted_key_groups(
            {"Enabled": True, "Quantity": 2, "Items": [kg]}
        ).message
    )
    assert (
        "unsigned"
        in exercises.check_trusted_key_groups(
            {"Enabled": False, "Quantity": 1, "Items": [kg]}
        ).message
    )


def test_denial_codes_are_case_sensitive_and_access_denied_is_explained():
    assert exercises.check_denial_code("no Key-Pair-Id", "MissingKey").ok
    assert "case-sensitive" in exercises.check_denial_code("no Key-Pair-Id", "missingkey").message
    assert "stops earlier" in exercises.check_denial_code("no Key-Pair-Id", "AccessDenied").message
    assert exercises.check_denial_code("Key-Pair-Id is the key group id", "InvalidKey").ok


def test_choosing_the_key_group_id_is_explained_as_unknown_key():
    assert exercises.check_key_pair_id_choice("K1", key_pair_id="K1", key_group_id="G1").ok
    feedback = exercises.check_key_pair_id_choice("G1", key_pair_id="K1", key_group_id="G1")
    assert not feedback.ok and "Unknown Key" in feedback.message


def test_restricted_url_checks_ip_and_lifetime(local_aws):
    run = state.open_run("ex-url")
    signing_key.ensure_signing_key(run, "modern", "ecdsa")
    signer = signing_key.signer_for(run)
    url = "https://d111111abcdef8.cloudfront.net/video.mp4"
    now = int(time.time())
    assert exercises.check_restricted_url(
        signer.sign_url(url, date_less_than=now + 600, ip_address="127.0.0.1/32"), run=run
    ).ok
    canned = exercises.check_restricted_url(signer.sign_url(url, date_less_than=now + 600), run=run)
    assert not canned.ok and "canned" in canned.message
    long = exercises.check_restricted_url(
        signer.sign_url(url, date_less_than=now + 6000, ip_address="127.0.0.1/32"),
        run=run,
    )
    assert not long.ok and "milliseconds" in long.message


def test_hls_cookies_must_not_open_the_mp4(local_aws):

    run = state.open_run("ex-cookies")
    signing_key.ensure_signing_key(run, "modern", "rsa")
    signer = signing_key.signer_for(run)
    domain = "d111111abcdef8.cloudfront.net"
    expires = int(time.time()) + 300
    right = signer.sign_cookies(f"https://{domain}/hls/*", date_less_than=expires)
    assert exercises.check_hls_cookies(right, run=run, domain=domain).ok
    too_wide = signer.sign_cookies(f"https://{domain}/*", date_less_than=expires)
    feedback = exercises.check_hls_cookies(too_wide, run=run, domain=domain)
    assert not feedback.ok and "video.mp4" in feedback.message


# 10 ---------------------------------------------------------------------------------------


def test_rotation_plan_accepts_the_earliest_safe_moment_and_names_each_mistake():
    from datetime import datetime, timedelta, timezone

    switched = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    lifetime = timedelta(hours=24)
    earliest = switched + lifetime

    def check(answer):
        return exercises.check_rotation_plan(answer, switched_at=switched, max_lifetime=lifetime)

    assert check(earliest).ok
    assert check("2026-03-02T09:00Z").ok and check(int(earliest.timestamp())).ok
    assert "no answer yet" in check(None).message
    too_early = check(switched)
    assert not too_early.ok and "403 InvalidKey" in too_early.message
    assert "no time zone" in check(earliest.replace(tzinfo=None)).message
    assert "milliseconds" in check(int(earliest.timestamp()) * 1000).message
    late = check(earliest + timedelta(days=2))
    assert not late.ok and "later than needed" in late.message
    assert "is neither epoch seconds nor an ISO 8601 time" in check("tomorrow").message
    # one time reader with the CLI: a string without a zone is UTC there, so here too
    assert check("2026-03-02T09:00").ok and check("2026-03-02 09:00:00.5+00:00").ok
    assert "not a time" in check(True).message and "not a time" in check([2026]).message
