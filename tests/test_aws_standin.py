"""The aws-mode path end to end, offline, against a stand-in for an AWS account (standin.py:
how the stand-in is reached, the two rounds and the guide round: round 1 executes every notebook,
round 2 builds the ones that create the run again after a teardown, with tests/builders.py, and
so does the guide round).

These tests read what the ``standin`` session fixture kept: what each of round 1's notebooks
showed, what round 2's and the guide round's builders returned and what their notebooks' check
cells read back, the buckets' regions, the CallerReferences, what teardown said and left, and
every operation the run made. :data:`IAM_ACTIONS` maps each operation to the IAM actions it needs:
docs/iam-policy.json must grant exactly those, on resources scoped to the run's naming scheme.
Round 1 is also the ECDSA/SHA-256 chain: the checks every chain passes (test_notebooks.py) hold
for it, with its key and hash.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import chains
import pytest
from standin import REGION, RUN
from test_notebooks import assert_every_chain_shows

from cftutorial.aws.bucket_access import OAI_PRINCIPAL_PREFIX

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "docs" / "iam-policy.json"
AUDIT_POLICY = ROOT / "docs" / "iam-policy-audit.json"

#: Each operation the tutorial calls -> the IAM actions it needs (the Service Authorization
#: Reference). ``[]``: no permission needed. An operation missing here fails the IAM test.
IAM_ACTIONS: dict[str, list[str]] = {
    "sts:GetCallerIdentity": [],
    # S3, bucket level
    # ObjectOwnership in CreateBucket also needs PutBucketOwnershipControls (S3 API reference)
    "s3:CreateBucket": ["s3:CreateBucket", "s3:PutBucketOwnershipControls"],
    "s3:DeleteBucket": ["s3:DeleteBucket"],
    "s3:HeadBucket": ["s3:ListBucket"],
    "s3:ListObjectsV2": ["s3:ListBucket"],
    "s3:ListObjectVersions": ["s3:ListBucketVersions"],
    "s3:GetBucketLocation": ["s3:GetBucketLocation"],
    "s3:GetBucketOwnershipControls": ["s3:GetBucketOwnershipControls"],
    "s3:PutBucketOwnershipControls": ["s3:PutBucketOwnershipControls"],
    "s3:GetBucketPolicy": ["s3:GetBucketPolicy"],
    "s3:PutBucketPolicy": ["s3:PutBucketPolicy"],
    "s3:DeleteBucketPolicy": ["s3:DeleteBucketPolicy"],
    "s3:GetBucketTagging": ["s3:GetBucketTagging"],
    "s3:PutBucketTagging": ["s3:PutBucketTagging"],
    "s3:ListBuckets": ["s3:ListAllMyBuckets"],
    "s3:GetBucketAcl": ["s3:GetBucketAcl"],  # 09: the grant logging gave awslogsdelivery
    # S3, object level
    "s3:PutObject": ["s3:PutObject"],
    "s3:GetObject": ["s3:GetObject"],
    "s3:HeadObject": ["s3:GetObject"],
    "s3:DeleteObject": ["s3:DeleteObject"],
    "s3:DeleteObjects": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
    "s3:PutObjectAcl": ["s3:PutObjectAcl"],
    "s3:GetObjectAcl": ["s3:GetObjectAcl"],
    # 09's object with a space and an accent: read the source, write the copy
    "s3:CopyObject": ["s3:GetObject", "s3:PutObject"],
    # CloudFront
    "cloudfront:CreateDistributionWithTags": [
        "cloudfront:CreateDistribution",
        "cloudfront:TagResource",
    ],
    "cloudfront:GetDistribution": ["cloudfront:GetDistribution"],
    "cloudfront:GetDistributionConfig": ["cloudfront:GetDistributionConfig"],
    # with Logging on (09), CloudFront reads and writes the log bucket's ACL as the caller, who
    # needs both (CloudFront Developer Guide, standard logging (legacy), "Permissions")
    "cloudfront:UpdateDistribution": [
        "cloudfront:UpdateDistribution",
        "s3:GetBucketAcl",
        "s3:PutBucketAcl",
    ],
    "cloudfront:DeleteDistribution": ["cloudfront:DeleteDistribution"],
    "cloudfront:ListDistributions": ["cloudfront:ListDistributions"],
    "cloudfront:ListTagsForResource": ["cloudfront:ListTagsForResource"],
    "cloudfront:CreateOriginAccessControl": ["cloudfront:CreateOriginAccessControl"],
    "cloudfront:GetOriginAccessControl": ["cloudfront:GetOriginAccessControl"],
    "cloudfront:ListOriginAccessControls": ["cloudfront:ListOriginAccessControls"],
    "cloudfront:DeleteOriginAccessControl": ["cloudfront:DeleteOriginAccessControl"],
    "cloudfront:CreateCloudFrontOriginAccessIdentity": [
        "cloudfront:CreateCloudFrontOriginAccessIdentity"
    ],
    "cloudfront:GetCloudFrontOriginAccessIdentity": [
        "cloudfront:GetCloudFrontOriginAccessIdentity"
    ],
    "cloudfront:ListCloudFrontOriginAccessIdentities": [
        "cloudfront:ListCloudFrontOriginAccessIdentities"
    ],
    "cloudfront:DeleteCloudFrontOriginAccessIdentity": [
        "cloudfront:DeleteCloudFrontOriginAccessIdentity"
    ],
    "cloudfront:CreatePublicKey": ["cloudfront:CreatePublicKey"],
    "cloudfront:GetPublicKey": ["cloudfront:GetPublicKey"],
    "cloudfront:ListPublicKeys": ["cloudfront:ListPublicKeys"],
    "cloudfront:DeletePublicKey": ["cloudfront:DeletePublicKey"],
    "cloudfront:CreateKeyGroup": ["cloudfront:CreateKeyGroup"],
    "cloudfront:GetKeyGroup": ["cloudfront:GetKeyGroup"],
    "cloudfront:UpdateKeyGroup": ["cloudfront:UpdateKeyGroup"],
    "cloudfront:ListKeyGroups": ["cloudfront:ListKeyGroups"],
    "cloudfront:DeleteKeyGroup": ["cloudfront:DeleteKeyGroup"],
    # KMS (12): CreateKey with Tags also needs kms:TagResource (KMS Developer Guide, "Controlling
    # access to tags"); CreateAlias and DeleteAlias need their action on the alias AND on the key
    "kms:CreateKey": ["kms:CreateKey", "kms:TagResource"],
    "kms:CreateAlias": ["kms:CreateAlias"],
    "kms:DescribeKey": ["kms:DescribeKey"],
    "kms:GetPublicKey": ["kms:GetPublicKey"],
    "kms:Sign": ["kms:Sign"],
    "kms:DeleteAlias": ["kms:DeleteAlias"],
    "kms:ScheduleKeyDeletion": ["kms:ScheduleKeyDeletion"],
}

#: Where each IAM action may apply: S3 on the run's naming scheme (``cftutorial-*``), CloudFront
#: on its resource types (ids are AWS's, not names), "*" where IAM knows no resource.
S3_BUCKETS = "arn:aws:s3:::cftutorial-*"
S3_OBJECTS = "arn:aws:s3:::cftutorial-*/*"
OBJECT_ACTIONS = {
    "s3:PutObject",
    "s3:GetObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectAcl",
    "s3:GetObjectAcl",
}
CLOUDFRONT_RESOURCES = {
    "distribution": "arn:aws:cloudfront::*:distribution/*",
    "origin-access-control": "arn:aws:cloudfront::*:origin-access-control/*",
    "origin-access-identity": "arn:aws:cloudfront::*:origin-access-identity/*",
}


#: KMS keys get random ids: the run's keys are the ones tagged ``cftutorial:run`` (CreateKey's
#: ``Tags``, so the tag is in the request), its aliases are named ``alias/cftutorial-*``.
KMS_KEYS = "arn:aws:kms:*:*:key/*"
KMS_ALIASES = "arn:aws:kms:*:*:alias/cftutorial-*"
RUN_TAG_IN_REQUEST = {
    "Null": {"aws:RequestTag/cftutorial:run": "false"},
    "ForAllValues:StringEquals": {"aws:TagKeys": ["cftutorial:run"]},
}
#: ... and CreateKey makes signing keys only (``kms:KeyUsage``, a CreateKey condition key)
CREATE_KEY_CONDITION = {**RUN_TAG_IN_REQUEST, "StringEquals": {"kms:KeyUsage": "SIGN_VERIFY"}}
RUN_TAG_ON_KEY = {"Null": {"aws:ResourceTag/cftutorial:run": "false"}}


def expected_grants(action: str) -> dict[str, dict | None]:
    """Resource ARN pattern -> condition (None: none) that ``action`` must be granted on."""
    if action.startswith("kms:"):
        if action.startswith("kms:List"):
            return {"*": None}  # ListAliases: no resource-level permissions
        if action == "kms:CreateKey":  # no resource yet: the request must carry the run's tag
            return {"*": CREATE_KEY_CONDITION}
        if action == "kms:TagResource":  # CreateKey's Tags (IAM cannot narrow it to new keys)
            return {KMS_KEYS: RUN_TAG_IN_REQUEST}
        if action in ("kms:CreateAlias", "kms:DeleteAlias"):  # on the alias and on its key
            return {KMS_ALIASES: None, KMS_KEYS: RUN_TAG_ON_KEY}
        return {KMS_KEYS: RUN_TAG_ON_KEY}
    return {expected_resource(action): None}


def expected_resource(action: str) -> str:
    """The one resource ARN pattern S3, CloudFront and STS ``action`` must be granted on."""
    if action == "s3:ListAllMyBuckets" or action.startswith("cloudfront:List"):
        return "*"
    if action.startswith("s3:"):
        return S3_OBJECTS if action in OBJECT_ACTIONS else S3_BUCKETS
    for kind, arn in (
        ("OriginAccessControl", CLOUDFRONT_RESOURCES["origin-access-control"]),
        ("OriginAccessIdentity", CLOUDFRONT_RESOURCES["origin-access-identity"]),
        ("Distribution", CLOUDFRONT_RESOURCES["distribution"]),
        ("TagResource", CLOUDFRONT_RESOURCES["distribution"]),
        ("TagsForResource", CLOUDFRONT_RESOURCES["distribution"]),
    ):
        if kind in action:
            return arn
    return "*"  # public keys and key groups: no resource-level permissions in IAM


def granted(policy: dict) -> dict[str, dict[str, dict | None]]:
    """Action -> resource -> the condition the policy allows it on (None: unconditionally)."""
    grants: dict[str, dict[str, dict | None]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow" and set(statement) <= {
            "Sid",
            "Effect",
            "Action",
            "Resource",
            "Condition",
        }, statement
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        for action in statement["Action"]:
            for resource in resources:
                assert resource not in grants.get(action, {}), ("granted twice", action, resource)
                grants.setdefault(action, {})[resource] = statement.get("Condition")
    return grants


def needed(operations: set[str]) -> set[str]:
    unmapped = sorted(operations - set(IAM_ACTIONS))
    assert not unmapped, f"add these operations to IAM_ACTIONS: {unmapped}"
    return {action for operation in operations for action in IAM_ACTIONS[operation]}


# --- the stand-in run (standin.build, the ``standin`` session fixture) ------------------


@pytest.mark.slow
def test_the_standin_uses_the_standard_credential_chain_and_the_profiles_region(standin):
    assert standin.credentials_method == "shared-credentials-file"
    assert standin.client_region == REGION
    assert standin.endpoint == standin.aws_endpoint
    first, second = standin.rounds
    # round 1: what notebook 01 shows; round 2: its preflight cell's text, and the region its
    # bucket was created and saved in (what the save cell prints as "bucket '...' in REGION")
    assert f"region {REGION}" in first.text["01"]
    assert f"bucket 'cftutorial-{RUN}' in {REGION}" in first.text["01"]
    built = second.built["01"]
    assert f"region {REGION}" in built.where_this_runs
    assert (built.bucket.name, built.bucket.region) == (f"cftutorial-{RUN}", REGION)
    for number, round_ in enumerate(standin.rounds, start=1):
        # the default notebook region is the profile's: both buckets got a LocationConstraint
        assert round_.bucket_regions == {
            f"cftutorial-{RUN}": REGION,
            f"cftutorial-{RUN}-acl-demo": REGION,
        }, number


@pytest.mark.slow
def test_the_standin_run_passes_every_notebooks_check_and_round_2_creates_it_again(standin):
    """Round 1 runs 01-07, 09-12 and 08 cleaning up; round 2, after round 1's teardown, builds
    01-04 again under the same run name (tests/builders.py): everything is created again (not
    found), and what each notebook's check cell reads back holds."""
    assert len(standin.rounds) == 2
    first, second = standin.rounds
    assert second.chain is None  # round 2 executes no notebook
    assert second.keys == ["01", "02", "03", "04", "06-ecdsa", "12"]
    text = first.text
    assert "will create (19 resources" in text["01"]
    assert f"OK: 7 objects in s3://cftutorial-{RUN}" in text["01"]
    assert re.search(r"OAC \w+ \(created\)", text["02"])
    assert "AccessControlListNotSupported" in text["03"]
    assert "OK: the demo bucket's policy names the OAI" in text["03"]
    assert re.search(r"distribution (\w+) \(created\)", text["04"])
    assert re.search(r"key group \w+ holds public key \w+", text["04"])
    built, checked = second.built, second.checked
    assert "will create (19 resources" in built["01"].where_this_runs
    assert built["01"].bucket.created  # not "(already there)": round 1's teardown deleted it
    assert len(built["01"].uploaded) == 7
    assert checked["01"]["keys"] == sorted(built["01"].uploaded)  # 01's check: 7 objects
    assert checked["01"]["object_ownership"] == "BucketOwnerEnforced"
    access = built["02"]
    assert access.kind == "oac" and access.oac.created and access.oai.created
    assert checked["02"]["oac signing protocol"] == "sigv4"
    assert checked["02"]["oai canonical user"] == access.oai.s3_canonical_user_id
    assert built["03"].refused["Code"] == "AccessControlListNotSupported"
    assert built["03"].demo_policy_written
    assert checked["03"]["demo policy principal"] == {"AWS": OAI_PRINCIPAL_PREFIX + access.oai.id}
    made = built["04"]
    assert made.created and not made.changes
    assert made.key_group_id and made.key_pair_id  # the key group holding the run's public key
    assert checked["04"]["status"] == "Deployed"
    assert checked["04"]["signers"]["TrustedKeyGroups"]["Items"] == [made.key_group_id]
    assert checked["04"]["policy source arn"] == made.distribution.arn
    assert (
        "OK: S3 403 AccessDenied, edge 403 MissingKey, origin 403 without step 3, 200 with it"
        in text["05"]
    )
    assert "OK: canned and custom URLs and the cookies verify" in text["07"]
    assert re.search(r"OK: 200 with the signature \(59152 bytes\)", text["08-clean-up"])
    # viewer requests went to the stand-in's edge, S3's direct GET to its S3
    assert re.search(rf"GET {standin.edge_endpoint}/\w+\.cloudfront\.net/", text["05"])
    assert re.search(rf"GET {standin.edge_endpoint}/\w+\.cloudfront\.net/", text["08-clean-up"])
    assert f"GET {standin.aws_endpoint}/cftutorial-{RUN}/video.mp4" in text["05"]
    # round 2's own signing: 06's second key here, 12's KMS-signed URLs through the edge below
    ecdsa = built["06-ecdsa"].signing_key
    assert (ecdsa.kind, ecdsa.key_group_id) == ("ecdsa", made.key_group_id)
    assert ecdsa.key_pair_id != made.key_pair_id
    assert checked["06-ecdsa"]["key group items"] == [made.key_pair_id, ecdsa.key_pair_id]
    assert checked["06-ecdsa"]["trusted key groups"] == [made.key_group_id]
    assert built["06-ecdsa"].private_key_mode == "0o600"


