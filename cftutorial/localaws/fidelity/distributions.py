"""Distribution create/update/delete as AWS does them: wires gaps C3, C4, C5 and C6 into moto.

Also gap C6 itself: AWS deletes a distribution only when it is disabled *and* deployed;
otherwise 409 ``DistributionNotDisabled`` ("The distribution you are trying to delete has not
been disabled."). moto 5.2.5 deletes an enabled distribution.
"""

from __future__ import annotations

from typing import Any

from . import deployment, references
from .etags import new_etag, require_if_match
from .guard import Expectation, wrap
from .wire import CloudFrontError, moto_errors


def is_enabled(dist: Any) -> bool:
    enabled = dist.distribution_config.Enabled
    return enabled is True or str(enabled).lower() == "true"


def require_deletable(dist: Any) -> None:
    """Gap C6: only a disabled, deployed distribution may be deleted."""
    if is_enabled(dist) or not deployment.is_deployed(dist):
        state = "enabled" if is_enabled(dist) else "disabled but still InProgress"
        raise CloudFrontError(
            "DistributionNotDisabled",
            f"The distribution you are trying to delete has not been disabled "
            f"(distribution {dist.distribution_id} is {state}; disable it with "
            f"update_distribution, wait until it is Deployed, then delete it).",
        )


def expectations() -> list[Expectation]:
    from moto.cloudfront.models import CloudFrontBackend

    return [
        Expectation(
            CloudFrontBackend,
            "create_distribution_with_tags",
            ["self", "distribution_config", "tags"],
            "C3/C4",
        ),
        Expectation(
            CloudFrontBackend,
            "update_distribution",
            ["self", "dist_config", "_id", "if_match"],
            "C3/C4/C5",
        ),
        Expectation(
            CloudFrontBackend,
            "delete_distribution",
            ["self", "distribution_id", "if_match"],
            "C5/C6",
        ),
    ]


def apply() -> None:
    from moto.cloudfront.models import CloudFrontBackend

    def make_create(original):
        @moto_errors
        def create_distribution_with_tags(self, distribution_config, tags):
            references.check_distribution_config(distribution_config)
            dist, location, _etag = original(self, distribution_config, tags)
            dist.etag = new_etag()
            deployment.start_deployment(dist)
            return dist, location, dist.etag

        return create_distribution_with_tags

    def make_update(original):
        @moto_errors
        def update_distribution(self, dist_config, _id, if_match):
            dist = self.distributions.get(_id)
            if dist is not None:
                require_if_match(dist.etag, if_match)
                references.check_distribution_config(dist_config)
            dist, location, _etag = original(self, dist_config, _id, if_match)
            dist.etag = new_etag()
            deployment.start_deployment(dist)
            return dist, location, dist.etag

        return update_distribution

    def make_delete(original):
        @moto_errors
        def delete_distribution(self, distribution_id, if_match):
            dist = self.distributions.get(distribution_id)
            if dist is not None:
                require_if_match(dist.etag, if_match)
                require_deletable(dist)
            return original(self, distribution_id, if_match)

        return delete_distribution

    wrap(CloudFrontBackend, "create_distribution_with_tags", make_create)
    wrap(CloudFrontBackend, "update_distribution", make_update)
    wrap(CloudFrontBackend, "delete_distribution", make_delete)
