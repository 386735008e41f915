"""The aws-mode path end to end, offline: the notebooks against a stand-in for an AWS account.

No real account is available here, so the stand-in is a private local AWS (its own
CFTUTORIAL_HOME, free ports), reached the way a real account is: ``CFTUTORIAL_BACKEND=aws``, the
opt-in, the standard credential chain (a named profile in a temporary ``AWS_CONFIG_FILE`` /
``AWS_SHARED_CREDENTIALS_FILE``, region **eu-west-1**) and ``AWS_ENDPOINT_URL``. Viewer requests
go to the stand-in's edge through ``CFTUTORIAL_EDGE_ENDPOINT``. The local AWS applies AWS's rules
(LocationConstraint, IfMatch, ...), so every request the run makes is one it accepted.

Round 1 is the modern chain: 01-07, then beyond the guide 09, 10, 12 (11 refuses aws mode
with one message: an alternate domain needs a domain you own; held at its first working cell, not
executed: :func:`_refused`), then 08 with ``clean_up=True``
tries every URL and cookie and deletes the run (08 kept is the modern chain's: that branch does
not depend on the backend). It is the ECDSA/SHA-256 chain (its key and its URLs).
Round 2 (RSA, the same run name) re-creates the run after that: 01-04 (new resources, new
CallerReferences), then 06 with a second key type (ECDSA) and 12 keeping its KMS key trusted,
and ``cftutorial teardown`` deletes it all. Then the guide path (01-04; on AWS the guide's key
pair is console-only), with 01 run again on the modern path, torn down too. Nothing is left
after any round (KMS keys wait out their deletion window, as on AWS).

Round 1 executes its notebooks (papermill, in the same environment): what they print is checked
there. Round 2 and the guide round are built in this process with tests/builders.py (each builder
makes its notebook's calls in order), in the same aws-mode environment, and after each builder
:func:`_check` makes the reads that notebook's check cell makes; the tests assert on what the
builders return and on those reads. They call the same set of operations as the notebooks.

Every operation the run makes is recorded (``$CFTUTORIAL_RECORD_CALLS``); test_aws_standin.py
checks docs/iam-policy.json against them. In round 1, after 07 (before 08 cleans up),
``cftutorial audit`` (read-only) checks the run's distribution and the whole account: its
operations go to a record of their own, checked against docs/iam-policy-audit.json
(:func:`_audit`). :func:`build` runs everything once (the ``standin`` session fixture); the
tests read what it kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import builders
import chains
import pytest
import refusals

from cftutorial import config
from cftutorial.aws import clients
from cftutorial.localaws import process

RUN = "standin"
REGION = "eu-west-1"
PROFILE = "cftutorial-standin"
#: Round 1's key and hash: the ECDSA/SHA-256 chain.
ECDSA = {"key_type": "ecdsa", "hash_algorithm": "SHA256"}


@dataclass
class Audited:
    """``cftutorial audit --distribution ID --json`` and ``--all --json`` in aws mode, without
    the opt-in: each exit status and report list, and every operation they called."""

    distribution_id: str
    returncodes: dict[str, int]
    reports: dict[str, list[dict]]
    operations: list[str]


@dataclass
class Round:
    """One create → teardown of the run: round 1 executes its notebooks (``chain``); round 2
    and the guide round build theirs in process with tests/builders.py (``built``), and
    ``checked`` holds what each notebook's check cell reads back from the stand-in then."""

    chain: chains.Chain | None = None
    built: dict[str, Any] = field(default_factory=dict)
    checked: dict[str, dict[str, Any]] = field(default_factory=dict)
    bucket_regions: dict[str, str] = field(default_factory=dict)
    caller_references: dict[str, str] = field(default_factory=dict)
    teardown_output: str = ""
    left_after_teardown: dict[str, list[str]] = field(default_factory=dict)
    state_after_teardown: dict = field(default_factory=dict)
    #: The guide round: Object Ownership of its bucket after 01 ran again on the modern path.
    ownership_after_modern_01: str = ""
    #: Round 1: ``cftutorial audit`` on the run after 07 (before 08 cleans up) (:func:`_audit`).
    audit: Audited | None = None
    #: Round 1: what a notebook that refuses aws mode raises at its first working cell, checked
    #: where it ran, in this round's environment (:func:`_refused`), instead of executing it.
    refused: dict[str, Exception] = field(default_factory=dict)

    @property
    def text(self) -> dict[str, str]:
        """What each executed notebook shows; for a refusal held without executing it
        (:func:`_refused`), ``ename: message`` and what is shown (round 1 only: the other
        rounds execute no notebook)."""
        assert self.chain is not None, "this round built its notebooks: read built and checked"
        shown = {}
        for key, error in self.refused.items():
            shown[f"{key}-refusal"] = f"{type(error).__name__}: {error}"
            shown[f"{key}-shown"] = refusals.shown(error)
        for key in self.chain.runs:
            shown[key] = self.chain.text(key)
        return shown

    @property
    def keys(self) -> list[str]:
        """The notebooks of the round, in the order they ran or were built."""
        return list(self.chain.runs) if self.chain is not None else list(self.built)


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


