"""``cftutorial audit`` against the local AWS: each rule broken, found, fixed with the boto3 call
the finding names, and gone; for the rules about leaks, the edge's (or S3's) answer before and
after. One modern run (notebooks 01-06) is built for the module; every test leaves it clean."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import builders
import chains
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from test_cli_errors import ONE_ATTEMPT_DRIVER, FakeAWS, assert_one_line_error, aws_env, cftutorial

from cftutorial.audit import distribution as audit
from cftutorial.aws import bucket_access, clients, distributions
from cftutorial.cli import main
from cftutorial.run.urls import viewer_url
from cftutorial.tutorial import viewer

ROOT = Path(__file__).resolve().parents[1]
RUN = "au-run"


def _public_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rules_of(report) -> list[str]:
    return [found.rule for found in report.findings]


def _new_public_key(cf, name: str) -> str:
    return cf.create_public_key(
        PublicKeyConfig={"CallerReference": name, "Name": name, "EncodedKey": _public_key_pem()}
    )["PublicKey"]["Id"]


def _set_group_keys(cf, group_id: str, items: list[str]) -> None:
    group = cf.get_key_group(Id=group_id)
    name = group["KeyGroup"]["KeyGroupConfig"]["Name"]
    cf.update_key_group(
        Id=group_id, IfMatch=group["ETag"], KeyGroupConfig={"Name": name, "Items": items}
    )


#: How long this module's local AWS keeps a changed distribution InProgress: each rule's test
#: changes the distribution and waits for Deployed before the audit and the edge look again.
DEPLOY_SECONDS = "0.2"


@pytest.fixture(scope="module")
def local_aws(isolated_home: Path, tmp_path_factory: pytest.TempPathFactory):
    """A fresh local AWS for this module only (overrides the session one of conftest.py)."""
    with chains.own_local_aws(tmp_path_factory.mktemp("audit-home"), DEPLOY_SECONDS) as started:
        yield started


@pytest.fixture(scope="module")
def world(local_aws):
    """The tutorial's run after 06 (its key group holds the run's one key) and its first audit:
    the run every test starts from and leaves behind."""
    built = builders.run(RUN, "06")
    dist = built["04"].distribution
    first = audit.audit_distribution(dist.id)
    cf = clients.client("cloudfront")
    group_id = built["04"].key_group_id
    bucket = built["01"].bucket.name
    clients.client("s3").put_object(Bucket=bucket, Key="avatars/me.png", Body=b"private face")
    return {"dist": dist, "first": first, "bucket": bucket, "group": group_id, "cf": cf}


def _change(dist_id: str, change) -> None:
    def apply(config: dict) -> bool:
        change(config)
        return True

    distributions.update_config(dist_id, apply)
    distributions.wait_deployed(dist_id, timeout=60)


def _behaviour(config: dict, pattern: str, **extra) -> dict:
    added = copy.deepcopy(config["DefaultCacheBehavior"])
    added.update(PathPattern=pattern, **extra)
    return added


def _set_behaviours(config: dict, items: list[dict]) -> None:
    config["CacheBehaviors"] = {"Quantity": len(items), "Items": items}


def _add_custom_origin(config: dict, origin_id: str, domain: str, protocol: str) -> None:
    """A custom (non-S3) origin appended to the distribution's origins."""
    config["Origins"]["Items"].append(
        {
            "Id": origin_id,
            "DomainName": domain,
            "OriginPath": "",
            "CustomHeaders": {"Quantity": 0},
            "CustomOriginConfig": {
                "HTTPPort": 80,
                "HTTPSPort": 443,
                "OriginProtocolPolicy": protocol,
            },
        }
    )
    config["Origins"]["Quantity"] += 1


UNSIGNED = {"TrustedKeyGroups": {"Enabled": False, "Quantity": 0}}


