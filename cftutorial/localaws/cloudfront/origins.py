"""Gap C2: origins keep their origin-access settings.

AWS returns ``S3OriginConfig.OriginAccessIdentity`` and ``OriginAccessControlId`` exactly as
they were set in the distribution config; moto 5.2.5 accepts both and drops them from every
response. The adapter then reads them as ``Origin.oai`` and ``Origin.oac_id``.
"""

from __future__ import annotations

from typing import Any

from .. import moto_adapter


def make(original):
    def __init__(self, origin: dict[str, Any]) -> None:
        original(self, origin)
        moto_adapter.keep_origin_access(self, origin)

    return __init__


PATCHES = (
    moto_adapter.Patch("cloudfront.models", "Origin", "__init__", ("self", "origin"), "C2", make),
)