@pytest.mark.slow
def test_the_notebooks_beyond_the_guide_run_in_aws_mode_or_say_why_not(standin):
    """09, 10 and 12 pass their checks on the modern path; what cannot work on AWS as in the
    local AWS (09's access logs arrive within about an hour) is one printed sentence, not a
    traceback; 11 (an alternate domain needs a domain you own) refuses with one message."""
    from cftutorial.tutorial.step09_clinic import AWS_LOGS_LATER

    text = standin.rounds[0].text  # round 2 builds 12 only of these (below)
    assert "OK: all 10 cases went from 403 to 200; logs not read (aws mode)" in text["09"]
    assert AWS_LOGS_LATER.split("{")[0] in text["09"]
    assert f"s3://cftutorial-{RUN}-logs" in text["09"]
    assert "update_distribution: InvalidArgument" in text["09"]  # ACLs disabled
    assert "Logging: {'Enabled': True" in text["09"]
    assert "log bucket deleted: True" in text["09"]
    assert re.search(r"OK: rotated from \w+ to \w+ without a broken new link", text["10"])
    assert text["11-refusal"] == (
        "BackendError: notebook 11 runs against the local AWS only: on AWS an alternate "
        "domain name needs a domain you own, the certificate's DNS validation record and a "
        "DNS record for the alias; follow the same calls with your domain in place of "
        "cftutorial.localhost"
    )
    # the learner sees that one message and the %tb hint, no frames of package code
    assert text["11-shown"] == (
        text["11-refusal"] + "\n(the full traceback: run %tb in a new cell)"
    )
    for notebook in ("09", "10"):
        assert "Traceback" not in text[notebook], notebook
    assert re.search(
        rf"created KMS key [0-9a-f-]{{36}} RSA_2048 as alias/cftutorial-{RUN}", text["12"]
    )
    assert "OK: KMS-signed URL and cookies 200 through the edge; 1 KMS call per URL;" in text["12"]
    assert "Traceback" not in text["12"]
    assert "OK: the run is back as it was" in text["12"]
    assert "scheduled for deletion on" in text["12"]
    # round 2 builds 12 keeping its KMS key (tests/builders.py: a failed call would raise)
    kms = standin.rounds[1].built["12"]
    assert re.fullmatch(r"[0-9a-f-]{36}", kms.key_id) and kms.created
    assert (kms.key_spec, kms.alias) == ("RSA_2048", f"alias/cftutorial-{RUN}")
    assert kms.statuses == {"url": 200, "playlist": 200, "segment": 200, "no cookie": 403}
    assert "Hash-Algorithm=SHA256" in kms.video_url
    assert kms.timed_kms.calls_per_url == 1
    assert kms.scan.private_keys and not kms.scan.matching  # the run's key file, not KMS's
    # keep_kms_key: left trusted next to the run's own key, for teardown
    assert kms.kept and kms.deletion_date is None
    items = standin.rounds[1].checked["12"]["key group items"]
    assert kms.public_key_id in items and kms.run_key.key_pair_id in items


