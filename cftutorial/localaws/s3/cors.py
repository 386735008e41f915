"""S3's answer to a cross-origin GET/HEAD: the bucket's CORS rules (``put_bucket_cors``).

S3 takes the first rule whose ``AllowedOrigins`` match the request's ``Origin`` (one ``*``
wildcard allowed in an origin, ``*`` alone matching any) and whose ``AllowedMethods`` hold the
method, and answers with ``Access-Control-Allow-Origin``, ``Access-Control-Allow-Methods``,
``Access-Control-Expose-Headers``, ``Access-Control-Max-Age`` and ``Vary``; for a rule that
names origins (not ``*``) it echoes the origin and adds ``Access-Control-Allow-Credentials:
true`` (Amazon S3 User Guide, "How does Amazon S3 evaluate the CORS configuration on a
bucket?"). No rule matches: no CORS headers, and the browser refuses the page the answer.
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