@contextlib.contextmanager
def _unrecorded() -> Iterator[None]:
    """The test's own look-ups are not the tutorial's calls: keep them out of the record."""
    with chains.environment({clients.ENV_RECORD_CALLS: None}):
        yield


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


def _caller_references(distribution_id: str, oai_id: str) -> dict[str, str]:
    """The CallerReference each created resource carries, read back from the stand-in."""
    cf = clients.client("cloudfront", for_teardown=True)
    key_id = cf.list_public_keys()["PublicKeyList"]["Items"][0]["Id"]
    return {
        "distribution": cf.get_distribution_config(Id=distribution_id)["DistributionConfig"][
            "CallerReference"
        ],
        "oai": cf.get_cloud_front_origin_access_identity_config(Id=oai_id)[
            "CloudFrontOriginAccessIdentityConfig"
        ]["CallerReference"],
        "public key": cf.get_public_key(Id=key_id)["PublicKey"]["PublicKeyConfig"][
            "CallerReference"
        ],
    }


def _audit(run_name: str, record: Path) -> Audited:
    """The read-only audit of the run's distribution, then of every distribution, as the installed
    command runs it in aws mode: no opt-in (it only reads), and its calls recorded in ``record``,
    apart from the tutorial's."""
    from cftutorial.tutorial import state

    distribution_id = state.require(run_name, "distribution")["id"]
    env = {**os.environ, clients.ENV_RECORD_CALLS: str(record)}
    env.pop("CFTUTORIAL_AWS_OPT_IN", None)
    returncodes, reports = {}, {}
    for which, args in (("distribution", ("--distribution", distribution_id)), ("all", ("--all",))):
        done = chains.cli(None, "audit", *args, "--json", env=env)
        assert not done.stderr, done.stderr
        returncodes[which], reports[which] = done.returncode, json.loads(done.stdout)
    return Audited(distribution_id, returncodes, reports, record.read_text().splitlines())


def _teardown(run_name: str) -> str:
    teardown = chains.cli(None, "teardown", "--run", run_name, "--yes", env=os.environ)
    assert teardown.returncode == 0, teardown.stdout + teardown.stderr
    return teardown.stdout


#: Notebooks 01-07: round 1, whose 08 runs last, with clean_up=True (it tries every URL first).
THROUGH_07 = tuple(f"0{n}" for n in range(1, 8))
#: Beyond the guide, in order (11 refuses aws mode with one message).
BEYOND = ("09", "10", "11", "12")


def _refused(number: str, source: Path) -> Exception:
    """Notebook ``number`` (``source``, the copy the round runs) in this round: its first
    working cell's first call is its check (refusals.first_work), and what that check raises on
    the run as saved now, with no client built (tests/refusals.py)."""
    from cftutorial.tutorial import state

    refusals.first_work(source)
    with pytest.MonkeyPatch.context() as patch:
        return refusals.raised(number, RUN, state.load(RUN), "modern", patch)


