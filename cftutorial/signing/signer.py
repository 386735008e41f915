"""Signed URLs (notebook step 7): the viewer's URL plus a policy, a signature and the key id.

Why not simply botocore's ``CloudFrontSigner``? Its output is the reference (for RSA/SHA-1 the
URLs here are byte-identical to it, and the tests check that), but it cannot add
``Hash-Algorithm=SHA256``, make cookies, or refuse a URL that already carries a signing parameter
(CloudFront would then read the wrong one). Its per-call overhead also costs ECDSA, whose signature
is cheap (~45 µs against RSA-2048's ~1 ms), a large share of its speed. So :class:`Signer` prepares
everything that does not depend on the URL once: the loaded key, the bound signing call with its
padding and hash objects, and the constant tail of the query string. Many URLs are best signed
together (:meth:`Signer.sign_urls`): their policies are built first and signed back to back, which
keeps ECDSA near the bare call's speed (``benchmarks/bench_signing.py``).

**External signers.** The private key need not be here at all: ``Signer(key_pair_id,
external=…)`` takes anything with ``sign(message: bytes) -> bytes`` (or a plain callable), the
way botocore's ``CloudFrontSigner`` takes a callable and Go's signer a ``crypto.Signer``. It
declares its key ``kind`` and the one hash it signs with (:class:`ExternalSigner`); a key in AWS
KMS (:class:`cftutorial.aws.kms.KmsSigner`) signs only SHA-256, so it forces
``Hash-Algorithm=SHA256``. Everything else (URLs, custom policies, cookies) is unchanged: the
signing parameters are still assembled only by :mod:`.urls`.
"""

from __future__ import annotations

import re
from binascii import b2a_base64
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ..errors import SignedUrlError
from . import keys, policy, rules, urls
from .urls import RESERVED_PARAMS

_KEY_PAIR_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_URL_SAFE = bytes.maketrans(b"+=/", b"-_~")

Time = int | float | datetime | str


def url_safe_b64(data: bytes) -> str:
    """Base64 with CloudFront's substitutions: ``+``→``-``, ``=``→``_``, ``/``→``~``."""
    return b2a_base64(data, newline=False).translate(_URL_SAFE).decode("ascii")


def check_key_pair_id(key_pair_id: str) -> str:
    """The public key id (``K…``) or account key pair id (``APKA…``) that goes in ``Key-Pair-Id``."""
    if not isinstance(key_pair_id, str) or not _KEY_PAIR_ID.fullmatch(key_pair_id):
        raise SignedUrlError(
            f"key pair id {key_pair_id!r} is not a CloudFront key id; use the public key's Id "
            "(e.g. K2JCJMDEHXQW5F), not the key group id or a file name"
        )
    return key_pair_id


@runtime_checkable
class ExternalSigner(Protocol):
    """A signer that holds its key elsewhere (an HSM, AWS KMS): CloudFront needs only the bytes.

    ``sign`` returns the raw signature of ``message`` (PKCS#1 v1.5 for RSA, DER for ECDSA) made
    with the hash it names in ``hash_algorithm``; ``kind`` is ``rsa`` or ``ecdsa``.
    """

    kind: str
    hash_algorithm: str

    def sign(self, message: bytes) -> bytes: ...


def external_sign_function(
    external: ExternalSigner | Callable[[bytes], bytes],
) -> Callable[[bytes], bytes]:
    """The external signer's one-argument call, checked to return bytes (a wrong return would
    otherwise surface as a TypeError deep inside base64)."""
    call = getattr(external, "sign", external)
    if not callable(call):
        raise SignedUrlError(
            f"external={external!r} is not a signer; pass an object with "
            "sign(message: bytes) -> bytes, or such a callable"
        )

    def sign_external(message: bytes) -> bytes:
        signature = call(message)
        if not isinstance(signature, (bytes, bytearray)) or not signature:
            raise SignedUrlError(
                f"the external signer returned {type(signature).__name__}, not signature bytes; "
                "its sign(message) must return the raw signature"
            )
        return bytes(signature)

    return sign_external


def external_hash_algorithm(signs_with: str, requested: str | None) -> str:
    """The hash an external signer signs with; asking for another one is refused, by name."""
    if not signs_with:
        raise SignedUrlError(
            "the external signer does not say which hash it signs with; give it a "
            "hash_algorithm attribute or pass signs_with='SHA256' (or 'SHA1')"
        )
    signs_with = rules.normalize_hash_algorithm(signs_with)
    if requested is None:
        return signs_with
    chosen = rules.normalize_hash_algorithm(requested)
    if chosen != signs_with:
        raise SignedUrlError(
            f"hash_algorithm={requested!r} cannot be used with this external signer, which signs "
            f"only with {signs_with} (so the URL carries Hash-Algorithm={signs_with}); "
            f"use {signs_with} or leave hash_algorithm out"
        )
    return chosen


