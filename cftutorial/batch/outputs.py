"""Where a batch's URLs go: CSV or JSONL rows (``key,url,expires``), written atomically.

The run writes to a temporary file next to the output and renames it over the output only at
the end, so an interrupted or failed run never leaves a file that looks complete (and a previous
output stays untouched). The file is mode 0600: every URL in it opens a private object.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import BadRowError, BatchError
from .inputs import BadRow

OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
COLUMNS = ("key", "url", "expires")
#: Rows per block when converting an output to the other format.
CONVERT_ROWS = 512
#: Bad rows kept for the report (all are counted).
KEEP_BAD_ROWS = 100
_CSV_SPECIAL = re.compile(r'[,"\r\n]')

Progress = Callable[[int], Any]
#: (output text of the good rows of one chunk, the chunk's bad rows in order)
Chunk = tuple[str, list[BadRow]]


def output_format(path: str | Path) -> str:
    fmt = OUTPUT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise BatchError(
            f"output {str(path)!r} has no known extension; name it *.csv or *.jsonl "
            "(one row per object: key, url, expires)"
        )
    return fmt


def row_writer(fmt: str, out: io.StringIO) -> Callable[[str, str, int], None]:
    """A call that appends one ``key, url, expires`` row to ``out`` in format ``fmt``.

    Per row it costs a few hundred nanoseconds: CSV quoting only for the fields that need it (a
    URL only when a comma in its base URL or query string makes it), so the shared-policy fast
    path stays fast.
    """
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        write = out.write

        def csv_row(key: str, url: str, expires: int) -> None:
            if _CSV_SPECIAL.search(key) or "," in url:
                writer.writerow((key, url, expires))
            else:
                write(f"{key},{url},{expires}\n")

        return csv_row
    dumps = json.dumps

    def jsonl_row(key: str, url: str, expires: int) -> None:
        out.write(dumps({"key": key, "url": url, "expires": expires}, ensure_ascii=False))
        out.write("\n")

    return jsonl_row


def write_atomically(
    target: Path,
    fmt: str,
    results: Iterator[Chunk],
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

    def chunks() -> Iterator[Chunk]:
        rows = iter(read_results(origin))
        while True:
            block = list(itertools.islice(rows, CONVERT_ROWS))
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

    write_atomically(destination, fmt, chunks(), "stop", None)
    return destination
