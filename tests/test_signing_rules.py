"""Each signing input rule lives once (``cftutorial/signing/rules.py``), and every signer follows it:
the library, ``cftutorial sign``, ``cftutorial batch`` (and the batch notebook, which builds the
same options) and the KMS batch."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from cftutorial import batch
from cftutorial.batch import kms as batch_kms
from cftutorial.batch import notebook as batch_notebook
from cftutorial.batch.options import OPTION_NAMES
from cftutorial.cli import main
from cftutorial.errors import PolicyError, SignedUrlError, SigningKeyError
from cftutorial.signing import keys, rules, verify
from cftutorial.signing.signer import Signer

PACKAGE = Path(__file__).resolve().parent.parent / "cftutorial"
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "batch-sign-urls.md"
DOMAIN = "d111111abcdef8.cloudfront.net"
BASE = f"https://{DOMAIN}"
KEY_ID = "K2JCJMDEHXQW5F"
EXPIRES = int(time.time()) + 3 * 86400
REFUSAL = (
    "--hash-algorithm SHA1 cannot be used with an ECDSA key (the AWS CLI v2 refuses it and AWS "
    "documents no ECDSA + SHA-1); leave --hash-algorithm out or use SHA256"
)

# A line of code that spells one of the rules, and the one file allowed to.
RULE_SPELLINGS = {
    "the canned policy text": r'"Statement":\[\{"Resource":|"DateLessThan":\{"AWS:EpochTime":|'
    r"\bCANNED_(HEAD|MIDDLE|TAIL)\b",
    "the hash by key kind": r'(?i)ecdsa.*"SHA(1|256)"|"SHA(1|256)".*ecdsa',
    "covers-URL": r"\bwildcard\.match(er)?\(",
    "start before expiry": r"\bstart\w* >= \w*expir|is not before the expiry",
    "expiry not past": r"\bexpir\w* <= \w*(now|current|time\.time\(\))|> time\.time\(\)|"
    r"is already past",
}
# Other rooms with wildcards of their own (S3 and KMS policies, CORS, cache behaviours), not
# signing: the local AWS, and the policy statements it and the audit read (policies/).
OTHER_RULES = ("localaws", "policies")
#: Files whose wildcards are not a signed URL's resource: CloudFront's path patterns (read by
#: the edge and the audit).
OTHER_WILDCARDS = (Path("signing/behaviours.py"),)


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rules-keys")
    for kind in keys.KINDS:
        keys.write_key_pair(folder, kind=kind, name=kind)
    return folder


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


# --- one place ------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", sorted(RULE_SPELLINGS))
def test_each_rule_is_spelled_in_rules_py_only(rule: str) -> None:
    pattern = re.compile(RULE_SPELLINGS[rule])
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in OTHER_RULES or relative == Path("signing/wildcard.py"):
            continue
        if rule == "covers-URL" and relative in OTHER_WILDCARDS:
            continue
        lines = [line.strip() for line in path.read_text().splitlines() if pattern.search(line)]
        if lines:
            found[str(relative)] = lines
    assert "signing/rules.py" in found, f"{rule}: the pattern no longer finds the rule itself"
    assert list(found) == ["signing/rules.py"], found


# --- hash by key kind -----------------------------------------------------------------------


def test_hash_rule_defaults_by_key_and_refuses_ecdsa_sha1_unless_asked() -> None:
    assert rules.hash_for(keys.KIND_RSA) == "SHA1"
    assert rules.hash_for(keys.KIND_ECDSA) == "SHA256"
    assert rules.hash_for(keys.KIND_RSA, "sha-256") == "SHA256"
    assert rules.hash_for(keys.KIND_ECDSA, "SHA1", allow_ecdsa_sha1=True) == "SHA1"
    with pytest.raises(SigningKeyError, match=r"^--hash-algorithm SHA1 cannot be used with an"):
        rules.hash_for(keys.KIND_ECDSA, "SHA1", name="--hash-algorithm")
    with pytest.raises(SignedUrlError, match="'MD5' is not supported"):
        rules.hash_for(keys.KIND_RSA, "MD5")


def _batch_argv(key_dir: Path, tmp_path: Path, *extra: str) -> list[str]:
    (tmp_path / "keys.txt").write_text("a.mp4\n")
    return [
        "batch", "--input", str(tmp_path / "keys.txt"), "--output", str(tmp_path / "out.csv"),
        "--base-url", DOMAIN, "--key-pair-id", KEY_ID,
        "--private-key", str(key_dir / "ecdsa_private_key.pem"),
        "--date-less-than", str(EXPIRES), "--workers", "1", "--no-progress", *extra,
    ]  # fmt: skip


def _sign_argv(key_dir: Path, *extra: str) -> list[str]:
    return [
        "sign", "--url", f"{BASE}/a.mp4", "--key-pair-id", KEY_ID,
        "--private-key", str(key_dir / "ecdsa_private_key.pem"),
        "--date-less-than", str(EXPIRES), *extra,
    ]  # fmt: skip


def test_cli_batch_with_an_ecdsa_key_signs_as_cli_sign_does(capsys, key_dir, tmp_path) -> None:
    code, out, _ = run(capsys, *_sign_argv(key_dir))
    assert code == 0
    signed = out.strip()
    code, _, err = run(capsys, *_batch_argv(key_dir, tmp_path))
    assert code == 0, err
    key, from_batch, expires = (tmp_path / "out.csv").read_text().splitlines()[1].split(",")
    assert (key, int(expires)) == ("a.mp4", EXPIRES)
    # ECDSA signatures are randomised: all else is the same, and both verify as SHA-256.
    assert from_batch.split("?")[0] == signed.split("?")[0] == f"{BASE}/a.mp4"
    mine, theirs = query(from_batch), query(signed)
    assert mine.pop("Signature") != theirs.pop("Signature")
    assert mine == theirs
    assert mine == {"Expires": str(EXPIRES), "Key-Pair-Id": KEY_ID, "Hash-Algorithm": "SHA256"}
    trusted = {KEY_ID: keys.load_public_key(key_dir / "ecdsa_public_key.pem")}
    for url in (signed, from_batch):
        verdict = verify.verify(url, trusted_keys=trusted)
        assert verdict.allowed, verdict.reason


def test_cli_batch_refuses_ecdsa_sha1_with_cli_signs_line_and_exit_2(
    capsys, key_dir, tmp_path
) -> None:
    signing = run(capsys, *_sign_argv(key_dir, "--hash-algorithm", "SHA1"))
    batching = run(capsys, *_batch_argv(key_dir, tmp_path, "--hash-algorithm", "SHA1"))
    assert signing == batching == (2, "", f"cftutorial: error: {REFUSAL}\n")
    assert not (tmp_path / "out.csv").exists()


def _notebook_parameters() -> dict:
    """The batch notebook's ``parameters`` cell, run: its defaults, as papermill starts from."""
    text = NOTEBOOK.read_text()
    cell = re.search(r":tags: \[parameters\]\n(.*?)```", text, re.S)
    assert cell is not None, "the batch notebook has no parameters cell"
    values: dict = {}
    exec(cell.group(1), {}, values)
    assert "hash_algorithm" in values
    return values


