"""Time of ``clients.client(SERVICE)`` after the first call in one process, next to what each
call cost before clients were kept (a new boto3 session and client, and the local AWS's health
asked, on every call), measured in the same run against the same local AWS.

    .venv/bin/python benchmarks/bench_clients.py                 # s3, 5 rounds of 15 calls
    .venv/bin/python benchmarks/bench_clients.py --service cloudfront --rounds 3 --calls 10

The local AWS runs in a temporary CFTUTORIAL_HOME on free ports and stops at the end. A learner's
notebook asks for a client in most cells (notebook 04 about seven times), so this is the time
each of those cells no longer spends.
"""

from __future__ import annotations

import statistics
import sys

from figures import (
    Parser,
    count,
    median_milliseconds,
    print_round_medians,
    private_local_aws,
)


def main(argv: list[str]) -> int:
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--service",
        default="s3",
        choices=("s3", "cloudfront", "kms", "acm", "sts"),
        help="the service (default s3)",
    )
    parser.add_argument("--rounds", type=count(1), default=5, help="rounds (default 5)")
    parser.add_argument("--calls", type=count(1), default=15, help="calls per round (default 15)")
    args = parser.parse_args(argv)
    with private_local_aws("cftutorial-bench-clients-"):
        from cftutorial.aws import clients
        from cftutorial.localaws import process

        clients.client(args.service)  # the first call: starts the local AWS, builds it
        kept, fresh = [], []
        for _ in range(args.rounds):
            kept.append(median_milliseconds(lambda: clients.client(args.service), args.calls))

            def uncached() -> object:
                clients.forget()  # what every call did before: build it all again
                process.forget()  # ... and ask the local AWS's health
                return clients.client(args.service)

            fresh.append(median_milliseconds(uncached, args.calls))
    print(f"clients.client({args.service!r}), {args.rounds} rounds x {args.calls} calls")
    print_round_medians(
        [("kept (after the first call)", kept), ("built on every call (before)", fresh)], 40
    )
    ratio = statistics.median(fresh) / max(statistics.median(kept), 1e-6)
    print(f"{'a kept client is faster by':40s} {ratio:10.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
