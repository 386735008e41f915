"""The key pair that signs CloudFront URLs and cookies (notebook step 6).

CloudFront accepts exactly two kinds of signing key: RSA with a 2048-bit modulus, and ECDSA on
the P-256 curve. Anything else is refused here, before it is uploaded with ``create_public_key``
or used to sign URLs that CloudFront would never accept. The private key file is created with
mode 0600 from the first byte, because a readable signing key lets anyone mint valid URLs.

Loading a PEM is about 60 times slower than signing with the loaded key, so loaded keys are
cached by content: a loop that signs many URLs with ``load_private_key(path)`` pays once.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeAlias

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..errors import KeyFileExistsError, SigningKeyError

PrivateKey: TypeAlias = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey: TypeAlias = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

KIND_RSA = "rsa"
KIND_ECDSA = "ecdsa"
KINDS = (KIND_RSA, KIND_ECDSA)
RSA_BITS = 2048
#: The size of the RSA key in the AWS SDKs' shared CloudFront test cases: accepted only when a
#: caller asks for it explicitly (``test_key=True``), to run those published vectors.
TEST_RSA_BITS = 1024
ACCEPTED = "RSA 2048-bit or ECDSA P-256 (secp256r1)"
PRIVATE_KEY_MODE = 0o600


@dataclass(frozen=True)
class KeyPairFiles:
    """Where :func:`write_key_pair` put the two halves of a key pair."""

    private_key_path: Path
    public_key_path: Path
    kind: str


def generate_private_key(kind: Literal["rsa", "ecdsa"] = "rsa") -> PrivateKey:
    """A new signing key of a kind CloudFront accepts (RSA-2048 by default, as AWS documents)."""
    if kind == KIND_RSA:
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    if kind == KIND_ECDSA:
        return ec.generate_private_key(ec.SECP256R1())
    raise SigningKeyError(f"key type {kind!r} is not supported; use one of {', '.join(KINDS)}")


def key_kind(key: PrivateKey | PublicKey) -> str:
    """``"rsa"`` or ``"ecdsa"``: which signature scheme this key makes or checks."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return KIND_RSA
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return KIND_ECDSA
    raise SigningKeyError(
        f"{type(key).__name__} is not a signing key; CloudFront accepts {ACCEPTED}"
    )


def public_key_pem(key: PrivateKey | PublicKey) -> str:
    """The SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``) that ``create_public_key`` takes."""
    public = key.public_key() if hasattr(key, "private_bytes") else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


#: Private key file formats: PKCS#8 (``BEGIN PRIVATE KEY``, the default, any key) or, for RSA,
#: PKCS#1 (``BEGIN RSA PRIVATE KEY``), which some tools (the AWS CLI v1's ``cloudfront sign``) require.
FORMATS = ("pkcs8", "pkcs1")


def private_key_pem(
    key: PrivateKey, *, format: str = "pkcs8", password: bytes | None = None
) -> bytes:
    """The PEM of a private key (for writing to a 0600 file, never for display).

    ``password`` encrypts it (the best encryption ``cryptography`` offers for the format).
    """
    if format not in FORMATS:
        raise SigningKeyError(
            f"key format {format!r} is not known; use one of {', '.join(FORMATS)}"
        )
    if format == "pkcs1" and not isinstance(key, rsa.RSAPrivateKey):
        raise SigningKeyError(
            "the PKCS#1 format ('BEGIN RSA PRIVATE KEY') holds RSA keys only; use pkcs8 for ECDSA"
        )
    if password is not None and not password:
        raise SigningKeyError("the password for the private key is empty; give one, or none")
    private_format = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if format == "pkcs1"
        else serialization.PrivateFormat.PKCS8
    )
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, private_format, encryption)


