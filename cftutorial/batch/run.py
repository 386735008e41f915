"""Batch signing: signed URLs for a whole list of objects (notebook 07's parameters, ``cftutorial batch``).

Why a module of its own: signing is CPU-bound (an RSA-2048 signature costs up to a millisecond),
so a course of ten thousand videos wants every core, and a list of ten million keys must not be
held in memory. The run therefore

* streams: rows are read lazily and handed to worker processes in chunks of a few hundred, with
  a bounded number of chunks in flight, so memory stays flat whatever the input size;
* loads the private key once per worker (parsing a PEM costs about 60 signatures);
* writes in input order to a temporary file next to the output and renames it at the end, so an
  interrupted or failed run never leaves a file that looks complete (the file is mode 0600: every
  URL in it opens a private object);
* checks every row before signing it and reports a bad one with its line number.

**How an object key becomes a URL.** The key is percent-encoded with
``urllib.parse.quote(key, safe="/~")`` (UTF-8, every byte but letters, digits, ``-._~`` and ``/``
encoded; a space is ``%20``, ``é`` is ``%C3%A9``) and appended to the base URL after one ``/``.
That encoded string is both what is signed and what a viewer requests, so no client re-encodes
it and the edge sees exactly the signed bytes. An optional ``query`` column adds the viewer's own
query string (already encoded); it may not use CloudFront's signing parameter names.

**The shared-policy fast path.** With ``policy_resource`` (e.g. ``https://DOMAIN/course/*``) every
URL carries the same custom policy, so it is signed once and appended to every URL:
hundreds of thousands of URLs per second on one core. The trade-off: anyone holding one of these
URLs can read every object the resource matches, until it expires. The result carries the
equivalent cookies (:attr:`BatchResult.cookies`).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import multiprocessing
import os
import re
import signal
import tempfile
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
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from ..errors import BadRowError, BatchError, CftutorialError
from ..signing import keys, policy, signer, wildcard
from ..signing.policy import parse_time

OnError = Literal["stop", "skip"]
ON_ERROR = ("stop", "skip")
OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
INPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}  # anything else: text
COLUMNS = ("key", "url", "expires")
#: Rows per chunk sent to a worker: large enough that inter-process overhead is noise next to
#: the signatures, small enough that the progress bar moves and memory stays small.
CHUNK_ROWS = 512
#: Chunks in flight per worker; bounds memory for inputs of any length.
CHUNKS_PER_WORKER = 4
#: Bad rows kept for the report (all are counted).
KEEP_BAD_ROWS = 100
MAX_KEY_BYTES = 1024  # S3's limit on an object key

_PLAIN_URL = re.compile(r"[\x21\x24-\x5b\x5d-\x7e]+")  # printable ASCII but space " # \
#: Keys made only of characters that percent-encoding leaves alone (the common case, checked fast).
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.~/-]+")
_DOT_SEGMENT = re.compile(r"(?:^|/)\.\.?(?:/|$)")
_CSV_SPECIAL = re.compile(r'[,"\r\n]')
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_QUERY_OK = re.compile(r"[A-Za-z0-9\-._~%!$'()*+,;=:@/?&]*")
_RESERVED = re.compile(r"(?:^|&)(Expires|Policy|Signature|Key-Pair-Id|Hash-Algorithm)(?:=|&|$)")

Row = tuple[int, str, str, str | None]  # (line, key, query, problem found while reading)
Progress = Callable[[int], Any]


@dataclass(frozen=True)
class BadRow:
    """An input row that was skipped, and why."""

    line: int
    key: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


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

    @property
    def urls_per_second(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else float("inf")

    def summary(self) -> str:
        """One line for a person: count, time, rate, and where the URLs went."""
        text = (
            f"signed {self.written:,} URLs in {self.seconds:.2f} s "
            f"({self.urls_per_second:,.0f} URLs/s, {self.workers} worker"
            f"{'' if self.workers == 1 else 's'}, {self.policy_kind} policy, "
            f"expires {policy.iso(self.expires)}) -> {self.output}"
        )
        if self.skipped:
            text += f"; skipped {self.skipped:,} bad row{'' if self.skipped == 1 else 's'}"
        return text


# ---------------------------------------------------------------------------------------- times


# ------------------------------------------------------------------------------------- URLs


def check_base_url(base_url: str) -> str:
    """``https://DOMAIN`` or ``https://DOMAIN/prefix``, without a trailing ``/``."""
    text = str(base_url).strip() if isinstance(base_url, str) else ""
    parts = urlsplit(text) if text else None
    if (
        parts is None
        or parts.scheme not in ("https", "http")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or "?" in text
        or not _PLAIN_URL.fullmatch(text)
    ):
        raise BatchError(
            f"base URL {base_url!r} cannot be used; use the distribution's address, "
            "e.g. https://d111111abcdef8.cloudfront.net (optionally with a path prefix, "
            "no query string, no spaces or quotes)"
        )
    return text.rstrip("/")


