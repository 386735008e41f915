"""Batch signing through AWS KMS: a few threads within the KMS request quota, not a process pool.

Why not the worker processes of :mod:`.run`: with a key in KMS every signature is one ``Sign``
request, a network round trip during which this machine's CPU is idle. Processes would only
multiply connections. A small bounded thread pool keeps a few requests in flight, and one rate
limiter keeps the whole run under the account's request quota for ``Sign``:

* "Cryptographic operations (RSA) request rate": 500 requests per second by default, for RSA keys;
* "Cryptographic operations (ECC) request rate": 300 per second, for elliptic-curve keys;

both shared per account and Region with every other Sign, Verify, Encrypt, Decrypt… on keys of
that type, and adjustable (AWS KMS Developer Guide, "Request quotas",
https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html). Above the quota
KMS throttles (``ThrottlingException``); boto3 retries, but the batch should not get there, and
other users of the account's quota would suffer too. So the default rate is the documented
default quota, and a run whose quota was raised may pass a higher ``rate``.

With a shared policy (``policy_resource``) the whole batch needs one ``Sign`` (plus one for the
equivalent cookies), whatever its length.
"""

from __future__ import annotations

import io
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..aws import kms as kms_keys
from ..errors import BatchError, CftutorialError
from ..signing.signer import Signer
from .inputs import BadRow, Row, check_row, object_url, read_objects
from .options import BatchOptions
from .outputs import Chunk, Progress, convert_results, output_format, row_writer, write_atomically
from .run import BatchResult, SharedPolicy

#: Threads (requests in flight): a KMS round trip is a few milliseconds in a Region, so 8 reach
#: the default quotas; more only queue at the limiter.
DEFAULT_THREADS = 8
MAX_THREADS = 32
#: Rows per task: small, since each row waits for the network.
CHUNK_ROWS = 32


class RateLimiter:
    """Evenly spaced slots, ``per_second`` of them: no burst ever exceeds the rate."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.per_second = check_rate(per_second)
        self.per_second = per_second
        self.interval = 1.0 / per_second
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this caller's slot; returns the slot's time."""
        with self._lock:
            now = self._clock()
            slot = max(self._next, now)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)
        return slot


class _Limited:
    """An external signer whose every call first waits for a slot of the limiter."""

    def __init__(self, inner: Any, limiter: RateLimiter) -> None:
        self.inner, self.limiter = inner, limiter
        self.kind, self.hash_algorithm = inner.kind, inner.hash_algorithm

    def sign(self, message: bytes) -> bytes:
        self.limiter.wait()
        return self.inner.sign(message)


@dataclass(frozen=True)
class KmsBatchResult:
    """The batch's result, plus what it asked of KMS."""

    result: BatchResult
    calls: int
    rate: float
    quota: int
    kind: str

    @property
    def bad_rows(self) -> tuple[BadRow, ...]:
        return self.result.bad_rows

    @property
    def skipped(self) -> int:
        return self.result.skipped

    def summary(self) -> str:
        """The batch line, then the KMS line: calls made, the rate kept, the documented quota."""
        return (
            f"{self.result.summary()}\n"
            f"KMS: {self.calls:,} Sign call{'' if self.calls == 1 else 's'} at most "
            f"{self.rate:g}/s from {self.result.workers} thread"
            f"{'' if self.result.workers == 1 else 's'}; the default quota for "
            f"{'RSA' if self.kind == 'rsa' else 'ECC'} keys is {self.quota}/s per account and "
            f"Region, shared with every other use of such keys ({kms_keys.QUOTAS_SOURCE})"
        )


def quota_for(kind: str) -> int:
    """The documented default ``Sign`` quota (requests per second) for a key of this kind."""
    return kms_keys.SIGN_QUOTAS[kind]


