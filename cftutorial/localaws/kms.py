"""Gap K1: KMS ``Sign`` honours ``MessageType`` and the 4096-byte message limit, as AWS does.

AWS (KMS API reference, Sign): ``Message`` is at most 4096 bytes; with ``MessageType=DIGEST`` it
is a digest whose length must match the signing algorithm's hash, and KMS skips the hash step
("use DIGEST for message digests, which are already hashed"). moto 5.2.5 reads ``MessageType``
and ignores it: a digest is hashed again, so the signature fails to verify against the message
(it verifies against the digest taken as a message), and a RAW message of any length is signed.
Here RAW longer than 4096 bytes is a ``ValidationException``, DIGEST of the wrong length too,
and a DIGEST is signed pre-hashed with the key's private half (through :mod:`.moto_adapter`).

Gap K5: ``GetPublicKey`` answers ``KeySpec`` (moto only the deprecated ``CustomerMasterKeySpec``),
the key ARN as ``KeyId`` (moto the bare id), and only the algorithms of the key's usage (KMS API
reference, GetPublicKey: "EncryptionAlgorithms … appears in the response only when the KeyUsage
of the public key is ENCRYPT_DECRYPT", and likewise SigningAlgorithms for SIGN_VERIFY).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from . import moto_adapter

MAX_RAW_MESSAGE = 4096
MESSAGE_TYPES = ("RAW", "DIGEST")
DIGEST_BYTES = {"256": 32, "384": 48, "512": 64}


def _as_bytes(message: object) -> bytes:
    if isinstance(message, str):  # moto hands some blobs over as text (it encodes them the same)
        return message.encode("utf-8")
    return bytes(message or b"")


def _raw_too_long(message: bytes) -> Exception:
    return moto_adapter.kms_validation_error(
        "1 validation error detected: Value at 'message' failed to satisfy constraint: Member "
        f"must have length less than or equal to {MAX_RAW_MESSAGE}"
    )


def make_sign(original: Callable) -> Callable:
    def sign(self) -> str:
        request = moto_adapter.kms_sign_request(self)
        kind = request["MessageType"] or "RAW"
        message = _as_bytes(request["Message"])
        if kind not in MESSAGE_TYPES:
            raise moto_adapter.kms_validation_error(
                f"1 validation error detected: Value '{kind}' at 'messageType' failed to "
                f"satisfy constraint: Member must satisfy enum value set: {list(MESSAGE_TYPES)}"
            )
        if len(message) > MAX_RAW_MESSAGE:
            raise _raw_too_long(message)
        if kind == "RAW":
            return original(self)
        algorithm = str(request["SigningAlgorithm"] or "")
        if len(message) != DIGEST_BYTES.get(algorithm[-3:], -1):
            raise moto_adapter.kms_validation_error(
                f"Digest is invalid length for algorithm {algorithm}."
            )
        arn, signature = moto_adapter.kms_sign_digest(self, request["KeyId"], message, algorithm)
        return json.dumps(
            {
                "KeyId": arn,
                "Signature": base64.b64encode(signature).decode("ascii"),
                "SigningAlgorithm": algorithm,
            }
        )

    return sign


def make_get_public_key(original: Callable) -> Callable:
    def get_public_key(self) -> str:
        answer = json.loads(original(self))
        answer["KeySpec"] = answer.get("CustomerMasterKeySpec")
        answer["KeyId"] = moto_adapter.kms_key_arn(self, answer["KeyId"])
        usage = answer.get("KeyUsage")
        if usage != "ENCRYPT_DECRYPT":
            answer.pop("EncryptionAlgorithms", None)
        if usage != "SIGN_VERIFY":
            answer.pop("SigningAlgorithms", None)
        return json.dumps(answer)

    return get_public_key


PATCHES = (
    moto_adapter.Patch("kms.responses", "KmsResponse", "sign", ("self",), "K1", make_sign),
    moto_adapter.Patch(
        "kms.responses", "KmsResponse", "get_public_key", ("self",), "K5", make_get_public_key
    ),
)