NOTHING_LEFT = {
    "KMS aliases": [],
    "KMS keys not pending deletion": [],
    "buckets": [],
    "distributions": [],
    "OACs": [],
    "OAIs": [],
    "public keys": [],
    "key groups": [],
}


@pytest.mark.slow
def test_teardown_leaves_nothing_after_either_round(standin):
    """Round 1: notebook 08 with clean_up=True deletes the run (the teardown after it finds
    nothing); round 2: ``cftutorial teardown`` does, including 12's KMS key left trusted."""
    first, second = standin.rounds
    cleaned = chains.flat(first.text["08-clean-up"])
    assert "OK: everything this run created is gone" in cleaned
    for what in ("distribution", "key group", "public key", "OAC", "OAI"):
        assert re.search(rf"\| {what} \| \w+ \| deleted \|", cleaned), what
    assert cleaned.count("| deleted |") >= 9, cleaned
    assert f"run {RUN!r}: nothing left in your AWS account" in first.teardown_output
    output = second.teardown_output
    assert f"run {RUN!r}: done" in output
    for what in ("distribution", "key group", "public key", "OAC", "OAI", "KMS alias"):
        assert re.search(rf"deleted\s+{what}\s", output), what
    assert re.search(r"deleted\s+KMS key \(deletion scheduled: KMS waits 7 days\)", output)
    assert output.count("deleted  bucket") == 2, output
    # the run's key, 06's second (ECDSA) key and 12's KMS key were all in the group
    assert len(re.findall(r"deleted\s+public key\s", output)) == 3, output
    for number, round_ in enumerate(standin.rounds, start=1):
        assert round_.left_after_teardown == NOTHING_LEFT, number
        assert round_.state_after_teardown == {}, number
    # each round's KMS key waits out its deletion window: KMS deletes nothing at once
    assert len(standin.kms_keys_pending_deletion) == 2, standin.kms_keys_pending_deletion


