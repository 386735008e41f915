"""Every kind of resource a tutorial run makes, in one table, in the order AWS lets us delete them.

Each row says: what it is (``kind``, the word every report uses), which notebook makes it, the
name it gets (``names``), where the saved run keeps its id, how to find what exists now (by name,
by saved id, by tag), how to tell it is still there, how to delete it, and what it costs a month
on AWS with the pricing page. Four things walk this one table:

- the self-checks and ``cftutorial doctor`` (:func:`saved_ids` + :attr:`Resource.exists`,
  through :mod:`cftutorial.tutorial.consistency`),
- ``cftutorial teardown`` and notebook 08's clean-up (:func:`find` + :attr:`Resource.delete`,
  through :mod:`cftutorial.tutorial.cleanup`),
- the aws-mode pre-flight (:func:`planned`, through :mod:`cftutorial.tutorial.preflight`),

so a resource added here is checked, listed, priced and deleted everywhere.

Deletion order is AWS's: a distribution must be disabled and deleted before the key group,
public keys, OAC/OAI it uses (``…InUse``), and an ACM certificate cannot go while a distribution
uses it (``ResourceInUseException``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources as package_files
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
from ..aws.missing import is_missing
from ..signing import keys
from . import names

CLOUDFRONT_PRICING = "https://aws.amazon.com/cloudfront/pricing/"
S3_PRICING = "https://aws.amazon.com/s3/pricing/"
KMS_PRICING = kms_keys.PRICING_SOURCE
ACM_PRICING = "https://aws.amazon.com/certificate-manager/pricing/"

#: List prices (USD, US and Europe, 2025) the estimates use; see the pricing pages above.
S3_STORAGE_PER_GB_MONTH = 0.023
CLOUDFRONT_PER_10000_HTTPS_REQUESTS = 0.0100


@dataclass
class Context:
    """One run as the walkers see it: its name, its saved record, and clients made once."""

    run_name: str
    run: Mapping[str, Any]
    for_teardown: bool = True
    progress: bool = False
    made: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self.made:
            self.made[service] = clients.client(service, for_teardown=self.for_teardown)
        return self.made[service]

    @property
    def cf(self) -> Any:
        return self.client("cloudfront")

    @property
    def s3(self) -> Any:
        return self.client("s3")


@dataclass(frozen=True)
class Planned:
    """One resource a run creates, as the pre-flight lists it: notebook, name, monthly cost.

    ``monthly_usd`` None: AWS charges a monthly fee that this tutorial's sources do not state,
    so the pricing page is linked instead of a guessed figure."""

    notebook: str
    what: str
    name: str
    monthly_usd: float | None
    note: str = ""
    pricing: str = ""

    def describe(self) -> str:
        if self.monthly_usd is None:
            cost = f"a monthly fee: see {self.pricing}"
        elif self.monthly_usd >= 0.005:
            cost = f"USD {self.monthly_usd:.2f}/month"
        else:
            cost = "USD 0.00"
        return f"[{self.notebook}] {self.what} {self.name} — {cost}" + (
            f" ({self.note})" if self.note else ""
        )


def _never(_ctx: Context) -> list[str]:
    return []


def _exists(call: Callable[[], Any]) -> bool:
    """False when AWS says the resource is gone; any other error is raised."""
    try:
        call()
    except ClientError as exc:
        if is_missing(exc):
            return False
        raise
    return True


@dataclass(frozen=True)
class Resource:
    """One kind of resource of a run: the row of :data:`RESOURCES`."""

    kind: str  # what every report calls it ("distribution", "OAC", ...)
    notebook: str  # the notebook that makes it (and that, run again, makes it again)
    saved_key: str  # where the saved run keeps its id ("" when found by name only)
    find: Callable[[Context], list[str]]  # what exists now (ids), for teardown / 08
    delete: Callable[[Context, str], bool]  # False: it was already gone
    planned: Callable[[str, str, str], list[Planned]]  # (run, bucket, approach) -> pre-flight
    saved: Callable[[Mapping[str, Any]], list[str]] = lambda run: []  # saved ids to check
    exists: Callable[[Context, str], bool] | None = None  # the self-check of one saved id
    shown: Callable[[str], str] = str  # how a report shows an id
    noun: str = ""  # a self-check finding's word, when shorter than ``kind``

    @property
    def finding(self) -> str:
        return self.noun or self.kind


def sample_bytes() -> int:
    """What notebook 01 uploads: the sample media shipped with the package."""
    root = Path(str(package_files.files("cftutorial") / "data"))
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def _storage_usd(size: int) -> float:
    return size / 1024**3 * S3_STORAGE_PER_GB_MONTH


# --- distribution (04) ------------------------------------------------------------------------


def _find_distribution(ctx: Context) -> list[str]:
    found = distributions.find_distribution(
        names.distribution_comment(ctx.run_name), run_name=ctx.run_name, cf=ctx.cf
    )
    saved = (ctx.run.get("distribution") or {}).get("id")
    if not found and saved:
        with contextlib.suppress(ClientError):
            found = distributions.get_distribution(saved, cf=ctx.cf)
    return [found.id] if found else []


def _plan_distribution(run_name: str, _bucket: str, _approach: str) -> list[Planned]:
    return [
        Planned(
            "04",
            "CloudFront distribution",
            repr(names.distribution_comment(run_name)),
            0.0,
            f"tagged; idle costs nothing; USD {CLOUDFRONT_PER_10000_HTTPS_REQUESTS:.4f} per "
            "10,000 HTTPS requests you fetch beyond the free tier",
            CLOUDFRONT_PRICING,
        )
    ]


DISTRIBUTION = Resource(
    kind="distribution",
    notebook="04",
    saved_key="distribution.id",
    find=_find_distribution,
    delete=lambda ctx, ident: distributions.delete_distribution(
        ident, progress=ctx.progress, cf=ctx.cf
    ),
    planned=_plan_distribution,
    saved=lambda run: [ident] if (ident := (run.get("distribution") or {}).get("id")) else [],
    exists=lambda ctx, ident: _exists(lambda: ctx.cf.get_distribution(Id=ident)),
)

# --- notebook 13's practice distribution (deliberately broken, then fixed) --------------------


def _find_audit_distribution(ctx: Context) -> list[str]:
    """By its comment only: it carries no run tag, so nothing mistakes it for the run's own."""
    found = distributions.find_distribution(
        names.audit_distribution_comment(ctx.run_name), cf=ctx.cf
    )
    return [found.id] if found else []