def test_the_batch_notebook_builds_the_same_hash_as_the_cli(key_dir, tmp_path) -> None:
    """The notebook's own defaults through its own step (``batch_notebook.plan``)."""
    values = _notebook_parameters()
    values.update(
        objects=["a.mp4"],
        domain=DOMAIN,
        key_pair_id=KEY_ID,
        private_key=str(key_dir / "ecdsa_private_key.pem"),
        output=str(tmp_path / "out.csv"),
    )
    parameters = {name: values[name] for name in OPTION_NAMES}

    def no_run(name: str) -> dict:
        raise AssertionError("every option was given: no tutorial run is read")

    plan = batch_notebook.plan(parameters, run_name="rules", load_run=no_run)
    assert plan.options.hash_algorithm == "SHA256"
    assert "(ecdsa, SHA256)" in "\n".join(plan.describe())
    with pytest.raises(batch_notebook.NotebookStop) as caught:
        batch_notebook.plan(
            {**parameters, "hash_algorithm": "SHA1"}, run_name="rules", load_run=no_run
        )
    assert str(caught.value) == REFUSAL.replace("--hash-algorithm", "hash_algorithm")
    rsa = {**parameters, "private_key": str(key_dir / "rsa_private_key.pem")}
    assert batch_notebook.plan(rsa, run_name="r", load_run=no_run).options.hash_algorithm == "SHA1"


