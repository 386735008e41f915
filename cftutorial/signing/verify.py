"""What CloudFront decides when a viewer arrives with a signed URL or signed cookies.

The local edge asks this module for every request, and the notebooks' inspector shows its
:class:`Verdict`, so a denial says *why* ("expired 42 s ago", "IP … is outside …") where real
CloudFront only answers a terse 403. The decision follows CloudFront's documented order: signing
parameters in the URL win over cookies; the key id must be trusted; the policy must decode; the
signature must match the exact policy bytes; then the policy's conditions are checked.

Everything in the URL and cookies is attacker-controlled, so :func:`verify` never raises on it:
malformed input becomes a denial with the code CloudFront would answer.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import ipaddress
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import unquote
from xml.sax.saxutils import escape

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ..errors import CftutorialError
from . import keys, policy, rules, urls
from .urls import RESERVED_PARAMS as SIGNING_PARAMS
from .urls import split_url, strip_signing_params

CLOUDFRONT_ERRORS: dict[str, str] = {
    "MissingKey": "Missing Key-Pair-Id query parameter or cookie value",
    "InvalidKey": "Unknown Key",
    "MalformedPolicy": "Malformed Policy",
    "MalformedSignature": "Could not unencode Signature",
    "AccessDenied": "Access denied",
}
COOKIE_NAMES = {f"CloudFront-{name}": name for name in SIGNING_PARAMS}
_FROM_URL_SAFE = bytes.maketrans(b"-_~", b"+=/")
_B64_URL_SAFE = re.compile(r"[A-Za-z0-9\-_~]*")
_DIGITS = re.compile(r"[0-9]{1,19}")
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_CONDITIONS = {"DateLessThan", "DateGreaterThan", "IpAddress"}
MAX_FIELD = 16384


@dataclass(frozen=True)
class Verdict:
    """CloudFront's decision on one request, with the reason a learner needs."""

    allowed: bool
    code: str | None
    message: str | None
    reason: str
    policy: dict | None
    policy_kind: str | None
    key_pair_id: str | None
    hash_algorithm: str | None
    source: str | None
    resource: str
    expires: int | None

    def error_xml(self) -> bytes:
        """CloudFront's 403 body for a denial (empty for an allowed request)."""
        if self.allowed or self.code is None:
            return b""
        return (
            '<?xml version="1.0" encoding="UTF-8"?><Error>'
            f"<Code>{escape(self.code)}</Code><Message>{escape(self.message or '')}</Message>"
            "</Error>"
        ).encode()

    def to_dict(self) -> dict:
        """The verdict as plain data (for JSON output and the edge's decision log)."""
        return asdict(self)


