"""KMS Sign (gap K1, see ``localaws/kms.py``): the request, the key's ARN, moto's validation
error, and the signature of a DIGEST pre-hashed with the key's private half.
"""

from __future__ import annotations

from typing import Any

# --- KMS Sign (gap K1, see kms.py) --------------------------------------------------------------


def kms_sign_request(response: Any) -> dict[str, Any]:
    """The parameters of the ``Sign`` request moto's KMS response object is answering."""
    names = ("KeyId", "Message", "MessageType", "SigningAlgorithm")
    return {name: response._get_param(name) for name in names}


def kms_key_arn(response: Any, key_id: str) -> str:
    """The ARN of the KMS key ``key_id`` names (an id, ARN or alias), in the request's Region."""
    return response.kms_backend.describe_key(key_id).arn


def kms_validation_error(message: str) -> Exception:
    """moto's KMS ``ValidationException`` (serialised by its dispatcher as AWS does)."""
    from moto.kms.exceptions import ValidationException

    return ValidationException(message)


def kms_sign_digest(response: Any, key_id: str, digest: bytes, algorithm: str) -> tuple[str, bytes]:
    """(key ARN, signature of an already computed digest) with the key's private half, as KMS
    signs ``MessageType=DIGEST``: the hash step of the algorithm is skipped (``Prehashed``)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    key = response.kms_backend.describe_key(key_id)
    if key.key_usage != "SIGN_VERIFY":
        raise kms_validation_error(
            f"1 validation error detected: Value '{key_id}' at 'KeyId' failed to satisfy "
            "constraint: Member must point to a key with usage: 'SIGN_VERIFY'"
        )
    if algorithm not in key.signing_algorithms:
        raise kms_validation_error(
            f"1 validation error detected: Value '{algorithm}' at 'SigningAlgorithm' failed to "
            f"satisfy constraint: Member must satisfy enum value set: {key.signing_algorithms}"
        )
    digest_algorithm = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}[
        algorithm[-3:]
    ]()
    hashed = Prehashed(digest_algorithm)
    private = key.private_key.private_key
    if algorithm.startswith("ECDSA"):
        return key.arn, private.sign(digest, ec.ECDSA(hashed))
    if algorithm.startswith("RSASSA_PSS"):
        pss = padding.PSS(mgf=padding.MGF1(digest_algorithm), salt_length=padding.PSS.MAX_LENGTH)
        return key.arn, private.sign(digest, pss, hashed)
    return key.arn, private.sign(digest, padding.PKCS1v15(), hashed)
