"""What a batch signs: rows read lazily from a list, a text/CSV/JSONL file or ``s3://BUCKET/PREFIX``.

**How an object key becomes a URL.** The key is percent-encoded with
``urllib.parse.quote(key, safe="/~")`` (UTF-8, every byte but letters, digits, ``-._~`` and ``/``
encoded; a space is ``%20``, ``é`` is ``%C3%A9``) and appended to the base URL after one ``/``.
That encoded string is both what is signed and what a viewer requests, so no client re-encodes
it and the edge sees exactly the signed bytes. An optional ``query`` column adds the viewer's own
query string (already encoded); it may not use CloudFront's signing parameter names.

Every row is checked (:func:`check_row`) before it is signed, and a bad one is reported with its
line number, so a list of ten thousand keys with one typo costs one message, not a failed run.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import BatchError
from ..signing import urls

INPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}  # anything else: text
MAX_KEY_BYTES = 1024  # S3's limit on an object key

_DOT_SEGMENT = re.compile(r"(?:^|/)\.\.?(?:/|$)")
#: :func:`plain_keys`' view of a chunk: plain keys joined by newlines, and a ``.`` or ``..``
#: segment (which check_row refuses) in one of them, a newline being a key's edge.
_PLAIN_BLOCK = re.compile(f"[\n{urls.PLAIN_KEY_CHARS}]+")
_BLOCK_DOT_SEGMENT = re.compile(r"(?:^|[/\n])\.\.?(?:[/\n]|$)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_QUERY_OK = re.compile(r"[A-Za-z0-9\-._~%!$'()*+,;=:@/?&]*")

Row = tuple[int, str, str, str | None]  # (line, key, query, problem found while reading)


@dataclass(frozen=True)
class BadRow:
    """An input row that was skipped, and why."""

    line: int
    key: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


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
        or not urls.PLAIN_URL.fullmatch(text)
    ):
        raise BatchError(
            f"base URL {base_url!r} cannot be used; use the distribution's address, "
            "e.g. https://d111111abcdef8.cloudfront.net (optionally with a path prefix, "
            "no query string, no spaces or quotes)"
        )
    return text.rstrip("/")


def object_url(base_url: str, key: str, query: str = "") -> str:
    """The viewer URL of one object (the exact string that is signed and requested).

    The key is percent-encoded by :func:`cftutorial.signing.urls.encode_key` (the one encoding
    rule, shared with ``sign_url``); keys that need no encoding skip it.
    """
    path = urls.encode_key(key)
    url = f"{base_url}/{path}"
    return f"{url}?{query}" if query else url


def check_row(key: str, query: str = "") -> str | None:
    """Why this object key (and query string) cannot be signed, or ``None`` if it can."""
    if not isinstance(key, str) or not key:
        return "empty object key"
    if not urls.PLAIN_KEY.fullmatch(key):  # unusual characters: the slower checks
        bad = _CONTROL.search(key)
        if bad:
            return (
                f"object key {shorten(key)} contains the control character {bad.group()!r} at "
                f"position {bad.start()}; object keys may not contain control characters"
            )
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            return f"object key {shorten(key)} is not valid Unicode text (lone surrogate)"
    if key[0] == "/":
        return (
            f"object key {shorten(key)} starts with '/'; give the key without it "
            f"(e.g. {key.lstrip('/')!r})"
        )
    if _DOT_SEGMENT.search(key):
        return (
            f"object key {shorten(key)} has a '.' or '..' path segment, which browsers and HTTP "
            "clients remove before sending, so the signed URL would never match"
        )
    if len(key) * 4 > MAX_KEY_BYTES and len(key.encode("utf-8")) > MAX_KEY_BYTES:
        return f"object key {shorten(key)} is longer than S3's limit of {MAX_KEY_BYTES} bytes"
    if query:
        if not isinstance(query, str) or not _QUERY_OK.fullmatch(query):
            return (
                f"query {shorten(str(query))} is not an encoded query string; percent-encode "
                "spaces, quotes, '#' and non-ASCII characters (e.g. name=a%20b)"
            )
        found = urls.reserved_param(query)
        if found:
            return (
                f"query {shorten(query)} uses the reserved query parameter {found!r} "
                f"(CloudFront reads {', '.join(urls.RESERVED_PARAMS)} as signing parameters); "
                "rename it"
            )
    return None


def plain_keys(keys: list[str]) -> bool:
    """True exactly when every key passes :func:`check_row` (without a query) and is its own URL
    path (:data:`~cftutorial.signing.urls.PLAIN_KEY`): the common chunk, checked in a few passes
    over its text instead of key by key (the tests hold the two equal)."""
    try:
        text = "\n".join(keys)
    except TypeError:  # a key that is not text: check_row names it
        return False
    return (
        "" not in keys
        and text.count("\n") == len(keys) - 1  # no key has a newline of its own
        and _PLAIN_BLOCK.fullmatch(text) is not None
        and not text.startswith("/")
        and "\n/" not in text
        and not (  # a dot segment starts at an edge; the regex runs only if one could
            (text.startswith(".") or "/." in text or "\n." in text)
            and _BLOCK_DOT_SEGMENT.search(text)
        )
        and max(map(len, keys)) <= MAX_KEY_BYTES  # plain keys are ASCII: characters = bytes
    )


def shorten(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def input_format(path: str | Path) -> str:
    """``csv`` or ``jsonl`` by extension; anything else is text, one object key per line."""
    return INPUT_FORMATS.get(Path(path).suffix.lower(), "text")


def check_source(source: Any, name: str = "objects") -> str | Path | Iterable[str | dict]:
    """``source`` as :func:`read_objects` reads it, checked before any row is: an
    ``s3://BUCKET/PREFIX`` string (with a bucket), an existing file's :class:`Path`, or an
    iterable of keys. Anything else is a :class:`BatchError` naming ``name`` and what would do."""
    if isinstance(source, str) and source.startswith("s3://"):
        if not _s3_location(source)[0]:
            raise BatchError(f"{name}={source!r} names no bucket; use s3://BUCKET/PREFIX")
        return source
    if isinstance(source, str | Path):
        path = Path(source).expanduser()
        if not path.is_file():
            inline = "" if name.startswith("-") else " or a list of keys"  # a flag takes text
            raise BatchError(
                f"{name}={str(source)!r} is not a file; pass a text, CSV or JSONL file of "
                f"object keys, s3://BUCKET/PREFIX{inline}"
            )
        return path
    if source is None or isinstance(source, bytes | dict) or not isinstance(source, Iterable):
        raise BatchError(
            f"{name}={source!r} cannot be read; pass a file path, s3://BUCKET/PREFIX or a list "
            "of object keys"
        )
    return source


def read_objects(source: str | Path | Iterable[str | dict]) -> Iterator[Row]:
    """The rows of a batch, lazily: ``(line, key, query, problem)``.

    ``source`` is a file (text with one key per line, or ``*.csv`` / ``*.jsonl`` with a ``key``
    column and an optional ``query`` column), an ``s3://bucket/prefix`` to list through the
    active backend, or an inline list of keys (or of ``{"key": …}`` dicts); :func:`check_source`
    refuses anything else before a row is read. ``line`` is the line in the file (CSV: the line
    where the record ends), or the 1-based position in a list.
    """
    checked = check_source(source)
    if isinstance(checked, str):
        return _read_s3(checked)
    if isinstance(checked, Path):
        return _read_file(checked)
    return _read_inline(checked)


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
            else:
                yield from read_lines(handle, fmt)
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from None
    except OSError as exc:
        raise unreadable(path, exc) from None


def read_lines(lines: Iterable[str], fmt: str) -> Iterator[Row]:
    """The rows of a text or JSONL input, from its lines as read with ``newline=""``.

    Line numbers count from 1 in ``lines``; the batch's workers, which each read a slice of a
    file, add the number of lines before their slice.
    """
    if fmt == "jsonl":
        return _read_jsonl(lines)
    return ((number, raw.rstrip("\r\n"), "", None) for number, raw in enumerate(lines, 1))


def not_utf8(path: str | Path, exc: UnicodeDecodeError) -> BatchError:
    return BatchError(
        f"input {str(path)!r} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
        f"offset {exc.start} of a read block); save it as UTF-8"
    )


def unreadable(path: str | Path, exc: OSError) -> BatchError:
    return BatchError(f"cannot read input {str(path)!r} ({exc.strerror})")


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


def _read_jsonl(lines: Iterable[str]) -> Iterator[Row]:
    for number, raw in enumerate(lines, 1):
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


def _s3_location(uri: str) -> tuple[str, str]:
    """``s3://BUCKET/PREFIX`` → ``(BUCKET, PREFIX)``; either may be empty."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix


def _read_s3(uri: str) -> Iterator[Row]:
    """Keys under an S3 prefix, through the active backend (folder markers ending in / skipped)."""
    bucket, prefix = _s3_location(uri)  # check_source made sure there is a bucket
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
