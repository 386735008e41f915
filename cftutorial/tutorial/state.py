"""The tutorial's saved state: what each notebook created, so the next one can find it.

Learners run eight notebooks in eight fresh kernels. Instead of copy-pasting a distribution id
from one notebook into the next, every step records what it made here, under a *run name*
(several independent runs can share one state directory). The file is
``$CFTUTORIAL_HOME/tutorial-state.json``; it is rewritten atomically (write a temporary file,
then rename it over the old one) under a lock, so two kernels saving at once never leave half a
file or lose each other's keys. It holds ids, names and file paths only, never key material.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import config
from ..errors import InvalidRunNameError, StateError

STATE_NAME = "tutorial-state.json"
DEFAULT_RUN = "default"
_RUN_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")

#: Which notebook records which key, so a missing key can say what to run.
PRODUCED_BY = {
    "bucket": "01-create-bucket-and-upload",
    "region": "01-create-bucket-and-upload",
    "objects": "01-create-bucket-and-upload",
    "approach": "01-create-bucket-and-upload",
    "origin_access": "02-origin-access",
    "distribution": "04-distribution-requiring-signatures",
    "signing_key": "04-distribution-requiring-signatures (or 06-signing-keys)",
}


def check_run_name(run_name: str) -> str:
    """Run names end up in bucket names and resource names, so they follow the strictest rule."""
    if not isinstance(run_name, str) or not _RUN_NAME.match(run_name):
        raise InvalidRunNameError(
            f"run_name={run_name!r} cannot be used; use 1-32 lowercase letters, digits or hyphens, "
            "starting and ending with a letter or digit (e.g. 'default' or 'workshop-1')"
        )
    return run_name


def state_file() -> Path:
    return config.home_path() / STATE_NAME  # created by _locked(), before the first write


def _unusable(path: Path, what: str) -> StateError:
    """THE one message for a state file that cannot be used: what is wrong, and the fix."""
    return StateError(
        f"the tutorial state {path} {what}; delete it (or run cleanup) to start the tutorial again"
    )


def _read_all() -> dict[str, dict[str, Any]]:
    path = state_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StateError(f"cannot read the tutorial state {path} ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _unusable(path, "is not UTF-8 text (it holds binary data)") from None
    try:
        data = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError):
        raise _unusable(path, "is not valid JSON") from None
    if not isinstance(data, dict):
        raise _unusable(path, f"holds a JSON {_kind(data)}, not an object of runs")
    for run_name, run in data.items():
        if not isinstance(run, dict):
            raise _unusable(path, f"holds a JSON {_kind(run)} for run {run_name!r}, not an object")
    return data


def _kind(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _write_all(data: dict[str, dict[str, Any]]) -> None:
    path = state_file()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """An exclusive lock around read-modify-write (POSIX; elsewhere the rename alone)."""
    lock_path = config.home() / f".{STATE_NAME}.lock"
    with open(lock_path, "a") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load(run_name: str = DEFAULT_RUN) -> dict[str, Any]:
    """Everything saved for ``run_name`` (an empty dict for a new run)."""
    check_run_name(run_name)
    return dict(_read_all().get(run_name, {}))


def get(run_name: str, key: str, default: Any = None) -> Any:
    return load(run_name).get(key, default)


def require(run_name: str, key: str) -> Any:
    """A value an earlier notebook saved; the error says which notebook to run first."""
    value = load(run_name).get(key)
    if value is None:
        producer = PRODUCED_BY.get(key, "the earlier notebooks")
        raise StateError(
            f"run {run_name!r} has no saved {key!r} yet; run notebook {producer} first "
            f"with run_name={run_name!r} (state file: {state_file()})"
        )
    return value


def update(run_name: str, **values: Any) -> dict[str, Any]:
    """Save ``values`` for ``run_name`` (a value of None removes its key); returns the run's state."""
    check_run_name(run_name)
    with _locked():
        data = _read_all()
        run = data.setdefault(run_name, {})
        for key, value in values.items():
            if value is None:
                run.pop(key, None)
            else:
                run[key] = value
        _write_all(data)
        return dict(run)


def forget(run_name: str) -> bool:
    """Drop everything saved for ``run_name``. False when there was nothing."""
    check_run_name(run_name)
    with _locked():
        data = _read_all()
        existed = data.pop(run_name, None) is not None
        if existed:
            _write_all(data)
        return existed


def runs() -> list[str]:
    """The run names that have saved state."""
    return sorted(_read_all())
