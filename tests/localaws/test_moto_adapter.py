"""The moto adapter is the one door to moto, and the guard checks everything it reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cftutorial.localaws
from cftutorial.localaws import fidelity, guard, moto_adapter
from cftutorial.localaws.cloudfront import deployment

PACKAGE = Path(cftutorial.localaws.__file__).parent


def moto_imports(path: Path) -> list[str]:
    """Every ``import moto…`` / ``from moto… import`` in a module, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "moto"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto":
            found.append(node.module or "")
    return found


def test_only_the_moto_adapter_imports_moto():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 30  # the scan found the package
    importing = {p.relative_to(PACKAGE).as_posix() for p in modules if moto_imports(p)}
    assert importing == {"moto_adapter.py"}


def test_no_module_but_the_adapter_names_moto_backends_or_models():
    offenders = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name != "moto_adapter.py"
        and any(
            word in p.read_text() for word in ("_backends", ".distribution_config", ".keys.get(")
        )
    ]
    assert offenders == []


def test_the_installed_moto_matches_every_read_and_patch():
    expectations = fidelity.expectations()
    read = [e for e in expectations if e.instance]
    assert len(read) > 40  # the adapter's reads are checked, not only the patched methods
    assert guard.check(expectations) == []


def test_guard_catches_an_attribute_the_adapter_reads_that_moto_no_longer_sets(monkeypatch):
    from moto.cloudfront import models

    def changed_init(self, origin):  # a moto that renamed Origin.domain_name
        self.id = origin["Id"]
        self.host = origin["DomainName"]
        self.origin_path = ""
        self.s3_access_identity = ""

    monkeypatch.setattr(models.Origin, "__init__", changed_init)
    problems = guard.check(moto_adapter.expectations())
    assert len(problems) == 1, problems
    assert "Origin.domain_name is no longer set by the constructor" in problems[0]


def test_server_refuses_to_start_when_a_read_attribute_is_missing(monkeypatch, caplog):
    from moto.cloudfront import models

    monkeypatch.delattr(models.DefaultCacheBehaviour, "__init__")  # falls back to object's
    with (
        caplog.at_level("ERROR", logger="cftutorial.localaws.fidelity"),
        pytest.raises(SystemExit) as excinfo,
    ):
        fidelity.build_app()
    assert excinfo.value.code == 4
    assert "FIDELITY_GUARD" in caplog.text
    assert "DefaultCacheBehaviour.target_origin_id is no longer set" in caplog.text


def test_deployment_delay_is_moto_state_managers_time_transition(monkeypatch):
    from moto.moto_api import state_manager

    monkeypatch.setenv(deployment.ENV_DEPLOY_SECONDS, "7")
    try:
        deployment.setup()
        assert state_manager.get_transition(moto_adapter.DISTRIBUTION_MODEL) == {
            "progression": "time",
            "seconds": 7.0,
        }
    finally:
        state_manager.unset_transition(moto_adapter.DISTRIBUTION_MODEL)


def test_is_enabled_is_read_once_for_every_spelling_moto_keeps():
    assert [moto_adapter._enabled(v) for v in (True, "true", "True", False, "false", None)] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
