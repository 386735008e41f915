"""Notebook 13: audit a distribution before it leaks.

The notebook's cells show each boto3 call the fixes teach (``update_distribution`` with
``IfMatch``, ``put_bucket_policy``, ``create_public_key`` and ``update_key_group``) and run the
audit (:mod:`cftutorial.audit`). This module holds what boto3 does not: the practice
distribution, made once and *put back broken* each time the notebook starts (so Run All twice, a
restart or a re-run with the fixes already made all begin from the same three mistakes and
the same one-key group), the
viewer's requests through the edge as a table, and the private keys the key doctor examines,
broken on purpose and written 0600 into the run's folder, never shown.

The practice distribution is the run's own kind of thing but a separate one (its own bucket, key
group and keys; the run's OAC): nothing notebooks 01-12 made changes, and the run's resource
table (:mod:`cftutorial.run.resources`) lists it, so ``cftutorial teardown``, notebook 08's
clean-up and the aws-mode pre-flight know it. It carries no run tag, so nothing that finds the
run's distribution by its tag can take it for that one.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..aws import bucket_access, buckets, clients, origin_access, signing_keys
from ..aws.distributions import (
    distribution_config,
    find_distribution,
    s3_origin,
    trusted_key_groups,
    trusted_signers_self,
    update_config,
    wait_deployed,
)
from ..errors import StateError
from ..run import names
from ..run.modern import require_modern
from ..run.urls import viewer_url
from ..signing import keys
from ..signing.signer import Signer
from . import references, state, viewer

#: The practice bucket's pages: the default behaviour's, and one under each added behaviour.
PRIVATE = "reports/q3.html"
AVATAR = "avatars/team.html"
DOWNLOAD = "downloads/handbook.html"
PREVIEW = "previews/launch.html"  # the exercise's behaviour
PAGES = (PRIVATE, AVATAR, DOWNLOAD, PREVIEW)
AVATARS = "/avatars/*"
DOWNLOADS = "/downloads/*"
PREVIEWS = "/previews/*"
#: The key files the key doctor examines (``NAME_private_key.pem`` in :func:`names.audit_dir`).
BROKEN_KEYS = {
    "escaped newlines": "escaped",
    "PKCS#1 (BEGIN RSA PRIVATE KEY)": "pkcs1",
    "in no key group": "stray",
    "the practice key (PKCS#8)": "audit-1",
}


def _off() -> dict[str, Any]:
    return {"Enabled": False, "Quantity": 0}


@dataclass(frozen=True)
class Practice:
    """The deliberately broken distribution and what the notebook needs of it."""

    run_name: str
    bucket: str
    distribution_id: str
    arn: str
    domain: str
    key_group_id: str
    key_id: str  # the practice key group's first (and, broken, only) public key
    private_key_path: Path

    def url(self, key: str) -> str:
        return viewer_url(self.domain, key)

    def signer(self) -> Signer:
        return Signer(self.key_id, keys.load_private_key(self.private_key_path))

    def signed(self, key: str, seconds: int = 600) -> str:
        import time

        return self.signer().sign_url(self.url(key), date_less_than=int(time.time()) + seconds)


def check_run(run: state.Run, approach: str = "modern") -> str:
    """The modern path, and the run's OAC (notebook 02), which the practice distribution uses."""
    require_modern(run.values(), "13", approach)
    run_name = run.name
    oac = origin_access.find_oac(names.oac_name(run_name))
    if oac is None:
        raise StateError(
            f"run {run_name!r} has no origin access control {names.oac_name(run_name)!r} in "
            "the local AWS: run notebook 02 with this run_name first"
        )
    return f"run {run_name!r}: modern path; the practice distribution reads through OAC {oac.id}"


# --- keys ------------------------------------------------------------------------------------


def key_file(run_name: str, name: str) -> Path:
    return names.audit_dir(run_name) / f"{name}_private_key.pem"


def _ensure_key_file(run_name: str, name: str) -> Path:
    path = key_file(run_name, name)
    if not path.is_file():
        keys.write_key_pair(names.audit_dir(run_name), name=name, overwrite=True)
    return path


def key_config(run: state.Run, number: int) -> dict[str, str]:
    """``create_public_key``'s ``PublicKeyConfig`` for practice key ``number`` (1 or 2); its
    private key file is made (0600) on first use, its CallerReference set on ``run``."""
    run_name = run.name
    path = _ensure_key_file(run_name, f"audit-{number}")
    return signing_keys.public_key_config(
        caller_reference=references.caller_reference(run, f"audit-public-key-{number}"),
        name=names.audit_public_key(run_name, number),
        pem=keys.public_key_pem(keys.load_private_key(path)),
        comment=f"{names.PREFIX} {run_name}: notebook 13's practice key {number}",
    )


