"""The patch registry (:class:`Patch`, installed once by :func:`apply`) and what the adapter relies
on: :func:`expectations`, every moto attribute the adapter reads or writes, which the guard
(``localaws/guard.py``) checks before the server starts.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..guard import Expectation
from .modules import _acm_models, _cf_models, _kms_models, _kms_utils, _s3_models, _s3_responses

# --- patches -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Patch:
    """Replace ``moto.<module>.<owner>.<attribute>`` by ``make(original)``.

    ``params`` is the signature the replacement relies on (``None``: any). With ``prop`` set,
    the attribute becomes a read-only property computed by ``make`` (a getter taking the moto
    object); moto's own assignments to it are ignored.
    """

    module: str
    owner: str
    attribute: str
    params: tuple[str, ...] | None
    gap: str
    make: Callable[[Callable], Callable] | Callable[[Any], Any]
    prop: bool = False

    def target(self) -> type:
        import importlib

        return getattr(importlib.import_module(f"moto.{self.module}"), self.owner)

    def expectation(self) -> Expectation:
        return Expectation(self.target(), self.attribute, self.params, self.gap, instance=self.prop)


def apply(patch: Patch) -> None:
    """Install one patch, once (re-applying is a no-op)."""
    owner = patch.target()
    current = inspect.getattr_static(owner, patch.attribute, None)
    if patch.prop:
        if getattr(getattr(current, "fget", None), "_cftutorial_patch", False):
            return
        getter = patch.make
        getter._cftutorial_patch = True  # type: ignore[attr-defined]
        setattr(owner, patch.attribute, property(getter, _ignore_assignment))
        return
    if getattr(current, "_cftutorial_patch", False):
        return
    replacement = patch.make(getattr(owner, patch.attribute))
    replacement._cftutorial_patch = True  # type: ignore[attr-defined]
    replacement.__wrapped__ = current  # type: ignore[attr-defined]
    setattr(owner, patch.attribute, replacement)


def _ignore_assignment(self: Any, value: Any) -> None:
    """moto's constructor assigns placeholders; the computed view replaces them."""


# --- what the adapter relies on ----------------------------------------------------------------


def expectations() -> list[Expectation]:
    """Every moto attribute this module reads or writes, for the guard."""
    cf, s3 = _cf_models(), _s3_models()
    from moto.core.responses import ActionResult
    from moto.moto_api._internal.managed_state_model import ManagedState
    from moto.moto_api._internal.state_manager import StateManager

    def own(owner: type, *names: str, gap: str = "edge") -> list[Expectation]:
        return [Expectation(owner, name, None, gap, instance=True) for name in names]

    kms, kms_utils = _kms_models(), _kms_utils()
    from moto.kms import responses as kms_responses

    return [
        Expectation(cf, "cloudfront_backends", None, "adapter"),
        Expectation(s3, "s3_backends", None, "adapter"),
        Expectation(kms, "kms_backends", None, "persistence"),
        *own(kms.KmsBackend, "keys", gap="persistence"),
        Expectation(kms.KmsBackend, "describe_key", ("self", "key_id"), "K1"),
        Expectation(kms_responses.KmsResponse, "_get_param", None, "K1"),
        Expectation(kms_responses.KmsResponse, "kms_backend", None, "K1"),
        *own(kms.Key, "key_usage", "arn", "private_key", gap="K1"),
        Expectation(kms.Key, "signing_algorithms", None, "K1"),
        *own(kms_utils.RSAPrivateKey, "private_key", gap="K1"),
        *own(kms_utils.ECDSAPrivateKey, "private_key", gap="K1"),
        *own(
            cf.CloudFrontBackend,
            "distributions",
            "key_groups",
            "public_keys",
            "origin_access_controls",
            gap="adapter",
        ),
        *own(
            cf.Distribution, "distribution_id", "arn", "domain_name", "etag", "distribution_config"
        ),
        Expectation(cf.DistributionConfig, "__dict__", None, "adapter", instance=True),
        *own(cf.DistributionConfig, "caller_reference", gap="C11"),
        Expectation(cf.Distribution, "location", None, "C11"),
        *own(cf.DefaultCacheBehaviour, "target_origin_id", "trusted_key_groups", "trusted_signers"),
        *own(cf.DefaultCacheBehaviour, "allowed_methods"),
        *own(cf.CacheBehaviour, "path_pattern"),
        *own(cf.TrustedKeyGroups, "items", "enabled"),
        *own(cf.TrustedSigners, "items", "enabled"),
        *own(cf.AllowedMethods, "items"),
        *own(cf.Origin, "id", "domain_name", "origin_path", "s3_access_identity"),
        *own(cf.KeyGroup, "id", "name", "items", "etag", gap="C7"),
        *own(cf.PublicKey, "id", "name", "encoded_key", "comment", "etag", "caller_ref", gap="C8"),
        *own(cf.PublicKey, "created_time", gap="C8"),
        *own(cf.OriginAccessControl, "etag", gap="C5"),
        *own(cf.OriginAccessControl, "name", gap="C11"),
        Expectation(ActionResult, "result", None, "C12"),
        # C4 through moto's state manager
        Expectation(ManagedState, "status", None, "C4"),
        *own(ManagedState, "_time_progressed", gap="C4"),
        Expectation(StateManager, "set_transition", ("self", "model_name", "transition"), "C4"),
        *own(s3.S3Backend, "buckets", gap="S4-S8"),
        *own(s3.S3Backend, "partition", "account_id", gap="persistence"),
        Expectation(s3.s3_backends, "bucket_accounts", None, "persistence"),
        *own(cf.CloudFrontBackend, "invalidations", gap="persistence"),
        *own(s3.FakeBucket, "policy", "acl", "ownership_rule", "public_access_block", "keys"),
        *own(s3.FakeBucket, "multiparts", gap="4xx"),
        *own(
            s3.PublicAccessBlock,
            "block_public_acls",
            "ignore_public_acls",
            "block_public_policy",
            "restrict_public_buckets",
        ),
        Expectation(
            s3.PublicAccessBlock,
            "__init__",
            (
                "self",
                "block_public_acls",
                "ignore_public_acls",
                "block_public_policy",
                "restrict_public_buckets",
            ),
            "S1",
        ),
        Expectation(_s3_responses().S3Response, "_acl_from_body", ("self",), "S3"),
        Expectation(_s3_responses().S3Response, "_acl_from_headers", ("self", "headers"), "S3"),
        *own(s3.FakeAcl, "grants"),
        Expectation(s3.FakeAcl, "__init__", ("self", "grants"), "logs"),
        Expectation(s3.FakeGrant, "__init__", ("self", "grantees", "permissions"), "logs"),
        Expectation(
            s3.FakeGrantee, "__init__", ("self", "grantee_id", "uri", "display_name"), "logs"
        ),
        Expectation(s3.S3Backend, "put_object", None, "logs"),
        *own(cf.Logging, "enabled", "include_cookies", "bucket", "prefix", gap="logs"),
        *own(s3.FakeGrant, "grantees", "permissions"),
        *own(s3.FakeGrantee, "id", "uri"),
        *own(s3.FakeKey, "value", "etag", "lock", "metadata", "last_modified_RFC1123", "acl"),
        *own(s3.FakeKey, "_value_buffer", "size", gap="memory"),
        Expectation(s3.FakeKey, "__init__", None, "edge"),
        *own(cf.DefaultCacheBehaviour, "origin_request_policy_id", gap="C14"),
        *own(cf.ViewerCertificate, "acm_certificate_arn", gap="C14"),
        *own(s3.FakeBucket, "cors", gap="C14"),
        *own(s3.CorsRule, "allowed_origins", "allowed_methods", "allowed_headers", gap="C14"),
        *own(s3.CorsRule, "exposed_headers", "max_age_seconds", gap="C14"),
        *_acm_expectations(),
        *_state_expectations(),
    ]


