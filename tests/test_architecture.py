"""The package's layers, as pyproject.toml's import-linter contracts state them.

Imports made inside functions count: grimp, import-linter's graph, reads every import statement.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = (
    "layers",
    "localaws-one-door",
    "cli-no-ipython-hook",
    "aws-independent",
    "steps-independent",
    "acyclic",
)
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def test_every_import_contract_is_kept():
    result = subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    assert result.returncode == 0, out[-4000:] + result.stderr[-2000:]
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in out, out[-2000:]


def test_a_cycle_is_reported_as_broken(tmp_path):
    """The cycle contract really finds a cycle, including one made inside a function."""
    package = tmp_path / "demo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from . import a\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = demo\n\n"
        "[importlinter:contract:acyclic]\nname = acyclic\ntype = acyclic_siblings\nancestors =\n    demo\n"
    )
    result = subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout and ".a" in result.stdout


def _contract(contract_id: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    found = [c for c in config["contracts"] if c["id"] == contract_id]
    assert len(found) == 1, f"pyproject.toml has {len(found)} contracts {contract_id!r}"
    return found[0]


def test_the_one_door_contract_covers_every_module_outside_localaws():
    """A new top-level module or folder (say ``run/``) is held by the one-door contract too."""
    contract = _contract("localaws-one-door")
    package = ROOT / "cftutorial"
    top = {
        f"cftutorial.{path.stem}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    assert "cftutorial.localaws" in top and "cftutorial.cli" in top
    assert set(contract["source_modules"]) == top - {"cftutorial.localaws"}
    assert contract["forbidden_modules"] == ["cftutorial.localaws"]
    assert contract["ignore_imports"] == ["cftutorial.** -> cftutorial.localaws.process"]
    root = (package / "__init__.py").read_text()  # the one module no source_modules entry holds
    assert "localaws" not in root, "cftutorial/__init__.py imports the local AWS"


def _copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "cftutorial", tmp_path / "cftutorial", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path / "cftutorial"


def _lint(where: Path, contract_id: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--contract", contract_id],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
    )


def test_a_client_module_reaching_past_the_door_breaks_the_one_door_contract(tmp_path):
    """The real package and contract, plus one client module that imports a server module (in
    a function, where it is easiest to miss): broken, naming the import; through the door: kept."""
    package = _copy_of_the_package(tmp_path)
    probe = package / "aws" / "reach_in.py"
    probe.write_text("def deployment_file():\n    from ..localaws import process\n")
    kept = _lint(tmp_path, "localaws-one-door")
    assert kept.returncode == 0 and "KEPT" in kept.stdout, kept.stdout[-2000:] + kept.stderr
    probe.write_text("def deployment_file():\n    from ..localaws import journal\n")
    broken = _lint(tmp_path, "localaws-one-door")
    assert broken.returncode == 1, broken.stdout[-2000:] + broken.stderr
    assert "BROKEN" in broken.stdout
    assert "cftutorial.aws.reach_in -> cftutorial.localaws.journal" in broken.stdout


def test_the_cli_importing_the_ipython_hook_breaks_its_contract(tmp_path):
    package = _copy_of_the_package(tmp_path)
    (package / "cli" / "hooked.py").write_text("from ..tutorial import ipython\n")
    broken = _lint(tmp_path, "cli-no-ipython-hook")
    assert broken.returncode == 1, broken.stdout[-2000:] + broken.stderr
    assert "cftutorial.cli.hooked -> cftutorial.tutorial.ipython" in broken.stdout


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_the_command_line_does_not_load_the_ipython_hook():
    """Every command group is imported, and the hook's module is not among what they load."""
    result = _python(
        "import sys, cftutorial.cli\n"
        "from cftutorial.cli import COMMANDS\n"
        "assert len(COMMANDS) >= 6, COMMANDS\n"
        "print(sorted(m for m in sys.modules if m.startswith('cftutorial.cli.')))\n"
        "assert 'cftutorial.tutorial.ipython' not in sys.modules, 'the cli loaded the hook'\n"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "cftutorial.cli.lab" in result.stdout and "cftutorial.cli.local" in result.stdout


def test_importing_any_module_of_the_package_installs_nothing_in_ipython():
    """Inside an IPython shell, importing every cftutorial module (the hook's own included)
    leaves the shell's exception handlers as they were: only ``install()`` installs."""
    result = _python(
        "import importlib, pkgutil\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "before = shell.custom_exceptions\n"
        "import cftutorial\n"
        "names = [m.name for m in pkgutil.walk_packages(cftutorial.__path__, 'cftutorial.')]\n"
        "names = [n for n in names if n != 'cftutorial.__main__']\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "assert shell.custom_exceptions == before == (), shell.custom_exceptions\n"
        "print(len(names))\n"
        "from cftutorial.tutorial import ipython\n"
        "ipython.install()\n"
        "assert NameError in shell.custom_exceptions\n"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout.split()[-1]) > 100, result.stdout
