"""Remove everything a tutorial run created, in the order AWS insists on.

A distribution cannot be deleted while enabled (``DistributionNotDisabled``), and a key group,
public key, OAI or OAC cannot be deleted while a distribution uses it (``…InUse``). So: disable
the distribution (IfMatch its ETag) → wait until Deployed → delete it (IfMatch the new ETag) →
key group → public keys → OAC / OAI → bucket policy → objects → buckets → local key files →
saved state. Each step reports ``deleted`` or ``absent``, so running cleanup twice is harmless.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from . import clients, config, distribution, keygroups, origin_access, state


@dataclass(frozen=True)
class CleanupStep:
    what: str
    id: str
    outcome: str  # "deleted" | "absent" | "kept"


def _delete_bucket(name: str, s3: Any) -> bool:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
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


def _distribution_steps(run: dict, cf: Any, progress: bool) -> list[CleanupStep]:
    found = distribution.find_distribution(run["_name"], cf=cf)
    dist_id = found.id if found else (run.get("distribution") or {}).get("id")
    if not dist_id:
        return [CleanupStep("distribution", "-", "absent")]
    done = distribution.delete_distribution(dist_id, progress=progress, cf=cf)
    return [CleanupStep("distribution", dist_id, _outcome(done))]


def _key_steps(run_name: str, run: dict, cf: Any) -> list[CleanupStep]:
    steps = []
    group = keygroups.find_key_group(keygroups.key_group_name(run_name), cf=cf)
    if group:
        steps.append(
            CleanupStep(
                "key group", group["Id"], _outcome(keygroups.delete_key_group(group["Id"], cf=cf))
            )
        )
    for kind in keygroups.KEY_TYPES:
        key_id = keygroups.find_public_key(keygroups.public_key_name(run_name, kind), cf=cf)
        if key_id:
            done = keygroups.delete_public_key(key_id, cf=cf)
            steps.append(CleanupStep("public key", key_id, _outcome(done)))
    return steps


def _origin_access_steps(run_name: str, cf: Any) -> list[CleanupStep]:
    steps = []
    oac = origin_access.find_oac(run_name, cf=cf)
    if oac:
        steps.append(CleanupStep("OAC", oac.id, _outcome(origin_access.delete_oac(oac.id, cf=cf))))
    try:
        oai = origin_access.find_oai(run_name, cf=cf)
    except ClientError:
        oai = None  # a local AWS without the OAI API has none to delete
    if oai:
        steps.append(CleanupStep("OAI", oai.id, _outcome(origin_access.delete_oai(oai.id, cf=cf))))
    return steps


def _account_key_steps(run: dict) -> list[CleanupStep]:
    """The guide path's local account key pair: delete it so the account's two slots stay free."""
    signing = run.get("signing_key") or {}
    if signing.get("approach") != "guide" or config.backend() != "local":
        return []
    from .account_keys import delete_account_key_pair

    key_id = signing["key_pair_id"]
    return [
        CleanupStep("account key pair (local)", key_id, _outcome(delete_account_key_pair(key_id)))
    ]


def _local_key_steps(run: dict, keep_keys: bool) -> list[CleanupStep]:
    steps = []
    for paths in (run.get("key_files") or {}).values():
        for raw in paths:
            path = Path(raw)
            if keep_keys:
                steps.append(CleanupStep("local key file", path.name, "kept"))
                continue
            existed = path.is_file()
            path.unlink(missing_ok=True)
            steps.append(CleanupStep("local key file", path.name, _outcome(existed)))
    return steps


def cleanup(run_name: str, *, keep_keys: bool = False, progress: bool = True) -> list[CleanupStep]:
    """Delete the run's resources in dependency order; forget its saved state."""
    state.check_run_name(run_name)
    run = {**state.load(run_name), "_name": run_name}
    cf, s3 = clients.client("cloudfront"), clients.client("s3")
    steps = _distribution_steps(run, cf, progress)
    steps += _key_steps(run_name, run, cf)
    steps += _account_key_steps(run)
    steps += _origin_access_steps(run_name, cf)
    buckets = [run.get("bucket") or f"cftutorial-{run_name}", f"cftutorial-{run_name}-acl-demo"]
    for name in dict.fromkeys(buckets):
        steps.append(
            CleanupStep(
                "bucket (policy, objects, bucket)", name, _outcome(_delete_bucket(name, s3))
            )
        )
    steps += _local_key_steps(run, keep_keys)
    state.forget(run_name)
    return steps


def as_rows(steps: list[CleanupStep]) -> list[dict[str, str]]:
    return [{"what": s.what, "id": s.id, "outcome": s.outcome} for s in steps]
