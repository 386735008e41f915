"""Notebook 11: signed cookies from a login service, for HLS on the distribution's own domain.

The notebook shows the boto3 calls (``acm.request_certificate``, ``cf.update_distribution``
with ``Aliases`` and ``ViewerCertificate``, ``s3.put_bucket_cors``) and the HTTP exchanges;
this module holds what boto3 does not do: the run's names (:class:`Site`), the config edits,
the lookups that make a re-run safe, the login app's wiring, a ``requests`` session that
behaves like the browser for ``*.localhost`` names (:class:`LocalBrowser`), and putting the
distribution back the way notebook 04 made it (:func:`restore`).

Locally the site is ``cftutorial.localhost``: Chromium, Firefox and curl resolve every
``*.localhost`` name to the loopback address and treat ``http://*.localhost`` as a secure
context (so ``Secure`` cookies work without TLS). On AWS the same steps use a domain you own
(``example.com``): a DNS record validates the certificate, another points the alias at the
distribution, and the browser talks HTTPS.
"""

from __future__ import annotations

import copy
import html
import http.cookiejar
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from .. import config
from ..aws import certificates
from ..aws.distributions import behaviours
from ..errors import BackendError
from ..localaws import process
from ..run import putback
from ..run.modern import require_modern
from ..run.urls import viewer_url
from . import login_app, saved, signing_key, state

PARENT_DOMAIN = "cftutorial.localhost"
#: The managed origin request policy CORS-S3Origin: passes ``Origin`` (and the preflight
#: headers) to S3, so the bucket's CORS rules answer the player's cross-origin requests.
CORS_S3_ORIGIN = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
TLS_POLICY = "TLSv1.2_2021"
CHECK_SEGMENTS = ("video0.ts", "video1.ts")


@dataclass(frozen=True)
class Site:
    """The names of the learner's site: a parent domain, the video host and the login host."""

    parent_domain: str = PARENT_DOMAIN

    @property
    def alias(self) -> str:
        """The distribution's alternate domain name (``videos.example.com`` on AWS)."""
        return f"videos.{self.parent_domain}"

    @property
    def login_host(self) -> str:
        return f"login.{self.parent_domain}"

    @property
    def certificate_name(self) -> str:
        """One wildcard certificate name covering the video host (and the login host)."""
        return f"*.{self.parent_domain}"

    def viewer_url(self, key: str) -> str:
        """``https://ALIAS/KEY``: what the signed policy's Resource and the edge compare."""
        return viewer_url(self.alias, key)


def check_run(run: state.Run, approach: str = "modern") -> saved.Checked:
    """The run's bucket, distribution and key group exist (local AWS, modern path only)."""
    if config.backend() != "local":
        raise BackendError(
            "notebook 11 runs against the local AWS only: on AWS an alternate domain name needs "
            "a domain you own, the certificate's DNS validation record and a DNS record for the "
            "alias; follow the same calls with your domain in place of cftutorial.localhost"
        )
    require_modern(run.values(), "11", approach)
    return saved.check(run, "bucket", "distribution", "signing_key")


def find_certificate(run_name: str, site: Site) -> str | None:
    """The run's certificate for the site, if an earlier run of this notebook requested it."""
    return certificates.find_certificate(site.certificate_name, run_name)


def with_alias(distribution_config: dict[str, Any], *, alias: str, arn: str) -> dict[str, Any]:
    """The config with the alias, the ACM certificate and CORS-S3Origin on every behaviour."""
    changed = copy.deepcopy(distribution_config)
    changed["Aliases"] = {"Quantity": 1, "Items": [alias]}
    changed["ViewerCertificate"] = {
        "ACMCertificateArn": arn,
        "SSLSupportMethod": "sni-only",  # every modern browser sends SNI; "vip" costs money
        "MinimumProtocolVersion": TLS_POLICY,
    }
    for behaviour in behaviours(changed):
        behaviour["OriginRequestPolicyId"] = CORS_S3_ORIGIN
    return changed


