"""Remove everything a tutorial run created, in the order AWS insists on.

A distribution cannot be deleted while enabled (``DistributionNotDisabled``), and a key group,
public key, OAI or OAC cannot be deleted while a distribution uses it (``…InUse``). So: disable
the distribution (IfMatch its ETag) → wait until Deployed → delete it (IfMatch the new ETag) →
(notebook 11's ACM certificate, when the notebook stopped before putting the run back: ACM
refuses while a distribution uses it) → key group → public keys → (notebook 12's KMS key: its
alias deleted, the key scheduled for deletion, as KMS never deletes at once) → OAC / OAI →
bucket policy → objects → buckets (also notebook 09's access-log bucket) → local key files →
saved state. Each step reports ``deleted`` or ``absent``, so running cleanup twice is harmless.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from .. import config
from ..aws import (
    account_keys,
    certificates,
    clients,
    distributions,
    origin_access,
    signing_keys,
    tags,
)
from ..aws import kms as kms_keys
from ..run import names
from . import signing_key, state


@dataclass(frozen=True)
class CleanupStep:
    what: str
    id: str
    outcome: str  # "deleted" | "absent" | "kept"


def delete_bucket(name: str, s3: Any) -> bool:
    """Empty the bucket (every version) and delete it; False when it did not exist."""
    if not _bucket_exists(name, s3):
        return False
    with contextlib.suppress(ClientError):
        s3.delete_bucket_policy(Bucket=name)
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        doomed = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for kind in ("Versions", "DeleteMarkers")
            for item in page.get(kind, []) or []
        ]
        if doomed:
            s3.delete_objects(Bucket=name, Delete={"Objects": doomed, "Quiet": True})
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        doomed = [{"Key": item["Key"]} for item in page.get("Contents", []) or []]
        if doomed:
            s3.delete_objects(Bucket=name, Delete={"Objects": doomed, "Quiet": True})
    s3.delete_bucket(Bucket=name)
    return True


def _outcome(done: bool) -> str:
    return "deleted" if done else "absent"


@dataclass(frozen=True)
class Found:
    """One resource of the run that exists now, in the order it must be deleted."""

    what: str
    id: str


def _find_distribution(run_name: str, run: dict, cf: Any) -> list[Found]:
    found = distributions.find_distribution(
        names.distribution_comment(run_name), run_name=run_name, cf=cf
    )
    saved = (run.get("distribution") or {}).get("id")
    if not found and saved:
        with contextlib.suppress(ClientError):
            found = distributions.get_distribution(saved, cf=cf)
    return [Found("distribution", found.id)] if found else []


def _find_certificates(run_name: str) -> list[Found]:
    """Notebook 11's certificate, there when the notebook stopped before its last step put the
    run back. 11 runs against the local AWS only, so aws mode makes no ACM call here."""
    if config.backend() != "local":
        return []
    return [Found(CERTIFICATE, arn) for arn in certificates.run_certificates(run_name)]


def _find_keys(run_name: str, cf: Any) -> list[Found]:
    group = signing_keys.find_key_group(names.key_group(run_name), cf=cf)
    items = [Found("key group", group["Id"])] if group else []
    also = {names.retired_public_key(run_name), names.kms_public_key(run_name)}  # 09's, 12's
    for key in signing_keys.list_public_keys(cf=cf):  # every generation (notebook 10 rotates)
        if key["Name"] in also or any(
            names.public_key_generation(run_name, kind, key["Name"])
            for kind in signing_key.KEY_TYPES
        ):
            items.append(Found("public key", key["Id"]))
    return items


def _find_kms_key(run_name: str, run: dict) -> list[Found]:
    """Notebook 12's KMS key, only when the saved state names one (a run that never used KMS
    makes no KMS call here, so it needs no KMS permission)."""
    saved = run.get("kms_key") or {}
    if not saved.get("key_id"):
        return []
    return [Found(KMS_ALIAS, kms_keys.alias_name(run_name)), Found(KMS_KEY, saved["key_id"])]


def _find_account_key(run: dict) -> list[Found]:
    """The guide path's local account key pair (the two slots of the account must stay free)."""
    signing = run.get("signing_key") or {}
    if signing.get("approach") != "guide" or config.backend() != "local":
        return []
    registered = {item["KeyPairId"] for item in account_keys.list_account_key_pairs()}
    key_id = signing["key_pair_id"]
    return [Found(ACCOUNT_KEY, key_id)] if key_id in registered else []


def _find_origin_access(run_name: str, cf: Any) -> list[Found]:
    items = []
    oac = origin_access.find_oac(names.oac_name(run_name), cf=cf)
    if oac:
        items.append(Found("OAC", oac.id))
    try:
        oai = origin_access.find_oai(names.oai_comment(run_name), cf=cf)
    except ClientError:
        oai = None  # a backend without the OAI API has none to delete
    if oai:
        items.append(Found("OAI", oai.id))
    return items


def _bucket_exists(name: str, s3: Any) -> bool:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        return False
    return True


