"""The saved run, checked against AWS before a step uses it: repaired, or one message with the fix.

The tutorial state (:mod:`.state`) only remembers ids. When the local AWS was reset, or something
was deleted by hand, an id can point at nothing, and the next call fails far from the cause (a raw
``NoSuchBucket``, a ``TrustedKeyGroupDoesNotExist``, a 403 whose hint is wrong). So every step
that uses a saved id asks this module first. What can be put right without a choice is repaired
idempotently and *said* (a missing OAC made again, the distribution re-pointed at the run's
bucket and origin access, a missing public key re-registered from its key file and put back in
the key group); what cannot is one :class:`~cftutorial.errors.StateError` naming what is missing
and the one notebook or command that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .. import config
from ..aws import bucket_access, buckets, clients
from ..aws.distributions import signers_of, trust_key_group, update_config, wait_deployed
from ..aws.missing import is_missing
from ..aws.origin_access import OriginAccess, find_oac, oac_config, oac_from_answer
from ..errors import StateError
from ..run import fixes, names, putback
from . import signing_key, state

NEEDS = ("bucket", "origin_access", "distribution", "signing_key")


def where() -> str:
    return "the local AWS" if config.backend() == "local" else "your AWS account"


def _why() -> str:
    if config.backend() == "local":
        return "(the local AWS was reset?)"
    return "(deleted outside the tutorial?)"


def missing(run_name: str, what: str, ident: str, notebook: str) -> StateError:
    """The one message for a saved id that points at nothing."""
    return StateError(
        f"run {run_name!r} saved {what} {ident} but {where()} has none {_why()}: "
        f"{fixes.again(run_name, notebook)}"
    )


@dataclass
class Checked:
    """The run's saved resources, each found in AWS; ``repairs`` says what was put right (a
    repair that changed a saved id is set on ``run``, for the cell's one save)."""

    run: state.Run
    bucket: str | None = None
    region: str = buckets.DEFAULT_REGION
    objects: list[str] = field(default_factory=list)
    access: OriginAccess | None = None
    distribution: dict[str, Any] | None = None
    signing: signing_key.SigningKey | None = None
    repairs: list[str] = field(default_factory=list)

    @property
    def run_name(self) -> str:
        return self.run.name

    def report(self) -> str:
        """One line per repair, or that the saved state matched."""
        if not self.repairs:
            return f"run {self.run_name!r}: the saved state matches {where()}"
        return "\n".join(f"repaired: {line}" for line in self.repairs)


def check_bucket(run: Checked, *, s3: Any = None) -> None:
    """The saved bucket exists and holds the objects notebook 01 uploaded."""
    name = run.run.require("bucket")
    if buckets.bucket_region(name, s3=s3) is None:
        raise missing(run.run_name, "bucket", repr(name), "01")
    objects = list(run.run.get("objects") or [])
    present = {row["Key"] for row in buckets.list_objects(name, s3=s3)}
    lost = [key for key in objects if key not in present]
    if lost:
        raise StateError(
            f"bucket {name!r} of run {run.run_name!r} lacks {', '.join(lost[:3])}"
            f"{' …' if len(lost) > 3 else ''}: {fixes.again(run.run_name, '01')} (it uploads them)"
        )
    run.bucket, run.objects = name, objects
    run.region = run.run.get("region", buckets.DEFAULT_REGION)


def _exists(getter: Any, ident: str) -> bool:
    try:
        getter(Id=ident)
    except ClientError as exc:
        if is_missing(exc):
            return False
        raise
    return True


def check_origin_access(run: Checked, *, cf: Any) -> None:
    """The saved OAC/OAI exists. A lost OAC is made again (nothing else names its id but the
    distribution, which :func:`check_distribution` re-points); a lost OAI is not, because the
    objects' ACL grants name it (notebooks 02, 03 and 04 again)."""
    access = OriginAccess.from_state(run.run.require("origin_access"))
    if access.kind == "oac":
        if not _exists(cf.get_origin_access_control, access.id):
            again = find_oac(names.oac_name(run.run_name), cf=cf) or oac_from_answer(
                cf.create_origin_access_control(
                    OriginAccessControlConfig=oac_config(
                        names.oac_name(run.run_name), names.oac_description(run.run_name)
                    )
                )
            )
            run.run.set(origin_access=again.to_state())
            run.repairs.append(f"OAC {access.id} was gone: made it again as {again.id}")
            access = again
    elif not _exists(cf.get_cloud_front_origin_access_identity, access.id):
        raise missing(run.run_name, "OAI", access.id, "02, then 03 and 04,")
    run.access = access


