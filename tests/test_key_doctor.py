"""The key doctor (``cftutorial keys check``, ``cftutorial.audit.keys.check_key``): each key form
gets the finding it deserves and a good key none; SHA-1 refused by the crypto library; the
key's CloudFront public key and the behaviours that trust it, against the local AWS."""

from __future__ import annotations

import datetime
import io
import json
import sys
from pathlib import Path

import builders
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from cftutorial.audit import keys as doctor
from cftutorial.aws import clients
from cftutorial.cli import main
from cftutorial.cli.signing import ENV_KEY_PASSWORD
from cftutorial.errors import SigningKeyError
from cftutorial.signing import signer

S = serialization
NONE = S.NoEncryption()
PASSWORD = b"correct horse"


def _rsa(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


RSA = _rsa()
ECDSA = ec.generate_private_key(ec.SECP256R1())


def pem(key, fmt=S.PrivateFormat.PKCS8, encryption=NONE) -> bytes:
    return key.private_bytes(S.Encoding.PEM, fmt, encryption)


def der(key, fmt=S.PrivateFormat.PKCS8, encryption=NONE) -> bytes:
    return key.private_bytes(S.Encoding.DER, fmt, encryption)


def certificate(key) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "key-doctor.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return built.public_bytes(S.Encoding.PEM)


def body_lines(data: bytes) -> list[str]:
    """The base64 lines of a PEM (what must never be printed), or of a DER's base64."""
    import base64

    text = data.decode("ascii", "replace") if b"-----" in data else base64.b64encode(data).decode()
    return [
        line.strip()
        for line in text.replace("\\n", "\n").splitlines()
        if len(line.strip()) >= 40 and "-----" not in line
    ]


PKCS8 = pem(RSA)
PKCS8_TEXT = PKCS8.decode()
TRADITIONAL = S.PrivateFormat.TraditionalOpenSSL
ENCRYPTED = S.BestAvailableEncryption(PASSWORD)

#: name: (the key as bytes, form found, kind found, the rules broken)
CASES = {
    "RSA 2048 PKCS#8 PEM": (PKCS8, "PKCS#8 PEM", "RSA 2048", set()),
    "ECDSA P-256 PKCS#8 PEM": (pem(ECDSA), "PKCS#8 PEM", "ECDSA P-256", set()),
    "RSA 2048 PKCS#1 PEM": (pem(RSA, TRADITIONAL), "PKCS#1 PEM", "RSA 2048", {"key-format"}),
    "ECDSA P-256 SEC1 PEM": (pem(ECDSA, TRADITIONAL), "SEC1 PEM", "ECDSA P-256", {"key-format"}),
    "RSA 2048 PKCS#8 DER": (der(RSA), "PKCS#8 DER", "RSA 2048", {"key-format"}),
    "RSA 2048 PKCS#1 DER": (der(RSA, TRADITIONAL), "PKCS#1 DER", "RSA 2048", {"key-format"}),
    "ECDSA P-256 SEC1 DER": (der(ECDSA, TRADITIONAL), "SEC1 DER", "ECDSA P-256", {"key-format"}),
    "encrypted PKCS#8 PEM": (
        pem(RSA, encryption=ENCRYPTED), "encrypted PKCS#8 PEM", None, {"key-encrypted"}
    ),
    "encrypted PKCS#1 PEM": (
        pem(RSA, TRADITIONAL, ENCRYPTED),
        "encrypted PKCS#1 PEM",
        None,
        {"key-encrypted", "key-format"},
    ),
    "encrypted PKCS#8 DER": (
        der(RSA, encryption=ENCRYPTED),
        "encrypted PKCS#8 DER",
        None,
        {"key-encrypted", "key-format"},
    ),
    "RSA 1024": (pem(_rsa(1024)), "PKCS#8 PEM", "RSA 1024", {"key-kind"}),
    "ECDSA P-384": (
        pem(ec.generate_private_key(ec.SECP384R1())), "PKCS#8 PEM", "ECDSA P-384", {"key-kind"}
    ),
    "escaped newlines": (
        PKCS8_TEXT.replace("\n", "\\n").encode(), "PKCS#8 PEM", "RSA 2048", {"key-escaped-newlines"}
    ),
    "double quotes": (f'"{PKCS8_TEXT}"'.encode(), "PKCS#8 PEM", "RSA 2048", {"key-quoted"}),
    "single quotes, escaped, PKCS#1": (
        ("'" + pem(RSA, TRADITIONAL).decode().replace("\n", "\\n") + "'").encode(),
        "PKCS#1 PEM",
        "RSA 2048",
        {"key-quoted", "key-escaped-newlines", "key-format"},
    ),
}  # fmt: skip

#: name: (not a private key, what the finding must call it)
NOT_KEYS = {
    "a public key": (
        RSA.public_key().public_bytes(S.Encoding.PEM, S.PublicFormat.SubjectPublicKeyInfo),
        "a public key",
    ),
    "a public key in DER": (
        RSA.public_key().public_bytes(S.Encoding.DER, S.PublicFormat.SubjectPublicKeyInfo),
        "a public key in DER",
    ),
    "a certificate": (certificate(RSA), "a certificate"),
    "an OpenSSH key": (pem(ECDSA, S.PrivateFormat.OpenSSH), "an OpenSSH private key"),
    "garbage": (b"this is not a key at all\n", "no '-----BEGIN' line"),
    "random bytes": (bytes(range(256)) * 3, "neither a PEM nor a DER key"),
    "nothing": (b"", "nothing"),
    "a cut-off key": (PKCS8[:400], "'-----END PRIVATE KEY-----' line is missing"),
}


def rules_of(report: doctor.KeyReport) -> set[str]:
    return {finding.rule for finding in report.findings}


def sha1_refused_here() -> bool:
    """Whether this machine's crypto library refuses RSA with SHA-1 (asked directly)."""
    try:
        RSA.sign(b"probe", padding.PKCS1v15(), hashes.SHA1())
    except Exception:
        return True
    return False


@pytest.mark.parametrize("name", CASES)
def test_each_key_form_gets_its_findings_and_a_good_key_none(name, tmp_path: Path):
    data, form, kind, broken = CASES[name]
    if sha1_refused_here() and kind and kind.startswith("RSA 2048"):
        broken = broken | {"sha1-refused"}
    path = tmp_path / "key"
    path.write_bytes(data)
    for source in (path, str(path), data):
        report = doctor.check_key(source)
        assert (report.form, report.kind) == (form, kind), source
        assert rules_of(report) == broken, (name, report.rows())
        assert report.clean == (not broken)
        assert rules_of(report) <= set(report.checked)
        for finding in report.findings:
            assert finding.source.startswith("https://docs.aws.amazon.com/"), finding
            assert finding.meaning and finding.fix
    if kind is not None:
        assert {"key-unreadable", "key-format", "key-kind"} <= set(report.checked)


@pytest.mark.parametrize("name", NOT_KEYS)
def test_what_is_not_a_private_key_is_named(name, tmp_path: Path):
    data, called = NOT_KEYS[name]
    path = tmp_path / "not-a-key"
    path.write_bytes(data)
    report = doctor.check_key(path)
    assert rules_of(report) == {"key-unreadable"}
    assert called in report.findings[0].meaning
    assert report.form is None and report.kind is None


def test_the_text_of_an_environment_variable_is_read_as_the_key():
    """A str holding '-----BEGIN' is the key text; the report never names it as its subject."""
    report = doctor.check_key(PKCS8_TEXT.replace("\n", "\\n"))
    assert report.subject == "key text" and report.kind == "RSA 2048"
    assert rules_of(report) == {"key-escaped-newlines"} | (
        {"sha1-refused"} if sha1_refused_here() else set()
    )
    assert 'export KEY="$(cat key.pem)"' in report.findings[0].fix


def test_any_other_string_is_a_path_and_a_missing_file_is_an_error(tmp_path: Path):
    path = tmp_path / "k.pem"
    path.write_bytes(PKCS8)
    assert doctor.check_key(f"file://{path}").kind == "RSA 2048"
    assert doctor.check_key(str(path)).subject == str(path)
    with pytest.raises(SigningKeyError, match=r"cannot read private key file .*nope\.pem"):
        doctor.check_key(str(tmp_path / "nope.pem"))


def test_an_encrypted_key_opens_with_its_password_and_says_so():
    data = pem(RSA, encryption=ENCRYPTED)
    opened = doctor.check_key(data, password=PASSWORD)
    assert opened.kind == "RSA 2048"
    (finding,) = [f for f in opened.findings if f.rule == "key-encrypted"]
    assert finding.severity == "low" and "the one given opens it" in finding.meaning
    wrong = doctor.check_key(data, password=b"wrong")
    assert wrong.kind is None and [f.severity for f in wrong.findings] == ["high"]
    assert "does not open it" in wrong.findings[0].meaning
    shut = doctor.check_key(data)
    assert shut.findings[0].severity == "medium" and "key-kind" not in shut.checked


class _RefusedSha1(hashes.HashAlgorithm):
    """What a crypto policy that refuses SHA-1 signatures leaves of it: a hash the library will
    not sign with (cryptography raises UnsupportedAlgorithm, as under such a policy)."""

    name = "sha1-refused-by-policy"
    digest_size = 20
    block_size = 64


def test_sha1_refused_by_the_crypto_library_says_sign_with_sha256(monkeypatch):
    monkeypatch.setattr(signer.hashes, "SHA1", _RefusedSha1)
    report = doctor.check_key(PKCS8)
    assert rules_of(report) == {"sha1-refused"}
    finding = report.findings[0]
    assert "refused here" in finding.meaning
    assert "Hash-Algorithm=SHA256" in finding.fix and "--hash-algorithm SHA256" in finding.fix
    signer.make_sign_function(RSA, "SHA256")(b"the fix works here")  # SHA-256 still signs
    ecdsa = doctor.check_key(pem(ECDSA))  # ECDSA signs with SHA-256: SHA-1 is not its concern
    assert ecdsa.clean and "sha1-refused" not in ecdsa.checked


def test_the_sha1_check_really_signs_on_this_machine():
    report = doctor.check_key(PKCS8)
    assert "sha1-refused" in report.checked
    assert ("sha1-refused" in rules_of(report)) == sha1_refused_here()


# --- against the local AWS: the run of notebooks 01-06 ------------------------------------------


@pytest.fixture(scope="module")
def run_06(local_aws):
    built = builders.run("kd-trust", "06")
    return built["06"].signing_key, built["04"].distribution.id


def _register(key) -> str:
    public = key.public_key().public_bytes(S.Encoding.PEM, S.PublicFormat.SubjectPublicKeyInfo)
    config = {
        "CallerReference": f"kd-{id(key)}",
        "Name": f"kd-{id(key)}",
        "EncodedKey": public.decode(),
        "Comment": "key doctor test",
    }
    return clients.client("cloudfront").create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]


