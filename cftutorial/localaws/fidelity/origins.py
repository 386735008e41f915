"""Gap C2: origins keep their origin-access settings.

AWS returns ``S3OriginConfig.OriginAccessIdentity`` and ``OriginAccessControlId`` exactly as
they were set in the distribution config; moto 5.2.5 accepts both and drops them from every
response. The edge also reads ``origin.s3_access_identity`` and
``origin.origin_access_control_id`` (docs/CONTRACTS.md).
"""

from __future__ import annotations

from typing import Any

from .guard import Expectation, wrap


def expectations() -> list[Expectation]:
    from moto.cloudfront.models import Origin

    return [Expectation(Origin, "__init__", ["self", "origin"], "C2")]


def apply() -> None:
    from moto.cloudfront.models import Origin

    def make(original):
        def __init__(self, origin: dict[str, Any]) -> None:
            original(self, origin)
            s3_config = origin.get("S3OriginConfig")
            self.s3_origin_config = dict(s3_config) if s3_config is not None else None
            if s3_config is not None:
                self.s3_origin_config.setdefault("OriginAccessIdentity", "")
            self.s3_access_identity = (s3_config or {}).get("OriginAccessIdentity") or ""
            self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

        return __init__

    wrap(Origin, "__init__", make)
