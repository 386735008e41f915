"""Every name a tutorial run gives its resources, in one place.

Each notebook finds what an earlier one made by these names (and by the saved state), and
teardown finds a run's leftovers by them when the saved state is gone, so they must not be
spelled twice.
"""

from __future__ import annotations

PREFIX = "cftutorial"


def bucket(run_name: str) -> str:
    """The default bucket name (on real AWS add something unique: bucket names are global)."""
    return f"{PREFIX}-{run_name}"


def acl_demo_bucket(run_name: str) -> str:
    """Notebook 03's extra bucket that shows the guide's ACL call refused."""
    return f"{PREFIX}-{run_name}-acl-demo"


def oai_comment(run_name: str) -> str:
    return f"{PREFIX} {run_name}: identity for private videos"


def oac_name(run_name: str) -> str:
    return f"{PREFIX}-{run_name}"


def oac_description(run_name: str) -> str:
    return f"{PREFIX} {run_name}: CloudFront signs origin requests to S3"


def distribution_comment(run_name: str) -> str:
    return f"{PREFIX} {run_name}: private videos with signed URLs"


def public_key(run_name: str, kind: str) -> str:
    return f"{PREFIX}-{run_name}-{kind}"


def kms_public_key(run_name: str) -> str:
    """The CloudFront public key of notebook 12's KMS key."""
    return f"{PREFIX}-{run_name}-kms"


def key_group(run_name: str) -> str:
    return f"{PREFIX}-{run_name}"


def key_files_stem(run_name: str, kind: str) -> str:
    """``STEM_private_key.pem`` / ``STEM_public_key.pem`` under ``$CFTUTORIAL_HOME/keys``."""
    return f"{run_name}-{kind}"
