"""The local AWS's state files: a base and an append-only journal of checksummed records.

Two files beside each other, ``PREFIX.base`` and ``PREFIX.journal`` (mode 0600, in the
user's 0700 state directory). Each starts with the line ``cftutorial local AWS state``, then
one JSON header line (format, kind, generation, moto and cftutorial versions, when written),
then records. A record is ``CFR1``, the payload's length (8 bytes, big-endian), its CRC-32
(4 bytes) and the payload: one write, as a JSON list of ``[partition, length]`` (length
``null``: the partition is gone), a newline, and the values' bytes one after another. The
values are opaque here (:mod:`.partitions` pickles them).

- **Append** (:meth:`StateFiles.append`): one record per kept write, ``fdatasync``ed before
  the caller answers. When the disk refuses (full, read-only, I/O error) the journal is cut
  back to where it was and the error goes to the caller, which answers the request with an
  error and undoes the change in memory (:mod:`.persistence`).
- **Read** (:meth:`StateFiles.load`): base records, then the journal's of the same generation,
  a later value of a partition replacing an earlier one. A record cut short or failing its
  CRC at the end of the journal is a write a kill interrupted, never acknowledged: it is
  ignored and cut off, and the caller says so in one log line. A damaged record with intact
  ones after it is not a torn tail but damage: :class:`Unreadable` (nothing is dropped quietly).
- **Compaction** (:meth:`StateFiles.compact`): when the bytes no partition needs any more
  (replaced or deleted values, record overhead) outgrow both the live bytes and
  :data:`COMPACT_MIN_BYTES`, the newest value of every partition is copied into a new base of
  the next generation (temporary file, ``fsync``, rename, ``fsync`` of the directory), then a
  new empty journal of that generation replaces the old one the same way. Each byte is thus
  copied a bounded number of times: the cost is amortised over the writes. A crash between
  the two renames leaves a journal of an older generation, which is ignored: the new base
  holds all of it.
- **Trust** (:func:`open_trusted`): a file is opened without following a symbolic link and
  read only when it belongs to this user and no one else can write it (OpenSSH's
  StrictModes); anything else is :class:`Untrusted`, with one line naming the file and the fix.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import struct
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import user_name

Partition = tuple[str, ...]

MAGIC = b"cftutorial local AWS state\n"
FORMAT = 2
RECORD = b"CFR1"
FRAME = struct.Struct(">4sQI")
#: The journal is compacted once the dead bytes exceed the live ones and this.
COMPACT_MIN_BYTES = 1 << 20
_CHUNK = 1 << 20


class Untrusted(Exception):
    """A state file this user must not load (message: one line naming it and the fix)."""


class Unreadable(Exception):
    """The state files exist but cannot be used (message: why)."""


@dataclass(frozen=True)
class Location:
    """Where a partition's newest value is: which file, where, how long, its digest."""

    file: str  # "base" or "journal"
    offset: int
    length: int
    digest: bytes


