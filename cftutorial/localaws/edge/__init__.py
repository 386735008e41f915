"""The local CloudFront edge: serves ``https://DIST.cloudfront.net/PATH`` the way CloudFront does.

moto has no edge at all (gaps E1 and E2), yet the guide's steps 5 and 8 are "unsigned access
fails" and "signed URLs work". This WSGI app, served by the local AWS process on its second port,
reads the CloudFront and S3 state in-process (through :mod:`..moto_adapter`) and answers as
CloudFront would:

1. **Which distribution.** ``EDGE/DOMAIN/PATH?QUERY``, ``Host: DOMAIN`` with ``/PATH?QUERY``, or
   an absolute-form request line (the edge used as an HTTP proxy). ``DOMAIN`` is a distribution's
   ``*.cloudfront.net`` name or one of its aliases. An unknown or disabled distribution gets what
   CloudFront gives a host it serves no distribution for: 403 with its HTML "The request could
   not be satisfied" page ("Bad request."), ``Server: CloudFront``, ``X-Cache: Error from
   cloudfront`` (AWS re:Post, "How do I troubleshoot 403 errors from CloudFront?": a domain not
   associated with a distribution gets a 403 "The request could not be satisfied").
2. **One URL for every decision.** The path and query become the *canonical viewer URL*
   ``https://DOMAIN/PATH?QUERY``, the URL :func:`cftutorial.signing.urls.canonical_url` signs
   (escapes of unreserved characters decoded, dot segments resolved; :mod:`..uri`). The cache
   behaviour, the policy ``Resource`` and the S3 key are all read from it, so a wildcard policy
   for ``https://D/hls/*`` never opens ``/hls/../video.mp4``. A path with an encoded slash
   (``%2F``) gets CloudFront's 400 "Bad request" page before any rule (a local choice).
3. **Which cache behaviour.** The first path pattern that matches, in order (``*`` any run of
   characters including ``/``, ``?`` one character, case-sensitive), else the default one. A
   method the behaviour does not allow gets CloudFront's 403 HTML page for disallowed methods.
4. **Viewer check.** When the behaviour trusts key groups (or ``TrustedSigners``), the canonical
   viewer URL (its ``http://`` spelling too) and the cookies go to
   :func:`cftutorial.signing.verify.verify` with the public keys the behaviour trusts and the TCP peer as
   viewer IP. A denial is CloudFront's 403 XML (``MissingKey``, ``InvalidKey``,
   ``MalformedPolicy``, ``MalformedSignature``, ``AccessDenied``) with ``Content-Type: text/xml``.
5. **Origin request.** The signing parameters never reach the origin: the S3 key comes from the
   canonical path alone (plus the origin path). S3 judges the distribution as it would on AWS
   (:mod:`cftutorial.localaws.s3.access`): as the origin's OAI, as the CloudFront service
   principal with the distribution's ARN (OAC), or as an anonymous caller. S3's refusal
   (``AccessDenied`` 403, ``NoSuchKey`` 404 only when the reader may list the bucket,
   ``NoSuchBucket`` 404) is relayed with S3's XML body and ``Content-Type: application/xml``.
6. **Serving.** The object's bytes and headers, ``Range`` (206, or S3's 416 ``InvalidRange``)
   through werkzeug's own range support, ``HEAD``, conditional requests, and CORS headers for
   in-browser players: S3's answer from the bucket's CORS rules when the behaviour's origin
   request policy forwards ``Origin`` (``CORS-S3Origin`` and the ``AllViewer*`` policies; gap
   E3 of local-aws-fidelity.md), else the edge's own setting (``CFTUTORIAL_EDGE_CORS_ORIGINS``:
   ``*`` by default, a comma-separated list of origins to allow credentials, empty to turn CORS
   off). Error responses carry no CORS headers, as on CloudFront without a matching response
   headers policy.

``OPTIONS`` is answered as CloudFront answers it: only where the behaviour's ``AllowedMethods``
include it (else the disallowed-method 403), after the signature check (a preflight carries no
cookies, so a cookie-protected behaviour answers it ``MissingKey``), then as S3 would from the
bucket's CORS rules when the behaviour forwards ``Origin`` (403 ``AccessForbidden``
"CORSResponse: …" when none matches), else from the edge's own CORS setting.

Before any of this, the port's browser boundary (:mod:`..boundary`) answers a ``Host`` that does
not name this machine (or a distribution's ``*.cloudfront.net`` name, or a configured one) with
this 403 page and the reason.

Local conveniences that AWS does not have: a distribution is served
while its status is still ``InProgress``; there is no cache (every answer is a ``Miss``). It only
reads: ``PUT``/``POST``/``PATCH``/``DELETE`` get the disallowed-method page even when a behaviour
allows them, and an origin that is not an S3 REST endpoint gets a 502 (the local edge reads S3
only). On AWS a name under ``cloudfront.net`` that no distribution uses may not resolve in DNS at
all; locally it reaches the edge and gets the 403 page above.

Every decision is logged as one line and kept in a bounded in-memory list, served as JSON on
``GET EDGE/_cftutorial/decisions?limit=N`` so a learner can ask the edge *why* it said 403.
When a served distribution's ``Logging`` is enabled, every answer is also a line of its
CloudFront standard access log (legacy), delivered as gzip files to the logging bucket a few
seconds later or at once on ``POST EDGE/_cftutorial/logs/flush`` (:mod:`.access_logs`).
The edge never answers 5xx to any request; an unexpected failure is logged with its traceback
and answered 502 ("the origin failed"), which the tests treat as a bug.

The modules, in the order a request meets them: ``routing`` (which distribution, path and
query), ``behaviours`` (which cache behaviour, allowed methods, trusted keys), ``app`` (the WSGI
app: the steps in order, the viewer check), ``origin`` (reading S3 as the distribution, serving
the object), ``responses`` (CloudFront's and S3's error bodies, CORS), ``decisions`` (the
decision log), ``access_logs`` (the standard logs), ``handler`` (werkzeug's request handler
with CloudFront's headers).
"""

from __future__ import annotations

from .app import Edge, boundary_policy, build_edge_app

__all__ = ["Edge", "boundary_policy", "build_edge_app"]
