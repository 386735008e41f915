"""CloudFront public keys and key groups: who may sign (today's ``TrustedKeyGroups``).

Since 22 Oct 2020 you upload the *public* half of a key you generated (``create_public_key``), put
it in a key group (``create_key_group``, at most 5 keys) and name the group in the distribution.
The public key's **Id** is what goes into ``Key-Pair-Id``; the key group's Id never does.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ..errors import KeyGroupError
from . import clients
from .etags import delete_with_etag
from .missing import is_missing

MAX_KEYS_PER_GROUP = 5


def public_key_config(
    *, caller_reference: str, name: str, pem: str, comment: str
) -> dict[str, str]:
    """What ``create_public_key`` takes: the *public* PEM only."""
    return {
        "CallerReference": caller_reference,
        "Name": name,
        "EncodedKey": pem,
        "Comment": comment,
    }


def list_public_keys(*, cf: Any = None) -> list[dict[str, str]]:
    """``{"Id", "Name"}`` of every public key in the account (``list_public_keys``)."""
    cf = cf or clients.client("cloudfront")
    listing = cf.list_public_keys()["PublicKeyList"]
    return [{"Id": item["Id"], "Name": item["Name"]} for item in listing.get("Items", []) or []]


def find_public_key(name: str, *, cf: Any = None) -> str | None:
    """The Id of the public key with this name, or None."""
    for item in list_public_keys(cf=cf):
        if item["Name"] == name:
            return item["Id"]
    return None


def registered_pem(key_id: str, *, cf: Any = None) -> str:
    cf = cf or clients.client("cloudfront")
    return cf.get_public_key(Id=key_id)["PublicKey"]["PublicKeyConfig"]["EncodedKey"]


def registered_public_keys(*, cf: Any = None) -> list[dict[str, str]]:
    """``{"Id", "Name", "EncodedKey"}`` of every public key in the account, every page read
    (``list_public_keys`` with ``Marker``; ``get_public_key`` where a listing leaves the PEM out).
    Read-only."""
    cf = cf or clients.client("cloudfront")
    found: list[dict[str, str]] = []
    marker = ""
    while True:
        listing = cf.list_public_keys(**({"Marker": marker} if marker else {}))["PublicKeyList"]
        for item in listing.get("Items", []) or []:
            pem = item.get("EncodedKey") or registered_pem(item["Id"], cf=cf)
            found.append({"Id": item["Id"], "Name": item.get("Name", ""), "EncodedKey": pem})
        marker = listing.get("NextMarker") or ""
        if not marker:
            return found


def key_groups(*, cf: Any = None) -> list[dict[str, Any]]:
    """``{"Id", "Name", "Items"}`` of every key group in the account, every page read
    (``list_key_groups`` with ``Marker``). Read-only."""
    cf = cf or clients.client("cloudfront")
    found: list[dict[str, Any]] = []
    marker = ""
    while True:
        listing = cf.list_key_groups(**({"Marker": marker} if marker else {}))["KeyGroupList"]
        for item in listing.get("Items", []) or []:
            group = item["KeyGroup"]
            config = group["KeyGroupConfig"]
            found.append(
                {"Id": group["Id"], "Name": config["Name"], "Items": list(config.get("Items", []))}
            )
        marker = listing.get("NextMarker") or ""
        if not marker:
            return found


def ensure_public_key(config: dict[str, str], *, cf: Any = None) -> str:
    """Upload the public key once (found again by name); returns its Id, the Key-Pair-Id."""
    cf = cf or clients.client("cloudfront")
    found = find_public_key(config["Name"], cf=cf)
    if found:
        if registered_pem(found, cf=cf).strip() != config["EncodedKey"].strip():
            raise KeyGroupError(
                f"public key {config['Name']!r} ({found}) in CloudFront is not the public half of "
                "the local key file, so its signatures would be refused; run "
                "'cftutorial teardown --run RUN --yes' or choose another run_name"
            )
        return found
    return cf.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]


def find_key_group(name: str, *, cf: Any = None) -> dict[str, Any] | None:
    """``{"Id", "Items"}`` of the key group with this name, or None."""
    cf = cf or clients.client("cloudfront")
    listing = cf.list_key_groups()["KeyGroupList"]
    for item in listing.get("Items", []) or []:
        group = item["KeyGroup"]
        if group["KeyGroupConfig"]["Name"] == name:
            return {"Id": group["Id"], "Items": list(group["KeyGroupConfig"].get("Items", []))}
    return None


def ensure_key_group(
    name: str, public_key_ids: list[str], *, comment: str = "", cf: Any = None
) -> str:
    """The key group ``name`` holding (at least) ``public_key_ids``; returns its Id."""
    cf = cf or clients.client("cloudfront")
    found = find_key_group(name, cf=cf)
    if found:
        missing = [key for key in public_key_ids if key not in found["Items"]]
        if missing:
            add_to_group(found["Id"], missing, cf=cf)
        return found["Id"]
    answer = cf.create_key_group(
        KeyGroupConfig={"Name": name, "Items": list(public_key_ids), "Comment": comment}
    )
    return answer["KeyGroup"]["Id"]


def add_to_group(group_id: str, key_ids: list[str], *, cf: Any = None) -> None:
    """``get_key_group`` + ``update_key_group(IfMatch=ETag)`` with more public keys."""
    cf = cf or clients.client("cloudfront")
    current = cf.get_key_group(Id=group_id)
    config = current["KeyGroup"]["KeyGroupConfig"]
    config["Items"] = list(config.get("Items", [])) + key_ids
    if len(config["Items"]) > MAX_KEYS_PER_GROUP:
        raise KeyGroupError(
            f"key group {group_id} would hold {len(config['Items'])} public keys; "
            f"CloudFront allows at most {MAX_KEYS_PER_GROUP} per key group: delete an old key first"
        )
    cf.update_key_group(Id=group_id, KeyGroupConfig=config, IfMatch=current["ETag"])


def with_public_key(group_config: dict[str, Any], key_id: str) -> dict[str, Any]:
    """``group_config`` with ``key_id`` added (for ``update_key_group``); at most 5 keys."""
    items = list(group_config.get("Items", []) or [])
    items += [] if key_id in items else [key_id]
    if len(items) > MAX_KEYS_PER_GROUP:
        raise KeyGroupError(
            f"key group {group_config.get('Name')!r} would hold {len(items)} public keys; "
            f"CloudFront allows at most {MAX_KEYS_PER_GROUP}: delete an old key first"
        )
    return {**group_config, "Items": items}


def without_public_key(group_config: dict[str, Any], key_id: str) -> dict[str, Any]:
    """``group_config`` without ``key_id`` (for ``update_key_group``); never without any key."""
    items = [item for item in group_config.get("Items", []) or [] if item != key_id]
    if not items:
        raise KeyGroupError(
            f"key group {group_config.get('Name')!r} would hold no public key; CloudFront needs "
            "at least one: add the new key first"
        )
    return {**group_config, "Items": items}


def take_out_of_group(group_id: str, key_id: str, *, cf: Any = None) -> bool:
    """``get_key_group`` + ``update_key_group(IfMatch=ETag)`` without ``key_id``; False when the
    group does not hold it (or is gone). A key must leave every group before it is deleted."""
    cf = cf or clients.client("cloudfront")
    try:
        current = cf.get_key_group(Id=group_id)
    except ClientError as error:
        if is_missing(error):
            return False
        raise
    config = current["KeyGroup"]["KeyGroupConfig"]
    if key_id not in config.get("Items", []):
        return False
    wanted = without_public_key(config, key_id)
    cf.update_key_group(Id=group_id, KeyGroupConfig=wanted, IfMatch=current["ETag"])
    return True


def delete_key_group(group_id: str, *, cf: Any = None) -> bool:
    cf = cf or clients.client("cloudfront")
    return delete_with_etag(cf.get_key_group, cf.delete_key_group, group_id)


def delete_public_key(key_id: str, *, cf: Any = None) -> bool:
    cf = cf or clients.client("cloudfront")
    return delete_with_etag(cf.get_public_key, cf.delete_public_key, key_id)
