"""Notebook 07: sign URLs and cookies, and look inside any signed URL.

The signing calls the notebook shows are :class:`cftutorial.signing.signer.Signer`'s
``sign_url`` / ``sign_cookies``, and, for the one case boto3 covers (an RSA key, SHA-1, a canned
or custom policy in a URL), botocore's own ``CloudFrontSigner`` beside it. This module adds what
neither does: the run's signer and the botocore signing callback from the saved key files, and
the inspector that explains a URL the way the edge would judge it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ..errors import SignedUrlError, SigningKeyError
from ..run import urls as run_urls
from ..signing import keys, urls, verify
from ..signing.signer import Signer, make_sign_function
from . import saved, signing_key, state


def signer(
    run: state.Run, hash_algorithm: str | None = None, *, allow_ecdsa_sha1: bool = False
) -> Signer:
    """The run's signer (the key notebook 06 registered), with this hash (``None``: the key's,
    RSA SHA-1 and ECDSA SHA-256; see :func:`.signing_key.signer_for`)."""
    return signing_key.signer_for(run, hash_algorithm, allow_ecdsa_sha1=allow_ecdsa_sha1)


def viewer_url(run: state.Run, object_key: str) -> str:
    """``https://DOMAIN/KEY`` of the run's distribution (saved by notebook 04)."""
    domain = run.require("distribution")["domain_name"]
    return run_urls.viewer_url(domain, object_key)


def botocore_can_sign(run_signer: Signer) -> bool:
    """botocore's ``CloudFrontSigner`` writes RSA + SHA-1 URLs only (no ECDSA, no SHA-256)."""
    return run_signer.kind == "rsa" and run_signer.hash_algorithm == "SHA1"


def rsa_signer(run: state.Run) -> Callable[[bytes], bytes]:
    """The ``rsa_signer`` callback ``botocore.signers.CloudFrontSigner`` wants: bytes -> signature.

    RSA PKCS#1 v1.5 with SHA-1, made from the run's private key file (the key is read here and
    never leaves this process).
    """
    saved = run.require("signing_key")
    private_key = keys.load_private_key(saved["private_key_path"])
    if keys.key_kind(private_key) != "rsa":
        raise SigningKeyError(
            f"run {run.name!r} signs with an {keys.key_kind(private_key).upper()} key; botocore's "
            "CloudFrontSigner signs with RSA only: run notebook 06 with key_type='rsa'"
        )
    return make_sign_function(private_key, "SHA1")


def expiry_datetime(epoch: int) -> datetime:
    """botocore takes ``date_less_than`` as a datetime; this is the same instant, in UTC."""
    return datetime.fromtimestamp(epoch, timezone.utc)


def _when(epoch: int | None, local: bool) -> str | None:
    if not epoch:
        return None
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return (moment.astimezone() if local else moment).isoformat()


def inspect_signed_url(url: str, *, run: state.Run, viewer_ip: str = "127.0.0.1") -> dict[str, Any]:
    """What the inspector shows: the verdict and its reason, the decoded policy, the expiry.

    It checks against the run's own trusted key (the same check the local edge makes), so a URL
    signed with another key, or with the key group id as Key-Pair-Id, is explained, not just
    refused. The fields come in the order a learner reads them: verdict first.
    """
    if not isinstance(url, str) or not url.strip():
        raise SignedUrlError(
            f"url={url!r} is not a signed URL; paste one such as 'https://d….net/…'"
        )
    sent = _as_sent(url.strip())
    verdict = verify.verify(
        sent, trusted_keys=signing_key.trusted_keys(run), viewer_ip=viewer_ip or None
    )
    reason = verdict.reason
    if sent != url.strip():
        reason += f" (checked as a browser sends it, percent-encoded: {sent})"
    return {
        "allowed": verdict.allowed,
        "code": verdict.code,
        "reason": reason,
        "resource": verdict.resource,
        "Key-Pair-Id": verdict.key_pair_id,
        "hash": verdict.hash_algorithm,
        "policy kind": verdict.policy_kind,
        "expires (UTC)": _when(verdict.expires, local=False),
        "expires (local)": _when(verdict.expires, local=True),
        "policy": verdict.policy,
    }


def check_run(run: state.Run) -> saved.Checked:
    """Before signing: the distribution the URLs name exists, and CloudFront still trusts the key.

    See :func:`cftutorial.tutorial.saved.check`: what can be repaired is, and said in
    ``.report()``; what cannot is one message naming the notebook or command that fixes it.
    """
    return saved.check(run, "distribution", "signing_key")


def _as_sent(url: str) -> str:
    """The pasted URL as a browser would request it (spaces, non-ASCII percent-encoded), so an
    encoding mismatch is named as the viewer would meet it."""
    try:
        return urls.canonical_url(url)
    except SignedUrlError:
        return url
