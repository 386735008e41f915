"""Gap C7: key groups can be read back, updated and deleted as on AWS.

AWS has ``GetKeyGroupConfig``, ``UpdateKeyGroup`` and ``DeleteKeyGroup`` (both with ``If-Match``,
C5); an unknown id is 404 ``NoSuchResource``; deleting a key group that a distribution's
``TrustedKeyGroups`` still names is 409 ``ResourceInUse``; a key group holds 1 to 5 existing
public keys (``TooManyPublicKeysInKeyGroup``, C3 ``NoSuchPublicKey``). moto 5.2.5 answers 404,
``NotImplementedError`` or HTTP 500.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .. import moto_adapter
from ..wire import CloudFrontError, Request, Response, cloudfront_result, moto_errors
from .etags import new_etag, require_if_match
from .references import check_public_keys, distributions_using_key_group

PREFIX = "/2020-05-31/key-group"
MAX_KEYS = 5


def no_such(group_id: str) -> CloudFrontError:
    return CloudFrontError("NoSuchResource", f"The specified key group does not exist: {group_id}")


def check_items(name: str | None, items: list[str], *, other_than: str | None = None) -> None:
    if not items:
        raise CloudFrontError(
            "InvalidArgument", "A key group needs at least one public key id in Items."
        )
    if len(items) > MAX_KEYS:
        raise CloudFrontError(
            "TooManyPublicKeysInKeyGroup",
            f"A key group can hold at most {MAX_KEYS} public keys; got {len(items)}.",
        )
    check_public_keys(items)
    for group in moto_adapter.key_groups():
        if name and group.name == name and group.id != other_than:
            raise CloudFrontError(
                "KeyGroupAlreadyExists",
                f"A key group with the name {name!r} already exists ({group.id}).",
            )


def make_create(original):
    @moto_errors
    def create_key_group(self, name, items):
        check_items(name, list(items or []))
        return original(self, name, items)

    return create_key_group


def make_get(original):
    @moto_errors
    def get_key_group(self, group_id):
        if moto_adapter.key_group(group_id) is None:
            raise no_such(group_id)
        return original(self, group_id)

    return get_key_group


_BACKEND = ("cloudfront.models", "CloudFrontBackend")
PATCHES = (
    moto_adapter.Patch(
        *_BACKEND, "create_key_group", ("self", "name", "items"), "C3/C7", make_create
    ),
    moto_adapter.Patch(*_BACKEND, "get_key_group", ("self", "group_id"), "C7", make_get),
)


def _group(group_id: str) -> moto_adapter.KeyGroup:
    group = moto_adapter.key_group(group_id)
    if group is None:
        raise no_such(group_id)
    return group


def _config(group: moto_adapter.KeyGroup) -> dict:
    config = {"Name": group.name, "Items": list(group.items)}
    comment = group.comment
    if comment:
        config["Comment"] = comment
    return config


def get_config(request: Request, group_id: str) -> Response:
    group = _group(group_id)
    return cloudfront_result(
        "GetKeyGroupConfig", {"KeyGroupConfig": _config(group), "ETag": group.etag}
    )


def _parse(body: bytes) -> tuple[str, list[str], str]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise CloudFrontError(
            "InvalidArgument", "The KeyGroupConfig XML is not well-formed."
        ) from None
    fields = {child.tag.rsplit("}", 1)[-1]: child for child in root}
    name = (fields["Name"].text or "") if "Name" in fields else ""
    items = [(c.text or "").strip() for c in fields["Items"]] if "Items" in fields else []
    comment = (fields["Comment"].text or "") if "Comment" in fields else ""
    return name, items, comment


def update(request: Request, group_id: str) -> Response:
    group = _group(group_id)
    require_if_match(group.etag, request.header("If-Match"))
    name, items, comment = _parse(request.body)
    if not name:
        raise CloudFrontError("InvalidArgument", "KeyGroupConfig.Name is required.")
    check_items(name, items, other_than=group_id)
    group = moto_adapter.update_key_group(group_id, name, items, comment, new_etag())
    return cloudfront_result(
        "UpdateKeyGroup",
        {
            "KeyGroup": {
                "Id": group.id,
                "LastModifiedTime": group.last_modified_time,
                "KeyGroupConfig": _config(group),
            },
            "ETag": group.etag,
        },
    )


def delete(request: Request, group_id: str) -> Response:
    group = _group(group_id)
    require_if_match(group.etag, request.header("If-Match"))
    users = distributions_using_key_group(group_id)
    if users:
        raise CloudFrontError(
            "ResourceInUse",
            f"Cannot delete this resource because it is in use: key group {group_id} is trusted "
            f"by distribution(s) {', '.join(users)}.",
        )
    moto_adapter.delete_key_group(group_id)
    return 204, {}, b""


ROUTES = [
    ("GET", rf"{PREFIX}/(?P<group_id>[^/]+)/config", get_config, "GetKeyGroupConfig"),
    ("PUT", rf"{PREFIX}/(?P<group_id>[^/]+)", update, "UpdateKeyGroup"),
    ("DELETE", rf"{PREFIX}/(?P<group_id>[^/]+)", delete, "DeleteKeyGroup"),
]
