"""Gap C9: a finished invalidation has status ``Completed``.

AWS reports ``InProgress`` then ``Completed``, and boto3's ``invalidation_completed`` waiter
waits for exactly ``Completed``; moto 5.2.5 says ``COMPLETED``, so the waiter never succeeds.
"""

from __future__ import annotations

from .. import moto_adapter


def make(original):
    def __init__(self, distribution, paths, caller_ref):
        original(self, distribution, paths, caller_ref)
        moto_adapter.set_status(self, "Completed")

    return __init__


PATCHES = (
    moto_adapter.Patch(
        "cloudfront.models",
        "Invalidation",
        "__init__",
        ("self", "distribution", "paths", "caller_ref"),
        "C9",
        make,
    ),
)
