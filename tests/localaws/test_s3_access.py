"""S3's GetObject decision, tested as pure logic on plain facts (no server, no moto)."""

from __future__ import annotations

import json

import pytest

from cftutorial.errors import CftutorialError, UnsupportedPolicyError
from cftutorial.localaws.s3.access import (
    ALL_USERS_URI,
    AUTHENTICATED_USERS_URI,
    Anonymous,
    BlockPublicAccess,
    BucketFacts,
    CloudFrontService,
    Grant,
    OriginAccessIdentity,
    decide_get_object,
    evaluate_policy,
)
from cftutorial.signing import wildcard

BUCKET = "stream.example.com"
KEY = "video.mp4"
DIST_ARN = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
OTHER_ARN = "arn:aws:cloudfront::123456789012:distribution/EOTHERDIST0001"
OAI = OriginAccessIdentity(
    "E2QWRUHEXAMPLE", "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
)
OAI_ARN = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHEXAMPLE"
OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
ALL_ON = BlockPublicAccess(True, True, True, True)


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(
    principal, *, action="s3:GetObject", resource=f"arn:aws:s3:::{BUCKET}/*", **extra
) -> dict:
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
        **extra,
    }


def oac_statement(source_arn: str = DIST_ARN, operator: str = "StringEquals", key="AWS:SourceArn"):
    return allow(
        {"Service": "cloudfront.amazonaws.com"},
        Condition={operator: {key: source_arn}},
    )


def facts(**kwargs) -> BucketFacts:
    kwargs.setdefault("name", BUCKET)
    return BucketFacts(**kwargs)


def owner_grant() -> Grant:
    return Grant(OWNER_ID, "", "FULL_CONTROL")


# --- OAC ------------------------------------------------------------------------------------


def test_oac_policy_with_the_distribution_arn_allows_cloudfront():
    decision = decide_get_object(
        facts(policy=policy(oac_statement()), acls_enabled=False, block=ALL_ON),
        KEY,
        CloudFrontService(DIST_ARN),
    )
    assert decision.allowed, decision
    assert decision.code is None
    assert decision.status == 200


def test_oac_policy_naming_another_distribution_denies_cloudfront():
    decision = decide_get_object(
        facts(policy=policy(oac_statement(OTHER_ARN))), KEY, CloudFrontService(DIST_ARN)
    )
    assert not decision.allowed
    assert decision.code == "AccessDenied"
    assert decision.status == 403


def test_oac_policy_does_not_let_anonymous_callers_read():
    decision = decide_get_object(facts(policy=policy(oac_statement())), KEY, Anonymous())
    assert not decision.allowed
    assert decision.code == "AccessDenied"


def test_oac_policy_does_not_let_an_oai_read():
    decision = decide_get_object(facts(policy=policy(oac_statement())), KEY, OAI)
    assert not decision.allowed


@pytest.mark.parametrize(
    ("operator", "pattern"),
    [
        ("ArnLike", "arn:aws:cloudfront::123456789012:distribution/*"),
        ("StringLike", "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPL?"),
        ("ArnEquals", DIST_ARN),
    ],
)
def test_oac_condition_operators_match_the_source_arn(operator, pattern):
    decision = decide_get_object(
        facts(policy=policy(oac_statement(pattern, operator))), KEY, CloudFrontService(DIST_ARN)
    )
    assert decision.allowed, decision


def test_source_arn_condition_key_is_case_insensitive():
    decision = decide_get_object(
        facts(policy=policy(oac_statement(key="aws:sourcearn"))), KEY, CloudFrontService(DIST_ARN)
    )
    assert decision.allowed, decision


def test_source_arn_condition_with_a_list_matches_any_of_its_values():
    statement = oac_statement()
    statement["Condition"]["StringEquals"]["AWS:SourceArn"] = [OTHER_ARN, DIST_ARN]
    decision = decide_get_object(facts(policy=policy(statement)), KEY, CloudFrontService(DIST_ARN))
    assert decision.allowed, decision