def _notebook_round(out_dir: Path, home: Path) -> Round:
    """Round 1, as notebook executions: 01-07 (the ECDSA/SHA-256 chain), ``cftutorial audit``
    (:func:`_audit`), on the modern path 09, 10 and 12 (11's refusal: :func:`_refused`), 08 with
    ``clean_up=True`` (it deletes the run), then ``cftutorial teardown``, which finds nothing."""
    chain = chains.Chain(f"standin/{out_dir.name}", chains.InProcess({}), home, out_dir)
    parameters = {"run_name": RUN, "approach": "modern", **chains.SOLUTIONS, **ECDSA}
    for number in THROUGH_07:
        chain.run(number, number, parameters)
    round_ = Round(chain)
    round_.audit = _audit(RUN, out_dir / "audit-calls.txt")
    for number in BEYOND:
        if number == "11":  # not executed: held as the guide chain's 10-12 are
            round_.refused["11"] = _refused("11", chain.source("11"))
        elif number == "12":
            chain.run("12", "12", {**parameters, "key_type": "rsa", "measure_urls": 5})
        else:
            chain.run(number, number, parameters)
    text = round_.text
    distribution_id = re.search(r"distribution (\w+) \(created\)", text["04"]).group(1)
    oai_id = re.search(r"OAI (\w+) \(created\)", text["02"]).group(1)
    _look(round_, RUN, "modern", distribution_id, oai_id)
    chain.run("08-clean-up", "08", {**parameters, "clean_up": True})
    _tear_down(round_, RUN)
    return round_


def _built_round(run_name: str, approach: str) -> Round:
    """Round 2 (modern) or the guide round, built in process with tests/builders.py: 01-04;
    modern: then 06 with an ECDSA key after the run's RSA one, which adds it to the run's key
    group (``UpdateKeyGroup``), as a learner trying the other key type does, and 12 keeping its
    KMS key trusted, for teardown; guide: then 01 again on the modern path (it changes the
    bucket's Object Ownership). After each notebook, what its check cell reads
    (:func:`_check`). Then ``cftutorial teardown``."""
    round_ = Round()
    steps: list[tuple[str, Any, dict[str, Any]]] = [
        ("01", builders.bucket, {}),
        ("02", builders.origin_access, {}),
        ("03", builders.permissions, {}),
        ("04", builders.distribution, {}),
    ]
    if approach == "modern":
        steps += [
            ("06-ecdsa", builders.signing_keys, {"key_type": "ecdsa"}),
            ("12", builders.kms_key, {"key_type": "rsa", "measure_urls": 5, "keep_kms_key": True}),
        ]
    else:
        steps += [("01-modern", builders.bucket, {"approach": "modern"})]
    for key, build, parameters in steps:
        built = build(**{"run_name": run_name, "approach": approach, **parameters})
        round_.built[key] = built
        round_.checked[key] = _check(key, built, run_name)
    built = round_.built
    _look(round_, run_name, approach, built["04"].distribution.id, built["02"].oai.id)
    _tear_down(round_, run_name)
    return round_


def _check(key: str, built: Any, run_name: str) -> dict[str, Any]:
    """What the check cell of notebook ``key`` reads back from the stand-in after its builder
    ran: the same calls (recorded, as the notebook's are), kept for the tests to assert on."""
    from cftutorial.aws import bucket_access, buckets, distributions
    from cftutorial.tutorial import state

    if isinstance(built, builders.Bucket):  # 01
        name = built.bucket.name
        return {
            "keys": sorted(row["Key"] for row in buckets.list_objects(name)),
            "object_ownership": buckets.object_ownership(name),
        }
    cf = clients.client("cloudfront")
    if isinstance(built, builders.Access):  # 02
        oai = cf.get_cloud_front_origin_access_identity(Id=built.oai.id)
        oac = cf.get_origin_access_control(Id=built.oac.id)["OriginAccessControl"]
        return {
            "oai canonical user": oai["CloudFrontOriginAccessIdentity"]["S3CanonicalUserId"],
            "oac signing protocol": oac["OriginAccessControlConfig"]["SigningProtocol"],
        }
    if isinstance(built, builders.Permissions):  # 03
        run, checked = built.run, {}
        if run.access.kind == "oai":  # the guide: every object's grants
            checked["grants"] = {
                key: {
                    (grant["Grantee"], grant["Permission"])
                    for grant in bucket_access.object_grants(run.bucket, key)
                }
                for key in run.objects
            }
        if built.demo_policy_written:
            policy = bucket_access.bucket_policy(built.demo_bucket)
            checked["demo policy principal"] = policy["Statement"][0]["Principal"]
        return checked
    if isinstance(built, builders.Distribution):  # 04
        dist = distributions.get_distribution(built.distribution.id)
        checked = {"status": dist.status, "signers": distributions.signers_of(dist.id)}
        if built.bucket_policy is not None:
            policy = bucket_access.bucket_policy(state.load(run_name)["bucket"])
            checked["policy source arn"] = policy["Statement"][0]["Condition"]["StringEquals"][
                "AWS:SourceArn"
            ]
        return checked
    if isinstance(built, builders.Keys):  # 06
        group = cf.get_key_group(Id=built.signing_key.key_group_id)["KeyGroup"]
        dist_id = state.load(run_name)["distribution"]["id"]
        return {
            "key group items": group["KeyGroupConfig"]["Items"],
            "trusted key groups": distributions.signers_of(dist_id)["TrustedKeyGroups"]["Items"],
        }
    if isinstance(built, builders.KmsKey):  # 12: its check cells
        group = cf.get_key_group(Id=built.key_group_id)["KeyGroup"]
        return {"key group items": group["KeyGroupConfig"]["Items"]}
    raise AssertionError(f"no check cell known for {key}: {type(built).__name__}")


