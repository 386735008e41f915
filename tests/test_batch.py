"""Batch signing (``cftutorial.batch`` and ``cftutorial batch``): order, equivalence, bad rows, atomicity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import command_line
import launch
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cftutorial import batch
from cftutorial.aws import clients
from cftutorial.cli import main
from cftutorial.errors import BadRowError, BatchError, PolicyError
from cftutorial.signing import keys, policy, verify, wildcard
from cftutorial.signing.signer import Signer

DOMAIN = "d111111abcdef8.cloudfront.net"
BASE = f"https://{DOMAIN}"
KEY_ID = "K2JCJMDEHXQW5F"
EXPIRES = int(time.time()) + 3 * 86400


@pytest.fixture(scope="module")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> keys.KeyPairFiles:
    return keys.write_key_pair(tmp_path_factory.mktemp("batch-keys"), kind="rsa")


@pytest.fixture(scope="module")
def trusted(key_files: keys.KeyPairFiles) -> dict:
    return {KEY_ID: keys.load_public_key(key_files.public_key_path)}


def sign(objects, output, key_files, **options):
    options.setdefault("date_less_than", EXPIRES)
    options.setdefault("workers", 1)
    return batch.sign_batch(
        objects,
        output,
        base_url=BASE,
        key_pair_id=KEY_ID,
        private_key=key_files.private_key_path,
        **options,
    )


def cli(*args: str) -> subprocess.CompletedProcess:
    """``cftutorial batch ARGS`` as a shell runs it (in this process: command_line.py)."""
    return command_line.cftutorial("batch", *args)


def cli_signing_args(key_files: keys.KeyPairFiles) -> list[str]:
    return [
        "--base-url",
        BASE,
        "--key-pair-id",
        KEY_ID,
        "--private-key",
        str(key_files.private_key_path),
        "--date-less-than",
        str(EXPIRES),
    ]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".partial"))


# ------------------------------------------------------------------------------ URL rules


def test_object_key_is_percent_encoded_keeping_slashes_and_unreserved_characters() -> None:
    url = batch.object_url(BASE, "course/week 1/vidéo_01-a~b.mp4")
    assert url == f"{BASE}/course/week%201/vid%C3%A9o_01-a~b.mp4"


def test_reserved_query_parameter_in_a_row_is_a_bad_row() -> None:
    reason = batch.check_row("a.mp4", "lang=en&Signature=x")
    assert reason is not None and "'Signature'" in reason


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("", "empty"),
        ("a\x00b", "control character"),
        ("line\nbreak", "control character"),
        ("/lead.mp4", "starts with '/'"),
        ("a/../b.mp4", "'..' path segment"),
        ("é" * 600, "1024 bytes"),
    ],
)
def test_unusable_object_keys_are_refused_with_the_reason(key: str, words: str) -> None:
    reason = batch.check_row(key)
    assert reason is not None and words in reason


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cc", "Cs")),
            min_size=1,
            max_size=20,
        ).filter(lambda part: part not in (".", "..") and "/" not in part),
        min_size=1,
        max_size=3,
    )
)
def test_every_acceptable_key_becomes_a_url_whose_path_decodes_back_to_the_key(parts) -> None:
    key = "/".join(parts)
    assert batch.check_row(key) is None
    url = batch.object_url(BASE, key)
    path = urlsplit(url).path
    assert unquote(path[1:]) == key
    assert all(33 <= ord(c) < 127 and c not in '"#\\?' for c in url)


@settings(max_examples=100, deadline=None)
@given(
    pattern=st.text(alphabet="ab*?/.", max_size=8),
    text=st.text(alphabet="ab/.", max_size=8),
)
def test_the_compiled_resource_matcher_agrees_with_the_verifier(pattern: str, text: str) -> None:
    assert wildcard.matcher(pattern)(text) == wildcard.match(pattern, text)


def test_keys_under_an_s3_prefix_are_listed_through_the_active_backend(local_aws) -> None:

    s3 = clients.client("s3")
    s3.create_bucket(Bucket="cftutorial-batch-listing")
    for key in ("course/a.mp4", "course/", "course/b c.mp4", "other/x.mp4"):
        s3.put_object(Bucket="cftutorial-batch-listing", Key=key, Body=b"x")
    rows = list(batch.read_objects("s3://cftutorial-batch-listing/course/"))
    assert [(line, key) for line, key, _, _ in rows] == [(1, "course/a.mp4"), (2, "course/b c.mp4")]
    with pytest.raises(
        BatchError, match=r"cannot list 's3://cftutorial-no-such-bucket/': NoSuchBucket"
    ):
        list(batch.read_objects("s3://cftutorial-no-such-bucket/"))


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("no-such-file.txt", "objects='no-such-file.txt' is not a file; pass a text, CSV or"),
        ("s3:///prefix", "objects='s3:///prefix' names no bucket; use s3://BUCKET/PREFIX"),
        (None, "objects=None cannot be read; pass a file path, s3://BUCKET/PREFIX or a list"),
        ({"key": "a.mp4"}, "objects={'key': 'a.mp4'} cannot be read"),
        (b"a.mp4", "objects=b'a.mp4' cannot be read"),
        (42, "objects=42 cannot be read"),
    ],
)
def test_read_objects_and_the_options_refuse_a_source_with_one_message(
    source, words, key_files, tmp_path
) -> None:
    """One check (inputs.check_source): the same words before a row is read, from the options
    (at build time) and from read_objects (at the call, not at the first row)."""
    with pytest.raises(BatchError) as from_reader:
        batch.read_objects(source)
    with pytest.raises(BatchError) as from_options:
        build(key_files, tmp_path, objects=source)
    assert str(from_reader.value).startswith(words), from_reader.value
    assert str(from_reader.value) in str(from_options.value), from_options.value


@pytest.mark.parametrize(
    ("value", "offset"), [("24h", 86400), ("90m", 5400), ("7d", 604800), ("-5m", -300)]
)
def test_relative_times_count_from_the_start_of_the_run(value: str, offset: int) -> None:
    assert policy.parse_time(value, name="t", now=1_800_000_000) == 1_800_000_000 + offset


def test_an_unreadable_time_names_the_value_and_the_accepted_forms() -> None:
    with pytest.raises(PolicyError, match=r"'24x' is not a time; use a relative time such as 24h"):
        policy.parse_time("24x", name="date_less_than")


def test_row_count_for_the_progress_bar_ignores_the_csv_header_and_a_missing_final_newline(
    tmp_path,
) -> None:
    (tmp_path / "a.txt").write_text("a\nb\nc")
    (tmp_path / "b.csv").write_text("key\na\nb\n")
    assert batch.count_rows(tmp_path / "a.txt") == 3
    assert batch.count_rows(tmp_path / "b.csv") == 2
    assert batch.count_rows("s3://bucket/prefix") is None


# ------------------------------------------------------------------------------ the run


def test_every_url_of_a_canned_batch_verifies_and_equals_a_single_signed_url(
    tmp_path, key_files, trusted
) -> None:
    names = [f"course/lesson {i:03d}/vidéo.mp4" for i in range(40)]
    result = sign(names, tmp_path / "out.csv", key_files)
    rows = list(batch.read_results(result.output))
    assert [row["key"] for row in rows] == names
    assert result.written == 40 and result.policy_kind == "canned"
    single = Signer(KEY_ID, key_files.private_key_path)
    for row in rows:
        assert row["expires"] == EXPIRES
        assert row["url"] == single.sign_url(
            batch.object_url(BASE, row["key"]), date_less_than=EXPIRES
        )
        verdict = verify.verify(row["url"], trusted_keys=trusted)
        assert verdict.allowed, verdict.reason


@pytest.mark.parametrize("kind", ["rsa", "ecdsa"])
def test_sha256_batches_verify_for_both_key_kinds(tmp_path, kind) -> None:
    files = keys.write_key_pair(tmp_path, kind=kind)
    result = batch.sign_batch(
        ["a b/é.mp4", "c.mp4"],
        tmp_path / "o.csv",
        base_url=BASE,
        key_pair_id=KEY_ID,
        private_key=files.private_key_path,
        date_less_than=EXPIRES,
        hash_algorithm="sha256",
        workers=1,
    )
    rows = list(batch.read_results(result.output))
    trusted = {KEY_ID: keys.load_public_key(files.public_key_path)}
    assert len(rows) == 2
    for row in rows:
        assert row["url"].endswith(f"&Key-Pair-Id={KEY_ID}&Hash-Algorithm=SHA256")
        verdict = verify.verify(row["url"], trusted_keys=trusted)
        assert verdict.allowed and verdict.hash_algorithm == "SHA256", verdict.reason
    if kind == "rsa":  # deterministic: byte-identical to a single signed URL
        single = Signer(KEY_ID, files.private_key_path, "SHA256")
        url = batch.object_url(BASE, rows[0]["key"])
        assert rows[0]["url"] == single.sign_url(url, date_less_than=EXPIRES)


def test_a_tampered_output_row_is_denied(tmp_path, key_files, trusted) -> None:
    result = sign(["a.mp4", "b.mp4"], tmp_path / "out.jsonl", key_files)
    first, second = batch.read_results(result.output)
    swapped = first["url"].replace("/a.mp4?", "/b.mp4?")
    verdict = verify.verify(swapped, trusted_keys=trusted)
    assert verdict.allowed is False and verdict.code == "AccessDenied"
    assert verify.verify(second["url"], trusted_keys=trusted).allowed


def test_custom_policy_rows_carry_the_ip_and_start_conditions(tmp_path, key_files, trusted) -> None:
    start = int(time.time()) - 60
    result = sign(
        ["x.mp4"], tmp_path / "o.csv", key_files, date_greater_than=start, ip_address="192.0.2.0/24"
    )
    (row,) = batch.read_results(result.output)
    assert result.policy_kind == "custom"
    inside = verify.verify(row["url"], trusted_keys=trusted, viewer_ip="192.0.2.7")
    outside = verify.verify(row["url"], trusted_keys=trusted, viewer_ip="198.51.100.1")
    assert inside.allowed, inside.reason
    assert inside.policy["Statement"][0]["Condition"]["DateGreaterThan"]["AWS:EpochTime"] == start
    assert not outside.allowed and outside.code == "AccessDenied"


def test_shared_policy_is_signed_once_and_opens_every_url_under_the_prefix(
    tmp_path, key_files, trusted
) -> None:
    result = sign(
        [f"course/{i}.ts" for i in range(30)],
        tmp_path / "shared.csv",
        key_files,
        policy_resource=f"{BASE}/course/*",
    )
    rows = list(batch.read_results(result.output))
    assert result.policy_kind == "shared" and len(rows) == 30
    signatures = {verify.split_url(row["url"])[1]["Signature"][0] for row in rows}
    assert len(signatures) == 1
    assert all(verify.verify(row["url"], trusted_keys=trusted).allowed for row in rows)
    # The trade-off: the same query string opens any other object under the prefix.
    tail = rows[0]["url"].partition("?")[2]
    other = verify.verify(f"{BASE}/course/secret.mp4?{tail}", trusted_keys=trusted)
    assert other.allowed
    assert result.cookies is not None
    by_cookie = verify.verify(f"{BASE}/course/9.ts", trusted_keys=trusted, cookies=result.cookies)
    assert by_cookie.allowed and by_cookie.source == "cookies"


def test_shared_policy_rows_outside_the_resource_are_bad_rows(tmp_path, key_files) -> None:
    result = sign(
        ["course/a.ts", "other/b.ts"],
        tmp_path / "s.csv",
        key_files,
        policy_resource=f"{BASE}/course/*",
        on_error="skip",
    )
    assert [row["key"] for row in batch.read_results(result.output)] == ["course/a.ts"]
    (bad,) = result.bad_rows
    assert bad.line == 2 and "outside the shared policy" in bad.reason


def test_a_bad_row_with_on_error_stop_names_its_line_and_leaves_no_output(
    tmp_path, key_files
) -> None:
    source = tmp_path / "keys.txt"
    source.write_text("a.mp4\nb.mp4\n\nc.mp4\n")
    output = tmp_path / "out.csv"
    with pytest.raises(BadRowError, match=r"^line 3: empty object key") as caught:
        sign(source, output, key_files)
    assert caught.value.line == 3
    assert not output.exists()
    assert leftovers(tmp_path) == []


def test_a_failed_run_keeps_the_previous_output_untouched(tmp_path, key_files) -> None:
    output = tmp_path / "out.csv"
    output.write_text("previous run\n")
    with pytest.raises(BadRowError):
        sign(["ok.mp4", "bad\x07.mp4"], output, key_files)
    assert output.read_text() == "previous run\n"
    assert leftovers(tmp_path) == []


def test_bad_rows_with_on_error_skip_are_left_out_and_reported_with_line_numbers(
    tmp_path, key_files
) -> None:
    source = tmp_path / "keys.jsonl"
    source.write_text(
        '{"key": "a.mp4"}\n'
        "not json\n"
        '{"key": "b.mp4", "query": "Expires=1"}\n'
        "\n"
        '{"key": "c d.mp4", "query": "lang=en"}\n'
        '{"name": "d.mp4"}\n'
    )
    result = sign(source, tmp_path / "out.jsonl", key_files, on_error="skip")
    rows = list(batch.read_results(result.output))
    assert [row["key"] for row in rows] == ["a.mp4", "c d.mp4"]
    assert rows[1]["url"].startswith(f"{BASE}/c%20d.mp4?lang=en&Expires={EXPIRES}&Signature=")
    assert [bad.line for bad in result.bad_rows] == [2, 3, 6]
    assert result.skipped == 3 and result.rows == 5
    assert "reserved query parameter 'Expires'" in result.bad_rows[1].reason


def test_csv_input_uses_the_key_column_and_keeps_quoted_keys_intact(tmp_path, key_files) -> None:
    source = tmp_path / "keys.csv"
    source.write_text('title,key\nOne,"a, b.mp4"\nTwo,"say ""hi"".mp4"\n', encoding="utf-8")
    result = sign(source, tmp_path / "out.csv", key_files)
    rows = list(batch.read_results(result.output))
    assert [row["key"] for row in rows] == ["a, b.mp4", 'say "hi".mp4']
    assert result.written == 2
    assert rows[1]["url"].startswith(f"{BASE}/say%20%22hi%22.mp4?Expires=")


def test_csv_input_without_a_key_column_is_refused_naming_the_header(tmp_path, key_files) -> None:
    source = tmp_path / "keys.csv"
    source.write_text("name\na.mp4\n")
    with pytest.raises(BatchError, match=r"no 'key' column \(header: \['name'\]\)"):
        sign(source, tmp_path / "out.csv", key_files)


def test_an_output_without_a_known_extension_is_refused_before_any_work(
    tmp_path, key_files
) -> None:
    with pytest.raises(BatchError, match=r"name it \*\.csv or \*\.jsonl"):
        sign(["a.mp4"], tmp_path / "out.txt", key_files)
    assert list(tmp_path.iterdir()) == []


def test_the_parallel_window_holds_a_bounded_number_of_chunks(tmp_path, key_files) -> None:
    pulled = 0
    furthest_ahead = 0
    done = 0

    def rows():
        nonlocal pulled
        for i in range(3000):
            pulled += 1
            yield f"p/{i}.mp4"

    def progress(count: int) -> None:
        nonlocal done, furthest_ahead
        done += count
        furthest_ahead = max(furthest_ahead, pulled - done)

    result = sign(
        rows(), tmp_path / "p.csv", key_files, workers=2, chunk_rows=50, progress=progress
    )
    assert result.written == 3000 and result.workers == 2
    window = 2 * batch.CHUNKS_PER_WORKER * 50
    assert 0 < furthest_ahead <= window + 50


def test_a_worker_that_dies_is_reported_as_a_batch_error_without_output(
    tmp_path, key_files
) -> None:
    """A worker killed mid-run (the OOM killer, a kill -9): one BatchError, no output file.

    The kill comes from outside, as in life, so the test runs with whichever start method the
    batch chose (spawn here: pytest's process has threads)."""
    import multiprocessing

    before = {child.pid for child in multiprocessing.active_children()}
    killed = []

    def rows():
        for i in range(5000):
            if i == 60:  # a few chunks are out: kill every worker the batch started
                workers = [c for c in multiprocessing.active_children() if c.pid not in before]
                for worker in workers:
                    os.kill(worker.pid, signal.SIGKILL)
                killed.extend(workers)
            yield f"k{i}.mp4"

    output = tmp_path / "out.csv"
    with pytest.raises(BatchError, match=r"a signing worker process died before finishing"):
        sign(rows(), output, key_files, workers=2, chunk_rows=10)
    assert killed, "no worker process was running to kill"
    assert not output.exists() and leftovers(tmp_path) == []


# ------------------------------------------------------------------------------ CLI


def test_cli_gives_the_same_urls_with_one_and_with_two_workers(tmp_path, key_files) -> None:
    source = tmp_path / "keys.txt"
    source.write_text("".join(f"course/video {i:04d}.mp4\n" for i in range(600)))
    outputs = []
    for workers in ("1", "2"):
        output = tmp_path / f"out-{workers}.csv"
        done = cli(
            "--input", str(source), "--output", str(output), "--workers", workers,
            *cli_signing_args(key_files),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "signed 600 URLs" in done.stdout and f"{workers} worker" in done.stdout
        outputs.append(output.read_text())
    assert outputs[0] == outputs[1]
    assert outputs[0].count("\n") == 601


def test_cli_reads_text_csv_and_jsonl_and_writes_csv_and_jsonl(tmp_path, key_files) -> None:
    inputs = {
        "keys.txt": "a.mp4\nb c.mp4\n",
        "keys.csv": "key\na.mp4\nb c.mp4\n",
        "keys.jsonl": '{"key": "a.mp4"}\n{"key": "b c.mp4"}\n',
    }
    seen = set()
    for name, text in inputs.items():
        (tmp_path / name).write_text(text)
        for suffix in ("csv", "jsonl"):
            output = tmp_path / f"{name}.out.{suffix}"
            done = cli(
                "--input", str(tmp_path / name), "--output", str(output),
                *cli_signing_args(key_files),
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            rows = list(batch.read_results(output))
            assert [row["key"] for row in rows] == ["a.mp4", "b c.mp4"]
            seen.add(tuple(row["url"] for row in rows))
    last_jsonl = output.read_text().splitlines()[0]
    assert json.loads(last_jsonl)["expires"] == EXPIRES
    assert len(seen) == 1  # the same two URLs from every input and output format


def test_cli_bad_row_exits_2_with_one_line_naming_the_line_number(tmp_path, key_files) -> None:
    source = tmp_path / "keys.txt"
    source.write_text("a.mp4\nb\x1b.mp4\n")
    output = tmp_path / "out.csv"
    done = cli("--input", str(source), "--output", str(output), *cli_signing_args(key_files))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cftutorial: error: line 2: object key")
    assert not output.exists() and leftovers(tmp_path) == []


def test_cli_skip_lists_skipped_rows_and_still_writes_the_good_ones(tmp_path, key_files) -> None:
    source = tmp_path / "keys.txt"
    source.write_text("a.mp4\n\n/b.mp4\nc.mp4\n")
    output = tmp_path / "out.jsonl"
    done = cli(
        "--input", str(source), "--output", str(output), "--on-error", "skip",
        *cli_signing_args(key_files),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "skipped line 2: empty object key" in done.stderr
    assert "skipped line 3: object key '/b.mp4' starts with '/'" in done.stderr
    assert [row["key"] for row in batch.read_results(output)] == ["a.mp4", "c.mp4"]


def test_cli_accepts_a_relative_expiry(tmp_path, key_files, capsys) -> None:
    output = tmp_path / "o.csv"
    (tmp_path / "k.txt").write_text("a.mp4\n")
    before = int(time.time())
    args = cli_signing_args(key_files)
    args[args.index("--date-less-than") + 1] = "90m"
    code = main(["batch", "--input", str(tmp_path / "k.txt"), "--output", str(output), *args])
    assert code == 0, capsys.readouterr().err
    (row,) = batch.read_results(output)
    assert before + 5400 <= row["expires"] <= int(time.time()) + 5400


def test_cli_refuses_a_base_url_that_is_not_a_distribution_address(tmp_path, key_files, capsys):
    (tmp_path / "k.txt").write_text("a.mp4\n")
    args = cli_signing_args(key_files)
    args[args.index("--base-url") + 1] = f"{DOMAIN}/videos"
    code = main(
        ["batch", "--input", str(tmp_path / "k.txt"), "--output", str(tmp_path / "o.csv"), *args]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"base URL '{DOMAIN}/videos' cannot be used" in err


def test_interrupted_cli_run_leaves_no_complete_looking_output(tmp_path, key_files) -> None:
    """Ctrl-C (SIGINT) half-way: exit 130, "interrupted", no output file, no temporary file.

    The child gets SIGINT at its default disposition: pytest may have inherited "ignore SIGINT"
    (a background job of a script), which ``cftutorial batch`` would rightly honour. It runs in
    a process group of its own, which the test ends (the batch and its workers) if it fails."""
    source = tmp_path / "many.txt"
    source.write_text("".join(f"v/{i}.mp4\n" for i in range(400_000)))
    output = tmp_path / "out.csv"
    run = subprocess.Popen(
        [sys.executable, "-m", "cftutorial", "batch", "--input", str(source),
         "--output", str(output), "--workers", "2", *cli_signing_args(key_files)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, preexec_fn=launch.signals_default(signal.SIGINT),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not leftovers(tmp_path) and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.05)
        assert leftovers(tmp_path), "the run never started writing its temporary file"
        partial = tmp_path / leftovers(tmp_path)[0]
        while partial.exists() and partial.stat().st_size < 10_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert run.poll() is None, "the run finished before it could be interrupted"
        os.kill(run.pid, signal.SIGINT)
        _, err = run.communicate(timeout=60)
    finally:
        launch.end_group(run)
    assert run.returncode == 130, err
    assert "interrupted" in err
    assert not output.exists()
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------ options


def build(key_files, tmp_path, **changes):
    given = {
        "objects": ["a.mp4"],
        "output": tmp_path / "out.csv",
        "domain": DOMAIN,
        "key_pair_id": KEY_ID,
        "private_key": key_files.private_key_path,
        "expires": "2h",
        **changes,
    }
    return batch.BatchOptions.build(**given)


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("objects", "no-such-file.txt", "is not a file"),
        ("objects", "s3:///prefix", "names no bucket"),
        ("objects", None, "cannot be read"),
        ("output", "out.txt", "name it *.csv or *.jsonl"),
        ("output", "/no/such/dir/out.csv", "does not exist"),
        ("domain", "ftp://d111111abcdef8.cloudfront.net", "cannot be used"),
        ("key_pair_id", "my key.pem", "is not a CloudFront key id"),
        ("private_key", "/no/such/key.pem", "cannot read"),
        ("private_key", None, "is missing"),
        ("expires", "24x", "is not a time"),
        ("expires", "-5m", " s ago); choose a later time (e.g. 24h)"),
        ("policy", "open", "is not a choice"),
        ("starts", "3h", "is not before the expiry"),
        ("ip_address", "2001:db8::1", "IPv6"),
        ("hash_algorithm", "MD5", "not supported"),
        ("workers", 0, "is not a number of processes"),
        ("workers", "2", "is not a number of processes"),
        ("on_error", "ignore", "is not a choice"),
    ],
)
def test_each_bad_option_is_one_error_naming_that_option(
    tmp_path, key_files, option, value, words
) -> None:
    with pytest.raises(batch.BatchOptionError) as caught:
        build(key_files, tmp_path, **{option: value})
    assert caught.value.option == option
    assert str(caught.value).startswith(option)
    assert words in str(caught.value), str(caught.value)


def test_contradicting_policy_options_name_the_policy(tmp_path, key_files) -> None:
    with pytest.raises(batch.BatchOptionError, match=r"^policy='canned' cannot carry ip_address"):
        build(key_files, tmp_path, policy="canned", ip_address="192.0.2.0/24")
    with pytest.raises(batch.BatchOptionError, match=r"^policy_resource is only for one") as caught:
        build(key_files, tmp_path, policy="custom", policy_resource=f"{BASE}/*")
    assert caught.value.option == "policy_resource"


def test_options_normalise_the_domain_and_pick_the_policy(tmp_path, key_files) -> None:
    canned = build(key_files, tmp_path, hash_algorithm="sha-256", workers=3)
    assert (canned.base_url, canned.policy, canned.hash_algorithm) == (BASE, "canned", "SHA256")
    assert canned.workers == 3 and canned.outputs == (tmp_path / "out.csv",)
    assert build(key_files, tmp_path, ip_address="192.0.2.1").policy == "custom"
    shared = build(key_files, tmp_path, policy="shared", domain=f"{BASE}/course")
    assert (shared.policy, shared.policy_resource) == ("shared", f"{BASE}/course/*")
    assert "PRIVATE" not in repr(shared) and "private_key=" not in repr(shared)


def test_a_custom_policy_without_conditions_signs_a_policy_per_url(
    tmp_path, key_files, trusted
) -> None:
    options = build(key_files, tmp_path, objects=["a.mp4", "b.mp4"], policy="custom", workers=1)
    result = batch.run_batch(options)
    rows = list(batch.read_results(result.output))
    assert result.policy_kind == "custom" and len(rows) == 2
    for row in rows:
        verdict = verify.verify(row["url"], trusted_keys=trusted)
        assert verdict.allowed and verdict.policy_kind == "custom", verdict.reason
        assert verdict.policy["Statement"][0]["Resource"] == batch.object_url(BASE, row["key"])


def test_two_outputs_hold_the_same_rows_in_both_formats(tmp_path, key_files) -> None:
    outputs = [tmp_path / "o.csv", tmp_path / "o.jsonl"]
    result = batch.run_batch(
        build(key_files, tmp_path, objects=["a b.mp4", "c.mp4"], output=outputs)
    )
    assert result.outputs == tuple(outputs)
    assert list(batch.read_results(outputs[0])) == list(batch.read_results(outputs[1]))
    assert "o.csv, " in result.summary() and result.summary().endswith("o.jsonl")