def object_url(base_url: str, key: str, query: str = "") -> str:
    """The viewer URL of one object (the exact string that is signed and requested).

    The key is percent-encoded like ``quote(key, safe="/~")``; keys that need no encoding skip it.
    """
    path = key if _PLAIN_KEY.fullmatch(key) else quote(key, safe="/~")
    url = f"{base_url}/{path}"
    return f"{url}?{query}" if query else url


def check_row(key: str, query: str = "") -> str | None:
    """Why this object key (and query string) cannot be signed, or ``None`` if it can."""
    if not isinstance(key, str) or not key:
        return "empty object key"
    if not _PLAIN_KEY.fullmatch(key):  # unusual characters: the slower checks
        bad = _CONTROL.search(key)
        if bad:
            return (
                f"object key {_short(key)} contains the control character {bad.group()!r} at "
                f"position {bad.start()}; object keys may not contain control characters"
            )
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            return f"object key {_short(key)} is not valid Unicode text (lone surrogate)"
    if key[0] == "/":
        return (
            f"object key {_short(key)} starts with '/'; give the key without it "
            f"(e.g. {key.lstrip('/')!r})"
        )
    if _DOT_SEGMENT.search(key):
        return (
            f"object key {_short(key)} has a '.' or '..' path segment, which browsers and HTTP "
            "clients remove before sending, so the signed URL would never match"
        )
    if len(key) * 4 > MAX_KEY_BYTES and len(key.encode("utf-8")) > MAX_KEY_BYTES:
        return f"object key {_short(key)} is longer than S3's limit of {MAX_KEY_BYTES} bytes"
    if query:
        if not isinstance(query, str) or not _QUERY_OK.fullmatch(query):
            return (
                f"query {_short(str(query))} is not an encoded query string; percent-encode "
                "spaces, quotes, '#' and non-ASCII characters (e.g. name=a%20b)"
            )
        found = _RESERVED.search(query)
        if found:
            return (
                f"query {_short(query)} uses the reserved query parameter {found.group(1)!r} "
                f"(CloudFront reads {', '.join(signer.RESERVED_PARAMS)} as signing parameters); "
                "rename it"
            )
    return None


