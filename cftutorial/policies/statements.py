"""How one policy statement applies to one request, as AWS evaluates it (the subset this tutorial
meets), and the policy's verdict: an explicit ``Deny`` beats any ``Allow``.

* statements: a list or a single object (:func:`statements`);
* ``Action`` / ``Resource``: a string or a list, with ``*`` and ``?`` wildcards
  (:mod:`cftutorial.signing.wildcard`; actions case-insensitive, resources case-sensitive);
* principals: ``"*"``, ``{"AWS": "*"}``, an origin access identity (its ARN
  ``arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID`` or its
  ``{"CanonicalUser": …}``), ``{"Service": "cloudfront.amazonaws.com"}`` (OAC);
* conditions: ``StringEquals``, ``StringLike``, ``ArnEquals``, ``ArnLike`` on ``AWS:SourceArn`` and
  ``AWS:SourceAccount`` (keys case-insensitive); every operator and key must hold, and a key the
  request does not have fails its test. Any other operator or key raises
  :class:`UnsupportedPolicyError`: a reader refuses (the local S3) or says so (the audit) rather
  than guess.

Statements here are read as given: the local S3 checks them first as S3 does when a policy is put
(``localaws/s3/policy.py``); the audit reads what a real account holds, so :func:`statements`
tolerates what is not a statement, and a statement without ``Action`` grants nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UnsupportedPolicyError
from ..signing import wildcard

CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com"
OAI_ARN_PREFIX = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "
CONDITION_OPERATORS = frozenset({"StringEquals", "StringLike", "ArnEquals", "ArnLike"})
CONDITION_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount"})
#: Who :func:`cloudfront_reach` asks about besides the distribution in question: another
#: distribution of the same account, and one of another account (ids no real one has).
OTHER_DISTRIBUTION = "E0THERDISTRIBUTION"
OTHER_ACCOUNT = "000000000000"


def as_list(value: Any) -> list:
    """A policy element as a list: a single value, a list, or nothing."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The statements of a policy document (``Statement`` as a list or one object); what is not
    an object is left out."""
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def sid(statement: Mapping[str, Any]) -> str:
    value = statement.get("Sid")
    return repr(value) if value else "(no Sid)"


# --- principals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anonymous:
    """A request without credentials (a browser, ``curl``, the guide's step 5)."""


@dataclass(frozen=True)
class OriginAccessIdentity:
    """CloudFront reading the origin as a (legacy) origin access identity."""

    oai_id: str
    canonical_user_id: str


@dataclass(frozen=True)
class CloudFrontService:
    """CloudFront reading the origin through an origin access control (OAC).

    S3 (or KMS) sees the service principal ``cloudfront.amazonaws.com`` with ``AWS:SourceArn`` set
    to the distribution's ARN, which is what the recommended policy's condition checks.
    """

    source_arn: str


Principal = Anonymous | OriginAccessIdentity | CloudFrontService


def describe(principal: Principal) -> str:
    """A short human name for a principal, used in reasons."""
    if isinstance(principal, OriginAccessIdentity):
        return f"origin access identity {principal.oai_id}"
    if isinstance(principal, CloudFrontService):
        return f"CloudFront (OAC) for {principal.source_arn}"
    return "an anonymous caller"


def open_to_everyone(spec: Any) -> bool:
    """A ``Principal`` that names everybody: ``"*"`` or ``{"AWS": "*"}``."""
    return spec == "*" or (isinstance(spec, Mapping) and "*" in as_list(spec.get("AWS")))


def principal_matches(spec: Any, principal: Principal) -> tuple[bool, bool]:
    """(the statement's ``Principal`` names this principal, only through a wildcard)."""
    if open_to_everyone(spec):
        return True, True
    if not isinstance(spec, Mapping):
        return False, False
    if isinstance(principal, OriginAccessIdentity):
        arn = OAI_ARN_PREFIX + principal.oai_id
        if arn in as_list(spec.get("AWS")) or principal.canonical_user_id in as_list(
            spec.get("CanonicalUser")
        ):
            return True, False
    if isinstance(principal, CloudFrontService) and CLOUDFRONT_SERVICE in as_list(
        spec.get("Service")
    ):
        return True, False
    return False, False


# --- conditions -------------------------------------------------------------------------------


def context(principal: Principal) -> dict[str, str]:
    """The condition keys the request carries for this principal (lower-cased names)."""
    if isinstance(principal, CloudFrontService):
        parts = principal.source_arn.split(":")
        account = parts[4] if len(parts) > 4 else ""
        return {"aws:sourcearn": principal.source_arn, "aws:sourceaccount": account}
    return {}


def condition_holds(condition: Mapping[str, Any] | None, keys: Mapping[str, str]) -> bool:
    """Every operator and key must hold; a key absent from the request fails its test."""
    for operator, tests in (condition or {}).items():
        if operator not in CONDITION_OPERATORS:
            raise UnsupportedPolicyError(
                f"condition operator {operator!r} is not evaluated here; supported: "
                f"{sorted(CONDITION_OPERATORS)}"
            )
        like = operator.endswith("Like")
        for key, expected in (tests or {}).items():
            if key.lower() not in CONDITION_KEYS:
                raise UnsupportedPolicyError(
                    f"condition key {key!r} is not evaluated here; supported: AWS:SourceArn, "
                    "AWS:SourceAccount"
                )
            actual = keys.get(key.lower())
            if actual is None:
                return False
            wanted = as_list(expected)
            if like:
                if not any(wildcard.matcher(p)(actual) for p in wanted):
                    return False
            elif actual not in wanted:
                return False
    return True


def source_arns(statement: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(operator, value)`` for each ``AWS:SourceArn`` the statement's conditions name."""
    found = []
    for operator, block in (statement.get("Condition") or {}).items():
        for key, values in (block or {}).items():
            if key.lower() == "aws:sourcearn":
                found += [(operator, v) for v in as_list(values) if isinstance(v, str)]
    return found


# --- one statement, one request ---------------------------------------------------------------


def action_matches(statement: Mapping[str, Any], action: str) -> bool:
    patterns = [p for p in as_list(statement.get("Action")) if isinstance(p, str)]
    return any(wildcard.matcher(p, ignore_case=True)(action) for p in patterns)


def resource_matches(statement: Mapping[str, Any], resource: str) -> bool:
    patterns = [p for p in as_list(statement.get("Resource")) if isinstance(p, str)]
    return any(wildcard.matcher(p)(resource) for p in patterns)


def applies(
    statement: Mapping[str, Any], action: str, resource: str | None, principal: Principal
) -> tuple[bool, bool]:
    """(the statement applies to this request, only through a wildcard principal without a
    condition: a *public* grant). ``resource`` None: whatever the statement's resource."""
    if not action_matches(statement, action):
        return False, False
    if resource is not None and not resource_matches(statement, resource):
        return False, False
    matches, via_wildcard = principal_matches(statement.get("Principal"), principal)
    if not matches or not condition_holds(statement.get("Condition"), context(principal)):
        return False, False
    return True, via_wildcard and not statement.get("Condition")


def allows(
    statement: Mapping[str, Any], action: str, principal: Principal, resource: str | None = None
) -> bool:
    """An ``Allow`` statement that applies to this request."""
    return statement.get("Effect") == "Allow" and applies(statement, action, resource, principal)[0]


def is_public(statement: Mapping[str, Any]) -> bool:
    """An ``Allow`` to everyone (``*`` / ``{"AWS": "*"}``) with no condition."""
    return (
        statement.get("Effect") == "Allow"
        and open_to_everyone(statement.get("Principal"))
        and not statement.get("Condition")
    )


@dataclass(frozen=True)
class PolicyResult:
    """A policy's verdict: ``"Allow"``, ``"Deny"`` or ``None`` (says nothing)."""

    effect: str | None
    reason: str
    public_only: bool = False  # the Allow came only from statements open to everybody


def evaluate(
    found: Sequence[Mapping[str, Any]], *, action: str, resource: str, principal: Principal
) -> PolicyResult:
    """The statements' effect for one request: explicit Deny beats Allow."""
    allowing: list[tuple[Mapping[str, Any], bool]] = []
    for statement in found:
        applied, public = applies(statement, action, resource, principal)
        if not applied:
            continue
        if statement["Effect"] == "Deny":
            return PolicyResult(
                "Deny", f"the bucket policy's statement {sid(statement)} denies {action}"
            )
        allowing.append((statement, public))
    if not allowing:
        return PolicyResult(
            None, f"no bucket policy statement allows {action} to {describe(principal)}"
        )
    return PolicyResult(
        "Allow",
        f"the bucket policy's statement {sid(allowing[0][0])} allows {action}",
        public_only=all(public for _statement, public in allowing),
    )


# --- CloudFront and one distribution ----------------------------------------------------------


def _other(distribution_arn: str, account: str | None = None) -> CloudFrontService:
    parts = distribution_arn.split(":")
    if len(parts) > 4 and account is not None:
        parts[4] = account
    prefix = ":".join(parts).rsplit("/", 1)[0] if "/" in distribution_arn else ":".join(parts)
    return CloudFrontService(f"{prefix}/{OTHER_DISTRIBUTION}")


def cloudfront_reach(
    statement: Mapping[str, Any], action: str, distribution_arn: str
) -> str | None:
    """Whom an ``Allow`` of ``action`` to CloudFront (OAC) reaches, judged for one distribution.

    ``None``: the statement lets no distribution do ``action``; ``""``: this distribution and no
    other (``AWS:SourceArn`` names exactly it); else who besides, or instead, in words ("any
    distribution in any account", "every distribution matching 'arn:…/*'", "arn:…/E2…, not this
    distribution"). This distribution, another of its account and one of another account are each
    asked the same question as the local S3 asks when CloudFront reads (:func:`allows`).
    """
    if statement.get("Effect") != "Allow" or not action_matches(statement, action):
        return None
    this = CloudFrontService(distribution_arn)
    if not principal_matches(statement.get("Principal"), this)[0]:
        return None
    account = distribution_arn.split(":")[4] if distribution_arn.count(":") >= 5 else ""
    try:
        reaches = {
            who: allows(statement, action, principal)
            for who, principal in (
                ("this", this),
                ("account", _other(distribution_arn)),
                ("anyone", _other(distribution_arn, OTHER_ACCOUNT)),
            )
        }
    except UnsupportedPolicyError as unsupported:
        return f"CloudFront under a condition the audit cannot judge ({unsupported})"
    named = source_arns(statement)
    patterns = [v for op, v in named if op.endswith("Like") and ("*" in v or "?" in v)]
    if patterns and (reaches["this"] or reaches["account"] or reaches["anyone"]):
        return f"every distribution matching {patterns[0]!r}"
    if reaches["anyone"]:
        return "any distribution in any account"
    if reaches["account"]:
        return f"every distribution in account {account}"
    if reaches["this"]:
        return ""
    if not named:
        return None  # a condition on something else that this distribution does not meet
    others = sorted({v for _op, v in named if v != distribution_arn})
    return f"{', '.join(others)}, not this distribution"
