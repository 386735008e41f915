"""``cftutorial batch --input FILE --output FILE --base-url URL …``: signed URLs for many objects.

The same code and the same options object as the batch notebook
(:class:`cftutorial.batch.BatchOptions`, :func:`cftutorial.batch.run_batch`), with the signing
flags of ``cftutorial sign``. Times may be relative (``24h``, ``90m``, ``7d``). A bad option is
one line naming its flag, exit status 2. With ``--kms-key-id`` the URLs are signed through AWS
KMS by a few threads at most ``--kms-rate`` requests per second (default: the documented default
quota, see :mod:`cftutorial.batch.kms`), not by worker processes.
"""

from __future__ import annotations

import argparse
import sys

from .. import batch
from .signing import add_policy_flags, kms_external

#: How many skipped rows the command lists (all are counted in the summary).
SHOW_BAD_ROWS = 20
#: The flag of each batch option, so an option's error names what the user typed.
FLAGS = {
    "objects": "--input",
    "output": "--output",
    "domain": "--base-url",
    "key_pair_id": "--key-pair-id",
    "private_key": "--private-key",
    "expires": "--date-less-than",
    "policy": "--policy",
    "starts": "--date-greater-than",
    "ip_address": "--ip-address",
    "policy_resource": "--policy-resource",
    "hash_algorithm": "--hash-algorithm",
    "workers": "--workers",
    "on_error": "--on-error",
}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "batch",
        help="sign URLs for every object in a list (text, CSV or JSONL), on all cores",
        description="Sign a URL for every object key in --input and write key, url, expires "
        "rows to --output (CSV or JSONL by extension), in input order. Canned policy by default; "
        "--date-greater-than or --ip-address make a custom policy per URL; --policy-resource "
        "signs one shared policy once for every URL (fast, but any one URL then opens every "
        "object the resource matches).",
    )
    parser.add_argument(
        "--input",
        required=True,
        metavar="FILE",
        help="one object key per line, or *.csv / *.jsonl with a 'key' column "
        "(optional 'query' column); or s3://BUCKET/PREFIX to list",
    )
    parser.add_argument(
        "--output",
        required=True,
        action="append",
        metavar="FILE",
        help="*.csv or *.jsonl (written atomically); repeat it for both formats",
    )
    parser.add_argument(
        "--base-url",
        required=True,
        metavar="URL",
        help="the distribution's address (https://d111111abcdef8.cloudfront.net, optionally with "
        "a path prefix) or its bare domain",
    )
    add_policy_flags(
        parser,
        policy_resource_help="one shared custom policy for every URL, e.g. 'https://DOMAIN/course/*'",
    )
    parser.add_argument(
        "--policy",
        choices=batch.POLICIES,
        default=None,
        help="canned (default), custom (one per URL; implied by --date-greater-than or "
        "--ip-address) or shared (one for every URL; implied by --policy-resource, default "
        "resource BASE-URL/*)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help=f"signing processes (default: all {batch.default_workers()} cores); with "
        "--kms-key-id, requests in flight (default 8)",
    )
    parser.add_argument(
        "--kms-rate",
        type=float,
        default=None,
        metavar="PER_SECOND",
        help="with --kms-key-id: KMS Sign requests per second at most (default: the documented "
        "default quota, 500 for RSA keys and 300 for ECC keys; raise it only if your account's "
        "quota was raised)",
    )
    parser.add_argument(
        "--on-error",
        choices=batch.ON_ERROR,
        default="stop",
        help="a bad row stops the run and writes nothing (stop, default), or is left out "
        "and listed at the end (skip)",
    )
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="show a progress bar (default: only on a terminal)",
    )
    bar.add_argument("--no-progress", dest="progress", action="store_false")
    parser.set_defaults(handler=run)


def options(args: argparse.Namespace) -> batch.BatchOptions:
    """The command's flags as the one checked options object (errors name the flag)."""
    if args.kms_rate is not None and args.kms_key_id is None:
        raise batch.BatchOptionError("--kms-rate", "--kms-rate is only for --kms-key-id")
    external = (
        None if args.kms_key_id is None else kms_external(args.kms_key_id, args.hash_algorithm)
    )
    return batch.BatchOptions.build(
        objects=args.input,
        output=args.output,
        domain=args.base_url,
        key_pair_id=args.key_pair_id,
        private_key=args.private_key,
        expires=args.date_less_than,
        policy=args.policy,
        starts=args.date_greater_than,
        ip_address=args.ip_address,
        policy_resource=args.policy_resource,
        hash_algorithm=args.hash_algorithm,
        workers=args.workers,
        on_error=args.on_error,
        names=FLAGS,
        external=external,
    )


def run(args: argparse.Namespace) -> int:
    checked = options(args)
    show = sys.stderr.isatty() if args.progress is None else args.progress
    bar = _progress_bar(args.input) if show else None
    try:
        result = _run(checked, args, None if bar is None else bar.update)
    finally:
        if bar is not None:
            bar.close()
    for bad in result.bad_rows[:SHOW_BAD_ROWS]:
        print(f"cftutorial: skipped {bad}", file=sys.stderr)
    if result.skipped > SHOW_BAD_ROWS:
        print(
            f"cftutorial: … and {result.skipped - SHOW_BAD_ROWS:,} more skipped rows",
            file=sys.stderr,
        )
    print(result.summary())
    return 0


def _run(checked: batch.BatchOptions, args: argparse.Namespace, progress):
    """The process pool, or for a KMS key the rate-limited threads of :mod:`..batch.kms`."""
    if checked.external is None:
        return batch.run_batch(checked, progress=progress)
    from ..batch import kms

    rate = None if args.kms_rate is None else kms.check_rate(args.kms_rate, name="--kms-rate")
    threads = kms.check_threads(args.workers, name="--workers")
    return kms.run_kms_batch(checked, rate=rate, threads=threads, progress=progress)


def _progress_bar(source: str):  # -> tqdm.tqdm
    from tqdm import tqdm

    return tqdm(total=batch.count_rows(source), unit=" rows", file=sys.stderr, smoothing=0.1)
