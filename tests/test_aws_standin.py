"""The aws-mode path end to end, offline: the notebooks against a stand-in for an AWS account.

No real account is available here, so the stand-in is a private local AWS (its own
CFTUTORIAL_HOME, free ports), reached the way a real account is: ``CFTUTORIAL_BACKEND=aws``, the
opt-in, the standard credential chain (a named profile in a temporary ``AWS_CONFIG_FILE`` /
``AWS_SHARED_CREDENTIALS_FILE``, region **eu-west-1**) and ``AWS_ENDPOINT_URL``. Viewer requests
of notebooks 05 and 08 go to the stand-in's edge through ``CFTUTORIAL_EDGE_ENDPOINT``. The local
AWS applies AWS's rules (LocationConstraint, IfMatch, ...), so every request the run makes is one
it accepted. The whole run happens twice with the same run name (create → teardown → create →
teardown), and each time teardown leaves nothing.

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
    # S3, object level
    "s3:PutObject": ["s3:PutObject"],
    "s3:GetObject": ["s3:GetObject"],
    "s3:HeadObject": ["s3:GetObject"],
    "s3:DeleteObject": ["s3:DeleteObject"],
    "s3:DeleteObjects": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
    "s3:PutObjectAcl": ["s3:PutObjectAcl"],
    "s3:GetObjectAcl": ["s3:GetObjectAcl"],
    # CloudFront
    "cloudfront:CreateDistributionWithTags": [
        "cloudfront:CreateDistribution",
        "cloudfront:TagResource",
    ],
    "cloudfront:GetDistribution": ["cloudfront:GetDistribution"],
    "cloudfront:GetDistributionConfig": ["cloudfront:GetDistributionConfig"],
    "cloudfront:UpdateDistribution": ["cloudfront:UpdateDistribution"],
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


def expected_resource(action: str) -> str:
    """The one resource ARN pattern ``action`` must be granted on."""
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


def granted(policy: dict) -> dict[str, set[str]]:
    """Action -> the resources the policy allows it on."""
    grants: dict[str, set[str]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow" and "Condition" not in statement, statement
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        for action in statement["Action"]:
            grants.setdefault(action, set()).update(resources)
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
    return {
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


def _one_round(
    out_dir: Path, run_name: str = RUN, approach: str = "modern", *, second_key: bool = False
) -> Round:
    """Notebooks 01-08 (guide: 01-04, as on AWS the guide's key pair is console-only), then
    ``cftutorial teardown``. ``second_key``: 06 again with an ECDSA key after 08, which adds it
    to the run's key group (``UpdateKeyGroup``), as a learner trying the other key type does."""
    out_dir.mkdir()
    parameters = {"run_name": run_name, "approach": approach, "run_solutions": True}
    text = {}
    last = "8" if approach == "modern" else "4"
    for path in sorted(NOTEBOOK_DIR.glob(f"0[1-{last}]-*.ipynb")):
        text[path.name[:2]] = _execute(path, out_dir / path.name, parameters)
    if second_key:
        path = next(NOTEBOOK_DIR.glob("06-*.ipynb"))
        ecdsa = {**parameters, "key_type": "ecdsa"}
        text["06-ecdsa"] = _execute(path, out_dir / f"ecdsa-{path.name}", ecdsa)
    with _unrecorded():
        s3 = clients.client("s3", for_teardown=True)
        regions = {
            name: s3.get_bucket_location(Bucket=name)["LocationConstraint"]
            for name in (f"cftutorial-{run_name}", f"cftutorial-{run_name}-acl-demo")
        }
        references = _caller_references(text) if approach == "modern" else {}
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
            result.rounds.append(_one_round(root / f"round-{number}", second_key=number == 2))
        result.guide = _one_round(root / "guide", f"{RUN}-guide", "guide")
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
def test_teardown_leaves_nothing_after_either_round(standin):
    for number, round_ in enumerate(standin.rounds, start=1):
        assert f"run {RUN!r}: done" in round_.teardown_output, number
        for what in ("distribution", "key group", "public key", "OAC", "OAI"):
            assert re.search(rf"deleted\s+{what}\s", round_.teardown_output), (number, what)
        assert round_.teardown_output.count("deleted  bucket") == 2, round_.teardown_output
        assert round_.left_after_teardown == {
            "buckets": [],
            "distributions": [],
            "OACs": [],
            "OAIs": [],
            "public keys": [],
            "key groups": [],
        }, number
        assert round_.state_after_teardown == {}, number
    # round 2 added an ECDSA key to the group: teardown deleted both public keys
    assert len(re.findall(r"deleted\s+public key\s", standin.rounds[1].teardown_output)) == 2


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
        assert resources == {expected_resource(action)}, (action, resources)


def test_the_iam_policy_is_the_mapping_of_known_operations_only():
    """Without running anything: every action the policy grants is one the table maps to, on
    the resource the naming scheme gives it (the slow test checks the table against the run)."""
    grants = granted(json.loads(POLICY.read_text()))
    mapped = {action for actions in IAM_ACTIONS.values() for action in actions}
    assert grants and set(grants) <= mapped, sorted(set(grants) - mapped)
    for action, resources in grants.items():
        assert resources == {expected_resource(action)}, (action, resources)


def test_aws_mode_bucket_names_must_match_the_policy(monkeypatch):
    from cftutorial.aws import buckets
    from cftutorial.errors import BucketNameError

    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    with pytest.raises(BucketNameError, match=r"'my-videos'.*cftutorial-.*iam-policy"):
        buckets.create_bucket_kwargs("my-videos", region=REGION)
    assert buckets.create_bucket_kwargs("cftutorial-my-videos", region=REGION)[
        "CreateBucketConfiguration"
    ] == {"LocationConstraint": REGION}
