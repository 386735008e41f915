"""Gap C5 for origin access controls: ``If-Match`` on update/delete, ETag rotation, in-use check.

AWS: ``UpdateOriginAccessControl`` and ``DeleteOriginAccessControl`` need the current ETag
(400 ``InvalidIfMatchVersion`` / 412 ``PreconditionFailed``), every update returns a new ETag,
and deleting an OAC an origin still uses is 409 ``OriginAccessControlInUse``. moto 5.2.5
ignores ``If-Match`` and keeps the ETag.
"""

from __future__ import annotations

from .etags import new_etag, require_if_match
from .guard import Expectation, wrap
from .references import distributions_using_oac
from .wire import CloudFrontError, Request, Response, cloudfront_backend

PREFIX = "/2020-05-31/origin-access-control"


def _control(control_id: str):
    control = cloudfront_backend().origin_access_controls.get(control_id)
    if control is None:
        raise CloudFrontError(
            "NoSuchOriginAccessControl",
            f"The specified origin access control does not exist: {control_id}",
        )
    return control


def check_update(request: Request, control_id: str) -> None:
    """Gate in front of moto's update; moto then applies it (and the patch rotates the ETag)."""
    require_if_match(_control(control_id).etag, request.header("If-Match"))


def delete(request: Request, control_id: str) -> Response:
    control = _control(control_id)
    require_if_match(control.etag, request.header("If-Match"))
    users = distributions_using_oac(control_id)
    if users:
        raise CloudFrontError(
            "OriginAccessControlInUse",
            f"Cannot delete the origin access control because it's in use by distribution(s) {', '.join(users)}.",
        )
    cloudfront_backend().origin_access_controls.pop(control_id, None)
    return 204, {}, b""


def expectations() -> list[Expectation]:
    from moto.cloudfront.models import CloudFrontBackend

    return [
        Expectation(
            CloudFrontBackend,
            "update_origin_access_control",
            ["self", "control_id", "config"],
            "C5",
        )
    ]


def apply() -> None:
    from moto.cloudfront.models import CloudFrontBackend

    def make_update(original):
        def update_origin_access_control(self, control_id, config):
            control = original(self, control_id, config)
            control.etag = new_etag()
            return control

        return update_origin_access_control

    wrap(CloudFrontBackend, "update_origin_access_control", make_update)


ROUTES = [
    ("PUT", rf"{PREFIX}/(?P<control_id>[^/]+)/config", check_update, "UpdateOriginAccessControl"),
    ("DELETE", rf"{PREFIX}/(?P<control_id>[^/]+)", delete, "DeleteOriginAccessControl"),
]
