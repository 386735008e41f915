"""Step 6: the signing key CloudFront trusts — a public key in a key group (today) or the
account key pair of the guide.

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

from . import clients, config, state
from .errors import KeyGroupError, WrongKeyPairIdError
from .etags import delete_with_etag

KEY_TYPES = ("rsa", "ecdsa")


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


def keys_dir() -> Path:
    path = config.home() / "keys"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _check_kind(kind: str) -> str:
    if kind not in KEY_TYPES:
        raise KeyGroupError(f"key_type={kind!r} is not supported; use 'rsa' or 'ecdsa'")
    return kind


def ensure_key_files(run_name: str, kind: str = "rsa") -> tuple[Path, Path]:
    """The run's key pair files, generated on first use (private key mode 0600)."""
    from . import keys

    _check_kind(kind)
    name = f"{run_name}-{kind}"
    saved = state.get(run_name, "key_files", {}).get(kind)
    if saved and Path(saved[0]).is_file() and Path(saved[1]).is_file():
        return Path(saved[0]), Path(saved[1])
    # keys.write_key_pair's file names: reuse a pair left by an earlier run whose state was lost,
    # because CloudFront may still hold its public half
    private_path = keys_dir() / f"{name}_private_key.pem"
    public_path = keys_dir() / f"{name}_public_key.pem"
    if not (private_path.is_file() and public_path.is_file()):
        files = keys.write_key_pair(keys_dir(), kind=kind, name=name, overwrite=True)
        private_path, public_path = Path(files.private_key_path), Path(files.public_key_path)
    key_files = dict(state.get(run_name, "key_files", {}))
    key_files[kind] = [str(private_path), str(public_path)]
    state.update(run_name, key_files=key_files)
    return private_path, public_path


def public_key_name(run_name: str, kind: str) -> str:
    return f"cftutorial-{run_name}-{kind}"


def key_group_name(run_name: str) -> str:
    return f"cftutorial-{run_name}"


def public_key_config(run_name: str, kind: str, pem: str) -> dict[str, str]:
    """What ``create_public_key`` takes: the *public* PEM only."""
    return {
        "CallerReference": public_key_name(run_name, kind),
        "Name": public_key_name(run_name, kind),
        "EncodedKey": pem,
        "Comment": f"cftutorial {run_name}: {kind} signing key",
    }


def find_public_key(name: str, *, cf: Any = None) -> str | None:
    cf = cf or clients.client("cloudfront")
    listing = cf.list_public_keys()["PublicKeyList"]
    for item in listing.get("Items", []) or []:
        if item["Name"] == name:
            return item["Id"]
    return None


def ensure_public_key(run_name: str, kind: str, pem: str, *, cf: Any = None) -> str:
    """Upload the public key once; returns its Id — the Key-Pair-Id of signed URLs."""
    cf = cf or clients.client("cloudfront")
    name = public_key_name(run_name, kind)
    found = find_public_key(name, cf=cf)
    if found:
        registered = cf.get_public_key(Id=found)["PublicKey"]["PublicKeyConfig"]["EncodedKey"]
        if registered.strip() != pem.strip():
            raise KeyGroupError(
                f"public key {name!r} ({found}) in CloudFront is not the public half of the "
                f"local key file for run {run_name!r}, so its signatures would be refused; run "
                f"cleanup.cleanup({run_name!r}) or choose another run_name"
            )
        return found
    answer = cf.create_public_key(PublicKeyConfig=public_key_config(run_name, kind, pem))
    return answer["PublicKey"]["Id"]


def find_key_group(name: str, *, cf: Any = None) -> dict[str, Any] | None:
    cf = cf or clients.client("cloudfront")
    listing = cf.list_key_groups()["KeyGroupList"]
    for item in listing.get("Items", []) or []:
        group = item["KeyGroup"]
        if group["KeyGroupConfig"]["Name"] == name:
            return {"Id": group["Id"], "Items": list(group["KeyGroupConfig"].get("Items", []))}
    return None


def ensure_key_group(run_name: str, public_key_ids: list[str], *, cf: Any = None) -> str:
    """Create the run's key group holding ``public_key_ids``; returns the group Id."""
    cf = cf or clients.client("cloudfront")
    name = key_group_name(run_name)
    found = find_key_group(name, cf=cf)
    if found:
        missing = [key for key in public_key_ids if key not in found["Items"]]
        if missing:
            _add_to_group(found["Id"], missing, cf)
        return found["Id"]
    answer = cf.create_key_group(
        KeyGroupConfig={
            "Name": name,
            "Items": list(public_key_ids),
            "Comment": f"cftutorial {run_name}: keys trusted to sign",
        }
    )
    return answer["KeyGroup"]["Id"]


