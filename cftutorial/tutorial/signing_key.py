"""The run's signing key: key files (0600), and where CloudFront trusts them — a public key in a
key group (today) or the guide's account key pair. Notebooks 04-08 all sign with it.

In 2011 the only way was a root-account "CloudFront key pair" made in the console; AWS now
discourages it (root user only, at most two, no IAM control). Since 22 Oct 2020 you upload the
*public* half of a key you generated yourself (``create_public_key``), put it in a key group
(``create_key_group``) and name the group in the distribution (``TrustedKeyGroups``).

The classic mistake is visible here: the value that goes into ``Key-Pair-Id`` is the **public
key's Id**, not the key group's Id; CloudFront answers the latter with ``InvalidKey`` /
"Unknown Key". :func:`check_key_pair_id` says which one a value is.

The private key is written once under ``$CFTUTORIAL_HOME/keys/`` (mode 0600) and is never
returned as text, printed or saved in the tutorial state (only its path is).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from ..aws import account_keys, clients, signing_keys
from ..aws.missing import is_missing
from ..errors import KeyGroupError, StateError, WrongKeyPairIdError
from ..run import fixes, names
from ..run.names import keys_dir
from ..signing import keys, rules
from ..signing.signer import Signer
from . import references, state

KEY_TYPES = ("rsa", "ecdsa")
GENERATIONS = "key_generations"  # state: kind -> the current generation (notebook 10 rotates)


@dataclass(frozen=True)
class SigningKey:
    """Everything needed to sign for a run — paths and ids, never the key itself."""

    approach: str
    kind: str
    key_pair_id: str  # the public key Id (modern) or APKA… account key pair id (guide)
    key_group_id: str | None  # modern only; goes into TrustedKeyGroups, never into URLs
    private_key_path: str
    public_key_path: str

    def to_state(self) -> dict[str, Any]:
        return asdict(self)


def _check_kind(kind: str) -> str:
    if kind not in KEY_TYPES:
        raise KeyGroupError(f"key_type={kind!r} is not supported; use 'rsa' or 'ecdsa'")
    return kind


def generation(run: state.Run, kind: str) -> int:
    """Which of the run's ``kind`` keys is current: 1 (notebook 06's), +1 per rotation (10)."""
    return int(run.get(GENERATIONS, {}).get(kind, 1))


def key_file_paths(run_name: str, kind: str, generation_: int) -> tuple[Path, Path]:
    """Where generation ``generation_`` of the run's ``kind`` key pair lives (keys.write_key_pair's names)."""
    stem = names.key_files_stem(run_name, kind, generation_)
    return keys_dir() / f"{stem}_private_key.pem", keys_dir() / f"{stem}_public_key.pem"


def write_key_files(run_name: str, kind: str, generation_: int) -> tuple[Path, Path]:
    """Generation ``generation_`` of the key pair: found on disk, else generated (private 0600).

    Not saved as the run's key: notebook 10 saves it with :func:`adopt` once CloudFront trusts it.
    """
    _check_kind(kind)
    private_path, public_path = key_file_paths(run_name, kind, generation_)
    if not (private_path.is_file() and public_path.is_file()):
        files = keys.write_key_pair(
            keys_dir(),
            kind=kind,
            name=private_path.name.removesuffix("_private_key.pem"),
            overwrite=True,
        )
        private_path, public_path = Path(files.private_key_path), Path(files.public_key_path)
    return private_path, public_path


def ensure_key_files(run: state.Run, kind: str = "rsa") -> tuple[Path, Path]:
    """The run's current key pair files, generated on first use (private key mode 0600); their
    paths set as the run's ``key_files``."""
    _check_kind(kind)
    saved = run.get("key_files", {}).get(kind)
    if saved and Path(saved[0]).is_file() and Path(saved[1]).is_file():
        return Path(saved[0]), Path(saved[1])
    # reuse a pair left by an earlier run whose state was lost, because CloudFront may still
    # hold its public half
    private_path, public_path = write_key_files(run.name, kind, generation(run, kind))
    key_files = dict(run.get("key_files", {}))
    key_files[kind] = [str(private_path), str(public_path)]
    run.set(key_files=key_files)
    return private_path, public_path


