"""Gap C5 for origin access controls: ``If-Match`` on update/delete, ETag rotation, in-use check.

AWS: ``UpdateOriginAccessControl`` and ``DeleteOriginAccessControl`` need the current ETag
(400 ``InvalidIfMatchVersion`` / 412 ``PreconditionFailed``), every update returns a new ETag,
and deleting an OAC an origin still uses is 409 ``OriginAccessControlInUse``. moto 5.2.5
ignores ``If-Match`` and keeps the ETag.
"""

from __future__ import annotations

from .. import moto_adapter
from ..wire import CloudFrontError, Request, Response
from .etags import new_etag, require_if_match
from .references import distributions_using_oac

PREFIX = "/2020-05-31/origin-access-control"


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


def make_update(original):
    def update_origin_access_control(self, control_id, config):
        control = original(self, control_id, config)
        moto_adapter.set_etag(control, new_etag())
        return control

    return update_origin_access_control


PATCHES = (
    moto_adapter.Patch(
        "cloudfront.models",
        "CloudFrontBackend",
        "update_origin_access_control",
        ("self", "control_id", "config"),
        "C5",
        make_update,
    ),
)


ROUTES = [
    ("PUT", rf"{PREFIX}/(?P<control_id>[^/]+)/config", check_update, "UpdateOriginAccessControl"),
    ("DELETE", rf"{PREFIX}/(?P<control_id>[^/]+)", delete, "DeleteOriginAccessControl"),
]