def test_the_runs_key_is_registered_and_trusted_by_the_default_behaviour(run_06):
    signing, distribution_id = run_06
    report = doctor.check_key(signing.private_key_path, distribution_id=distribution_id)
    assert report.key_id == signing.key_pair_id
    assert report.trusted_by == ["*"]
    assert {"key-not-registered", "key-not-trusted"} <= set(report.checked)
    assert not {"key-not-registered", "key-not-trusted"} & rules_of(report)


def test_a_key_no_public_key_matches_is_not_registered(run_06):
    _, distribution_id = run_06
    report = doctor.check_key(pem(_rsa()), distribution_id=distribution_id)
    assert report.key_id is None
    assert {"key-not-registered"} <= rules_of(report)
    assert "key-not-trusted" not in report.checked
    assert "create_public_key" in report.findings[-1].fix


def test_a_registered_key_in_no_trusted_group_names_the_behaviours_until_it_is_added(run_06):
    signing, distribution_id = run_06
    key = _rsa()
    key_id = _register(key)
    report = doctor.check_key(pem(key), distribution_id=distribution_id)
    assert report.key_id == key_id and report.trusted_by == []
    (finding,) = [f for f in report.findings if f.rule == "key-not-trusted"]
    assert f"* trusts {signing.key_group_id}" in finding.meaning
    assert "in no key group" in finding.meaning and signing.key_group_id in finding.fix
    cf = clients.client("cloudfront")  # the fix the finding names: the key into that group
    group = cf.get_key_group(Id=signing.key_group_id)
    config = group["KeyGroup"]["KeyGroupConfig"]
    config["Items"] = [*config["Items"], key_id]
    cf.update_key_group(Id=signing.key_group_id, KeyGroupConfig=config, IfMatch=group["ETag"])
    after = doctor.check_key(pem(key), distribution_id=distribution_id)
    assert after.trusted_by == ["*"] and "key-not-trusted" not in rules_of(after)


