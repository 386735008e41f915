"""The ways of installing cftutorial agree with each other, and Binder starts the local AWS."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from cftutorial.localaws import process

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirement_lines(lines: list[str]) -> list[str]:
    return [
        line.strip() for line in lines if line.strip() and not line.strip().startswith(("#", "-e"))
    ]


def test_environment_yml_pip_list_equals_pyproject_dependencies() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert "-e ." in pip_section, "environment.yml must install the package itself"
    assert requirement_lines(pip_section) == pyproject()["project"]["dependencies"]
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert ">=3.10" in python


def test_binder_requirements_equal_pyproject_dependencies() -> None:
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    assert requirement_lines(lines) == pyproject()["project"]["dependencies"]
    assert "pip install --no-deps -e ." in (ROOT / "binder" / "postBuild").read_text()


def test_every_dependency_has_lower_and_upper_bounds() -> None:
    project = pyproject()["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["test"]
    assert len(specs) >= 10
    for spec in specs:
        spec = spec.split(";")[0].strip()
        assert re.search(r">=[\d.]+,<[\d.]+$", spec), f"{spec!r} needs a lower and an upper bound"
    moto = next(spec for spec in specs if spec.startswith("moto"))
    assert moto.endswith(",<5.3"), "moto is pinned to the minor series the fidelity layer extends"


@pytest.mark.skipif(not (BIN / "cftutorial").exists(), reason="console script not installed")
def test_binder_start_starts_the_local_aws_then_runs_the_command(tmp_path: Path) -> None:
    home = tmp_path / "binder-home"
    env = {
        **os.environ,
        "CFTUTORIAL_HOME": str(home),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }
    marker = tmp_path / "ran"
    result = subprocess.run(
        [str(ROOT / "binder" / "start"), "touch", str(marker)],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    try:
        assert result.returncode == 0, result.stderr
        assert marker.exists(), "binder/start did not exec the command it was given"
        runtime = json.loads((home / "local-aws.json").read_text())
        health = requests.get(runtime["endpoints"]["aws"] + "/_cftutorial/health", timeout=5)
        assert health.json()["pid"] == runtime["pid"]
    finally:
        subprocess.run(
            [sys.executable, "-m", "cftutorial", "local", "stop"], env=env, timeout=30, check=False
        )
    assert not process.status().running or process.status().home != str(home)


def test_console_script_and_module_entry_point_agree() -> None:
    module = subprocess.run(
        [sys.executable, "-m", "cftutorial", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert module.returncode == 0 and module.stdout.startswith("cftutorial ")
    assert pyproject()["project"]["scripts"]["cftutorial"] == "cftutorial.cli:main"