@pytest.mark.slow
def test_each_creation_has_its_own_caller_reference(standin):
    first, second = (round_.caller_references for round_ in standin.rounds)
    assert set(first) == {"distribution", "oai", "public key"}
    for what in first:
        assert re.fullmatch(rf"cftutorial-{RUN}-[a-z0-9-]+-[0-9a-f]{{32}}", first[what]), what
        assert first[what] != second[what], f"the {what} reused its CallerReference"


@pytest.mark.slow
def test_the_guide_path_runs_to_its_distribution_and_is_torn_down(standin):
    """The guide round, built (tests/builders.py): 03 grants READ to the OAI in every object's
    ACL (read back with GetObjectAcl), 04 trusts TrustedSigners 'self' and no key group (read
    back with GetDistributionConfig); the guide chain (test_notebooks.py) checks the words the
    notebooks print for both."""
    guide = standin.guide
    assert guide is not None and guide.chain is None
    built, checked = guide.built, guide.checked
    oai = built["02"].access
    assert oai.kind == "oai" and oai.created
    objects = built["01"].uploaded
    assert len(objects) == 7 and built["03"].granted == objects
    assert set(checked["03"]["grants"]) == set(objects)
    for key, grants in checked["03"]["grants"].items():
        assert (oai.s3_canonical_user_id, "READ") in grants, key
    made = built["04"]
    assert made.created and made.signing is None and made.bucket_policy is None
    assert checked["04"]["status"] == "Deployed"
    assert checked["04"]["signers"] == {
        "TrustedSigners": {"Enabled": True, "Quantity": 1, "Items": ["self"]},
        "TrustedKeyGroups": {"Enabled": False, "Quantity": 0, "Items": []},
    }
    assert guide.bucket_regions == {
        f"cftutorial-{RUN}-guide": REGION,
        f"cftutorial-{RUN}-guide-acl-demo": REGION,
    }
    assert all(not left for left in guide.left_after_teardown.values()), guide.left_after_teardown
    assert guide.state_after_teardown == {}