@pytest.fixture
def restore(world):
    """Put the distribution's behaviours, origins and default behaviour back after a test."""
    cf = world["cf"]
    saved = copy.deepcopy(cf.get_distribution_config(Id=world["dist"].id)["DistributionConfig"])
    yield
    keep = ("CacheBehaviors", "Origins", "DefaultCacheBehavior")

    def back(config: dict) -> None:
        config.update({name: copy.deepcopy(saved[name]) for name in keep if name in saved})
        if "CacheBehaviors" not in saved:
            config["CacheBehaviors"] = {"Quantity": 0}

    _change(world["dist"].id, back)
    assert audit.audit_distribution(world["dist"].id).clean


def _unsigned_get(world, key: str) -> int:
    return viewer.fetch(viewer_url(world["dist"].domain_name, key)).status_code


def test_the_tutorials_run_after_06_is_clean_with_one_piece_of_advice_how_to_rotate(world):
    """Notebook 04 makes a key group with the run's one key: AWS's rotation adds the new key to
    that group first, so one key is no finding. The audit is clean and advises how to rotate,
    citing AWS's procedure."""
    first = world["first"]
    assert first.checked == [rule.id for rule in audit.RULES]
    assert first.clean and first.findings == []
    (advice,) = first.advice
    assert (advice.rule, advice.severity) == ("key-group-rotation", "advice")
    assert advice.where == f"key group {world['group']}"
    assert "add the new public key to this group first" in advice.meaning
    assert "notebook 10" in advice.meaning
    assert advice.source == audit.ROTATING_KEY_PAIRS
    assert advice.source.endswith(
        "private-content-trusted-signers.html#private-content-rotating-key-pairs"
    )
    assert "update_key_group" in advice.fix and world["group"] in advice.fix
    assert first.as_json()["clean"] is True
    assert [a["rule"] for a in first.as_json()["advice"]] == ["key-group-rotation"]


def test_a_key_group_at_the_five_key_quota_is_a_low_finding_until_a_key_is_removed(world):
    """Five keys (CloudFront's quota; the local AWS refuses a sixth): the next rotation has no
    room for its new key, a low finding whose fix removes a key; with four keys (two or more:
    no advice either) the audit is clean again; back to the run's one key after."""
    cf, group_id, dist_id = world["cf"], world["group"], world["dist"].id
    (own,) = cf.get_key_group(Id=group_id)["KeyGroup"]["KeyGroupConfig"]["Items"]
    extra = [_new_public_key(cf, f"au-quota-{n}") for n in range(4)]
    try:
        _set_group_keys(cf, group_id, [own, *extra])
        with pytest.raises(cf.exceptions.TooManyPublicKeysInKeyGroup):
            _set_group_keys(cf, group_id, [own, *extra, _new_public_key(cf, "au-quota-6")])
        report = audit.audit_distribution(dist_id)
        assert rules_of(report) == ["key-group-rotation"] and report.advice == []
        (found,) = report.findings
        assert found.severity == "low" and found.where == f"key group {group_id}"
        assert f"holds {audit.KEYS_PER_KEY_GROUP} public keys" in found.meaning
        assert "cannot add its new key" in found.meaning
        assert found.fix.startswith(f"cloudfront.update_key_group(Id='{group_id}'")
        kept = found.fix.split("'Items': ")[1].split("]")[0] + "]"
        assert json.loads(kept.replace("'", '"')) == extra  # the fix's call, as written
        _set_group_keys(cf, group_id, extra)
        after = audit.audit_distribution(dist_id)
        assert after.clean and after.findings == [] and after.advice == []
    finally:
        _set_group_keys(cf, group_id, [own])
        for key_id in [*extra, *(k for k in _keys_named(cf, "au-quota-6"))]:
            cf.delete_public_key(Id=key_id, IfMatch=cf.get_public_key(Id=key_id)["ETag"])
    assert [a.rule for a in audit.audit_distribution(dist_id).advice] == ["key-group-rotation"]


def _keys_named(cf, name: str) -> list[str]:
    listed = cf.list_public_keys()["PublicKeyList"].get("Items") or []
    return [k["Id"] for k in listed if k["Name"] == name]


