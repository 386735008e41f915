"""Gap C8: public keys are validated, missing ones are ``NoSuchPublicKey``, used ones stay.

AWS ``CreatePublicKey`` accepts only a PEM SubjectPublicKeyInfo holding an RSA 2048-bit or an
ECDSA P-256 key (else 400 ``InvalidArgument``); get/delete of an unknown id is 404
``NoSuchPublicKey``; deleting a key that a key group still lists is 409 ``PublicKeyInUse``.
moto 5.2.5 accepts "not a pem", answers a missing id with HTTP 500 and deletes keys in use.
Gap C11 for public keys: a ``CallerReference`` used before with another ``Name``/``EncodedKey``,
or a ``Name`` another key has, is 409 ``PublicKeyAlreadyExists``; the same reference with the
same config is a retry and answers with the existing key. moto 5.2.5 creates a second key.
Also answers ``GetPublicKeyConfig`` and ``UpdatePublicKey`` (with ``If-Match``, C5), which moto
does not route.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...signing.keys import public_key_problem as key_problem
from .. import moto_adapter
from ..wire import CloudFrontError, Request, Response, cloudfront_result, moto_errors
from .etags import new_etag, require_if_match

PREFIX = "/2020-05-31/public-key"


def require_valid_key(pem: str) -> None:
    problem = key_problem(pem or "")
    if problem:
        raise CloudFrontError(
            "InvalidArgument",
            f"The specified public key is not valid: {problem}; "
            "use an RSA 2048-bit or ECDSA P-256 public key in PEM format.",
        )


def no_such(key_id: str) -> CloudFrontError:
    return CloudFrontError("NoSuchPublicKey", f"The specified public key does not exist: {key_id}")


def key_groups_using(key_id: str) -> list[str]:
    return [g.id for g in moto_adapter.key_groups() if key_id in g.items]


def already_exists(detail: str) -> CloudFrontError:
    return CloudFrontError(
        "PublicKeyAlreadyExists", f"The specified public key already exists: {detail}."
    )


def retried(caller_ref: str, name: str, encoded_key: str) -> str | None:
    """The id of the key this create retries, or None; raises when it clashes with a key."""
    for key in moto_adapter.public_keys():
        same_config = key.name == name and key.encoded_key.strip() == encoded_key.strip()
        if key.caller_ref == caller_ref:
            if same_config:
                return key.id
            raise already_exists(
                f"the CallerReference {caller_ref!r} was used for public key {key.id} "
                "with another config; use a new CallerReference"
            )
        if key.name == name:
            raise already_exists(
                f"public key {key.id} is already named {name!r}; choose another Name"
            )
    return None


def make_create(original):
    @moto_errors
    def create_public_key(self, caller_ref, name, encoded_key):
        require_valid_key(encoded_key)
        existing = retried(caller_ref, name, encoded_key)
        if existing is not None:
            return moto_adapter.public_key_answer(existing)
        return original(self, caller_ref, name, encoded_key)

    return create_public_key


def make_get(original):
    @moto_errors
    def get_public_key(self, key_id):
        if moto_adapter.public_key(key_id) is None:
            raise no_such(key_id)
        return original(self, key_id)

    return get_public_key


_BACKEND = ("cloudfront.models", "CloudFrontBackend")
PATCHES = (
    moto_adapter.Patch(
        *_BACKEND,
        "create_public_key",
        ("self", "caller_ref", "name", "encoded_key"),
        "C8/C11",
        make_create,
    ),
    moto_adapter.Patch(*_BACKEND, "get_public_key", ("self", "key_id"), "C8", make_get),
)


def delete(request: Request, key_id: str) -> Response:
    """DeletePublicKey with ``If-Match`` (C5) and the in-use check (C8)."""
    key = moto_adapter.public_key(key_id)
    if key is None:
        raise no_such(key_id)
    require_if_match(key.etag, request.header("If-Match"))
    groups = key_groups_using(key_id)
    if groups:
        raise CloudFrontError(
            "PublicKeyInUse",
            f"The specified public key is in use by key group(s) {', '.join(groups)}; "
            "remove it from them (update_key_group) first.",
        )
    moto_adapter.delete_public_key(key_id)
    return 204, {}, b""


def _config(key: moto_adapter.PublicKey) -> dict:
    return {
        "CallerReference": key.caller_ref,
        "Name": key.name,
        "EncodedKey": key.encoded_key,
        "Comment": key.comment,
    }


def get_config(request: Request, key_id: str) -> Response:
    key = moto_adapter.public_key(key_id)
    if key is None:
        raise no_such(key_id)
    return cloudfront_result(
        "GetPublicKeyConfig", {"PublicKeyConfig": _config(key), "ETag": key.etag}
    )


def update(request: Request, key_id: str) -> Response:
    """UpdatePublicKey: only Comment may change (``CannotChangeImmutablePublicKeyFields``)."""
    key = moto_adapter.public_key(key_id)
    if key is None:
        raise no_such(key_id)
    require_if_match(key.etag, request.header("If-Match"))
    try:
        values = {c.tag.rsplit("}", 1)[-1]: c.text or "" for c in ET.fromstring(request.body)}
    except ET.ParseError:
        raise CloudFrontError(
            "InvalidArgument", "The PublicKeyConfig XML is not well-formed."
        ) from None
    for field, current in (("Name", key.name), ("EncodedKey", key.encoded_key)):
        if field in values and values[field].strip() != current.strip():
            raise CloudFrontError(
                "CannotChangeImmutablePublicKeyFields",
                f"You can't change the value of a public key's {field}; only Comment can change.",
            )
    key = moto_adapter.update_public_key_comment(
        key_id, values.get("Comment", key.comment), new_etag()
    )
    return cloudfront_result(
        "UpdatePublicKey",
        {
            "PublicKey": {
                "Id": key.id,
                "CreatedTime": key.created_time,
                "PublicKeyConfig": _config(key),
            },
            "ETag": key.etag,
        },
    )


ROUTES = [
    ("DELETE", rf"{PREFIX}/(?P<key_id>[^/]+)", delete, "DeletePublicKey"),
    ("GET", rf"{PREFIX}/(?P<key_id>[^/]+)/config", get_config, "GetPublicKeyConfig"),
    ("PUT", rf"{PREFIX}/(?P<key_id>[^/]+)/config", update, "UpdatePublicKey"),
]