def test_source_account_condition_matches_the_distribution_account():
    statement = oac_statement("123456789012", key="AWS:SourceAccount")
    decision = decide_get_object(facts(policy=policy(statement)), KEY, CloudFrontService(DIST_ARN))
    assert decision.allowed, decision
    statement = oac_statement("999999999999", key="AWS:SourceAccount")
    decision = decide_get_object(facts(policy=policy(statement)), KEY, CloudFrontService(DIST_ARN))
    assert not decision.allowed


def test_oac_service_principal_keeps_access_under_restrict_public_buckets():
    decision = decide_get_object(
        facts(policy=policy(allow("*")), block=ALL_ON), KEY, CloudFrontService(DIST_ARN)
    )
    assert decision.allowed, decision


# --- OAI ------------------------------------------------------------------------------------


def test_oai_without_acl_grant_or_policy_is_denied():
    decision = decide_get_object(facts(object_grants=(owner_grant(),)), KEY, OAI)
    assert not decision.allowed
    assert decision.code == "AccessDenied"
    assert "no ACL grant" in decision.reason


@pytest.mark.parametrize("permission", ["READ", "FULL_CONTROL"])
def test_oai_with_an_acl_grant_to_its_canonical_user_may_read(permission):
    grants = (owner_grant(), Grant(OAI.canonical_user_id, "", permission))
    decision = decide_get_object(facts(object_grants=grants), KEY, OAI)
    assert decision.allowed, decision
    assert "ACL" in decision.reason


def test_oai_acl_grant_of_write_only_does_not_allow_reading():
    grants = (Grant(OAI.canonical_user_id, "", "WRITE"),)
    assert not decide_get_object(facts(object_grants=grants), KEY, OAI).allowed


def test_oai_acl_grant_counts_for_nothing_when_acls_are_disabled():
    grants = (Grant(OAI.canonical_user_id, "", "READ"),)
    decision = decide_get_object(facts(object_grants=grants, acls_enabled=False), KEY, OAI)
    assert not decision.allowed
    assert "BucketOwnerEnforced" in decision.reason


def test_acl_grant_to_another_canonical_user_does_not_allow_the_oai():
    grants = (Grant("0" * 64, "", "READ"),)
    assert not decide_get_object(facts(object_grants=grants), KEY, OAI).allowed


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": OAI_ARN},
        {"AWS": [OAI_ARN, "arn:aws:iam::111122223333:root"]},
        {"CanonicalUser": OAI.canonical_user_id},
    ],
)
def test_oai_principal_forms_in_a_bucket_policy_allow_the_oai(principal):
    decision = decide_get_object(facts(policy=policy(allow(principal))), KEY, OAI)
    assert decision.allowed, decision


def test_policy_naming_another_oai_does_not_allow_this_oai():
    other = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity EOTHER"
    assert not decide_get_object(facts(policy=policy(allow({"AWS": other}))), KEY, OAI).allowed


# --- anonymous and Block Public Access -------------------------------------------------------


def test_private_object_is_denied_to_anonymous_callers():
    decision = decide_get_object(facts(object_grants=(owner_grant(),)), KEY, Anonymous())
    assert not decision.allowed
    assert decision.code == "AccessDenied"


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_public_policy_lets_anonymous_callers_read_without_block_public_access(principal):
    decision = decide_get_object(facts(policy=policy(allow(principal))), KEY, Anonymous())
    assert decision.allowed, decision


@pytest.mark.parametrize(
    ("block", "setting"),
    [
        (BlockPublicAccess(restrict_public_buckets=True), "RestrictPublicBuckets"),
        (BlockPublicAccess(block_public_policy=True), "BlockPublicPolicy"),
    ],
)
def test_block_public_access_voids_a_public_policy_for_anonymous_callers(block, setting):
    decision = decide_get_object(facts(policy=policy(allow("*")), block=block), KEY, Anonymous())
    assert not decision.allowed
    assert setting in decision.reason


def test_public_acl_grant_lets_anonymous_callers_read():
    grants = (owner_grant(), Grant("", ALL_USERS_URI, "READ"))
    assert decide_get_object(facts(object_grants=grants), KEY, Anonymous()).allowed


