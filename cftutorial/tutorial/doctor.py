"""``cftutorial doctor``: is this machine ready for the tutorial, and if not, what to do.

Each check returns a :class:`Check`; a failed one carries a plain-language fix.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.metadata
import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass

from .. import config
from ..errors import CftutorialError

#: The packages the tutorial needs, with the extra (pyproject.toml) that installs each.
KEY_PACKAGES = {
    "cryptography": None,  # core: signing needs nothing more
    "boto3": "local",
    "botocore": "local",
    "moto": "local",
    "ipywidgets": "lab",
    "jupyterlab": "lab",
    "papermill": "lab",
}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 10)
    return Check("python", ok, version, "" if ok else "install Python 3.10 or newer")


def install_hint(extra: str | None) -> str:
    """The pip command that installs an extra (in a checkout, ``make lab`` does it too)."""
    target = f"cftutorial[{extra}]" if extra else "cftutorial"
    return f"pip install '{target}' (in a checkout: make lab)"


def check_package(name: str, extra: str | None = None) -> Check:
    try:
        return Check(name, True, importlib.metadata.version(name))
    except importlib.metadata.PackageNotFoundError:
        return Check(name, False, "not installed", install_hint(extra))


def check_backend() -> Check:
    try:
        return Check("backend", True, config.backend())
    except CftutorialError as exc:
        return Check("backend", False, str(exc), "unset CFTUTORIAL_BACKEND or set it to 'local'")


def check_local_aws() -> Check:
    try:
        from ..localaws import process
    except ModuleNotFoundError as exc:
        return Check(
            "local AWS", False, f"cannot run: {exc.name} is missing", install_hint("local")
        )
    try:
        state = process.status()
    except CftutorialError as exc:
        return Check("local AWS", False, str(exc), "fix the setting named above")
    if state.running:
        edge = state.edge_endpoint or "no edge"
        return Check("local AWS", True, f"running, pid {state.pid}, {state.aws_endpoint}, {edge}")
    return Check(
        "local AWS",
        False,
        f"not running (state directory {state.home})",
        "start it with 'cftutorial local start' (make lab starts it for you)",
    )


#: Less free space than this where the state directory is: a change the local AWS cannot keep
#: on disk is refused (500 InternalError), so say so before it happens.
LOW_SPACE_BYTES = 16 * 2**20
_PROBE_BYTES = 64 * 1024


def check_state_directory() -> Check:
    """The state directory is this user's alone (0700), writable, and its disk has room: the
    local AWS keeps every change there before it answers, or refuses the change."""
    name, path = "state directory", config.home_path()
    if not path.exists():
        return Check(name, True, f"{path} (made on first use)")
    try:
        config.require_private_directory(path)
    except CftutorialError as exc:
        return Check(name, False, str(exc), "run the command named above")
    probe = path / f".doctor-probe-{os.getpid()}"
    try:
        with open(probe, "wb") as handle:  # what a kept change needs: bytes, and fsync
            handle.write(b"\0" * _PROBE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        fix = config.DISK_FIXES.get(exc.errno or 0, "fix the problem named above")
        return Check(name, False, config.disk_problem(exc, path), fix)
    finally:
        with contextlib.suppress(OSError):  # a read-only directory: there is none to remove
            probe.unlink(missing_ok=True)
    free = shutil.disk_usage(path).free
    if free < LOW_SPACE_BYTES:
        return Check(
            name,
            False,
            f"only {free / 2**20:.1f} MiB free on the disk holding {path}: the local AWS "
            "refuses a change it cannot keep (500 InternalError)",
            config.DISK_FIXES[errno.ENOSPC],
        )
    return Check(name, True, f"{path}: private, writable, {free / 2**30:.1f} GiB free")


def check_saved_runs() -> list[Check]:
    """Each saved run whose ids the local AWS no longer has, with the fix (empty list: none saved)."""
    from . import consistency, state

    runs = state.open_runs()
    if not runs:
        return []
    findings = consistency.check_runs(runs)
    if not findings:
        return [Check("saved runs", True, f"{len(runs)} run(s) agree with the local AWS")]
    return [
        Check(
            f"saved run {finding.run!r}",
            False,
            f"{finding.what} {finding.id} {finding.problem}",
            finding.fix,
        )
        for finding in findings
    ]


def check_widgets_extension() -> Check:
    try:
        version = importlib.metadata.version("jupyterlab_widgets")
    except importlib.metadata.PackageNotFoundError:
        return Check(
            "JupyterLab widgets extension",
            False,
            "jupyterlab_widgets is not installed: forms will show as text",
            f"{install_hint('lab')}, in the environment that runs JupyterLab",
        )
    return Check("JupyterLab widgets extension", True, f"jupyterlab_widgets {version}")


def run_checks() -> list[Check]:
    checks = [check_python()]
    checks += [check_package(name, extra) for name, extra in KEY_PACKAGES.items()]
    checks += [check_backend()]
    if checks[-1].ok and config.backend() == "local":
        checks.append(check_state_directory())
        checks.append(check_local_aws())
        if checks[-1].ok:
            checks += check_saved_runs()
    checks.append(check_widgets_extension())
    return checks


def report(checks: list[Check]) -> str:
    width = max(len(check.name) for check in checks)
    lines = []
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        lines.append(f"[{mark}] {check.name:<{width}}  {check.detail}")
        if not check.ok:
            lines.append(f"       {'':<{width}}  fix: {check.fix}")
    failed = sum(not check.ok for check in checks)
    lines.append("all checks passed" if not failed else f"{failed} problem(s) found")
    return "\n".join(lines)


def as_json(checks: list[Check]) -> str:
    return json.dumps([asdict(check) for check in checks], indent=2)
