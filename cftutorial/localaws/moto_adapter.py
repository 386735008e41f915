"""The one door to moto: the rest of the local AWS imports this module, and nothing else of moto.

Its code lives in :mod:`.moto`, one module per job: :mod:`.moto.values` (the plain values
handed out), :mod:`.moto.modules` (moto's modules, imported lazily), :mod:`.moto.read` (the read
model), :mod:`.moto.writes` (the fidelity layer's writes), :mod:`.moto.state` (the state on disk,
by partition), :mod:`.moto.kms` (KMS Sign) and :mod:`.moto.patches` (the patch registry and the
guard's expectations); only they import moto or touch its objects. This module names what they
offer.

Everything else (the CloudFront and S3 rules, the edge) asks this module for plain values --
a distribution by domain with its enabled flag, behaviours, trusted key groups and signers,
origins with their OAI/OAC, key group items, public key PEMs, bucket facts, object bytes and
metadata -- and asks it to make the few writes the fidelity layer needs (ETags, key group and
public key updates, deletions, deployment restarts, bucket defaults). Patches of moto's methods
are declared as :class:`Patch` values by the rule modules and installed here.

Every moto attribute read here is declared in :func:`expectations`, so the guard
(:mod:`.guard`) refuses to start the server on a moto that no longer has one. moto's
distribution config fields (``Enabled``, ``Origins``, ``CacheBehaviors``…) are the request's
own dict keys, stored verbatim by ``DistributionConfig.__init__`` (``self.__dict__.update``);
they are read defensively.

Deployment (gap C4) uses moto's own state manager: ``cloudfront::distribution`` moves
``InProgress`` -> ``Deployed`` by time (``progression: time``, ``CFTUTORIAL_DEPLOY_SECONDS``).
moto never goes back to ``InProgress`` on an update, so :func:`restart_deployment` sets the
status through ``ManagedState``'s public setter and restarts its clock (``_time_progressed``,
the one private attribute written, guarded like the reads).
"""

from __future__ import annotations

from .moto.kms import kms_key_arn, kms_sign_digest, kms_sign_request, kms_validation_error
from .moto.modules import (
    acm_exception,
    cloudfront_exception,
    moto_app,
    moto_version,
    serialize_cloudfront,
    utcnow,
)
from .moto.patches import Patch, apply, expectations
from .moto.read import (
    bucket,
    bucket_exists,
    certificate,
    distribution,
    distribution_answer,
    distribution_by_domain,
    distribution_of,
    distribution_with_caller_reference,
    distributions,
    key_group,
    key_groups,
    multipart_upload_exists,
    object_exists,
    object_grants,
    origin_access_control_etag,
    origin_access_control_names,
    public_key,
    public_key_answer,
    public_key_ids,
    public_keys,
    stored_object,
)
from .moto.state import (
    CLOUDFRONT,
    KMS,
    Partition,
    changed_keys,
    changed_uploads,
    install_partition,
    key_versions,
    moto_partitions,
    noting,
    partition_value,
    reset_kept_state,
    restore_legacy_state,
    s3_bucket,
    s3_key,
    s3_target,
    s3_upload,
    server_access_log_bucket,
    service_of,
    state_summary,
    uploads,
)
from .moto.values import (
    ACLS_DISABLED,
    DISTRIBUTION_MODEL,
    REQUEST_FINGERPRINT,
    Behaviour,
    BlockPublicAccess,
    Bucket,
    Certificate,
    CorsRule,
    Distribution,
    Grant,
    KeyGroup,
    Origin,
    PublicKey,
    StandardLogging,
    StoredObject,
    dispose_after_reads,
)
from .moto.writes import (
    add_bucket_grant,
    apply_bucket_defaults,
    apply_default_encryption,
    configure_acm_validation,
    configure_deployment,
    delete_key_group,
    delete_origin_access_control,
    delete_public_key,
    deploy_from_now,
    deployments_started,
    keep_origin_access,
    put_object,
    remember_request,
    restart_deployment,
    result_fields,
    set_etag,
    set_status,
    store_acl_from_body,
    update_key_group,
    update_public_key_comment,
)

__all__ = [
    "ACLS_DISABLED",
    "CLOUDFRONT",
    "DISTRIBUTION_MODEL",
    "KMS",
    "REQUEST_FINGERPRINT",
    "Behaviour",
    "BlockPublicAccess",
    "Bucket",
    "Certificate",
    "CorsRule",
    "Distribution",
    "Grant",
    "KeyGroup",
    "Origin",
    "Partition",
    "Patch",
    "PublicKey",
    "StandardLogging",
    "StoredObject",
    "acm_exception",
    "add_bucket_grant",
    "apply",
    "apply_bucket_defaults",
    "apply_default_encryption",
    "bucket",
    "bucket_exists",
    "certificate",
    "changed_keys",
    "changed_uploads",
    "cloudfront_exception",
    "configure_acm_validation",
    "configure_deployment",
    "delete_key_group",
    "delete_origin_access_control",
    "delete_public_key",
    "deploy_from_now",
    "deployments_started",
    "dispose_after_reads",
    "distribution",
    "distribution_answer",
    "distribution_by_domain",
    "distribution_of",
    "distribution_with_caller_reference",
    "distributions",
    "expectations",
    "install_partition",
    "keep_origin_access",
    "key_group",
    "key_groups",
    "key_versions",
    "kms_key_arn",
    "kms_sign_digest",
    "kms_sign_request",
    "kms_validation_error",
    "moto_app",
    "moto_partitions",
    "moto_version",
    "multipart_upload_exists",
    "noting",
    "object_exists",
    "object_grants",
    "origin_access_control_etag",
    "origin_access_control_names",
    "partition_value",
    "public_key",
    "public_key_answer",
    "public_key_ids",
    "public_keys",
    "put_object",
    "remember_request",
    "reset_kept_state",
    "restart_deployment",
    "restore_legacy_state",
    "result_fields",
    "s3_bucket",
    "s3_key",
    "s3_target",
    "s3_upload",
    "serialize_cloudfront",
    "server_access_log_bucket",
    "service_of",
    "set_etag",
    "set_status",
    "state_summary",
    "store_acl_from_body",
    "stored_object",
    "update_key_group",
    "update_public_key_comment",
    "uploads",
    "utcnow",
]