def test_ignore_public_acls_voids_a_public_acl_grant():
    grants = (owner_grant(), Grant("", ALL_USERS_URI, "READ"))
    decision = decide_get_object(
        facts(object_grants=grants, block=BlockPublicAccess(ignore_public_acls=True)),
        KEY,
        Anonymous(),
    )
    assert not decision.allowed
    assert "IgnorePublicAcls" in decision.reason


def test_authenticated_users_grant_does_not_cover_anonymous_callers():
    grants = (Grant("", AUTHENTICATED_USERS_URI, "READ"),)
    assert not decide_get_object(facts(object_grants=grants), KEY, Anonymous()).allowed
    assert decide_get_object(facts(object_grants=grants), KEY, OAI).allowed


# --- policy shapes ---------------------------------------------------------------------------


def test_explicit_deny_beats_allow():
    deny = {
        "Sid": "NoVideos",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": f"arn:aws:s3:::{BUCKET}/*.mp4",
    }
    decision = decide_get_object(
        facts(policy=policy(oac_statement(), deny)), KEY, CloudFrontService(DIST_ARN)
    )
    assert not decision.allowed
    assert "'NoVideos'" in decision.reason


def test_single_statement_object_is_accepted():
    document = json.dumps({"Version": "2012-10-17", "Statement": allow({"AWS": OAI_ARN})})
    assert decide_get_object(facts(policy=document), KEY, OAI).allowed


@pytest.mark.parametrize(
    "action", ["s3:*", "s3:Get*", "S3:GETOBJECT", ["s3:ListBucket", "s3:GetObject"], "*"]
)
def test_action_forms_cover_get_object(action):
    result = evaluate_policy(
        policy(allow({"AWS": OAI_ARN}, action=action)),
        action="s3:GetObject",
        resource=f"arn:aws:s3:::{BUCKET}/{KEY}",
        principal=OAI,
    )
    assert result.effect == "Allow"


@pytest.mark.parametrize("action", ["s3:PutObject", "s3:List*", "s3:GetObjectAcl"])
def test_other_actions_do_not_cover_get_object(action):
    result = evaluate_policy(
        policy(allow({"AWS": OAI_ARN}, action=action)),
        action="s3:GetObject",
        resource=f"arn:aws:s3:::{BUCKET}/{KEY}",
        principal=OAI,
    )
    assert result.effect is None


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (f"arn:aws:s3:::{BUCKET}/*", True),
        (f"arn:aws:s3:::{BUCKET}/video.mp?", True),
        ([f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/video*"], True),
        ("*", True),
        (f"arn:aws:s3:::{BUCKET}", False),
        (f"arn:aws:s3:::{BUCKET}/VIDEO.MP4", False),
        (f"arn:aws:s3:::{BUCKET}/videos/*", False),
        ("arn:aws:s3:::other-bucket/*", False),
    ],
)
def test_resource_wildcards_decide_which_objects_a_statement_covers(resource, expected):
    decision = decide_get_object(
        facts(policy=policy(allow({"AWS": OAI_ARN}, resource=resource))), KEY, OAI
    )
    assert decision.allowed is expected


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ("NotPrincipal", {"AWS": OAI_ARN}),
        ("NotAction", "s3:PutObject"),
        ("NotResource", "arn:aws:s3:::x"),
    ],
)
def test_not_elements_raise_unsupported_policy_error(element, value):
    statement = allow({"AWS": OAI_ARN})
    statement[element] = value
    with pytest.raises(UnsupportedPolicyError, match=element):
        decide_get_object(facts(policy=policy(statement)), KEY, OAI)


@pytest.mark.parametrize(
    ("condition", "named"),
    [
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, "IpAddress"),
        ({"StringEquals": {"aws:Referer": "x"}}, "aws:Referer"),
        ({"StringNotEquals": {"AWS:SourceArn": DIST_ARN}}, "StringNotEquals"),
    ],
)
def test_conditions_the_evaluator_does_not_know_raise_instead_of_guessing(condition, named):
    statement = allow({"Service": "cloudfront.amazonaws.com"}, Condition=condition)
    with pytest.raises(UnsupportedPolicyError, match=named) as caught:
        decide_get_object(facts(policy=policy(statement)), KEY, CloudFrontService(DIST_ARN))
    assert isinstance(caught.value, CftutorialError)


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"Statement": []}), "Statement"),
        (
            json.dumps(
                {
                    "Statement": [
                        {"Effect": "Maybe", "Principal": "*", "Action": "s3:*", "Resource": "*"}
                    ]
                }
            ),
            "'Maybe'",
        ),
        (
            json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
            "no Principal",
        ),
        (
            json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Group": "x"},
                            "Action": "s3:*",
                            "Resource": "*",
                        }
                    ]
                }
            ),
            "Group",
        ),
        (json.dumps({"Version": "2020-01-01", "Statement": []}), "2020-01-01"),
    ],
)
def test_malformed_policies_raise_with_the_bad_value_named(document, named):
    with pytest.raises(UnsupportedPolicyError, match=named):
        decide_get_object(facts(policy=document), KEY, Anonymous())


# --- missing objects --------------------------------------------------------------------------


def test_missing_object_is_access_denied_without_list_permission():
    decision = decide_get_object(
        facts(policy=policy(oac_statement()), object_exists=False), KEY, CloudFrontService(DIST_ARN)
    )
    assert decision.code == "AccessDenied"
    assert decision.status == 403
    assert "ListBucket" in decision.reason or "list" in decision.reason


def test_missing_object_is_no_such_key_with_list_permission():
    listing = allow(
        {"Service": "cloudfront.amazonaws.com"},
        action="s3:ListBucket",
        resource=f"arn:aws:s3:::{BUCKET}",
        Condition={"StringEquals": {"AWS:SourceArn": DIST_ARN}},
    )
    decision = decide_get_object(
        facts(policy=policy(oac_statement(), listing), object_exists=False),
        KEY,
        CloudFrontService(DIST_ARN),
    )
    assert decision.code == "NoSuchKey"
    assert decision.status == 404


# --- wildcards ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("a*c", "abbbc", True),
        ("a*c", "ac", True),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a.c", "abc", False),
        ("a[b]c", "a[b]c", True),
        ("a[b]c", "abc", False),
    ],
)
def test_wildcards_are_star_and_question_mark_only(pattern, value, expected):
    assert wildcard.match(pattern, value) is expected


# --- reading moto's backend (in-process moto, no server) --------------------------------------


@pytest.fixture
def moto_s3():
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client(
            "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
        )


def test_moto_facts_are_read_from_the_in_process_backend(moto_s3):
    from cftutorial.localaws.s3.access import bucket_facts, can_get_object, can_list_bucket

    moto_s3.create_bucket(Bucket=BUCKET, ObjectOwnership="BucketOwnerPreferred")
    moto_s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"frames")
    moto_s3.put_object_acl(Bucket=BUCKET, Key=KEY, ACL="public-read")
    moto_s3.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )
    moto_s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(oac_statement()))

    found = bucket_facts(BUCKET, KEY)
    assert found is not None
    assert found.object_exists
    assert found.acls_enabled
    assert found.block.ignore_public_acls
    assert not found.block.restrict_public_buckets
    assert Grant("", ALL_USERS_URI, "READ") in found.object_grants
    assert "cloudfront.amazonaws.com" in str(found.policy)

    assert not can_get_object(BUCKET, KEY, Anonymous()).allowed  # IgnorePublicAcls
    assert can_get_object(BUCKET, KEY, CloudFrontService(DIST_ARN)).allowed
    assert can_get_object(BUCKET, "missing.mp4", CloudFrontService(DIST_ARN)).code == "AccessDenied"
    assert not can_list_bucket(BUCKET, CloudFrontService(DIST_ARN)).allowed
    assert can_get_object("no-such-bucket", KEY, Anonymous()).code == "NoSuchBucket"


def test_moto_bucket_owner_enforced_disables_acls(moto_s3):
    from cftutorial.localaws.s3.access import bucket_facts

    moto_s3.create_bucket(Bucket=BUCKET, ObjectOwnership="BucketOwnerEnforced")
    moto_s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"frames")
    found = bucket_facts(BUCKET, KEY)
    assert found is not None
    assert found.acls_enabled is False
    assert bucket_facts(BUCKET, "absent") is not None
    assert bucket_facts(BUCKET, "absent").object_exists is False