def _find_buckets(run_name: str, run: dict, s3: Any) -> list[Found]:
    """By saved name, by the default names, and by the run tag (custom name, state lost)."""
    candidates = [run.get("bucket"), names.bucket(run_name), names.acl_demo_bucket(run_name)]
    candidates.append(names.log_bucket(run_name))  # notebook 09's access-log bucket
    candidates += tags.buckets_of_run(run_name, s3)
    return [
        Found(BUCKET, name)
        for name in dict.fromkeys(filter(None, candidates))
        if _bucket_exists(name, s3)
    ]


def _find_key_files(run_name: str, run: dict) -> list[Found]:
    paths = [Path(raw) for pair in (run.get("key_files") or {}).values() for raw in pair]
    for path in sorted(signing_key.keys_dir().glob("*_key.pem")):  # every generation
        stem = path.name.removesuffix("_private_key.pem").removesuffix("_public_key.pem")
        if any(names.key_files_generation(run_name, kind, stem) for kind in signing_key.KEY_TYPES):
            paths.append(path)
    return [Found(KEY_FILE, str(path)) for path in dict.fromkeys(paths) if path.is_file()]


ACCOUNT_KEY = "account key pair (local)"
CERTIFICATE = "ACM certificate (local)"
KMS_ALIAS = "KMS alias"
KMS_KEY = "KMS key (deletion scheduled: KMS waits 7 days)"
BUCKET = "bucket (policy, objects, bucket)"
KEY_FILE = "local key file"


def plan(
    run_name: str, *, cf: Any = None, s3: Any = None, for_teardown: bool = True
) -> list[Found]:
    """What of the run exists now, in deletion order; changes nothing (``--dry-run``)."""
    state.check_run_name(run_name)
    run = state.load(run_name)
    cf = cf or clients.client("cloudfront", for_teardown=for_teardown)
    s3 = s3 or clients.client("s3", for_teardown=for_teardown)
    return [
        *_find_distribution(run_name, run, cf),
        *_find_certificates(run_name),
        *_find_keys(run_name, cf),
        *_find_kms_key(run_name, run),
        *_find_account_key(run),
        *_find_origin_access(run_name, cf),
        *_find_buckets(run_name, run, s3),
        *_find_key_files(run_name, run),
    ]


def _delete(item: Found, cf: Any, s3: Any, progress: bool) -> bool:
    if item.what == "distribution":
        return distributions.delete_distribution(item.id, progress=progress, cf=cf)
    if item.what == CERTIFICATE:
        return certificates.delete_certificate(item.id)
    if item.what == "key group":
        return signing_keys.delete_key_group(item.id, cf=cf)
    if item.what == "public key":
        return signing_keys.delete_public_key(item.id, cf=cf)
    if item.what == KMS_ALIAS:
        return kms_keys.delete_alias(item.id, kms=clients.client("kms", for_teardown=True))
    if item.what == KMS_KEY:
        kms = clients.client("kms", for_teardown=True)
        return kms_keys.schedule_deletion(item.id, kms=kms) is not None
    if item.what == ACCOUNT_KEY:
        return account_keys.delete_account_key_pair(item.id)
    if item.what == "OAC":
        return origin_access.delete_oac(item.id, cf=cf)
    if item.what == "OAI":
        return origin_access.delete_oai(item.id, cf=cf)
    if item.what == BUCKET:
        return delete_bucket(item.id, s3)
    existed = Path(item.id).is_file()
    Path(item.id).unlink(missing_ok=True)
    return existed


def cleanup(run_name: str, *, keep_keys: bool = False, progress: bool = True) -> list[CleanupStep]:
    """Delete the run's resources in dependency order; forget its saved state.

    Idempotent and resumable: each call finds what still exists, so after a failure half-way
    (a timeout while the distribution deploys, say) running it again finishes the job. The saved
    state is forgotten only once everything is gone.
    """
    cf = clients.client("cloudfront", for_teardown=True)
    s3 = clients.client("s3", for_teardown=True)
    steps = []
    for item in plan(run_name, cf=cf, s3=s3):
        if keep_keys and item.what == KEY_FILE:
            steps.append(CleanupStep(item.what, _shown(item), "kept"))
            continue
        outcome = _outcome(_delete(item, cf, s3, progress))
        steps.append(CleanupStep(item.what, _shown(item), outcome))
    state.forget(run_name)
    return steps


def forget_local_run(run_name: str) -> list[str]:
    """After the local AWS was wiped (``cftutorial local reset``): forget the run and delete its
    key files, whose public halves the wiped local AWS no longer has. Kept, a later notebook
    would take them up again (10 counts their generations) as if the run went on. The names of
    the files deleted."""
    files = [Path(item.id) for item in _find_key_files(run_name, state.load(run_name))]
    for path in files:
        path.unlink(missing_ok=True)
    state.forget(run_name)
    return [path.name for path in files]


def _shown(item: Found) -> str:
    """A key file by its name, a certificate by its id (the ARN's tail), the rest as found."""
    if item.what == KEY_FILE:
        return Path(item.id).name
    if item.what == CERTIFICATE:
        return item.id.rsplit("/", 1)[-1]
    return item.id


def as_rows(steps: list[CleanupStep]) -> list[dict[str, str]]:
    return [{"what": s.what, "id": s.id, "outcome": s.outcome} for s in steps]