def run_kms_batch(
    options: BatchOptions,
    *,
    rate: float | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> KmsBatchResult:
    """Sign and write a batch whose signer is ``options.external`` (a KMS key)."""
    if options.external is None:
        raise BatchError("this batch has no external signer; sign it with run_batch")
    started = time.perf_counter()
    kind = options.external.kind
    quota = quota_for(kind)
    limiter = RateLimiter(quota if rate is None else rate)
    threads = check_threads(threads)
    signer = Signer(options.key_pair_id, external=_Limited(options.external, limiter))
    calls_before = getattr(options.external, "calls", 0)
    make_url, cookies = _url_maker(options, signer)
    fmt = output_format(options.output)
    chunks = _chunked(read_objects(options.objects), chunk_rows)
    format_chunk = _formatter(options, fmt, make_url)
    results = _in_threads(chunks, format_chunk, 1 if cookies else threads)
    written, total, skipped, bad = write_atomically(
        options.output, fmt, results, options.on_error, progress
    )
    for extra in options.outputs[1:]:
        convert_results(options.output, extra)
    result = BatchResult(
        output=options.output,
        format=fmt,
        rows=total,
        written=written,
        skipped=skipped,
        bad_rows=tuple(bad),
        seconds=time.perf_counter() - started,
        workers=1 if cookies else threads,
        policy_kind=options.policy,
        expires=options.expires,
        cookies=cookies,
        outputs=options.outputs,
    )
    calls = getattr(options.external, "calls", 0) - calls_before
    return KmsBatchResult(result, calls, limiter.per_second, quota, kind)


def check_rate(rate: Any, *, name: str = "rate") -> float:
    """A request rate above 0 (requests per second)."""
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
        raise BatchError(
            f"{name}={rate!r} is not a request rate; use a number of requests/s above 0"
        )
    return float(rate)


def check_threads(threads: Any, *, name: str = "threads") -> int:
    """Requests in flight: 1 to :data:`MAX_THREADS` (default :data:`DEFAULT_THREADS`)."""
    if threads is None:
        return DEFAULT_THREADS
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= MAX_THREADS:
        raise BatchError(
            f"{name}={threads!r}: a KMS batch keeps 1 to {MAX_THREADS} requests in flight "
            "(the rate limit, not the thread count, bounds its speed)"
        )
    return threads


def _url_maker(
    options: BatchOptions, signer: Signer
) -> tuple[Callable[[str], str], dict[str, str] | None]:
    """The per-URL signing call, or for a shared policy the one signature appended to all
    (:class:`.run.SharedPolicy`, the same fast path and covers rule as a key file's batch)."""
    if options.policy_resource is not None:
        shared = SharedPolicy(options, signer)
        return shared, shared.cookies
    conditions = {
        "date_less_than": options.expires,
        "date_greater_than": options.starts,
        "ip_address": options.ip_address,
    }

    def sign_one(url: str) -> str:
        return signer.sign_url(
            url, allow_past=True, custom=options.policy == "custom", **conditions
        )

    return sign_one, None


def _formatter(
    options: BatchOptions, fmt: str, make_url: Callable[[str], str]
) -> Callable[[Sequence[Row]], Chunk]:
    def format_chunk(rows: Sequence[Row]) -> Chunk:
        out = io.StringIO()
        write = row_writer(fmt, out)
        bad: list[BadRow] = []
        for line, key, query, problem in rows:
            problem = problem or check_row(key, query)
            if problem is None:
                try:
                    url = make_url(object_url(options.base_url, key, query))
                except CftutorialError as exc:
                    problem = str(exc)
            if problem is not None:
                bad.append(BadRow(line, key, problem))
                continue
            write(key, url, options.expires)
        return out.getvalue(), bad

    return format_chunk


def _chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _in_threads(
    chunks: Iterator[list[Row]], work: Callable[[Sequence[Row]], Chunk], threads: int
) -> Iterator[Chunk]:
    """Results in input order, with at most ``2 * threads`` chunks in flight (flat memory)."""
    if threads == 1:
        yield from (work(chunk) for chunk in chunks)
        return
    window: deque[Future] = deque()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kms-sign") as pool:
        try:
            for chunk in chunks:
                window.append(pool.submit(work, chunk))
                if len(window) >= 2 * threads:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            for pending in window:
                pending.cancel()
