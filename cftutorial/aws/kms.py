"""Signing keys that never leave AWS KMS: create one, export its public half, sign through it.

CloudFront verifies RSA and ECDSA signatures with SHA-1 or, with ``Hash-Algorithm=SHA256``,
SHA-256; KMS signs with SHA-256 (``RSASSA_PKCS1_V1_5_SHA_256`` for an ``RSA_2048`` key,
``ECDSA_SHA_256`` for ``ECC_NIST_P256``). So a KMS key can be a CloudFront signing key whose
private half exists only inside KMS: the application holds a key *id* and the permission to call
``kms:Sign``. What it costs: one ``Sign`` request per signature, within a per-account request
quota, over the network (:data:`SIGN_QUOTAS`).

- ``create_key(KeySpec=…, KeyUsage="SIGN_VERIFY")``, plus an alias ``alias/cftutorial-RUN`` so a
  re-run finds its key again (:func:`find_key`);
- ``get_public_key`` answers DER SubjectPublicKeyInfo: :func:`public_key_pem` turns it into the
  PEM ``cloudfront.create_public_key`` takes;
- :class:`KmsSigner` implements :class:`cftutorial.signing.signer.ExternalSigner`;
- a KMS key cannot be deleted at once: ``schedule_key_deletion`` waits 7 to 30 days
  (:func:`schedule_deletion`), during which the key can no longer sign.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization

from ..errors import KmsKeyError
from ..signing import keys
from . import clients
from .missing import error_code, is_missing
from .tags import RUN_TAG

#: The KMS key spec for each CloudFront key kind (CloudFront takes RSA 2048 and ECDSA P-256).
KEY_SPECS = {keys.KIND_RSA: "RSA_2048", keys.KIND_ECDSA: "ECC_NIST_P256"}
KINDS_OF_SPEC = {spec: kind for kind, spec in KEY_SPECS.items()}
#: The one KMS signing algorithm that makes a signature CloudFront verifies, per key spec.
SIGNING_ALGORITHMS = {"RSA_2048": "RSASSA_PKCS1_V1_5_SHA_256", "ECC_NIST_P256": "ECDSA_SHA_256"}
SIGN_VERIFY = "SIGN_VERIFY"
#: ``Sign`` takes a message of at most 4096 bytes with ``MessageType=RAW``; a longer one is sent
#: as its SHA-256 digest with ``MessageType=DIGEST`` (KMS API reference, Sign: Message).
MAX_RAW_MESSAGE = 4096
#: ``PendingWindowInDays`` of ``ScheduleKeyDeletion``: 7 to 30 days (KMS API reference).
MIN_DELETION_DAYS, MAX_DELETION_DAYS = 7, 30
#: Default request quotas for ``Sign`` (shared with Verify, Encrypt, Decrypt… on keys of that
#: type, per account and Region, adjustable): "Cryptographic operations (RSA) request rate" and
#: "(ECC) request rate", https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html
SIGN_QUOTAS = {keys.KIND_RSA: 500, keys.KIND_ECDSA: 300}
QUOTAS_SOURCE = "https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html"
PRICING_SOURCE = "https://aws.amazon.com/kms/pricing/"

_KEY_ID = re.compile(
    r"(mrk-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|mrk-[0-9a-f]{32}"
    r"|alias/[A-Za-z0-9/_-]{1,250}"
    r"|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)"
)


@dataclass(frozen=True)
class KmsKey:
    """What the tutorial needs to know about a KMS signing key (from ``describe_key``)."""

    key_id: str
    arn: str
    kind: str
    key_spec: str
    signing_algorithm: str


def check_key_id(key_id: object, *, name: str = "kms_key_id") -> str:
    """A KMS key id, key ARN, alias name or alias ARN, as ``Sign`` takes it."""
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id.strip()):
        raise KmsKeyError(
            f"{name} {key_id!r} is not a KMS key id; use the KeyId that 'cftutorial keys create "
            "--kms' printed (e.g. 1234abcd-12ab-34cd-56ef-1234567890ab), a key ARN or alias/NAME"
        )
    return key_id.strip()


def alias_name(run_name: str) -> str:
    """The run's key alias: how a re-run finds the key it created."""
    return f"alias/cftutorial-{run_name}"


def create_signing_key(kind: str, *, run_name: str, kms: Any = None) -> str:
    """``kms.create_key`` for a CloudFront signing key (tagged with the run); returns its KeyId."""
    if kind not in KEY_SPECS:
        raise KmsKeyError(
            f"key type {kind!r} is not one KMS can make for CloudFront; use rsa or ecdsa"
        )
    kms = kms or clients.client("kms")
    answer = kms.create_key(
        KeySpec=KEY_SPECS[kind],
        KeyUsage=SIGN_VERIFY,
        Description=f"cftutorial {run_name}: CloudFront URL signing key",
        Tags=[{"TagKey": RUN_TAG, "TagValue": run_name}],
    )
    return answer["KeyMetadata"]["KeyId"]


def set_alias(alias: str, key_id: str, *, kms: Any = None) -> None:
    """``create_alias``, or ``update_alias`` when the alias names another (older) key."""
    kms = kms or clients.client("kms")
    try:
        kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    except ClientError as error:
        if error.response["Error"]["Code"] != "AlreadyExistsException":
            raise
        kms.update_alias(AliasName=alias, TargetKeyId=key_id)