def find_public_key(config: dict[str, str], *, cf: Any = None) -> str | None:
    """The Id of the public key ``config`` names if it is registered already, else None.

    A key of that name holding *another* PEM (its key file was lost and made again) would make
    every signature fail, so it is refused with the fix instead of being reused.
    """
    cf = cf or clients.client("cloudfront")
    found = signing_keys.find_public_key(config["Name"], cf=cf)
    if found and signing_keys.registered_pem(found, cf=cf).strip() != config["EncodedKey"].strip():
        raise KeyGroupError(
            f"public key {config['Name']!r} ({found}) in CloudFront is not the public half of "
            "the local key file, so its signatures would be refused; run "
            "'cftutorial teardown --run RUN --yes' or choose another run_name"
        )
    return found


def key_group_config(run_name: str, public_key_ids: list[str]) -> dict[str, Any]:
    """What ``create_key_group`` takes for the run: the group's name and its public key Ids."""
    return {
        "Name": names.key_group(run_name),
        "Items": list(public_key_ids),
        "Comment": f"cftutorial {run_name}: keys trusted to sign",
    }


def find_key_group(run_name: str, *, cf: Any = None) -> dict[str, Any] | None:
    """The run's key group as ``{"Id", "ETag", "KeyGroupConfig"}`` (for an IfMatch update), or None."""
    cf = cf or clients.client("cloudfront")
    found = signing_keys.find_key_group(names.key_group(run_name), cf=cf)
    if not found:
        return None
    current = cf.get_key_group(Id=found["Id"])
    return {
        "Id": found["Id"],
        "ETag": current["ETag"],
        "KeyGroupConfig": current["KeyGroup"]["KeyGroupConfig"],
    }


def remember(
    run: state.Run, approach: str, kind: str, key_pair_id: str, key_group_id: str | None
) -> SigningKey:
    """Set where CloudFront trusts the run's key as its ``signing_key`` (ids and file paths,
    never the key); the cell saves it."""
    private_path, public_path = ensure_key_files(run, kind)
    signing = SigningKey(
        approach, kind, key_pair_id, key_group_id, str(private_path), str(public_path)
    )
    run.set(signing_key=signing.to_state())
    return signing


def register_modern(run: state.Run, kind: str, pem: str, *, cf: Any = None) -> tuple[str, str]:
    """Find or create the public key, then the key group holding it: ``(key id, group id)``.

    The same lookups and boto3 calls notebook 06 shows cell by cell.
    """
    cf = cf or clients.client("cloudfront")
    config_ = public_key_config(run, kind, pem)
    key_id = find_public_key(config_, cf=cf)
    if key_id is None:
        key_id = cf.create_public_key(PublicKeyConfig=config_)["PublicKey"]["Id"]
    group = find_key_group(run.name, cf=cf)
    if group is None:
        answer = cf.create_key_group(KeyGroupConfig=key_group_config(run.name, [key_id]))
        return key_id, answer["KeyGroup"]["Id"]
    if key_id not in group["KeyGroupConfig"].get("Items", []):
        wanted = signing_keys.with_public_key(group["KeyGroupConfig"], key_id)
        cf.update_key_group(Id=group["Id"], KeyGroupConfig=wanted, IfMatch=group["ETag"])
    return key_id, group["Id"]


def ensure_signing_key(
    run: state.Run, approach: str = "modern", kind: str = "rsa", *, cf: Any = None
) -> SigningKey:
    """Find or make the run's signing key and register it where CloudFront trusts it.

    modern: public key + key group (the group goes into ``TrustedKeyGroups``).
    guide: the local stand-in for the console's root-account key pair (``TrustedSigners: self``).
    The result is set on ``run`` (ids and paths only); the cell saves it.
    """
    _check_kind(kind)
    saved = run.get("signing_key")
    if (
        saved
        and saved.get("approach") == approach
        and saved.get("kind") == kind
        and Path(saved["private_key_path"]).is_file()
    ):
        return verify_registered(run, cf=cf)[0]  # registered again if CloudFront lost it
    _private_path, public_path = ensure_key_files(run, kind)
    pem = keys.public_key_pem(keys.load_public_key(public_path))
    if approach == "modern":
        key_id, group_id = register_modern(run, kind, pem, cf=cf)
    elif approach == "guide":
        key_id, group_id = account_keys.register_account_key_pair(pem), None
    else:
        raise KeyGroupError(f"approach={approach!r} is not known; use 'modern' or 'guide'")
    return remember(run, approach, kind, key_id, group_id)


