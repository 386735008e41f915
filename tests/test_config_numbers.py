"""``config.number``: the one rule every numeric setting of the local AWS is read with."""

from __future__ import annotations

import pytest

from cftutorial import config
from cftutorial.errors import ConfigError
from cftutorial.localaws import connections
from cftutorial.localaws.cloudfront import certificates, deployment
from cftutorial.localaws.edge import access_logs

NAME = "CFTUTORIAL_TEST_NUMBER"


@pytest.mark.parametrize("raw", ["", "   "])
def test_unset_or_blank_is_the_default(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    assert config.number(NAME, 7.5, 0, 10) == 7.5


def test_a_number_in_range_is_read_with_its_kind(monkeypatch):
    monkeypatch.setenv(NAME, " 2.5 ")
    assert config.number(NAME, 1, 0, 10) == 2.5
    monkeypatch.setenv(NAME, "42")
    value = config.number(NAME, 1, 1, 100, whole=True, unit="connections")
    assert value == 42 and isinstance(value, int)


@pytest.mark.parametrize(
    ("raw", "whole", "accepted"),
    [
        ("soon", False, "a number of seconds from 0 to 3600"),
        ("-1", False, "a number of seconds from 0 to 3600"),
        ("3601", False, "a number of seconds from 0 to 3600"),
        ("nan", False, "a number of seconds from 0 to 3600"),
        ("inf", False, "a number of seconds from 0 to 3600"),
        ("2.5", True, "a whole number of seconds from 0 to 3600"),
    ],
)
def test_a_bad_value_names_the_variable_the_value_and_the_range(monkeypatch, raw, whole, accepted):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ConfigError) as caught:
        config.number(NAME, 1, 0, 3600, whole=whole)
    assert str(caught.value) == f"{NAME}={raw!r} is not allowed; use {accepted}"


@pytest.mark.parametrize(
    ("variable", "read"),
    [
        (access_logs.ENV_DELIVERY_SECONDS, access_logs.delivery_seconds),
        (deployment.ENV_DEPLOY_SECONDS, deployment.deploy_seconds),
        (certificates.ENV_ISSUE_SECONDS, certificates.issue_seconds),
        (connections.ENV_READ_SECONDS, connections.limits),
        (connections.ENV_MAX_CONNECTIONS, connections.limits),
    ],
)
def test_every_numeric_setting_of_the_local_aws_uses_the_one_rule(monkeypatch, variable, read):
    monkeypatch.setenv(variable, "-5")
    with pytest.raises(ConfigError, match=rf"^{variable}='-5' is not allowed; use a"):
        read()