def _state_expectations() -> list[Expectation]:
    """What the state files' partitions read and write (gap "state": persistence.py)."""
    s3, cf, kms = _s3_models(), _cf_models(), _kms_models()
    from moto.core.request import Request
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.s3 import responses, utils
    from moto.s3bucket_path import utils as path_style
    from moto.utilities.tagging_service import TaggingService

    def own(owner: type, *names: str) -> list[Expectation]:
        return [Expectation(owner, name, None, "state", instance=True) for name in names]

    return [
        *(Expectation(s3, name, None, "state") for name in ("_VersionedKeyStore", "MultipartDict")),
        *own(s3.FakeBucket, "name", "keys", "multiparts", "logging", "partition", "account_id"),
        Expectation(s3.FakeBucket, "arn", None, "state"),
        Expectation(s3.FakeKey, "arn", None, "state"),
        *own(s3.S3Backend, "tagger"),
        *own(TaggingService, "tags"),
        *(
            Expectation(owner, "__init__", ("self", "region_name", "account_id"), "state")
            for owner in (s3.S3Backend, cf.CloudFrontBackend, kms.KmsBackend)
        ),
        *own(s3.S3Backend, "region_name"),
        *(
            Expectation(owner, "reset", ("self",), "state")
            for owner in (cf.CloudFrontBackend, kms.KmsBackend)
        ),
        Expectation(s3.FakeMultipart, "__init__", None, "state"),
        Expectation(s3.FakeDeleteMarker, "__init__", None, "state"),
        Expectation(responses.S3Response, "subdomain_based_buckets", ("request",), "state"),
        Expectation(responses, "parse_key_name", ("pth",), "state"),
        Expectation(utils, "bucket_name_from_url", ("url",), "state"),
        Expectation(path_style, "bucket_name_from_url", ("url",), "state"),
        Expectation(path_style, "parse_key_name", ("path",), "state"),
        Expectation(Request, "raw_url", None, "state"),
        Expectation(Request, "raw_path", None, "state"),
        Expectation(
            DomainDispatcherApplication,
            "infer_service_region_host",
            ("self", "environ", "path"),
            "state",
        ),
    ]


def _acm_expectations() -> list[Expectation]:
    acm = _acm_models()
    from moto import settings

    return [
        Expectation(acm, "acm_backends", None, "C14"),
        Expectation(settings, "ACM_VALIDATION_WAIT", None, "C14"),
        Expectation(acm.AWSCertificateManagerBackend, "get_certificate", ("self", "arn"), "C14"),
        *(
            Expectation(acm.CertBundle, name, None, "C14", instance=True)
            for name in ("arn", "status", "common_name", "sans")
        ),
    ]