def digest(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def open_trusted(path: Path, flags: int) -> int:
    """``os.open`` for a state file, refused (:class:`Untrusted`) unless this user owns it and
    no one else may write it; a file others may read is made 0600 (it holds KMS keys)."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if os.path.islink(path):
            raise Untrusted(
                f"refusing to load {path}: it is a symbolic link, which the local AWS never "
                f"writes; remove it ('cftutorial local reset' removes the local AWS's state)"
            ) from None
        raise exc
    try:
        _check(os.fstat(fd), path)
        info = os.fstat(fd)
        if info.st_mode & 0o077:
            os.fchmod(fd, 0o600)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check(info: os.stat_result, path: Path) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise Untrusted(f"refusing to load {path}: it is not a regular file; remove it")
    if not hasattr(os, "geteuid"):
        return
    me = os.geteuid()
    if info.st_uid != me:
        raise Untrusted(
            f"refusing to load {path}: it belongs to {user_name(info.st_uid)}, not to you "
            f"({user_name(me)}), and loading it could run code it holds; remove it "
            f"('cftutorial local reset' removes the local AWS's state) or, if you wrote it, "
            f'take it back: chown "$(id -un)" {path}'
        )
    if info.st_mode & 0o022:
        who = (
            "group and others"
            if info.st_mode & 0o022 == 0o022
            else ("its group" if info.st_mode & 0o020 else "other users")
        )
        raise Untrusted(
            f"refusing to load {path}: {who} may write it (mode {info.st_mode & 0o777:o}), so "
            f"someone else could have changed it, and loading it could run code it holds; if "
            f"no one else could have: chmod 600 {path}; otherwise 'cftutorial local reset'"
        )


def _header(kind: str, generation: int, extra: Mapping[str, Any]) -> bytes:
    header = {
        "format": FORMAT,
        "kind": kind,
        "generation": generation,
        "written_at": time.time(),
        **extra,
    }
    return MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"


def _parse_header(data: bytes, path: Path) -> tuple[dict[str, Any], int]:
    if not data.startswith(MAGIC):
        raise Unreadable(f"{path.name} is not a cftutorial local AWS state file")
    end = data.find(b"\n", len(MAGIC))
    try:
        header = json.loads(data[len(MAGIC) : end]) if end > 0 else None
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise Unreadable(f"the header of {path.name} is not JSON")
    if header.get("format") != FORMAT:
        raise Unreadable(f"{path.name} has format {header.get('format')!r}, not {FORMAT}")
    return header, end + 1


def record(changes: Mapping[Partition, bytes | None]) -> tuple[bytes, list[int]]:
    """One record's bytes, and where each value starts in it."""
    names = [[list(p), None if v is None else len(v)] for p, v in changes.items()]
    head = json.dumps(names, ensure_ascii=False).encode() + b"\n"
    payload = head + b"".join(v for v in changes.values() if v is not None)
    starts, at = [], FRAME.size + len(head)
    for value in changes.values():
        starts.append(at)
        at += len(value or b"")
    frame = FRAME.pack(RECORD, len(payload), zlib.crc32(payload))
    return frame + payload, starts


def records(data: bytes, start: int) -> Iterable[tuple[int, list]]:
    """``(end, entries)`` per whole, intact record from ``start`` (entries: partition, where its
    value starts, its length or None); stops at the first record cut short or damaged: the
    caller compares the last ``end`` with the data's length."""
    at, view = start, memoryview(data)
    while at + FRAME.size <= len(data):
        tag, length, crc = FRAME.unpack_from(data, at)
        body, end = at + FRAME.size, at + FRAME.size + length
        if tag != RECORD or end > len(data) or zlib.crc32(view[body:end]) != crc:
            return
        newline = data.find(b"\n", body, end)
        try:
            names = json.loads(data[body:newline]) if newline >= 0 else None
            entries, value_at = [], newline + 1
            for name, size in names:
                entries.append((tuple(name), value_at, size))
                value_at += size or 0
        except (TypeError, ValueError):
            return
        yield end, entries
        at = end


def _intact_record_after(data: bytes, end: int) -> bool:
    """Whether an intact record starts anywhere after ``end`` (damage, not a torn tail)."""
    at = data.find(RECORD, end + 1)
    while at >= 0:
        if next(iter(records(data, at)), None) is not None:
            return True
        at = data.find(RECORD, at + 1)
    return False


class StateFiles:
    """The base and the journal of one local AWS (see the module docstring)."""

    def __init__(self, prefix: Path) -> None:
        self.paths = {
            "base": prefix.with_name(prefix.name + ".base"),
            "journal": prefix.with_name(prefix.name + ".journal"),
        }
        self.index: dict[Partition, Location] = {}
        self.generation = 0
        self.sizes = {"base": 0, "journal": 0}
        self.live = 0  # bytes of the values the index points at
        self._fds: dict[str, int] = {}
        self._tail_dirty = False  # a failed append could not be cut back
        self._read_only: OSError | None = None  # why the journal could be opened only to read

    def exists(self) -> bool:
        return any(p.exists() for p in self.paths.values())

    def total(self) -> int:
        return sum(self.sizes.values())

    # --- reading ---------------------------------------------------------------------------

    def load(self, expected: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Open both files and index every partition's newest value; the base's header and
        notes on what was repaired (a cut-off journal tail). ``expected``: header fields that
        must match (the moto version), else :class:`Unreadable`."""
        notes: list[str] = []
        base_path, journal_path = self.paths["base"], self.paths["journal"]
        if not base_path.exists():
            raise Unreadable(f"{journal_path.name} is there without {base_path.name}")
        self._fds["base"] = open_trusted(base_path, os.O_RDONLY)
        data = _read_all(self._fds["base"])
        header, start = _parse_header(data, base_path)
        for name, wanted in expected.items():
            if header.get(name) != wanted:
                raise Unreadable(
                    f"it was written by {name} {header.get(name)}, this is {name} {wanted}"
                )
        if header.get("kind") != "base" or not isinstance(header.get("generation"), int):
            raise Unreadable(f"{base_path.name} is not a base file")
        self.generation = header["generation"]
        end = self._index("base", data, start)
        if end != len(data):
            raise Unreadable(f"{base_path.name} is damaged at byte {end}")
        self.sizes["base"] = len(data)
        del data
        notes += self._load_journal(journal_path)
        return header, notes

    def _load_journal(self, path: Path) -> list[str]:
        if not path.exists():
            self._new_journal()
            return []
        try:
            fd = open_trusted(path, os.O_RDWR)
        except OSError as exc:
            if exc.errno not in (errno.EROFS, errno.EACCES):
                raise
            fd, self._read_only = open_trusted(path, os.O_RDONLY), exc  # reads still served
        self._fds["journal"] = fd
        data = _read_all(fd)
        header, start = _parse_header(data, path)
        if header.get("kind") != "journal" or header.get("generation") != self.generation:
            self._new_journal()  # from before the last compaction: the base holds it all
            return []
        end = self._index("journal", data, start)
        self.sizes["journal"] = end
        if end == len(data):
            return []
        if _intact_record_after(data, end):
            raise Unreadable(
                f"{path.name} is damaged at byte {end}, and acknowledged writes follow (a write "
                "cut short is only ever the last one)"
            )
        try:
            os.ftruncate(fd, end)
            os.fsync(fd)
        except OSError:
            self._tail_dirty = True  # cut off before the next append
        return [
            f"ignored the last {len(data) - end} bytes of {path.name}: a write cut short (a "
            "kill or a crash while it was written), which was never acknowledged"
        ]

    def _index(self, file: str, data: bytes, start: int) -> int:
        """Index every intact record of ``data``; where the intact ones end."""
        end, view = start, memoryview(data)
        for intact, entries in records(data, start):
            end = intact
            for partition, value_at, size in entries:
                if size is None:
                    self._forget(partition)
                else:
                    found = digest(view[value_at : value_at + size])
                    self._point(partition, Location(file, value_at, size, found))
        return end

    def _point(self, partition: Partition, location: Location) -> None:
        self._forget(partition)
        self.index[partition] = location
        self.live += location.length

    def _forget(self, partition: Partition) -> None:
        old = self.index.pop(partition, None)
        if old is not None:
            self.live -= old.length

    def read(self, partition: Partition) -> bytes | None:
        """The newest durable value of ``partition`` (None: it has none)."""
        found = self.index.get(partition)
        return None if found is None else self._pread(found)

    def _pread(self, location: Location) -> bytes:
        fd, parts, done = self._fds[location.file], [], 0
        while done < location.length:
            chunk = os.pread(fd, location.length - done, location.offset + done)
            if not chunk:
                raise OSError(f"{self.paths[location.file]} ends early")
            parts.append(chunk)
            done += len(chunk)
        return b"".join(parts)

    def same(self, partition: Partition, data: bytes | None) -> bool:
        """Whether ``data`` is what the disk already holds for ``partition``."""
        found = self.index.get(partition)
        if data is None or found is None:
            return data is None and found is None
        return found.length == len(data) and found.digest == digest(data)

    # --- writing ---------------------------------------------------------------------------

    def append(self, changes: Mapping[Partition, bytes | None], extra: Mapping[str, Any]) -> int:
        """Write one record and ``fdatasync`` it; the bytes written. On an ``OSError`` the
        journal is cut back to where it was before the error reaches the caller."""
        if self._read_only is not None:
            raise self._read_only
        if "journal" not in self._fds:
            self.rewrite({}, extra)  # the first write: an empty base, then the journal
        fd, offset = self._fds["journal"], self.sizes["journal"]
        if self._tail_dirty:
            os.ftruncate(fd, offset)
            os.fsync(fd)
            self._tail_dirty = False
        data, starts = record(changes)
        try:
            _write_all(fd, data, offset)
            os.fdatasync(fd)
        except OSError:
            try:
                os.ftruncate(fd, offset)
                os.fsync(fd)
            except OSError:
                self._tail_dirty = True  # cut back before the next append, or fail it
            raise
        self.sizes["journal"] = offset + len(data)
        for (partition, value), start in zip(changes.items(), starts, strict=True):
            if value is None:
                self._forget(partition)
            else:
                self._point(
                    partition, Location("journal", offset + start, len(value), digest(value))
                )
        return len(data)

    def needs_compaction(self) -> bool:
        dead = self.total() - self.live
        return dead > max(COMPACT_MIN_BYTES, self.live)

    def compact(self, extra: Mapping[str, Any]) -> None:
        """A new base from every partition's newest value, and an empty journal."""
        self.rewrite(((p, self._pread(loc)) for p, loc in self.index.items()), extra)

    def rewrite(self, values: Iterable[tuple[Partition, bytes]], extra: Mapping[str, Any]) -> None:
        """Make ``values`` the whole state: a new base (next generation), then a new journal."""
        generation = self.generation + 1
        base = self.paths["base"]
        index: dict[Partition, Location] = {}
        with _replacing(base) as fd:
            offset = _write_all(fd, _header("base", generation, extra), 0)
            batch: dict[Partition, bytes] = {}
            batched = 0
            for partition, data in values:
                batch[partition] = data
                batched += len(data)
                if batched >= _CHUNK:
                    offset, batched = self._write_base(fd, offset, batch, index), 0
            offset = self._write_base(fd, offset, batch, index)
            os.fsync(fd)
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {"base": open_trusted(base, os.O_RDONLY)}
        self.generation, self.index = generation, index
        self.sizes = {"base": offset, "journal": 0}
        self.live = sum(loc.length for loc in index.values())
        self._new_journal(extra)

    @staticmethod
    def _write_base(
        fd: int, offset: int, batch: dict[Partition, bytes], index: dict[Partition, Location]
    ) -> int:
        """One record per partition (so a base is as many records as partitions)."""
        chunks = []
        for partition, data in batch.items():
            chunk, (start,) = record({partition: data})
            index[partition] = Location("base", offset + start, len(data), digest(data))
            chunks.append(chunk)
            offset += len(chunk)
        if chunks:
            _write_all(fd, b"".join(chunks), offset - sum(len(c) for c in chunks))
        batch.clear()
        return offset

    def _new_journal(self, extra: Mapping[str, Any] | None = None) -> None:
        journal = self.paths["journal"]
        with _replacing(journal) as fd:
            size = _write_all(fd, _header("journal", self.generation, extra or {}), 0)
            os.fsync(fd)
        old = self._fds.pop("journal", None)
        if old is not None:
            os.close(old)
        self._fds["journal"] = open_trusted(journal, os.O_RDWR)
        self.sizes["journal"] = size
        self._tail_dirty = False
        self._read_only = None

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}


@contextlib.contextmanager
def _replacing(path: Path):
    """A temporary file beside ``path`` (0600) that replaces it atomically on success."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        yield fd
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    sync_directory(path.parent)


def sync_directory(directory: Path) -> None:
    """``fsync`` a directory so a rename in it is durable (not every platform can)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_all(fd: int, data: bytes, offset: int) -> int:
    """``pwrite`` all of ``data`` at ``offset``; the offset after it."""
    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, offset)
        view, offset = view[done:], offset + done
    return offset


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    parts, done = [], 0
    while True:
        chunk = os.pread(fd, max(size - done, _CHUNK), done)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        done += len(chunk)


def remove(prefix: Path) -> bool:
    """Delete the state files and any temporary file a kill left (``local reset``); False when
    there was nothing to delete."""
    removed = False
    for name in (f"{prefix.name}.base", f"{prefix.name}.journal"):
        with contextlib.suppress(FileNotFoundError):
            (prefix.parent / name).unlink()
            removed = True
    remove_leftovers(prefix)
    return removed


def remove_leftovers(prefix: Path) -> None:
    """Delete the temporary files a kill during a compaction left."""
    for leftover in prefix.parent.glob(f".{prefix.name}.*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink(missing_ok=True)