def _one_key_group(run_name: str, key_id: str, cf: Any) -> str:
    """The practice key group, holding exactly one key (which the audit advises on: AWS's
    rotation adds the new key to this group first; not a finding)."""
    name = names.audit_key_group(run_name)
    found = signing_keys.find_key_group(name, cf=cf)
    if found is None:
        answer = cf.create_key_group(KeyGroupConfig={"Name": name, "Items": [key_id]})
        return answer["KeyGroup"]["Id"]
    if found["Items"] != [key_id]:
        current = cf.get_key_group(Id=found["Id"])
        wanted = {**current["KeyGroup"]["KeyGroupConfig"], "Items": [key_id]}
        cf.update_key_group(Id=found["Id"], KeyGroupConfig=wanted, IfMatch=current["ETag"])
    return found["Id"]


# --- the broken distribution -----------------------------------------------------------------


def behaviour(config: dict[str, Any], pattern: str) -> dict[str, Any]:
    """The cache behaviour with this ``PathPattern`` in a ``DistributionConfig`` (to change)."""
    for item in (config.get("CacheBehaviors") or {}).get("Items") or []:
        if item["PathPattern"] == pattern:
            return item
    raise KeyError(f"the distribution has no cache behaviour {pattern!r}")


def added_behaviour(default: dict[str, Any], pattern: str, *, signers: str) -> dict[str, Any]:
    """A copy of the default behaviour for ``pattern``; ``signers``: "none" (anyone may fetch),
    "legacy" (``TrustedSigners: self``) or a key group id."""
    added = copy.deepcopy(default)
    added["PathPattern"] = pattern
    added["TrustedSigners"] = trusted_signers_self() if signers == "legacy" else _off()
    added["TrustedKeyGroups"] = (
        trusted_key_groups(signers) if signers not in ("none", "legacy") else _off()
    )
    return added


def _signers(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What the practice cares about in behaviours: pattern, legacy signers, key groups."""
    return [
        (
            item.get("PathPattern"),
            tuple((item.get("TrustedSigners") or {}).get("Items") or ()),
            tuple((item.get("TrustedKeyGroups") or {}).get("Items") or ()),
        )
        for item in items
    ]


def _items(config: dict[str, Any]) -> list[dict[str, Any]]:
    return list((config.get("CacheBehaviors") or {}).get("Items") or [])


def _broken(config: dict[str, Any], key_group_id: str) -> bool:
    """Make ``config`` the practice's broken one; False when it was already."""
    default = config["DefaultCacheBehavior"]
    before = _signers([default, *_items(config)])
    default["TrustedSigners"] = _off()
    default["TrustedKeyGroups"] = trusted_key_groups(key_group_id)
    items = [
        added_behaviour(default, AVATARS, signers="none"),  # added later, no key group
        added_behaviour(default, DOWNLOADS, signers="legacy"),  # the 2011 way
    ]
    config["CacheBehaviors"] = {"Quantity": len(items), "Items": items}
    return _signers([default, *items]) != before


def open_practice(run: state.Run, *, cf: Any = None, s3: Any = None) -> tuple[Practice, list[str]]:
    """Find or make the practice distribution, then put back its three mistakes and its
    one-key group.

    Returns it and what was done, one line each (``created …`` / ``found …`` / ``put back …``).
    The CallerReferences it uses are set on ``run`` (the cell saves them).
    """
    run_name = run.name
    cf = cf or clients.client("cloudfront")
    s3 = s3 or clients.client("s3")
    said: list[str] = []
    bucket = names.audit_bucket(run_name)
    region = clients.region()
    if buckets.find_bucket(bucket, s3=s3) is None:
        s3.create_bucket(**buckets.create_bucket_kwargs(bucket, region=region))
        said.append(f"created bucket {bucket}")
    else:
        said.append(f"found bucket {bucket}")
    block = dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block)
    for page in PAGES:
        body = f"<!doctype html><title>{page}</title><h1>{page}</h1><p>private</p>\n"
        s3.put_object(Bucket=bucket, Key=page, Body=body.encode(), ContentType="text/html")
    key_id = signing_keys.ensure_public_key(key_config(run, 1), cf=cf)
    group_id = _one_key_group(run_name, key_id, cf)
    oac = origin_access.find_oac(names.oac_name(run_name), cf=cf)
    if oac is None:
        raise StateError(f"no OAC {names.oac_name(run_name)!r}: run notebook 02 first")
    comment = names.audit_distribution_comment(run_name)
    found = find_distribution(comment, cf=cf)
    if found is None:
        config = distribution_config(
            caller_reference=references.caller_reference(run, "audit-distribution"),
            comment=comment,
            origin=s3_origin(
                buckets.regional_domain(bucket, region), origin_access_control_id=oac.id
            ),
            key_group_id=group_id,
        )
        _broken(config, group_id)
        dist = cf.create_distribution(DistributionConfig=config)["Distribution"]
        said.append(f"created distribution {dist['Id']}")
    else:
        changed = update_config(found.id, lambda config: _broken(config, group_id), cf=cf)
        dist = cf.get_distribution(Id=found.id)["Distribution"]
        said.append(
            f"found distribution {found.id}"
            + (", put its behaviours back broken" if changed else "")
        )
    wait_deployed(dist["Id"], progress=False, cf=cf)
    broad = bucket_access.oac_policy(bucket, dist["ARN"])
    del broad["Statement"][0]["Condition"]  # the mistake: any distribution may read
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(broad))
    said.append("bucket policy: CloudFront may read, without AWS:SourceArn")
    practice = Practice(
        run_name=run_name,
        bucket=bucket,
        distribution_id=dist["Id"],
        arn=dist["ARN"],
        domain=dist["DomainName"],
        key_group_id=group_id,
        key_id=key_id,
        private_key_path=key_file(run_name, "audit-1"),
    )
    return practice, said