def write_key_pair(
    directory: str | Path,
    *,
    kind: Literal["rsa", "ecdsa"] = "rsa",
    name: str = "cloudfront",
    overwrite: bool = False,
    format: str = "pkcs8",
    password: bytes | None = None,
) -> KeyPairFiles:
    """Generate a key pair and write ``NAME_private_key.pem`` (0600) and ``NAME_public_key.pem``.

    Existing files are kept unless ``overwrite`` is true: replacing a key that a CloudFront key
    group still trusts silently breaks every URL signed with it. ``format`` and ``password`` are
    those of :func:`private_key_pem`.
    """
    folder = _key_folder(directory, name)
    private_path = folder / f"{name}_private_key.pem"
    public_path = folder / f"{name}_public_key.pem"
    if not overwrite:
        for path in (private_path, public_path):
            if path.exists():
                raise KeyFileExistsError(
                    f"{str(path)!r} already exists; choose another name or directory, "
                    "or pass overwrite=True (--force) to replace it"
                )
    key = generate_private_key(kind)
    pem = private_key_pem(key, format=format, password=password)  # checks format first
    _write_private(private_path, pem)
    public_path.write_text(public_key_pem(key), encoding="ascii")
    return KeyPairFiles(private_path, public_path, kind)


def _key_folder(directory: str | Path, name: str) -> Path:
    """The key directory (created 0700), once ``name`` is known to be a plain file name."""
    if not name or name in {".", ".."} or "/" in name or "\\" in name or "\0" in name:
        raise SigningKeyError(
            f"key name {name!r} cannot be a file name; use letters, digits, '-' or '_'"
        )
    folder = Path(directory).expanduser()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise SigningKeyError(
            f"cannot create key directory {str(folder)!r} ({exc.strerror}); choose a writable directory"
        ) from None
    return folder


def check_can_write_public(
    directory: str | Path, *, name: str = "cloudfront", overwrite: bool = False
) -> Path:
    """Where :func:`write_public_key` will write, checked before anything is created."""
    path = _key_folder(directory, name) / f"{name}_public_key.pem"
    if path.exists() and not overwrite:
        raise KeyFileExistsError(
            f"{str(path)!r} already exists; choose another name or directory, "
            "or pass overwrite=True (--force) to replace it"
        )
    return path


def write_public_key(
    directory: str | Path, pem: str, *, name: str = "cloudfront", overwrite: bool = False
) -> Path:
    """Write only ``NAME_public_key.pem``: for a key whose private half is elsewhere (AWS KMS)."""
    path = check_can_write_public(directory, name=name, overwrite=overwrite)
    load_public_key(pem.encode())  # only a public key CloudFront takes is written
    path.write_text(pem, encoding="ascii")
    return path


def write_private_key_file(path: str | Path, data: bytes) -> Path:
    """Write private key bytes (any form, also a broken one kept for a check) 0600, atomically."""
    target = Path(path)
    _write_private(target, data)
    return target


