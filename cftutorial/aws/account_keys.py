"""The guide's root-account key pair, offline: register a public key the local edge trusts
for behaviours with ``TrustedSigners: self``.

LOCAL ONLY. On AWS, CloudFront key pairs of the root account can only be created in the
console by the root user, and AWS discourages them: use a public key in a key group
(:mod:`cftutorial.aws.signing_keys`) instead. This module exists so that the
2011 guide's step 6 can still be followed, and compared, against the local AWS.
"""

from __future__ import annotations

import requests

from .. import config
from ..errors import AccountKeyPairError, BackendError, LocalAWSError

PATH = "/_cftutorial/account-key-pairs"
TIMEOUT = 10


def _endpoint() -> str:
    if config.backend() == "aws":
        raise BackendError(
            "account key pairs cannot be registered through any AWS API: root-account CloudFront "
            "key pairs are made in the console by the root user only, and AWS discourages them; "
            "use a public key in a key group (TrustedKeyGroups) on AWS, or unset "
            "CFTUTORIAL_BACKEND to use the local AWS"
        )
    from ..localaws import process

    return process.ensure_running().aws_endpoint + PATH


def _control_headers(content_type: str | None = None) -> dict[str, str]:
    from ..localaws import process

    return process.control_headers(content_type)


def register_account_key_pair(public_key_pem: str) -> str:
    """Register ``public_key_pem`` (RSA 2048 or ECDSA P-256, PEM) as a local account key pair.

    Returns the ``APKA…`` key pair id to put in ``Key-Pair-Id``.
    """
    try:
        reply = requests.post(
            _endpoint(),
            data=public_key_pem.encode(),
            headers=_control_headers("application/x-pem-file"),
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise LocalAWSError(
            f"the local AWS did not answer ({error}); check 'cftutorial local status'"
        ) from None
    if reply.status_code != 201:
        try:
            message = reply.json().get("Error", reply.text)
        except ValueError:
            message = reply.text
        raise AccountKeyPairError(message)
    return reply.json()["KeyPairId"]


def list_account_key_pairs() -> list[dict[str, str]]:
    """The registered local account key pairs: ``[{"KeyPairId": "APKA…", "PublicKey": PEM}]``."""
    try:
        reply = requests.get(_endpoint(), headers=_control_headers(), timeout=TIMEOUT)
        reply.raise_for_status()
    except requests.RequestException as error:
        raise LocalAWSError(
            f"the local AWS did not answer ({error}); check 'cftutorial local status'"
        ) from None
    return reply.json()


def delete_account_key_pair(key_pair_id: str) -> bool:
    """Delete a local account key pair; False when it was not registered (so cleanup can repeat)."""
    try:
        reply = requests.delete(
            f"{_endpoint()}/{key_pair_id}", headers=_control_headers(), timeout=TIMEOUT
        )
    except requests.RequestException as error:
        raise LocalAWSError(
            f"the local AWS did not answer ({error}); check 'cftutorial local status'"
        ) from None
    if reply.status_code not in (204, 404):
        raise AccountKeyPairError(f"deleting account key pair {key_pair_id!r} failed: {reply.text}")
    return reply.status_code == 204