def test_the_tutorials_own_run_after_08_is_audited_clean(modern_chain):
    """The learner's run (modern path, "default") as notebook 08 leaves it, audited: no
    finding, every rule checked, and the only advice the one-key group's (how to rotate)."""
    report = modern_chain.probes["audit after 08"]
    assert report["subject"] == modern_chain.probes["after 08"]["id"]
    assert report["checked"] == [rule.id for rule in audit.RULES]
    assert report["clean"] is True and report["findings"] == [], report["findings"]
    assert [(a["rule"], a["severity"]) for a in report["advice"]] == [
        ("key-group-rotation", "advice")
    ], report["advice"]
    (group,) = modern_chain.probes["after 08"]["trusted key groups"]
    assert report["advice"][0]["where"] == f"key group {group}"


def test_rules_table_names_an_aws_page_for_every_rule():
    ids = [rule.id for rule in audit.RULES]
    assert ids == [
        "behaviour-unsigned",
        "precedence-unsigned",
        "trusted-signers",
        "oai-not-oac",
        "bucket-policy-source-arn",
        "public-bypass",
        "sse-kms-decrypt",
        "website-endpoint-origin",
        "key-group-rotation",
        "viewer-protocol-allow-all",
    ]
    for rule in audit.RULES:
        assert rule.source.startswith("https://docs.aws.amazon.com/"), rule
        assert rule.severity in ("high", "medium", "low") and rule.title


def test_behaviour_unsigned_found_leaks_then_fixed_and_refused(world, restore):
    dist_id = world["dist"].id
    assert _unsigned_get(world, "avatars/me.png") == 403
    _change(dist_id, lambda c: _set_behaviours(c, [_behaviour(c, "/avatars/*", **UNSIGNED)]))
    assert _unsigned_get(world, "avatars/me.png") == 200  # the leak, proved
    report = audit.audit_distribution(dist_id)
    assert rules_of(report) == ["behaviour-unsigned"]
    (found,) = report.findings
    assert found.where == "behaviour /avatars/*" and found.severity == "high"
    assert found.meaning.startswith("/avatars/* is served without a signature")
    assert f"'Items': ['{world['group']}']" in found.fix and "/avatars/*" in found.fix

    def fix(config: dict) -> None:
        item = config["CacheBehaviors"]["Items"][0]
        item["TrustedKeyGroups"] = {"Enabled": True, "Quantity": 1, "Items": [world["group"]]}

    _change(dist_id, fix)
    assert audit.audit_distribution(dist_id).clean
    assert _unsigned_get(world, "avatars/me.png") == 403


