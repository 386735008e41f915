"""What an audit or a key check found: one :class:`Finding` per rule broken, in a :class:`Report`
that also names every rule it checked (so a clean report says what was looked at).

Below the findings, *advice*: a :class:`Finding` of severity :data:`ADVICE` says how to do
something well (rotate a one-key group's key without downtime) where nothing is broken. Advice
never makes a report unclean and never sets the audit's exit status."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("high", "medium", "low")
#: The level below the findings: how to do it well, where nothing is broken.
ADVICE = "advice"


@dataclass(frozen=True)
class Finding:
    """One rule broken, said for the person who must fix it."""

    rule: str  # a stable id, e.g. "behaviour-unsigned"
    severity: str  # one of SEVERITIES, or ADVICE
    where: str  # what it is about, e.g. "behaviour /avatars/*" or "bucket cftutorial-default-…"
    meaning: str  # what it means for a viewer, e.g. "/avatars/* is served without a signature"
    source: str  # the AWS documentation it rests on (a URL)
    fix: str  # the fix as the boto3 call, e.g. "cloudfront.update_distribution(...)"

    def __post_init__(self) -> None:
        if self.severity not in (*SEVERITIES, ADVICE):
            raise ValueError(
                f"severity {self.severity!r}: expected one of {', '.join(SEVERITIES)} or {ADVICE}"
            )


@dataclass
class Report:
    """The findings about one subject (a distribution id, a key file), and the rules checked."""

    subject: str
    checked: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    advice: list[Finding] = field(default_factory=list)  # severity ADVICE; never unclean

    @property
    def clean(self) -> bool:
        """No finding (advice does not count)."""
        return not self.findings

    def rows(self) -> list[dict[str, str]]:
        """One row per finding, most severe first (for a table in a notebook or the CLI)."""
        order = {name: rank for rank, name in enumerate(SEVERITIES)}
        ranked = sorted(self.findings, key=lambda found: order[found.severity])
        return [_row(found) for found in ranked]

    def advice_rows(self) -> list[dict[str, str]]:
        """One row per piece of advice, in the order given (the "fix" is how to do it)."""
        return [_row(found) for found in self.advice]

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "clean": self.clean,
            "checked": list(self.checked),
            "findings": [asdict(found) for found in self.findings],
            "advice": [asdict(found) for found in self.advice],
        }


def _row(found: Finding) -> dict[str, str]:
    return {
        "severity": found.severity,
        "rule": found.rule,
        "where": found.where,
        "what it means": found.meaning,
        "fix": found.fix,
    }