def _look(round_: Round, run_name: str, approach: str, distribution_id: str, oai_id: str) -> None:
    """Before the round's teardown (the test's own look-ups, not recorded): its buckets'
    regions; on the modern path its CallerReferences, on the guide path (after 01 ran again on
    the modern path) its bucket's Object Ownership."""
    with _unrecorded():
        s3 = clients.client("s3", for_teardown=True)
        round_.bucket_regions = {
            name: s3.get_bucket_location(Bucket=name)["LocationConstraint"]
            for name in (f"cftutorial-{run_name}", f"cftutorial-{run_name}-acl-demo")
        }
        if approach == "modern":
            round_.caller_references = _caller_references(distribution_id, oai_id)
        else:
            from cftutorial.aws import buckets

            round_.ownership_after_modern_01 = buckets.object_ownership(f"cftutorial-{run_name}")


def _tear_down(round_: Round, run_name: str) -> None:
    """``cftutorial teardown``, then what is left in the stand-in and in the saved state."""
    from cftutorial.tutorial import state

    round_.teardown_output = _teardown(run_name)
    with _unrecorded():
        round_.left_after_teardown = _what_exists()
    round_.state_after_teardown = state.load(run_name)


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


def build(root: Path) -> StandIn:
    """Both rounds and the guide round, in an environment set for them and put back after."""
    server_home, run_home, aws_dir = root / "server-home", root / "run-home", root / "aws"
    for directory in (server_home, run_home, aws_dir):
        directory.mkdir()
    server_env = {
        "CFTUTORIAL_HOME": str(server_home),
        "CFTUTORIAL_BACKEND": "local",
        "CFTUTORIAL_DEPLOY_SECONDS": "0",  # aws mode polls every 20 s: no wait here
    }
    with chains.environment(server_env):
        server = process.start()
    try:
        config_file, credentials_file = _write_profile(aws_dir)
        record = root / "calls.txt"
        aws_mode = {name: None for name in os.environ if name.startswith("AWS_")}
        aws_mode.update(
            AWS_CONFIG_FILE=str(config_file),
            AWS_SHARED_CREDENTIALS_FILE=str(credentials_file),
            AWS_PROFILE=PROFILE,
            AWS_ENDPOINT_URL=server.aws_endpoint,
            CFTUTORIAL_BACKEND="aws",
            CFTUTORIAL_AWS_OPT_IN="yes",
            CFTUTORIAL_EDGE_ENDPOINT=server.edge_endpoint,
            CFTUTORIAL_HOME=str(run_home),
            CFTUTORIAL_DEPLOY_SECONDS="0",
            **{clients.ENV_RECORD_CALLS: str(record)},
        )
        with chains.environment(aws_mode):
            probe = clients.client("s3")
            result = StandIn(
                credentials_method=probe._request_signer._credentials.method,
                client_region=probe.meta.region_name,
                endpoint=probe.meta.endpoint_url,
                aws_endpoint=server.aws_endpoint,
                edge_endpoint=server.edge_endpoint,
            )
            # the same run name twice: create → teardown → create → teardown
            result.rounds.append(_notebook_round(root / "round-1", run_home))
            # round 2 re-creates what round 1's teardown deleted, with a second key type and
            # 12's KMS key left for teardown: 01-04, 06 (ECDSA) and 12 (round 1 ran 05-11)
            result.rounds.append(_built_round(RUN, "modern"))
            result.guide = _built_round(f"{RUN}-guide", "guide")
            with _unrecorded():
                result.kms_keys_pending_deletion = _kms_keys_pending_deletion()
            result.operations = record.read_text().splitlines()
        return result
    finally:
        with chains.environment(server_env):
            process.stop()