AUDIT_DISTRIBUTION = Resource(
    kind="distribution (13's audit practice)",
    notebook="13",
    saved_key="",
    find=_find_audit_distribution,
    delete=lambda ctx, ident: distributions.delete_distribution(
        ident, progress=ctx.progress, cf=ctx.cf
    ),
    planned=lambda run_name, _b, approach: (
        [
            Planned(
                "13",
                "CloudFront distribution",
                repr(names.audit_distribution_comment(run_name)),
                0.0,
                "broken on purpose, then fixed; idle costs nothing",
                CLOUDFRONT_PRICING,
            )
        ]
        if approach == "modern"
        else []
    ),
)

# --- ACM certificate (11, local AWS only) -----------------------------------------------------


def _find_certificates(ctx: Context) -> list[str]:
    """Notebook 11's certificate, there when the notebook stopped before it put the run back.
    11 runs against the local AWS only, so aws mode makes no ACM call here."""
    if config.backend() != "local":
        return []
    return certificates.run_certificates(ctx.run_name)


CERTIFICATE = Resource(
    kind="ACM certificate (local)",
    notebook="11",
    saved_key="",
    find=_find_certificates,
    delete=lambda _ctx, arn: certificates.delete_certificate(arn),
    planned=lambda run_name, _b, approach: (
        [
            Planned(
                "11",
                "ACM certificate",
                "'*.cftutorial.localhost'",
                0.0,
                "local AWS only: notebook 11 needs a domain you own on AWS, so it makes none there",
                ACM_PRICING,
            )
        ]
        if approach == "modern"
        else []
    ),
    shown=lambda arn: arn.rsplit("/", 1)[-1],
)

# --- key group and public keys (04; 09's retired key, 10's next generation, 12's KMS key) ----

KEY_GROUP = Resource(
    kind="key group",
    notebook="04",
    saved_key="signing_key.key_group_id",
    find=lambda ctx: (
        [group["Id"]]
        if (group := signing_keys.find_key_group(names.key_group(ctx.run_name), cf=ctx.cf))
        else []
    ),
    delete=lambda ctx, ident: signing_keys.delete_key_group(ident, cf=ctx.cf),
    planned=lambda run_name, _b, approach: (
        [Planned("04", "key group", repr(names.key_group(run_name)), 0.0, "no charge")]
        if approach == "modern"
        else []
    ),
    saved=lambda run: (
        [ident] if (ident := (run.get("signing_key") or {}).get("key_group_id")) else []
    ),
    exists=lambda ctx, ident: _exists(lambda: ctx.cf.get_key_group(Id=ident)),
)