def test_precedence_unsigned_found_leaks_then_reordered_and_refused(world, restore):
    """An unsigned ``*.png`` listed before the signed ``/avatars/*`` serves avatars unsigned;
    listing the signed behaviour first (the fix) sends them to it."""
    dist_id = world["dist"].id
    signed = {"TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [world["group"]]}}

    def broken(config: dict) -> None:
        png = _behaviour(config, "*.png", **UNSIGNED)
        png["TargetOriginId"] = "public-site"
        _add_custom_origin(config, "public-site", "example.com", "https-only")
        _set_behaviours(config, [png, _behaviour(config, "/avatars/*", **signed)])

    _change(dist_id, broken)
    report = audit.audit_distribution(dist_id)
    assert rules_of(report) == ["precedence-unsigned"]
    (found,) = report.findings
    assert found.where == "behaviour /avatars/*"
    assert "behaviour *.png comes first" in found.meaning and found.meaning.startswith("/avatars/")

    def reorder(config: dict) -> None:
        items = config["CacheBehaviors"]["Items"]
        config["CacheBehaviors"]["Items"] = [items[1], items[0]]

    _change(dist_id, reorder)
    assert audit.audit_distribution(dist_id).clean


def test_precedence_puts_a_signed_path_behind_an_unsigned_private_behaviour(world, restore):
    """Same bucket behind both: the edge serves ``/avatars/me.png`` unsigned (200) until the
    signed behaviour is listed first (403)."""
    dist_id = world["dist"].id
    signed = {"TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [world["group"]]}}
    _change(
        dist_id,
        lambda c: _set_behaviours(
            c, [_behaviour(c, "*.png", **UNSIGNED), _behaviour(c, "/avatars/*", **signed)]
        ),
    )
    assert _unsigned_get(world, "avatars/me.png") == 200
    report = audit.audit_distribution(dist_id)
    assert set(rules_of(report)) == {"behaviour-unsigned", "precedence-unsigned"}

    def reorder(config: dict) -> None:
        items = config["CacheBehaviors"]["Items"]
        config["CacheBehaviors"]["Items"] = [items[1], items[0]]

    _change(dist_id, reorder)
    assert "precedence-unsigned" not in rules_of(audit.audit_distribution(dist_id))
    assert _unsigned_get(world, "avatars/me.png") == 403


def test_trusted_signers_found_then_switched_to_key_groups(world, restore):
    dist_id = world["dist"].id
    legacy = {
        "TrustedSigners": {"Enabled": True, "Quantity": 1, "Items": ["self"]},
        **UNSIGNED,
    }
    _change(dist_id, lambda c: _set_behaviours(c, [_behaviour(c, "/legacy/*", **legacy)]))
    report = audit.audit_distribution(dist_id)
    assert rules_of(report) == ["trusted-signers"]
    assert report.findings[0].where == "behaviour /legacy/*"
    assert "TrustedSigners={'Enabled': False" in report.findings[0].fix

    def fix(config: dict) -> None:
        item = config["CacheBehaviors"]["Items"][0]
        item["TrustedSigners"] = {"Enabled": False, "Quantity": 0}
        item["TrustedKeyGroups"] = {"Enabled": True, "Quantity": 1, "Items": [world["group"]]}

    _change(dist_id, fix)
    assert audit.audit_distribution(dist_id).clean


def test_oai_found_then_replaced_by_oac(world, restore):
    dist_id, cf = world["dist"].id, world["cf"]
    oai = cf.create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig={"CallerReference": "au-oai", "Comment": "au"}
    )["CloudFrontOriginAccessIdentity"]["Id"]
    saved: dict = {}

    def to_oai(config: dict) -> None:
        origin = config["Origins"]["Items"][0]
        saved["oac"] = origin["OriginAccessControlId"]
        origin["OriginAccessControlId"] = ""
        origin["S3OriginConfig"] = {
            "OriginAccessIdentity": f"origin-access-identity/cloudfront/{oai}"
        }

    _change(dist_id, to_oai)
    report = audit.audit_distribution(dist_id)
    assert "oai-not-oac" in rules_of(report)
    found = next(f for f in report.findings if f.rule == "oai-not-oac")
    assert oai in found.meaning and "create_origin_access_control" in found.fix

    def to_oac(config: dict) -> None:
        origin = config["Origins"]["Items"][0]
        origin["OriginAccessControlId"] = saved["oac"]
        origin["S3OriginConfig"] = {"OriginAccessIdentity": ""}

    _change(dist_id, to_oac)
    assert audit.audit_distribution(dist_id).clean


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        (None, "any distribution in any account"),
        (
            {
                "StringEquals": {
                    "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/EOTHER"
                }
            },
            "EOTHER",
        ),
        (
            {"ArnLike": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*"}},
            "every distribution matching",
        ),
    ],
)
def test_bucket_policy_without_this_distributions_source_arn_is_found_then_fixed(
    world, condition, said
):
    dist, bucket = world["dist"], world["bucket"]
    s3 = clients.client("s3")
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    if condition:
        statement["Condition"] = condition
    s3.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    try:
        report = audit.audit_distribution(dist.id)
        assert rules_of(report) == ["bucket-policy-source-arn"]
        found = report.findings[0]
        assert said in found.meaning and found.where == f"bucket {bucket}"
        assert (
            found.fix.startswith(f"s3.put_bucket_policy(Bucket='{bucket}'")
            and dist.arn in found.fix
        )
    finally:
        s3.put_bucket_policy(
            Bucket=bucket, Policy=json.dumps(bucket_access.oac_policy(bucket, dist.arn))
        )
    assert audit.audit_distribution(dist.id).clean


