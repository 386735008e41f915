"""The policy statement a CloudFront signature covers (notebook step 7).

A *canned* policy is never sent: CloudFront rebuilds it from the URL and ``Expires``, so it must be
built byte for byte as CloudFront builds it. A *custom* policy travels (base64) in ``Policy=`` and
may widen the resource with ``*``/``?`` wildcards, add a start time and an IPv4 range.

The values are checked here rather than by CloudFront later, because CloudFront's only answer to a
bad policy is a bare 403: an expiry in milliseconds or in local time, a ``"`` that would inject
JSON, or a start after the end are refused with a message that says what is wrong.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from datetime import date, datetime, timedelta

from ..errors import PolicyError
from . import rules

# The rules' names that the policy's readers use (notebook 12 shows ``policy.canned_text``).
from .rules import canned_text, check_not_past, iso, json_string  # noqa: F401

#: The largest epoch second Python's datetime can show (9999-12-31T23:59:59Z). AWS documents no
#: upper bound for ``Expires``/``AWS:EpochTime`` (the often-quoted 2147483647, 2038-01-19, has no AWS
#: source; botocore, the AWS CLI and the JS SDK sign later times), so only this one is enforced.
MAX_EPOCH = 253402300799
#: Times this large are read as milliseconds by mistake when divided by 1000 they fall in 2000-2200.
_MILLISECONDS = range(946684800 * 1000, 7258118400 * 1000)
_FORBIDDEN = re.compile(r'["\x00-\x1f\x7f]')
_DIGITS = re.compile(r"[0-9]+")
_RELATIVE = re.compile(r"\s*([+-]?)\s*(\d+)\s*([smhdw])\s*", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: The AWS CLI's date forms: YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.fff]], then Z, +hh:mm, -hh:mm or
#: nothing (UTC). A space may stand for the T.
_ISO = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?"
    r"(?P<zone>Z|z|[+-]\d{2}:?\d{2})?"
)
TIME_FORMS = (
    "a relative time such as 24h, 90m, 7d or -5m; an ISO 8601 date or time such as 2030-01-01 "
    "or 2030-01-01T00:00:00Z (no zone means UTC); or Unix seconds"
)


def to_epoch(value: int | float | datetime | str, *, name: str) -> int:
    """Whole Unix seconds (UTC) from epoch seconds, an aware datetime or a date/time string.

    Strings follow the AWS CLI (``aws cloudfront sign --date-less-than``): digits are epoch seconds
    (so ``20300101`` is a time in 1970, as there), ``YYYY-MM-DD`` is midnight UTC, and a time
    without a zone is UTC. Naive *datetime objects* are refused: Python reads them in the
    machine's local time, the classic cause of URLs that expire hours early or late. Numbers that
    look like milliseconds (JavaScript's ``Date.now()``) are refused with that hint.
    """
    if isinstance(value, bool):
        raise PolicyError(f"{name}={value!r} is not a time; use epoch seconds or an aware datetime")
    if isinstance(value, str):
        value = _parse_time_text(value, name)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise PolicyError(
                f"{name}={value.isoformat()!r} is a naive datetime (no time zone), which Python "
                "reads as local time; pass an aware one, e.g. datetime.now(timezone.utc) + timedelta(hours=1)"
            )
        seconds = int(value.timestamp())
    elif isinstance(value, date):
        raise PolicyError(
            f"{name}={value.isoformat()!r} is a date without a time; pass an aware datetime or epoch seconds"
        )
    elif isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise PolicyError(f"{name}={value!r} is not a time; use whole epoch seconds")
        seconds = int(value)
    else:
        raise PolicyError(
            f"{name}={value!r} ({type(value).__name__}) is not a time; use epoch seconds, "
            "an aware datetime or an ISO 8601 string"
        )
    return _in_range(seconds, name)


def parse_time(
    value: int | float | datetime | timedelta | str, *, name: str, now: float | None = None
) -> int:
    """:func:`to_epoch`, plus times relative to ``now``: ``24h``, ``90m``, ``7d``, ``-5m``, ``now``
    or a timedelta (what the command line and batch runs accept).

    A batch passes one ``now`` (its start) so that every URL of the batch gets the same expiry.
    """
    current = time.time() if now is None else now
    if isinstance(value, timedelta):
        return to_epoch(current + value.total_seconds(), name=name)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "now":
            return int(current)
        match = _RELATIVE.fullmatch(text)
        if match:
            sign, amount, unit = match.groups()
            offset = int(amount) * _UNIT_SECONDS[unit.lower()]
            return to_epoch(current + (-offset if sign == "-" else offset), name=name)
        if not _DIGITS.fullmatch(text) and not _ISO.fullmatch(text):
            raise PolicyError(f"{name}={value!r} is not a time; use {TIME_FORMS}")
    return to_epoch(value, name=name)


def _parse_time_text(text: str, name: str) -> int | datetime:
    """Epoch digits, or an ISO 8601 date/time read the AWS CLI's way (the same on every Python)."""
    stripped = text.strip()
    if _DIGITS.fullmatch(stripped):
        return int(stripped)
    match = _ISO.fullmatch(stripped)
    if match is None:
        raise PolicyError(
            f"{name}={text!r} is neither epoch seconds nor an ISO 8601 time; "
            "use e.g. 1893456000, 2030-01-01 or 2030-01-01T00:00:00Z"
        )
    zone = match["zone"] or "Z"
    offset = "+00:00" if zone in "Zz" else f"{zone[:3]}:{zone[-2:]}"
    clock, _, fraction = (match["time"] or "00:00").partition(".")
    clock += f".{fraction.ljust(6, '0')}" if fraction else ""  # Python 3.10 wants 3 or 6 digits
    try:
        parsed = datetime.fromisoformat(f"{match['date']}T{clock}{offset}")
    except ValueError as exc:
        raise PolicyError(f"{name}={text!r} is not a real date or time ({exc})") from None
    return parsed


def _in_range(seconds: int, name: str) -> int:
    if seconds < 0:
        raise PolicyError(f"{name}={seconds} is before 1970; use epoch seconds after 0")
    if seconds in _MILLISECONDS:
        raise PolicyError(
            f"{name}={seconds} looks like milliseconds ({iso(seconds // 1000)} if divided by "
            "1000); CloudFront wants whole seconds"
        )
    if seconds > MAX_EPOCH:
        raise PolicyError(
            f"{name}={seconds} is after 9999-12-31T23:59:59Z; use Unix seconds "
            f"(at most {MAX_EPOCH})"
        )
    return seconds


def check_resource(resource: str, *, name: str = "resource") -> str:
    """Refuse text that would change the policy's JSON structure instead of escaping it.

    AWS's shared SDK test suite refuses ``"`` rather than escaping it; control characters are
    refused for the same reason (and a real URL never contains them).
    """
    if not isinstance(resource, str) or not resource:
        raise PolicyError(f"{name}={resource!r} is empty or not text; pass the URL to allow")
    bad = _FORBIDDEN.search(resource)
    if bad:
        raise PolicyError(
            f"{name}={resource!r} contains {bad.group()!r} at position {bad.start()}; quotes and "
            "control characters are not allowed (percent-encode them in the URL, e.g. %22)"
        )
    return resource


def canned_policy(resource: str, date_less_than: int | float | datetime | str) -> str:
    """The canned policy, byte-exact: CloudFront rebuilds this exact text to check the signature."""
    check_resource(resource)
    return rules.canned_text(resource, to_epoch(date_less_than, name="date_less_than"))


def check_ip(ip_address: str, *, name: str = "ip_address") -> str:
    """One IPv4 address or CIDR range as the policy writes it (a bare address becomes ``/32``)."""
    if not isinstance(ip_address, str) or not ip_address.strip():
        raise PolicyError(f"{name}={ip_address!r} is empty; use an IPv4 address or CIDR range")
    text = ip_address.strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise PolicyError(
            f"{name}={ip_address!r} is not an IPv4 address or CIDR range; "
            "use e.g. 192.0.2.10 or 192.0.2.0/24"
        ) from None
    if network.version == 6:
        raise PolicyError(
            f"{name}={ip_address!r} is IPv6; CloudFront custom policies support only IPv4 "
            "(and a distribution using IP-restricted URLs should have IPv6 disabled)"
        )
    return text if "/" in text else f"{text}/32"


def custom_policy(
    resource: str | None,
    *,
    date_less_than: int | float | datetime | str,
    date_greater_than: int | float | datetime | str | None = None,
    ip_address: str | None = None,
    allow_past: bool = False,
    now: float | None = None,
) -> str:
    """A custom policy, compact JSON in botocore's key order (Resource, then the conditions).

    ``resource`` may use ``*`` (any characters) and ``?`` (one character); ``None`` omits it, which
    lets the signature open every distribution that trusts the key. ``allow_past`` permits an
    expiry already gone, for demonstrating a denial.
    """
    expires = to_epoch(date_less_than, name="date_less_than")
    rules.check_not_past(expires, allow_past=allow_past, now=now)
    condition: dict[str, dict[str, int | str]] = {"DateLessThan": {"AWS:EpochTime": expires}}
    if ip_address is not None:
        condition["IpAddress"] = {"AWS:SourceIp": check_ip(ip_address)}
    if date_greater_than is not None:
        start = rules.check_starts_before(
            to_epoch(date_greater_than, name="date_greater_than"), expires
        )
        condition["DateGreaterThan"] = {"AWS:EpochTime": start}
    statement: dict[str, object] = {}
    if resource is not None:
        statement["Resource"] = check_resource(resource)
    statement["Condition"] = condition
    return json.dumps({"Statement": [statement]}, separators=(",", ":"))