AUDIT_KEY_GROUP = Resource(
    kind="key group (13's audit practice)",
    notebook="13",
    saved_key="",
    find=lambda ctx: (
        [group["Id"]]
        if (group := signing_keys.find_key_group(names.audit_key_group(ctx.run_name), cf=ctx.cf))
        else []
    ),
    delete=lambda ctx, ident: signing_keys.delete_key_group(ident, cf=ctx.cf),
    planned=lambda run_name, _b, approach: (
        [Planned("13", "key group", repr(names.audit_key_group(run_name)), 0.0, "no charge")]
        if approach == "modern"
        else []
    ),
)


def _find_public_keys(ctx: Context) -> list[str]:
    run_name = ctx.run_name
    also = {names.retired_public_key(run_name), names.kms_public_key(run_name)}  # 09's, 12's
    also |= {names.audit_public_key(run_name, number) for number in (1, 2)}  # 13's
    return [
        key["Id"]
        for key in signing_keys.list_public_keys(cf=ctx.cf)  # every generation (10 rotates)
        if key["Name"] in also
        or any(names.public_key_generation(run_name, kind, key["Name"]) for kind in keys.KINDS)
    ]


def _plan_public_keys(run_name: str, _bucket: str, approach: str) -> list[Planned]:
    if approach != "modern":
        return []
    return [
        Planned("04", "public key", repr(names.public_key(run_name, "rsa")), 0.0, "no charge"),
        Planned(
            "09",
            "public key",
            repr(names.retired_public_key(run_name)),
            0.0,
            "no charge; case 7's key outside the group, deleted when the clinic puts the run back",
        ),
        Planned(
            "10",
            "public key",
            repr(names.public_key(run_name, "rsa", 2)),
            0.0,
            "no charge; the rotation's new key (the old one is deleted)",
        ),
        Planned(
            "12", "public key", repr(names.kms_public_key(run_name)), 0.0, "no charge; KMS's half"
        ),
        *(
            Planned("13", "public key", repr(names.audit_public_key(run_name, n)), 0.0, "no charge")
            for n in (1, 2)
        ),
    ]


def _saved_public_key(run: Mapping[str, Any]) -> list[str]:
    signing = run.get("signing_key") or {}
    return [signing.get("key_pair_id", "")] if signing.get("key_group_id") else []


PUBLIC_KEY = Resource(
    kind="public key",
    notebook="04",
    saved_key="signing_key.key_pair_id",
    find=_find_public_keys,
    delete=lambda ctx, ident: signing_keys.delete_public_key(ident, cf=ctx.cf),
    planned=_plan_public_keys,
    saved=_saved_public_key,
    exists=lambda ctx, ident: _exists(lambda: ctx.cf.get_public_key(Id=ident)),
)

# --- KMS (12) ---------------------------------------------------------------------------------


def _kms_key_id(run: Mapping[str, Any]) -> str:
    """Notebook 12's KMS key id, only when saved: a run that never used KMS makes no KMS call
    (so it needs no KMS permission)."""
    return str((run.get("kms_key") or {}).get("key_id") or "")


KMS_ALIAS = Resource(
    kind="KMS alias",
    notebook="12",
    saved_key="",
    find=lambda ctx: [kms_keys.alias_name(ctx.run_name)] if _kms_key_id(ctx.run) else [],
    delete=lambda ctx, alias: kms_keys.delete_alias(alias, kms=ctx.client("kms")),
    planned=lambda run_name, _b, approach: (
        [Planned("12", "KMS alias", kms_keys.alias_name(run_name), 0.0, "no charge")]
        if approach == "modern"
        else []
    ),
)

KMS_KEY = Resource(
    kind="KMS key (deletion scheduled: KMS waits 7 days)",
    notebook="12",
    saved_key="kms_key.key_id",
    find=lambda ctx: [ident] if (ident := _kms_key_id(ctx.run)) else [],
    delete=lambda ctx, ident: kms_keys.schedule_deletion(ident, kms=ctx.client("kms")) is not None,
    planned=lambda run_name, _b, approach: (
        [
            Planned(
                "12",
                "KMS key",
                f"(alias {kms_keys.alias_name(run_name)})",
                None,
                "a customer managed key has a monthly fee while it exists; teardown schedules "
                "its deletion (KMS waits at least 7 days)",
                KMS_PRICING,
            )
        ]
        if approach == "modern"
        else []
    ),
    saved=lambda run: [ident] if (ident := _kms_key_id(run)) else [],
    exists=lambda ctx, ident: _exists(lambda: ctx.client("kms").describe_key(KeyId=ident)),
)

# --- the guide's account key pair (06, local AWS only) ----------------------------------------


