"""Gap C9: a finished invalidation has status ``Completed``.

AWS reports ``InProgress`` then ``Completed``, and boto3's ``invalidation_completed`` waiter
waits for exactly ``Completed``; moto 5.2.5 says ``COMPLETED``, so the waiter never succeeds.
"""

from __future__ import annotations

from .guard import Expectation, wrap


def expectations() -> list[Expectation]:
    from moto.cloudfront.models import Invalidation

    return [
        Expectation(Invalidation, "__init__", ["self", "distribution", "paths", "caller_ref"], "C9")
    ]


def apply() -> None:
    from moto.cloudfront.models import Invalidation

    def make(original):
        def __init__(self, distribution, paths, caller_ref):
            original(self, distribution, paths, caller_ref)
            self.status = "Completed"

        return __init__

    wrap(Invalidation, "__init__", make)
