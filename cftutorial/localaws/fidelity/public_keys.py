"""Gap C8: public keys are validated, missing ones are ``NoSuchPublicKey``, used ones stay.

AWS ``CreatePublicKey`` accepts only a PEM SubjectPublicKeyInfo holding an RSA 2048-bit or an
ECDSA P-256 key (else 400 ``InvalidArgument``); get/delete of an unknown id is 404
``NoSuchPublicKey``; deleting a key that a key group still lists is 409 ``PublicKeyInUse``.
moto 5.2.5 accepts "not a pem", answers a missing id with HTTP 500 and deletes keys in use.
Also answers ``GetPublicKeyConfig`` and ``UpdatePublicKey`` (with ``If-Match``, C5), which moto
does not route.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...signing.keys import public_key_problem as key_problem
from .etags import new_etag, require_if_match
from .guard import Expectation, wrap
from .wire import (
    CloudFrontError,
    Request,
    Response,
    cloudfront_backend,
    cloudfront_result,
    moto_errors,
)

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
    return [g.id for g in list(cloudfront_backend().key_groups.values()) if key_id in g.items]


def expectations() -> list[Expectation]:
    from moto.cloudfront.models import CloudFrontBackend

    return [
        Expectation(
            CloudFrontBackend,
            "create_public_key",
            ["self", "caller_ref", "name", "encoded_key"],
            "C8",
        ),
        Expectation(CloudFrontBackend, "get_public_key", ["self", "key_id"], "C8"),
        Expectation(CloudFrontBackend, "delete_public_key", ["self", "key_id"], "C8"),
    ]


def apply() -> None:
    from moto.cloudfront.models import CloudFrontBackend

    def make_create(original):
        @moto_errors
        def create_public_key(self, caller_ref, name, encoded_key):
            require_valid_key(encoded_key)
            return original(self, caller_ref, name, encoded_key)

        return create_public_key

    def make_get(original):
        @moto_errors
        def get_public_key(self, key_id):
            if key_id not in self.public_keys:
                raise no_such(key_id)
            return original(self, key_id)

        return get_public_key

    wrap(CloudFrontBackend, "create_public_key", make_create)
    wrap(CloudFrontBackend, "get_public_key", make_get)


def delete(request: Request, key_id: str) -> Response:
    """DeletePublicKey with ``If-Match`` (C5) and the in-use check (C8)."""
    backend = cloudfront_backend()
    key = backend.public_keys.get(key_id)
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
    backend.public_keys.pop(key_id, None)
    return 204, {}, b""


def _config(key) -> dict:
    return {
        "CallerReference": key.caller_ref,
        "Name": key.name,
        "EncodedKey": key.encoded_key,
        "Comment": key.comment or "",
    }


def get_config(request: Request, key_id: str) -> Response:
    key = cloudfront_backend().public_keys.get(key_id)
    if key is None:
        raise no_such(key_id)
    return cloudfront_result(
        "GetPublicKeyConfig", {"PublicKeyConfig": _config(key), "ETag": key.etag}
    )


def update(request: Request, key_id: str) -> Response:
    """UpdatePublicKey: only Comment may change (``CannotChangeImmutablePublicKeyFields``)."""
    key = cloudfront_backend().public_keys.get(key_id)
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
    key.comment = values.get("Comment", key.comment)
    key.etag = new_etag()
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