def _local_account_key(run: Mapping[str, Any]) -> str:
    signing = run.get("signing_key") or {}
    key = str(signing.get("key_pair_id") or "")
    guide = signing.get("approach") == "guide" or key.startswith("APKA")
    return key if guide and key and config.backend() == "local" else ""


def _account_key_registered(ident: str) -> bool:
    return ident in {item["KeyPairId"] for item in account_keys.list_account_key_pairs()}


ACCOUNT_KEY = Resource(
    kind="account key pair (local)",
    notebook="06",
    saved_key="signing_key.key_pair_id",
    find=lambda ctx: (
        [ident] if (ident := _local_account_key(ctx.run)) and _account_key_registered(ident) else []
    ),
    delete=lambda _ctx, ident: account_keys.delete_account_key_pair(ident),
    planned=lambda _run, _b, approach: (
        [
            Planned(
                "06",
                "root-account key pair",
                "(none: console only)",
                0.0,
                "cannot be made through an API; the guide path stops there on AWS",
            )
        ]
        if approach == "guide"
        else []
    ),
    saved=lambda run: [ident] if (ident := _local_account_key(run)) else [],
    exists=lambda _ctx, ident: _account_key_registered(ident),
    noun="account key pair",
)

# --- origin access (02: both kinds, to compare) -----------------------------------------------


def _saved_access(kind: str) -> Callable[[Mapping[str, Any]], list[str]]:
    def saved(run: Mapping[str, Any]) -> list[str]:
        access = run.get("origin_access") or {}
        return [access["id"]] if access.get("kind") == kind and access.get("id") else []

    return saved


def _find_oai(ctx: Context) -> list[str]:
    try:
        oai = origin_access.find_oai(names.oai_comment(ctx.run_name), cf=ctx.cf)
    except ClientError:
        oai = None  # a backend without the OAI API has none to delete
    return [oai.id] if oai else []


OAC = Resource(
    kind="OAC",
    notebook="02",
    saved_key="origin_access.id",
    find=lambda ctx: (
        [oac.id] if (oac := origin_access.find_oac(names.oac_name(ctx.run_name), cf=ctx.cf)) else []
    ),
    delete=lambda ctx, ident: origin_access.delete_oac(ident, cf=ctx.cf),
    planned=lambda run_name, _b, _a: [
        Planned("02", "origin access control", repr(names.oac_name(run_name)), 0.0, "no charge")
    ],
    saved=_saved_access("oac"),
    exists=lambda ctx, ident: _exists(lambda: ctx.cf.get_origin_access_control(Id=ident)),
)

OAI = Resource(
    kind="OAI",
    notebook="02",
    saved_key="origin_access.id",
    find=_find_oai,
    delete=lambda ctx, ident: origin_access.delete_oai(ident, cf=ctx.cf),
    planned=lambda run_name, _b, _a: [
        Planned(
            "02",
            "origin access identity",
            repr(names.oai_comment(run_name)),
            0.0,
            "no charge; notebook 02 makes both to compare",
        )
    ],
    saved=_saved_access("oai"),
    exists=lambda ctx, ident: _exists(
        lambda: ctx.cf.get_cloud_front_origin_access_identity(Id=ident)
    ),
)

# --- buckets (01; 03's ACL demo; 09's access logs) --------------------------------------------


def bucket_exists(name: str, s3: Any) -> bool:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        return False
    return True


def delete_bucket(name: str, s3: Any) -> bool:
    """Empty the bucket (every version) and delete it; False when it did not exist."""
    if not bucket_exists(name, s3):
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


def _find_buckets(ctx: Context) -> list[str]:
    """By saved name, by the default names, and by the run tag (custom name, state lost)."""
    run_name = ctx.run_name
    candidates = [ctx.run.get("bucket"), names.bucket(run_name), names.acl_demo_bucket(run_name)]
    candidates.append(names.log_bucket(run_name))  # notebook 09's access-log bucket
    candidates.append(names.audit_bucket(run_name))  # notebook 13's practice bucket
    candidates += tags.buckets_of_run(run_name, ctx.s3)
    return [name for name in dict.fromkeys(filter(None, candidates)) if bucket_exists(name, ctx.s3)]


