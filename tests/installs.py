"""The tutorial as pip users get it, built and installed once per test session.

``python -m build`` makes the sdist from this checkout and the wheel from that sdist (so the
wheel proves the sdist complete). One fresh venv outside the checkout gets the wheel alone (the
core install), is checked and measured as a core install, then gets ``[lab]`` on top and is
measured again: pip installs the same packages as into a fresh venv, so one venv proves both.
The installed venv's ``cftutorial notebooks DIR`` copies the notebooks that the guide chain
then runs with the venv's own papermill, kernel and CLI (tests/chains.py).

Each check runs here, in order, and is kept; the tests in test_wheel.py read the results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_TIMEOUT = 1200
#: What a core install may hold (issue 15's targets), pip and setuptools not counted.
CORE_MAX_PACKAGES = 15
CORE_MAX_MB = 60


def pip_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def learner_env(home: Path) -> dict[str, str]:
    """No checkout on the path, no settings of ours or of Jupyter's, a HOME of its own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "IPYTHONDIR")
        and not k.startswith(("AWS_", "CFTUTORIAL_", "JUPYTER"))
    }
    env["HOME"] = str(home)
    return env


def run(bin_dir: Path, *args: str, env: dict, cwd: Path, timeout: int = 120):
    """``cftutorial ARGS`` of the venv, without a terminal (stdin is /dev/null)."""
    return subprocess.run(
        [str(bin_dir / "cftutorial"), *args],
        env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def pip_install(bin_dir: Path, requirement: str) -> None:
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", requirement],
        check=True, timeout=PIP_TIMEOUT, env=pip_env(), stdin=subprocess.DEVNULL,
    )  # fmt: skip


def measure(bin_dir: Path, label: str) -> dict:
    """Packages and site-packages size of the venv, written to build/install-size.json."""
    listed = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True, text=True, check=True, timeout=120, env=pip_env(),
    )  # fmt: skip
    packages = sorted(p["name"] for p in json.loads(listed.stdout))
    site = next(bin_dir.parent.glob("lib/python3*/site-packages"))
    size = int(
        subprocess.run(["du", "-sk", str(site)], capture_output=True, text=True).stdout.split()[0]
    )
    result = {
        "install": label,
        "packages": len([p for p in packages if p.lower() not in ("pip", "setuptools", "wheel")]),
        "packages_with_pip_and_setuptools": len(packages),
        "site_packages_mb": round(size / 1024, 1),
        "names": packages,
    }
    report = ROOT / "build" / "install-size.json"
    report.parent.mkdir(exist_ok=True)
    data = json.loads(report.read_text()) if report.exists() else {}
    data[label] = result
    report.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\n{label}: {result['packages']} packages, {result['site_packages_mb']} MB")
    return result


@dataclass
class Install:
    """What was built and installed, and what each step answered."""

    sdist: Path
    wheel: Path
    venv: Path
    learner: Path  # the learner's HOME (and working directory)
    answers: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)
    sizes: dict[str, dict] = field(default_factory=dict)
    #: Whether ``cftutorial local status`` (a reading command) created ~/.cftutorial.
    status_created_state_dir: bool = False

    @property
    def bin_dir(self) -> Path:
        return self.venv / "bin"

    @property
    def notebooks(self) -> Path:
        """The copy ``cftutorial notebooks course`` made."""
        return self.learner / "course"

    def env(self) -> dict[str, str]:
        return learner_env(self.learner)


def build_and_install(root: Path) -> Install:
    """Build once, then the core install's checks, then ``[lab]`` and its checks."""
    dist = root / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        timeout=PIP_TIMEOUT, env=pip_env(), capture_output=True, text=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (sdist,) = dist.glob("cftutorial-*.tar.gz")
    (wheel,) = dist.glob("cftutorial-*.whl")  # built by `build` from the sdist
    learner = root / "learner"
    learner.mkdir()
    made = Install(sdist, wheel, root / "venv", learner)
    subprocess.run([sys.executable, "-m", "venv", str(made.venv)], check=True, timeout=300)
    pip_install(made.bin_dir, str(wheel))

    env, bin_dir, answers = made.env(), made.bin_dir, made.answers
    answers["import"] = subprocess.run(
        [str(bin_dir / "python"), "-c", "import cftutorial; print(cftutorial.__file__)"],
        env=env, cwd=learner, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    answers["core keys"] = run(bin_dir, "keys", "create", "--out", "keys", env=env, cwd=learner)
    answers["core sign"] = run(
        bin_dir, "sign", "--url", "https://d111111abcdef8.cloudfront.net/a.mp4",
        "--key-pair-id", "K2JCJMDEHXQW5F", "--private-key", "keys/cloudfront_private_key.pem",
        "--date-less-than", "1h", env=env, cwd=learner,
    )  # fmt: skip
    for args in (("local", "status"), ("lab", "--no-browser"), ("doctor",)):
        answers[f"core {args[0]}"] = run(bin_dir, *args, env=env, cwd=learner)
    made.sizes["core"] = measure(bin_dir, "core")

    pip_install(bin_dir, f"{wheel}[lab]")
    made.sizes["lab"] = measure(bin_dir, "lab")
    answers["lab status"] = run(bin_dir, "local", "status", env=env, cwd=learner)
    made.status_created_state_dir = (learner / ".cftutorial").exists()
    answers["notebooks"] = run(bin_dir, "notebooks", "course", env=env, cwd=learner)
    return made