def test_the_library_signs_ecdsa_sha1_only_when_named(key_dir) -> None:
    private = key_dir / "ecdsa_private_key.pem"
    assert Signer(KEY_ID, private).hash_algorithm == "SHA256"
    assert Signer(KEY_ID, private, "SHA1").hash_algorithm == "SHA1"  # a demonstration asks so
    with pytest.raises(batch.BatchOptionError, match="SHA1 cannot be used with an ECDSA key"):
        batch.sign_batch(
            ["a.mp4"], key_dir / "never.csv", base_url=BASE, key_pair_id=KEY_ID,
            private_key=private, date_less_than=EXPIRES, hash_algorithm="SHA1",
        )  # fmt: skip


# --- covers ---------------------------------------------------------------------------------

URL = f"{BASE}/videos/a.mp4"
COVERS = [
    (URL, True),  # exact
    (f"http://{DOMAIN}/videos/a.mp4", False),  # the other scheme
    (f"{BASE}/videos/*", True),  # wildcard
    (f"http*://{DOMAIN}/videos/*", True),  # AWS's way to allow both schemes
    (f"http://{DOMAIN}/videos/*", False),
    (f"{BASE}/videos/?.mp4", True),
    (f"{BASE}/other/*", False),
    (f"{BASE}/videos/a.mp", False),  # a prefix is not a match
]


