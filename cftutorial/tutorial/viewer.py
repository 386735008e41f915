"""Be the viewer: request a CloudFront URL (through the local edge) or an S3 object directly.

The guide's step 5 checks that unsigned access fails and step 8 that signed URLs work. Both are
HTTP requests a browser would make; this module makes them from a notebook. In local mode
``https://DIST.cloudfront.net/PATH?QUERY`` is sent to the local edge as
``EDGE/DIST.cloudfront.net/PATH?QUERY`` with the path and query *exactly* as given, because
re-encoding a signed URL would break its signature (a classic learner mistake, which the edge
then reports just as CloudFront does). In aws mode the real URL is requested.

Notebooks 05 and 08 send plain ``requests.get`` calls so the learner sees the HTTP itself;
:func:`request_url` and :func:`s3_object_url` say where those requests go. :func:`fetch` is the
same request in one call (cookies as one ``Cookie`` header). :func:`describe_response` turns an
answer into a small dict (status, the CloudFront or S3 error code and message, key headers) that
a notebook can display; :func:`recent_decisions` asks the local edge *why* it answered the way it
did (optionally for one distribution only), and :func:`edge_reason` finds the reason for one
answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

import requests

from .. import config
from ..aws import clients
from ..errors import BackendError, EdgeError, ViewerURLError

TIMEOUT = 30.0
MAX_DECISIONS = 1000  # what the local edge keeps
KEY_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Content-Range",
    "ETag",
    "Server",
    "X-Cache",
    "Via",
    "X-Amz-Cf-Id",
)
_HTML_H2 = re.compile(r"<H2>(.*?)</H2>", re.IGNORECASE | re.DOTALL)


def _local() -> bool:
    """Viewer requests go to an edge we can address: the local AWS's, or in aws mode against a
    stand-in the one ``$CFTUTORIAL_EDGE_ENDPOINT`` names (the stand-in run's test)."""
    return config.backend() == "local" or config.edge_endpoint() is not None


def _edge_endpoint() -> str:
    if config.backend() == "aws":
        return str(config.edge_endpoint())
    from ..localaws import process

    state = process.ensure_running()
    if not state.edge_endpoint:
        raise EdgeError(
            f"the local AWS (pid {state.pid}) serves no CloudFront edge; "
            "restart it with 'cftutorial local stop' and 'cftutorial local start'"
        )
    return state.edge_endpoint


def _split(viewer_url: str) -> tuple[str, str]:
    """(host, path with query), exactly as written in ``viewer_url``."""
    parts = urlsplit(viewer_url) if isinstance(viewer_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ViewerURLError(
            f"viewer URL {viewer_url!r} is not an http(s) URL with a host; expected something "
            "like 'https://d111111abcdef8.cloudfront.net/video.mp4'"
        )
    rest = viewer_url.split("//", 1)[1]
    slash = rest.find("/")
    path = rest[slash:] if slash >= 0 else "/"
    if slash < 0 and "?" in rest:
        path = "/?" + rest.split("?", 1)[1]
    return parts.hostname.lower(), path.split("#", 1)[0]


def edge_url(viewer_url: str) -> str:
    """The local edge's address for ``viewer_url``: ``https://D/P?Q`` -> ``EDGE/D/P?Q``."""
    if not _local():
        raise BackendError(
            "edge_url works with the local AWS only; with CFTUTORIAL_BACKEND=aws "
            "request the CloudFront URL itself"
        )
    host, path = _split(viewer_url)
    return f"{_edge_endpoint()}/{host}{path}"


def _cookie_header(cookies: Mapping[str, str], headers: Mapping[str, str]) -> dict[str, str]:
    merged = {k: v for k, v in headers.items() if k.lower() != "cookie"}
    given = [v for k, v in headers.items() if k.lower() == "cookie"]
    pairs = [f"{name}={value}" for name, value in cookies.items()]
    merged["Cookie"] = "; ".join(given + pairs)
    return merged


def request_url(viewer_url: str) -> str:
    """Where a viewer's GET for ``viewer_url`` actually goes: the local edge, or AWS itself.

    Local mode: :func:`edge_url`; aws mode: ``viewer_url`` unchanged. A notebook prints it and
    sends a plain ``requests.get`` there, so the learner sees the HTTP request itself.
    """
    _split(viewer_url)
    return edge_url(viewer_url) if _local() else viewer_url


def fetch(
    viewer_url: str,
    *,
    cookies: Mapping[str, str] | None = None,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
) -> requests.Response:
    """Request ``viewer_url`` as a viewer would (through the local edge in local mode).

    Cookies are sent as one ``Cookie`` header, whatever the host, the way a browser sends the
    signed cookies it was given for the distribution's domain.
    """
    url = request_url(viewer_url)
    sent = dict(headers or {})
    if cookies:
        sent = _cookie_header(cookies, sent)
    try:
        return requests.request(
            method.upper(), url, headers=sent, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise EdgeError(f"could not request {url!r}: {exc}") from None


def recent_decisions(limit: int = 20, *, distribution: str | None = None) -> list[dict[str, Any]]:
    """The local edge's latest decisions, newest last (local mode only).

    Each is ``{"time", "distribution", "path", "status", "code", "reason"}``. With
    ``distribution`` (an Id such as ``E2QWRUHEXAMPLE``) only that distribution's decisions are
    returned: in a shared local AWS a learner should not read other runs' requests.
    """
    if not _local():
        raise BackendError(
            "recent_decisions works with the local AWS only; on AWS read the distribution's "
            "standard logs (x-edge-detailed-result-type) instead"
        )
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= MAX_DECISIONS:
        raise EdgeError(
            f"limit={limit!r} is not a count; use a whole number from 0 to {MAX_DECISIONS}"
        )
    if distribution is not None and (not isinstance(distribution, str) or not distribution):
        raise EdgeError(
            f"distribution={distribution!r} is not a distribution Id; use e.g. "
            "'E2QWRUHEXAMPLE' (the 'id' saved by notebook 04), or None for every distribution"
        )
    decisions = _edge_decisions(MAX_DECISIONS if distribution else limit)
    if distribution:
        decisions = [d for d in decisions if d.get("distribution") == distribution]
    return decisions[-limit:] if limit else []


def deliver_access_logs() -> list[dict[str, str]]:
    """Ask the local edge to deliver its waiting standard access log files now (local only).

    The local edge delivers by itself a few seconds after a request (on AWS: usually within an
    hour); this makes the wait deterministic. One row per file: bucket, key, outcome.
    """
    if config.backend() != "local":
        raise BackendError(
            "deliver_access_logs works with the local AWS only; on AWS, CloudFront delivers the "
            "log files by itself, usually within an hour: list the logging bucket later"
        )
    from ..localaws import process

    url = f"{_edge_endpoint()}/_cftutorial/logs/flush"
    try:
        reply = requests.post(
            url, headers=process.control_headers("application/json"), timeout=TIMEOUT
        )
        reply.raise_for_status()
        return reply.json()["files"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise EdgeError(f"the local edge did not deliver its access logs ({url}): {exc}") from None


def _edge_decisions(limit: int) -> list[dict[str, Any]]:
    url = f"{_edge_endpoint()}/_cftutorial/decisions"
    try:
        reply = requests.get(url, params={"limit": limit}, timeout=TIMEOUT)
        reply.raise_for_status()
        return reply.json()
    except (requests.RequestException, ValueError) as exc:
        raise EdgeError(f"the local edge did not list its decisions ({url}): {exc}") from None


def s3_object_url(bucket: str, key: str) -> str:
    """The address of an object straight on S3, bypassing CloudFront (the guide's step 5).

    Locally the local S3 (path-style); on AWS ``https://BUCKET.s3.amazonaws.com/KEY``.
    """
    if not isinstance(bucket, str) or not bucket or "/" in bucket:
        raise ViewerURLError(f"bucket {bucket!r} is not a bucket name; expected e.g. 'my-videos'")
    if not isinstance(key, str) or not key:
        raise ViewerURLError(f"key {key!r} is not an object key; expected e.g. 'video.mp4'")
    encoded = quote(key, safe="/~")
    if config.backend() == "local":
        from ..localaws import process

        return f"{process.ensure_running().aws_endpoint}/{bucket}/{encoded}"
    # where boto3 sends S3 requests (AWS_ENDPOINT_URL against a stand-in); a URL creates nothing,
    # so no opt-in is needed, and making the client sends no request
    endpoint = clients.client("s3", for_teardown=True).meta.endpoint_url
    if endpoint.endswith(".amazonaws.com"):
        return f"https://{bucket}.s3.amazonaws.com/{encoded}"
    return f"{endpoint}/{bucket}/{encoded}"


def direct_s3_get(bucket: str, key: str) -> requests.Response:
    """An anonymous GET of :func:`s3_object_url`: a private object answers 403 ``AccessDenied``."""
    url = s3_object_url(bucket, key)
    try:
        return requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        raise EdgeError(f"could not request {url!r}: {exc}") from None


def edge_reason(
    viewer_url: str, response: requests.Response, *, distribution: str | None = None
) -> str:
    """Why the edge gave ``response`` for ``viewer_url``, in words a learner can act on.

    Locally: the reason of the local edge's newest decision for that path and status (of
    ``distribution`` when given). On AWS, or when no decision matches: the error code and
    message of the answer's body (CloudFront tells no more than that).
    """
    described = describe_response(response)
    fallback = " ".join(filter(None, (described["code"], described["message"]))) or (
        f"HTTP {response.status_code}"
    )
    if not _local():
        return fallback
    path = _split(viewer_url)[1].split("?", 1)[0]
    for decision in reversed(recent_decisions(MAX_DECISIONS, distribution=distribution)):
        if decision.get("path") == path and decision.get("status") == response.status_code:
            return str(decision.get("reason") or fallback)
    return fallback


def _error_fields(response: requests.Response) -> tuple[str | None, str | None]:
    content_type = response.headers.get("Content-Type", "")
    body = response.content or b""
    if "xml" in content_type and body:
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            return None, None
        if root.tag == "Error":
            return root.findtext("Code"), root.findtext("Message")
    if "html" in content_type and body:
        found = _HTML_H2.search(body.decode("latin-1"))
        if found:
            return None, found.group(1).strip()
    return None, None


def describe_response(response: requests.Response) -> dict[str, Any]:
    """A small summary of an answer for notebooks: status, error code/message, key headers."""
    code, message = (None, None) if response.ok else _error_fields(response)
    return {
        "status": response.status_code,
        "code": code,
        "message": message,
        "from": _answered_by(response),
        "headers": {
            name: response.headers[name] for name in KEY_HEADERS if name in response.headers
        },
        "bytes": len(response.content or b""),
    }


def _answered_by(response: requests.Response) -> str:
    """Who produced the answer: ``cloudfront`` itself, or ``s3`` (directly or relayed)."""
    server = response.headers.get("Server", "")
    via_cloudfront = "cloudfront" in response.headers.get("Via", "").lower()
    if server == "CloudFront":
        return "cloudfront"
    if via_cloudfront:
        return "s3 via cloudfront"
    if server == "AmazonS3" or "x-amz-request-id" in response.headers:
        return "s3"
    return "origin"
