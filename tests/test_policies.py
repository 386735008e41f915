"""The shared reading of resource policies (cftutorial/policies/statements.py), as pure logic: one
statement against one request, the verdict of several, and whom a statement lets CloudFront read
for, the question both the local S3 (its origin reads) and ``cftutorial audit`` (its bucket and
key policy rules) ask of it."""

from __future__ import annotations

import pytest

from cftutorial.errors import UnsupportedPolicyError
from cftutorial.policies import statements as policies
from cftutorial.policies.statements import (
    Anonymous,
    CloudFrontService,
    OriginAccessIdentity,
    allows,
    applies,
    cloudfront_reach,
    evaluate,
)

BUCKET = "cftutorial-policies"
OBJECT = f"arn:aws:s3:::{BUCKET}/video.mp4"
THIS = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
SAME_ACCOUNT = "arn:aws:cloudfront::123456789012:distribution/E2OTHEREXAMPLE"
OTHER_ACCOUNT = "arn:aws:cloudfront::210987654321:distribution/EDFDVBD6EXAMPLE"
OAI = OriginAccessIdentity("E2QWRUHEXAMPLE", "79a59df900b949e55d96a1e698fbaced")


def oac(condition: dict | None = None, **extra) -> dict:
    """The OAC statement AWS documents, with ``condition`` (default: this distribution)."""
    statement = {
        "Sid": "AllowCloudFrontServicePrincipalReadOnly",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": THIS}} if condition is None else condition,
    }
    statement.update(extra)
    return {k: v for k, v in statement.items() if v != {}}


def test_statements_accept_a_list_or_one_object_and_leave_out_what_is_not_one():
    assert policies.statements({"Statement": oac()}) == [oac()]
    assert policies.statements({"Statement": [oac(), "junk", 3]}) == [oac()]
    assert policies.statements({}) == []


def test_the_documented_oac_statement_lets_this_distribution_read_and_no_other():
    statement = oac()
    assert allows(statement, "s3:GetObject", CloudFrontService(THIS), OBJECT)
    assert allows(statement, "S3:getobject", CloudFrontService(THIS), OBJECT)  # actions: any case
    assert not allows(statement, "s3:GetObject", CloudFrontService(SAME_ACCOUNT), OBJECT)
    assert not allows(statement, "s3:GetObject", Anonymous(), OBJECT)
    assert not allows(statement, "s3:PutObject", CloudFrontService(THIS), OBJECT)
    assert not allows(statement, "s3:GetObject", CloudFrontService(THIS), "arn:aws:s3:::other/x")
    assert cloudfront_reach(statement, "s3:GetObject", THIS) == ""


@pytest.mark.parametrize(
    ("condition", "reach"),
    [
        ({}, "any distribution in any account"),
        (
            {"StringLike": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*"}},
            "every distribution matching 'arn:aws:cloudfront::123456789012:distribution/*'",
        ),
        # a wildcard that happens to spare the other probes is broader all the same
        (
            {"ArnLike": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/EDF*"}},
            "every distribution matching 'arn:aws:cloudfront::123456789012:distribution/EDF*'",
        ),
        (
            {"StringEquals": {"AWS:SourceAccount": "123456789012"}},
            "every distribution in account 123456789012",
        ),
        (
            {"StringEquals": {"AWS:SourceArn": SAME_ACCOUNT}},
            f"{SAME_ACCOUNT}, not this distribution",
        ),
        ({"ArnEquals": {"aws:sourcearn": [THIS]}}, ""),  # keys: any case; values: a list
    ],
)
def test_whom_a_statement_lets_cloudfront_read_for(condition, reach):
    assert cloudfront_reach(oac(condition), "s3:GetObject", THIS) == reach


def test_a_statement_for_someone_else_or_another_action_does_not_reach_cloudfront():
    oai_only = oac({}, Principal={"AWS": policies.OAI_ARN_PREFIX + OAI.oai_id})
    assert cloudfront_reach(oai_only, "s3:GetObject", THIS) is None
    assert allows(oai_only, "s3:GetObject", OAI, OBJECT)
    assert cloudfront_reach(oac(), "kms:Decrypt", THIS) is None
    assert cloudfront_reach(oac(Effect="Deny"), "s3:GetObject", THIS) is None
    assert cloudfront_reach({"Effect": "Allow", "Principal": "*"}, "s3:GetObject", THIS) is None
    # everybody includes CloudFront: a public grant reaches every distribution
    public = oac({}, Principal="*")
    assert cloudfront_reach(public, "s3:GetObject", THIS) == "any distribution in any account"
    assert applies(public, "s3:GetObject", OBJECT, Anonymous()) == (True, True)


def test_a_kms_key_policy_is_read_the_same_way():
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"AWS:SourceArn": THIS}},
    }
    assert allows(statement, "kms:Decrypt", CloudFrontService(THIS))
    assert not allows(statement, "kms:Decrypt", CloudFrontService(OTHER_ACCOUNT))
    assert cloudfront_reach(statement, "kms:Decrypt", THIS) == ""


def test_a_condition_operator_or_key_not_evaluated_is_refused_never_guessed():
    with pytest.raises(UnsupportedPolicyError, match="'StringNotEquals'"):
        allows(
            oac({"StringNotEquals": {"AWS:SourceArn": THIS}}),
            "s3:GetObject",
            CloudFrontService(THIS),
        )
    with pytest.raises(UnsupportedPolicyError, match="'aws:PrincipalOrgID'"):
        allows(
            oac({"StringEquals": {"aws:PrincipalOrgID": "o-1"}}),
            "s3:GetObject",
            CloudFrontService(THIS),
        )
    said = cloudfront_reach(oac({"Bool": {"aws:SecureTransport": "true"}}), "s3:GetObject", THIS)
    assert said.startswith("CloudFront under a condition the audit cannot judge") and "Bool" in said


def test_explicit_deny_beats_allow_and_a_public_allow_is_marked_public():
    deny = {**oac({}), "Effect": "Deny", "Sid": "NoOne"}
    verdict = evaluate(
        [oac(), deny], action="s3:GetObject", resource=OBJECT, principal=CloudFrontService(THIS)
    )
    assert (verdict.effect, verdict.reason) == (
        "Deny",
        "the bucket policy's statement 'NoOne' denies s3:GetObject",
    )
    public = oac({}, Principal="*", Sid="Public")
    verdict = evaluate([public], action="s3:GetObject", resource=OBJECT, principal=Anonymous())
    assert verdict.effect == "Allow" and verdict.public_only
    verdict = evaluate(
        [public, oac()], action="s3:GetObject", resource=OBJECT, principal=CloudFrontService(THIS)
    )
    assert verdict.effect == "Allow" and not verdict.public_only
    nothing = evaluate([oac()], action="s3:GetObject", resource=OBJECT, principal=Anonymous())
    assert nothing.effect is None
    assert nothing.reason == "no bucket policy statement allows s3:GetObject to an anonymous caller"
    assert policies.is_public(public) and not policies.is_public(oac())
