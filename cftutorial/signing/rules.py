"""The signing input rules, each written once: the library, ``cftutorial sign``, batch runs (CLI,
notebook, KMS) and the tutorial all call these, so they cannot drift apart.

- **hash by key kind** (:func:`hash_for`): which hash a signature uses when none is asked for, and
  the one combination refused;
- **covers** (:func:`covers`, :func:`check_covers`): whether a policy ``Resource`` opens a URL;
- **the time window** (:func:`check_starts_before`, :func:`check_not_past`): a start before the
  expiry, an expiry not yet past;
- **the canned policy text** (:func:`canned_text`): the bytes CloudFront rebuilds and checks.

Each rule says whose it is: *AWS* where CloudFront or the AWS CLI v2 behaves so (the facts file's
sources), *ours* where AWS documents nothing and this package had to choose.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timezone

from ..errors import PolicyError, SignedUrlError, SigningKeyError
from . import wildcard
from .keys import KIND_ECDSA

# ------------------------------------------------------------------------------------ hash

#: The hashes CloudFront verifies: SHA-1 (its default, the only one until April 2026) and SHA-256
#: (with ``Hash-Algorithm=SHA256`` in the URL or ``CloudFront-Hash-Algorithm`` cookie). AWS.
HASH_ALGORITHMS = ("SHA1", "SHA256")


def normalize_hash_algorithm(value: object, *, name: str = "hash_algorithm") -> str:
    """``SHA1`` or ``SHA256`` (also accepts ``sha-256`` and the like)."""
    text = str(value).strip().upper().replace("-", "")
    if text not in HASH_ALGORITHMS:
        raise SignedUrlError(
            f"{name} {value!r} is not supported; use SHA1 (CloudFront's default) or SHA256"
        )
    return text


def default_hash(kind: str | None) -> str:
    """The hash a key signs with when none is asked for.

    RSA: SHA-1, CloudFront's default (AWS: a URL without ``Hash-Algorithm`` is checked as SHA-1).
    ECDSA: SHA-256, as the AWS CLI v2 signs it (AWS: ``aws cloudfront sign``; CloudFront accepts
    ECDSA P-256 keys since September 2025).
    """
    return "SHA256" if kind == KIND_ECDSA else "SHA1"


def hash_for(
    kind: str | None,
    requested: object = None,
    *,
    allow_ecdsa_sha1: bool = False,
    name: str = "hash_algorithm",
) -> str:
    """The hash to sign with: ``requested`` (checked), or :func:`default_hash` for ``None``.

    An ECDSA key with SHA-1 is refused: the AWS CLI v2 refuses it (its shared signer test case
    ``ecdsa-canned-policy-url-sha1-reject``), while AWS's documentation says nothing either way
    and the Ruby SDK signs it, so whether CloudFront accepts such a signature is unknown. Following
    the AWS CLI is *our* choice. ``allow_ecdsa_sha1=True`` is for code that signs one on purpose,
    to show what happens (the notebooks' SHA-1/SHA-256 comparison, the verifier's tests); every
    entry point that takes a user's options (``cftutorial sign``, ``sign-cookies``, ``batch``, the
    batch notebook, :func:`cftutorial.batch.sign_batch`) leaves it off.
    """
    if requested is None:
        return default_hash(kind)
    chosen = normalize_hash_algorithm(requested, name=name)
    if kind == KIND_ECDSA and chosen == "SHA1" and not allow_ecdsa_sha1:
        raise SigningKeyError(
            f"{name} SHA1 cannot be used with an ECDSA key (the AWS CLI v2 refuses it and "
            f"AWS documents no ECDSA + SHA-1); leave {name} out or use SHA256"
        )
    return chosen


# ---------------------------------------------------------------------------------- covers


def covering(resource: str) -> Callable[[str], bool]:
    """:func:`covers` for one resource the caller trusts (a batch option), compiled once for
    many URLs; the same answers (:func:`.wildcard.matcher`)."""
    return wildcard.matcher(resource)


def covers(resource: str, url: str) -> bool:
    """Whether a policy ``Resource`` opens ``url``: the whole URL, scheme included, matched with
    ``*`` (any characters) and ``?`` (one character).

    AWS: CloudFront compares the viewer's URL with the resource, and documents ``http*://`` as
    the way to allow both schemes, so ``https://d…/a`` is not covered by ``http://d…/a`` (nor the
    other way round). The local edge, which serves over plain HTTP, also accepts the ``http://``
    spelling of a request; that is the local AWS's leniency, not a rule to sign by. Linear in
    any pattern (:func:`.wildcard.match`), so a viewer's hostile policy cannot stall the verifier.
    """
    return wildcard.match(resource, url)


def check_covers(
    resource: str,
    url: str,
    *,
    names: tuple[str, str] = ("url", "policy_resource"),
    fix: str = "use a resource that covers the URL",
) -> str:
    """``url``, or the refusal ``aws cloudfront sign`` gives a URL outside its resource (AWS CLI
    v2). The library itself still signs one when asked, to demonstrate the denial."""
    if not covers(resource, url):
        shown = url if len(url) <= 200 else url[:199] + "…"
        raise SignedUrlError(
            f"{names[0]} {shown!r} is outside {names[1]} {resource!r}, so CloudFront would "
            f"deny it; {fix}"
        )
    return url


# ------------------------------------------------------------------------------------ time


def iso(epoch: float) -> str:
    """``2026-11-28T10:00:00Z``: how times are shown in messages."""
    return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_starts_before(
    start: int, expires: int, *, names: tuple[str, str] = ("date_greater_than", "date_less_than")
) -> int:
    """``start``, refused unless it comes before ``expires``.

    AWS: the SDKs' shared signer test cases refuse a start after the expiry; a policy whose
    window is empty can only ever be denied (CloudFront's answer would be a bare 403).
    """
    if start >= expires:
        raise PolicyError(
            f"{names[0]}={start} ({iso(start)}) is not before the expiry, {names[1]}={expires} "
            f"({iso(expires)}); a URL must become valid before it expires"
        )
    return start


def check_not_past(
    expires: int,
    *,
    allow_past: bool = False,
    now: float | None = None,
    name: str = "date_less_than",
    allow: str | None = "allow_past=True",
) -> int:
    """``expires``, refused when it has already passed: such a URL can only ever be denied.

    Ours: AWS signs a past expiry without a word (CloudFront then answers 403). ``allow`` names
    how the caller may still ask for one (``--allow-past`` on the command line), ``None`` when it
    cannot (a batch).
    """
    current = time.time() if now is None else now
    if not allow_past and expires <= current:
        late = current - expires
        when = f"{late:.0f} s ago" if late >= 1 else "this very second: it must be later"
        hint = f", or pass {allow} to demonstrate a denial" if allow else " (e.g. 24h)"
        raise PolicyError(
            f"{name}={expires} ({iso(expires)}) is already past ({when}); choose a later time{hint}"
        )
    return expires


# ----------------------------------------------------------------------- canned policy text

#: The canned policy around its two values, resource (a JSON string) and expiry. AWS: byte-exact,
#: no whitespace, as CloudFront rebuilds it from the URL and ``Expires`` to check the signature.
CANNED_HEAD = '{"Statement":[{"Resource":'
CANNED_MIDDLE = ',"Condition":{"DateLessThan":{"AWS:EpochTime":'
CANNED_TAIL = "}}}]}"


def json_string(text: str) -> str:
    """JSON string literal exactly as ``json.dumps`` (and so botocore) writes it."""
    if text.isascii() and text.isprintable() and "\\" not in text and '"' not in text:
        return f'"{text}"'
    return json.dumps(text)


def canned_text(resource: str, expires: int | str) -> str:
    """The canned policy JSON, with no checks (the verifier rebuilds it from what a viewer sent;
    the signers check the URL first)."""
    return f"{CANNED_HEAD}{json_string(resource)}{CANNED_MIDDLE}{expires}{CANNED_TAIL}"
