"""The moto adapter is the one door to moto, and the guard checks everything it reads.

The adapter's code is the ``moto/`` folder (one module per job); the rest of the local AWS
reaches it only through ``moto_adapter.py``, which names what it offers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cftutorial.localaws
from cftutorial.localaws import fidelity, guard, moto_adapter
from cftutorial.localaws.cloudfront import deployment
from cftutorial.localaws.moto import read

PACKAGE = Path(cftutorial.localaws.__file__).parent


def moto_imports(path: Path) -> list[str]:
    """Every ``import moto…`` / ``from moto… import`` in a module, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "moto"]
        elif (
            isinstance(node, ast.ImportFrom)
            and not node.level
            and (node.module or "").startswith("moto")
        ):
            found.append(node.module or "")
    return found


def _adapter(path: Path) -> bool:
    return path.relative_to(PACKAGE).parts[0] == "moto"


def test_only_the_moto_adapter_imports_moto():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 30  # the scan found the package
    importing = {p.relative_to(PACKAGE).as_posix() for p in modules if moto_imports(p)}
    assert importing and all(_adapter(PACKAGE / p) for p in importing), importing
    assert "moto/modules.py" in importing


def _relative_imports(path: Path) -> set[str]:
    """The absolute names of what a module imports relatively (``from ..x import y``: both)."""
    package = ["cftutorial", "localaws", *path.relative_to(PACKAGE).parent.parts]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = [*package[: len(package) - node.level + 1], *(node.module or "").split(".")]
            base = [part for part in base if part]
            found |= {".".join(base), *(".".join([*base, a.name]) for a in node.names)}
    return found


def test_only_the_moto_adapter_door_imports_the_adapters_modules():
    """Outside ``moto/``, the adapter's modules are reached through ``moto_adapter`` only."""
    users, offenders = set(), []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _adapter(path) or path.name == "moto_adapter.py":
            continue
        imported = _relative_imports(path)
        if "cftutorial.localaws.moto_adapter" in imported:
            users.add(path.relative_to(PACKAGE).as_posix())
        inner = [name for name in imported if name.startswith("cftutorial.localaws.moto.")]
        if inner or "cftutorial.localaws.moto" in imported:
            offenders.append(path.relative_to(PACKAGE).as_posix())
    assert len(users) > 20 and "edge/app.py" in users  # the scan finds the door's users
    assert offenders == []


def test_no_module_but_the_adapter_names_moto_backends_or_models():
    offenders = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if not _adapter(p)
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
    assert [read._enabled(v) for v in (True, "true", "True", False, "false", None)] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
