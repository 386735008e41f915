"""Policies: byte-exact canned JSON, custom conditions, and every refusal with its message."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from botocore.signers import CloudFrontSigner
from hypothesis import given, settings
from hypothesis import strategies as st

from cftutorial.errors import PolicyError
from cftutorial.signing import policy

FUTURE = 1893456000  # 2030-01-01T00:00:00Z
BOTOCORE = CloudFrontSigner("K1", lambda message: b"")


def test_canned_policy_is_byte_exact() -> None:
    assert policy.canned_policy("https://d111111abcdef8.cloudfront.net/image.jpg?a=1", FUTURE) == (
        '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg?a=1",'
        '"Condition":{"DateLessThan":{"AWS:EpochTime":1893456000}}}]}'
    )


resources = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), exclude_characters='"'), min_size=1
)


@settings(max_examples=100, deadline=None)
@given(resource=resources, expires=st.integers(0, 2**31 - 1))
def test_canned_policy_matches_botocore_for_any_resource(resource: str, expires: int) -> None:
    moment = datetime.fromtimestamp(expires, timezone.utc)
    assert policy.canned_policy(resource, expires) == BOTOCORE.build_policy(resource, moment)


@settings(max_examples=100, deadline=None)
@given(
    resource=resources,
    start=st.none() | st.integers(1, FUTURE - 1),
    ip=st.none() | st.ip_addresses(v=4).map(str),
    prefix=st.none() | st.integers(0, 32),
)
def test_custom_policy_matches_botocore_build_policy(resource, start, ip, prefix) -> None:
    ip_text = None if ip is None else (ip if prefix is None else f"{ip}/{prefix}")
    ours = policy.custom_policy(
        resource, date_less_than=FUTURE, date_greater_than=start, ip_address=ip_text
    )
    theirs = BOTOCORE.build_policy(
        resource,
        datetime.fromtimestamp(FUTURE, timezone.utc),
        date_greater_than=None if start is None else datetime.fromtimestamp(start, timezone.utc),
        ip_address=ip_text,
    )
    assert ours == theirs


def test_custom_policy_without_resource_omits_it() -> None:
    document = json.loads(policy.custom_policy(None, date_less_than=FUTURE))
    assert document == {"Statement": [{"Condition": {"DateLessThan": {"AWS:EpochTime": FUTURE}}}]}


def test_bare_ip_address_becomes_a_32_bit_range() -> None:
    text = policy.custom_policy("https://d/*", date_less_than=FUTURE, ip_address="192.0.2.7")
    assert '"IpAddress":{"AWS:SourceIp":"192.0.2.7/32"}' in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (FUTURE, FUTURE),
        (FUTURE + 0.9, FUTURE),
        (str(FUTURE), FUTURE),
        ("2030-01-01T00:00:00Z", FUTURE),
        ("2030-01-01T01:00:00+01:00", FUTURE),
        ("2030-01-01T00:00:00", FUTURE),  # the AWS CLI: no zone means UTC
        ("2030-01-01", FUTURE),  # a date alone is midnight UTC
        ("2030-01-01 00:00", FUTURE),
        ("2030-01-01T00:00:00.250Z", FUTURE),
        ("2030-01-01T00:00:00.5Z", FUTURE),
        ("2029-12-31T19:00:00-0500", FUTURE),
        ("20300101", 20300101),  # digits are epoch seconds, as in the AWS CLI
        (2209032000, 2209032000),  # 2040: no 2038 cap (AWS documents none)
        (datetime(2030, 1, 1, tzinfo=timezone.utc), FUTURE),
        (datetime(2029, 12, 31, 19, tzinfo=timezone(timedelta(hours=-5))), FUTURE),
    ],
)
def test_times_are_read_as_utc_epoch_seconds(value, expected: int) -> None:
    assert policy.to_epoch(value, name="t") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (datetime(2030, 1, 1), r"'2030-01-01T00:00:00' is a naive datetime .* local time"),
        ("2030-02-30", "is not a real date or time"),
        ("2030-01-01T25:00:00Z", "is not a real date or time"),
        (1893456000000, r"looks like milliseconds \(2030-01-01T00:00:00Z if divided by 1000\)"),
        (policy.MAX_EPOCH + 1, "is after 9999-12-31T23:59:59Z"),
        (-5, "before 1970"),
        (True, "True is not a time"),
        ("next tuesday", "neither epoch seconds nor an ISO 8601 time"),
        (date(2030, 1, 1), "is a date without a time"),
        (float("nan"), "nan is not a time"),
        ([1], r"\[1\] \(list\) is not a time"),
    ],
)
def test_bad_times_are_refused_with_a_helpful_message(value, message: str) -> None:
    with pytest.raises(PolicyError, match=message) as caught:
        policy.to_epoch(value, name="date_less_than")
    assert str(caught.value).startswith("date_less_than=")


@pytest.mark.parametrize(
    ("resource", "found"),
    [('https://d/a"b', "'\"'"), ("https://d/a\nb", r"'\\n'"), ("https://d/\x7f", r"'\\x7f'")],
)
def test_quote_or_control_character_in_resource_is_refused(resource: str, found: str) -> None:
    for build in (
        lambda: policy.canned_policy(resource, FUTURE),
        lambda: policy.custom_policy(resource, date_less_than=FUTURE),
    ):
        with pytest.raises(PolicyError, match=f"contains {found}"):
            build()


@pytest.mark.parametrize(
    ("ip", "message"),
    [
        ("2001:db8::1", "is IPv6; CloudFront custom policies support only IPv4"),
        ("2001:db8::/32", "is IPv6"),
        ('1.2.3.4"}', "is not an IPv4 address or CIDR range"),
        ("300.1.1.1", "is not an IPv4 address"),
        ("", "is empty"),
    ],
)
def test_bad_ip_address_is_refused_with_the_reason(ip: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        policy.custom_policy("https://d/*", date_less_than=FUTURE, ip_address=ip)


def test_start_not_before_expiry_is_refused() -> None:
    with pytest.raises(PolicyError, match="is not before the expiry, date_less_than=1893456000"):
        policy.custom_policy("https://d/*", date_less_than=FUTURE, date_greater_than=FUTURE)


def test_past_expiry_is_refused_unless_allow_past() -> None:
    past = int(time.time()) - 60
    with pytest.raises(PolicyError, match=r"is already past .*allow_past=True"):
        policy.custom_policy("https://d/*", date_less_than=past)
    text = policy.custom_policy("https://d/*", date_less_than=past, allow_past=True)
    assert json.loads(text)["Statement"][0]["Condition"]["DateLessThan"]["AWS:EpochTime"] == past