class _Denied(Exception):
    """Internal: stops the checks with a code and a reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class _Request:
    """What was read from the URL or cookies, filled in as the checks go."""

    resource: str
    params: dict[str, str]
    source: str | None = None
    key_pair_id: str | None = None
    hash_algorithm: str | None = None
    policy: dict | None = None
    policy_kind: str | None = None
    expires: int | None = None


def requested_key_pair_id(url: str, cookies: Mapping[str, str] | None = None) -> str | None:
    """The ``Key-Pair-Id`` a request names (URL first, then cookies), or ``None``."""
    _, found = split_url(url)
    if found:
        values = found.get("Key-Pair-Id")
        return unquote(values[0]) if values else None
    if cookies:
        value = cookies.get("CloudFront-Key-Pair-Id")
        return value if isinstance(value, str) else None
    return None


def verify(
    url: str,
    *,
    trusted_keys: Mapping[str, keys.PublicKey | str | bytes],
    cookies: Mapping[str, str] | None = None,
    viewer_ip: str | None = None,
    at: int | float | datetime | None = None,
    alternate_urls: Sequence[str] = (),
    untrusted: Mapping[str, str] | None = None,
) -> Verdict:
    """Allow or deny a viewer request as CloudFront would, and say why.

    ``trusted_keys`` maps the public key ids of the behaviour's trusted key groups to their keys.
    ``alternate_urls`` are other spellings of the same viewer URL that a policy ``Resource`` may
    name (the local edge passes the ``http://`` form of its ``https://`` URL). ``untrusted``
    maps ids known *not* to be trusted keys to what they are ("the key group's id", "a public key
    removed from the key group"), so an ``InvalidKey`` reason can say which mistake it was.
    """
    now = time.time() if at is None else _instant(at)
    request = _Request(resource=url if isinstance(url, str) else "", params={})
    try:
        trusted = _Trusted(trusted_keys, untrusted or {})
        detail = _decide(request, url, cookies, trusted, now, viewer_ip, alternate_urls)
    except _Denied as denial:
        if denial.code == "InvalidKey":
            _show_policy(request)
        return _verdict(request, denial.code, denial.reason)
    except Exception as exc:  # the edge must answer 403, not 500, whatever a viewer sends
        return _verdict(request, "AccessDenied", f"request could not be checked ({exc!r})")
    return _verdict(request, None, detail)


def _decide(
    request: _Request,
    url: str,
    cookies: Mapping[str, str] | None,
    trusted_keys: Mapping[str, object],
    now: float,
    viewer_ip: str | None,
    alternate_urls: Sequence[str],
) -> str:
    """Run CloudFront's checks in order; raise :class:`_Denied` at the first that fails."""
    _read_request(request, url, cookies)
    key = _trusted_key(request, trusted_keys)
    message = _read_policy(request)
    _check_signature(request, key, message)
    return _check_conditions(request, now, viewer_ip, alternate_urls)


def _show_policy(request: _Request) -> None:
    """Decode the policy for the inspector even when the key already decided the answer."""
    try:
        _read_policy(request)
    except Exception:  # only for display: a policy that does not decode is simply not shown
        request.policy = request.policy_kind = request.expires = None


def _instant(at: int | float | datetime | str) -> float:
    if isinstance(at, int | float) and not isinstance(at, bool):
        return float(at)
    if isinstance(at, datetime) and at.tzinfo is not None:
        return at.timestamp()
    return float(policy.to_epoch(at, name="at"))


def _verdict(request: _Request, code: str | None, reason: str) -> Verdict:
    return Verdict(
        allowed=code is None,
        code=code,
        message=None if code is None else CLOUDFRONT_ERRORS[code],
        reason=reason,
        policy=request.policy,
        policy_kind=request.policy_kind,
        key_pair_id=request.key_pair_id,
        hash_algorithm=request.hash_algorithm,
        source=request.source,
        resource=request.resource,
        expires=request.expires,
    )


def _read_request(request: _Request, url: str, cookies: Mapping[str, str] | None) -> None:
    """Pick the signing values: URL parameters if any are present, else the cookies."""
    if not isinstance(url, str):
        raise _Denied("AccessDenied", f"the request URL {url!r} is not text")
    request.resource, found = split_url(url)
    if found:
        request.source = "url"
        for name, values in found.items():
            if len(values) > 1:
                raise _Denied(
                    "AccessDenied",
                    f"the URL has {len(values)} {name} parameters; CloudFront needs exactly one",
                )
            request.params[name] = unquote(values[0])
    elif cookies:
        for cookie, name in COOKIE_NAMES.items():
            value = cookies.get(cookie)
            if isinstance(value, str):
                request.params[name] = value.strip().strip('"')
        if request.params:
            request.source = "cookies"
    key_pair_id = request.params.get("Key-Pair-Id", "")
    if not key_pair_id:
        reasons = {
            "url": "the URL has signing parameters but no Key-Pair-Id",
            "cookies": "the CloudFront-* cookies have no CloudFront-Key-Pair-Id",
        }
        raise _Denied(
            "MissingKey",
            reasons.get(
                request.source or "",
                "no signed URL parameters and no CloudFront-* signed cookies: this behaviour "
                "requires a signature (sign the URL, or send the signed cookies)",
            ),
        )
    request.key_pair_id = key_pair_id
    algorithm = request.params.get("Hash-Algorithm")
    request.hash_algorithm = "SHA1" if algorithm is None else algorithm


class _Trusted(dict):
    """The trusted keys, and what is known of ids that are not among them."""

    def __init__(self, trusted_keys: Mapping[str, object], untrusted: Mapping[str, str]) -> None:
        super().__init__(trusted_keys)
        self.untrusted = dict(untrusted)


def _untrusted_hint(key_id: str, trusted_keys: Mapping[str, object]) -> str:
    known = getattr(trusted_keys, "untrusted", {}).get(key_id)
    if known:
        return f": it is {known}"
    if _UUID.fullmatch(key_id):
        return ": it looks like a key group id; Key-Pair-Id takes the public key id"
    return (
        ": Key-Pair-Id must be the id of a public key in one of the behaviour's trusted key "
        "groups (not a key group's id, nor a key that was removed from its group)"
    )


def _trusted_key(request: _Request, trusted_keys: Mapping[str, object]) -> keys.PublicKey:
    key_id = request.key_pair_id or ""
    source = trusted_keys.get(key_id) if key_id in trusted_keys else None
    if source is None:
        trusted = ", ".join(sorted(trusted_keys)) or "none"
        raise _Denied(
            "InvalidKey",
            f"key {_short(key_id)} is not trusted for this URL (trusted: {trusted})"
            f"{_untrusted_hint(key_id, trusted_keys)}",
        )
    try:
        return keys.load_public_key(source, test_key=True)  # verifying test vectors is harmless
    except CftutorialError as exc:
        raise _Denied("AccessDenied", f"trusted key {key_id} cannot be used: {exc}") from None


def _read_policy(request: _Request) -> bytes:
    """The exact bytes that were signed: the rebuilt canned policy or the decoded custom one."""
    params = request.params
    if "Policy" in params and "Expires" in params:
        raise _Denied("MalformedPolicy", "both Expires (canned) and Policy (custom) are present")
    if "Policy" in params:
        request.policy_kind = "custom"
        data = _decode(params["Policy"], "MalformedPolicy", "Policy")
        request.policy = _parse_custom(data)
        request.expires = request.policy["Statement"][0]["Condition"]["DateLessThan"][
            "AWS:EpochTime"
        ]
        return data
    if "Expires" in params:
        request.policy_kind = "canned"
        text = params["Expires"]
        if not _DIGITS.fullmatch(text):
            raise _Denied(
                "MalformedPolicy", f"Expires={_short(text)} is not a whole number of epoch seconds"
            )
        request.expires = int(text)
        canned = rules.canned_text(request.resource, text)
        request.policy = json.loads(canned)
        return canned.encode("utf-8", errors="surrogatepass")
    raise _Denied(
        "MalformedPolicy", "neither Expires (canned policy) nor Policy (custom policy) is present"
    )


def _decode(text: str, code: str, name: str) -> bytes:
    if len(text) > MAX_FIELD:
        raise _Denied(code, f"{name} is {len(text)} characters long, too long to be genuine")
    if not _B64_URL_SAFE.fullmatch(text):
        bad = next(char for char in text if not _B64_URL_SAFE.fullmatch(char))
        hint = " (use URL-safe base64: + → -, = → _, / → ~)" if bad in "+=/ " else ""
        raise _Denied(code, f"{name} contains {bad!r}, which is not URL-safe base64{hint}")
    try:
        return base64.b64decode(text.encode("ascii").translate(_FROM_URL_SAFE), validate=True)
    except (binascii.Error, ValueError):
        raise _Denied(
            code, f"{name} {_short(text)} is not valid base64 (wrong length or padding)"
        ) from None


_TOP_FIELDS = {"Statement"}
_STATEMENT_FIELDS = {"Resource", "Condition"}


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object that refuses a repeated key: with two ``"Resource"`` keys, which one a
    parser keeps is up to the parser (Python keeps the last), so the policy is ambiguous."""
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise _Denied(
                "MalformedPolicy", f"the policy repeats the key {_short(key)!r}; each key once"
            )
        seen[key] = value
    return seen


def _only_fields(found: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(found) - allowed)
    if unknown:
        raise _Denied(
            "MalformedPolicy",
            f"the policy {where} has unknown fields {[_short(name) for name in unknown]}; "
            f"CloudFront's grammar allows only {sorted(allowed)}",
        )


def _parse_custom(data: bytes) -> dict:
    """A decoded custom policy, checked against CloudFront's grammar: exactly the documented
    fields (``Statement``; ``Resource``, ``Condition``), each key once."""
    try:
        document = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _Denied("MalformedPolicy", "the decoded Policy is not valid JSON") from None
    statements = document.get("Statement") if isinstance(document, dict) else None
    if not isinstance(statements, list) or len(statements) != 1:
        raise _Denied("MalformedPolicy", 'the policy needs "Statement": a list of one statement')
    _only_fields(document, _TOP_FIELDS, "document")
    statement = statements[0]
    if not isinstance(statement, dict):
        raise _Denied("MalformedPolicy", "the policy statement is not a JSON object")
    _only_fields(statement, _STATEMENT_FIELDS, "statement")
    if "Resource" in statement and not isinstance(statement["Resource"], str):
        raise _Denied("MalformedPolicy", "the policy Resource is not a string")
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        raise _Denied("MalformedPolicy", 'the policy statement has no "Condition" object')
    unknown = sorted(set(condition) - _CONDITIONS)
    if unknown:
        raise _Denied(
            "MalformedPolicy",
            f"the policy has unsupported conditions {unknown}; "
            "CloudFront knows DateLessThan, DateGreaterThan and IpAddress",
        )
    if "DateLessThan" not in condition:
        raise _Denied("MalformedPolicy", "the policy has no DateLessThan (it is required)")
    for name in ("DateLessThan", "DateGreaterThan"):
        if name in condition:
            _epoch_value(condition[name], name)
    if "IpAddress" in condition:
        _ip_value(condition["IpAddress"])
    return document


def _epoch_value(value: object, name: str) -> int:
    if isinstance(value, dict):
        _only_fields(value, {"AWS:EpochTime"}, name)
    epoch = value.get("AWS:EpochTime") if isinstance(value, dict) else None
    if type(epoch) is not int:
        raise _Denied("MalformedPolicy", f'{name} needs {{"AWS:EpochTime": whole seconds}}')
    return epoch


def _ip_value(value: object) -> ipaddress.IPv4Network:
    if isinstance(value, dict):
        _only_fields(value, {"AWS:SourceIp"}, "IpAddress")
    text = value.get("AWS:SourceIp") if isinstance(value, dict) else None
    try:
        network = ipaddress.ip_network(text, strict=False) if isinstance(text, str) else None
    except ValueError:
        network = None
    if not isinstance(network, ipaddress.IPv4Network):
        raise _Denied(
            "MalformedPolicy", f'IpAddress needs {{"AWS:SourceIp": "a.b.c.d/nn"}}, got {text!r}'
        )
    return network


def _check_signature(request: _Request, key: keys.PublicKey, message: bytes) -> None:
    algorithm = request.hash_algorithm
    if algorithm not in ("SHA1", "SHA256"):
        raise _Denied(
            "AccessDenied", f"Hash-Algorithm={_short(algorithm or '')} is not SHA1 or SHA256"
        )
    if "Signature" not in request.params or not request.params["Signature"]:
        raise _Denied("MalformedSignature", "there is no Signature")
    signature = _decode(request.params["Signature"], "MalformedSignature", "Signature")
    if _signature_ok(key, signature, message, algorithm):
        return
    other = "SHA256" if algorithm == "SHA1" else "SHA1"
    if _signature_ok(key, signature, message, other):
        said = "is absent (so SHA1)" if "Hash-Algorithm" not in request.params else "says SHA256"
        if algorithm == "SHA1":
            reason = f"signed with SHA-256 but Hash-Algorithm {said}; add Hash-Algorithm=SHA256"
        else:
            reason = "signed with SHA-1 but Hash-Algorithm says SHA256"
        raise _Denied("AccessDenied", reason)
    if request.policy_kind == "canned":
        mismatch = _canned_encoding_mismatch(request, key, signature, algorithm)
        if mismatch:
            raise _Denied("AccessDenied", mismatch)
    what = "the URL without its signing parameters" if request.policy_kind == "canned" else "Policy"
    raise _Denied(
        "AccessDenied",
        f"the signature does not match {what} with key {request.key_pair_id} "
        f"({keys.key_kind(key).upper()}/{algorithm}): the URL or policy was changed after signing, "
        "or another key signed it",
    )


def _canned_encoding_mismatch(
    request: _Request, key: keys.PublicKey, signature: bytes, algorithm: str
) -> str | None:
    """The reason when the signature is for another percent-encoding of the requested URL."""
    resource = request.resource
    for signed in _other_encodings(resource):
        message = rules.canned_text(signed, request.params["Expires"])
        if _signature_ok(key, signature, message.encode("utf-8", "surrogatepass"), algorithm):
            said = urls.encoding_difference(resource, signed) or (
                f"the viewer requested {_short(resource, 120)}, the policy names "
                f"{_short(signed, 120)}"
            )
            return f"{said}: the URL was signed before it was percent-encoded; {_ENCODE_HINT}"
    return None


_ENCODE_HINT = "sign the URL as clients send it (cftutorial's sign_url encodes it for you)"


def _other_encodings(resource: str) -> list[str]:
    """The decoded and the client-encoded spellings of a URL, those that differ from it."""
    found = []
    if "%" in resource:
        found.append(unquote(resource))
    with contextlib.suppress(CftutorialError):
        found.append(urls.canonical_url(resource))
    return [text for text in dict.fromkeys(found) if text != resource]


@functools.lru_cache(maxsize=4)
def _verify_args(kind: str, algorithm: str) -> tuple:
    digest = hashes.SHA256() if algorithm == "SHA256" else hashes.SHA1()
    return (padding.PKCS1v15(), digest) if kind == "rsa" else (ec.ECDSA(digest),)


def _signature_ok(key: keys.PublicKey, signature: bytes, message: bytes, algorithm: str) -> bool:
    kind = "rsa" if isinstance(key, rsa.RSAPublicKey) else "ecdsa"
    try:
        key.verify(signature, message, *_verify_args(kind, algorithm))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _check_conditions(
    request: _Request, now: float, viewer_ip: str | None, alternate_urls: Sequence[str]
) -> str:
    statement = (request.policy or {}).get("Statement", [{}])[0]
    condition = statement.get("Condition", {})
    expires = condition["DateLessThan"]["AWS:EpochTime"]
    if not now < expires:
        raise _Denied("AccessDenied", f"expired {int(now - expires)} s ago at {_when(expires)}")
    if "DateGreaterThan" in condition:
        start = condition["DateGreaterThan"]["AWS:EpochTime"]
        if not now > start:
            raise _Denied(
                "AccessDenied",
                f"not valid until {_when(start)} ({int(start - now) + 1} s from now)",
            )
    if "IpAddress" in condition:
        _check_ip(_ip_value(condition["IpAddress"]), viewer_ip)
    if request.policy_kind == "custom" and "Resource" in statement:
        _check_resource(statement["Resource"], request.resource, alternate_urls)
    return f"signature valid ({request.policy_kind} policy); valid until {_when(expires)} ({int(expires - now)} s left)"


def _check_ip(network: ipaddress.IPv4Network, viewer_ip: str | None) -> None:
    if viewer_ip is None:
        raise _Denied(
            "AccessDenied", f"the policy allows only {network} and the viewer IP is unknown"
        )
    try:
        address = ipaddress.ip_address(viewer_ip.strip())
    except (ValueError, AttributeError):
        raise _Denied("AccessDenied", f"viewer IP {viewer_ip!r} is not an IP address") from None
    if address.version == 6:
        raise _Denied(
            "AccessDenied",
            f"IP {address} is IPv6 and the policy allows only {network}; "
            "custom policies match IPv4 only (disable IPv6 on the distribution)",
        )
    if address not in network:
        raise _Denied("AccessDenied", f"IP {address} is outside {network}")


def _check_resource(pattern: str, resource: str, alternate_urls: Sequence[str]) -> None:
    candidates = [resource, *(strip_signing_params(url) for url in alternate_urls)]
    if any(rules.covers(pattern, candidate) for candidate in candidates):
        return
    if any(rules.covers(unquote(pattern), unquote(candidate)) for candidate in candidates):
        said = urls.encoding_difference(resource, pattern) or (
            f"resource {_short(resource, 200)} and the policy's {_short(pattern, 200)} differ "
            "only in percent-encoding"
        )
        raise _Denied("AccessDenied", f"{said}; {_ENCODE_HINT}")
    raise _Denied(
        "AccessDenied", f"resource {_short(resource, 200)} does not match {_short(pattern, 200)}"
    )


def _when(epoch: int) -> str:
    try:
        return policy.iso(epoch)
    except (OverflowError, OSError, ValueError):
        return f"epoch {epoch}"


def _short(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown) if any(not char.isprintable() for char in shown) else shown