class FakeKms:
    """An external ECDSA signer with a real key and no network, counting its calls."""

    kind = "ecdsa"
    hash_algorithm = "SHA256"

    def __init__(self) -> None:
        self.key = keys.generate_private_key("ecdsa")
        self.calls = 0
        self._lock = threading.Lock()

    def sign(self, message: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        with self._lock:
            self.calls += 1
        return self.key.sign(message, ec.ECDSA(hashes.SHA256()))


def _covered_by_cli_sign(capsys, key_dir: Path, resource: str) -> bool:
    code, out, err = run(
        capsys, "sign", "--url", URL, "--policy-resource", resource, "--key-pair-id", KEY_ID,
        "--private-key", str(key_dir / "rsa_private_key.pem"), "--date-less-than", str(EXPIRES),
    )  # fmt: skip
    assert code in (0, 2) and (out == "") == (code == 2), err
    assert code == 0 or f"is outside --policy-resource {resource!r}" in err, err
    return code == 0


def _covered_by_batch(tmp_path: Path, key_dir: Path, resource: str) -> bool:
    result = batch.sign_batch(
        ["videos/a.mp4"], tmp_path / "out.csv", base_url=BASE, key_pair_id=KEY_ID,
        private_key=key_dir / "rsa_private_key.pem", date_less_than=EXPIRES,
        policy_resource=resource, workers=1, on_error="skip",
    )  # fmt: skip
    assert result.written + result.skipped == 1
    assert all("is outside the shared policy's resource" in bad.reason for bad in result.bad_rows)
    return result.written == 1


def _covered_by_kms_batch(tmp_path: Path, resource: str) -> bool:
    options = batch.BatchOptions.build(
        objects=["videos/a.mp4"], output=tmp_path / "kms.csv", domain=BASE, key_pair_id=KEY_ID,
        private_key=None, expires=EXPIRES, policy_resource=resource, on_error="skip",
        external=FakeKms(),
    )  # fmt: skip
    done = batch_kms.run_kms_batch(options, rate=1e6)
    assert done.result.written + done.result.skipped == 1
    assert all("is outside the shared policy's resource" in b.reason for b in done.bad_rows)
    return done.result.written == 1


@pytest.mark.parametrize(("resource", "expected"), COVERS)
def test_covers_url_is_one_answer_in_signer_batch_and_kms_batch(
    capsys, key_dir, tmp_path, resource: str, expected: bool
) -> None:
    assert rules.covers(resource, URL) is expected
    assert rules.covering(resource)(URL) is expected
    assert _covered_by_cli_sign(capsys, key_dir, resource) is expected
    assert _covered_by_batch(tmp_path, key_dir, resource) is expected
    assert _covered_by_kms_batch(tmp_path, resource) is expected


# --- the time window ------------------------------------------------------------------------


def test_start_after_expiry_is_one_message_from_library_cli_and_batch(
    capsys, key_dir, tmp_path
) -> None:
    start = EXPIRES + 60
    tail = f"is not before the expiry, {{}}={EXPIRES} ({rules.iso(EXPIRES)}); a URL must become"
    signer = Signer(KEY_ID, key_dir / "rsa_private_key.pem")
    with pytest.raises(PolicyError) as library:
        signer.sign_url(URL, date_less_than=EXPIRES, date_greater_than=start)
    assert str(library.value).startswith(
        f"date_greater_than={start} ({rules.iso(start)}) " + tail.format("date_less_than")
    )
    code, out, err = run(capsys, *_sign_argv(key_dir, "--date-greater-than", str(start)))
    assert (code, out) == (2, "")
    assert err.startswith(
        f"cftutorial: error: --date-greater-than={start} ({rules.iso(start)}) "
        + tail.format("--date-less-than")
    )
    code, out, batch_err = run(
        capsys, *_batch_argv(key_dir, tmp_path, "--date-greater-than", str(start))
    )
    assert (code, out, batch_err) == (2, "", err)


def test_a_past_expiry_is_one_message_naming_how_to_allow_it(capsys, key_dir, tmp_path) -> None:
    past = int(time.time()) - 600
    shape = r"{name}={past} \(\S+\) is already past \(\d+ s ago\); choose a later time{hint}$"
    signer = Signer(KEY_ID, key_dir / "rsa_private_key.pem")
    with pytest.raises(PolicyError) as library:
        signer.sign_url(URL, date_less_than=past)
    hint = ", or pass allow_past=True to demonstrate a denial"
    assert re.match(shape.format(name="date_less_than", past=past, hint=re.escape(hint)),
                    str(library.value))  # fmt: skip
    code, _, err = run(capsys, "sign", *_sign_argv(key_dir)[1:-1], str(past))
    hint = ", or pass --allow-past to demonstrate a denial"
    assert code == 2
    assert re.match(shape.format(name="cftutorial: error: --date-less-than", past=past,
                                 hint=re.escape(hint)), err.strip()), err  # fmt: skip
    argv = _batch_argv(key_dir, tmp_path)
    argv[argv.index("--date-less-than") + 1] = str(past)
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert re.match(shape.format(name="cftutorial: error: --date-less-than", past=past,
                                 hint=re.escape(" (e.g. 24h)")), err.strip()), err  # fmt: skip
    assert rules.check_not_past(past, allow_past=True) == past


# --- the canned policy text -----------------------------------------------------------------


def test_canned_text_is_the_one_text_every_signer_and_the_verifier_build(key_dir) -> None:
    url = f"{BASE}/videos/a b é.mp4"
    signer = Signer(KEY_ID, key_dir / "rsa_private_key.pem")
    plan = signer.plan_url(url, date_less_than=EXPIRES)
    assert plan.message == rules.canned_text(plan.url, EXPIRES).encode()
    assert plan.message.decode() == (
        '{"Statement":[{"Resource":"' + plan.url + '","Condition":{"DateLessThan":'
        '{"AWS:EpochTime":' + str(EXPIRES) + "}}}]}"
    )
    plain = signer.plan_url(f"{BASE}/a.mp4", date_less_than=EXPIRES)
    assert plain.message == rules.canned_text(f"{BASE}/a.mp4", EXPIRES).encode()
    assert rules.canned_text('a"b', 1) == '{"Statement":[{"Resource":"a\\"b","Condition":' + (
        '{"DateLessThan":{"AWS:EpochTime":1}}}]}'
    )