def _registered_key_id(run: state.Run, signing: SigningKey, pem: str, cf: Any) -> tuple[str, str]:
    """The saved public key's Id if CloudFront still holds it, else the one registered now."""
    try:
        held = signing_keys.registered_pem(signing.key_pair_id, cf=cf)
    except ClientError as exc:
        if not is_missing(exc):
            raise
        config_ = public_key_config(run, signing.kind, pem)
        key_id = find_public_key(config_, cf=cf)
        if key_id is not None:
            return (
                key_id,
                f"public key {signing.key_pair_id} was gone: found it by name as {key_id}",
            )
        key_id = cf.create_public_key(PublicKeyConfig=config_)["PublicKey"]["Id"]
        return key_id, (
            f"public key {signing.key_pair_id} was gone: registered the key file again as {key_id}"
        )
    if held.strip() != pem.strip():
        raise KeyGroupError(
            f"public key {signing.key_pair_id} in CloudFront is not the public half of "
            f"{signing.public_key_path}, so its signatures would be refused; run "
            f"{fixes.start_over(run.name)}"
        )
    return signing.key_pair_id, ""


def _group_holding(run_name: str, group_id: str | None, key_id: str, cf: Any) -> tuple[str, str]:
    """The saved key group (found again by name, or made) holding ``key_id``; what changed."""
    group = None
    if group_id:
        try:
            current = cf.get_key_group(Id=group_id)
            group = {
                "Id": group_id,
                "ETag": current["ETag"],
                "KeyGroupConfig": current["KeyGroup"]["KeyGroupConfig"],
            }
        except ClientError as exc:
            if not is_missing(exc):
                raise
    group = group or find_key_group(run_name, cf=cf)
    if group is None:
        answer = cf.create_key_group(KeyGroupConfig=key_group_config(run_name, [key_id]))
        made = answer["KeyGroup"]["Id"]
        return made, f"key group {group_id} was gone: made it again as {made}, holding {key_id}"
    if key_id in (group["KeyGroupConfig"].get("Items") or []):
        moved = (
            f"key group {group_id} was gone: found {group['Id']}" if group_id != group["Id"] else ""
        )
        return group["Id"], moved
    wanted = signing_keys.with_public_key(group["KeyGroupConfig"], key_id)
    cf.update_key_group(Id=group["Id"], KeyGroupConfig=wanted, IfMatch=group["ETag"])
    return group["Id"], f"put public key {key_id} back in key group {group['Id']}"


def verify_registered(run: state.Run, *, cf: Any = None) -> tuple[SigningKey, list[str]]:
    """The saved signing key, checked where CloudFront trusts it; what had to be repaired.

    A public key, key group or account key pair that is gone (the local AWS was reset) is
    registered again from the run's key file, and the new ids are set on ``run`` (the cell
    saves them); a key file that is gone cannot be repaired (its private half existed nowhere
    else).
    """
    run_name = run.name
    signing = SigningKey(**run.require("signing_key"))
    for path in (signing.private_key_path, signing.public_key_path):
        if not Path(path).is_file():
            raise StateError(
                f"run {run_name!r} signs with the key file {path}, which is gone; run "
                f"{fixes.start_over(run_name)}"
            )
    pem = keys.public_key_pem(keys.load_public_key(signing.public_key_path))
    repairs: list[str] = []
    if signing.approach == "modern":
        cf = cf or clients.client("cloudfront")
        key_id, said = _registered_key_id(run, signing, pem, cf)
        group_id, moved = _group_holding(run_name, signing.key_group_id, key_id, cf)
        repairs += [line for line in (said, moved) if line]
    else:
        key_id, group_id = signing.key_pair_id, None
        held = {
            item["KeyPairId"]: item["PublicKey"] for item in account_keys.list_account_key_pairs()
        }
        if held.get(key_id, "").strip() != pem.strip():
            key_id = account_keys.register_account_key_pair(pem)
            repairs.append(
                f"account key pair {signing.key_pair_id} was gone: registered the key file "
                f"again as {key_id}"
            )
    if (key_id, group_id) != (signing.key_pair_id, signing.key_group_id):
        signing = remember(run, signing.approach, signing.kind, key_id, group_id)
    return signing, repairs


