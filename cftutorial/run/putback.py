"""The run's one put-back protocol: what a notebook changes on purpose, and how it is undone.

Notebooks 09-12 change the run on purpose (a wrong bucket policy, logging on, a second key in
the key group, an alias on the distribution). Each such change is **recorded in the saved state
before it is made**: its kind, the id it applies to, and the prior value (or :data:`DELETE`
for something the notebook creates). :func:`put_back` then undoes a notebook's records, newest
first, each undo idempotent, and drops a record only once its undo is done. So:

- a crash between record and change is safe: the undo finds the prior value already there
  ("as it was") and the record goes;
- a crash half-way through a put-back resumes: the records not yet dropped are undone next time;
- putting back twice is harmless: nothing is left to undo;
- a record kept for the same change keeps the *first* prior value: running a notebook's cell
  again, after it changed something, must not take its own change for the original.

The saved state is ``tutorial``'s (a floor above this one), so the functions take the run as a
:class:`Store`: ``tutorial.state.Run`` is one (loaded once by the cell). :func:`record` only
sets the record on it; the caller saves it before making the change. :func:`put_back` saves
after each undo, so a put-back stopped half-way resumes. Notebook 08's clean-up and ``cftutorial teardown``
list what is pending (:func:`pending`) before they delete the run's resources.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from ..aws import bucket_access, certificates, clients, distributions, signing_keys
from ..aws import kms as kms_keys
from ..aws.missing import is_missing

#: The saved state's key holding the records (a list, in the order they were made).
KEY = "put_back"
#: The prior value of something the notebook creates: undone by deleting it.
DELETE = "delete"


class Store(Protocol):
    """A run's saved state, loaded once (``cftutorial.tutorial.state.Run``)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, **values: Any) -> None: ...

    def save(self) -> bool: ...


@dataclass(frozen=True)
class Change:
    """One recorded change: ``notebook`` changed ``kind`` ``id`` from ``prior``; ``what`` is how
    a table shows it; ``where`` holds what the undo needs besides (a key group id)."""

    notebook: str
    kind: str
    id: str
    prior: Any
    what: str
    where: Mapping[str, str]

    @classmethod
    def of(cls, saved: Mapping[str, Any]) -> Change:
        return cls(
            str(saved["notebook"]),
            str(saved["kind"]),
            str(saved["id"]),
            saved.get("prior"),
            str(saved.get("what") or saved["kind"]),
            dict(saved.get("where") or {}),
        )

    def saved(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "kind": self.kind,
            "id": self.id,
            "prior": self.prior,
            "what": self.what,
            "where": dict(self.where),
        }

    def same_as(self, other: Change) -> bool:
        return (self.notebook, self.kind, self.id) == (other.notebook, other.kind, other.id)


# --- undoing one kind ---------------------------------------------------------------------
# Each returns what it found or did, and is harmless when the prior value is already there.

AS_IT_WAS = "as it was"
PUT_BACK = "put back"


def _distribution_config(change: Change, progress: bool) -> str:
    """``prior``: ``{field: value}`` of the distribution's config before the change."""
    fields: Mapping[str, Any] = change.prior or {}

    def back(config: dict[str, Any]) -> bool:
        differs = [name for name, value in fields.items() if config.get(name) != value]
        for name in differs:
            config[name] = copy.deepcopy(fields[name])
        return bool(differs)

    return PUT_BACK if distributions.update_config(change.id, back) else AS_IT_WAS


def _bucket_policy(change: Change, progress: bool) -> str:
    """``prior``: the policy document, or :data:`DELETE` (the bucket had none)."""
    s3 = clients.client("s3")
    now = bucket_access.bucket_policy(change.id, s3=s3)
    if change.prior == DELETE:
        if now is None:
            return AS_IT_WAS
        bucket_access.delete_bucket_policy(change.id, s3=s3)
        return "deleted"
    if now == change.prior:
        return AS_IT_WAS
    bucket_access.put_bucket_policy(change.id, change.prior, s3=s3)
    return PUT_BACK


def _public_key(change: Change, progress: bool) -> str:
    """``id``: the public key's *name* (its Id is AWS's, known only once made); ``prior``:
    :data:`DELETE`. Taken out of ``where['key_group_id']`` first, as CloudFront insists."""
    cf = clients.client("cloudfront")
    key_id = signing_keys.find_public_key(change.id, cf=cf)
    if key_id is None:
        return "absent"
    group_id = change.where.get("key_group_id")
    if group_id:
        signing_keys.take_out_of_group(group_id, key_id, cf=cf)
    signing_keys.delete_public_key(key_id, cf=cf)
    return f"deleted {key_id}"


def _distribution_alias(change: Change, progress: bool) -> str:
    """``prior``: :data:`DELETE` (notebook 11's alias, certificate and origin request policy
    come off); waits until Deployed, as ACM keeps a certificate a distribution uses."""
    if not distributions.update_config(change.id, distributions.without_alias):
        return AS_IT_WAS
    distributions.wait_deployed(change.id, progress=progress)
    return "removed"


