"""Remove everything a tutorial run created, in the order AWS insists on.

A distribution cannot be deleted while enabled (``DistributionNotDisabled``), and a key group,
public key, OAI or OAC cannot be deleted while a distribution uses it (``…InUse``). So: disable
the distribution (IfMatch its ETag) → wait until Deployed → delete it (IfMatch the new ETag) →
(notebook 11's ACM certificate, when the notebook stopped before putting the run back: ACM
refuses while a distribution uses it) → key group → public keys → (notebook 12's KMS key: its
alias deleted, the key scheduled for deletion, as KMS never deletes at once) → OAC / OAI →
bucket policy → objects → buckets (also notebook 09's access-log bucket) → local key files →
saved state. Each step reports ``deleted`` or ``absent``, so running cleanup twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..run import putback, resources
from ..run.resources import Found
from . import state

ACCOUNT_KEY = resources.ACCOUNT_KEY.kind
CERTIFICATE = resources.CERTIFICATE.kind
KMS_ALIAS = resources.KMS_ALIAS.kind
KMS_KEY = resources.KMS_KEY.kind
BUCKET = resources.BUCKET.kind
KEY_FILE = resources.KEY_FILE.kind


@dataclass(frozen=True)
class CleanupStep:
    what: str
    id: str
    outcome: str  # "deleted" | "absent" | "kept"


def _outcome(done: bool) -> str:
    return "deleted" if done else "absent"


def _context(
    run: state.Run, *, cf: Any = None, s3: Any = None, for_teardown: bool = True
) -> resources.Context:
    ctx = resources.Context(run.name, run.values(), for_teardown=for_teardown)
    ctx.made.update({k: v for k, v in (("cloudfront", cf), ("s3", s3)) if v is not None})
    return ctx


def plan(
    run: state.Run, *, cf: Any = None, s3: Any = None, for_teardown: bool = True
) -> list[Found]:
    """What of the run exists now, in deletion order (the run's resource table); changes
    nothing (``--dry-run``, notebook 08's preview)."""
    return resources.find(_context(run, cf=cf, s3=s3, for_teardown=for_teardown))


def put_backs(run: state.Run) -> list[dict[str, str]]:
    """What notebooks 09-12 recorded and did not put back yet (:mod:`cftutorial.run.putback`):
    one row each (notebook, what, id, how it would be put back). A cleanup deletes what they
    changed with the rest and forgets the records with the saved state."""
    return putback.rows(putback.pending(run.values()))


def cleanup(run: state.Run, *, keep_keys: bool = False, progress: bool = True) -> list[CleanupStep]:
    """Delete the run's resources in dependency order; forget its saved state.

    Idempotent and resumable: each call finds what still exists, so after a failure half-way
    (a timeout while the distribution deploys, say) running it again finishes the job. The saved
    state is forgotten only once everything is gone (the file is written once, then).
    """
    ctx = _context(run)
    ctx.progress = progress
    steps = []
    for item in resources.find(ctx):
        if keep_keys and item.what == KEY_FILE:
            steps.append(CleanupStep(item.what, resources.shown(item), "kept"))
            continue
        outcome = _outcome(resources.delete(ctx, item))
        steps.append(CleanupStep(item.what, resources.shown(item), outcome))
    run.forget()
    return steps


def forget_local_run(run: state.Run) -> list[str]:
    """After the local AWS was wiped (``cftutorial local reset``): forget the run and delete its
    key files, whose public halves the wiped local AWS no longer has. Kept, a later notebook
    would take them up again (10 counts their generations) as if the run went on. The names of
    the files deleted."""
    files = [Path(raw) for raw in resources.KEY_FILE.find(_context(run))]
    for path in files:
        path.unlink(missing_ok=True)
    run.forget()
    return [path.name for path in files]


def as_rows(steps: list[CleanupStep]) -> list[dict[str, str]]:
    return [{"what": s.what, "id": s.id, "outcome": s.outcome} for s in steps]
