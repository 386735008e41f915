"""Gap C5 for origin access controls: ``If-Match`` on update/delete, ETag rotation, in-use check.

AWS: ``UpdateOriginAccessControl`` and ``DeleteOriginAccessControl`` need the current ETag
(400 ``InvalidIfMatchVersion`` / 412 ``PreconditionFailed``), every update returns a new ETag,
and deleting an OAC an origin still uses is 409 ``OriginAccessControlInUse``. moto 5.2.5
ignores ``If-Match`` and keeps the ETag.

Gap C11 for origin access controls: a name is unique in the account, so creating one with (or
renaming one to) a name another OAC has is 409 ``OriginAccessControlAlreadyExists``. moto 5.2.5
makes duplicates.

Gap C12: ``CreateOriginAccessControl`` answers 201 with ``Location:
https://cloudfront.amazonaws.com/2020-05-31/origin-access-control/ID`` (CloudFront API Reference,
"CreateOriginAccessControl": response ``Location``), as every other create of the tutorial does;
moto 5.2.5 leaves the header out. The patch adds it to moto's answer, which moto's serializer
then writes as the header the botocore model names.
"""

from __future__ import annotations

from .. import moto_adapter
from ..wire import CloudFrontError, Request, Response, moto_errors
from .etags import new_etag, require_if_match
from .references import distributions_using_oac

PREFIX = "/2020-05-31/origin-access-control"
LOCATION = "https://cloudfront.amazonaws.com" + PREFIX


def _etag(control_id: str) -> str:
    etag = moto_adapter.origin_access_control_etag(control_id)
    if etag is None:
        raise CloudFrontError(
            "NoSuchOriginAccessControl",
            f"The specified origin access control does not exist: {control_id}",
        )
    return etag


def check_update(request: Request, control_id: str) -> None:
    """Gate in front of moto's update; moto then applies it (and the patch rotates the ETag)."""
    require_if_match(_etag(control_id), request.header("If-Match"))


def delete(request: Request, control_id: str) -> Response:
    require_if_match(_etag(control_id), request.header("If-Match"))
    users = distributions_using_oac(control_id)
    if users:
        raise CloudFrontError(
            "OriginAccessControlInUse",
            f"Cannot delete the origin access control because it's in use by distribution(s) {', '.join(users)}.",
        )
    moto_adapter.delete_origin_access_control(control_id)
    return 204, {}, b""


def require_unique_name(name: str | None, *, other_than: str | None = None) -> None:
    for control_id, taken in moto_adapter.origin_access_control_names().items():
        if name and taken == name and control_id != other_than:
            raise CloudFrontError(
                "OriginAccessControlAlreadyExists",
                "An origin access control with the specified parameters already exists: "
                f"{control_id} is named {name!r}; choose another Name.",
            )


def make_create(original):
    @moto_errors
    def create_origin_access_control(self, config_dict):
        require_unique_name((config_dict or {}).get("Name"))
        return original(self, config_dict)

    return create_origin_access_control


def make_create_answer(original):
    def create_origin_access_control(self):
        answer = original(self)
        fields = moto_adapter.result_fields(answer)
        fields["Location"] = f"{LOCATION}/{fields['OriginAccessControl']['Id']}"
        return answer

    return create_origin_access_control


def make_update(original):
    @moto_errors
    def update_origin_access_control(self, control_id, config):
        require_unique_name((config or {}).get("Name"), other_than=control_id)
        control = original(self, control_id, config)
        moto_adapter.set_etag(control, new_etag())
        return control

    return update_origin_access_control


PATCHES = (
    moto_adapter.Patch(
        "cloudfront.models",
        "CloudFrontBackend",
        "create_origin_access_control",
        ("self", "config_dict"),
        "C11",
        make_create,
    ),
    moto_adapter.Patch(
        "cloudfront.responses",
        "CloudFrontResponse",
        "create_origin_access_control",
        ("self",),
        "C12",
        make_create_answer,
    ),
    moto_adapter.Patch(
        "cloudfront.models",
        "CloudFrontBackend",
        "update_origin_access_control",
        ("self", "control_id", "config"),
        "C5/C11",
        make_update,
    ),
)


ROUTES = [
    ("PUT", rf"{PREFIX}/(?P<control_id>[^/]+)/config", check_update, "UpdateOriginAccessControl"),
    ("DELETE", rf"{PREFIX}/(?P<control_id>[^/]+)", delete, "DeleteOriginAccessControl"),
]
