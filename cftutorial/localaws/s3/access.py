"""S3's decision on ``GetObject`` for one principal, as real S3 would make it.

moto stores bucket policies, ACLs and Block Public Access settings but does not enforce them
(gaps S4, S5 and E2 in the fidelity notes): an anonymous GET of a "private" object succeeds and
nothing judges whether a CloudFront OAI or OAC may read the origin. The tutorial's steps 3 and 5
are exactly about that judgement, so it is made here, once, for both the fidelity layer (anonymous
S3 requests) and the local CloudFront edge (the distribution reading its origin).

The module has two halves. :func:`decide_get_object` and :func:`evaluate_policy` are pure: they
take plain facts (:class:`BucketFacts`) and can be tested without a server. :func:`can_get_object`
and :func:`can_list_bucket` read those facts from the local S3 (:mod:`..moto_adapter`).

What is evaluated, and how (the subset of S3 authorisation a tutorial meets):

* bucket policy: each statement applies to the request as :mod:`cftutorial.policies.statements`
  reads it (principals ``"*"``, ``{"AWS": "*"}``, the OAI's ARN or canonical user,
  ``{"Service": "cloudfront.amazonaws.com"}``; ``Action`` / ``Resource`` wildcards; conditions on
  ``AWS:SourceArn`` and ``AWS:SourceAccount``), the reading ``cftutorial audit`` uses too; an
  explicit ``Deny`` beats any ``Allow``. The policy is read by :func:`.policy.parse`, the same
  parser ``PutBucketPolicy`` uses; anything else (``NotPrincipal``, ``NotAction``,
  ``NotResource``, other operators or keys) raises :class:`UnsupportedPolicyError` instead of
  being guessed at.
* object ACL: a ``READ`` or ``FULL_CONTROL`` grant to the principal's canonical user id, or to
  the AllUsers / AuthenticatedUsers groups. ACLs count for nothing when Object Ownership is
  ``BucketOwnerEnforced`` (ACLs disabled).
* Block Public Access: ``IgnorePublicAcls`` makes AllUsers / AuthenticatedUsers grants count for
  nothing. A *public* policy statement (an ``Allow`` to a wildcard principal without a condition)
  counts for nothing for anonymous and cross-account callers when ``RestrictPublicBuckets`` is on,
  and also when ``BlockPublicPolicy`` is on: real S3 would have refused to store such a policy
  (moto stores it anyway), so honouring it would let code pass locally that fails on AWS.
  AWS service principals (OAC's ``cloudfront.amazonaws.com``) are exempt, as on AWS.
* a missing object: ``NoSuchKey`` (404) when the principal may ``s3:ListBucket`` the bucket,
  otherwise ``AccessDenied`` (403), so that callers cannot probe for names; a missing bucket:
  ``NoSuchBucket`` (404), which S3 tells anybody.

Not modelled: the account-level Block Public Access (S3 Control), IAM identity policies (the
local AWS has one all-powerful user; its own requests never come here), KMS key policies,
access points, and Requester Pays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...policies import statements as policies
from ...policies.statements import (
    Anonymous,
    CloudFrontService,
    OriginAccessIdentity,
    PolicyResult,
    Principal,
    describe,
)
from .. import moto_adapter
from ..moto_adapter import BlockPublicAccess, Grant
from .policy import statements_of

ALL_USERS_URI = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS_URI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
READ_PERMISSIONS = frozenset({"READ", "FULL_CONTROL"})


@dataclass(frozen=True)
class AccessDecision:
    """Whether S3 would serve the object, and why (for learners and logs).

    ``code`` is S3's error code when it would not (``AccessDenied``, ``NoSuchKey``,
    ``NoSuchBucket``) and ``None`` when it would.
    """

    allowed: bool
    reason: str
    code: str | None = None

    @property
    def status(self) -> int:
        """The HTTP status S3 answers with."""
        if self.allowed:
            return 200
        return 404 if self.code in ("NoSuchKey", "NoSuchBucket") else 403


# --- facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BucketFacts:
    """Everything the decision needs about a bucket and one of its keys, as plain values."""

    name: str
    policy: str | Mapping[str, Any] | None = None
    acls_enabled: bool = True
    block: BlockPublicAccess = field(default_factory=BlockPublicAccess)
    object_exists: bool = True
    object_grants: tuple[Grant, ...] = ()
    bucket_grants: tuple[Grant, ...] = ()


# --- policy evaluation (pure) -----------------------------------------------------------------


def evaluate_policy(
    policy: str | bytes | Mapping[str, Any], *, action: str, resource: str, principal: Principal
) -> PolicyResult:
    """The bucket policy's effect for one request (:func:`cftutorial.policies.statements.evaluate`
    on the statements S3 stored, read by :func:`.policy.statements_of`)."""
    return policies.evaluate(
        statements_of(policy), action=action, resource=resource, principal=principal
    )


# --- the decision (pure) ----------------------------------------------------------------------


def _acl_allows(grants: Iterable[Grant], principal: Principal, block: BlockPublicAccess) -> str:
    """Why the ACL grants read to ``principal``, or ``""`` when it does not."""
    for grant in grants:
        if grant.permission not in READ_PERMISSIONS:
            continue
        if grant.grantee_uri == ALL_USERS_URI or (
            grant.grantee_uri == AUTHENTICATED_USERS_URI and not isinstance(principal, Anonymous)
        ):
            if block.ignore_public_acls:
                continue
            group = grant.grantee_uri.rsplit("/", 1)[-1]
            return f"the object's ACL grants {grant.permission} to {group}"
        if (
            isinstance(principal, OriginAccessIdentity)
            and grant.grantee_id
            and grant.grantee_id == principal.canonical_user_id
        ):
            return f"the object's ACL grants {grant.permission} to the OAI's canonical user"
    return ""


def _public_acl_ignored(grants: Iterable[Grant], block: BlockPublicAccess) -> bool:
    return block.ignore_public_acls and any(
        g.grantee_uri in (ALL_USERS_URI, AUTHENTICATED_USERS_URI)
        and g.permission in READ_PERMISSIONS
        for g in grants
    )


def _policy_blocked(result: PolicyResult, principal: Principal, block: BlockPublicAccess) -> str:
    """Why Block Public Access voids a public Allow for this principal, or ``""``."""
    if result.effect != "Allow" or not result.public_only:
        return ""
    if isinstance(principal, CloudFrontService):
        return ""  # AWS service principals keep access under RestrictPublicBuckets
    if block.restrict_public_buckets:
        return "RestrictPublicBuckets is on, so the public bucket policy does not apply"
    if block.block_public_policy:
        return "BlockPublicPolicy is on, so S3 would not have accepted this public bucket policy"
    return ""


def decide(
    facts: BucketFacts, key: str, principal: Principal, *, action: str = "s3:GetObject"
) -> AccessDecision:
    """S3's permission decision for ``action`` on ``BUCKET/key`` (object existence aside)."""
    who = describe(principal)
    if action == "s3:ListBucket":
        resource = f"arn:aws:s3:::{facts.name}"
        grants = facts.bucket_grants
    else:
        resource = f"arn:aws:s3:::{facts.name}/{key}"
        grants = facts.object_grants
    result = PolicyResult(None, "the bucket has no policy")
    if facts.policy:
        result = evaluate_policy(
            facts.policy, action=action, resource=resource, principal=principal
        )
    if result.effect == "Deny":
        return AccessDecision(False, f"{result.reason} to {who}", "AccessDenied")
    blocked = _policy_blocked(result, principal, facts.block)
    if result.effect == "Allow" and not blocked:
        return AccessDecision(True, f"{result.reason} to {who}")
    notes = [blocked or result.reason]
    if facts.acls_enabled:
        acl_reason = _acl_allows(grants, principal, facts.block)
        if acl_reason:
            return AccessDecision(True, f"{acl_reason} ({who})")
        if _public_acl_ignored(grants, facts.block):
            notes.append("IgnorePublicAcls is on, so the public ACL grant does not count")
        else:
            notes.append(f"no ACL grant to {who}")
    else:
        notes.append("ACLs are disabled (Object Ownership BucketOwnerEnforced)")
    return AccessDecision(False, f"access denied to {who}: " + "; ".join(notes), "AccessDenied")