def cors_configuration(login_origin: str) -> dict[str, Any]:
    """The bucket's CORS rules: the login site's pages may read the videos, with cookies."""
    return {
        "CORSRules": [
            {
                "AllowedOrigins": [login_origin],
                "AllowedMethods": ["GET", "HEAD"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["Content-Length", "Content-Range"],
                "MaxAgeSeconds": 600,
            }
        ]
    }


def edge_port() -> int:
    """The local edge's port: the browser reaches ``http://ALIAS:PORT``."""
    port = urlsplit(process.ensure_running().edge_endpoint or "").port
    if not port:
        raise BackendError(
            "the local AWS serves no CloudFront edge; restart it with 'cftutorial local stop' "
            "and 'cftutorial local start'"
        )
    return port


def browser_url(host: str, port: int, path: str = "/") -> str:
    """``http://HOST:PORT/PATH``: what the learner's browser opens locally."""
    return f"http://{host}:{port}{path}"


def start_login_app(
    run: state.Run,
    site: Site,
    *,
    scope: login_app.CookieScope,
    hash_algorithm: str | None = None,
    port: int = 0,
) -> login_app.Running:
    """Start (or restart) the run's login app: it signs ``https://ALIAS/hls/*`` per login."""
    signer = signing_key.signer_for(run, hash_algorithm)
    resource = site.viewer_url("hls/*")

    def sign() -> dict[str, str]:
        return signer.sign_cookies(resource, date_less_than=int(time.time()) + scope.lifetime)

    playlist = browser_url(site.alias, edge_port(), "/hls/video.m3u8")
    app = login_app.LoginApp(sign=sign, scope=scope, playlist_url=playlist)
    return login_app.start(run.name, app, port=port)


def stop_login_app(run_name: str) -> bool:
    return login_app.stop(run_name)


class _LocalhostIsSecure(http.cookiejar.DefaultCookiePolicy):
    """Browsers send ``Secure`` cookies to ``http://*.localhost`` (a secure context)."""

    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        host = (urlsplit(request.get_full_url()).hostname or "").lower()
        if host == "localhost" or host.endswith(".localhost"):
            return True
        return super().return_ok_secure(cookie, request)


class LocalBrowser(requests.Session):
    """A ``requests`` session that treats ``*.localhost`` the way a browser does.

    Python's resolver (glibc without systemd-resolved) does not resolve ``*.localhost``, so a
    request for ``http://NAME.localhost:PORT/…`` is sent to ``127.0.0.1:PORT`` with ``Host:
    NAME.localhost:PORT``; the cookie jar matches ``Domain`` and ``Path`` on that host, and
    sends ``Secure`` cookies to it (:class:`_LocalhostIsSecure`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(_LocalhostIsSecure())

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(str(url))
        host = (parts.hostname or "").lower()
        if host.endswith(".localhost"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("Host", parts.netloc)
            kwargs["headers"] = headers
            netloc = f"{config.LOCAL_HOST}:{parts.port}" if parts.port else config.LOCAL_HOST
            url = urlunsplit(parts._replace(netloc=netloc))
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """requests copies the jar into a plain one (default policy) for each request; the
        ``Cookie`` header is made again from the session's own jar, with its policy."""
        prepared = super().prepare_request(request)
        prepared.headers.pop("Cookie", None)
        header = requests.cookies.get_cookie_header(self.cookies, prepared)
        if header:
            prepared.headers["Cookie"] = header
        return prepared


def signed_cookie_names(browser: requests.Session) -> list[str]:
    return sorted(c.name for c in browser.cookies if c.name.startswith("CloudFront-"))


#: A link to something this kernel serves: a static page (the book) has no kernel to ask, and
#: docs/conf.py replaces an element of this class with a note saying so.
LIVE_LINK_CLASS = "cftutorial-live-link"
#: What the last section says when ``put_back`` is False.
HOW_TO_PUT_BACK = (
    "Nothing was put back (put_back = False): the login app keeps running in this kernel and "
    "the distribution keeps its alias, certificate and CORS, so the login page and the player "
    "work. To put it all back, tick 'put back' in the form (or set put_back = True) and run "
    "this section again; notebook 08's clean-up also removes it with the rest of the run."
)


def login_link(login_origin: str) -> str:
    """The login page's link, as HTML marked as served live by this kernel."""
    url = html.escape(f"{login_origin}/")
    return (
        f'<a class="{LIVE_LINK_CLASS}" href="{url}" target="_blank">{url}</a> '
        "(the login page, served by this kernel)"
    )


#: This notebook's name in the put-back records.
NOTEBOOK = "11"


def record_changes(run: state.Run, site: Site, *, bucket: str, distribution_id: str) -> None:
    """Before the first change: record what this notebook changes (its certificate, the
    bucket's CORS rules, the alias on the distribution) in the run's put-back records, so
    :func:`saved.put_back` can undo it later, also after a crash half-way. A re-run over a
    live alias keeps the records of the first run (what was there before it). Saves the run
    once, with the three records."""
    putback.record(
        run, NOTEBOOK, "certificate", site.certificate_name, putback.DELETE,
        what="certificate", where={"run_name": run.name},
    )  # fmt: skip
    putback.record(
        run, NOTEBOOK, "bucket CORS", bucket, putback.prior_cors(bucket), what="CORS rules"
    )
    putback.record(
        run, NOTEBOOK, "distribution alias", distribution_id, putback.DELETE,
        what="alias, certificate, CORS policy",
    )  # fmt: skip
    run.save()


def put_back(run: state.Run) -> list[dict[str, str]]:
    """Stop the login app, then undo what :func:`record_changes` recorded (newest first: the
    alias, waiting until Deployed, the CORS rules, the certificate); one row each."""
    stopped = "stopped" if stop_login_app(run.name) else "not running"
    return [
        {"what": "login app", "id": "this kernel", "state": stopped},
        *saved.put_back(run, NOTEBOOK),
    ]