def find_key(key_id: str, *, kms: Any = None) -> KmsKey | None:
    """The usable signing key ``key_id`` (often the run's alias) names, or None when there is
    none or it is disabled or being deleted; a key of the wrong kind raises :class:`KmsKeyError`."""
    key_id = check_key_id(key_id)
    kms = kms or clients.client("kms")
    try:
        meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except ClientError as error:
        if is_missing(error):
            return None
        raise
    if meta.get("KeyState") != "Enabled":
        return None
    return _signing_key(meta, key_id, "kms_key_id")


def describe_signing_key(key_id: str, *, kms: Any = None, name: str = "kms_key_id") -> KmsKey:
    """``describe_key``, checked: an enabled ``SIGN_VERIFY`` key of a spec CloudFront takes."""
    key_id = check_key_id(key_id, name=name)
    kms = kms or clients.client("kms")
    try:
        meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except ClientError as error:
        if is_missing(error):
            region = kms.meta.region_name
            raise KmsKeyError(
                f"{name} {key_id}: there is no KMS key {key_id!r} in {region}; create one with "
                "'cftutorial keys create --kms' (or check the Region)"
            ) from None
        raise
    return _signing_key(meta, key_id, name)


def _signing_key(meta: dict, key_id: str, name: str) -> KmsKey:
    usage, spec, state = meta.get("KeyUsage"), meta.get("KeySpec"), meta.get("KeyState")
    if usage != SIGN_VERIFY or spec not in SIGNING_ALGORITHMS:
        raise KmsKeyError(
            f"{name} {key_id}: the KMS key has KeyUsage {usage} and KeySpec {spec}; CloudFront "
            "needs a SIGN_VERIFY key of spec RSA_2048 or ECC_NIST_P256 "
            "('cftutorial keys create --kms' makes one)"
        )
    if state != "Enabled":
        when = "scheduled for deletion" if state == "PendingDeletion" else f"in state {state}"
        raise KmsKeyError(
            f"{name} {key_id}: the KMS key is {when}, so it cannot sign; "
            "create a new one with 'cftutorial keys create --kms'"
        )
    return KmsKey(
        key_id=meta["KeyId"],
        arn=meta["Arn"],
        kind=KINDS_OF_SPEC[spec],
        key_spec=spec,
        signing_algorithm=SIGNING_ALGORITHMS[spec],
    )


def pem_from_der(der: bytes) -> str:
    """``get_public_key``'s ``PublicKey`` (DER SubjectPublicKeyInfo) as the PEM
    ``create_public_key`` takes (checked to be a key CloudFront accepts)."""
    public = serialization.load_der_public_key(der)
    return keys.public_key_pem(keys.load_public_key(keys.public_key_pem(public).encode()))


def public_key_pem(key_id: str, *, kms: Any = None) -> str:
    """``get_public_key`` as PEM (:func:`pem_from_der`)."""
    kms = kms or clients.client("kms")
    return pem_from_der(kms.get_public_key(KeyId=key_id)["PublicKey"])


class KmsSigner:
    """:class:`~cftutorial.signing.signer.ExternalSigner` through ``kms.sign``; counts its calls.

    A message of up to :data:`MAX_RAW_MESSAGE` bytes (every canned policy, and custom policies
    for ordinary URLs) is sent as it is (``MessageType=RAW``); a longer one as its SHA-256
    digest (``DIGEST``), computed here: the signature is the same either way. Thread-safe: the
    boto3 client is, and the counter takes a lock.
    """

    hash_algorithm = "SHA256"

    def __init__(self, key_id: str, *, kms: Any = None, name: str = "kms_key_id") -> None:
        self.kms = kms or clients.client("kms")
        self.key = describe_signing_key(key_id, kms=self.kms, name=name)
        self.kind = self.key.kind
        self.key_id = self.key.key_id
        self.calls = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KmsSigner(key_id={self.key_id!r}, kind={self.kind!r}, calls={self.calls})"

    def sign(self, message: bytes) -> bytes:
        if len(message) <= MAX_RAW_MESSAGE:
            kind, payload = "RAW", message
        else:
            kind, payload = "DIGEST", hashlib.sha256(message).digest()
        answer = self.kms.sign(
            KeyId=self.key_id,
            Message=payload,
            MessageType=kind,
            SigningAlgorithm=self.key.signing_algorithm,
        )
        with self._lock:
            self.calls += 1
        return answer["Signature"]


def schedule_deletion(
    key_id: str, *, days: int = MIN_DELETION_DAYS, kms: Any = None
) -> datetime | None:
    """``schedule_key_deletion``: KMS never deletes a key at once (7 to 30 days' wait, during
    which it cannot sign and costs nothing). Returns the deletion date; None if already gone."""
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not (MIN_DELETION_DAYS <= days <= MAX_DELETION_DAYS)
    ):
        raise KmsKeyError(
            f"days={days!r}: KMS waits {MIN_DELETION_DAYS} to {MAX_DELETION_DAYS} days before "
            "deleting a key; choose a whole number in that range"
        )
    kms = kms or clients.client("kms")
    try:
        return kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=days)["DeletionDate"]
    except ClientError as error:
        if is_missing(error) or error_code(error) == "KMSInvalidStateException":
            return None
        raise


def delete_alias(alias: str, *, kms: Any = None) -> bool:
    """``delete_alias``; False when there was none."""
    kms = kms or clients.client("kms")
    try:
        kms.delete_alias(AliasName=alias)
    except ClientError as error:
        if is_missing(error):
            return False
        raise
    return True
