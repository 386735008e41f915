"""Batch chunking and worker pools: the same bytes, in the same order, whatever the split.

The run cuts its input into chunks (a text or JSONL file into byte slices that each worker reads
itself), signs them on any number of processes and formats the common canned row with one
f-string. None of that may show in the output: for a deterministic RSA key the file is
byte-identical across worker counts and chunk sizes, and equal to rows built one by one from
``Signer.sign_url`` with the csv and json modules; bad rows keep their line numbers.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cftutorial import batch
from cftutorial.batch import inputs as batch_inputs
from cftutorial.batch import run as batch_run
from cftutorial.errors import BadRowError, BatchError
from cftutorial.signing import keys, policy, verify
from cftutorial.signing.signer import Signer

BASE = "https://d111111abcdef8.cloudfront.net"
KEY_ID = "K2JCJMDEHXQW5F"
EXPIRES = int(time.time()) + 3 * 86400

#: A text input with what a slice boundary could get wrong: a byte-order mark, CRLF and lone-CR
#: line ends, keys needing percent-encoding, CSV quoting or JSON escaping, an empty line and a
#: control character (bad rows), and no newline at the end.
TEXT_INPUT = (
    "\ufeffa.mp4\r\n"
    "b c.mp4\r"
    "vidéo/日本.mp4\n"
    "\n"
    'x,y "z".mp4\n'
    + "".join(f"course/week-{i % 7}/part {i:03d}.ts\n" for i in range(40))
    + "back\\slash.mp4\n"
    "tab\tkey.mp4\n"
    "%41.mp4\n"
    "last.mp4"
).encode()
TEXT_BAD_LINES = [4, 47]

JSONL_INPUT = (
    '{"key": "a.mp4", "query": "x=1,2"}\n'
    '{"key": "b.mp4"}\n'
    "not json\n"
    "\n"
    '{"key": "c d.mp4", "query": "lang=en"}\n'
    + "".join(f'{{"key": "p/{i}.ts"}}\n' for i in range(30))
    + '{"name": "no key"}\n'
    '{"key": "z.mp4"}'
).encode()
JSONL_BAD_LINES = [3, 36]


@pytest.fixture(scope="module")
def rsa_files(tmp_path_factory: pytest.TempPathFactory) -> keys.KeyPairFiles:
    return keys.write_key_pair(tmp_path_factory.mktemp("chunk-keys"), kind="rsa")


@pytest.fixture(scope="module")
def ecdsa_files(tmp_path_factory: pytest.TempPathFactory) -> keys.KeyPairFiles:
    return keys.write_key_pair(tmp_path_factory.mktemp("chunk-keys-ec"), kind="ecdsa")


def sign(objects, output, files, **options):
    options.setdefault("date_less_than", EXPIRES)
    options.setdefault("on_error", "skip")
    return batch.sign_batch(
        objects,
        output,
        base_url=options.pop("base_url", BASE),
        key_pair_id=KEY_ID,
        private_key=files.private_key_path,
        **options,
    )


def expected_output(rows: list[tuple[str, str]], files, fmt: str, base: str = BASE) -> str:
    """The output built row by row from ``Signer.sign_url`` with the csv / json modules."""
    signer = Signer(KEY_ID, files.private_key_path)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if fmt == "csv":
        writer.writerow(("key", "url", "expires"))
    for key, query in rows:
        url = signer.sign_url(batch.object_url(base, key, query), date_less_than=EXPIRES)
        if fmt == "csv":
            writer.writerow((key, url, EXPIRES))
        else:
            out.write(json.dumps({"key": key, "url": url, "expires": EXPIRES}, ensure_ascii=False))
            out.write("\n")
    return out.getvalue()


def good_text_rows() -> list[tuple[str, str]]:
    lines = TEXT_INPUT.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [(key, "") for number, key in enumerate(lines, 1) if number not in TEXT_BAD_LINES]


def good_jsonl_rows() -> list[tuple[str, str]]:
    rows = []
    for number, line in enumerate(JSONL_INPUT.decode().split("\n"), 1):
        if line.strip() and number not in JSONL_BAD_LINES:
            record = json.loads(line)
            rows.append((record["key"], record.get("query", "")))
    return rows


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(
    ("name", "content", "good", "bad_lines"),
    [
        ("keys.txt", TEXT_INPUT, good_text_rows, TEXT_BAD_LINES),
        ("keys.jsonl", JSONL_INPUT, good_jsonl_rows, JSONL_BAD_LINES),
    ],
)
def test_a_file_batch_is_byte_identical_for_every_worker_count_and_chunk_size(
    tmp_path, rsa_files, fmt, name, content, good, bad_lines
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    expected = expected_output(good(), rsa_files, fmt)
    seen = 0
    for workers in (1, 2, 3):
        for chunk_rows in (1, 2, 7, None):
            output = tmp_path / f"out-{workers}-{chunk_rows}.{fmt}"
            result = sign(source, output, rsa_files, workers=workers, chunk_rows=chunk_rows)
            label = f"workers={workers} chunk_rows={chunk_rows}"
            assert output.read_text(encoding="utf-8") == expected, label
            assert [bad.line for bad in result.bad_rows] == bad_lines, label
            assert result.written == len(good()) and result.workers == workers, label
            seen += 1
    assert seen == 12


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_inline_and_csv_batches_are_byte_identical_across_workers_and_chunks(
    tmp_path, rsa_files, fmt
) -> None:
    keys_ = [f"lesson {i}/clip,{i}.mp4" if i % 5 == 0 else f"lesson/{i}.mp4" for i in range(30)]
    table = tmp_path / "keys.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("title", "key"))
        writer.writerows((f"t{i}", key) for i, key in enumerate(keys_))
    expected = expected_output([(key, "") for key in keys_], rsa_files, fmt)
    for source in (keys_, table):
        for workers, chunk_rows in ((1, None), (2, 1), (2, 4), (3, 64)):
            output = tmp_path / f"out.{fmt}"
            sign(source, output, rsa_files, workers=workers, chunk_rows=chunk_rows)
            assert output.read_text(encoding="utf-8") == expected, (source, workers, chunk_rows)


def test_ecdsa_batches_keep_order_and_verify_for_every_worker_count_and_chunk_size(
    tmp_path, ecdsa_files
) -> None:
    source = tmp_path / "keys.txt"
    names = [f"course/video {i:04d}.mp4" for i in range(120)]
    source.write_text("".join(f"{name}\n" for name in names))
    trusted = {KEY_ID: keys.load_public_key(ecdsa_files.public_key_path)}
    for workers, chunk_rows in ((1, None), (2, 1), (2, 13), (3, None)):
        result = sign(source, tmp_path / "out.jsonl", ecdsa_files, workers=workers,
                      chunk_rows=chunk_rows, hash_algorithm="SHA256")  # fmt: skip
        rows = list(batch.read_results(result.output))
        assert [row["key"] for row in rows] == names
        for name, row in zip(names, rows, strict=True):
            unsigned = batch.object_url(BASE, name)
            assert row["url"].startswith(f"{unsigned}?Expires={EXPIRES}&Signature=")
            assert row["url"].endswith(f"&Key-Pair-Id={KEY_ID}&Hash-Algorithm=SHA256")
            verdict = verify.verify(row["url"], trusted_keys=trusted)
            assert verdict.allowed, verdict.reason


def test_the_first_bad_row_in_input_order_stops_the_run_with_its_line(tmp_path, rsa_files) -> None:
    source = tmp_path / "keys.txt"
    lines = [f"ok/{i}.mp4" for i in range(200)]
    lines[57] = ""
    lines[150] = "/leading-slash.mp4"
    source.write_text("\n".join(lines) + "\n")
    for workers, chunk_rows in ((1, 3), (2, 3), (2, 1), (3, 40)):
        with pytest.raises(BadRowError, match=r"^line 58: empty object key") as caught:
            sign(source, tmp_path / "out.csv", rsa_files, workers=workers,
                 chunk_rows=chunk_rows, on_error="stop")  # fmt: skip
        assert caught.value.line == 58
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_that_is_not_utf8_is_one_batch_error_for_any_worker_count(
    tmp_path, rsa_files, workers
) -> None:
    source = tmp_path / "keys.txt"
    source.write_bytes(b"".join(b"ok/%d.mp4\n" % i for i in range(50)) + b"bad\xff.mp4\n")
    with pytest.raises(BatchError, match=r"is not UTF-8 text \(byte 0xff at offset \d+"):
        sign(source, tmp_path / "out.csv", rsa_files, workers=workers, chunk_rows=4)
    assert not (tmp_path / "out.csv").exists()


def test_a_url_with_a_comma_is_quoted_in_csv_and_reads_back_whole(tmp_path, rsa_files) -> None:
    base = f"{BASE}/a,b"
    output = tmp_path / "out.csv"
    sign(["v.mp4", {"key": "w.mp4", "query": "x=1,2"}], output, rsa_files, base_url=base)
    expected = expected_output([("v.mp4", ""), ("w.mp4", "x=1,2")], rsa_files, "csv", base)
    assert output.read_text() == expected
    urls = [row["url"] for row in batch.read_results(output)]
    assert urls[0].startswith(f"{base}/v.mp4?Expires=")
    assert urls[1].startswith(f"{base}/w.mp4?x=1,2&Expires=")


@settings(max_examples=60, deadline=None)
@given(
    content=st.lists(
        st.text(st.sampled_from("ab/é \r\n\ufeff"), min_size=0, max_size=12), max_size=30
    ).map("".join),
    rows=st.integers(1, 9),
    cut=st.integers(1, 9),
)
def test_slices_cover_the_file_in_whole_lines(tmp_path_factory, content, rows, cut) -> None:
    source = tmp_path_factory.mktemp("slices") / "keys.txt"
    source.write_bytes(content.encode())
    saved = batch_run.CUT_BYTES, batch_run.SAMPLE_BYTES
    batch_run.CUT_BYTES, batch_run.SAMPLE_BYTES = cut, cut + 3
    try:
        pieces = list(batch_run._slices(source, "text", rows))
    finally:
        batch_run.CUT_BYTES, batch_run.SAMPLE_BYTES = saved
    if not content:
        assert pieces == []
        return
    assert pieces[0].start == 0 and pieces[-1].end is None
    assert all(a.end == b.start for a, b in itertools.pairwise(pieces))
    data = source.read_bytes()
    assert all(data[piece.end - 1] == ord("\n") for piece in pieces[:-1])
    lines = [line for piece in pieces for line in batch_run._read_slice(piece)]
    with source.open(encoding="utf-8-sig", newline="") as handle:
        assert lines == list(handle)


def canned_spec(rsa_files, fmt: str) -> batch_run._Spec:
    """A worker's spec for canned RSA/SHA-1 rows (deterministic signatures)."""
    return batch_run._Spec(
        base_url=BASE,
        key_pair_id=KEY_ID,
        private_key=str(rsa_files.private_key_path),
        hash_algorithm="SHA1",
        expires=EXPIRES,
        date_greater_than=None,
        ip_address=None,
        fmt=fmt,
    )


