"""The tutorial's saved state: what each notebook created, so the next one can find it.

Learners run eight notebooks in eight fresh kernels. Instead of copy-pasting a distribution id
from one notebook into the next, every step records what it made here, under a *run name*
(several independent runs can share one state directory). The file is
``$CFTUTORIAL_HOME/tutorial-state.json``; it is rewritten atomically (write a temporary file,
then rename it over the old one) under a lock, so two kernels saving at once never leave half a
file or lose each other's keys. It holds ids, names and file paths only, never key material.

A notebook cell opens the run once (:func:`open_run`: one read), passes the :class:`Run` to the
step functions, which read its values and collect their changes in it, and saves once
(:meth:`Run.save`: one locked read-merge-write). The save merges only the keys this run object
changed, so a learner with notebook 04 in one tab and 06 in another, or a cell re-run out of
order, never loses the other's values.
"""

from __future__ import annotations

import contextlib
import copy
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


class Run:
    """One run's saved values, read once; the changes made to it, written once by :meth:`save`.

    ``get`` and ``require`` read the values as loaded (plus this object's own changes); ``set``
    collects changes (a value of None removes its key); ``save`` writes them under the lock,
    merged into what the file holds *then*: only the keys this object changed are written, a
    dict value is merged key by key and a list of records (dicts) record by record, so values
    another kernel saved meanwhile are kept. Anything else this object changed replaces the
    saved value.
    """

    def __init__(self, name: str, saved: dict[str, Any] | None = None) -> None:
        self.name = check_run_name(name)
        self._base: dict[str, Any] | None = None if saved is None else copy.deepcopy(saved)
        self._values: dict[str, Any] = copy.deepcopy(saved or {})
        self._changed: set[str] = set()

    def __repr__(self) -> str:
        return f"<run {self.name!r}: {', '.join(sorted(self._values)) or 'nothing saved'}>"

    def values(self) -> dict[str, Any]:
        """Everything saved for the run, with this object's changes (a copy)."""
        return copy.deepcopy(self._values)

    def get(self, key: str, default: Any = None) -> Any:
        value = self._values.get(key)
        return default if value is None else copy.deepcopy(value)

    def require(self, key: str) -> Any:
        """A value an earlier notebook saved; the error says which notebook to run first."""
        value = self.get(key)
        if value is None:
            producer = PRODUCED_BY.get(key, "the earlier notebooks")
            raise StateError(
                f"run {self.name!r} has no saved {key!r} yet; run notebook {producer} first "
                f"with run_name={self.name!r} (state file: {state_file()})"
            )
        return value

    def set(self, **values: Any) -> None:
        """Change ``values`` (None removes its key); nothing is written until :meth:`save`. A
        value equal to the one held is no change (a re-run that finds everything as it was
        writes nothing)."""
        for key, value in values.items():
            if self._base is not None and self._values.get(key) == value:
                continue  # (a run made without a load, as update() makes, writes every key)
            if value is None:
                self._values.pop(key, None)
            else:
                self._values[key] = copy.deepcopy(value)
            self._changed.add(key)

    @property
    def changed(self) -> bool:
        """Whether there is anything for :meth:`save` to write."""
        return bool(self._changed)

    def save(self) -> bool:
        """Write this object's changes, merged into the file as it is now (one locked read and
        one atomic write); afterwards the object holds the merged values. False (and no file
        touched) when nothing changed."""
        if not self._changed:
            return False
        with _locked():
            data = _read_all()
            saved = data.setdefault(self.name, {})
            for key in sorted(self._changed):
                base = None if self._base is None else self._base.get(key)
                mine = self._values.get(key)
                merged = mine if self._base is None else _merge(base, mine, saved.get(key))
                if merged is None:
                    saved.pop(key, None)
                else:
                    saved[key] = merged
            if not saved:
                data.pop(self.name)
            _write_all(data)
        self._base, self._values, self._changed = copy.deepcopy(saved), saved, set()
        return True

    def forget(self) -> bool:
        """Drop everything saved for the run, in the file and here (a cleanup's last step).
        False when the file had nothing for it."""
        with _locked():
            data = _read_all()
            existed = data.pop(self.name, None) is not None
            if existed:
                _write_all(data)
        self._base, self._values, self._changed = {}, {}, set()
        return existed


def _records(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _merge(base: Any, mine: Any, theirs: Any) -> Any:
    """``mine`` (changed from ``base``) written over ``theirs`` (the file's value now): dicts key
    by key, lists of records record by record (the last record dropped drops only this object's
    records), anything else replaced. None: absent."""
    if mine is None and _records(base) and _records(theirs) and theirs != base:
        mine = []  # the records this object read are gone; records saved meanwhile stay
    if mine is None or theirs is None or theirs == base:
        return mine
    if mine == base:
        return theirs
    if isinstance(mine, dict) and isinstance(theirs, dict) and isinstance(base, (dict, type(None))):
        base = base or {}
        merged = dict(theirs)
        for key in set(base) | set(mine):
            if mine.get(key) != base.get(key):
                value = _merge(base.get(key), mine.get(key), theirs.get(key))
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
        return merged
    if _records(mine) and _records(theirs) and _records(base or []):
        base = base or []
        kept = [item for item in theirs if item in mine or item not in base]
        return kept + [item for item in mine if item not in base and item not in theirs] or None
    return mine


def open_run(run_name: str = DEFAULT_RUN) -> Run:
    """The run's saved values, read once (a run with nothing saved yet is empty)."""
    check_run_name(run_name)
    return Run(run_name, _read_all().get(run_name, {}))


def open_runs() -> list[Run]:
    """Every run with saved state, in run-name order, from one read of the file."""
    return [Run(name, saved) for name, saved in sorted(_read_all().items())]


def load(run_name: str = DEFAULT_RUN) -> dict[str, Any]:
    """Everything saved for ``run_name`` (an empty dict for a new run)."""
    return open_run(run_name).values()


def get(run_name: str, key: str, default: Any = None) -> Any:
    return open_run(run_name).get(key, default)


def require(run_name: str, key: str) -> Any:
    """A value an earlier notebook saved (:meth:`Run.require`'s message)."""
    return open_run(run_name).require(key)


def update(run_name: str, **values: Any) -> dict[str, Any]:
    """Save ``values`` for ``run_name`` at once (a value of None removes its key), replacing
    what is saved under those keys; returns the run's state. One locked read and write."""
    run = Run(run_name)
    run.set(**values)
    run.save()
    return run.values()


def forget(run_name: str) -> bool:
    """Drop everything saved for ``run_name``. False when there was nothing."""
    return Run(run_name).forget()


def runs() -> list[str]:
    """The run names that have saved state."""
    return sorted(_read_all())