def test_public_bypass_found_leaks_from_s3_then_blocked_and_refused(world):
    dist, bucket = world["dist"], world["bucket"]
    s3 = clients.client("s3")
    off = dict.fromkeys(audit.BPA_SETTINGS, False)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=off)
    policy = bucket_access.oac_policy(bucket, dist.arn)
    policy["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    try:
        assert viewer.direct_s3_get(bucket, "avatars/me.png").status_code == 200  # the bypass
        report = audit.audit_distribution(dist.id)
        assert "public-bypass" in rules_of(report)
        found = next(f for f in report.findings if f.rule == "public-bypass")
        assert "put_public_access_block" in found.fix and "BlockPublicPolicy" in found.meaning
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=dict.fromkeys(audit.BPA_SETTINGS, True)
        )
        assert viewer.direct_s3_get(bucket, "avatars/me.png").status_code == 403
        assert "public-bypass" not in rules_of(audit.audit_distribution(dist.id))
    finally:
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=dict.fromkeys(audit.BPA_SETTINGS, True)
        )
        s3.put_bucket_policy(
            Bucket=bucket, Policy=json.dumps(bucket_access.oac_policy(bucket, dist.arn))
        )
    assert audit.audit_distribution(dist.id).clean


def _encrypt_with(s3, bucket: str, kms_key: str) -> None:
    """SSE-KMS with ``kms_key`` (an id or an alias) as the bucket's default encryption."""
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": kms_key,
                    }
                }
            ]
        },
    )


def _kms_key(kms, alias: str) -> str:
    key = kms.create_key(Description="au bucket key")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key)
    return key


def test_sse_kms_without_cloudfront_in_the_key_policy_is_found_then_fixed(world):
    dist, bucket = world["dist"], world["bucket"]
    s3, kms = clients.client("s3"), clients.client("kms")
    key = _kms_key(kms, "alias/au-sse")
    _encrypt_with(s3, bucket, key)
    try:
        report = audit.audit_distribution(dist.id)
        assert rules_of(report) == ["sse-kms-decrypt"]
        found = report.findings[0]
        assert found.fix.startswith(f"kms.put_key_policy(KeyId='{key}'") and dist.arn in found.fix
        policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
        added = json.loads(found.fix.split("# the current policy plus ", 1)[1])
        policy["Statement"].append(added)
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(policy))
        assert audit.audit_distribution(dist.id).clean
    finally:
        s3.delete_bucket_encryption(Bucket=bucket)


def test_website_endpoint_origin_found_then_rest_endpoint(world, restore):
    dist_id, bucket = world["dist"].id, world["bucket"]
    website = f"{bucket}.s3-website-us-east-1.amazonaws.com"

    def add_site(config: dict) -> None:
        _add_custom_origin(config, "site", website, "http-only")

    _change(dist_id, add_site)
    report = audit.audit_distribution(dist_id)
    assert rules_of(report) == ["website-endpoint-origin"]
    rest = f"{bucket}.s3.us-east-1.amazonaws.com"
    assert f"DomainName='{rest}'" in report.findings[0].fix

    def to_rest(config: dict) -> None:
        site = config["Origins"]["Items"][-1]
        site.pop("CustomOriginConfig")
        site.update(
            DomainName=rest,
            S3OriginConfig={"OriginAccessIdentity": ""},
            OriginAccessControlId=config["Origins"]["Items"][0]["OriginAccessControlId"],
        )

    _change(dist_id, to_rest)
    assert audit.audit_distribution(dist_id).clean