KEY_CHARS = st.sampled_from("aZ09-_.~/ ,\"'\\%é日+&=?#")


@settings(max_examples=40, deadline=None)
@given(
    key=st.text(KEY_CHARS, min_size=1, max_size=20),
    query=st.sampled_from(["", "lang=en", "a=1,2&b=%20"]),
    fmt=st.sampled_from(["csv", "jsonl"]),
)
def test_the_one_string_canned_row_equals_the_general_row(rsa_files, key, query, fmt) -> None:
    spec = canned_spec(rsa_files, fmt)
    signer = batch_run._RowSigner(spec)
    rows = [(1, key, query, None), (2, "plain/key.mp4", "", None)]
    fast = signer.chunk(rows)
    assert signer._canned_rows
    assert fast == batch_run._format_chunk(rows, spec, signer.plan, signer.signer.sign_plans)
    if batch.check_row(key, query) is None:
        url = batch.object_url(BASE, key, query)
        assert policy.json_string(url) == f'"{url}"'  # what the one-string row relies on


def test_workers_read_their_own_slices_of_a_text_file(tmp_path, rsa_files, monkeypatch) -> None:
    source = tmp_path / "keys.txt"
    source.write_text("".join(f"k/{i:02d}.mp4\n" for i in range(20)))  # 10 bytes a line
    sent: list[object] = []
    real = batch_run._parallel

    def spy(jobs, spec, workers):
        def recorded():
            for job in jobs:
                sent.append(job)
                yield job

        return real(recorded(), spec, workers)

    monkeypatch.setattr(batch_run, "_parallel", spy)
    result = sign(source, tmp_path / "out.csv", rsa_files, workers=2, chunk_rows=5)
    assert result.written == 20
    assert sent and all(isinstance(job, batch_run._Slice) for job in sent)
    assert len(sent) == 4
    assert Path(sent[0].path) == source


