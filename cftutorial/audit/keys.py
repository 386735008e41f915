"""The key doctor (``cftutorial keys check``): what stops a private key from signing CloudFront
URLs and cookies, found before any request is made.

:func:`check_key` reads the key however it arrived and reports one :class:`Finding` per rule
broken, in a :class:`KeyReport` that also says what was found (its form, its kind, the
CloudFront public key id whose key matches it, the behaviours that trust it).

**What a source is** (the one rule, :func:`cftutorial.signing.keys.read_source`): ``bytes`` are
the key; a ``str`` holding ``-----BEGIN`` is the key text itself, as it sits in an environment
variable or a secret (escaped ``\\n`` and surrounding quotes are found, reported and read past);
any other ``str``, or a ``Path``, is the path of a key file (``file://`` accepted, as the AWS CLI
takes it). A file that cannot be read is an error (:class:`~cftutorial.errors.SigningKeyError`),
not a finding: there is no key to judge.

The rules, by id: ``key-unreadable``, ``key-quoted``, ``key-escaped-newlines``, ``key-encrypted``,
``key-format``, ``key-kind``, ``sha1-refused``, ``key-not-registered``, ``key-not-trusted``
(:data:`RULES`, each with the AWS page it rests on in :data:`SOURCES`). The kind CloudFront
accepts is :mod:`cftutorial.signing.keys`'s rule and the default hash is
:mod:`cftutorial.signing.rules`'s: both are called, never restated. ``sha1-refused`` really signs
with SHA-1 on this machine, so a crypto policy that refuses it (OpenSSL 3 in FIPS mode, the
distributions' system-wide policies) is seen as the signer would see it.

Read-only: CloudFront is only listed and read, in aws mode with the standard credential chain and
no opt-in. Without a distribution or a client nothing but the key is read, and boto3 is not
imported (the checks of the file run on the core install). Nothing here returns, prints or stores any part of the private key: findings name
forms, kinds and ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InternalError, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

from ..errors import SigningKeyError
from ..signing import keys, rules, signer
from .findings import Finding, Report

RULES = (
    "key-unreadable",
    "key-quoted",
    "key-escaped-newlines",
    "key-encrypted",
    "key-format",
    "key-kind",
    "sha1-refused",
    "key-not-registered",
    "key-not-trusted",
)

_GUIDE = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
_SIGNERS = _GUIDE + "private-content-trusted-signers.html"
#: The AWS page each rule rests on.
SOURCES = {
    "key-unreadable": _SIGNERS + "#private-content-creating-cloudfront-key-pairs",
    "key-quoted": _SIGNERS + "#private-content-creating-cloudfront-key-pairs",
    "key-escaped-newlines": _SIGNERS + "#private-content-creating-cloudfront-key-pairs",
    "key-encrypted": "https://docs.aws.amazon.com/cli/latest/reference/cloudfront/sign.html",
    "key-format": _SIGNERS + "#private-content-reformatting-private-key",
    "key-kind": "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_PublicKey.html",
    "sha1-refused": _GUIDE + "PrivateCFSignatureCodeAndExamples.html",
    "key-not-registered": _SIGNERS + "#private-content-adding-trusted-signers",
    "key-not-trusted": _SIGNERS + "#private-content-adding-trusted-signers",
}

PKCS8_PEM = "PKCS#8 PEM"
#: PEM labels of private keys, and the form each names.
PRIVATE_LABELS = {
    "PRIVATE KEY": PKCS8_PEM,
    "ENCRYPTED PRIVATE KEY": "encrypted PKCS#8 PEM",
    "RSA PRIVATE KEY": "PKCS#1 PEM",
    "EC PRIVATE KEY": "SEC1 PEM",
    "DSA PRIVATE KEY": "DSA PEM",
}
#: PEM labels of things that are not a private key, and what to call them.
OTHER_LABELS = {
    "PUBLIC KEY": "a public key (the half create_public_key takes), not the private key",
    "RSA PUBLIC KEY": "an RSA public key (PKCS#1), not the private key",
    "CERTIFICATE": "a certificate, not a private key",
    "CERTIFICATE REQUEST": "a certificate request, not a private key",
    "OPENSSH PRIVATE KEY": "an OpenSSH private key (ssh-keygen's own format), not a PEM or DER key",
}
_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)
_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")
#: Key files written by the fixes are made 0600 from the first byte (umask), like ``keys create``.
_TO_PKCS8 = "(umask 077; openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY-pkcs8.pem)"
#: What is known of who reads each form that is not PKCS#8 PEM.
FORM_NOTES = {
    "PKCS#1 PEM": (
        "'BEGIN RSA PRIVATE KEY' (PKCS#1, what `openssl genrsa -traditional` and OpenSSL before "
        "3.0 write): this package, cryptography and OpenSSL read it, and the AWS CLI v1's "
        "`cloudfront sign` needs exactly this form; a loader that expects PKCS#8 ('BEGIN "
        "PRIVATE KEY', what OpenSSL 3 writes) refuses it, and AWS's guide has keys reformatted "
        "for .NET and Java",
        f"keep this copy where PKCS#1 is needed; elsewhere use PKCS#8: {_TO_PKCS8}",
    ),
    "SEC1 PEM": (
        "'BEGIN EC PRIVATE KEY' (SEC1, what `openssl ecparam -genkey` writes): this package, "
        "cryptography and OpenSSL read it; a loader that expects PKCS#8 ('BEGIN PRIVATE KEY') "
        "refuses it",
        f"convert it to PKCS#8, which every signer here reads: {_TO_PKCS8}",
    ),
    "DER": (
        "binary DER, not PEM text: `aws cloudfront sign --private-key file://…` and the SDK "
        "signers' documented examples take PEM text ('-----BEGIN …')",
        "keep the DER copy where a loader asks for DER; elsewhere convert it to PEM: "
        "(umask 077; openssl pkey -inform DER -in KEY -out KEY.pem)",
    ),
}
#: The message a signature is made of here: any bytes do, nothing is sent.
PROBE = b'{"Statement":[]}'


@dataclass
class KeyReport(Report):
    """A :class:`Report` about one private key, with what was found.

    ``form``: how it is written ("PKCS#8 PEM", "PKCS#1 PEM", "SEC1 PEM", "PKCS#8 DER",
    "encrypted PKCS#8 PEM", …), None when it is no key at all. ``kind``: "RSA 2048",
    "ECDSA P-256", … (None when it could not be opened). ``key_id``: the CloudFront public key
    whose key is this key's public half (looked up with a distribution or a client only).
    ``trusted_by``: the path patterns of the distribution's behaviours that trust it (``*`` is
    the default behaviour).
    """

    form: str | None = None
    kind: str | None = None
    key_id: str | None = None
    trusted_by: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        found = super().as_json()
        found.update(
            form=self.form, kind=self.kind, key_id=self.key_id, trusted_by=list(self.trusted_by)
        )
        return found

    def _add(self, rule: str, severity: str, where: str, meaning: str, fix: str) -> None:
        self.findings.append(Finding(rule, severity, where, meaning, SOURCES[rule], fix))

    def _checked(self, *rules_checked: str) -> None:
        """Note rules as checked, kept in :data:`RULES` order."""
        done = set(self.checked) | set(rules_checked)
        self.checked[:] = [rule for rule in RULES if rule in done]


def check_key(
    source: str | bytes | Path,
    *,
    distribution_id: str | None = None,
    cf: Any = None,
    password: bytes | None = None,
) -> KeyReport:
    """Check a private key before it signs anything (see the module's docstring for ``source``).

    With ``distribution_id`` or a CloudFront client ``cf``, also look up the account's public
    keys for this key's public half; with ``distribution_id``, also which of the distribution's
    behaviours trust it. ``password`` opens an encrypted key (its absence is a finding, not an
    error). Raises :class:`~cftutorial.errors.SigningKeyError` only when the file cannot be read.
    """
    report = KeyReport(_subject(source))
    data = _unwrap(keys.read_source(source, "private key"), report)
    report._checked("key-unreadable")
    key = _open(data, password, report)
    if report.form is not None:
        _check_format(report)
    if key is None:
        return report
    report.kind = describe_kind(key)
    report._checked("key-kind")
    try:
        keys.check_kind(key)  # the kinds CloudFront accepts: signing/keys.py's rule
    except SigningKeyError as exc:
        report._add(
            "key-kind",
            "high",
            f"the key ({report.kind})",
            f"{exc}: CloudFront's create_public_key refuses its public half and no URL signed "
            "with it can be verified",
            "make a key CloudFront accepts: `cftutorial keys create --out DIR` (RSA 2048) or "
            "`--type ecdsa` (P-256), then cloudfront.create_public_key(PublicKeyConfig={…, "
            "'EncodedKey': PUBLIC_PEM})",
        )
        return report
    _check_sha1(key, report)
    if distribution_id is not None or cf is not None:
        _check_registered(key, report, distribution_id, cf)
    return report


def describe_kind(key: Any) -> str:
    """``RSA 2048``, ``ECDSA P-256``, ``DSA 2048``, ``Ed25519``: the kind and size or curve."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return f"ECDSA {_CURVES.get(key.curve.name, key.curve.name)}"
    if isinstance(key, dsa.DSAPrivateKey | dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    return type(key).__name__.lstrip("_").replace("PrivateKey", "").replace("PublicKey", "")


# --------------------------------------------------------------------------- the text around it


def _subject(source: str | bytes | Path) -> str:
    """What the report is about: the path, never the key text."""
    if isinstance(source, bytes):
        return "key bytes"
    if isinstance(source, str) and "-----BEGIN" in source:
        return "key text"
    return str(source)


def _unwrap(data: bytes, report: KeyReport) -> bytes:
    """The key with surrounding quotes and escaped newlines read past, each reported."""
    text = data.strip()
    if not text or not (b"-----" in text or text[:1] in (b'"', b"'")):
        return data  # binary (DER) or nothing: whitespace may be part of it
    report._checked("key-quoted", "key-escaped-newlines")
    quote = text[:1]
    if len(text) >= 2 and quote in (b'"', b"'") and text[-1:] == quote:
        text = text[1:-1].strip()
        report._add(
            "key-quoted",
            "high",
            "the key text",
            f"the key is wrapped in {quote.decode()} quotes (as a .env file, a shell assignment "
            "or a JSON value keeps them): a signer given this text cannot find the '-----BEGIN' "
            "line where it must be",
            "store the value without the quotes (the .env file, the secret store or the JSON "
            "kept them as part of the value), or strip them before loading",
        )
    if b"-----BEGIN" in text and b"\\n" in text:
        text = text.replace(b"\\r\\n", b"\n").replace(b"\\n", b"\n")
        report._add(
            "key-escaped-newlines",
            "high",
            "the key text",
            "the PEM holds the two characters '\\n' instead of line breaks (as an environment "
            "variable or a secret flattened it): PEM readers need real line breaks and refuse it",
            'keep real newlines: export KEY="$(cat key.pem)" in the shell, or write the file '
            "back with (umask 077; printf '%b\\n' \"$KEY\" > key.pem); in code, "
            "key_text.replace('\\\\n', '\\n') before loading",
        )
    return text + b"\n" if b"-----BEGIN" in text else text


# ----------------------------------------------------------------------------- opening the key


def _open(data: bytes, password: bytes | None, report: KeyReport) -> Any:
    """The private key (or None, with the finding that says why), setting ``report.form``."""
    if not data.strip():
        return _unreadable(report, "nothing: it is empty")
    labels = [label.decode() for label in _BEGIN.findall(data)]
    private = [label for label in labels if label in PRIVATE_LABELS]
    if private:
        return _open_pem(data, private[0], password, report)
    if labels:
        label = labels[0]
        return _unreadable(report, OTHER_LABELS.get(label, f"a PEM '{label}' block, not a key"))
    if data.lstrip().startswith((b"ssh-", b"ecdsa-sha2-")):
        return _unreadable(report, "an OpenSSH public key line, not a private key")
    return _open_der(data, password, report)


def _open_pem(data: bytes, label: str, password: bytes | None, report: KeyReport) -> Any:
    block = next((m.group(0) for m in _BLOCK.finditer(data) if m.group(1).decode() == label), None)
    if block is None:
        return _unreadable(
            report, f"a PEM '{label}' block whose '-----END {label}-----' line is missing"
        )
    form = PRIVATE_LABELS[label]
    if keys.is_encrypted(block) and not form.startswith("encrypted"):
        form = f"encrypted {form}"  # the legacy "Proc-Type: 4,ENCRYPTED" of PKCS#1 and SEC1
    report.form = form
    return _load(serialization.load_pem_private_key, block, password, report)


def _open_der(data: bytes, password: bytes | None, report: KeyReport) -> Any:
    try:
        serialization.load_der_private_key(data, password=None)
    except TypeError:
        report.form = "encrypted PKCS#8 DER"
        return _load(serialization.load_der_private_key, data, password, report)
    except (ValueError, UnsupportedAlgorithm):
        return _unreadable(report, _what_der_is(data))
    key = _load(serialization.load_der_private_key, data, password, report)
    report.form = _der_form(key, data)
    return key


def _load(loader: Any, data: bytes, password: bytes | None, report: KeyReport) -> Any:
    """``loader(data)``; an encrypted key is opened with ``password`` and reported either way."""
    try:
        return loader(data, password=None)
    except TypeError:
        pass  # encrypted: a password is needed
    except (ValueError, UnsupportedAlgorithm, InternalError):
        report.form = None
        return _unreadable(
            report,
            "a private key block that does not decode (a damaged or cut-off body, or its line "
            "breaks replaced by spaces)",
        )
    report._checked("key-encrypted")
    fix = (
        "give its password (the CLI reads $CFTUTORIAL_PRIVATE_KEY_PASSWORD; in Python "
        "keys.load_private_key(path, password=b'…')), or keep a decrypted copy with mode 0600: "
        "(umask 077; openssl pkey -in KEY -out KEY-plain.pem)"
    )
    if password is None:
        report._add(
            "key-encrypted",
            "medium",
            f"the key ({report.form})",
            "a password protects it: `aws cloudfront sign` has no password option and a signer "
            "given only the file cannot open it; its kind, SHA-1 and CloudFront registration "
            "are not checked until it is opened",
            fix,
        )
        return None
    try:
        key = loader(data, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm, InternalError):
        report._add(
            "key-encrypted",
            "high",
            f"the key ({report.form})",
            "a password protects it and the password given does not open it; nothing else "
            "could be checked",
            "give the password it was encrypted with",
        )
        return None
    report._add(
        "key-encrypted",
        "low",
        f"the key ({report.form})",
        "a password protects it (the one given opens it): every signer must be given that "
        "password, and `aws cloudfront sign` has no option for one",
        fix,
    )
    return key


def _unreadable(report: KeyReport, found: str) -> None:
    report._add(
        "key-unreadable",
        "high",
        "the key source",
        f"this is not a private key a signer can read: found {found}",
        "pass the private key file (PEM, '-----BEGIN PRIVATE KEY-----'), e.g. the "
        "*_private_key.pem that `cftutorial keys create` writes; keep the public key for "
        "create_public_key",
    )
    return None


def _what_der_is(data: bytes) -> str:
    """What binary data that is no private key is, if it is something known."""
    try:
        serialization.load_der_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        pass
    else:
        return "a public key in DER, not the private key"
    try:
        x509.load_der_x509_certificate(data)
    except ValueError:
        pass
    else:
        return "a certificate in DER, not a private key"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return f"{len(data)} bytes that are neither a PEM nor a DER key"
    return f"{len(data)} bytes of text with no '-----BEGIN' line"


def _der_form(key: Any, data: bytes) -> str:
    """``PKCS#8 DER``, ``PKCS#1 DER`` or ``SEC1 DER``: the form that writes exactly ``data``."""
    none = serialization.NoEncryption()
    der = serialization.Encoding.DER
    try:
        if key.private_bytes(der, serialization.PrivateFormat.PKCS8, none) == data:
            return "PKCS#8 DER"
        if key.private_bytes(der, serialization.PrivateFormat.TraditionalOpenSSL, none) == data:
            return "PKCS#1 DER" if isinstance(key, rsa.RSAPrivateKey) else "SEC1 DER"
    except (ValueError, TypeError):
        pass
    return "DER"


# ---------------------------------------------------------------------------------- the rules


def _check_format(report: KeyReport) -> None:
    report._checked("key-format")
    form = str(report.form).removeprefix("encrypted ")
    notes = FORM_NOTES.get("DER" if form.endswith("DER") else form)  # none: PKCS#8 PEM (or DSA)
    if notes:
        report._add("key-format", "low", f"the key ({report.form})", *notes)


def _check_sha1(key: Any, report: KeyReport) -> None:
    """Sign with SHA-1 here, when the key signs with it by default (RSA: CloudFront's default)."""
    if rules.default_hash(keys.key_kind(key)) != "SHA1":
        return  # ECDSA signs with SHA-256 (signing/rules.py), so this machine's SHA-1 is moot
    report._checked("sha1-refused")
    try:
        signer.make_sign_function(key, "SHA1")(PROBE)
    except (UnsupportedAlgorithm, InternalError, ValueError) as exc:
        said = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        report._add(
            "sha1-refused",
            "high",
            "this machine's crypto library",
            f"signing with SHA-1, CloudFront's default hash for RSA keys, is refused here ({said}): "
            "every URL or cookie signed with the default fails before any request (an OpenSSL "
            "3 FIPS or system crypto policy does this)",
            "sign with SHA-256 and send Hash-Algorithm=SHA256 (cookies: "
            "CloudFront-Hash-Algorithm=SHA256): `cftutorial sign --hash-algorithm SHA256 …`, "
            "`aws cloudfront sign --hash-algorithm SHA256 …`, or "
            "Signer(key_pair_id, key, hash_algorithm='SHA256')",
        )


def _check_registered(key: Any, report: KeyReport, distribution_id: str | None, cf: Any) -> None:
    from ..aws import clients, signing_keys  # boto3 only here: the file checks run on the core

    cf = cf or clients.client("cloudfront", read_only=True)
    config = None
    if distribution_id is not None:  # read first: a wrong id is an error, whatever the key
        config = cf.get_distribution_config(Id=distribution_id)["DistributionConfig"]
    report._checked("key-not-registered")
    mine = _spki(key.public_key())
    for item in signing_keys.registered_public_keys(cf=cf):
        try:
            theirs = serialization.load_pem_public_key(item["EncodedKey"].strip().encode())
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
        if _spki(theirs) == mine:
            report.key_id = item["Id"]
            break
    if report.key_id is None:
        report._add(
            "key-not-registered",
            "high",
            "the account's CloudFront public keys",
            "no CloudFront public key is this key's public half: whatever Key-Pair-Id a URL "
            "names, CloudFront cannot verify its signature (403: InvalidKey for an unknown id, "
            f"AccessDenied for another key's id){_legacy_note(config)}",
            "upload its public half (openssl pkey -in KEY -pubout): cloudfront.create_public_key("
            "PublicKeyConfig={'CallerReference': …, 'Name': …, 'EncodedKey': PUBLIC_PEM}), then "
            "add its Id to a key group the distribution trusts (cloudfront.update_key_group)",
        )
        return
    if config is not None:
        _check_trusted(report, distribution_id, config, cf)


def _legacy_note(config: dict[str, Any] | None) -> str:
    """What to add when behaviours trust root-account key pairs, which no API lists."""
    from ..aws import distributions

    legacy = [
        pattern
        for pattern, behaviour in distributions.cache_behaviours(config or {})
        if (behaviour.get("TrustedSigners") or {}).get("Enabled")
    ]
    if not legacy:
        return ""
    return (
        f"; behaviours {', '.join(legacy)} trust the account's root key pairs instead (legacy "
        "TrustedSigners), which no API lists: if this is one of those it may still sign for "
        "them, though AWS recommends key groups"
    )


def _check_trusted(
    report: KeyReport, distribution_id: str, config: dict[str, Any], cf: Any
) -> None:
    from ..aws import distributions, signing_keys

    report._checked("key-not-trusted")
    holding = {
        group["Id"] for group in signing_keys.key_groups(cf=cf) if report.key_id in group["Items"]
    }
    trusts: list[tuple[str, list[str]]] = []
    for pattern, behaviour in distributions.cache_behaviours(config):
        trusted = behaviour.get("TrustedKeyGroups") or {}
        groups = list(trusted.get("Items") or []) if trusted.get("Enabled") else []
        trusts.append((pattern, groups))
        if holding & set(groups):
            report.trusted_by.append(pattern)
    if report.trusted_by:
        return
    said = "; ".join(
        f"{pattern} trusts {', '.join(groups) if groups else 'no key group'}"
        for pattern, groups in trusts
    )
    in_groups = f"key groups {', '.join(sorted(holding))}" if holding else "no key group"
    some_group = next((groups[0] for _pattern, groups in trusts if groups), None)
    fix = (
        f"add {report.key_id} to a key group a behaviour trusts: cloudfront.update_key_group("
        f"Id='{some_group}', KeyGroupConfig={{…, 'Items': [… , '{report.key_id}']}}, IfMatch=ETAG)"
        if some_group
        else "trust a key group holding it in each private behaviour: "
        f"cloudfront.update_distribution(Id='{distribution_id}', DistributionConfig=… with "
        "TrustedKeyGroups={'Enabled': True, 'Quantity': 1, 'Items': [GROUP_ID]}, IfMatch=ETAG)"
    )
    report._add(
        "key-not-trusted",
        "high",
        f"distribution {distribution_id}",
        f"public key {report.key_id} (in {in_groups}) is trusted by none of the distribution's "
        f"behaviours ({said}): CloudFront answers 403 InvalidKey ('Unknown Key') to every URL "
        "or cookie signed with it",
        fix,
    )


def _spki(public: Any) -> bytes:
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
