"""The package's layers, as pyproject.toml's import-linter contracts state them.

Imports made inside functions count: grimp, import-linter's graph, reads every import statement.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ("layers", "aws-independent", "steps-independent", "acyclic")
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
