"""Notebook 10: rotate the run's signing key without breaking links.

AWS's steps (CloudFront Developer Guide, "Rotating key pairs"): make a new key pair and add its
public key to the key group (remove nothing yet); make the application sign with the new private
key and check its URLs work; wait until every URL signed with the old key has expired; then
remove the old public key from the key group. Deleting the old public key comes last, because
CloudFront refuses to delete a key a key group still lists (409 ``PublicKeyInUse``).

The notebook shows the boto3 calls (``create_public_key``, ``get_key_group`` +
``update_key_group(IfMatch=ETag)``, ``delete_public_key(IfMatch=ETag)``). What boto3 does not
do is here: the rotation's saved record (so a crash half-way is resumed, not repeated), the new
key files (0600), making the new key the run's signing key (notebooks 07, 08, 11, 12 then sign
with it and 08's cleanup deletes it), the guard that never removes the key the run signs with,
and the timeline of real edge answers.

At every moment the run's saved signing key is in the key group: the new key is added before the
run switches to it, and the old one is removed only after the switch. A resumed rotation goes
forward only: a key once removed from the group is never put back (it may have been retired
because it leaked).

Why the rotation keeps its own record instead of the run's put-back records
(:mod:`cftutorial.run.putback`, which notebooks 09, 11 and 12 use): those record a change to
*undo*, and undoing restores the value from before. A rotation is not undone: its end state
(the new key trusted and signing, the old one gone) is the point, and a crash half-way is
finished, not reverted. Its record therefore names the phase reached and the two keys, and
:func:`start` resumes from that phase; nothing is pending to put back once it is done, so
notebook 08 and ``cftutorial teardown`` have nothing of it to list (the keys themselves are in
the run's resource table, and a teardown deletes them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from ..aws import clients
from ..aws.missing import is_missing
from ..errors import RotationError
from ..run import urls as run_urls
from ..run.modern import require_modern
from ..signing import keys
from ..signing.signer import Signer
from . import forms, saved, signing_key, state, viewer

STATE_KEY = "rotation"


@dataclass(frozen=True)
class KeyRef:
    """One key of the rotation: its generation, files (paths only) and public key Id."""

    generation: int
    private_key_path: str
    public_key_path: str
    key_id: str | None = None

    def pem(self) -> str:
        return keys.public_key_pem(keys.load_public_key(self.public_key_path))

    def signer(self) -> Signer:
        if not self.key_id:
            raise RotationError("the new key has no public key Id yet: run section 2 first")
        return Signer(self.key_id, self.private_key_path)


@dataclass(frozen=True)
class Rotation:
    """The rotation in progress: from ``old`` to ``new`` in the run's key group. Its record is
    set on ``run`` at each step (the notebook's cell saves it), so a rotation stopped half-way
    resumes."""

    run: state.Run
    kind: str
    key_group_id: str
    old: KeyRef
    new: KeyRef
    resumed: bool = False

    @property
    def run_name(self) -> str:
        return self.run.name

    def to_state(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key_group_id": self.key_group_id,
            "old": asdict(self.old),
            "new": asdict(self.new),
        }

    @classmethod
    def from_state(cls, run: state.Run, saved_: dict[str, Any]) -> Rotation:
        return cls(
            run,
            saved_["kind"],
            saved_["key_group_id"],
            KeyRef(**saved_["old"]),
            KeyRef(**saved_["new"]),
            resumed=True,
        )

    def label(self, key_id: str) -> str:
        """``old (K…)`` / ``new (K…)`` for a key group item."""
        names = {self.old.key_id: "old", self.new.key_id: "new"}
        return f"{names[key_id]} ({key_id})" if key_id in names else key_id


def check_run(run: state.Run, approach: str = "modern", *, progress: bool = False) -> saved.Checked:
    """The modern path (one message on the guide's), then the saved ids against AWS (repaired,
    or one message), as in notebooks 06-08."""
    require_modern(run.values(), "10", approach)
    return saved.check(run, "distribution", "signing_key", progress=progress)


def _registered(key_id: str | None, cf: Any) -> bool:
    if not key_id:
        return False
    try:
        cf.get_public_key(Id=key_id)
    except ClientError as exc:
        if is_missing(exc):
            return False
        raise
    return True


def start(run: state.Run, *, cf: Any = None) -> Rotation:
    """The rotation to do: the saved one if it is unfinished (a crash half-way), else a new one
    from the run's signing key to the next generation (its key files made now, mode 0600; its
    record set on ``run``)."""
    cf = cf or clients.client("cloudfront")
    record = run.get(STATE_KEY)
    if record:
        rotation = Rotation.from_state(run, record)
        if _registered(rotation.old.key_id, cf) and Path(rotation.old.private_key_path).is_file():
            return rotation
        finish(rotation)  # the old key is deleted already: only its files and the record left
    current = signing_key.SigningKey(**run.require("signing_key"))
    generation = signing_key.generation(run, current.kind)
    new_paths = signing_key.write_key_files(run.name, current.kind, generation + 1)
    rotation = Rotation(
        run,
        current.kind,
        str(current.key_group_id),
        KeyRef(generation, current.private_key_path, current.public_key_path, current.key_pair_id),
        KeyRef(generation + 1, str(new_paths[0]), str(new_paths[1])),
    )
    run.set(**{STATE_KEY: rotation.to_state()})
    return rotation


def new_key_config(rotation: Rotation) -> dict[str, str]:
    """What ``create_public_key`` takes for the new key (its own name and CallerReference)."""
    return signing_key.public_key_config(
        rotation.run, rotation.kind, rotation.new.pem(), rotation.new.generation
    )


def with_new_key_id(rotation: Rotation, key_id: str) -> Rotation:
    """The rotation once the new public key is registered (set on the run: the cell saves it
    before anything else)."""
    rotation = replace(rotation, new=replace(rotation.new, key_id=key_id))
    rotation.run.set(**{STATE_KEY: rotation.to_state()})
    return rotation


def group_items(rotation: Rotation, *, cf: Any) -> list[str]:
    group = cf.get_key_group(Id=rotation.key_group_id)["KeyGroup"]["KeyGroupConfig"]
    return list(group.get("Items") or [])


def adopt(rotation: Rotation, *, cf: Any = None) -> signing_key.SigningKey:
    """The new key becomes the run's signing key — only once CloudFront trusts it."""
    cf = cf or clients.client("cloudfront")
    if rotation.new.key_id not in group_items(rotation, cf=cf):
        raise RotationError(
            f"the new key {rotation.new.key_id} is not in key group {rotation.key_group_id} yet; "
            "add it first (section 3), or every URL the run signs would answer InvalidKey"
        )
    paths = (Path(rotation.new.private_key_path), Path(rotation.new.public_key_path))
    return signing_key.adopt(
        rotation.run,
        rotation.kind,
        rotation.new.generation,
        str(rotation.new.key_id),
        rotation.key_group_id,
        paths,
    )


