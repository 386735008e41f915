"""One viewer request that reached a served distribution, and the answer given to it."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from ..moto_adapter import Behaviour, Distribution
from ..uri import ViewerUrl
from .behaviours import pattern_of
from .routing import Target


@dataclass
class Outcome:
    """One answer and the decision behind it."""

    response: Response
    distribution: str
    code: str | None
    reason: str


@dataclass(frozen=True)
class View:
    """A request, its canonical URL, and the distribution and cache behaviour that serve it."""

    request: Request
    target: Target
    request_id: str
    dist: Distribution
    behaviour: Behaviour
    #: the canonical viewer URL: the behaviour, the policy and the S3 key are all read from it
    url: ViewerUrl

    @property
    def pattern(self) -> str:
        return pattern_of(self.behaviour)

    def outcome(self, response: Response, code: str | None, reason: str) -> Outcome:
        return Outcome(response, self.dist.id, code, reason)