def _add_to_group(group_id: str, key_ids: list[str], cf: Any) -> None:
    current = cf.get_key_group(Id=group_id)
    config_ = current["KeyGroup"]["KeyGroupConfig"]
    config_["Items"] = list(config_.get("Items", [])) + key_ids
    if len(config_["Items"]) > 5:
        raise KeyGroupError(
            f"key group {group_id} would hold {len(config_['Items'])} public keys; "
            "CloudFront allows at most 5 per key group: delete an old key first"
        )
    cf.update_key_group(Id=group_id, KeyGroupConfig=config_, IfMatch=current["ETag"])


def ensure_signing_key(
    run_name: str, approach: str = "modern", kind: str = "rsa", *, cf: Any = None
) -> SigningKey:
    """Find or make the run's signing key and register it where CloudFront trusts it.

    modern: public key + key group (the group goes into ``TrustedKeyGroups``).
    guide: the local stand-in for the console's root-account key pair (``TrustedSigners: self``).
    The result is saved in the tutorial state (ids and paths only).
    """
    from . import keys

    _check_kind(kind)
    saved = state.get(run_name, "signing_key")
    if (
        saved
        and saved.get("approach") == approach
        and saved.get("kind") == kind
        and Path(saved["private_key_path"]).is_file()
    ):
        return SigningKey(**saved)
    private_path, public_path = ensure_key_files(run_name, kind)
    pem = keys.public_key_pem(keys.load_public_key(public_path))
    if approach == "modern":
        key_id = ensure_public_key(run_name, kind, pem, cf=cf)
        group_id = ensure_key_group(run_name, [key_id], cf=cf)
    elif approach == "guide":
        from .account_keys import register_account_key_pair

        key_id, group_id = register_account_key_pair(pem), None
    else:
        raise KeyGroupError(f"approach={approach!r} is not known; use 'modern' or 'guide'")
    signing = SigningKey(approach, kind, key_id, group_id, str(private_path), str(public_path))
    state.update(run_name, signing_key=signing.to_state())
    return signing


def signer_for(run_name: str, hash_algorithm: str = "SHA1") -> Any:
    """A :class:`cftutorial.signer.Signer` for the run's saved signing key."""
    from . import keys
    from .signer import Signer

    saved = state.require(run_name, "signing_key")
    private_key = keys.load_private_key(saved["private_key_path"])
    return Signer(saved["key_pair_id"], private_key, hash_algorithm=hash_algorithm)


def trusted_keys(run_name: str) -> dict[str, str]:
    """Key-Pair-Id -> public PEM of the run's key, for :func:`cftutorial.verify.verify`."""
    from . import keys

    saved = state.require(run_name, "signing_key")
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


def delete_key_group(group_id: str, *, cf: Any = None) -> bool:
    cf = cf or clients.client("cloudfront")
    return delete_with_etag(
        cf.get_key_group, cf.delete_key_group, group_id, ("NoSuchResource", "NoSuchKeyGroup")
    )


def delete_public_key(key_id: str, *, cf: Any = None) -> bool:
    cf = cf or clients.client("cloudfront")
    return delete_with_etag(
        cf.get_public_key, cf.delete_public_key, key_id, ("NoSuchPublicKey", "NoSuchResource")
    )


@dataclass(frozen=True)
class KeysStep:
    signing_key: SigningKey
    private_key_mode: str  # e.g. "0o600"
    switched: bool  # modern: whether the distribution had to be switched to the key group
    waited_seconds: float


def step(
    *, run_name: str, approach: str = "modern", key_type: str = "rsa", progress: bool = True
) -> KeysStep:
    """Notebook 06: find or make the key, register it, and make the distribution trust it."""
    from . import distribution

    signing = ensure_signing_key(run_name, approach, key_type)
    mode = oct(Path(signing.private_key_path).stat().st_mode & 0o777)
    switched, waited = False, 0.0
    dist = state.get(run_name, "distribution")
    if approach == "modern" and dist and signing.key_group_id:
        switched = distribution.trust_key_group(dist["id"], signing.key_group_id) is not None
        waited = distribution.wait_deployed(dist["id"], progress=progress)
    return KeysStep(signing, mode, switched, waited)