def wanted_origin(bucket: str, region: str, access: OriginAccess) -> dict[str, str]:
    """The three origin fields that decide which bucket is read, and as whom."""
    return {
        "DomainName": buckets.regional_domain(bucket, region),
        "OriginAccessControlId": access.origin_access_control_id,
        "OriginAccessIdentity": access.origin_access_identity,
    }


def repoint_origin(origin: dict[str, Any], wanted: dict[str, str]) -> list[str]:
    """Make ``origin`` (a distribution config's) read ``wanted``; one line per changed field."""
    changes = []
    for key in ("DomainName", "OriginAccessControlId"):
        if origin.get(key, "") != wanted[key]:
            changes.append(f"origin {key} {origin.get(key, '')!r} -> {wanted[key]!r}")
            origin[key] = wanted[key]
    s3_config = origin.setdefault("S3OriginConfig", {})
    if s3_config.get("OriginAccessIdentity", "") != wanted["OriginAccessIdentity"]:
        old = s3_config.get("OriginAccessIdentity", "")
        changes.append(f"origin OriginAccessIdentity {old!r} -> {wanted['OriginAccessIdentity']!r}")
        s3_config["OriginAccessIdentity"] = wanted["OriginAccessIdentity"]
    return changes


def check_distribution(run: Checked, *, cf: Any, s3: Any = None) -> None:
    """The saved distribution exists and reads the run's bucket through the run's origin access
    (re-pointed if not, e.g. after notebook 01 ran again with another bucket); with an OAC, the
    bucket policy names this distribution."""
    record = run.run.require("distribution")
    if not _exists(cf.get_distribution, record["id"]):
        raise missing(run.run_name, "distribution", record["id"], "04")
    changes: list[str] = []
    if run.bucket and run.access:
        wanted = wanted_origin(run.bucket, run.region, run.access)

        def change(config_: dict[str, Any]) -> bool:
            changes.extend(repoint_origin(config_["Origins"]["Items"][0], wanted))
            return bool(changes)

        if update_config(record["id"], change, cf=cf):
            run.repairs.append(f"distribution {record['id']}: " + "; ".join(changes))
        if run.access.kind == "oac" and _policy_arn(run.bucket, s3) != record["arn"]:
            bucket_access.put_bucket_policy(
                run.bucket, bucket_access.oac_policy(run.bucket, record["arn"]), s3=s3
            )
            run.repairs.append(f"bucket policy of {run.bucket!r} now names {record['id']}")
    run.distribution = record


def _policy_arn(bucket: str, s3: Any) -> str | None:
    policy = bucket_access.bucket_policy(bucket, s3=s3) or {}
    for statement in policy.get("Statement", []):
        arn = statement.get("Condition", {}).get("StringEquals", {}).get("AWS:SourceArn")
        if arn:
            return arn
    return None


def check_signing_key(run: Checked, *, cf: Any) -> None:
    """The saved key is registered where CloudFront trusts it (re-registered from its key file
    if not), and a modern distribution trusts its key group."""
    if not run.run.get("signing_key"):
        return
    signing, repairs = signing_key.verify_registered(run.run, cf=cf)
    run.repairs += repairs
    run.signing = signing
    if not (run.distribution and signing.approach == "modern" and signing.key_group_id):
        return
    groups = signers_of(run.distribution["id"], cf=cf)["TrustedKeyGroups"]
    if not groups.get("Enabled"):
        return  # TrustedSigners self (the guide's): the key group is not what it trusts
    if trust_key_group(run.distribution["id"], signing.key_group_id, cf=cf):
        run.repairs.append(
            f"distribution {run.distribution['id']} now trusts key group {signing.key_group_id}"
        )