PLAIN_KEY_CHARS = st.sampled_from(
    ["a", "Z", "0", "-", "_", ".", "..", "~", "/", "\n", " ", "é", ""]
)


@settings(max_examples=300, deadline=None)
@given(
    chunk=st.lists(
        st.one_of(
            st.lists(PLAIN_KEY_CHARS, max_size=8).map("".join),
            st.sampled_from(["x" * 1024, "x" * 1025, "./a", "a/..", "/a", "a//b", "a/.b", 7]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_chunk_checked_at_once_agrees_with_check_row_key_by_key(chunk) -> None:
    one_by_one = all(
        batch.check_row(key) is None and batch_run._VERBATIM_KEY.fullmatch(key) for key in chunk
    )
    assert batch_inputs.plain_keys(chunk) == one_by_one


def test_the_chunk_check_accepts_a_text_files_usual_keys_and_refuses_each_bad_one() -> None:
    usual = [f"course/week-{i % 52:02d}/video-{i:08d}.mp4" for i in range(512)]
    assert batch_inputs.plain_keys(usual)
    for bad in ("", "/lead", "a/./b", "a/../b", "..", "sp ace", "x" * 1025, "new\nline"):
        assert not batch_inputs.plain_keys([*usual, bad]), bad
        assert not batch_inputs.plain_keys([bad, *usual]), bad


def test_a_chunk_with_one_bad_row_keeps_every_good_row_and_names_the_bad_one(rsa_files) -> None:
    spec = canned_spec(rsa_files, "csv")
    rows = [(n, f"k/{n}.mp4", "", None) for n in range(1, 6)]
    rows[2] = (3, "k/../3.mp4", "", None)
    text, bad = batch_run._RowSigner(spec).chunk(rows)
    assert [row.line for row in bad] == [3] and "'..'" in bad[0].reason
    assert [line.split(",")[0] for line in text.splitlines()] == [
        "k/1.mp4",
        "k/2.mp4",
        "k/4.mp4",
        "k/5.mp4",
    ]
