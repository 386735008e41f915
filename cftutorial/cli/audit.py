"""``cftutorial audit --distribution ID | --all [--json]``: read-only checks of distributions.

Each finding is a row (severity, rule, where, what it means, the fix as the boto3 call); the
rules checked clean follow, then any advice (how to do something well where nothing is broken,
e.g. how a one-key group rotates): advice never makes a report unclean. Exit status 0 when every distribution is clean, 1 when anything was
found, 2 for a bad id or an AWS error (one line). In aws mode the standard credential chain is
used with no opt-in: the audit only reads.
"""

from __future__ import annotations

import argparse
import json

EXIT_FINDINGS = 1


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "audit",
        help="check a CloudFront distribution for what leaks private content (read-only)",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--distribution", metavar="ID", help="the distribution id to check")
    which.add_argument("--all", action="store_true", help="check every distribution")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    parser.set_defaults(handler=run)


def _table(report) -> str:
    from ..audit.distribution import RULE

    lines = [
        f"distribution {report.subject}: "
        + ("clean" if report.clean else f"{len(report.findings)} finding(s)")
    ]
    for row in report.rows():
        lines.append(f"  {row['severity']:<6}  {row['rule']:<26} {row['where']}")
        lines.append(f"          what it means: {row['what it means']}")
        lines.append(f"          fix: {row['fix']}")
        lines.append(f"          source: {RULE[row['rule']].source}")
    broken = {found.rule for found in report.findings}
    for rule in report.checked:
        if rule not in broken:
            lines.append(f"  ok      {rule}")
    for advice in report.advice:
        lines.append(f"  advice  {advice.rule:<26} {advice.where}")
        lines.append(f"          {advice.meaning}")
        lines.append(f"          how: {advice.fix}")
        lines.append(f"          source: {advice.source}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..audit import distribution

    if args.all:
        reports = distribution.audit_all()
    else:
        reports = [distribution.audit_distribution(args.distribution)]
    if args.json:
        print(json.dumps([report.as_json() for report in reports], indent=2))
    elif not reports:
        print("no distributions in this account")
    else:
        print("\n\n".join(_table(report) for report in reports))
    return 0 if all(report.clean for report in reports) else EXIT_FINDINGS