def decide_get_object(facts: BucketFacts, key: str, principal: Principal) -> AccessDecision:
    """S3's answer to ``GetObject``, including what a missing object looks like to the caller."""
    if facts.object_exists:
        return decide(facts, key, principal)
    listing = decide(facts, key, principal, action="s3:ListBucket")
    if listing.allowed:
        return AccessDecision(
            False, f"object {key!r} does not exist in bucket {facts.name!r}", "NoSuchKey"
        )
    return AccessDecision(
        False,
        f"object {key!r} does not exist and {describe(principal)} may not list bucket "
        f"{facts.name!r}, so S3 answers AccessDenied rather than NoSuchKey",
        "AccessDenied",
    )


# --- facts from the local S3 (through the moto adapter) ---------------------------------------


def bucket_facts(bucket_name: str, key: str) -> BucketFacts | None:
    """The facts about ``bucket_name`` and ``key`` in the local S3, or ``None`` if no such bucket."""
    bucket = moto_adapter.bucket(bucket_name)
    if bucket is None:
        return None
    object_grants = moto_adapter.object_grants(bucket_name, key) if key else None
    return BucketFacts(
        name=bucket_name,
        policy=bucket.policy,
        acls_enabled=bucket.acls_enabled,
        block=bucket.block,
        object_exists=object_grants is not None,
        object_grants=object_grants or (),
        bucket_grants=bucket.grants,
    )


def _no_bucket(bucket: str) -> AccessDecision:
    return AccessDecision(False, f"bucket {bucket!r} does not exist", "NoSuchBucket")


def can_get_object(bucket: str, key: str, principal: Principal) -> AccessDecision:
    """Whether S3 would answer ``GetObject`` on ``bucket/key`` for ``principal`` with 200.

    Raises :class:`UnsupportedPolicyError` when the bucket policy uses elements the evaluator
    does not understand.
    """
    facts = bucket_facts(bucket, key)
    return _no_bucket(bucket) if facts is None else decide_get_object(facts, key, principal)


def can_list_bucket(bucket: str, principal: Principal) -> AccessDecision:
    """Whether S3 would let ``principal`` list ``bucket`` (``s3:ListBucket``)."""
    facts = bucket_facts(bucket, "")
    if facts is None:
        return _no_bucket(bucket)
    return decide(facts, "", principal, action="s3:ListBucket")


__all__: Sequence[str] = (
    "AccessDecision",
    "Anonymous",
    "BlockPublicAccess",
    "BucketFacts",
    "CloudFrontService",
    "Grant",
    "OriginAccessIdentity",
    "PolicyResult",
    "bucket_facts",
    "can_get_object",
    "can_list_bucket",
    "decide",
    "decide_get_object",
    "evaluate_policy",
)