def signer_for(
    run: state.Run, hash_algorithm: str | None = None, *, allow_ecdsa_sha1: bool = False
) -> Any:
    """A :class:`cftutorial.signing.signer.Signer` for the run's saved signing key.

    ``hash_algorithm=None`` is the key's own (:func:`cftutorial.signing.rules.hash_for`: RSA
    SHA-1, ECDSA SHA-256); an ECDSA key with SHA-1 is refused as the AWS CLI v2 refuses it,
    unless a notebook asks for it on purpose (``allow_ecdsa_sha1=True``) to show it.
    """
    saved = run.require("signing_key")
    private_key = keys.load_private_key(saved["private_key_path"])
    chosen = rules.hash_for(
        keys.key_kind(private_key), hash_algorithm, allow_ecdsa_sha1=allow_ecdsa_sha1
    )
    return Signer(saved["key_pair_id"], private_key, hash_algorithm=chosen)


def trusted_keys(run: state.Run) -> dict[str, str]:
    """Key-Pair-Id -> public PEM of the run's key, for :func:`cftutorial.signing.verify.verify`."""
    saved = run.require("signing_key")
    pem = keys.public_key_pem(keys.load_public_key(saved["public_key_path"]))
    return {saved["key_pair_id"]: pem}


def check_key_pair_id(value: str, *, signing_key: SigningKey) -> str:
    """Accept the public key id; name the mistake when ``value`` is the key group id."""
    if value == signing_key.key_pair_id:
        return value
    if signing_key.key_group_id and value == signing_key.key_group_id:
        raise WrongKeyPairIdError(
            f"Key-Pair-Id={value!r} is the key group's Id; CloudFront would answer 403 "
            f"InvalidKey 'Unknown Key'. Use the public key's Id {signing_key.key_pair_id!r}"
        )
    raise WrongKeyPairIdError(
        f"Key-Pair-Id={value!r} is not a key this run registered; use {signing_key.key_pair_id!r}"
    )


def public_key_config(
    run: state.Run, kind: str, pem: str, generation_: int | None = None
) -> dict[str, str]:
    """What ``create_public_key`` takes for the run's key: the *public* PEM only.

    ``generation_`` defaults to the current one; notebook 10 names the next one.
    """
    gen = generation(run, kind) if generation_ is None else generation_
    what = f"public-key-{kind}" + ("" if gen == 1 else f"-{gen}")
    return signing_keys.public_key_config(
        caller_reference=references.caller_reference(run, what),
        name=names.public_key(run.name, kind, gen),
        pem=pem,
        comment=f"cftutorial {run.name}: {kind} signing key" + ("" if gen == 1 else f" {gen}"),
    )


def adopt(
    run: state.Run,
    kind: str,
    generation_: int,
    key_id: str,
    key_group_id: str,
    paths: tuple[Path, Path],
) -> SigningKey:
    """Make generation ``generation_`` the run's signing key (notebook 10's "update the
    application"): its files, its generation and its ids are set on ``run`` (the cell saves
    them); later notebooks sign with it."""
    key_files = dict(run.get("key_files", {}))
    key_files[kind] = [str(paths[0]), str(paths[1])]
    generations = dict(run.get(GENERATIONS, {}))
    generations[kind] = generation_
    run.set(key_files=key_files, **{GENERATIONS: generations})
    return remember(run, "modern", kind, key_id, key_group_id)