def shape(practice: Practice, *, cf: Any = None) -> list[dict[str, Any]]:
    """Each behaviour of the practice distribution: its pattern and who may sign for it."""
    cf = cf or clients.client("cloudfront")
    config = cf.get_distribution_config(Id=practice.distribution_id)["DistributionConfig"]
    added = (config.get("CacheBehaviors") or {}).get("Items") or []
    items = [*added, config["DefaultCacheBehavior"]]
    return [
        {
            "path pattern": item.get("PathPattern", "Default (*)"),
            "TrustedKeyGroups": ", ".join((item.get("TrustedKeyGroups") or {}).get("Items") or [])
            or "-",
            "TrustedSigners": ", ".join((item.get("TrustedSigners") or {}).get("Items") or [])
            or "-",
            "ViewerProtocolPolicy": item["ViewerProtocolPolicy"],
        }
        for item in items
    ]


# --- what a viewer gets ----------------------------------------------------------------------


def answer(url: str) -> str:
    """The edge's answer to a GET of ``url`` as ``200`` or ``403 MissingKey``."""
    described = viewer.describe_response(viewer.fetch(url))
    return f"{described['status']} {described['code'] or ''}".strip()


def answers(
    practice: Practice, pages: tuple[str, ...] = PAGES[:3], *, seconds: int = 600
) -> list[dict[str, str]]:
    """Each page fetched through the edge unsigned and signed (with the practice key)."""
    return [
        {
            "page": page,
            "unsigned GET": answer(practice.url(page)),
            "signed GET": answer(practice.signed(page, seconds)),
        }
        for page in pages
    ]


def add_preview_behaviour(practice: Practice, *, cf: Any = None) -> bool:
    """The exercise's mistake: ``/previews/*`` added (or put back) trusting no one, first in
    the list; waits until deployed. False when it was there as broken already."""
    cf = cf or clients.client("cloudfront")

    def add(config: dict[str, Any]) -> bool:
        before = _signers(_items(config))
        others = [item for item in _items(config) if item["PathPattern"] != PREVIEWS]
        items = [added_behaviour(config["DefaultCacheBehavior"], PREVIEWS, signers="none")]
        config["CacheBehaviors"] = {"Quantity": len(others) + 1, "Items": items + others}
        return _signers(items + others) != before

    changed = update_config(practice.distribution_id, add, cf=cf) is not None
    wait_deployed(practice.distribution_id, progress=False, cf=cf)
    return changed


# --- the key doctor's patients ---------------------------------------------------------------


def write_broken_keys(practice: Practice) -> dict[str, Path]:
    """The keys the key doctor examines, written 0600 into the run's folder (never shown):
    the practice key as an environment variable holds it (``\\n`` escaped), the same key in
    PKCS#1, a new key whose public half is in no key group, and the practice key itself."""
    run_name = practice.run_name
    key = keys.load_private_key(practice.private_key_path)
    pkcs8 = keys.private_key_pem(key).decode("ascii")
    contents = {
        "escaped": pkcs8.strip().replace("\n", "\\n").encode("ascii"),
        "pkcs1": keys.private_key_pem(key, format="pkcs1"),
    }
    for name, data in contents.items():
        path = key_file(run_name, name)
        path.unlink(missing_ok=True)
        keys.write_private_key_file(path, data)
    _ensure_key_file(run_name, "stray")
    return {label: key_file(run_name, name) for label, name in BROKEN_KEYS.items()}


def doctor_rows(reports: dict[str, Any]) -> list[dict[str, str]]:
    """One row per finding of each key file's report (with the form and kind the doctor read);
    a clean file gets one row that says so, and which key groups trust it."""
    rows: list[dict[str, str]] = []
    for label, report in reports.items():
        found = report.rows()
        if not found:
            trusted = ", ".join(report.trusted_by) or "none"
            found = [
                {
                    "severity": "-",
                    "rule": "clean",
                    "what it means": f"behaviours trusting it: {trusted}",
                }
            ]
        read = {"form": report.form or "-", "kind": report.kind or "-"}
        rows += [{"key file": label, **read, **row} for row in found]
    return rows