def check_removable(rotation: Rotation) -> None:
    """Never remove the key the run signs with: the switch (section 5) comes first."""
    current = rotation.run.require("signing_key")["key_pair_id"]
    if current == rotation.old.key_id:
        raise RotationError(
            f"run {rotation.run_name!r} still signs with the old key {rotation.old.key_id}; "
            "make the new key the run's signing key first (section 5)"
        )


def finish(rotation: Rotation) -> list[str]:
    """The last step (AWS: delete the old private key where you stored it): the old key files
    and the rotation's record go. Never the files the run signs with."""
    current = rotation.run.get("signing_key") or {}
    removed = []
    for raw in (rotation.old.private_key_path, rotation.old.public_key_path):
        path = Path(raw)
        if str(path) in (current.get("private_key_path"), current.get("public_key_path")):
            continue
        if path.is_file():
            path.unlink()
            removed.append(path.name)
    rotation.run.set(**{STATE_KEY: None})
    return removed


def viewer_url(run: state.Run, object_key: str) -> str:
    """``https://DOMAIN/KEY`` of the run's distribution (saved by notebook 04)."""
    domain = run.require("distribution")["domain_name"]
    return run_urls.viewer_url(domain, object_key)


def answer_of(url: str) -> str:
    """What the edge answers a viewer's GET: ``200`` or ``403 InvalidKey``."""
    described = viewer.describe_response(viewer.fetch(url))
    return f"{described['status']} {described['code'] or ''}".strip()


@dataclass
class Timeline:
    """Which URL works when: one row per phase, each from real edge answers."""

    rotation: Rotation
    old_url: str
    new_url: str
    rows: list[dict[str, str]] = field(default_factory=list)

    def observe(self, phase: str, *, cf: Any) -> dict[str, str]:
        try:
            holds = [self.rotation.label(item) for item in group_items(self.rotation, cf=cf)]
        except ClientError as exc:
            if not is_missing(exc):
                raise
            holds = ["(key group gone)"]
        row = {
            "phase": phase,
            "key group holds": ", ".join(holds),
            "URL signed with the old key": answer_of(self.old_url),
            "URL signed with the new key": answer_of(self.new_url),
        }
        self.rows.append(row)
        return row

    def table(self) -> Any:
        return forms.table(self.rows)
