"""S3's answer to a cross-origin GET/HEAD and to a preflight: the bucket's CORS rules.

S3 takes the first rule whose ``AllowedOrigins`` match the request's ``Origin`` (one ``*``
wildcard allowed in an origin, ``*`` alone matching any) and whose ``AllowedMethods`` hold the
method, and answers with ``Access-Control-Allow-Origin``, ``Access-Control-Allow-Methods``,
``Access-Control-Expose-Headers``, ``Access-Control-Max-Age`` and ``Vary``; for a rule that
names origins (not ``*``) it echoes the origin and adds ``Access-Control-Allow-Credentials:
true`` (Amazon S3 User Guide, "How does Amazon S3 evaluate the CORS configuration on a
bucket?"). No rule matches: no CORS headers, and the browser refuses the page the answer.

A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is matched on the
requested method and every requested header (``AllowedHeaders``, ``*`` wildcards): a match is
200 with the rule's headers, anything else S3's 403 ``CORSResponse`` (:func:`preflight`).
"""

from __future__ import annotations

from ...signing import wildcard
from ..moto_adapter import CorsRule

VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


def _origin_matches(pattern: str, origin: str) -> bool:
    """S3's origin wildcard is ``*`` only (a ``?`` is an ordinary character there)."""
    if "?" in pattern:
        return pattern == origin
    return wildcard.match(pattern, origin)


def rule_for(rules: tuple[CorsRule, ...], origin: str, method: str) -> CorsRule | None:
    for rule in rules:
        if method.upper() in rule.allowed_methods and any(
            _origin_matches(p, origin) for p in rule.allowed_origins
        ):
            return rule
    return None


def headers(rules: tuple[CorsRule, ...], origin: str | None, method: str) -> dict[str, str]:
    """The CORS headers S3 adds to a GET/HEAD from ``origin`` (``{}`` when no rule matches)."""
    rule = rule_for(rules, origin, method) if origin else None
    if rule is None:
        return {}
    found = {"Vary": VARY, "Access-Control-Allow-Methods": ", ".join(rule.allowed_methods)}
    if rule.allowed_origins == ("*",):
        found["Access-Control-Allow-Origin"] = "*"
    else:
        found["Access-Control-Allow-Origin"] = str(origin)
        found["Access-Control-Allow-Credentials"] = "true"
    if rule.expose_headers:
        found["Access-Control-Expose-Headers"] = ", ".join(rule.expose_headers)
    if rule.max_age_seconds is not None:
        found["Access-Control-Max-Age"] = str(rule.max_age_seconds)
    return found


#: S3's messages for a refused preflight (its own spelling, "evalution" included).
NOT_ENABLED = "CORS is not enabled for this bucket."
NOT_ALLOWED = (
    "This CORS request is not allowed. This is usually because the evalution of Origin, request "
    "method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
    "whitelisted by the resource's CORS spec."
)


def _headers_allowed(rule: CorsRule, requested: list[str]) -> bool:
    patterns = [p.lower() for p in rule.allowed_headers]
    return all(any(wildcard.match(p, name) for p in patterns) for name in requested)


def preflight(
    rules: tuple[CorsRule, ...], origin: str, method: str, requested: str | None
) -> tuple[dict[str, str] | None, str]:
    """S3's preflight answer: (headers, "") for a matching rule, else (None, S3's message)."""
    if not rules:
        return None, NOT_ENABLED
    names = [n.strip().lower() for n in (requested or "").split(",") if n.strip()]
    for rule in rules:
        if (
            method.upper() in rule.allowed_methods
            and any(_origin_matches(p, origin) for p in rule.allowed_origins)
            and _headers_allowed(rule, names)
        ):
            found = headers((rule,), origin, method)
            if names:
                found["Access-Control-Allow-Headers"] = ", ".join(names)
            return found, ""
    return None, NOT_ALLOWED