def make_sign_function(key: keys.PrivateKey, hash_algorithm: str) -> Callable[[bytes], bytes]:
    """A one-argument signing call with its padding and hash objects built once."""
    digest = hashes.SHA256() if hash_algorithm == "SHA256" else hashes.SHA1()
    if isinstance(key, rsa.RSAPrivateKey):
        pkcs1 = padding.PKCS1v15()
        sign = key.sign

        def sign_rsa(message: bytes) -> bytes:
            return sign(message, pkcs1, digest)

        return sign_rsa
    algorithm = ec.ECDSA(digest)
    sign_ec = key.sign

    def sign_ecdsa(message: bytes) -> bytes:
        return sign_ec(message, algorithm)

    return sign_ecdsa


def check_url(url: str, *, name: str = "url") -> str:
    """The URL as a client sends it (:func:`urls.canonical_url`), refused when CloudFront could not
    verify it: not http(s), a fragment, a reserved parameter, a quote or backslash."""
    if not isinstance(url, str) or not url:
        raise SignedUrlError(f"{name}={url!r} is empty or not text; pass the viewer URL to sign")
    if "#" in url:
        raise SignedUrlError(
            f"{name}={url!r} has a '#' fragment, which browsers never send; "
            "sign the URL without it (append the fragment after signing)"
        )
    _check_quotes(url, name)
    urls.check_scheme(url, name=name)
    _, mark, query = url.partition("?")
    found = urls.reserved_param(query) if mark else None
    if found:
        raise SignedUrlError(
            f"{name}={url!r} already has the query parameter {found!r}, which CloudFront "
            f"reserves for signing ({', '.join(RESERVED_PARAMS)}); rename that parameter"
        )
    return policy.check_resource(urls.canonical_url(url, name=name), name=name)


def _check_quotes(text: str, name: str) -> None:
    """``"`` and ``\\`` are refused, not encoded: a policy resource may not contain them (the AWS
    SDKs' shared cases refuse rather than escape), and browsers read ``\\`` as ``/``."""
    for char, hint in (('"', "%22"), ("\\", "%5C")):
        if char in text:
            raise SignedUrlError(
                f"{name}={text!r} contains {char!r} at position {text.index(char)}; a policy "
                f"resource may not contain quotes or backslashes (percent-encode it as {hint} if "
                "it is really part of the object key)"
            )


def check_policy_resource(resource: str, *, name: str = "policy_resource") -> str:
    """A policy ``Resource`` encoded as the URLs it must match are sent.

    With a ``*`` it may be any pattern (``http*://…``); without one it must be an http(s) URL.
    """
    if not isinstance(resource, str) or not resource:
        return policy.check_resource(resource, name=name)
    _check_quotes(resource, name)
    if "*" not in resource:
        urls.check_scheme(resource, name=name)
    return policy.check_resource(urls.canonical_url(resource, name=name), name=name)


def needs_custom_policy(
    resource: str,
    url: str | None = None,
    *,
    date_greater_than: object = None,
    ip_address: object = None,
) -> bool:
    """The AWS CLI v2's rule: custom with a start date, an IP range, a ``*`` in the resource, or a
    resource other than the URL; canned otherwise (also when the resource *is* the URL)."""
    return (
        date_greater_than is not None
        or ip_address is not None
        or "*" in resource
        or (url is not None and resource != url)
    )


class UrlPlan(NamedTuple):
    """A URL ready to be signed: :meth:`Signer.plan_url`'s result, :meth:`signed` its end."""

    url: str  #: the URL as clients send it
    message: bytes  #: the policy bytes the signature is made of
    expires: int | None  #: a canned policy's expiry (``None`` for a custom policy)
    policy: str | None  #: a custom policy, URL-safe base64 (``None`` for a canned one)
    key_params: str  #: ``Key-Pair-Id`` (and ``Hash-Algorithm``), from :func:`urls.key_params`

    def signed(self, signature: str) -> str:
        """The signed URL: the URL's own query, then the signing parameters in CloudFront's order."""
        if self.policy is None:
            params = urls.canned_params(self.expires, signature, self.key_params)
        else:
            params = urls.custom_params(self.policy, signature, self.key_params)
        return urls.append_params(self.url, params)