def test_viewer_protocol_allow_all_found_then_redirected(world, restore):
    dist_id = world["dist"].id
    _change(dist_id, lambda c: c["DefaultCacheBehavior"].update(ViewerProtocolPolicy="allow-all"))
    report = audit.audit_distribution(dist_id)
    assert rules_of(report) == ["viewer-protocol-allow-all"]
    assert report.findings[0].where == "the default behaviour (*)"
    assert "ViewerProtocolPolicy='redirect-to-https'" in report.findings[0].fix
    _change(
        dist_id,
        lambda c: c["DefaultCacheBehavior"].update(ViewerProtocolPolicy="redirect-to-https"),
    )
    assert audit.audit_distribution(dist_id).clean


def test_audit_all_reports_every_distribution(world):
    reports = audit.audit_all()
    assert world["dist"].id in [report.subject for report in reports]


def test_a_bad_or_unknown_id_is_one_clear_error(world):
    with pytest.raises(audit.AuditError, match=r"'not an id!'.*upper-case"):
        audit.audit_distribution("not an id!")
    with pytest.raises(audit.AuditError, match=r"'EDOESNOTEXIST1' does not exist"):
        audit.audit_distribution("EDOESNOTEXIST1")


# --- the command line -------------------------------------------------------------------------


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_exit_0_when_clean_and_the_table_lists_the_rules_checked(world, capsys):
    code, out, err = cli(capsys, "audit", "--distribution", world["dist"].id)
    assert code == 0 and not err
    assert f"distribution {world['dist'].id}: clean" in out
    for rule in audit.RULES:
        assert f"ok      {rule.id}" in out
    # the one-key group's advice, after the rules and never a finding
    assert f"advice  key-group-rotation         key group {world['group']}" in out
    assert out.index("advice  key-group-rotation") > out.index("ok      viewer-protocol-allow-all")
    code, out, _ = cli(capsys, "audit", "--distribution", world["dist"].id, "--json")
    (shown,) = json.loads(out)
    assert code == 0 and shown["clean"] is True and shown["findings"] == []
    assert [(a["rule"], a["severity"]) for a in shown["advice"]] == [
        ("key-group-rotation", "advice")
    ]


def test_cli_exit_1_with_findings_table_and_json(world, restore, capsys):
    dist_id = world["dist"].id
    _change(dist_id, lambda c: _set_behaviours(c, [_behaviour(c, "/avatars/*", **UNSIGNED)]))
    code, out, _ = cli(capsys, "audit", "--distribution", dist_id)
    assert code == 1
    assert "high    behaviour-unsigned" in out and "/avatars/* is served without a signature" in out
    code, out, _ = cli(capsys, "audit", "--distribution", dist_id, "--json")
    assert code == 1
    (shown,) = json.loads(out)
    assert shown["subject"] == dist_id and shown["clean"] is False
    assert shown["checked"] == [rule.id for rule in audit.RULES]
    assert {tuple(sorted(f)) for f in shown["findings"]} == {
        ("fix", "meaning", "rule", "severity", "source", "where")
    }


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--distribution", "bad id"], "'bad id'"),
        (["--distribution", "EDOESNOTEXIST1"], "'EDOESNOTEXIST1'"),
    ],
)
def test_cli_bad_distribution_is_one_line_exit_2(world, capsys, argv, named):
    code, out, err = cli(capsys, "audit", *argv)
    assert code == 2 and not out
    assert err.count("\n") == 1 and err.startswith("cftutorial: error: ") and named in err


def test_cli_needs_a_distribution_or_all(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["audit"])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "--all", "--distribution", "E1"])
    assert exit_.value.code == 2


# --- the IAM policy ---------------------------------------------------------------------------

#: The IAM action each operation the audit calls needs.
IAM_ACTIONS = {
    "cloudfront:GetDistribution": "cloudfront:GetDistribution",
    "cloudfront:ListDistributions": "cloudfront:ListDistributions",
    "cloudfront:GetKeyGroup": "cloudfront:GetKeyGroup",
    "s3:GetBucketPolicy": "s3:GetBucketPolicy",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "kms:DescribeKey": "kms:DescribeKey",
    "kms:GetKeyPolicy": "kms:GetKeyPolicy",
}