@pytest.mark.slow
def test_the_iam_policy_grants_exactly_what_the_run_calls(standin):
    operations = set(standin.operations)
    assert {"cloudfront:CreateDistributionWithTags", "s3:CreateBucket"} <= operations
    assert "cloudfront:CreateCloudFrontOriginAccessIdentity" in operations  # the guide's OAI
    assert "s3:PutObjectAcl" in operations and "s3:GetObjectAcl" in operations  # its ACLs
    assert "cloudfront:UpdateKeyGroup" in operations  # round 2's second key type
    grants = granted(json.loads(POLICY.read_text()))
    wanted = needed(operations)
    assert set(grants) - wanted == set(), "the policy grants actions no code calls"
    assert wanted - set(grants) == set(), "the policy lacks actions the code calls"
    for action, resources in grants.items():
        assert resources == expected_grants(action), (action, resources)


def test_the_iam_policy_is_the_mapping_of_known_operations_only():
    """Without running anything: every action the policy grants is one the table maps to, on
    the resource the naming scheme gives it (the slow test checks the table against the run)."""
    grants = granted(json.loads(POLICY.read_text()))
    mapped = {action for actions in IAM_ACTIONS.values() for action in actions}
    assert grants and set(grants) <= mapped, sorted(set(grants) - mapped)
    for action, resources in grants.items():
        assert resources == expected_grants(action), (action, resources)


