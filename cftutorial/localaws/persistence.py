"""The local AWS keeps every change it acknowledges on disk, at the cost of that change.

Why: the tutorial's saved state (``tutorial-state.json``) names buckets, distribution, OAC/OAI
and key group ids. If the local AWS forgot them on ``cftutorial local stop``/``start``, a crash
or a second ``make lab``, every saved id would be false and the next notebook would fail far
from the cause.

Design (``$CFTUTORIAL_HOME/local-aws-state.base`` and ``.journal``, mode 0600, in the user's
0700 state directory; the server is given their prefix by :mod:`.process`):

- **What**: the state as partitions (:mod:`.partitions`): each bucket's own settings, each
  key's versions with their bytes, metadata, ACLs and tags, each multipart upload in progress,
  moto's CloudFront backend (distributions with ids, ETags, config and deployment clock, OACs,
  public keys, key groups, invalidations), moto's KMS backends (keys with their private halves
  as PKCS#8 DER: the local AWS plays KMS's part, aliases, tags), the OAIs and the account key
  pairs. The edge keeps nothing worth saving; the access log files it delivers to S3 are kept
  through :meth:`Store.writing`.
- **When**: every request that can change something (any method but GET, HEAD, OPTIONS, and
  not one of KMS's read-only operations) runs under one lock. Its plan names the partitions it
  can have touched; afterwards those are pickled and compared with the disk, and the ones that
  differ go to the journal as one record, ``fdatasync``ed *before* the answer leaves the
  process (:mod:`.journal`). So a client that saw an answer knows its change is on disk, a
  ``kill -9`` at any moment keeps every acknowledged change, a write costs what it touched
  (a 1 KiB object: a few KiB, however large the state), and a request that changed nothing
  (refused, failed, a read sent as a POST) writes nothing. The journal is compacted into the
  base when its dead bytes outgrow the live ones (amortised; in the background).
- **When the disk refuses** (full, read-only, I/O error): the journal is cut back, the touched
  partitions are put back as the disk has them (memory is never ahead of the disk), the log
  says so in one ``PERSISTENCE`` line, and the request is answered with the error AWS gives
  for an internal failure, in its service's format: S3 ``500 InternalError``, CloudFront
  ``500 InternalFailure``, KMS ``500 KMSInternalException`` (:func:`.partitions.internal_error`),
  which SDKs retry. ``503 SlowDown`` would tell the client to slow down, which frees no disk.
- **Restore**: once, at start, before any port is bound, so no request sees half a state. A
  journal record cut short by a kill (never acknowledged) is ignored with one log line. Files
  that cannot be used (another moto version, damage) are moved aside to
  ``local-aws-state.base.unreadable-<time>`` (and ``.journal…``) with one ``PERSISTENCE`` line,
  and the server starts empty and says so in ``cftutorial local status``. A snapshot of the
  design before (``local-aws-state.pickle``) is converted once.
- **Trust**: pickle runs code named by the file when loaded, so a state file is loaded only
  from a state directory that belongs to this user alone (0700, tightened when it is looser),
  only when the file belongs to this user and no one else may write it, and only through an
  unpickler that refuses every global but moto's and this package's classes. A file that fails
  is :class:`~.journal.Untrusted`: the server does not start, and says why in one line.

``cftutorial local reset`` removes the state files on purpose (:func:`remove`).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__, config
from ..errors import ConfigError
from . import journal, moto_adapter, partitions
from .wire import send

log = logging.getLogger("cftutorial.localaws.persistence")

LEGACY_NAME = "local-aws-state.pickle"  # the one-snapshot design before issue 23
LEGACY_MAGIC = b"cftutorial local AWS state\n"
Untrusted = journal.Untrusted


@dataclass(frozen=True)
class Outcome:
    """What the server found at start: ``restored``, ``empty`` (no state) or ``unreadable``."""

    result: str
    file: str
    message: str
    moved_to: str | None = None
    summary: dict[str, int] | None = None
    seconds: float = 0.0  # reading, checking and installing the state
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Store:
    """The state files of one local AWS process: restore at start, keep each change."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.files = journal.StateFiles(prefix)
        self.lock = threading.Lock()
        self._compact_after = 0  # after a failed compaction: the size to wait for
        self._compacting = False

    # --- at start ------------------------------------------------------------------------------

    def restore(self) -> Outcome:
        """Load the state, if any, before the server serves anything (:class:`Untrusted`:
        refuse to start)."""
        started = time.perf_counter()
        try:
            config.require_private_directory(self.prefix.parent)
        except ConfigError as error:
            raise Untrusted(str(error)) from None
        journal.remove_leftovers(self.prefix)
        legacy = self.prefix.with_name(LEGACY_NAME)
        if not self.files.exists():
            if legacy.exists():
                return self._convert(legacy, started)
            return Outcome("empty", str(self.prefix), "no saved state: started empty")
        try:
            _header, notes = self.files.load({"moto": moto_adapter.moto_version()})
            self._install_all()
        except journal.Unreadable as exc:
            return self._move_aside(str(exc))
        except Untrusted:
            raise
        except OSError as exc:
            return self._move_aside(f"it cannot be read ({exc.strerror or exc})")
        except Exception as exc:  # a state of the right moto whose content does not fit
            partitions.reset()
            return self._move_aside(f"it does not fit this local AWS ({type(exc).__name__}: {exc})")
        for note in notes:
            log.warning("PERSISTENCE %s", note)
        if self.files.needs_compaction():
            self._compact()
        saved = max(path.stat().st_mtime for path in self.files.paths.values() if path.exists())
        return self._restored(f"(saved {_when(saved)})", started, notes)

    def _install_all(self) -> None:
        """Every partition from the files into memory: all of them checked, then installed.

        The cyclic garbage collector is paused meanwhile (the objects made are all kept: each
        pass would only scan them again, which doubled the time at 20,000 objects), and what
        was restored is then frozen out of later passes (:func:`gc.freeze`): it lives as long
        as the process, and scanning it on every full pass made each later write slower as
        the state grew."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            loaded = [
                (partition, partitions.decode(self.files.read(partition) or b""))
                for partition in sorted(self.files.index, key=partitions.install_order)
            ]
            for partition, found in loaded:
                partitions.install(partition, found)
        finally:
            if enabled:
                gc.enable()
        gc.freeze()

    def _restored(self, when: str, started: float, notes: list[str]) -> Outcome:
        summary = partitions.summary()
        message = f"restored {partitions.describe(summary)} {when}"
        seconds = time.perf_counter() - started
        log.info("PERSISTENCE %s from %s in %.3f s", message, self.prefix, seconds)
        return Outcome(
            "restored", str(self.prefix), message, summary=summary, seconds=seconds, notes=notes
        )

    def _move_aside(self, reason: str, paths: Iterable[Path] | None = None) -> Outcome:
        self.files.close()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        moved = []
        for path in self.files.paths.values() if paths is None else paths:
            if path.exists():
                try:
                    os.replace(path, path.with_name(f"{path.name}.unreadable-{stamp}"))
                    moved.append(f"{path.name}.unreadable-{stamp}")
                except OSError as exc:
                    moved.append(f"(could not move {path.name}: {exc.strerror})")
        self.files = journal.StateFiles(self.prefix)
        message = (
            f"the saved state could not be read ({reason}); moved it to {', '.join(moved)} "
            "and started empty"
        )
        log.warning("PERSISTENCE %s", message)
        first = self.prefix.parent / moved[0] if moved else None
        return Outcome("unreadable", str(self.prefix), message, moved_to=str(first))

    def _convert(self, legacy: Path, started: float) -> Outcome:
        """Load a snapshot of the design before issue 23, write it as state files, remove it."""
        fd = journal.open_trusted(legacy, os.O_RDONLY)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read()
        try:
            _install_legacy(data)
        except Exception as exc:
            partitions.reset()
            return self._move_aside(f"{type(exc).__name__}: {exc}", [legacy])
        self.save_all()
        legacy.unlink()
        return self._restored(f"(converted from {legacy.name})", started, [])

    def save_all(self) -> None:
        """Write everything in memory as a new base (a conversion; the benchmark's fill)."""
        with self.lock:
            self.files.rewrite(
                (
                    (partition, partitions.encode(found))
                    for partition in partitions.every_partition()
                    if (found := partitions.value(partition)) is not None
                ),
                self._header(),
            )

    # --- keeping each change -------------------------------------------------------------------

    def wrap(self, app: Callable) -> Callable:
        """``app`` with every request that can change something kept before it is answered."""

        def wsgi(environ, start_response):
            plan = partitions.plan(environ)
            if plan is None:
                return app(environ, start_response)
            answer = _Answer()
            with self.lock:
                taken = partitions.before(plan)
                with moto_adapter.noting() as noted, moto_adapter.deployments_started() as started:
                    try:
                        body = _drain(app(environ, answer.start_response))
                    except BaseException:
                        self._keep(partitions.touched(plan, taken, noted), plan.everything)
                        raise
                problem = self._keep(partitions.touched(plan, taken, noted), plan.everything)
                if problem is None:  # kept: a deployment runs from the answer, not before the fsync
                    moto_adapter.deploy_from_now(started)
            self._compact_later()
            if problem is not None:
                return send(start_response, partitions.internal_error(plan.service, problem))
            return answer.send(start_response, body)

        # the app's own request handler (Server header, parsing) must survive the wrapping
        wsgi.request_handler = getattr(app, "request_handler", None)  # type: ignore[attr-defined]
        return wsgi

    def writing(self, change: Callable[[], Any]) -> Any:
        """Run a write that does not come through the AWS port (the edge delivering access log
        files) under the same lock, and keep it; False when it could not be kept (undone)."""
        with self.lock:
            with moto_adapter.noting() as noted:
                result = change()
            problem = self._keep(set(noted), everything=False)
        self._compact_later()
        return False if problem is not None else result

    def _keep(self, touched: set[partitions.Partition], everything: bool) -> str | None:
        """Write what changed among ``touched``: None, or why it could not be kept (then the
        touched partitions are back as the disk has them)."""
        touched = set(touched) | (set(self.files.index) if everything else set())
        for gone in [p for p in touched if len(p) == 2 and partitions.value(p) is None]:
            touched |= {p for p in self.files.index if p[:2] == gone}  # what was in the bucket
        changes: dict[partitions.Partition, bytes | None] = {}
        try:
            for partition in sorted(touched, key=partitions.install_order):
                found = partitions.value(partition)
                data = None if found is None else partitions.encode(found)
                if not self.files.same(partition, data):
                    changes[partition] = data
            if changes:
                self.files.append(changes, self._header())
        except Exception as exc:
            reason = _reason(exc, self.prefix.parent)
            self._undo(touched, everything)
            what = _what(changes or touched)
            log.error(
                "PERSISTENCE could not keep a change to %s: %s; it was undone, not acknowledged "
                "(free space or fix the state directory, then retry; 'cftutorial doctor' checks it)",
                what,
                reason,
            )
            return reason
        return None

    def _undo(self, touched: Iterable[partitions.Partition], everything: bool) -> None:
        """Put ``touched`` back as the disk has it (everything: reload the whole state)."""
        try:
            if everything:
                partitions.reset()
                self._install_all()
                return
            for partition in sorted(touched, key=partitions.install_order):
                data = self.files.read(partition)
                partitions.install(partition, None if data is None else partitions.decode(data))
        except Exception:
            log.exception("PERSISTENCE could not undo a change it could not keep; reloading")
            partitions.reset()
            self._install_all()

    def _compact_later(self) -> None:
        """Compact in the background once the journal has outgrown what it holds."""
        if (
            not self._compacting
            and self.files.total() > self._compact_after
            and self.files.needs_compaction()
        ):
            self._compacting = True
            threading.Thread(
                target=self._compact_locked, name="state-compaction", daemon=True
            ).start()

    def _compact_locked(self) -> None:
        try:
            with self.lock:
                if self.files.needs_compaction():
                    self._compact()
        finally:
            self._compacting = False

    def _compact(self) -> None:
        try:
            self.files.compact(self._header())
        except OSError as exc:
            self._compact_after = self.files.total() * 3 // 2
            log.warning(
                "PERSISTENCE could not compact the state (%s); the journal is still whole and "
                "kept, and compaction is tried again later",
                _reason(exc, self.prefix.parent),
            )

    def _header(self) -> dict[str, Any]:
        return {
            "moto": moto_adapter.moto_version(),
            "cftutorial": __version__,
            "summary": partitions.summary(),
        }


class _Answer:
    """The app's answer held back until its change is kept (or replaced by an error)."""

    def __init__(self) -> None:
        self.status = "500 Internal Server Error"
        self.headers: list[tuple[str, str]] = []
        self.exc_info: Any = None
        self.written: list[bytes] = []

    def start_response(self, status, headers, exc_info=None):
        self.status, self.headers, self.exc_info = status, headers, exc_info
        return self.written.append

    def send(self, start_response: Callable, body: bytes) -> list[bytes]:
        start_response(self.status, self.headers, self.exc_info)
        return [b"".join(self.written) + body]


def _drain(result: Iterable[bytes]) -> bytes:
    """The whole body of a WSGI answer (moto's are small and complete), closing it as WSGI asks."""
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def _reason(exc: BaseException, where: Path) -> str:
    """Why a change could not be kept, in words (disk full, read-only...)."""
    if isinstance(exc, OSError):
        return config.disk_problem(exc, where)
    return f"it could not be written ({type(exc).__name__}: {exc})"


def _what(touched: Iterable[partitions.Partition]) -> str:
    names = sorted("/".join(p) for p in touched)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def _install_legacy(data: bytes) -> None:
    """Install a ``local-aws-state.pickle`` (magic line, JSON header, one pickle)."""
    if not data.startswith(LEGACY_MAGIC):
        raise ValueError(f"{LEGACY_NAME} is not a cftutorial local AWS snapshot")
    header_line, _, payload = data[len(LEGACY_MAGIC) :].partition(b"\n")
    header = json.loads(header_line)
    if header.get("moto") != moto_adapter.moto_version():
        raise ValueError(
            f"it was written by moto {header.get('moto')}, this is moto "
            f"{moto_adapter.moto_version()}"
        )
    state = partitions.decode(payload)
    if not isinstance(state, dict) or not {"moto", "oai", "account_keys"} <= set(state):
        raise ValueError("the snapshot lacks moto's state, the OAIs or the account key pairs")
    partitions.install(partitions.OAIS, state["oai"])
    partitions.install(partitions.ACCOUNT_KEY_PAIRS, state["account_keys"])
    moto_adapter.restore_legacy_state(state["moto"])


def remove(prefix: Path) -> bool:
    """Delete the state files (and a snapshot of the design before): ``local reset``. False
    when there was nothing to delete."""
    removed = journal.remove(prefix)
    legacy = prefix.with_name(LEGACY_NAME)
    if legacy.exists():
        legacy.unlink()
        removed = True
    return removed
