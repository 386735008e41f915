"""Does each saved run still describe what the AWS side holds? Plain findings, one per gap.

The saved state (``tutorial-state.json``) names the run's bucket, origin access (OAC or OAI),
distribution and signing key. If the AWS side lost one of them (a ``cftutorial local reset``,
a snapshot of the local AWS that could not be read, a resource deleted by hand) every later
notebook fails far from the cause. :func:`check_runs` looks each saved id up and returns a
:class:`Finding` for each one that is gone, with the one fix: re-run the notebook that makes it,
or start the run over with ``cftutorial teardown``. ``cftutorial doctor`` reports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..aws.missing import error_code
from ..run import fixes, resources
from . import state


@dataclass(frozen=True)
class Finding:
    """One saved id the AWS side does not have (``problem``), and how to fix it."""

    run: str
    what: str  # "bucket", "OAC", "OAI", "distribution", "key group", "public key", ...
    id: str
    problem: str
    fix: str

    def line(self) -> str:
        return f"run {self.run!r}: {self.what} {self.id} {self.problem}; fix: {self.fix}"


def _problem(row: resources.Resource, ctx: resources.Context, ident: str) -> str | None:
    """``None`` when the lookup finds the resource, else what is wrong with it."""
    try:
        return None if row.exists(ctx, ident) else "is missing"
    except ClientError as exc:
        return f"could not be checked ({error_code(exc)})"


def check_run(run: state.Run, *, s3: Any = None, cf: Any = None) -> list[Finding]:
    """The findings for one saved run (empty: everything it names is there), walking the run's
    resource table in its order."""
    run_name = run.name
    ctx = resources.Context(run_name, run.values(), for_teardown=False)
    ctx.made.update({k: v for k, v in (("cloudfront", cf), ("s3", s3)) if v is not None})
    return [
        Finding(run_name, row.finding, ident, problem, fixes.again(run_name, row.notebook))
        for row, ident in resources.saved_ids(ctx.run)
        if (problem := _problem(row, ctx, ident))
    ]


def check_runs(
    runs: list[state.Run] | None = None, *, s3: Any = None, cf: Any = None
) -> list[Finding]:
    """The findings for ``runs`` (default: every saved run, the state file read once), in
    run-name order."""
    found: list[Finding] = []
    for run in state.open_runs() if runs is None else runs:
        found += check_run(run, s3=s3, cf=cf)
    return found
