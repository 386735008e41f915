"""The batch notebook's steps (``notebooks/batch-sign-urls``): options, the run, the report.

The notebook's cells call these functions and show what they return, so its executed copy (the
one papermill writes) is a run report worth keeping. Every deliberate error reaches the notebook
as one :class:`NotebookStop`: IPython shows its one line instead of a traceback into this
package, and papermill still stops the run there and reports it.

Tutorial state is not imported here (``batch`` sits below ``tutorial``): the notebook passes the
tutorial run's saved values in, so with every option given nothing about a tutorial run is read.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Mapping, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import config
from ..errors import BadRowError, BatchError, CftutorialError
from ..signing import keys, policy, verify
from .inputs import count_rows
from .options import BatchOptions
from .outputs import Progress, read_results
from .run import BatchResult, run_batch

#: The options a run's saved state can supply, and where the state keeps them.
FROM_RUN = ("objects", "domain", "key_pair_id", "private_key")
SAMPLES = 3
SHOW_BAD_ROWS = 20
EXAMPLE = (
    "papermill notebooks/batch-sign-urls.ipynb report.ipynb -p objects keys.txt "
    "-p domain d111111abcdef8.cloudfront.net -p key_pair_id K2JCJMDEHXQW5F "
    "-p private_key private_key.pem -p output signed-urls.csv"
)


class NotebookStop(BatchError):
    """A batch notebook step cannot go on (shown as one line by cftutorial.tutorial.ipython)."""


@dataclass(frozen=True)
class Plan:
    """The checked options and where their values came from."""

    options: BatchOptions
    demonstration: bool  # the objects are the tutorial run's samples
    from_run: tuple[str, ...]  # options filled in from the tutorial run

    def describe(self) -> list[str]:
        """What will be signed, in a few lines (never the key itself)."""
        options = self.options
        objects = options.objects
        what = f"{len(objects):,} listed keys" if isinstance(objects, Sized) else str(objects)
        lines = [
            "demonstration: this tutorial run's sample objects" if self.demonstration else "",
            f"objects:   {what}",
            f"base URL:  {options.base_url}",
            f"key:       {options.key_pair_id} ({keys.key_kind(options.private_key)}, "
            f"{options.hash_algorithm})",
            f"policy:    {options.policy}"
            + (f" ({options.policy_resource})" if options.policy_resource else ""),
            f"expires:   {policy.iso(options.expires)}",
            f"output:    {', '.join(str(path) for path in options.outputs)}",
            f"workers:   {options.workers}, on_error={options.on_error!r}",
        ]
        if self.from_run:
            lines.append(f"from the tutorial run: {', '.join(self.from_run)}")
        return [line for line in lines if line]


def plan(
    parameters: Mapping[str, Any], *, run_name: str, load_run: Callable[[str], Mapping]
) -> Plan:
    """The notebook's parameters as checked options; missing ones from the tutorial run.

    ``load_run(run_name)`` returns the run's saved state (empty for no run); it is called only
    when an option is missing.
    """
    given = dict(parameters)
    filled: list[str] = []
    if any(given.get(name) is None for name in FROM_RUN):
        saved = _stopping(lambda: load_run(run_name))
        for name, value in _run_values(saved).items():
            if given.get(name) is None and value is not None:
                given[name] = value
                filled.append(name)
    missing = [name for name in FROM_RUN if given.get(name) is None]
    if missing:
        raise NotebookStop(
            f"nothing to sign: pass {', '.join(missing)} (and output), e.g. {EXAMPLE}; "
            f"or run the tutorial notebooks 01-06 with run_name={run_name!r} for a demonstration"
        )
    demonstration = "objects" in filled
    if given.get("output") is None and demonstration:
        stem = config.home() / "batch" / f"{run_name}-signed-urls"
        stem.parent.mkdir(parents=True, exist_ok=True)
        given["output"] = [stem.with_suffix(".csv"), stem.with_suffix(".jsonl")]
    elif given.get("output") is None:
        raise NotebookStop("output is missing; pass a file ending .csv or .jsonl (or a list)")
    options = _stopping(lambda: BatchOptions.build(**given))
    return Plan(options, demonstration, tuple(filled))


def _run_values(saved: Mapping) -> dict[str, Any]:
    distribution = saved.get("distribution") or {}
    signing_key = saved.get("signing_key") or {}
    return {
        "objects": saved.get("objects"),
        "domain": distribution.get("domain_name"),
        "key_pair_id": signing_key.get("key_pair_id"),
        "private_key": signing_key.get("private_key_path"),
    }


def _stopping(step: Callable[[], Any]) -> Any:
    try:
        return step()
    except BadRowError as exc:  # the notebook's way to skip bad rows, not the CLI's flag
        raise NotebookStop(
            f'{exc.problem}; fix the row, or leave bad rows out: on_error = "skip" in the '
            "parameters cell (papermill: -p on_error skip)"
        ) from None
    except CftutorialError as exc:
        raise NotebookStop(str(exc)) from None


def total_rows(options: BatchOptions) -> int | None:
    """Rows to sign, for the progress bar (``None`` for an ``s3://`` listing)."""
    objects = options.objects
    if isinstance(objects, Sized):
        return len(objects)
    return count_rows(objects) if isinstance(objects, str | Path) else None


def sign(options: BatchOptions, *, progress: Progress | None = None) -> BatchResult:
    """Run the batch (atomic output); a bad row with ``on_error='stop'`` stops in one line."""
    return _stopping(lambda: run_batch(options, progress=progress))


def report(result: BatchResult) -> list[str]:
    """The run report's lines: rows signed and skipped, the files, the expiry, the throughput."""
    lines = [
        f"rows signed:   {result.written:,}",
        f"rows skipped:  {result.skipped:,}",
    ]
    lines += [f"  skipped {bad}" for bad in result.bad_rows[:SHOW_BAD_ROWS]]
    if result.skipped > SHOW_BAD_ROWS:
        lines.append(f"  … and {result.skipped - SHOW_BAD_ROWS:,} more")
    for path in result.outputs or (result.output,):
        lines.append(f"output file:   {path} ({path.stat().st_size:,} bytes)")
    lines += [
        f"expires (UTC): {policy.iso(result.expires)}",
        f"policy:        {result.policy_kind}",
        f"throughput:    {result.urls_per_second:,.0f} URLs/s "
        f"({result.seconds:.2f} s, {result.workers} worker{'' if result.workers == 1 else 's'})",
    ]
    return lines


def verified_samples(options: BatchOptions, result: BatchResult) -> list[dict[str, Any]]:
    """The first few URLs of the output, each checked as CloudFront would with the key's public half.

    A custom policy's IP range and start time are honoured: the check is made from an address
    inside the range, at a moment the URL is valid.
    """
    trusted = {options.key_pair_id: options.private_key.public_key()}
    viewer_ip = _viewer_ip(options.ip_address)
    at = max(time.time(), (options.starts or 0) + 1)
    samples = []
    for row in read_results(result.output):
        verdict = verify.verify(row["url"], trusted_keys=trusted, viewer_ip=viewer_ip, at=at)
        samples.append({"key": row["key"], "url": row["url"], "verified": verdict.allowed,
                        "reason": verdict.reason})  # fmt: skip
        if len(samples) == SAMPLES:
            break
    return samples


def _viewer_ip(ip_address: str | None) -> str:
    if ip_address is None:
        return "127.0.0.1"
    network = ipaddress.ip_network(ip_address, strict=False)
    return str(next(iter(network.hosts()), network.network_address))


def local_distribution(base_url: str) -> bool:
    """Whether the URLs name a distribution of the running local AWS (never starts it)."""
    if config.backend() != "local":
        return False
    from botocore.exceptions import BotoCoreError, ClientError

    from ..aws.clients import client

    host = urlsplit(base_url).hostname
    try:
        pages = client("cloudfront", start_local=False).get_paginator("list_distributions")
        for page in pages.paginate():
            items = page.get("DistributionList", {}).get("Items", [])
            if any(item.get("DomainName") == host for item in items):
                return True
    except (CftutorialError, BotoCoreError, ClientError):
        return False
    return False
