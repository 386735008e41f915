"""Does each saved run still describe what the AWS side holds? Plain findings, one per gap.

The saved state (``tutorial-state.json``) names the run's bucket, origin access (OAC or OAI),
distribution and signing key. If the AWS side lost one of them (a ``cftutorial local reset``,
a snapshot of the local AWS that could not be read, a resource deleted by hand) every later
notebook fails far from the cause. :func:`check_runs` looks each saved id up and returns a
:class:`Finding` for each one that is gone, with the one fix: re-run the notebook that makes it,
or start the run over with ``cftutorial teardown``. ``cftutorial doctor`` reports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .. import config
from ..aws import account_keys, clients
from ..aws.missing import error_code, is_missing
from . import state


@dataclass(frozen=True)
class Finding:
    """One saved id the AWS side does not have (``problem``), and how to fix it."""

    run: str
    what: str  # "bucket", "OAC", "OAI", "distribution", "key group", "public key", ...
    id: str
    problem: str
    fix: str

    def line(self) -> str:
        return f"run {self.run!r}: {self.what} {self.id} {self.problem}; fix: {self.fix}"


def _fix(run_name: str, notebook: str) -> str:
    return (
        f"re-run notebook {notebook} with run_name={run_name!r}, or start the run over with "
        f"'cftutorial teardown --run {run_name} --yes'"
    )


def _missing(call: Callable[[], Any]) -> str | None:
    """``None`` when the lookup finds the resource, else what is wrong with it."""
    try:
        call()
    except ClientError as exc:
        if is_missing(exc):
            return "is missing"
        return f"could not be checked ({error_code(exc)})"
    return None


def _lookups(run: dict[str, Any], s3: Any, cf: Any) -> list[tuple[str, str, str, Callable]]:
    """(what, id, notebook, lookup) for every id the run saved."""
    found: list[tuple[str, str, str, Callable]] = []
    if run.get("bucket"):
        found.append(("bucket", run["bucket"], "01", lambda: s3.head_bucket(Bucket=run["bucket"])))
    access = run.get("origin_access") or {}
    if access.get("kind") == "oac":
        found.append(
            ("OAC", access["id"], "02", lambda: cf.get_origin_access_control(Id=access["id"]))
        )
    elif access.get("kind") == "oai":
        found.append(
            (
                "OAI",
                access["id"],
                "02",
                lambda: cf.get_cloud_front_origin_access_identity(Id=access["id"]),
            )
        )
    dist = run.get("distribution") or {}
    if dist.get("id"):
        found.append(("distribution", dist["id"], "04", lambda: cf.get_distribution(Id=dist["id"])))
    signing = run.get("signing_key") or {}
    if signing.get("key_group_id"):
        group = signing["key_group_id"]
        found.append(("key group", group, "04", lambda: cf.get_key_group(Id=group)))
        key = signing.get("key_pair_id", "")
        found.append(("public key", key, "04", lambda: cf.get_public_key(Id=key)))
    return found


def _account_key_pair(run_name: str, run: dict[str, Any]) -> Finding | None:
    """Guide path, local only: the APKA… account key pair the run signs with."""
    key = (run.get("signing_key") or {}).get("key_pair_id", "")
    if not key.startswith("APKA") or config.backend() != "local":
        return None
    known = {item["KeyPairId"] for item in account_keys.list_account_key_pairs()}
    if key in known:
        return None
    return Finding(run_name, "account key pair", key, "is missing", _fix(run_name, "06"))


def check_run(run_name: str, *, s3: Any = None, cf: Any = None) -> list[Finding]:
    """The findings for one saved run (empty: everything it names is there)."""
    run = state.load(run_name)
    s3 = s3 or clients.client("s3")
    cf = cf or clients.client("cloudfront")
    findings = [
        Finding(run_name, what, resource_id, problem, _fix(run_name, notebook))
        for what, resource_id, notebook, lookup in _lookups(run, s3, cf)
        if (problem := _missing(lookup))
    ]
    key_pair = _account_key_pair(run_name, run)
    return findings + ([key_pair] if key_pair else [])


def check_runs(*, s3: Any = None, cf: Any = None) -> list[Finding]:
    """The findings for every saved run, in run-name order."""
    found: list[Finding] = []
    for run_name in state.runs():
        found += check_run(run_name, s3=s3, cf=cf)
    return found
