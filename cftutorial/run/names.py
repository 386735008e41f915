"""Every name a tutorial run gives its resources, in one place.

Each notebook finds what an earlier one made by these names (and by the saved state), and
teardown finds a run's leftovers by them when the saved state is gone, so they must not be
spelled twice.
"""

from __future__ import annotations

from pathlib import Path

from .. import config

PREFIX = "cftutorial"


def keys_dir() -> Path:
    """Where the runs' key files live (0700): ``$CFTUTORIAL_HOME/keys``."""
    path = config.home() / "keys"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


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


def _generation_suffix(generation: int) -> str:
    """Generation 1 (notebook 06's key) has no suffix; each rotation (notebook 10) adds one."""
    return "" if generation == 1 else f"-{generation}"


def public_key(run_name: str, kind: str, generation: int = 1) -> str:
    return f"{PREFIX}-{run_name}-{kind}{_generation_suffix(generation)}"


def public_key_generation(run_name: str, kind: str, name: str) -> int | None:
    """The generation of ``name`` if it is one of the run's ``kind`` public keys, else None.

    Exact: a suffix of digits only, so run ``a``'s keys never match run ``a-rsa``'s.
    """
    return _generation_of(public_key(run_name, kind), name)


def _generation_of(base: str, name: str) -> int | None:
    if name == base:
        return 1
    tail = name.removeprefix(f"{base}-")
    canonical = tail != name and tail.isdigit() and str(int(tail)) == tail and int(tail) > 1
    return int(tail) if canonical else None


def kms_public_key(run_name: str) -> str:
    """The CloudFront public key of notebook 12's KMS key."""
    return f"{PREFIX}-{run_name}-kms"


def key_group(run_name: str) -> str:
    return f"{PREFIX}-{run_name}"


def log_bucket(run_name: str) -> str:
    """Notebook 09's bucket for the distribution's standard access logs (ACLs enabled)."""
    return f"{PREFIX}-{run_name}-logs"


def log_prefix() -> str:
    """Notebook 09's ``Logging.Prefix``: its log files are ``clinic/DIST.YYYY-MM-DD-HH.ID.gz``."""
    return "clinic/"


def retired_public_key(run_name: str) -> str:
    """Notebook 09's second public key, added to the key group and then retired from it."""
    return f"{PREFIX}-{run_name}-clinic-retired"


def key_files_stem(run_name: str, kind: str, generation: int = 1) -> str:
    """``STEM_private_key.pem`` / ``STEM_public_key.pem`` under ``$CFTUTORIAL_HOME/keys``."""
    return f"{run_name}-{kind}{_generation_suffix(generation)}"


def key_files_generation(run_name: str, kind: str, stem: str) -> int | None:
    """The generation of a key file ``stem`` of the run's ``kind`` keys, else None."""
    return _generation_of(key_files_stem(run_name, kind), stem)


# --- notebook 13: the deliberately broken distribution the audit practises on ----------------


def audit_bucket(run_name: str) -> str:
    """Notebook 13's own bucket, private, behind its own (deliberately broken) distribution."""
    return f"{PREFIX}-{run_name}-audit"


def audit_distribution_comment(run_name: str) -> str:
    return f"{PREFIX} {run_name}: audit practice (deliberately broken)"


def audit_key_group(run_name: str) -> str:
    return f"{PREFIX}-{run_name}-audit"


def audit_public_key(run_name: str, number: int) -> str:
    """Notebook 13's public keys: 1 is the key group's only key, 2 the one the fix adds."""
    return f"{PREFIX}-{run_name}-audit-{number}"


def audit_dir(run_name: str, *, create: bool = True) -> Path:
    """Notebook 13's key files (its keys, and the ones it breaks on purpose), 0700."""
    path = keys_dir() / f"{run_name}-audit"
    if create:
        path.mkdir(mode=0o700, exist_ok=True)
    return path
