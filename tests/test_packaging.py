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


def requirements(*extras: str) -> list[str]:
    """The core dependencies plus ``extras``, each ``cftutorial[...]`` expanded where it stands."""
    project = pyproject()["project"]

    def expand(extra: str) -> list[str]:
        specs = []
        for spec in project["optional-dependencies"][extra]:
            if spec.startswith("cftutorial["):
                for inner in spec.removeprefix("cftutorial[").split("]")[0].split(","):
                    specs += expand(inner)
            else:
                specs.append(spec)
        return specs

    specs = list(project["dependencies"])
    for extra in extras:
        specs += expand(extra)
    return list(dict.fromkeys(specs))


def name_of(spec: str) -> str:
    return re.split(r"[\[<>=!;\s]", spec, maxsplit=1)[0].lower().replace("_", "-")


#: Upper bounds allowed, and why: everything else is open upwards.
CAPPED = {
    "moto": "the fidelity layer patches moto's internals: one minor series at a time",
    "werkzeug": "the local AWS and edge subclass werkzeug's server classes",
    "cryptography": "a major-version allowance, widened after a test run",
    "ruff": "its minor releases change rules and format",
    "pytest": "pytest 9.2's node ids stop pytest-xdist's loadgroup from grouping (xdist #1386)",
}

#: conda-forge packages standing for moto's [cloudfront,s3] extras.
MOTO_EXTRAS_ON_CONDA = {"pyyaml", "py-partiql-parser"}


def conda_list() -> tuple[list[str], list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    return conda, pip


def test_the_core_is_what_signing_and_batch_need() -> None:
    assert [name_of(spec) for spec in requirements()] == ["cryptography", "tqdm"]
    lab = {name_of(spec) for spec in requirements("lab")}
    assert {"boto3", "moto", "jupyterlab", "ipywidgets", "papermill", "jupytext"} <= lab
    assert {"cryptography", "tqdm"} <= lab


def test_environment_yml_is_conda_native_and_equals_the_lab_extra() -> None:
    conda, pip = conda_list()
    assert pip == ["-e ."], "pip installs only the package itself; conda-forge has the rest"
    python = [d for d in conda if name_of(d) == "python"]
    assert python == ["python" + pyproject()["project"]["requires-python"]]
    specs = {
        name_of(d): d.split("#")[0].strip() for d in conda if name_of(d) not in ("python", "pip")
    }
    for spec in requirements("lab"):
        name = name_of(spec)
        assert name in specs, f"environment.yml lacks {name} (pyproject: {spec})"
        bounds = re.sub(r"^[\w.-]+(\[[^]]*\])?", "", spec)
        assert specs.pop(name) == name + bounds, f"environment.yml's {name} differs from {spec!r}"
    assert set(specs) == MOTO_EXTRAS_ON_CONDA, (
        f"environment.yml has more than the lab extra: {specs}"
    )


def test_binder_requirements_equal_the_lab_extra() -> None:
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    assert requirement_lines(lines) == requirements("lab")
    assert "pip install --no-deps -e ." in (ROOT / "binder" / "postBuild").read_text()


def test_binder_python_is_in_the_supported_range() -> None:
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    major, minor = map(int, runtime.removeprefix("python-").split("."))
    assert pyproject()["project"]["requires-python"] == ">=3.10"
    assert (major, minor) >= (3, 10)


def test_bounds_are_lower_everywhere_and_upper_only_where_we_know_why() -> None:
    project = pyproject()["project"]
    specs = project["dependencies"] + [
        spec
        for extra in project["optional-dependencies"].values()
        for spec in extra
        if not spec.startswith("cftutorial[")
    ]
    assert len(specs) >= 20
    for spec in specs:
        spec = spec.split(";")[0].strip()
        assert re.search(r">=[\d.]+", spec), f"{spec!r} needs a lower bound"
        capped = "<" in spec
        assert capped == (name_of(spec) in CAPPED), f"{spec!r}: an upper bound only for {CAPPED}"
    moto = next(spec for spec in specs if name_of(spec) == "moto")
    assert moto.endswith(",<5.3"), "moto is pinned to the minor series the fidelity layer extends"
    low, high = re.match(r"cryptography>=(\d+),<(\d+)$", project["dependencies"][0]).groups()
    assert int(high) - int(low) >= 10, "cryptography gets room for its next major releases"


def test_python_range_is_the_same_everywhere() -> None:
    assert pyproject()["project"]["requires-python"] == ">=3.10"
    assert pyproject()["tool"]["ruff"]["target-version"] == "py310"


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


def test_citation_names_this_version_and_licence() -> None:
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert citation["version"] == pyproject()["project"]["version"]
    assert citation["license"] == pyproject()["project"]["license"]
    assert citation["title"] and citation["authors"]


def test_the_sdist_carries_notebooks_docs_and_test_helpers() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text().split()
    for folder in ("notebooks", "docs", "binder", "tests", "scripts"):
        assert folder in manifest, f"MANIFEST.in must graft {folder}/"
    for name in ("_build_notebooks.py", "Makefile", "environment.yml"):
        assert name in manifest