def _short(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# ----------------------------------------------------------------------------------- input


def input_format(path: str | Path) -> str:
    """``csv`` or ``jsonl`` by extension; anything else is text, one object key per line."""
    return INPUT_FORMATS.get(Path(path).suffix.lower(), "text")


def output_format(path: str | Path) -> str:
    fmt = OUTPUT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise BatchError(
            f"output {str(path)!r} has no known extension; name it *.csv or *.jsonl "
            "(one row per object: key, url, expires)"
        )
    return fmt


def read_objects(source: str | Path | Iterable[str | dict]) -> Iterator[Row]:
    """The rows of a batch, lazily: ``(line, key, query, problem)``.

    ``source`` is a file (text with one key per line, or ``*.csv`` / ``*.jsonl`` with a ``key``
    column and an optional ``query`` column), an ``s3://bucket/prefix`` to list through the
    active backend, or an inline list of keys (or of ``{"key": …}`` dicts). ``line`` is the line
    in the file (CSV: the line where the record ends), or the 1-based position in a list.
    """
    if isinstance(source, str) and source.startswith("s3://"):
        return _read_s3(source)
    if isinstance(source, str | Path):
        path = Path(source).expanduser()
        if not path.is_file():
            raise BatchError(
                f"input {str(source)!r} is not a file; pass a text, CSV or JSONL file of object "
                "keys, or s3://BUCKET/PREFIX"
            )
        return _read_file(path)
    if isinstance(source, bytes) or not isinstance(source, Iterable):
        raise BatchError(
            f"objects={source!r} cannot be read; pass a file path, s3://BUCKET/PREFIX or a list of keys"
        )
    return _read_inline(source)


def _read_inline(items: Iterable[str | dict]) -> Iterator[Row]:
    for number, item in enumerate(items, 1):
        if isinstance(item, dict):
            yield _from_record(number, item)
        elif isinstance(item, str):
            yield (number, item, "", None)
        else:
            yield (number, repr(item), "", f"item {item!r} is not an object key (text)")


def _from_record(line: int, record: dict) -> Row:
    key = record.get("key")
    query = record.get("query") or ""
    if not isinstance(key, str):
        return (line, repr(key), "", f"the 'key' value {key!r} is missing or not text")
    if not isinstance(query, str):
        return (line, key, "", f"the 'query' value {query!r} is not text")
    return (line, key, query, None)


def _read_file(path: Path) -> Iterator[Row]:
    fmt = input_format(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            if fmt == "csv":
                yield from _read_csv(handle, path)
            elif fmt == "jsonl":
                yield from _read_jsonl(handle)
            else:
                for number, raw in enumerate(handle, 1):
                    yield (number, raw.rstrip("\r\n"), "", None)
    except UnicodeDecodeError as exc:
        raise BatchError(
            f"input {str(path)!r} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start} of a read block); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise BatchError(f"cannot read input {str(path)!r} ({exc.strerror})") from None


def _read_csv(handle: io.TextIOBase, path: Path) -> Iterator[Row]:
    reader = csv.DictReader(handle)
    if not reader.fieldnames or "key" not in reader.fieldnames:
        raise BatchError(
            f"CSV input {str(path)!r} has no 'key' column (header: {reader.fieldnames}); "
            "put the object keys in a column named key"
        )
    try:
        for record in reader:
            yield _from_record(reader.line_num, record)
    except csv.Error as exc:
        raise BatchError(f"CSV input {str(path)!r} line {reader.line_num}: {exc}") from None


def _read_jsonl(handle: io.TextIOBase) -> Iterator[Row]:
    for number, raw in enumerate(handle, 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError as exc:
            yield (number, raw.strip()[:80], "", f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            yield (number, raw.strip()[:80], "", 'not a JSON object; write {"key": "…"}')
            continue
        yield _from_record(number, record)


def _read_s3(uri: str) -> Iterator[Row]:
    """Keys under an S3 prefix, through the active backend (folder markers ending in / skipped)."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    if not bucket:
        raise BatchError(f"input {uri!r} names no bucket; use s3://BUCKET/PREFIX")
    from botocore.exceptions import BotoCoreError, ClientError

    from ..aws.clients import client

    paginator = client("s3").get_paginator("list_objects_v2")
    number = 0
    try:
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                if item["Key"].endswith("/"):
                    continue
                number += 1
                yield (number, item["Key"], "", None)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise BatchError(
            f"cannot list {uri!r}: {error.get('Code')} {error.get('Message')}; "
            "check the bucket name and that the tutorial created it"
        ) from None
    except BotoCoreError as exc:
        raise BatchError(f"cannot list {uri!r}: {exc}") from None


def count_rows(source: str | Path) -> int | None:
    """Rows in an input file (for a progress bar's total), or ``None`` if unknown."""
    if not isinstance(source, str | Path) or str(source).startswith("s3://"):
        return None
    path = Path(source).expanduser()
    lines = 0
    last = b"\n"
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                lines += block.count(b"\n")
                last = block[-1:]
    except OSError:
        return None
    if last != b"\n":
        lines += 1
    return max(lines - (1 if input_format(path) == "csv" else 0), 0)


# --------------------------------------------------------------------------------- signing


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


class _RowSigner:
    """Signs chunks of rows with one loaded key and formats them as output text."""

    def __init__(self, spec: _Spec) -> None:
        self.spec = spec
        self.signer = signer.Signer(spec.key_pair_id, spec.private_key, spec.hash_algorithm)
        self.sign = (
            self._canned
            if spec.date_greater_than is None and spec.ip_address is None
            else self._custom
        )
        sha256 = self.signer.hash_algorithm == "SHA256"
        self._tail = f"&Key-Pair-Id={spec.key_pair_id}" + (
            "&Hash-Algorithm=SHA256" if sha256 else ""
        )

    def _canned(self, url: str) -> str:
        """``Signer.sign_url``'s canned result, minus the checks :func:`check_row` already made.

        The per-URL work next to an ECDSA signature (~25 µs) is what limits throughput, so the
        URL is not re-validated here; the tests hold the result byte-identical to ``sign_url``.
        """
        expires = self.spec.expires
        signature = self.signer.signature(policy.canned_text(url, expires).encode())
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}Expires={expires}&Signature={signature}{self._tail}"

    def _custom(self, url: str) -> str:
        # The expiry was checked once at the start; a long run must not fail as it nears it.
        spec = self.spec
        return self.signer.sign_url(
            url,
            date_less_than=spec.expires,
            date_greater_than=spec.date_greater_than,
            ip_address=spec.ip_address,
            allow_past=True,
        )

    def chunk(self, rows: Sequence[Row]) -> tuple[str, list[BadRow]]:
        return _format_chunk(rows, self.spec, self.sign)


def _format_chunk(
    rows: Sequence[Row], spec: _Spec, make_url: Callable[[str], str]
) -> tuple[str, list[BadRow]]:
    """(output text for the good rows, the bad rows in order)."""
    out = io.StringIO()
    bad: list[BadRow] = []
    expires = spec.expires
    base = spec.base_url
    writer = csv.writer(out, lineterminator="\n") if spec.fmt == "csv" else None
    for line, key, query, problem in rows:
        problem = problem or check_row(key, query)
        if problem is None:
            try:
                url = make_url(object_url(base, key, query))
            except CftutorialError as exc:
                problem = str(exc)
        if problem is not None:
            bad.append(BadRow(line, key, problem))
            continue
        if writer is not None:
            if _CSV_SPECIAL.search(key):
                writer.writerow((key, url, expires))
            else:  # nothing to quote (URLs never need it): skip the csv module's scan
                out.write(f"{key},{url},{expires}\n")
        else:
            out.write(json.dumps({"key": key, "url": url, "expires": expires}, ensure_ascii=False))
            out.write("\n")
    return out.getvalue(), bad


_WORKER: _RowSigner | None = None


def _init_worker(spec: _Spec) -> None:
    """Runs once per worker process: load the key, and leave Ctrl-C to the parent."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = _RowSigner(spec)


def _sign_chunk(rows: list[Row]) -> tuple[str, list[BadRow]]:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.chunk(rows)


class _SharedPolicy:
    """The fast path: one custom policy signed once, its query tail appended to every URL."""

    def __init__(self, resource: str, tail: str, cookies: dict[str, str]) -> None:
        self.resource = resource
        self.tail = tail
        self.cookies = cookies
        self.matches = wildcard.matcher(resource)

    def __call__(self, url: str) -> str:
        if not self.matches(url):
            raise BatchError(
                f"URL {_short(url)} is outside the shared policy's resource {self.resource!r}, "
                "so CloudFront would deny it; widen the policy resource or remove the row"
            )
        return f"{url}{'&' if '?' in url else '?'}{self.tail}"


# ----------------------------------------------------------------------------------- the run


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def sign_batch(
    objects: str | Path | Iterable[str | dict],
    output: str | Path,
    *,
    base_url: str,
    key_pair_id: str,
    private_key: keys.PrivateKey | str | Path | bytes,
    date_less_than: int | float | datetime | timedelta | str,
    date_greater_than: int | float | datetime | timedelta | str | None = None,
    ip_address: str | None = None,
    policy_resource: str | None = None,
    hash_algorithm: str = "SHA1",
    workers: int | None = None,
    on_error: OnError = "stop",
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> BatchResult:
    """Sign a URL for every object and write them (CSV or JSONL by the output's extension).

    Canned policy by default; a custom policy per URL with ``date_greater_than`` / ``ip_address``;
    one shared custom policy (the fast path, signed once) with ``policy_resource``. ``workers``
    defaults to every core (1 signs in this process). ``on_error="stop"`` raises
    :class:`~cftutorial.errors.BadRowError` at the first bad row and writes nothing;
    ``"skip"`` leaves bad rows out and lists them in the result. ``progress`` is called with the
    number of rows done after each chunk (e.g. a tqdm bar's ``update``).
    """
    started = time.perf_counter()
    now = time.time()
    if on_error not in ON_ERROR:
        raise BatchError(f"on_error={on_error!r} is not a choice; use 'stop' or 'skip'")
    worker_count = default_workers() if workers is None else workers
    if not isinstance(worker_count, int) or isinstance(worker_count, bool) or worker_count < 1:
        raise BatchError(f"workers={workers!r} is not a number of processes; use 1 or more")
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise BatchError(f"chunk_rows={chunk_rows!r} is not a row count; use 1 or more")
    target = Path(output).expanduser()
    spec, shared = _prepare(
        target,
        base_url=base_url,
        key_pair_id=key_pair_id,
        private_key=private_key,
        date_less_than=date_less_than,
        date_greater_than=date_greater_than,
        ip_address=ip_address,
        policy_resource=policy_resource,
        hash_algorithm=hash_algorithm,
        now=now,
    )
    if isinstance(objects, str | Path) and not str(objects).startswith("s3://"):
        source = Path(objects).expanduser()
        if source.exists() and target.exists() and source.resolve() == target.resolve():
            raise BatchError(
                f"output {str(output)!r} is the input file; choose another output path"
            )
    chunks = _chunked(read_objects(objects), chunk_rows)
    if shared is not None:  # the one signature is made: workers would only add overhead
        worker_count = 1
    results = _results(chunks, spec, shared, worker_count)
    written, total, skipped, bad = _write(target, spec.fmt, results, on_error, progress)
    return BatchResult(
        output=target,
        format=spec.fmt,
        rows=total,
        written=written,
        skipped=skipped,
        bad_rows=tuple(bad),
        seconds=time.perf_counter() - started,
        workers=worker_count,
        policy_kind="shared"
        if shared is not None
        else ("canned" if date_greater_than is None and ip_address is None else "custom"),
        expires=spec.expires,
        cookies=None if shared is None else shared.cookies,
    )


def _prepare(
    target: Path,
    *,
    base_url: str,
    key_pair_id: str,
    private_key: keys.PrivateKey | str | Path | bytes,
    date_less_than: Any,
    date_greater_than: Any,
    ip_address: str | None,
    policy_resource: str | None,
    hash_algorithm: str,
    now: float,
) -> tuple[_Spec, _SharedPolicy | None]:
    """Check every option before any work starts, so a mistake costs no output and no workers."""
    fmt = output_format(target)
    if not target.parent.is_dir():
        raise BatchError(
            f"output directory {str(target.parent)!r} does not exist; create it or choose another path"
        )
    if target.is_dir():
        raise BatchError(
            f"output {str(target)!r} is a directory; give a file name ending .csv or .jsonl"
        )
    base = check_base_url(base_url)
    expires = policy.check_not_past(parse_time(date_less_than, name="date_less_than", now=now))
    start = (
        None
        if date_greater_than is None
        else parse_time(date_greater_than, name="date_greater_than", now=now)
    )
    key = keys.load_private_key(private_key)
    row_signer = signer.Signer(key_pair_id, key, hash_algorithm)
    # One probe signature checks the times, the IP range and the key before any worker starts.
    if policy_resource is None:
        row_signer.sign_url(
            f"{base}/probe",
            date_less_than=expires,
            date_greater_than=start,
            ip_address=ip_address,
        )
    portable = (
        str(Path(private_key).expanduser())
        if isinstance(private_key, str | Path) and "-----BEGIN" not in str(private_key)
        else keys.private_key_pem(key)
    )
    spec = _Spec(
        base_url=base,
        key_pair_id=row_signer.key_pair_id,
        private_key=portable,
        hash_algorithm=row_signer.hash_algorithm,
        expires=expires,
        date_greater_than=start,
        ip_address=ip_address,
        fmt=fmt,
    )
    if policy_resource is None:
        return spec, None
    text = policy.custom_policy(
        policy_resource, date_less_than=expires, date_greater_than=start, ip_address=ip_address
    )
    encoded, signature = row_signer.sign_policy(text)
    tail = f"Policy={encoded}&Signature={signature}&Key-Pair-Id={row_signer.key_pair_id}"
    if row_signer.hash_algorithm == "SHA256":
        tail += "&Hash-Algorithm=SHA256"
    cookies = row_signer.sign_cookies(
        policy_resource, date_less_than=expires, date_greater_than=start, ip_address=ip_address
    )
    return spec, _SharedPolicy(policy_resource, tail, cookies)


def _results(
    chunks: Iterator[list[Row]], spec: _Spec, shared: _SharedPolicy | None, workers: int
) -> Iterator[tuple[str, list[BadRow]]]:
    """Formatted chunks in input order: shared policy, or signed here, or signed by workers."""
    if shared is not None:
        return (_format_chunk(chunk, spec, shared) for chunk in chunks)
    if workers == 1:
        row_signer = _RowSigner(spec)
        return (row_signer.chunk(chunk) for chunk in chunks)
    return _parallel(chunks, spec, workers)


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


def _parallel(
    chunks: Iterator[list[Row]], spec: _Spec, workers: int
) -> Iterator[tuple[str, list[BadRow]]]:
    """Results in input order, with at most ``workers * CHUNKS_PER_WORKER`` chunks in flight.

    ``ProcessPoolExecutor.map`` and ``Pool.imap`` would both read the whole input ahead; the
    bounded window keeps memory flat for inputs of any length.
    """
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_process_context(),
        initializer=_init_worker,
        initargs=(spec,),
    )
    window: deque[Future] = deque()
    limit = workers * CHUNKS_PER_WORKER
    try:
        for chunk in chunks:
            window.append(executor.submit(_sign_chunk, chunk))
            if len(window) >= limit:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
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


def _write(
    target: Path,
    fmt: str,
    results: Iterator[tuple[str, list[BadRow]]],
    on_error: str,
    progress: Progress | None,
) -> tuple[int, int, int, list[BadRow]]:
    """Write to a temporary file beside ``target``; rename it over ``target`` only on success."""
    descriptor, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
    )
    temp = Path(temp_name)
    written = total = skipped = 0
    kept: list[BadRow] = []
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            if fmt == "csv":
                handle.write(",".join(COLUMNS) + "\n")
            for text, bad in results:
                if bad and on_error == "stop":
                    first = bad[0]
                    raise BadRowError(first.line, first.key, first.reason)
                lines = text.count("\n") if fmt == "jsonl" else _csv_records(text)
                handle.write(text)
                written += lines
                skipped += len(bad)
                total += lines + len(bad)
                kept.extend(bad[: KEEP_BAD_ROWS - len(kept)])
                if progress is not None:
                    progress(lines + len(bad))
        os.replace(temp, target)
    except BaseException:
        results_close = getattr(results, "close", None)
        if results_close is not None:
            results_close()
        temp.unlink(missing_ok=True)
        raise
    return written, total, skipped, kept


def _csv_records(text: str) -> int:
    """CSV records in a chunk: newlines, less those inside quoted keys (rare, so counted slowly)."""
    if '"' not in text:
        return text.count("\n")
    return sum(1 for _ in csv.reader(io.StringIO(text)))


def read_results(path: str | Path) -> Iterator[dict[str, Any]]:
    """The rows of a batch output file (CSV or JSONL) as dicts with ``key``, ``url``, ``expires``."""
    target = Path(path).expanduser()
    fmt = output_format(target)
    with target.open(encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            for record in csv.DictReader(handle):
                yield {**record, "expires": int(record["expires"])}
        else:
            for raw in handle:
                if raw.strip():
                    yield json.loads(raw)


def convert_results(source: str | Path, target: str | Path) -> Path:
    """Copy a batch output to the other format (CSV <-> JSONL), streaming and atomically."""
    origin = Path(source).expanduser()
    destination = Path(target).expanduser()
    fmt = output_format(destination)
    if origin.resolve() == destination.resolve():
        raise BatchError(f"cannot convert {str(origin)!r} onto itself; choose another target")

    def chunks() -> Iterator[tuple[str, list[BadRow]]]:
        rows = iter(read_results(origin))
        while True:
            block = list(itertools.islice(rows, CHUNK_ROWS))
            if not block:
                return
            out = io.StringIO()
            if fmt == "csv":
                csv.writer(out, lineterminator="\n").writerows(
                    (row["key"], row["url"], row["expires"]) for row in block
                )
            else:
                for row in block:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
            yield out.getvalue(), []

    _write(destination, fmt, chunks(), "stop", None)
    return destination
