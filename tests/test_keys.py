"""Signing keys: kinds CloudFront accepts, 0600 private key files, clear refusals."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from cftutorial.errors import CftutorialError, KeyFileExistsError, SigningKeyError
from cftutorial.signing import keys


def _pem(key, password: bytes | None = None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


@pytest.mark.parametrize("kind", ["rsa", "ecdsa"])
def test_key_pair_files_are_written_with_a_0600_private_key(tmp_path: Path, kind: str) -> None:
    files = keys.write_key_pair(tmp_path, kind=kind, name="demo")
    assert files.private_key_path == tmp_path / "demo_private_key.pem"
    assert stat.S_IMODE(files.private_key_path.stat().st_mode) == 0o600
    private = keys.load_private_key(files.private_key_path)
    public = keys.load_public_key(files.public_key_path)
    assert keys.key_kind(private) == kind
    assert keys.public_key_pem(private) == keys.public_key_pem(public)
    assert files.public_key_path.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "demo_private_key.pem",
        "demo_public_key.pem",
    ]


def test_private_key_file_is_created_0600_from_the_first_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[tuple[int, int]] = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *args, **kwargs):
        opened.append((flags, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(keys.os, "open", spy)
    old_umask = os.umask(0)
    try:
        files = keys.write_key_pair(tmp_path, kind="ecdsa")
    finally:
        os.umask(old_umask)
    assert len(opened) == 1
    flags, mode = opened[0]
    assert mode == 0o600
    assert flags & os.O_EXCL and flags & os.O_CREAT
    assert stat.S_IMODE(files.private_key_path.stat().st_mode) == 0o600


def test_existing_key_file_is_kept_unless_overwrite_is_asked(tmp_path: Path) -> None:
    first = keys.write_key_pair(tmp_path, kind="ecdsa")
    before = first.private_key_path.read_bytes()
    with pytest.raises(KeyFileExistsError, match=r"already exists.*overwrite=True"):
        keys.write_key_pair(tmp_path, kind="ecdsa")
    assert first.private_key_path.read_bytes() == before
    second = keys.write_key_pair(tmp_path, kind="ecdsa", overwrite=True)
    assert second.private_key_path.read_bytes() != before
    assert stat.S_IMODE(second.private_key_path.stat().st_mode) == 0o600


def test_key_name_with_a_path_separator_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match=r"'\.\./evil' cannot be a file name"):
        keys.write_key_pair(tmp_path, name="../evil")


def test_unknown_key_type_is_refused_naming_the_accepted_types() -> None:
    with pytest.raises(SigningKeyError, match=r"'dsa' is not supported; use one of rsa, ecdsa"):
        keys.generate_private_key("dsa")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make_key", "found"),
    [
        (lambda: rsa.generate_private_key(65537, 1024), "RSA key of 1024 bits"),
        (lambda: ec.generate_private_key(ec.SECP384R1()), "curve secp384r1"),
        (lambda: dsa.generate_private_key(1024), "DSA"),
        (lambda: ed25519.Ed25519PrivateKey.generate(), "Ed25519"),
    ],
    ids=["rsa1024", "p384", "dsa", "ed25519"],
)
def test_key_kinds_cloudfront_rejects_are_refused_saying_what_was_found(make_key, found) -> None:
    key = make_key()
    for source in (
        _pem(key),
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    ):
        loader = keys.load_private_key if b"PRIVATE" in source else keys.load_public_key
        with pytest.raises(SigningKeyError) as caught:
            loader(source)
        assert found in str(caught.value)
        assert "CloudFront accepts RSA 2048-bit or ECDSA P-256" in str(caught.value)


def test_encrypted_key_without_password_is_refused_and_loads_with_it() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = _pem(key, b"s3cret")
    with pytest.raises(SigningKeyError, match="encrypted and no password was given"):
        keys.load_private_key(pem)
    loaded = keys.load_private_key(pem, password=b"s3cret")
    assert keys.public_key_pem(loaded) == keys.public_key_pem(key)
    with pytest.raises(SigningKeyError, match="right password"):
        keys.load_private_key(pem, password=b"wrong")


def test_loaded_keys_are_cached_by_content(tmp_path: Path) -> None:
    files = keys.write_key_pair(tmp_path, kind="ecdsa")
    assert keys.load_private_key(files.private_key_path) is keys.load_private_key(
        f"file://{files.private_key_path}"
    )
    assert keys.load_private_key(files.private_key_path) is keys.load_private_key(
        files.private_key_path.read_bytes()
    )
    assert keys.load_public_key(files.public_key_path) is keys.load_public_key(
        files.public_key_path.read_text()
    )


def test_public_key_given_as_private_key_is_refused(tmp_path: Path) -> None:
    files = keys.write_key_pair(tmp_path, kind="ecdsa")
    with pytest.raises(SigningKeyError, match="found a public key where a private key"):
        keys.load_private_key(files.public_key_path)
    with pytest.raises(SigningKeyError, match="found a private key where a public key"):
        keys.load_public_key(files.private_key_path)


def test_missing_or_garbage_key_file_is_refused_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(SigningKeyError, match=r"cannot read private key file '.*nope\.pem'"):
        keys.load_private_key(missing)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SigningKeyError, match="cannot read the private key"):
        keys.load_private_key(garbage)
    with pytest.raises(CftutorialError, match="cannot read the public key"):
        keys.load_public_key(b"not a pem")
