"""Notebook 08: try the signed URLs and cookies as a viewer, then — only if asked — clean up.

The notebook shows each fetch itself (``requests.get`` to where the viewer's request goes, with
the signed URL or the ``Cookie`` header a browser would send). This module adds the run's
targets from the saved state, reading an HLS playlist, and the optional cleanup: what a cleanup
would delete, how to run it, and the cleanup itself (:mod:`cftutorial.tutorial.cleanup`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..run.urls import viewer_url
from . import cleanup, saved, state


@dataclass(frozen=True)
class Targets:
    """What notebook 08 requests for one run: its bucket (for the bytes) and distribution."""

    bucket: str
    distribution_id: str
    domain: str

    def url(self, key: str) -> str:
        """``https://DOMAIN/KEY``: an object as a viewer addresses it, before signing."""
        return viewer_url(self.domain, key)


def targets(run: state.Run) -> Targets:
    """The run's bucket and distribution, as notebooks 01 and 04 saved them."""
    bucket = run.require("bucket")
    dist = run.require("distribution")
    return Targets(bucket, dist["id"], dist["domain_name"])


def playlist_segments(playlist_text: str) -> list[str]:
    """The media segments an HLS playlist lists (its non-comment lines), in order."""
    return [
        line.strip()
        for line in playlist_text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def what_stays(run: state.Run) -> list[dict[str, str]]:
    """What of the run exists now, in the order a cleanup would delete it (changes nothing)."""
    return [{"what": item.what, "id": item.id} for item in cleanup.plan(run)]


def left_to_put_back(run: state.Run) -> list[dict[str, str]]:
    """What notebooks 09-12 changed and did not put back yet (a notebook stopped before its
    last section): one row each (see :func:`cftutorial.tutorial.cleanup.put_backs`)."""
    return cleanup.put_backs(run)


def how_to_clean_up(run_name: str) -> str:
    """The two ways to delete the run when the learner is done exploring."""
    return (
        "Nothing was deleted (clean_up is False): everything above stays for exploring, and this "
        "notebook can be run again. To delete it all, in dependency order: tick 'clean up' in "
        "the form at the top and run this section's cells again, or in a terminal run "
        f"`cftutorial teardown --run {run_name} --yes`."
    )


def clean_up(run: state.Run, *, progress: bool = True) -> list[dict[str, str]]:
    """Delete everything the run created (dependency order, resumable); one row per resource.
    The run's saved state is forgotten at the end (:func:`cftutorial.tutorial.cleanup.cleanup`)."""
    return cleanup.as_rows(cleanup.cleanup(run, progress=progress))


def check_run(run: state.Run) -> saved.Checked:
    """Before trying the URLs: the bucket, distribution and key exist and match.

    See :func:`cftutorial.tutorial.saved.check`: what can be repaired is, and said in
    ``.report()``; what cannot is one message naming the notebook or command that fixes it.
    """
    return saved.check(run, "bucket", "distribution", "signing_key")
