"""The batch run: sign a URL for every row on every core, and write them in input order.

Why a module of its own: signing is CPU-bound (an RSA-2048 signature costs up to a millisecond),
so a course of ten thousand videos wants every core, and a list of ten million keys must not be
held in memory. The run therefore

* streams: rows are read lazily (:mod:`.inputs`) and handed to worker processes in chunks (a few
  hundred ECDSA rows, a few dozen RSA rows: tens of milliseconds of signing each), with a bounded
  number of chunks in flight, so memory stays flat whatever the input;
* keeps the parent idle: from a text or JSONL file each worker reads its own slice of lines (the
  parent only cuts the file into byte ranges at newlines), and every worker returns its chunk as
  one pre-joined text, so nothing crosses a process boundary per URL;
* prepares one :class:`~cftutorial.signing.signer.Signer` per worker (parsing a PEM costs about
  60 signatures), signs each chunk's policies back to back (:meth:`Signer.signatures`; ECDSA
  signatures interleaved with Python work ran a fifth slower) and formats the common canned row
  (a plain key) in one f-string;
* writes in input order through :func:`.outputs.write_atomically` (a temporary file renamed at
  the end);
* checks every row before signing it and reports a bad one with its line number.

**The shared-policy fast path.** With ``policy_resource`` (e.g. ``https://DOMAIN/course/*``) every
URL carries the same custom policy, so it is signed once and appended to every URL:
hundreds of thousands of URLs per second on one core. The trade-off: anyone holding one of these
URLs can read every object the resource matches, until it expires. The result carries the
equivalent cookies (:attr:`BatchResult.cookies`).
"""

from __future__ import annotations

import dataclasses
import gc
import io
import itertools
import multiprocessing
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import BinaryIO, Literal

from ..errors import BatchError, CftutorialError
from ..signing import keys, policy, rules, signer, urls
from .inputs import (
    BadRow,
    Row,
    check_row,
    input_format,
    not_utf8,
    object_url,
    plain_keys,
    read_lines,
    read_objects,
    unreadable,
)
from .options import BatchOptions
from .outputs import Chunk, Progress, convert_results, output_format, row_writer, write_atomically

OnError = Literal["stop", "skip"]
#: A good canned row on its way: (key, URL, is the key its own URL path and output field).
_Todo = tuple[str, str, bool]
#: How :func:`sign_batch`'s errors name its keyword arguments.
PYTHON_NAMES = {
    "domain": "base_url",
    "expires": "date_less_than",
    "starts": "date_greater_than",
    "policy": "policy_kind",
}
#: Rows per chunk for an ECDSA key (a signature costs ~40 µs): ~25 ms of work, so handing a chunk
#: over (~0.1 ms) is noise, the progress bar moves, and the last chunk leaves a core idle briefly.
CHUNK_ROWS = 512
#: Rows per chunk for an RSA key (~0.7 ms per RSA-2048 signature): ~50 ms of work per chunk.
RSA_CHUNK_ROWS = 64
#: Chunks in flight per worker; bounds memory for inputs of any length.
CHUNKS_PER_WORKER = 4
#: Bytes of an input file read to estimate its line length (to cut it into slices of lines).
SAMPLE_BYTES = 1 << 16
#: Bytes read at a time when looking for the newline that ends a slice.
CUT_BYTES = 1 << 12
#: Input formats whose rows are single lines, so a worker can read a slice of the file itself.
SLICED_FORMATS = ("text", "jsonl")
#: Object keys that are their own URL path (nothing to percent-encode) are also their own JSON
#: string and their own CSV field: the common case, whose canned row is one f-string.
_VERBATIM_KEY = urls.PLAIN_KEY