def test_a_client_alone_looks_up_the_public_key_without_a_distribution(run_06):
    signing, _ = run_06
    report = doctor.check_key(signing.private_key_path, cf=clients.client("cloudfront"))
    assert report.key_id == signing.key_pair_id
    assert "key-not-registered" in report.checked and "key-not-trusted" not in report.checked


def test_without_a_distribution_or_client_nothing_is_looked_up():
    report = doctor.check_key(PKCS8)
    assert report.key_id is None and "key-not-registered" not in report.checked


# --- the command line -----------------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def clean_key(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv(ENV_KEY_PASSWORD, raising=False)
    path = tmp_path / "clean.pem"
    path.write_bytes(pem(ECDSA))  # ECDSA: clean on any machine (it signs with SHA-256)
    return path


def test_the_cli_exits_0_clean_1_with_findings_2_on_errors(capsys, clean_key: Path):
    code, out, err = run(capsys, "keys", "check", str(clean_key))
    assert code == 0 and "no findings" in out and "ECDSA P-256" in out and not err
    pkcs1 = clean_key.with_name("pkcs1.pem")
    pkcs1.write_bytes(pem(ECDSA, TRADITIONAL))
    code, out, err = run(capsys, "keys", "check", str(pkcs1))
    assert code == 1 and "key-format" in out and "SEC1 PEM" in out and "1 finding" in out
    code, out, err = run(capsys, "keys", "check", str(clean_key.with_name("missing.pem")))
    assert code == 2 and not out
    assert (
        err.startswith("cftutorial: error: cannot read private key file") and err.count("\n") == 1
    )


