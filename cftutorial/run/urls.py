"""The run's viewer URL: what a viewer types, what a policy's Resource names, what the edge compares.

One spelling for every notebook and step: ``https://HOST/KEY`` with the key as typed (not yet
percent-encoded: :func:`cftutorial.signing.urls` encodes when it signs, a browser when it sends).
HOST is the distribution's domain name (``d111111abcdef8.cloudfront.net``), or an alternate domain
name (notebook 11's alias); KEY may hold a policy's ``*`` wildcard (``hls/*``, ``*``).
"""

from __future__ import annotations


def viewer_url(host: str, key: str) -> str:
    """``https://HOST/KEY``; a leading ``/`` on ``key`` is not doubled."""
    return f"https://{host}/{key.removeprefix('/')}"