@dataclass(frozen=True)
class BatchResult:
    """What a batch run wrote, how long it took, and which rows it skipped."""

    output: Path
    format: str
    rows: int
    written: int
    skipped: int
    bad_rows: tuple[BadRow, ...]
    seconds: float
    workers: int
    policy_kind: str  # "canned" | "custom" | "shared"
    expires: int
    cookies: dict[str, str] | None = field(default=None, repr=False)
    outputs: tuple[Path, ...] = ()

    @property
    def urls_per_second(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else float("inf")

    def summary(self) -> str:
        """One line for a person: count, time, rate, and where the URLs went."""
        text = (
            f"signed {self.written:,} URL{'' if self.written == 1 else 's'} in {self.seconds:.2f} s "
            f"({self.urls_per_second:,.0f} URLs/s, {self.workers} worker"
            f"{'' if self.workers == 1 else 's'}, {self.policy_kind} policy, "
            f"expires {policy.iso(self.expires)}) -> "
            + ", ".join(str(path) for path in self.outputs or (self.output,))
        )
        if self.skipped:
            text += f"; skipped {self.skipped:,} bad row{'' if self.skipped == 1 else 's'}"
        return text


@dataclass(frozen=True)
class _Spec:
    """Everything a worker needs, picklable: the key as a path or PEM, never a key object."""

    base_url: str
    key_pair_id: str
    private_key: str | bytes
    hash_algorithm: str
    expires: int
    date_greater_than: int | None
    ip_address: str | None
    fmt: str
    custom: bool = False  # a custom policy per URL even without start or IP conditions


class _RowSigner:
    """Signs chunks of rows with one prepared :class:`Signer` and formats them as output text.

    A chunk is done in three passes: check and build every row's URL and policy, sign them all
    back to back (:meth:`Signer.signatures`), then write the rows. Interleaving the three per
    row made each ECDSA signature about a fifth slower (``benchmarks/bench_signing.py``).
    """

    def __init__(self, spec: _Spec) -> None:
        self.spec = spec
        self.signer = signer.Signer(spec.key_pair_id, spec.private_key, spec.hash_algorithm)
        custom = spec.custom or spec.date_greater_than is not None or spec.ip_address is not None
        # The expiry was checked once at the start; a long run must not fail as it nears it.
        self.conditions = {
            "date_less_than": spec.expires,
            "date_greater_than": spec.date_greater_than,
            "ip_address": spec.ip_address,
            "allow_past": True,
            "custom": spec.custom,
        }
        self._key_params = self.signer.key_params
        # A base URL with a comma must be quoted in CSV: then every row takes the general path.
        self._canned_rows = not custom and "," not in spec.base_url

    def plan(self, url: str) -> signer.UrlPlan:
        return self.signer.plan_url(url, **self.conditions)

    def chunk(self, rows: Sequence[Row]) -> Chunk:
        if self._canned_rows:
            return self._canned_chunk(rows)
        return _format_chunk(rows, self.spec, self.plan, self.signer.sign_plans)

    def _canned_chunk(self, rows: Sequence[Row]) -> Chunk:
        """:func:`_format_chunk` for canned rows, the common row written as one f-string.

        Every batch URL is made only of characters that JSON writes as they are (the base URL is
        checked by :func:`check_base_url`, the key percent-encoded, the query checked), so
        :func:`check_row` has made the checks ``Signer.plan_url`` would repeat and the policy is
        :func:`.rules.canned_text` of the URL; a key of :data:`_VERBATIM_KEY` characters is its own
        URL path and its own CSV/JSON field. Other keys go through :func:`.outputs.row_writer`.
        The tests hold the output byte-identical to :func:`_format_chunk`'s.
        """
        expires = self.spec.expires
        todo, bad = self._canned_rows_of(rows)
        messages = [rules.canned_text(url, expires).encode() for _, url, _ in todo]
        return self._write_canned(todo, self.signer.signatures(messages)), bad

    def _canned_rows_of(self, rows: Sequence[Row]) -> tuple[list[_Todo], list[BadRow]]:
        """Each good row's (key, URL, is the key verbatim), and the bad rows; a chunk of plain
        keys (a text file's usual lines) is checked at once by :func:`.inputs.plain_keys`."""
        base = self.spec.base_url
        keys = [key for _, key, query, problem in rows if not query and problem is None]
        if len(keys) == len(rows) and plain_keys(keys):
            return [(key, f"{base}/{key}", True) for key in keys], []
        verbatim = _VERBATIM_KEY.fullmatch
        todo: list[_Todo] = []
        bad: list[BadRow] = []
        for line, key, query, problem in rows:
            problem = problem or check_row(key, query)
            if problem is not None:
                bad.append(BadRow(line, key, problem))
                continue
            plain = not query and verbatim(key) is not None
            todo.append((key, f"{base}/{key}" if plain else object_url(base, key, query), plain))
        return todo, bad

    def _write_canned(self, todo: list[_Todo], signatures: list[str]) -> str:
        expires, csv, key_params = self.spec.expires, self.spec.fmt == "csv", self._key_params
        # A plain URL has no "?" (nor has the base URL), so its signed query is always this.
        before, after = _around_signature(expires, key_params)
        out = io.StringIO()
        write, write_row = out.write, row_writer(self.spec.fmt, out)
        for (key, url, plain), sig in zip(todo, signatures, strict=True):
            if not plain:
                signed = urls.append_params(url, urls.canned_params(expires, sig, key_params))
                write_row(key, signed, expires)
            elif csv:
                write(f"{key},{url}{before}{sig}{after},{expires}\n")
            else:
                write(f'{{"key": "{key}", "url": "{url}{before}{sig}{after}", ')
                write(f'"expires": {expires}}}\n')
        return out.getvalue()


def _around_signature(expires: int, key_params: str) -> tuple[str, str]:
    """A plain URL's signed query before and after the signature, from :mod:`.urls`' builder."""
    slot = "\x00"
    query = urls.append_params("", urls.canned_params(expires, slot, key_params))
    before, _, after = query.partition(slot)
    return before, after


def _format_chunk(
    rows: Sequence[Row],
    spec: _Spec,
    prepare: Callable[[str], object],
    finish: Callable[[list], list[str]],
) -> Chunk:
    """(output text for the good rows, the bad rows in order).

    ``prepare`` turns each row's URL into what ``finish`` turns, for all rows at once, into the
    signed URLs (a signer's plans and their signing; a shared policy's URLs as they are).
    """
    bad: list[BadRow] = []
    good: list[tuple[str, object]] = []
    for line, key, query, problem in rows:
        problem = problem or check_row(key, query)
        if problem is None:
            try:
                good.append((key, prepare(object_url(spec.base_url, key, query))))
                continue
            except CftutorialError as exc:
                problem = str(exc)
        bad.append(BadRow(line, key, problem))
    out = io.StringIO()
    write = row_writer(spec.fmt, out)
    for (key, _), url in zip(good, finish([prepared for _, prepared in good]), strict=True):
        write(key, url, spec.expires)
    return out.getvalue(), bad


@dataclass(frozen=True)
class _Slice:
    """Whole lines of an input file that a worker reads itself: bytes ``[start, end)``.

    ``end`` is ``None`` for the last slice (to the end of the file).
    """

    path: str
    fmt: str
    start: int
    end: int | None


#: What a worker returns: its chunk, and how many input lines its slice held (0 for a chunk of
#: rows the parent read, whose line numbers are already final).
_Done = tuple[str, list[BadRow], int]

_WORKER: _RowSigner | None = None


def _init_worker(spec: _Spec) -> None:
    """Runs once per worker process: load the key, and leave Ctrl-C to the parent.

    ``gc.freeze`` moves everything loaded so far out of the collector's sight: the signing loop
    allocates many short-lived objects, and each collection would otherwise rescan the modules.
    """
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = _RowSigner(spec)
    gc.freeze()


def _sign_job(job: list[Row] | _Slice) -> _Done:
    """A worker's task: a chunk of rows from the parent, or a slice of the file to read."""
    assert _WORKER is not None, "worker not initialised"
    if isinstance(job, _Slice):
        lines = _read_slice(job)
        text, bad = _WORKER.chunk(list(read_lines(lines, job.fmt)))
        return text, bad, len(lines)
    text, bad = _WORKER.chunk(job)
    return text, bad, 0


def _read_slice(piece: _Slice) -> list[str]:
    """The slice's lines as :func:`.inputs.read_objects` reads them (UTF-8, ``newline=""``)."""
    try:
        with open(piece.path, "rb") as handle:
            handle.seek(piece.start)
            data = handle.read(-1 if piece.end is None else piece.end - piece.start)
        # A byte-order mark counts only at the start of the file, as with ``utf-8-sig``.
        text = data.decode("utf-8-sig" if piece.start == 0 else "utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(piece.path, exc) from None
    except OSError as exc:
        raise unreadable(piece.path, exc) from None
    return io.StringIO(text, newline="").readlines()


def _slices(path: Path, fmt: str, rows: int) -> Iterator[_Slice]:
    """Byte ranges of about ``rows`` lines each, every one ending just after a newline.

    The parent reads a sample (to estimate the length of a line) and a few bytes at each cut,
    never the lines themselves: the workers do that. A newline byte never occurs inside a
    multi-byte UTF-8 character, so every slice decodes on its own.
    """
    try:
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
            if not sample:
                return
            step = max(len(sample) * rows // max(sample.count(b"\n"), 1), 1)
            start = 0
            while True:
                end = _line_end(handle, start + step)
                yield _Slice(str(path), fmt, start, end)
                if end is None:
                    return
                start = end
    except OSError as exc:
        raise unreadable(path, exc) from None


def _line_end(handle: BinaryIO, at: int) -> int | None:
    """The offset just after the first newline at or after ``at - 1``; ``None`` at the end."""
    position = at - 1
    handle.seek(position)
    while True:
        block = handle.read(CUT_BYTES)
        if not block:
            return None
        found = block.find(b"\n")
        if found >= 0:
            end = position + found + 1
            handle.seek(end)
            return end if handle.read(1) else None
        position += len(block)


class SharedPolicy:
    """The fast path: one custom policy signed once, its query tail appended to every URL that
    the policy's resource covers (:func:`.rules.covers`); a URL outside it is a bad row.

    :mod:`.kms` uses it too, with a KMS signer: the one ``Sign`` call of the whole batch.
    """

    def __init__(self, options: BatchOptions, row_signer: signer.Signer) -> None:
        resource = options.policy_resource
        assert resource is not None, "a shared policy needs its resource"
        conditions = {
            "date_less_than": options.expires,
            "date_greater_than": options.starts,
            "ip_address": options.ip_address,
        }
        text = policy.custom_policy(resource, **conditions)
        encoded, signature = row_signer.sign_policy(text)
        self.resource = resource
        self.tail = urls.custom_params(encoded, signature, row_signer.key_params)
        self.cookies = row_signer.sign_cookies(resource, **conditions)
        self.covers = rules.covering(resource)

    def __call__(self, url: str) -> str:
        if not self.covers(url):
            rules.check_covers(
                self.resource,
                url,
                names=("URL", "the shared policy's resource"),
                fix="widen the policy resource or remove the row",
            )
        return urls.append_params(url, self.tail)


# ----------------------------------------------------------------------------------- the run


def sign_batch(
    objects: str | Path | Iterable[str | dict],
    output: str | Path | Sequence[str | Path],
    *,
    base_url: str,
    key_pair_id: str,
    private_key: keys.PrivateKey | str | Path | bytes,
    date_less_than: int | float | datetime | timedelta | str,
    date_greater_than: int | float | datetime | timedelta | str | None = None,
    ip_address: str | None = None,
    policy_resource: str | None = None,
    hash_algorithm: str | None = None,
    workers: int | None = None,
    on_error: OnError = "stop",
    progress: Progress | None = None,
    chunk_rows: int | None = None,
    policy_kind: str | None = None,
) -> BatchResult:
    """Sign a URL for every object and write them (CSV or JSONL by the output's extension).

    Canned policy by default; a custom policy per URL with ``date_greater_than`` / ``ip_address``
    (or ``policy_kind="custom"``); one shared custom policy (the fast path, signed once) with
    ``policy_resource``. ``hash_algorithm=None`` is the key's (SHA1 for RSA, SHA256 for ECDSA,
    :func:`~cftutorial.signing.rules.hash_for`, as ``cftutorial sign``). ``workers`` defaults to every core (1 signs in this process).
    ``on_error="stop"`` raises :class:`~cftutorial.errors.BadRowError` at the first bad row and
    writes nothing; ``"skip"`` leaves bad rows out and lists them in the result. ``progress`` is
    called with the number of rows done after each chunk (e.g. a tqdm bar's ``update``).
    ``chunk_rows`` (rows per chunk) defaults to :data:`CHUNK_ROWS` for ECDSA keys and
    :data:`RSA_CHUNK_ROWS` for RSA keys. The options are checked by
    :meth:`BatchOptions.build`, as for the CLI and the notebook.
    """
    options = BatchOptions.build(
        objects=objects,
        output=output,
        domain=base_url,
        key_pair_id=key_pair_id,
        private_key=private_key,
        expires=date_less_than,
        policy=policy_kind,
        starts=date_greater_than,
        ip_address=ip_address,
        policy_resource=policy_resource,
        hash_algorithm=hash_algorithm,
        workers=workers,
        on_error=on_error,
        names=PYTHON_NAMES,
    )
    return run_batch(options, progress=progress, chunk_rows=chunk_rows)


def run_batch(
    options: BatchOptions, *, progress: Progress | None = None, chunk_rows: int | None = None
) -> BatchResult:
    """Sign and write a batch whose options :meth:`BatchOptions.build` checked.

    The first output is written atomically; any further outputs are converted from it.
    """
    started = time.perf_counter()
    if chunk_rows is None:
        chunk_rows = (
            RSA_CHUNK_ROWS if keys.key_kind(options.private_key) == keys.KIND_RSA else CHUNK_ROWS
        )
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise BatchError(f"chunk_rows={chunk_rows!r} is not a row count; use 1 or more")
    spec, shared = _prepare(options)
    # With a shared policy the one signature is made: workers would only add overhead.
    worker_count = 1 if shared is not None else options.workers
    results = _results(options.objects, spec, shared, worker_count, chunk_rows)
    target = options.output
    written, total, skipped, bad = write_atomically(
        target, spec.fmt, results, options.on_error, progress
    )
    seconds = time.perf_counter() - started
    for extra in options.outputs[1:]:
        convert_results(target, extra)
    return BatchResult(
        output=target,
        format=spec.fmt,
        rows=total,
        written=written,
        skipped=skipped,
        bad_rows=tuple(bad),
        seconds=seconds,
        workers=worker_count,
        policy_kind=options.policy,
        expires=spec.expires,
        cookies=None if shared is None else shared.cookies,
        outputs=options.outputs,
    )


def _prepare(options: BatchOptions) -> tuple[_Spec, SharedPolicy | None]:
    """What the workers need, and for a shared policy its one signature (made here, once)."""
    spec = _Spec(
        base_url=options.base_url,
        key_pair_id=options.key_pair_id,
        private_key=options.private_key_source,
        hash_algorithm=options.hash_algorithm,
        expires=options.expires,
        date_greater_than=options.starts,
        ip_address=options.ip_address,
        fmt=output_format(options.output),
        custom=options.policy == "custom",
    )
    if options.policy_resource is None:
        return spec, None
    return spec, SharedPolicy(options, options.signer())


def _results(
    objects: str | Path | Iterable[str | dict],
    spec: _Spec,
    shared: SharedPolicy | None,
    workers: int,
    chunk_rows: int,
) -> Iterator[Chunk]:
    """Formatted chunks in input order: shared policy, or signed here, or signed by workers.

    Workers read a text or JSONL file themselves, a slice each; other inputs (a list, CSV,
    whose quoted values may span lines, and S3 listings) are read here and sent as rows.
    """
    if shared is not None or workers == 1:
        chunks = _chunked(read_objects(objects), chunk_rows)
        if shared is not None:
            return (_format_chunk(chunk, spec, shared, list) for chunk in chunks)
        row_signer = _RowSigner(spec)
        return (row_signer.chunk(chunk) for chunk in chunks)
    if isinstance(objects, Path) and (fmt := input_format(objects)) in SLICED_FORMATS:
        return _parallel(_slices(objects, fmt, chunk_rows), spec, workers)
    return _parallel(_chunked(read_objects(objects), chunk_rows), spec, workers)


def _chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while True:
        chunk = list(itertools.islice(rows, size))
        if not chunk:
            return
        yield chunk


def _process_context() -> BaseContext:
    """``fork`` from a single-threaded process (a script or the CLI), ``spawn`` otherwise.

    Forking is fast and, unlike spawning, does not re-run a user's script that lacks an
    ``if __name__ == "__main__"`` guard; but forking a process with threads (a Jupyter kernel
    has several) can copy a lock held by another thread and hang, so there workers are spawned:
    fresh interpreters that import only this module.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _parallel(jobs: Iterator[list[Row] | _Slice], spec: _Spec, workers: int) -> Iterator[Chunk]:
    """Results in input order, with at most ``workers * CHUNKS_PER_WORKER`` chunks in flight.

    ``ProcessPoolExecutor.map`` and ``Pool.imap`` would both read the whole input ahead; the
    bounded window keeps memory flat for inputs of any length. A slice's bad rows carry line
    numbers counted from the slice's start; the lines of the slices before it are added here.
    """
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_process_context(),
        initializer=_init_worker,
        initargs=(spec,),
    )
    window: deque[Future] = deque()
    limit = workers * CHUNKS_PER_WORKER
    lines_before = 0

    def finished() -> Chunk:
        nonlocal lines_before
        text, bad, lines = window.popleft().result()
        if lines_before:
            bad = [dataclasses.replace(row, line=row.line + lines_before) for row in bad]
        lines_before += lines
        return text, bad

    try:
        for job in jobs:
            window.append(executor.submit(_sign_job, job))
            if len(window) >= limit:
                yield finished()
        while window:
            yield finished()
    except BrokenProcessPool:
        raise BatchError(
            "a signing worker process died before finishing (out of memory, killed, or it could "
            "not load the key); rerun with workers=1 (--workers 1) to sign in one process and "
            "see the error"
        ) from None
    finally:
        for pending in window:
            pending.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