def never_saved(run: state.Run, needs: tuple[str, ...]) -> list[str]:
    """The needed resources the run has not saved (a distribution needs its bucket and origin
    access too), in the order the notebooks make them. The signing key is not asked for here:
    the guide path saves none before notebook 06 (:func:`check_signing_key`)."""
    wanted = set(needs)
    if "distribution" in wanted:
        wanted |= {"bucket", "origin_access"}
    return [need for need in NEEDS[:3] if need in wanted and run.get(need) is None]


def run_first(run: state.Run, unsaved: list[str]) -> str:
    """One message naming every notebook of the chain that is missing, in order."""
    notebooks = sorted({state.PRODUCED_BY[need] for need in unsaved})
    first, last = notebooks[0][:2], notebooks[-1][:2]
    if len(notebooks) == 1:
        chain = f"notebook {notebooks[0]}"
    elif int(last) - int(first) == 1:
        chain = f"notebooks {first} and {last}, in order,"
    else:  # the notebooks between make what these need (03: who may read the bucket)
        chain = f"notebooks {first} to {last}, in order,"
    what = ", ".join(need.replace("_", " ") for need in unsaved)
    everything = not run.values()
    run_name = run.name
    why = (
        " (nothing is saved for it: a new run_name, or notebook 08's clean-up deleted the run)"
        if everything
        else ""
    )
    return (
        f"run {run_name!r} has no saved {what} yet{why}: run {chain} first with "
        f"run_name={run_name!r}, then this notebook"
    )


def check(run: state.Run, *needs: str, progress: bool = False) -> Checked:
    """Check (and repair what can be) the saved resources ``needs`` names, in dependency order.

    A saved key that is not needed is not looked at; a needed one that was never saved raises
    :meth:`state.Run.require`'s message (which notebook to run first). A repair that changed the
    distribution waits until it is Deployed again, so the step's requests see the repair. A
    repair that changed a saved id is set on ``run``: the cell's ``run.save()`` writes it.
    """
    unknown = [need for need in needs if need not in NEEDS]
    if unknown:
        raise StateError(f"cannot check {unknown}; choose from {list(NEEDS)}")
    unsaved = never_saved(run, needs)  # before any AWS call: which notebooks to run first
    if unsaved:
        raise StateError(run_first(run, unsaved))
    checked = Checked(run)
    cf, s3 = clients.client("cloudfront"), clients.client("s3")
    if "bucket" in needs or "distribution" in needs:
        check_bucket(checked, s3=s3)
    if "origin_access" in needs or "distribution" in needs:
        check_origin_access(checked, cf=cf)
    if "distribution" in needs:
        check_distribution(checked, cf=cf, s3=s3)
    if "signing_key" in needs:
        check_signing_key(checked, cf=cf)
    if checked.distribution and any(line.startswith("distribution") for line in checked.repairs):
        wait_deployed(checked.distribution["id"], progress=progress, cf=cf)
    return checked


# --- the run's put-back records (:mod:`cftutorial.run.putback` on the saved state) ------------


def record_change(
    run: state.Run,
    notebook: str,
    kind: str,
    id_: str,
    prior: Any,
    *,
    what: str = "",
    where: dict[str, str] | None = None,
) -> bool:
    """Record, before making it, a change ``notebook`` makes to the run (:func:`.putback.record`);
    the record is saved at once (with the run's other changes), as it must be on disk before
    the change is made."""
    recorded = putback.record(run, notebook, kind, id_, prior, what=what, where=where)
    run.save()
    return recorded


def put_back(run: state.Run, notebook: str, *, progress: bool = True) -> list[dict[str, str]]:
    """Undo what ``notebook`` recorded (:func:`.putback.put_back`): idempotent, resumable; each
    record dropped is saved as its undo is done."""
    return putback.put_back(run, notebook, progress=progress)


def pending_put_backs(run: state.Run, notebook: str | None = None) -> list[putback.Change]:
    """What notebooks recorded and did not put back yet (08's clean-up and teardown list it)."""
    return putback.pending(run.values(), notebook)