def test_the_cli_json_carries_the_report_and_what_was_found(capsys, clean_key: Path):
    path = clean_key.with_name("escaped.pem")
    path.write_text(pem(ECDSA).decode().replace("\n", "\\n"))
    code, out, _ = run(capsys, "keys", "check", str(path), "--json")
    found = json.loads(out)
    assert code == 1
    assert set(found) == {
        "subject", "clean", "checked", "findings", "advice", "form", "kind", "key_id", "trusted_by"
    }  # fmt: skip
    assert found["advice"] == []  # the key doctor's rules are all findings
    assert (found["form"], found["kind"], found["clean"]) == ("PKCS#8 PEM", "ECDSA P-256", False)
    assert [f["rule"] for f in found["findings"]] == ["key-escaped-newlines"]
    assert set(found["findings"][0]) == {"rule", "severity", "where", "meaning", "source", "fix"}


def test_the_cli_reads_standard_input(capsys, clean_key: Path, monkeypatch):
    text = f'"{pem(ECDSA).decode()}"'.replace("\n", "\\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out, _ = run(capsys, "keys", "check", "-", "--json")
    found = json.loads(out)
    assert code == 1 and found["subject"] == "standard input"
    assert {f["rule"] for f in found["findings"]} == {"key-quoted", "key-escaped-newlines"}


def test_the_cli_opens_an_encrypted_key_with_the_password_variable(capsys, clean_key, monkeypatch):
    path = clean_key.with_name("protected.pem")
    path.write_bytes(pem(ECDSA, encryption=ENCRYPTED))
    code, out, _ = run(capsys, "keys", "check", str(path), "--json")
    assert code == 1 and json.loads(out)["kind"] is None
    monkeypatch.setenv(ENV_KEY_PASSWORD, PASSWORD.decode())
    code, out, _ = run(capsys, "keys", "check", str(path), "--json")
    found = json.loads(out)
    assert found["kind"] == "ECDSA P-256"
    assert [(f["rule"], f["severity"]) for f in found["findings"]] == [("key-encrypted", "low")]


@pytest.mark.parametrize("name", [*CASES, "an OpenSSH key", "a cut-off key"])
def test_no_part_of_the_key_is_ever_printed(name, capsys, tmp_path: Path, monkeypatch):
    data = CASES[name][0] if name in CASES else NOT_KEYS[name][0]
    secret = body_lines(data)
    assert secret, "the test found no key body to look for"
    path = tmp_path / "key"
    path.write_bytes(data)
    printed = ""
    for extra in ((), ("--json",)):
        _code, out, err = run(capsys, "keys", "check", str(path), *extra)
        printed += out + err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    _code, out, err = run(capsys, "keys", "check", "-", "--json")
    printed += out + err
    assert "finding" in printed or "no findings" in printed or '"clean"' in printed
    for line in secret:
        assert line not in printed and line[:24] not in printed


def test_the_cli_checks_against_a_distribution_and_names_its_key(capsys, run_06):
    signing, distribution_id = run_06
    code, out, _ = run(
        capsys, "keys", "check", signing.private_key_path, "--distribution", distribution_id
    )
    assert f"CloudFront public key  {signing.key_pair_id}" in out
    assert "trusted by behaviours  *" in out
    assert code == (1 if sha1_refused_here() else 0)
    code, out, _ = run(capsys, "keys", "check", signing.private_key_path, "--registered", "--json")
    assert json.loads(out)["key_id"] == signing.key_pair_id


def test_the_cli_names_a_distribution_that_does_not_exist_in_one_line(capsys, run_06):
    signing, _ = run_06
    code, out, err = run(
        capsys, "keys", "check", signing.private_key_path, "--distribution", "E0NOSUCHDIST"
    )
    assert code == 2 and not out and err.count("\n") == 1
    assert err.startswith("cftutorial: error:") and "NoSuchDistribution" in err


def test_aws_mode_reads_without_the_opt_in(monkeypatch):
    """--distribution only reads: its client needs no opt-in (the standard chain, as given)."""
    from cftutorial.aws import backend
    from cftutorial.errors import BackendError

    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    monkeypatch.delenv(backend.ENV_OPT_IN, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAKEYDOCTORTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    if backend.opted_in():
        pytest.skip("this home has opted in: the refusal cannot be shown")
    with pytest.raises(BackendError):
        clients.client("cloudfront")
    made = clients.client("cloudfront", read_only=True)
    assert made.meta.service_model.service_name == "cloudfront"


def test_a_guide_runs_account_key_pair_is_not_a_public_key_and_the_finding_says_so(local_aws):
    """The guide's root-account key pair (TrustedSigners) is in no public key list: the finding
    names the behaviours that trust such key pairs rather than stating a plain failure."""
    built = builders.run("kd-guide", "06", approach="guide")
    signing, distribution_id = built["06"].signing_key, built["04"].distribution.id
    assert signing.key_pair_id.startswith("APKA")
    report = doctor.check_key(signing.private_key_path, distribution_id=distribution_id)
    (finding,) = [f for f in report.findings if f.rule == "key-not-registered"]
    assert "behaviours * trust the account's root key pairs" in finding.meaning
    fresh = doctor.check_key(pem(_rsa()), cf=clients.client("cloudfront"))
    assert "root key pairs" not in fresh.findings[-1].meaning  # no distribution: nothing to add


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("RSA 2048 PKCS#1 PEM", "KEY-pkcs8.pem"),
        ("ECDSA P-256 SEC1 PEM", "KEY-pkcs8.pem"),
        ("RSA 2048 PKCS#8 DER", "KEY.pem"),
        ("ECDSA P-256 SEC1 DER", "KEY.pem"),
    ],
)
def test_the_format_fix_writes_a_pkcs8_pem_only_its_owner_reads(name, written, tmp_path: Path):
    """The shell command key-format names, run as shown: a PKCS#8 PEM, mode 0600."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed here")
    data, _form, kind, _broken = CASES[name]
    (finding,) = [f for f in doctor.check_key(data).findings if f.rule == "key-format"]
    command = "(umask 077;" + finding.fix.split("(umask 077;", 1)[1]
    made = tmp_path / written.replace("KEY", "key")
    (tmp_path / "key").write_bytes(data)
    subprocess.run(["bash", "-c", command.replace("KEY", "key")], cwd=tmp_path, check=True)
    fixed = doctor.check_key(made)
    assert (fixed.form, fixed.kind) == ("PKCS#8 PEM", kind)
    assert made.stat().st_mode & 0o077 == 0


def test_the_escaped_newlines_fix_writes_the_key_back_with_real_line_breaks(tmp_path: Path):
    """The shell command key-escaped-newlines names, run on the variable as an env file left it."""
    import os
    import subprocess

    escaped = PKCS8_TEXT.replace("\n", "\\n")
    (finding,) = [f for f in doctor.check_key(escaped).findings if f.rule == "key-escaped-newlines"]
    command = finding.fix.split("write the file back with ", 1)[1].split("; in code", 1)[0]
    subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, check=True, env={**os.environ, "KEY": escaped}
    )
    fixed = doctor.check_key(tmp_path / "key.pem")
    assert fixed.kind == "RSA 2048" and "key-escaped-newlines" not in rules_of(fixed)
    assert (tmp_path / "key.pem").stat().st_mode & 0o077 == 0