def test_aws_mode_bucket_names_must_match_the_policy(monkeypatch):
    from cftutorial.aws import buckets
    from cftutorial.errors import BucketNameError

    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    with pytest.raises(BucketNameError, match=r"'my-videos'.*cftutorial-.*iam-policy"):
        buckets.create_bucket_kwargs("my-videos", region=REGION)
    assert buckets.create_bucket_kwargs("cftutorial-my-videos", region=REGION)[
        "CreateBucketConfiguration"
    ] == {"LocationConstraint": REGION}


@pytest.mark.slow
def test_round_1_is_the_ecdsa_sha256_chain(standin):
    """The chain with an ECDSA key and SHA-256 (key_type="ecdsa", hash_algorithm="SHA256" in
    every notebook): what every chain shows, then its key and its URLs' hash."""
    chain = standin.rounds[0].chain
    shown = {**chain.texts(*(f"0{n}" for n in range(1, 8))), "08": chain.text("08-clean-up")}
    solved = [run.notebook for run in chain.runs.values()]
    assert_every_chain_shows(shown, RUN, solved)
    assert "kind='ecdsa', hash_algorithm='SHA256'" in shown["07"]
    canned = re.search(r"https://\S+/video\.mp4\?Expires=\S+", shown["07"]).group(0)
    assert canned.endswith("&Hash-Algorithm=SHA256")
    assert "botocore's CloudFrontSigner can only do RSA + SHA1" in shown["07"]
    everything = {key: chain.text(key) for key in chain.runs}
    chains.assert_no_secrets(everything, chain.key_lines)