def _write_private(path: Path, data: bytes) -> None:
    """Write via a new 0600 file renamed into place, so the key is never readable by others."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_KEY_MODE)
    try:
        os.fchmod(fd, PRIVATE_KEY_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_source(source: str | Path | bytes, what: str) -> bytes:
    """Key bytes from bytes, key text, a path, or a ``file://`` path (as the AWS CLI takes it).

    The one rule for a ``str``: text holding ``-----BEGIN`` is the key itself (as it sits in an
    environment variable or a secret); anything else is a path."""
    if isinstance(source, bytes):
        return source
    if isinstance(source, str) and "-----BEGIN" in source:
        return source.encode("ascii", errors="replace")
    if not isinstance(source, str | Path):
        raise SigningKeyError(
            f"{what} source {type(source).__name__} is not usable; pass a path, PEM text or bytes"
        )
    text = str(source)
    path = Path(text.removeprefix("file://")).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"cannot read {what} file {str(path)!r} ({exc.strerror}); pass the path of a PEM file"
        ) from None


def load_private_key(
    source: str | Path | bytes | PrivateKey,
    password: bytes | None = None,
    *,
    test_key: bool = False,
) -> PrivateKey:
    """A private signing key from a path, ``file://`` path, PEM text or bytes (cached by content).

    ``test_key=True`` also accepts a 1024-bit RSA key, for published test vectors only.
    """
    if isinstance(source, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return check_kind(source, test_key)
    return check_kind(_parse_private(read_source(source, "private key"), password), test_key)


def load_public_key(source: str | Path | bytes | PublicKey, *, test_key: bool = False) -> PublicKey:
    """A public key from a path, ``file://`` path, PEM text or bytes (cached by content)."""
    if isinstance(source, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return check_kind(source, test_key)
    return check_kind(_parse_public(read_source(source, "public key")), test_key)


def is_encrypted(source: str | Path | bytes) -> bool:
    """Whether a private key PEM is password-protected (so the caller can ask for the password)."""
    data = read_source(source, "private key")
    return b"ENCRYPTED" in data.split(b"\n", 2)[0] or b"Proc-Type: 4,ENCRYPTED" in data


@functools.lru_cache(maxsize=256)
def _parse_private(data: bytes, password: bytes | None) -> PrivateKey:
    if b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        raise SigningKeyError(
            "found a public key where a private key was expected; signing needs the private key "
            "(the *_private_key.pem file)"
        )
    try:
        if data.lstrip().startswith(b"-----"):
            key = serialization.load_pem_private_key(data, password=password)
        else:
            key = serialization.load_der_private_key(data, password=password)
    except TypeError as exc:
        if password is None:
            raise SigningKeyError(
                "the private key is encrypted and no password was given; pass its password "
                "(password=b'...') or export it unencrypted with mode 0600"
            ) from None
        raise SigningKeyError(
            f"a password was given but the private key is not encrypted ({exc}); pass password=None"
        ) from None
    except ValueError as exc:
        raise SigningKeyError(
            f"cannot read the private key ({_first_line(exc)}); expected a PEM private key "
            f"({ACCEPTED}), or the right password if it is encrypted"
        ) from None
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm for some key types
        raise SigningKeyError(
            f"cannot use the private key ({_first_line(exc)}); CloudFront accepts {ACCEPTED}"
        ) from None
    return check_kind(key, test_key=True)


@functools.lru_cache(maxsize=256)
def _parse_public(data: bytes) -> PublicKey:
    if b"PRIVATE KEY-----" in data:
        raise SigningKeyError(
            "found a private key where a public key was expected; pass the public key "
            "(the *_public_key.pem file, what create_public_key takes) and keep the private key secret"
        )
    try:
        if data.lstrip().startswith(b"-----"):
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except Exception as exc:
        raise SigningKeyError(
            f"cannot read the public key ({_first_line(exc)}); expected a SubjectPublicKeyInfo PEM "
            f"('-----BEGIN PUBLIC KEY-----', {ACCEPTED})"
        ) from None
    return check_kind(key, test_key=True)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def check_kind(key, test_key: bool = False):
    """``key`` (a loaded private or public key of any kind), or the refusal of a kind CloudFront
    rejects, naming what was found (the one place this rule is written)."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size == TEST_RSA_BITS and test_key:
            return key
        if key.key_size != RSA_BITS:
            hint = (
                " (a 1024-bit key such as the AWS SDKs' published test key is accepted only "
                "with --allow-test-key / test_key=True, to run test vectors)"
                if key.key_size == TEST_RSA_BITS
                else ""
            )
            raise SigningKeyError(
                f"found an RSA key of {key.key_size} bits; CloudFront accepts {ACCEPTED}{hint}"
            )
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise SigningKeyError(
                f"found an ECDSA key on curve {key.curve.name}; CloudFront accepts {ACCEPTED}"
            )
        return key
    found = type(key).__name__.lstrip("_").replace("PrivateKey", "").replace("PublicKey", "")
    raise SigningKeyError(f"found a {found or 'unknown'} key; CloudFront accepts {ACCEPTED}")


def public_key_problem(pem: str) -> str | None:
    """Why CloudFront's ``CreatePublicKey`` would refuse this PEM, or None when it is acceptable."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError):
        return "it is not a PEM-encoded public key ('-----BEGIN PUBLIC KEY-----' …)"
    if isinstance(key, rsa.RSAPublicKey):
        return None if key.key_size == 2048 else f"it is an RSA {key.key_size}-bit key"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return (
            None if isinstance(key.curve, ec.SECP256R1) else f"it is an ECDSA {key.curve.name} key"
        )
    return f"it is a {type(key).__name__.removeprefix('_')} key"
