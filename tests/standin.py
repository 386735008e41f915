"""The aws-mode path end to end, offline: the notebooks against a stand-in for an AWS account.

No real account is available here, so the stand-in is a private local AWS (its own
CFTUTORIAL_HOME, free ports), reached the way a real account is: ``CFTUTORIAL_BACKEND=aws``, the
opt-in, the standard credential chain (a named profile in a temporary ``AWS_CONFIG_FILE`` /
``AWS_SHARED_CREDENTIALS_FILE``, region **eu-west-1**) and ``AWS_ENDPOINT_URL``. Viewer requests
go to the stand-in's edge through ``CFTUTORIAL_EDGE_ENDPOINT``. The local AWS applies AWS's rules
(LocationConstraint, IfMatch, ...), so every request the run makes is one it accepted.

Round 1 is the modern chain: 01-07, then beyond the guide 09, 10, 12 (11 refuses aws mode
with one message: an alternate domain needs a domain you own), then 08 with ``clean_up=True``
tries every URL and cookie and deletes the run (08 kept is the modern chain's: that branch does
not depend on the backend). It is the ECDSA/SHA-256 chain (its key and its URLs).
Round 2 (RSA, the same run name) re-creates the run after that: 01-04 (new resources, new
CallerReferences), then 06 with a second key type (ECDSA) and 12 keeping its KMS key trusted,
and ``cftutorial teardown`` deletes it all. Then the guide path (01-04; on AWS the guide's key
pair is console-only), with 01 run again on the modern path, torn down too. Nothing is left
after any round (KMS keys wait out their deletion window, as on AWS).

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

import chains

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
    """One create → teardown of the run."""

    chain: chains.Chain
    bucket_regions: dict[str, str] = field(default_factory=dict)
    caller_references: dict[str, str] = field(default_factory=dict)
    teardown_output: str = ""
    left_after_teardown: dict[str, list[str]] = field(default_factory=dict)
    state_after_teardown: dict = field(default_factory=dict)
    #: The guide round: Object Ownership of its bucket after 01 ran again on the modern path.
    ownership_after_modern_01: str = ""
    #: Round 1: ``cftutorial audit`` on the run after 07 (before 08 cleans up) (:func:`_audit`).
    audit: Audited | None = None

    @property
    def text(self) -> dict[str, str]:
        """What each notebook shows; for a refusal, ``ename: message`` and what is shown."""
        shown = {}
        for key, executed in self.chain.runs.items():
            if executed.refuses:
                shown[f"{key}-refusal"], shown[f"{key}-shown"] = executed.refusal, executed.shown
            else:
                shown[key] = self.chain.text(key)
        return shown


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
#: 01-04: what a round that re-creates the run needs (round 2), and the guide round on AWS.
THROUGH_04 = THROUGH_07[:4]
#: Beyond the guide, in order (11 refuses aws mode with one message).
BEYOND = ("09", "10", "11", "12")


def _one_round(
    out_dir: Path,
    home: Path,
    run_name: str = RUN,
    approach: str = "modern",
    *,
    extra: dict | None = None,
    numbers: tuple[str, ...] = THROUGH_07,
    beyond: tuple[str, ...] = BEYOND,
    second_key: bool = False,
    clean_up_in_08: bool = False,
    audit: bool = False,
) -> Round:
    """Notebooks ``numbers`` (guide: then 01 again on the modern path), on the modern path
    ``beyond`` (of 09-12) after them, then ``cftutorial teardown``. ``second_key``: 06 with an
    ECDSA key after the others, which adds it to the run's key group (``UpdateKeyGroup``), as a
    learner trying the other key type does; that round also keeps 12's KMS key trusted, for
    teardown. ``clean_up_in_08``: 08 with ``clean_up=True`` last deletes the run, and the
    teardown after it finds nothing. ``audit``: ``cftutorial audit`` after ``numbers``
    (:func:`_audit`)."""
    chain = chains.Chain(f"standin/{out_dir.name}", chains.InProcess({}), home, out_dir)
    parameters = {"run_name": run_name, "approach": approach, **chains.SOLUTIONS, **(extra or {})}
    for number in numbers:
        chain.run(number, number, parameters)
    round_ = Round(chain)
    if audit:
        round_.audit = _audit(run_name, out_dir / "audit-calls.txt")
    if approach == "guide":
        chain.run("01-modern", "01", {**parameters, "approach": "modern"})
    if second_key:
        chain.run("06-ecdsa", "06", {**parameters, "key_type": "ecdsa"})
    if approach == "modern":
        for number in beyond:
            if number == "11":
                chain.run("11", "11", parameters, refuses=True)
            elif number == "12":
                twelve = {**parameters, "key_type": "rsa", "measure_urls": 5}
                chain.run("12", "12", {**twelve, "keep_kms_key": second_key})
            else:
                chain.run(number, number, parameters)
    with _unrecorded():
        s3 = clients.client("s3", for_teardown=True)
        round_.bucket_regions = {
            name: s3.get_bucket_location(Bucket=name)["LocationConstraint"]
            for name in (f"cftutorial-{run_name}", f"cftutorial-{run_name}-acl-demo")
        }
        if approach == "modern":
            round_.caller_references = _caller_references(round_.text)
        else:
            from cftutorial.aws import buckets

            round_.ownership_after_modern_01 = buckets.object_ownership(f"cftutorial-{run_name}")
    if clean_up_in_08:
        chain.run("08-clean-up", "08", {**parameters, "clean_up": True})
    round_.teardown_output = _teardown(run_name)
    from cftutorial.tutorial import state

    with _unrecorded():
        round_.left_after_teardown = _what_exists()
    round_.state_after_teardown = state.load(run_name)
    return round_


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
            result.rounds.append(
                _one_round(root / "round-1", run_home, extra=ECDSA, clean_up_in_08=True, audit=True)
            )
            # round 2 re-creates what round 1's teardown deleted, with a second key type and
            # 12's KMS key left for teardown: 01-04, 06 (ECDSA) and 12 (round 1 ran 05-11)
            result.rounds.append(
                _one_round(
                    root / "round-2",
                    run_home,
                    numbers=THROUGH_04,
                    beyond=("12",),
                    second_key=True,
                )
            )
            result.guide = _one_round(
                root / "guide", run_home, f"{RUN}-guide", "guide", numbers=THROUGH_04
            )
            with _unrecorded():
                result.kms_keys_pending_deletion = _kms_keys_pending_deletion()
            result.operations = record.read_text().splitlines()
        return result
    finally:
        with chains.environment(server_env):
            process.stop()
