"""CloudFront standard access logs (legacy): one W3C line per viewer request, delivered as gzip
files to the distribution's ``Logging`` bucket.

The format is AWS's (CloudFront Developer Guide, "Standard logging reference", "Log file fields";
"Configure standard logging (legacy)", file names): each file starts with ``#Version: 1.0`` and a
``#Fields:`` line naming the 33 fields in order, then one tab-separated line per request, ``-``
for an empty value; it is named ``{Prefix}{DistributionId}.{YYYY-MM-DD-HH}.{unique}.gz`` after
the UTC hour the requests *occurred* in. Values are URL-encoded where they could hold a space, a
tab or non-ASCII text (the path, query, referer, user agent, cookies), and the signing values in
``cs-uri-query`` and ``cs(Cookie)`` are cut as the local access log cuts them
(:func:`..handler.redact`, the one redaction).

Local rules (AWS delivers "up to several times an hour", usually within an hour, best effort):

* **Delivery.** Lines wait in memory and are written ``CFTUTORIAL_LOG_DELIVERY_SECONDS`` (default
  5) after the first one of a file, by a background thread; ``POST EDGE/_cftutorial/logs/flush``
  delivers everything now and answers the keys written, so a notebook can wait deterministically.
  Lines not yet delivered are lost when the local AWS stops (AWS also gives no guarantee).
* **Where AWS cannot write** (bucket gone, ACLs disabled since, the awslogsdelivery grant
  removed): the file is dropped, as AWS drops it, and the drop is logged.
* **What the local edge cannot know:** there is no TLS and no cache, so ``cs-protocol`` is
  ``http``, ``ssl-protocol``/``ssl-cipher`` are ``-`` and every served request is a ``Miss``;
  ``x-edge-location`` is the local POP; a 4xx/5xx answer is ``Error`` in both result-type fields
  (CloudFront's error code, e.g. ``MissingKey``, is not in the log: see the decision log).
"""

from __future__ import annotations

import gzip
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from ... import config
from .. import moto_adapter
from ..cloudfront import standard_logs
from ..handler import redact

log = logging.getLogger("cftutorial.localaws.edge.logs")

ENV_DELIVERY_SECONDS = "CFTUTORIAL_LOG_DELIVERY_SECONDS"
DEFAULT_DELIVERY_SECONDS = 5.0
FLUSH_PATH = "/_cftutorial/logs/flush"
EDGE_LOCATION = "LOCAL1-C1"
FIELDS = (
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
)
HEADER = "#Version: 1.0\n#Fields: " + " ".join(FIELDS) + "\n"
#: Printable ASCII that stays as it is; space, ``"``, ``\``, controls and non-ASCII are encoded.
_SAFE = "!#$%&'()*+,/:;<=>?@[]^`{|}"
#: Detailed result types for the local edge's own refusals (CloudFront Developer Guide, field 29).
_DETAILED = {"MethodNotAllowed": "InvalidRequestMethod", "OriginNotS3": "OriginConnectError"}


def delivery_seconds() -> float:
    return config.number(ENV_DELIVERY_SECONDS, DEFAULT_DELIVERY_SECONDS, 0, 3600)


def encode(value: str | None) -> str:
    """A field value as the log writes it: ``-`` when empty, else URL-encoded (UTF-8)."""
    if not value:
        return "-"
    return quote(value, safe=_SAFE)


def result_types(status: int, code: str | None) -> tuple[str, str]:
    """(``x-edge-result-type``, ``x-edge-detailed-result-type``) without a cache: Miss or Error."""
    if status < 400:
        return "Miss", "Miss"
    return "Error", _DETAILED.get(code or "", "Error")


def _request_bytes(request: Request, raw_target: str) -> int:
    environ = request.environ
    line = f"{request.method} {raw_target} {environ.get('SERVER_PROTOCOL', 'HTTP/1.1')}\r\n"
    headers = sum(len(f"{name}: {value}\r\n") for name, value in request.headers.items())
    return len(line) + headers + 2 + (request.content_length or 0)


def _response_bytes(response: Response, head: bool) -> int:
    # Content-Length, never get_data(): that would read a streamed object's bytes into memory
    body = 0 if head else (response.content_length or 0)
    headers = sum(len(f"{name}: {value}\r\n") for name, value in response.headers.items())
    return len(f"HTTP/1.1 {response.status}\r\n") + headers + 2 + body


def _range(response: Response) -> tuple[str, str]:
    content_range = response.headers.get("Content-Range", "")
    if response.status_code != 206 or not content_range.startswith("bytes "):
        return "-", "-"
    span = content_range[6:].split("/", 1)[0]
    start, _, end = span.partition("-")
    return start or "-", end or "-"


@dataclass(frozen=True)
class Served:
    """One answered viewer request, with what the log needs that the answer does not carry."""

    request: Request
    response: Response
    domain: str
    path: str
    query: str
    code: str | None
    seconds: float
    at: datetime
    include_cookies: bool