def test_iam_policy_audit_grants_exactly_what_the_audit_calls_and_only_reads(
    world, tmp_path, monkeypatch
):
    """With an SSE-KMS bucket named by alias (every read the audit can make), the operations
    recorded while ``audit_all`` runs map to exactly the actions docs/iam-policy-audit.json
    grants; none of them writes."""
    dist, bucket = world["dist"], world["bucket"]
    s3, kms = clients.client("s3"), clients.client("kms")
    _kms_key(kms, "alias/au-iam")
    _encrypt_with(s3, bucket, "alias/au-iam")
    record = tmp_path / "calls"
    try:
        monkeypatch.setenv(clients.ENV_RECORD_CALLS, str(record))
        reports = audit.audit_all()
        monkeypatch.delenv(clients.ENV_RECORD_CALLS)
    finally:
        s3.delete_bucket_encryption(Bucket=bucket)
    assert any(r.subject == dist.id for r in reports)
    called = set(record.read_text().split())
    assert called - set(IAM_ACTIONS) == set(), "map these operations in IAM_ACTIONS"
    needed = {IAM_ACTIONS[operation] for operation in called}
    policy = json.loads((ROOT / "docs" / "iam-policy-audit.json").read_text())
    granted = {action for statement in policy["Statement"] for action in statement["Action"]}
    assert needed == granted == set(IAM_ACTIONS.values())
    assert all(a.split(":")[1].startswith(("Get", "List", "Describe")) for a in granted)


def test_readme_and_contracts_name_the_command_and_its_policy():
    readme = (ROOT / "README.md").read_text()
    assert "cftutorial audit --distribution" in readme and "cftutorial audit --all" in readme
    assert "docs/iam-policy-audit.json" in readme
    contracts = (ROOT / "docs" / "CONTRACTS.md").read_text()
    assert "audit/" in contracts and "signing/behaviours.py" in contracts


def test_aws_mode_needs_no_opt_in_only_reads_and_an_aws_refusal_is_one_line(tmp_path):
    """``CFTUTORIAL_BACKEND=aws`` without ``CFTUTORIAL_AWS_OPT_IN``: the audit goes ahead (it
    only reads), sends only GETs, and AWS's AccessDenied is one line with exit status 2."""
    import os

    learner = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CFTUTORIAL_"))}
    learner.update(
        HOME=str(tmp_path),
        CFTUTORIAL_HOME=str(tmp_path / "state"),
        PYTHONPATH=str(ROOT),
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    fake = FakeAWS(403, "AccessDenied", "not allowed: cloudfront:ListDistributions")
    try:
        env = aws_env(learner, fake.endpoint)
        done = cftutorial("audit", "--all", env=env, driver=ONE_ATTEMPT_DRIVER)
    finally:
        fake.close()
    line = assert_one_line_error(done, "AccessDenied")
    assert "OPT_IN" not in line
    assert fake.requests and all(r.startswith("GET ") for r in fake.requests), fake.requests


def test_a_bucket_has_sse_s3_default_encryption_and_delete_resets_to_it(world):
    """As on AWS since January 2023 (gap S1): what the sse-kms-decrypt rule reads first."""
    s3 = clients.client("s3")
    bucket = world["bucket"]

    def algorithm() -> str:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        return rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]

    assert algorithm() == "AES256"
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    assert algorithm() == "aws:kms"
    s3.delete_bucket_encryption(Bucket=bucket)
    assert algorithm() == "AES256"


def test_an_origin_bucket_that_no_longer_exists_skips_the_bucket_rules(world, restore):
    """A distribution left behind by a deleted bucket (as other runs leave them): the bucket's
    rules are skipped, the distribution's rules still checked, no AWS error."""
    dist_id = world["dist"].id

    def gone(config: dict) -> None:
        config["Origins"]["Items"][0]["DomainName"] = (
            "cftutorial-au-gone.s3.us-east-1.amazonaws.com"
        )
        config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "allow-all"

    _change(dist_id, gone)
    assert rules_of(audit.audit_distribution(dist_id)) == ["viewer-protocol-allow-all"]
