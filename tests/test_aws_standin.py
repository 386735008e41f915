"""The aws-mode path end to end, offline: the notebooks against a stand-in for an AWS account.

No real account is available here, so the stand-in is a private local AWS (its own
CFTUTORIAL_HOME, free ports), reached the way a real account is: ``CFTUTORIAL_BACKEND=aws``, the
opt-in, the standard credential chain (a named profile in a temporary ``AWS_CONFIG_FILE`` /
``AWS_SHARED_CREDENTIALS_FILE``, region **eu-west-1**) and ``AWS_ENDPOINT_URL``. Viewer requests
go to the stand-in's edge through ``CFTUTORIAL_EDGE_ENDPOINT``. The local AWS applies AWS's rules
(LocationConstraint, IfMatch, ...), so every request the run makes is one it accepted. A round is
the modern chain: 01-08, then beyond the guide 09, 10, 12 (11 refuses aws mode with one message:
an alternate domain needs a domain you own), then the run is deleted: by notebook 08 with
``clean_up=True`` in round 1, by ``cftutorial teardown`` in round 2 (with 12's KMS key left
trusted, so teardown retires it). It happens twice with the same run name, and each time nothing
is left (KMS keys wait out their deletion window, as on AWS).

Every operation the run makes is recorded (``$CFTUTORIAL_RECORD_CALLS``), and
:data:`IAM_ACTIONS` maps each to the IAM actions it needs: docs/iam-policy.json must grant
exactly those, on resources scoped to the run's naming scheme.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cftutorial import config
from cftutorial.aws import clients
from cftutorial.localaws import process

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
POLICY = ROOT / "docs" / "iam-policy.json"
RUN = "standin"
REGION = "eu-west-1"
PROFILE = "cftutorial-standin"

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


# --- the stand-in run ---------------------------------------------------------------------


@dataclass
class Round:
    """One create → teardown of the run."""

    text: dict[str, str]
    bucket_regions: dict[str, str]
    caller_references: dict[str, str]
    teardown_output: str
    left_after_teardown: dict[str, list[str]]
    state_after_teardown: dict


@dataclass
class StandIn:
    rounds: list[Round] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    credentials_method: str = ""
    client_region: str = ""
    endpoint: str = ""
    aws_endpoint: str = ""
    edge_endpoint: str = ""
    guide: Round | None = None
    kms_keys_pending_deletion: list[str] = field(default_factory=list)


def _flat(html_text: str) -> str:
    from test_notebooks import _flat as flat

    return flat(html_text)


def _execute(path: Path, out: Path, parameters: dict) -> str:
    """papermill ``path`` (test_notebooks' runner) and return what its outputs show."""
    from test_notebooks import _execute as execute
    from test_notebooks import _outputs_text

    return _outputs_text(execute(path, out, parameters))


@contextlib.contextmanager
def _unrecorded() -> Iterator[None]:
    """The test's own look-ups are not the tutorial's calls: keep them out of the record."""
    saved = os.environ.pop(clients.ENV_RECORD_CALLS)
    try:
        yield
    finally:
        os.environ[clients.ENV_RECORD_CALLS] = saved


def _what_exists() -> dict[str, list[str]]:
    """Everything in the stand-in account, through aws-mode clients (nothing is filtered)."""
    s3 = clients.client("s3", for_teardown=True)
    cf = clients.client("cloudfront", for_teardown=True)
    kms = clients.client("kms", for_teardown=True)
    key_states = {
        key["KeyId"]: kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
        for key in kms.list_keys()["Keys"]
    }
    return {
        "KMS aliases": [
            a["AliasName"]
            for a in kms.list_aliases()["Aliases"]
            if not a["AliasName"].startswith("alias/aws/")
        ],
        # a KMS key is never deleted at once: it waits PendingWindowInDays (7 at least)
        "KMS keys not pending deletion": sorted(
            key for key, key_state in key_states.items() if key_state != "PendingDeletion"
        ),
        "buckets": [b["Name"] for b in s3.list_buckets().get("Buckets", [])],
        "distributions": [
            d["Id"] for d in cf.list_distributions()["DistributionList"].get("Items", []) or []
        ],
        "OACs": [
            o["Id"]
            for o in cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
            or []
        ],
        "OAIs": [
            o["Id"]
            for o in cf.list_cloud_front_origin_access_identities()[
                "CloudFrontOriginAccessIdentityList"
            ].get("Items", [])
            or []
        ],
        "public keys": [
            k["Id"] for k in cf.list_public_keys()["PublicKeyList"].get("Items", []) or []
        ],
        "key groups": [
            g["KeyGroup"]["Id"] for g in cf.list_key_groups()["KeyGroupList"].get("Items", []) or []
        ],
    }


def _kms_keys_pending_deletion() -> list[str]:
    kms = clients.client("kms", for_teardown=True)
    return [
        key["KeyId"]
        for key in kms.list_keys()["Keys"]
        if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    ]


def _caller_references(text: dict[str, str]) -> dict[str, str]:
    """The CallerReference each created resource carries, read back from the stand-in."""
    cf = clients.client("cloudfront", for_teardown=True)
    dist_id = re.search(r"distribution (\w+) \(created\)", text["04"]).group(1)
    oai_id = re.search(r"OAI (\w+) \(created\)", text["02"]).group(1)
    key_id = cf.list_public_keys()["PublicKeyList"]["Items"][0]["Id"]
    return {
        "distribution": cf.get_distribution_config(Id=dist_id)["DistributionConfig"][
            "CallerReference"
        ],
        "oai": cf.get_cloud_front_origin_access_identity_config(Id=oai_id)[
            "CloudFrontOriginAccessIdentityConfig"
        ]["CallerReference"],
        "public key": cf.get_public_key(Id=key_id)["PublicKey"]["PublicKeyConfig"][
            "CallerReference"
        ],
    }


def _teardown(run_name: str) -> str:
    teardown = subprocess.run(
        [sys.executable, "-m", "cftutorial", "teardown", "--run", run_name, "--yes"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert teardown.returncode == 0, teardown.stdout + teardown.stderr
    return teardown.stdout


def _refusal(path: Path, out: Path, parameters: dict) -> tuple[str, str]:
    """Run a notebook that must stop in aws mode: ``ename: message``, and what the learner
    sees in its one error output (the tutorial's handler: the message and the %tb hint)."""
    import nbformat
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as failed:
        _execute(path, out, parameters)
    errors = [
        output
        for cell in nbformat.read(out, as_version=4).cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert len(errors) == 1, errors
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(errors[0]["traceback"]))
    return f"{failed.value.ename}: {failed.value.evalue}", shown


def _notebook(number: str) -> Path:
    return next(NOTEBOOK_DIR.glob(f"{number}-*.ipynb"))


def _beyond_the_guide(out_dir: Path, parameters: dict, text: dict, *, keep_kms_key: bool) -> None:
    """Notebooks 09-12 after 08 (as the chain runs them); 11 refuses aws mode with one message."""
    for number in ("09", "10"):
        text[number] = _execute(_notebook(number), out_dir / f"{number}.ipynb", parameters)
    text["11-refusal"], text["11-shown"] = _refusal(
        _notebook("11"), out_dir / "11.ipynb", parameters
    )
    twelve = {**parameters, "measure_urls": 5, "keep_kms_key": keep_kms_key}
    text["12"] = _execute(_notebook("12"), out_dir / "12.ipynb", twelve)


def _one_round(
    out_dir: Path,
    run_name: str = RUN,
    approach: str = "modern",
    *,
    second_key: bool = False,
    clean_up_in_08: bool = False,
) -> Round:
    """Notebooks 01-08 (guide: 01-04, as on AWS the guide's key pair is console-only), on the
    modern path 09-12 after them, then ``cftutorial teardown``. ``second_key``: 06 again with an
    ECDSA key after 08, which adds it to the run's key group (``UpdateKeyGroup``), as a learner
    trying the other key type does; that round also keeps 12's KMS key trusted, for teardown.
    ``clean_up_in_08``: 08 again with ``clean_up=True`` deletes the run, and the teardown after
    it finds nothing."""
    out_dir.mkdir()
    parameters = {"run_name": run_name, "approach": approach, "run_solutions": True}
    text: dict = {}
    last = "8" if approach == "modern" else "4"
    for path in sorted(NOTEBOOK_DIR.glob(f"0[1-{last}]-*.ipynb")):
        text[path.name[:2]] = _execute(path, out_dir / path.name, parameters)
    if second_key:
        ecdsa = {**parameters, "key_type": "ecdsa"}
        text["06-ecdsa"] = _execute(_notebook("06"), out_dir / "ecdsa-06.ipynb", ecdsa)
    if approach == "modern":
        _beyond_the_guide(out_dir, parameters, text, keep_kms_key=second_key)
    with _unrecorded():
        s3 = clients.client("s3", for_teardown=True)
        regions = {
            name: s3.get_bucket_location(Bucket=name)["LocationConstraint"]
            for name in (f"cftutorial-{run_name}", f"cftutorial-{run_name}-acl-demo")
        }
        references = _caller_references(text) if approach == "modern" else {}
    if clean_up_in_08:
        clean = {**parameters, "clean_up": True}
        text["08-clean-up"] = _execute(_notebook("08"), out_dir / "08-clean-up.ipynb", clean)
    output = _teardown(run_name)
    from cftutorial.tutorial import state

    with _unrecorded():
        left = _what_exists()
    return Round(text, regions, references, output, left, state.load(run_name))


def _write_profile(directory: Path) -> tuple[Path, Path]:
    """A named profile with region eu-west-1 and the stand-in's credentials (the local AWS
    checks presigned and signed requests against its own dummy key)."""
    config_file, credentials_file = directory / "config", directory / "credentials"
    config_file.write_text(f"[profile {PROFILE}]\nregion = {REGION}\n")
    credentials_file.write_text(
        f"[{PROFILE}]\naws_access_key_id = {config.LOCAL_ACCESS_KEY_ID}\n"
        f"aws_secret_access_key = {config.LOCAL_SECRET_ACCESS_KEY}\n"
    )
    return config_file, credentials_file


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    root = tmp_path_factory.mktemp("standin")
    server_home, run_home, aws_dir = root / "server-home", root / "run-home", root / "aws"
    for directory in (server_home, run_home, aws_dir):
        directory.mkdir()
    patch = pytest.MonkeyPatch()
    patch.setenv("CFTUTORIAL_HOME", str(server_home))
    patch.setenv("CFTUTORIAL_BACKEND", "local")
    patch.setenv("CFTUTORIAL_DEPLOY_SECONDS", "0")  # aws mode polls every 20 s: no wait here
    server = process.start()
    try:
        config_file, credentials_file = _write_profile(aws_dir)
        for name in [name for name in os.environ if name.startswith("AWS_")]:
            patch.delenv(name)
        record = root / "calls.txt"
        patch.setenv("AWS_CONFIG_FILE", str(config_file))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials_file))
        patch.setenv("AWS_PROFILE", PROFILE)
        patch.setenv("AWS_ENDPOINT_URL", server.aws_endpoint)
        patch.setenv("CFTUTORIAL_BACKEND", "aws")
        patch.setenv("CFTUTORIAL_AWS_OPT_IN", "yes")
        patch.setenv("CFTUTORIAL_EDGE_ENDPOINT", server.edge_endpoint)
        patch.setenv("CFTUTORIAL_HOME", str(run_home))
        patch.setenv(clients.ENV_RECORD_CALLS, str(record))
        probe = clients.client("s3")
        result = StandIn(
            credentials_method=probe._request_signer._credentials.method,
            client_region=probe.meta.region_name,
            endpoint=probe.meta.endpoint_url,
            aws_endpoint=server.aws_endpoint,
            edge_endpoint=server.edge_endpoint,
        )
        for number in (1, 2):  # the same run name twice: create → teardown → create → teardown
            result.rounds.append(
                _one_round(
                    root / f"round-{number}", second_key=number == 2, clean_up_in_08=number == 1
                )
            )
        result.guide = _one_round(root / "guide", f"{RUN}-guide", "guide")
        with _unrecorded():
            result.kms_keys_pending_deletion = _kms_keys_pending_deletion()
        result.operations = record.read_text().splitlines()
        yield result
    finally:
        patch.setenv("CFTUTORIAL_HOME", str(server_home))
        process.stop()
        patch.undo()


@pytest.mark.slow
def test_the_standin_uses_the_standard_credential_chain_and_the_profiles_region(standin):
    assert standin.credentials_method == "shared-credentials-file"
    assert standin.client_region == REGION
    assert standin.endpoint == standin.aws_endpoint
    for number, round_ in enumerate(standin.rounds, start=1):
        assert f"region {REGION}" in round_.text["01"], number
        assert f"bucket 'cftutorial-{RUN}' in {REGION}" in round_.text["01"], number
        # the default notebook region is the profile's: both buckets got a LocationConstraint
        assert round_.bucket_regions == {
            f"cftutorial-{RUN}": REGION,
            f"cftutorial-{RUN}-acl-demo": REGION,
        }, number


@pytest.mark.slow
def test_the_standin_run_passes_every_notebooks_check_twice(standin):
    assert len(standin.rounds) == 2
    for number, round_ in enumerate(standin.rounds, start=1):
        text = round_.text
        assert "will create (7 resources" in text["01"], number
        assert f"OK: 7 objects in s3://cftutorial-{RUN}" in text["01"], number
        assert re.search(r"OAC \w+ \(created\)", text["02"]), number
        assert "AccessControlListNotSupported" in text["03"], number
        assert re.search(r"distribution (\w+) \(created\)", text["04"]), number
        assert (
            "OK: S3 403 AccessDenied, edge 403 MissingKey, origin 403 without step 3, 200 with it"
            in text["05"]
        ), number
        assert "OK: canned and custom URLs and the cookies verify" in text["07"], number
        assert re.search(r"OK: 200 with the signature \(59152 bytes\)", text["08"]), number
        assert "OK: nothing was deleted" in text["08"], number  # teardown comes from the CLI
        # viewer requests went to the stand-in's edge, S3's direct GET to its S3
        assert re.search(rf"GET {standin.edge_endpoint}/\w+\.cloudfront\.net/", text["05"])
        assert re.search(rf"GET {standin.edge_endpoint}/\w+\.cloudfront\.net/", text["08"])
        assert f"GET {standin.aws_endpoint}/cftutorial-{RUN}/video.mp4" in text["05"], number


@pytest.mark.slow
def test_the_notebooks_beyond_the_guide_run_in_aws_mode_or_say_why_not(standin):
    """09, 10 and 12 pass their checks on the modern path; what cannot work on AWS as in the
    local AWS (09's access logs arrive within about an hour) is one printed sentence, not a
    traceback; 11 (an alternate domain needs a domain you own) refuses with one message."""
    from cftutorial.tutorial.step09_clinic import AWS_LOGS_LATER

    for number, round_ in enumerate(standin.rounds, start=1):
        text = round_.text
        assert "OK: all 10 cases went from 403 to 200; logs not read (aws mode)" in text["09"]
        assert AWS_LOGS_LATER.split("{")[0] in text["09"], number
        assert f"s3://cftutorial-{RUN}-logs" in text["09"], number
        assert "update_distribution: InvalidArgument" in text["09"], number  # ACLs disabled
        assert "Logging: {'Enabled': True" in text["09"], number
        assert "log bucket deleted: True" in text["09"], number
        assert re.search(r"OK: rotated from \w+ to \w+ without a broken new link", text["10"])
        assert text["11-refusal"] == (
            "BackendError: notebook 11 runs against the local AWS only: on AWS an alternate "
            "domain name needs a domain you own, the certificate's DNS validation record and a "
            "DNS record for the alias; follow the same calls with your domain in place of "
            "cftutorial.localhost"
        ), number
        # the learner sees that one message and the %tb hint, no frames of package code
        assert text["11-shown"] == (
            text["11-refusal"] + "\n(the full traceback: run %tb in a new cell)"
        ), number
        assert re.search(
            rf"created KMS key [0-9a-f-]{{36}} RSA_2048 as alias/cftutorial-{RUN}", text["12"]
        ), number
        assert (
            "OK: KMS-signed URL and cookies 200 through the edge; 1 KMS call per URL;"
            in (text["12"])
        ), number
        for notebook in ("09", "10", "12"):
            assert "Traceback" not in text[notebook], (number, notebook)
    assert "OK: the run is back as it was" in standin.rounds[0].text["12"]
    assert "scheduled for deletion on" in standin.rounds[0].text["12"]
    assert "(the KMS key too)" in standin.rounds[1].text["12"]  # keep_kms_key: for teardown


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
    cleaned = _flat(first.text["08-clean-up"])
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
    guide = standin.guide
    assert guide is not None
    assert "granted READ to the OAI on 7 objects" in guide.text["03"]
    assert "guide path: TrustedSigners 'self' needs no key yet" in guide.text["04"]
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
