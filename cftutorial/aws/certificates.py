"""ACM certificates for a distribution's alternate domain names (notebook 11).

CloudFront uses ACM certificates from **us-east-1** only, whatever the run's region, so every
client here is made for us-east-1 (:data:`CLOUDFRONT_REGION`). The notebook shows
``acm.request_certificate(...)`` itself; this module finds a run's certificate again (by its
domain name and run tag, so a re-run requests nothing new), waits until it is ISSUED with
boto3's own ``certificate_validated`` waiter, and deletes it.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, WaiterError

from ..errors import CertificateNotIssued
from . import clients, tags
from .missing import is_missing

CLOUDFRONT_REGION = "us-east-1"


def acm_client(acm: Any = None) -> Any:
    return acm or clients.client("acm", region_name=CLOUDFRONT_REGION)


def run_tags(run_name: str) -> list[dict[str, str]]:
    """The ``Tags`` of ``request_certificate``: the run finds (and deletes) it by them."""
    return [{"Key": tags.RUN_TAG, "Value": run_name}]


def _run_of(arn: str, acm: Any) -> str | None:
    try:
        found = acm.list_tags_for_certificate(CertificateArn=arn).get("Tags", [])
    except ClientError:
        return None
    return next((t.get("Value") for t in found if t.get("Key") == tags.RUN_TAG), None)


def find_certificate(domain_name: str, run_name: str, *, acm: Any = None) -> str | None:
    """The ARN of the run's certificate for ``domain_name`` (None: not requested yet)."""
    acm = acm_client(acm)
    for page in acm.get_paginator("list_certificates").paginate():
        for item in page.get("CertificateSummaryList", []):
            if item.get("DomainName") == domain_name and _run_of(item["CertificateArn"], acm) == (
                run_name
            ):
                return item["CertificateArn"]
    return None


def status(arn: str, *, acm: Any = None) -> str:
    return acm_client(acm).describe_certificate(CertificateArn=arn)["Certificate"]["Status"]


def wait_issued(arn: str, *, delay: int = 1, attempts: int = 60, acm: Any = None) -> str:
    """Wait with boto3's ``certificate_validated`` waiter; returns the final status."""
    acm = acm_client(acm)
    try:
        acm.get_waiter("certificate_validated").wait(
            CertificateArn=arn, WaiterConfig={"Delay": delay, "MaxAttempts": attempts}
        )
    except WaiterError as exc:
        raise CertificateNotIssued(
            f"certificate {arn} is still {status(arn, acm=acm)} after {delay * attempts} s: "
            "on AWS add the CNAME record describe_certificate lists under "
            "DomainValidationOptions to your DNS, then run this cell again"
            f" ({exc.last_response.get('Error', {}).get('Code', 'waiter')})"
        ) from None
    return status(arn, acm=acm)


def run_certificates(run_name: str, *, acm: Any = None) -> list[str]:
    """Every certificate tagged with the run."""
    acm = acm_client(acm)
    return [
        item["CertificateArn"]
        for page in acm.get_paginator("list_certificates").paginate()
        for item in page.get("CertificateSummaryList", [])
        if _run_of(item["CertificateArn"], acm) == run_name
    ]


def delete_certificate(arn: str, *, acm: Any = None) -> bool:
    """Delete it; False when it was gone already (deleting twice is harmless)."""
    try:
        acm_client(acm).delete_certificate(CertificateArn=arn)
    except ClientError as exc:
        if is_missing(exc):
            return False
        raise
    return True
