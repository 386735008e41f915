"""The two ways out of a run whose saved ids no longer match AWS, in one wording for every report
(the self-checks before a step, ``cftutorial doctor``, a lost key file): run again the notebook
that makes the resource, or remove the run and start over."""

from __future__ import annotations


def start_over(run_name: str) -> str:
    return f"`cftutorial teardown --run {run_name} --yes` and start from 01"


def again(run_name: str, notebook: str) -> str:
    """Re-run ``notebook`` (which finds or makes the resource again), or start the run over."""
    return f"re-run notebook {notebook} with run_name={run_name!r}, or {start_over(run_name)}"