def line(served: Served) -> str:
    """One log line, the 33 fields in order, tab-separated."""
    request, response, at = served.request, served.response, served.at
    headers = request.headers
    raw_target = served.path + (f"?{served.query}" if served.query else "")
    result, detailed = result_types(response.status_code, served.code)
    cookie = redact(headers.get("Cookie", "")) if served.include_cookies else ""
    start, end = _range(response)
    taken = f"{served.seconds:.3f}"
    values = [
        at.strftime("%Y-%m-%d"),
        at.strftime("%H:%M:%S"),
        EDGE_LOCATION,
        str(_response_bytes(response, request.method == "HEAD")),
        request.remote_addr or "-",
        request.method,
        served.domain,
        encode(served.path),
        str(response.status_code),
        encode(headers.get("Referer")),
        encode(headers.get("User-Agent")),
        encode(redact(served.query)),
        encode(cookie),
        result,
        response.headers.get("X-Amz-Cf-Id", "-"),
        served.domain,
        "http",
        str(_request_bytes(request, raw_target)),
        taken,
        encode(headers.get("X-Forwarded-For")),
        "-",
        "-",
        result,
        request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        "-",
        "-",
        str(request.environ.get("REMOTE_PORT") or "-"),
        taken,
        detailed,
        encode(response.headers.get("Content-Type")),
        response.headers.get("Content-Length", "-"),
        start,
        end,
    ]
    return "\t".join(values)


@dataclass
class _Pending:
    bucket: str
    key: str
    first: float
    lines: list[str] = field(default_factory=list)


def file_key(prefix: str, distribution_id: str, at: datetime) -> str:
    """``{Prefix}{DistributionId}.{YYYY-MM-DD-HH}.{unique}.gz`` (the hour the requests occurred)."""
    return f"{prefix}{distribution_id}.{at.strftime('%Y-%m-%d-%H')}.{secrets.token_hex(4)}.gz"


def file_body(lines: list[str]) -> bytes:
    return gzip.compress((HEADER + "".join(f"{text}\n" for text in lines)).encode("utf-8"))


class AccessLogs:
    """Lines waiting per distribution and hour, delivered after a delay or on demand."""

    def __init__(self, delay: Callable[[], float] = delivery_seconds) -> None:
        self._pending: dict[tuple[str, str, str], _Pending] = {}
        self._lock = threading.Lock()
        self._delay = delay
        self._timer: threading.Thread | None = None
        #: runs each write to S3; the server sets it to the snapshot lock (persistence.py)
        self.writer: Callable[[Callable[[], bool]], bool] = _direct

    def record(self, dist: moto_adapter.Distribution, served: Served) -> None:
        """Keep the line if the distribution logs; nothing happens for one that does not."""
        config = dist.logging
        bucket = standard_logs.bucket_of(config.bucket) if config.enabled else None
        if bucket is None:
            return
        text = line(served)
        group = (dist.id, served.at.strftime("%Y-%m-%d-%H"), config.prefix)
        with self._lock:
            pending = self._pending.get(group)
            if pending is None:
                key = file_key(config.prefix, dist.id, served.at)
                pending = self._pending[group] = _Pending(bucket, key, time.monotonic())
            pending.lines.append(text)
        self._start_timer()

    def deliver(self, *, everything: bool = True) -> list[dict[str, str]]:
        """Write the due files (all of them with ``everything``); one row per file."""
        now, wait = time.monotonic(), self._delay()
        with self._lock:
            due = [
                group
                for group, pending in self._pending.items()
                if everything or now - pending.first >= wait
            ]
            files = [self._pending.pop(group) for group in due]
        return [self._write(pending) for pending in files]

    def _write(self, pending: _Pending) -> dict[str, str]:
        problem = standard_logs.can_deliver(pending.bucket)
        body = file_body(pending.lines)
        if problem is None and self.writer(
            lambda: moto_adapter.put_object(pending.bucket, pending.key, body)
        ):
            return {"bucket": pending.bucket, "key": pending.key, "outcome": "delivered"}
        log.warning("access log %s dropped: %s", pending.key, problem or "bucket gone")
        return {"bucket": pending.bucket, "key": pending.key, "outcome": f"dropped: {problem}"}

    def _start_timer(self) -> None:
        with self._lock:
            if self._timer is not None and self._timer.is_alive():
                return
            self._timer = threading.Thread(target=self._run, name="access-logs", daemon=True)
            self._timer.start()

    def _run(self) -> None:
        while True:
            time.sleep(min(1.0, max(self._delay(), 0.05)))
            try:
                self.deliver(everything=False)
            except Exception:  # never let the delivery thread die silently
                log.exception("access log delivery failed")
            with self._lock:
                if not self._pending:
                    self._timer = None
                    return


def _direct(change: Callable[[], bool]) -> bool:
    return change()


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
