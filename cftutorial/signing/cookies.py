"""Signed cookies (notebook step 7): one signature that opens many files, URLs left unchanged.

Cookies suit an HLS video (hundreds of segment files) or a site whose links must not change. The
browser sends them only to the domain they were set for, and ``cloudfront.net`` is on the Public
Suffix List, so browsers refuse cookies for it: signed cookies need the distribution's own
alternate domain name (``media.example.com``), which is why that domain is refused here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import CookieOptionError
from . import keys
from .signer import Signer, Time

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_COOKIE_VALUE = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
_DOMAIN = re.compile(r"\.?([A-Za-z0-9-]+\.)*[A-Za-z0-9-]+")
_PATH = re.compile(r"/[\x21-\x3a\x3c-\x7e]*")


def signed_cookies(
    resource: str,
    *,
    key_pair_id: str,
    private_key: keys.PrivateKey | str | Path | bytes,
    date_less_than: Time,
    date_greater_than: Time | None = None,
    ip_address: str | None = None,
    allow_past: bool = False,
    hash_algorithm: str | None = None,
) -> dict[str, str]:
    """The ``CloudFront-*`` cookies for ``resource`` (see :meth:`Signer.sign_cookies`)."""
    return Signer(key_pair_id, private_key, hash_algorithm).sign_cookies(
        resource,
        date_less_than=date_less_than,
        date_greater_than=date_greater_than,
        ip_address=ip_address,
        allow_past=allow_past,
    )


def check_domain(domain: str) -> str:
    """A cookie Domain a browser will store for a CloudFront alternate domain name."""
    text = domain.strip() if isinstance(domain, str) else ""
    if not _DOMAIN.fullmatch(text):
        raise CookieOptionError(
            f"domain={domain!r} is not a host name; use your distribution's alternate domain "
            "name, e.g. media.example.com"
        )
    bare = text.lstrip(".").lower()
    if bare == "cloudfront.net" or bare.endswith(".cloudfront.net"):
        raise CookieOptionError(
            f"domain={domain!r} is under cloudfront.net, which is on the Public Suffix List: "
            "browsers refuse cookies for it, so they would never be sent; add an alternate domain "
            "name (CNAME) such as media.example.com to the distribution and use that"
        )
    return text


def set_cookie_headers(
    cookies: Mapping[str, str],
    *,
    domain: str | None = None,
    path: str = "/",
    secure: bool = True,
    http_only: bool = True,
    max_age: int | None = None,
    same_site: str | None = None,
) -> list[str]:
    """One ``Set-Cookie`` header value per cookie, with the attributes a signed cookie needs.

    ``Secure`` and ``HttpOnly`` are on by default: the cookies are bearer credentials, so they
    should travel only over HTTPS and stay out of reach of page scripts. ``same_site``
    (``"Strict"``, ``"Lax"`` or ``"None"``; ``None`` leaves the attribute out) says from which
    sites' pages the browser may send them; ``SameSite=None`` needs ``Secure``.
    """
    attributes = [f"Path={_check_path(path)}"]
    if domain is not None:
        attributes.append(f"Domain={check_domain(domain)}")
    if max_age is not None:
        if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
            raise CookieOptionError(
                f"max_age={max_age!r} is not a number of seconds; use a whole number ≥ 0 or None"
            )
        attributes.append(f"Max-Age={max_age}")
    if secure:
        attributes.append("Secure")
    if http_only:
        attributes.append("HttpOnly")
    if same_site is not None:
        attributes.append(f"SameSite={_check_same_site(same_site, secure)}")
    tail = "; ".join(attributes)
    return [f"{_check_cookie(name, value)}; {tail}" for name, value in cookies.items()]


SAME_SITE = ("Strict", "Lax", "None")


def _check_same_site(value: str, secure: bool) -> str:
    if value not in SAME_SITE:
        raise CookieOptionError(
            f"same_site={value!r} is not a SameSite value; use one of "
            f"{', '.join(map(repr, SAME_SITE))} or None (no attribute)"
        )
    if value == "None" and not secure:
        raise CookieOptionError(
            "same_site='None' needs secure=True: browsers drop a SameSite=None cookie "
            "that is not Secure"
        )
    return value


def _check_path(path: str) -> str:
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise CookieOptionError(
            f"path={path!r} is not a cookie path; use one starting with '/' without ';' or spaces"
        )
    return path


def _check_cookie(name: str, value: str) -> str:
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise CookieOptionError(
            f"cookie name {name!r} is not a valid token; use e.g. CloudFront-Policy"
        )
    if not isinstance(value, str) or not _COOKIE_VALUE.fullmatch(value):
        raise CookieOptionError(
            f"cookie {name} has value {value!r}, which a cookie cannot carry "
            "(no spaces, quotes, commas, ';' or '\\'); signed values are URL-safe base64"
        )
    return f"{name}={value}"
