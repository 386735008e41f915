"""Step 3: the guide's ACL grant and today's bucket policies."""

from __future__ import annotations

import builders
import pytest

from cftutorial.aws import bucket_access, buckets
from cftutorial.errors import PermissionsError
from cftutorial.tutorial import state, viewer
from cftutorial.tutorial import step01_bucket as step01
from cftutorial.tutorial import step03_who_may_read as step03


def _guide_run(run_name: str) -> None:
    builders.run(run_name, "02", approach="guide")


def test_the_guide_grant_gives_the_oai_read_and_keeps_the_owner(local_aws):
    _guide_run("pm-guide")
    result = builders.permissions(run_name="pm-guide", approach="guide", show_acl_failure=False)
    canonical = state.get("pm-guide", "origin_access")["s3_canonical_user_id"]
    assert result.granted == state.get("pm-guide", "objects")
    grants = bucket_access.object_grants("cftutorial-pm-guide", "video.mp4")
    assert {"Grantee": canonical, "Permission": "READ"} in grants
    assert any(g["Permission"] == "FULL_CONTROL" for g in grants)


def test_a_default_bucket_refuses_the_acl_call_with_access_control_list_not_supported(local_aws):
    outcome = step03.show_acl_refused_on_default_bucket("pm-default")
    assert not outcome.ok
    assert (outcome.status, outcome.code) == (400, "AccessControlListNotSupported")


def test_granting_on_a_bucket_without_acls_raises_a_clear_error(local_aws):
    buckets.create_bucket("cftutorial-pm-enforced")
    step01.upload_samples("cftutorial-pm-enforced")
    with pytest.raises(bucket_access.AclNotSupportedError, match="BucketOwnerPreferred"):
        bucket_access.grant_read_to_oai("cftutorial-pm-enforced", ["video.mp4"], "a" * 64)


def test_the_guide_step_needs_an_oai(local_aws):
    builders.bucket(run_name="pm-mixed", approach="guide")
    builders.origin_access(run_name="pm-mixed", approach="modern")
    with pytest.raises(PermissionsError, match="approach='guide'"):
        builders.permissions(run_name="pm-mixed", approach="guide", show_acl_failure=False)


def test_the_modern_step_previews_the_oac_policy_without_writing_it(local_aws):
    builders.run("pm-modern", "02")
    result = builders.permissions(run_name="pm-modern", approach="modern", show_acl_failure=False)
    statement = result.policy_preview["Statement"][0]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "AWS:SourceArn" in statement["Condition"]["StringEquals"]
    assert bucket_access.bucket_policy("cftutorial-pm-modern") is None


def test_the_oai_policy_names_the_oai_principal():
    policy = bucket_access.oai_policy("b", "E2EXAMPLE")
    principal = policy["Statement"][0]["Principal"]["AWS"]
    assert principal == "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE"


def test_anonymous_reads_stay_denied_with_the_oac_policy_in_place(local_aws):
    builders.bucket(run_name="pm-anon", approach="modern")
    policy = bucket_access.oac_policy("cftutorial-pm-anon", bucket_access.distribution_arn("E1"))
    bucket_access.put_bucket_policy("cftutorial-pm-anon", policy)
    assert bucket_access.bucket_policy("cftutorial-pm-anon") == policy
    answer = viewer.direct_s3_get("cftutorial-pm-anon", "hello.html")
    assert answer.status_code == 403
    assert viewer.describe_response(answer)["code"] == "AccessDenied"


def test_the_guide_grant_is_checked_before_any_acl_call(local_aws):
    builders.bucket(run_name="pm-check", approach="modern")
    builders.origin_access(run_name="pm-check", approach="guide")
    run = step03.saved_origin(state.open_run("pm-check"))
    assert (run.bucket, run.access.kind) == ("cftutorial-pm-check", "oai")
    assert run.objects == state.get("pm-check", "objects")
    with pytest.raises(
        bucket_access.AclNotSupportedError, match="notebook 01 with approach='guide'"
    ):
        step03.check_acls_possible(run)
    builders.bucket(run_name="pm-check", approach="guide")
    assert step03.check_acls_possible(run) == run.access.s3_canonical_user_id
    builders.origin_access(run_name="pm-check", approach="modern")
    with pytest.raises(PermissionsError, match="notebook 02 with approach='guide'"):
        step03.check_acls_possible(step03.saved_origin(state.open_run("pm-check")))


def test_saved_run_names_the_notebook_to_run_first(isolated_home):
    with pytest.raises(state.StateError) as missing:
        step03.saved_origin(state.open_run("pm-nothing"))
    # the whole missing chain in one message, in order
    assert "run notebooks 01 and 02, in order, first with run_name='pm-nothing'" in str(
        missing.value
    )


def test_the_demo_bucket_takes_an_oai_bucket_policy_where_it_refuses_acls(local_aws):
    builders.origin_access(run_name="pm-demo", approach="guide")
    demo = step03.make_acl_demo_bucket("pm-demo")
    assert step03.make_acl_demo_bucket("pm-demo") == demo == "cftutorial-pm-demo-acl-demo"
    assert buckets.object_ownership(demo) == "BucketOwnerEnforced"
    oai = step03.find_run_oai("pm-demo")
    assert oai is not None and oai.kind == "oai"
    bucket_access.put_bucket_policy(demo, bucket_access.oai_policy(demo, oai.id))
    principal = bucket_access.bucket_policy(demo)["Statement"][0]["Principal"]
    assert principal == {"AWS": bucket_access.OAI_PRINCIPAL_PREFIX + oai.id}
    assert step03.find_run_oai("pm-no-oai") is None


def test_the_oac_preview_names_a_placeholder_distribution():
    preview = step03.oac_policy_preview("b")
    condition = preview["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert condition.endswith(f"distribution/{step03.EXAMPLE_DISTRIBUTION_ID}")
    assert preview["Statement"][0]["Resource"] == "arn:aws:s3:::b/*"