class Signer:
    """Signs URLs and cookies with one key, for one ``Key-Pair-Id`` and hash algorithm."""

    def __init__(
        self,
        key_pair_id: str,
        private_key: keys.PrivateKey | str | Path | bytes | None = None,
        hash_algorithm: str | None = None,
        *,
        test_key: bool = False,
        external: ExternalSigner | Callable[[bytes], bytes] | None = None,
        kind: str | None = None,
        signs_with: str | None = None,
    ) -> None:
        """``hash_algorithm=None`` means the key's default (:func:`.rules.default_hash`: SHA1
        for RSA, CloudFront's default; SHA256 for ECDSA, as the AWS CLI v2 signs it). A hash
        asked for by name is signed with, ECDSA + SHA1 included: that is the explicit request
        :func:`.rules.hash_for` wants for a demonstration (the notebooks compare both hashes, the
        verifier's tests sign every pair); ``cftutorial sign`` and batch runs refuse it.

        ``external`` replaces ``private_key`` (see :class:`ExternalSigner`); ``kind`` and
        ``signs_with`` are needed only for a plain callable, which cannot declare them."""
        self.key_pair_id = check_key_pair_id(key_pair_id)
        if (private_key is None) == (external is None):
            raise SignedUrlError(
                "pass either private_key (a PEM file or key) or external (a signer whose key "
                "stays elsewhere, such as AWS KMS), not both or neither"
            )
        if external is not None:
            self.private_key = None
            self.kind = _external_kind(kind or getattr(external, "kind", None))
            self.hash_algorithm = external_hash_algorithm(
                signs_with or getattr(external, "hash_algorithm", None) or "", hash_algorithm
            )
            self.external = external
            self._sign = external_sign_function(external)
        else:
            self.private_key = keys.load_private_key(private_key, test_key=test_key)
            self.kind = keys.key_kind(self.private_key)
            self.hash_algorithm = rules.hash_for(self.kind, hash_algorithm, allow_ecdsa_sha1=True)
            self.external = None
            self._sign = make_sign_function(self.private_key, self.hash_algorithm)
        self.key_params = urls.key_params(self.key_pair_id, self.hash_algorithm)

    def __repr__(self) -> str:
        return f"Signer(key_pair_id={self.key_pair_id!r}, kind={self.kind!r}, hash_algorithm={self.hash_algorithm!r})"

    def signature(self, message: bytes) -> str:
        """The URL-safe base64 signature of exactly these bytes."""
        return url_safe_b64(self._sign(message))

    def sign_policy(self, policy_text: str) -> tuple[str, str]:
        """(URL-safe base64 policy, URL-safe base64 signature) for a policy you built yourself."""
        data = policy_text.encode("utf-8")
        return url_safe_b64(data), url_safe_b64(self._sign(data))

    def signatures(self, messages: Iterable[bytes]) -> list[str]:
        """The URL-safe base64 signatures of many messages, in order.

        The signing calls run back to back, before anything else touches their results: Python
        work between two ECDSA signatures slows the next one down by about a fifth (cache and
        branch predictor state; ``benchmarks/bench_signing.py`` shows both ways), so signing a
        thousand URLs costs less through :meth:`sign_urls` than through :meth:`sign_url` in a
        loop.
        """
        sign = self._sign
        raw = [sign(message) for message in messages]
        return [url_safe_b64(signature) for signature in raw]

    def plan_url(
        self,
        url: str,
        *,
        date_less_than: Time,
        date_greater_than: Time | None = None,
        ip_address: str | None = None,
        policy_resource: str | None = None,
        allow_past: bool = False,
        custom: bool = False,
    ) -> UrlPlan:
        """Everything :meth:`sign_url` does except the signature: the URL as clients send it,
        the policy bytes to sign and the query that will carry them (:class:`UrlPlan`).

        The AWS CLI v2's choice of policy (:func:`needs_custom_policy`): canned for the URL and
        an expiry, custom with a start, an IP range, a ``*`` or a ``policy_resource`` other than
        the URL (``custom=True`` forces one). The URL must match the resource.
        """
        if type(url) is not str:
            check_url(url)
        if policy_resource is not None:
            url = check_url(url)
            policy_resource = check_policy_resource(policy_resource)
        if not custom and not needs_custom_policy(
            url if policy_resource is None else policy_resource,
            url,
            date_greater_than=date_greater_than,
            ip_address=ip_address,
        ):
            expires = self._expiry(date_less_than, allow_past)
            if not (
                type(url) is str
                and "?" not in url
                and url.startswith(("https://", "http://"))
                and urls.is_canonical(url)
            ):  # a URL already as clients send it needs no checks
                url = check_url(url)
            message = rules.canned_text(url, expires).encode()
            return UrlPlan(url, message, expires, None, self.key_params)
        url = check_url(url)
        text = policy.custom_policy(
            url if policy_resource is None else check_policy_resource(policy_resource),
            date_less_than=date_less_than,
            date_greater_than=date_greater_than,
            ip_address=ip_address,
            allow_past=allow_past,
        )
        data = text.encode("utf-8")
        return UrlPlan(url, data, None, url_safe_b64(data), self.key_params)

    def sign_plans(self, plans: Sequence[UrlPlan]) -> list[str]:
        """The signed URLs of :meth:`plan_url`'s plans, signed back to back (:meth:`signatures`)."""
        signatures = self.signatures([plan.message for plan in plans])
        return [plan.signed(signature) for plan, signature in zip(plans, signatures, strict=True)]

    def sign_url(
        self,
        url: str,
        *,
        date_less_than: Time,
        date_greater_than: Time | None = None,
        ip_address: str | None = None,
        policy_resource: str | None = None,
        allow_past: bool = False,
        custom: bool = False,
    ) -> str:
        """The signed URL, with the AWS CLI v2's choice of policy (see :meth:`plan_url`).

        The URL's own query string is kept and signed; the signing parameters follow it in
        CloudFront's order. The URL and the resource are signed as clients send them
        (:func:`urls.canonical_url`). To sign many URLs, :meth:`sign_urls` is faster.
        """
        plan = self.plan_url(
            url,
            date_less_than=date_less_than,
            date_greater_than=date_greater_than,
            ip_address=ip_address,
            policy_resource=policy_resource,
            allow_past=allow_past,
            custom=custom,
        )
        return plan.signed(self.signature(plan.message))

    def sign_urls(
        self,
        urls_to_sign: Iterable[str],
        *,
        date_less_than: Time,
        date_greater_than: Time | None = None,
        ip_address: str | None = None,
        policy_resource: str | None = None,
        allow_past: bool = False,
        custom: bool = False,
    ) -> list[str]:
        """:meth:`sign_url` for each URL, in order, with the same conditions; the first URL
        that cannot be signed raises before anything is signed. The times are read once."""
        conditions = {
            "date_less_than": policy.to_epoch(date_less_than, name="date_less_than"),
            "date_greater_than": None
            if date_greater_than is None
            else policy.to_epoch(date_greater_than, name="date_greater_than"),
            "ip_address": ip_address,
            "policy_resource": policy_resource,
            "allow_past": allow_past,
            "custom": custom,
        }
        return self.sign_plans([self.plan_url(url, **conditions) for url in urls_to_sign])

    def sign_cookies(
        self,
        resource: str,
        *,
        date_less_than: Time,
        date_greater_than: Time | None = None,
        ip_address: str | None = None,
        allow_past: bool = False,
    ) -> dict[str, str]:
        """The ``CloudFront-*`` cookies that open ``resource``.

        Canned (``CloudFront-Expires``) when only ``date_less_than`` is given and the resource has
        no ``*``: a canned cookie opens only the one URL CloudFront rebuilds it from. Otherwise a
        custom policy (``CloudFront-Policy``), the usual choice for "every file under /videos/*".
        """
        resource = check_policy_resource(resource, name="resource")
        if date_greater_than is None and ip_address is None and "*" not in resource:
            expires = self._expiry(date_less_than, allow_past)
            message = policy.canned_policy(resource, expires).encode()
            cookies = {
                "CloudFront-Expires": str(expires),
                "CloudFront-Signature": self.signature(message),
            }
        else:
            text = policy.custom_policy(
                resource,
                date_less_than=date_less_than,
                date_greater_than=date_greater_than,
                ip_address=ip_address,
                allow_past=allow_past,
            )
            encoded, signature = self.sign_policy(text)
            cookies = {"CloudFront-Policy": encoded, "CloudFront-Signature": signature}
        cookies["CloudFront-Key-Pair-Id"] = self.key_pair_id
        if self.hash_algorithm == "SHA256":
            cookies["CloudFront-Hash-Algorithm"] = "SHA256"
        return cookies

    @staticmethod
    def _expiry(date_less_than: Time, allow_past: bool) -> int:
        if type(date_less_than) is int and 0 <= date_less_than <= policy.MAX_EPOCH:
            expires = date_less_than
        else:
            expires = policy.to_epoch(date_less_than, name="date_less_than")
        return rules.check_not_past(expires, allow_past=allow_past)


def _external_kind(kind: object) -> str:
    if kind not in keys.KINDS:
        raise SignedUrlError(
            f"kind={kind!r} is not a key kind; an external signer must say which it holds: "
            f"{' or '.join(keys.KINDS)}"
        )
    return str(kind)


def sign_url(
    url: str,
    *,
    key_pair_id: str,
    private_key: keys.PrivateKey | str | Path | bytes,
    date_less_than: Time,
    date_greater_than: Time | None = None,
    ip_address: str | None = None,
    policy_resource: str | None = None,
    allow_past: bool = False,
    hash_algorithm: str | None = None,
) -> str:
    """One signed URL (see :meth:`Signer.sign_url`); use a :class:`Signer` to sign many."""
    return Signer(key_pair_id, private_key, hash_algorithm).sign_url(
        url,
        date_less_than=date_less_than,
        date_greater_than=date_greater_than,
        ip_address=ip_address,
        policy_resource=policy_resource,
        allow_past=allow_past,
    )
