"""Gap C14: alternate domain names (``Aliases``) need an ISSUED us-east-1 ACM certificate.

What AWS checks when a distribution config is created or updated with ``Aliases`` (moto 5.2.5
checks none of it, and answers ``CloudFrontDefaultCertificate: true`` next to an ACM ARN):

* An alias needs a certificate: with the default ``*.cloudfront.net`` certificate, 400
  ``InvalidViewerCertificate`` ("To add an alternate domain name (CNAME) to a CloudFront
  distribution, you must attach a trusted certificate that validates your authorization to use
  the domain name."; CloudFront Developer Guide, CNAMEs.html, "Requirements for using
  alternate domain names").
* ``ViewerCertificate.ACMCertificateArn`` must name a certificate in **us-east-1** that exists
  and is ISSUED (cnames-and-https-requirements.html, "AWS Region for AWS Certificate Manager";
  API reference, ViewerCertificate: "CloudFront only supports ACM certificates in the US East
  (N. Virginia) Region"), else 400 ``InvalidViewerCertificate`` ("The specified SSL
  certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a
  valid certificate chain.").
* Every alias must be covered by one of the certificate's names; ``*.example.com`` covers one
  label (``videos.example.com``, not ``example.com`` or ``a.b.example.com``), else 400
  ``InvalidViewerCertificate`` ("The certificate that is attached to your distribution
  doesn't cover the alternate domain name (CNAME) that you're trying to add.").
* An alias already on another distribution: 409 ``CNAMEAlreadyExists`` ("One or more of the
  CNAMEs you provided are already associated with a different resource."; AWS re:Post
  knowledge center, resolve-cnamealreadyexists-error).
* ACM refuses to delete a certificate a distribution uses: ``ResourceInUseException`` (ACM API
  reference, DeleteCertificate). moto deletes it.

Locally nobody can add the DNS validation record ACM asks for, so the local AWS issues a
requested certificate by itself ``CFTUTORIAL_ACM_ISSUE_SECONDS`` seconds (default 3) after the
request (moto's own ``ACM_VALIDATION_WAIT`` clock, which issues once *more* than that many
seconds have passed); on AWS it stays PENDING_VALIDATION until the CNAME record is in DNS.
ACM is not in the local AWS's saved state: after a restart the certificates are gone, and an
update that keeps the one a distribution already uses is let through
(:func:`_kept_after_restart`).
"""

from __future__ import annotations

from typing import Any

from ... import config
from .. import moto_adapter
from ..wire import CloudFrontError

ENV_ISSUE_SECONDS = "CFTUTORIAL_ACM_ISSUE_SECONDS"
DEFAULT_ISSUE_SECONDS = 3
CERTIFICATE_REGION = "us-east-1"

NEEDS_CERTIFICATE = (
    "To add an alternate domain name (CNAME) to a CloudFront distribution, you must attach a "
    "trusted certificate that validates your authorization to use the domain name."
)
BAD_CERTIFICATE = (
    "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or "
    "doesn't include a valid certificate chain."
)
NOT_COVERED = (
    "The certificate that is attached to your distribution doesn't cover the alternate domain "
    "name (CNAME) that you're trying to add."
)
CNAME_TAKEN = (
    "One or more of the CNAMEs you provided are already associated with a different resource."
)


def issue_seconds() -> int:
    return int(config.number(ENV_ISSUE_SECONDS, DEFAULT_ISSUE_SECONDS, 0, 3600, whole=True))


def setup() -> None:
    moto_adapter.configure_acm_validation(issue_seconds())


def _items(container: Any) -> list[str]:
    if not isinstance(container, dict):
        return []
    items = container.get("Items") or []
    return [str(i).strip().lower() for i in (items if isinstance(items, list) else [items])]


def covers(name: str, alias: str) -> bool:
    """Whether certificate name ``name`` covers ``alias`` (a ``*.`` wildcard: one label)."""
    name, alias = name.lower().rstrip("."), alias.lower()
    if name.startswith("*."):
        head, _, rest = alias.partition(".")
        return bool(head) and rest == name[2:]
    return name == alias


def _certificate_arn(config: dict) -> str:
    viewer = config.get("ViewerCertificate") or {}
    return str(viewer.get("ACMCertificateArn") or "").strip() if isinstance(viewer, dict) else ""


def check(config: dict, own_id: str | None = None) -> None:
    """Raise the error AWS gives for ``config``'s aliases and certificate (nothing if fine)."""
    aliases = _items(config.get("Aliases"))
    arn = _certificate_arn(config)
    if arn and _kept_after_restart(arn, own_id):
        pass
    elif arn:
        cert = moto_adapter.certificate(arn)
        if cert is None or cert.region != CERTIFICATE_REGION or cert.status != "ISSUED":
            raise CloudFrontError("InvalidViewerCertificate", BAD_CERTIFICATE)
        for alias in aliases:
            if not any(covers(name, alias) for name in cert.names):
                raise CloudFrontError("InvalidViewerCertificate", f"{NOT_COVERED} ({alias})")
    elif aliases:
        raise CloudFrontError("InvalidViewerCertificate", NEEDS_CERTIFICATE)
    for dist in moto_adapter.distributions():
        if dist.id != own_id and set(aliases) & set(dist.aliases):
            raise CloudFrontError("CNAMEAlreadyExists", CNAME_TAKEN)


def _kept_after_restart(arn: str, own_id: str | None) -> bool:
    """The certificate the distribution already uses, gone from ACM: only a restart of the
    local AWS does that (its saved state holds S3 and CloudFront, not ACM; on AWS a certificate
    in use cannot be deleted), so an update that keeps it (disabling for cleanup, another
    notebook's change) is not refused for it."""
    current = moto_adapter.distribution(own_id) if own_id else None
    return (
        current is not None
        and current.certificate_arn == arn
        and moto_adapter.certificate(arn) is None
    )


def distributions_using(arn: str) -> list[str]:
    return [d.id for d in moto_adapter.distributions() if d.certificate_arn == arn]


def _viewer_certificate_init(original):
    def __init__(self, config):
        original(self, config)
        arn = (config or {}).get("ACMCertificateArn") if isinstance(config, dict) else None
        if arn:  # what AWS answers for an ACM certificate
            self.cloud_front_default_certificate = False
            self.certificate_source = "acm"
            self.certificate = arn

    return __init__


def _delete_certificate(original):
    def delete_certificate(self, arn):
        users = distributions_using(arn)
        if users:
            raise moto_adapter.acm_exception(
                "ResourceInUseException",
                f"Certificate {arn} in account {self.account_id} is in use by "
                f"distribution {', '.join(users)}; remove it from the distribution first.",
            )
        return original(self, arn)

    return delete_certificate


PATCHES = (
    moto_adapter.Patch(
        "cloudfront.models",
        "ViewerCertificate",
        "__init__",
        ("self", "config"),
        "C14",
        _viewer_certificate_init,
    ),
    moto_adapter.Patch(
        "acm.models",
        "AWSCertificateManagerBackend",
        "delete_certificate",
        ("self", "arn"),
        "C14",
        _delete_certificate,
    ),
)