@pytest.mark.slow
def test_notebook_01_run_again_with_the_other_approach_changes_the_object_ownership(standin):
    """Notebook 01's cells, built (tests/builders.py): the guide round's bucket, made by 01 on
    the guide path, then 01 again with approach='modern': the second run finds the bucket and
    holds the change it made (what its cell prints: "changed from ... to ...")."""
    guide = standin.guide
    first, second = guide.built["01"].bucket, guide.built["01-modern"]
    bucket = f"cftutorial-{RUN}-guide"
    assert (first.name, first.created) == (bucket, True)
    assert first.object_ownership == "BucketOwnerPreferred"
    assert guide.checked["01"]["object_ownership"] == "BucketOwnerPreferred"
    assert (second.bucket.name, second.bucket.created) == (bucket, False)  # already there
    assert second.ownership_changed_from == "BucketOwnerPreferred"
    assert second.bucket.object_ownership == "BucketOwnerEnforced"
    assert guide.checked["01-modern"]["object_ownership"] == "BucketOwnerEnforced"
    assert guide.ownership_after_modern_01 == "BucketOwnerEnforced"


@pytest.mark.slow
def test_the_audit_runs_read_only_in_aws_mode_within_its_policy_and_finds_the_run_clean(standin):
    """Round 1 after 07 (before 08 cleans up): ``cftutorial audit --distribution ID --json``
    and ``--all --json`` with the standard credential chain and no opt-in. Both exit 0 with the run clean (every rule
    checked; the one-key group's advice only); every operation they called is one
    docs/iam-policy-audit.json grants, none writes, and none went into the tutorial's record."""
    from test_audit import IAM_ACTIONS as AUDIT_ACTIONS

    from cftutorial.audit.distribution import RULES

    audited = standin.rounds[0].audit
    assert audited is not None and standin.rounds[1].audit is None
    assert audited.returncodes == {"distribution": 0, "all": 0}
    (report,) = audited.reports["distribution"]
    assert report["subject"] == audited.distribution_id
    assert report["checked"] == [rule.id for rule in RULES]
    assert report["clean"] is True and report["findings"] == [], report["findings"]
    assert [(a["rule"], a["severity"]) for a in report["advice"]] == [
        ("key-group-rotation", "advice")
    ]
    assert audited.reports["all"] == [report]  # the account holds the run's distribution only
    operations = set(audited.operations)
    assert {
        "cloudfront:ListDistributions",
        "cloudfront:GetDistribution",
        "cloudfront:GetKeyGroup",
        "s3:GetBucketPolicy",
        "s3:GetPublicAccessBlock",
        "s3:GetBucketEncryption",
    } <= operations, operations
    assert operations <= set(AUDIT_ACTIONS), sorted(operations - set(AUDIT_ACTIONS))
    granted = {
        action
        for statement in json.loads(AUDIT_POLICY.read_text())["Statement"]
        for action in statement["Action"]
    }
    assert {AUDIT_ACTIONS[operation] for operation in operations} <= granted
    writes = ("Create", "Update", "Delete", "Put", "Tag", "Untag", "Sign", "Schedule")
    assert not [op for op in operations if op.split(":")[1].startswith(writes)], operations
    # recorded apart: the tutorial's record (docs/iam-policy.json's test) has none of the audit's
    only_audit = {"s3:GetPublicAccessBlock", "s3:GetBucketEncryption"}
    assert only_audit.isdisjoint(standin.operations), only_audit & set(standin.operations)