def prior_cors(bucket: str) -> Any:
    """The bucket's CORS rules now, or :data:`DELETE` when it has none (to record)."""
    try:
        return clients.client("s3").get_bucket_cors(Bucket=bucket)["CORSRules"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchCORSConfiguration":
            return DELETE
        raise


def _bucket_cors(change: Change, progress: bool) -> str:
    """``prior``: the CORS rules, or :data:`DELETE` (the bucket had none)."""
    s3 = clients.client("s3")
    now = prior_cors(change.id)
    if now == change.prior:
        return AS_IT_WAS
    if change.prior == DELETE:
        s3.delete_bucket_cors(Bucket=change.id)
        return "deleted"
    s3.put_bucket_cors(Bucket=change.id, CORSConfiguration={"CORSRules": change.prior})
    return PUT_BACK


def _certificate(change: Change, progress: bool) -> str:
    """``id``: the certificate's domain name (its ARN is known only once requested);
    ``prior``: :data:`DELETE`."""
    arn = certificates.find_certificate(change.id, change.where["run_name"])
    if arn is None:
        return "absent"
    certificates.delete_certificate(arn)
    return f"deleted {arn.rsplit('/', 1)[-1]}"


def _kms_key(change: Change, progress: bool) -> str:
    """``id``: the KMS key's alias (its key id is KMS's, known only once made); ``prior``:
    :data:`DELETE`: the key is scheduled for deletion (KMS never deletes at once) and its alias
    deleted. A key no alias names any more (already scheduled) is "absent"."""
    kms = clients.client("kms")
    found = kms_keys.find_key(change.id, kms=kms)
    if found is None:
        kms_keys.delete_alias(change.id, kms=kms)
        return "absent"
    when = kms_keys.schedule_deletion(found.key_id, kms=kms)
    kms_keys.delete_alias(change.id, kms=kms)
    return f"scheduled for deletion on {when.date()}" if when else "absent"


#: kind -> its undo. A notebook that changes something of another kind adds it here.
UNDO: dict[str, Callable[[Change, bool], str]] = {
    "distribution config": _distribution_config,
    "bucket policy": _bucket_policy,
    "public key": _public_key,
    "distribution alias": _distribution_alias,
    "bucket CORS": _bucket_cors,
    "certificate": _certificate,
    "kms key": _kms_key,
}


# --- the records ----------------------------------------------------------------------------


def pending(saved: Mapping[str, Any], notebook: str | None = None) -> list[Change]:
    """What is recorded and not yet put back (of ``notebook``, or of every notebook), oldest
    first. ``saved`` is the run's saved values (``tutorial.state.Run.values()``)."""
    changes = [Change.of(item) for item in saved.get(KEY) or []]
    return [c for c in changes if notebook is None or c.notebook == notebook]


def record(
    store: Store,
    notebook: str,
    kind: str,
    id_: str,
    prior: Any,
    *,
    what: str = "",
    where: Mapping[str, str] | None = None,
) -> bool:
    """Record a change on ``store`` (save it *before* making the change); False when the same
    change is already recorded (its first prior value is kept)."""
    if kind not in UNDO:
        raise ValueError(f"no undo for kind {kind!r}; kinds: {', '.join(UNDO)}")
    change = Change(notebook, kind, id_, prior, what or kind, dict(where or {}))
    saved = list(store.get(KEY) or [])
    if any(Change.of(item).same_as(change) for item in saved):
        return False
    store.set(**{KEY: [*saved, change.saved()]})
    return True


def _drop(store: Store, change: Change) -> None:
    kept = [item for item in store.get(KEY) or [] if not Change.of(item).same_as(change)]
    store.set(**{KEY: kept or None})


def put_back(store: Store, notebook: str, *, progress: bool = True) -> list[dict[str, str]]:
    """Undo what ``notebook`` recorded, newest first; one row per change (``what``, ``id``,
    ``state``). Each record is dropped once its undo is done, so this can run again after a
    failure half-way, and a second call finds nothing to do."""
    rows = []
    for change in reversed(pending({KEY: store.get(KEY)}, notebook)):
        try:
            outcome = UNDO[change.kind](change, progress)
        except ClientError as error:
            if not is_missing(error):
                raise
            outcome = "gone (nothing to put back)"  # e.g. the bucket a re-run moved away from
        _drop(store, change)
        store.save()
        rows.append({"what": change.what, "id": change.id, "state": outcome})
    return rows


def forget(store: Store, notebook: str | None = None) -> list[Change]:
    """Drop the records (of ``notebook``, or all) from ``store`` without undoing them: for a
    teardown, which deletes what they name anyway. What was dropped (the caller saves)."""
    dropped = pending({KEY: store.get(KEY)}, notebook)
    for change in dropped:
        _drop(store, change)
    return dropped


def rows(changes: list[Change]) -> list[dict[str, str]]:
    """Pending changes as a table: notebook, what, id, and the undo waiting."""
    return [
        {
            "notebook": c.notebook,
            "what": c.what,
            "id": c.id,
            "put back by": "removing it" if c.prior == DELETE else "its value before",
        }
        for c in changes
    ]