def _plan_buckets(run_name: str, bucket_name: str, approach: str) -> list[Planned]:
    size = sample_bytes()
    planned = [
        Planned(
            "01",
            "S3 bucket",
            bucket_name or names.bucket(run_name),
            _storage_usd(size),
            f"tagged {tags.RUN_TAG}={run_name}; {size / 1e6:.2f} MB of sample media, ACLs "
            + ("enabled (BucketOwnerPreferred)" if approach == "guide" else "disabled"),
            S3_PRICING,
        ),
        Planned(
            "03",
            "S3 bucket",
            names.acl_demo_bucket(run_name),
            _storage_usd(len(b"hello\n")),
            "one 6-byte object; shows the guide's ACL call refused",
            S3_PRICING,
        ),
    ]
    if approach == "modern":
        planned.append(
            Planned(
                "09",
                "S3 bucket",
                names.log_bucket(run_name),
                0.0,
                "the access logs of a few requests (a few KB); deleted when the clinic puts "
                "the run back",
                S3_PRICING,
            )
        )
        planned.append(
            Planned(
                "13",
                "S3 bucket",
                names.audit_bucket(run_name),
                _storage_usd(400),
                "four pages of under 100 bytes behind notebook 13's practice distribution",
                S3_PRICING,
            )
        )
    return planned


BUCKET = Resource(
    kind="bucket (policy, objects, bucket)",
    notebook="01",
    saved_key="bucket",
    find=_find_buckets,
    delete=lambda ctx, name: delete_bucket(name, ctx.s3),
    planned=_plan_buckets,
    saved=lambda run: [run["bucket"]] if run.get("bucket") else [],
    exists=lambda ctx, name: _exists(lambda: ctx.s3.head_bucket(Bucket=name)),
    noun="bucket",
)

# --- local key files (04 / 06; 10's generations) ----------------------------------------------


def _find_key_files(ctx: Context) -> list[str]:
    paths = [Path(raw) for pair in (ctx.run.get("key_files") or {}).values() for raw in pair]
    for path in sorted(names.keys_dir().glob("*_key.pem")):  # every generation
        stem = path.name.removesuffix("_private_key.pem").removesuffix("_public_key.pem")
        if any(names.key_files_generation(ctx.run_name, kind, stem) for kind in keys.KINDS):
            paths.append(path)
    audit = names.audit_dir(ctx.run_name, create=False)  # 13's keys, broken ones too
    paths += sorted(audit.glob("*.pem")) if audit.is_dir() else []
    return [str(path) for path in dict.fromkeys(paths) if path.is_file()]


def _delete_file(_ctx: Context, raw: str) -> bool:
    path = Path(raw)
    existed = path.is_file()
    path.unlink(missing_ok=True)
    if path.parent != names.keys_dir():  # 13's folder goes with its last file
        with contextlib.suppress(OSError):
            path.parent.rmdir()
    return existed


KEY_FILE = Resource(
    kind="local key file",
    notebook="04",
    saved_key="key_files",
    find=_find_key_files,
    delete=_delete_file,
    planned=lambda _run, _b, _a: [],  # on this machine, not in AWS
    shown=lambda raw: Path(raw).name,
)

#: Every kind of resource a run makes, in deletion order (see the module's docstring).
RESOURCES: tuple[Resource, ...] = (
    DISTRIBUTION,
    AUDIT_DISTRIBUTION,
    CERTIFICATE,
    KEY_GROUP,
    AUDIT_KEY_GROUP,
    PUBLIC_KEY,
    KMS_ALIAS,
    KMS_KEY,
    ACCOUNT_KEY,
    OAC,
    OAI,
    BUCKET,
    KEY_FILE,
)


def table() -> tuple[Resource, ...]:
    """The table as it is now (read at call time, so every walker sees the same rows)."""
    return RESOURCES


def by_kind(kind: str) -> Resource:
    for resource in table():
        if resource.kind == kind:
            return resource
    raise KeyError(kind)


@dataclass(frozen=True)
class Found:
    """One resource of the run that exists now, in the order it must be deleted."""

    what: str
    id: str


def find(ctx: Context) -> list[Found]:
    """What of the run exists now, in deletion order; changes nothing."""
    return [Found(row.kind, ident) for row in table() for ident in row.find(ctx)]


def delete(ctx: Context, item: Found) -> bool:
    """Delete one found resource; False when it was already gone."""
    return by_kind(item.what).delete(ctx, item.id)


def shown(item: Found) -> str:
    return by_kind(item.what).shown(item.id)


def saved_ids(run: Mapping[str, Any]) -> list[tuple[Resource, str]]:
    """(row, id) for every id the saved run names that the table can check."""
    return [(row, ident) for row in table() if row.exists for ident in row.saved(run) if ident]


def planned(run_name: str, bucket_name: str = "", approach: str = "modern") -> list[Planned]:
    """What notebooks 01-13 create for the run, by notebook, with the monthly cost of each."""
    rows = [item for row in table() for item in row.planned(run_name, bucket_name, approach)]
    return sorted(rows, key=lambda item: item.notebook)  # stable: table order within a notebook
