"""S3's decision on ``GetObject`` for one principal, as real S3 would make it.

moto stores bucket policies, ACLs and Block Public Access settings but does not enforce them
(gaps S4, S5 and E2 in the fidelity notes): an anonymous GET of a "private" object succeeds and
nothing judges whether a CloudFront OAI or OAC may read the origin. The tutorial's steps 3 and 5
are exactly about that judgement, so it is made here, once, for both the fidelity layer (anonymous
S3 requests) and the local CloudFront edge (the distribution reading its origin).

The module has two halves. :func:`decide_get_object` and :func:`evaluate_policy` are pure: they
take plain facts (:class:`BucketFacts`) and can be tested without a server. :func:`can_get_object`
and :func:`can_list_bucket` read those facts from moto's in-process S3 backend.

What is evaluated, and how (the subset of S3 authorisation a tutorial meets):

* bucket policy: an explicit ``Deny`` beats any ``Allow``; statements as a list or a single
  object; ``Action`` / ``Resource`` as a string or a list with ``*`` and ``?`` wildcards
  (:mod:`cftutorial.signing.wildcard`; actions case-insensitive, resources case-sensitive); principals ``"*"``, ``{"AWS": "*"}``, the OAI ARN
  ``arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID``, ``{"CanonicalUser": …}``,
  ``{"Service": "cloudfront.amazonaws.com"}``; conditions ``StringEquals``, ``StringLike``,
  ``ArnEquals``, ``ArnLike`` on ``AWS:SourceArn`` and ``AWS:SourceAccount`` (keys
  case-insensitive). Anything else (``NotPrincipal``, ``NotAction``, ``NotResource``, other
  operators or keys) raises :class:`UnsupportedPolicyError` instead of being guessed at.
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

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..config import LOCAL_ACCOUNT_ID
from ..errors import UnsupportedPolicyError
from ..signing import wildcard

OAI_ARN_PREFIX = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "
CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com"
ALL_USERS_URI = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS_URI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
READ_PERMISSIONS = frozenset({"READ", "FULL_CONTROL"})
ACLS_DISABLED = "BucketOwnerEnforced"

STATEMENT_KEYS = frozenset({"Sid", "Effect", "Principal", "Action", "Resource", "Condition"})
UNSUPPORTED_STATEMENT_KEYS = frozenset({"NotPrincipal", "NotAction", "NotResource"})
PRINCIPAL_TYPES = frozenset({"AWS", "CanonicalUser", "Service", "Federated"})
CONDITION_OPERATORS = frozenset({"StringEquals", "StringLike", "ArnEquals", "ArnLike"})
CONDITION_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount"})
POLICY_VERSIONS = frozenset({"2012-10-17", "2008-10-17"})


# --- principals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anonymous:
    """A request without credentials (a browser, ``curl``, the guide's step 5)."""


@dataclass(frozen=True)
class OriginAccessIdentity:
    """CloudFront reading the origin as a (legacy) origin access identity."""

    oai_id: str
    canonical_user_id: str


@dataclass(frozen=True)
class CloudFrontService:
    """CloudFront reading the origin through an origin access control (OAC).

    S3 sees the service principal ``cloudfront.amazonaws.com`` with ``AWS:SourceArn`` set to the
    distribution's ARN, which is what the recommended bucket policy's condition checks.
    """

    source_arn: str


Principal = Anonymous | OriginAccessIdentity | CloudFrontService


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


def describe(principal: Principal) -> str:
    """A short human name for a principal, used in reasons."""
    if isinstance(principal, OriginAccessIdentity):
        return f"origin access identity {principal.oai_id}"
    if isinstance(principal, CloudFrontService):
        return f"CloudFront (OAC) for {principal.source_arn}"
    return "an anonymous caller"


# --- facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One ACL grant: a grantee (canonical user id or group URI) and a permission."""

    grantee_id: str = ""
    grantee_uri: str = ""
    permission: str = "READ"


@dataclass(frozen=True)
class BlockPublicAccess:
    """The bucket's Block Public Access settings (all off when the bucket has none)."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False


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


@dataclass(frozen=True)
class PolicyResult:
    """The bucket policy's verdict: ``"Allow"``, ``"Deny"`` or ``None`` (says nothing)."""

    effect: str | None
    reason: str
    public_only: bool = False  # the Allow came only from statements open to everybody


def parse_policy(policy: str | bytes | Mapping[str, Any]) -> list[dict[str, Any]]:
    """The policy's statements, checked for elements this evaluator understands."""
    if isinstance(policy, bytes):
        policy = policy.decode("utf-8", errors="replace")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as exc:
            raise UnsupportedPolicyError(
                f"bucket policy is not valid JSON ({exc}); a policy is a JSON object with "
                '"Version" and "Statement"'
            ) from None
    if not isinstance(policy, Mapping):
        raise UnsupportedPolicyError(
            f"bucket policy {policy!r} is not a JSON object; expected "
            '{"Version": "2012-10-17", "Statement": [...]}'
        )
    version = policy.get("Version", "2012-10-17")
    if version not in POLICY_VERSIONS:
        raise UnsupportedPolicyError(
            f"bucket policy Version {version!r} is not supported; use one of {sorted(POLICY_VERSIONS)}"
        )
    statements = policy.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise UnsupportedPolicyError(
            f"bucket policy Statement {statements!r} is not a statement or a non-empty list of them"
        )
    for statement in statements:
        _check_statement(statement)
    return [dict(statement) for statement in statements]


def _check_statement(statement: Any) -> None:
    if not isinstance(statement, Mapping):
        raise UnsupportedPolicyError(f"policy statement {statement!r} is not a JSON object")
    unsupported = UNSUPPORTED_STATEMENT_KEYS & statement.keys()
    if unsupported:
        raise UnsupportedPolicyError(
            f"policy statement {_sid(statement)} uses {sorted(unsupported)}, which the local S3 "
            "does not evaluate; write it with Principal, Action and Resource instead"
        )
    unknown = statement.keys() - STATEMENT_KEYS
    if unknown:
        raise UnsupportedPolicyError(
            f"policy statement {_sid(statement)} has unknown element(s) {sorted(unknown)}; "
            f"allowed are {sorted(STATEMENT_KEYS)}"
        )
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise UnsupportedPolicyError(
            f"policy statement {_sid(statement)} has Effect {statement.get('Effect')!r}; "
            'use "Allow" or "Deny"'
        )
    for element in ("Principal", "Action", "Resource"):
        if element not in statement:
            raise UnsupportedPolicyError(
                f"policy statement {_sid(statement)} has no {element}; a bucket policy statement "
                "needs Principal, Action and Resource"
            )
    _strings(statement["Action"], "Action", statement)
    _strings(statement["Resource"], "Resource", statement)
    _check_principal(statement["Principal"], statement)
    _check_condition(statement.get("Condition"), statement)


def _sid(statement: Mapping[str, Any]) -> str:
    sid = statement.get("Sid")
    return repr(sid) if sid else "(no Sid)"


def _strings(value: Any, name: str, statement: Mapping[str, Any]) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise UnsupportedPolicyError(
            f"policy statement {_sid(statement)} has {name} {value!r}; expected a string "
            "or a non-empty list of strings"
        )
    return values


def _check_principal(principal: Any, statement: Mapping[str, Any]) -> None:
    if principal == "*":
        return
    if not isinstance(principal, Mapping) or not principal:
        raise UnsupportedPolicyError(
            f'policy statement {_sid(statement)} has Principal {principal!r}; expected "*" '
            'or an object such as {"AWS": ...}, {"CanonicalUser": ...} or {"Service": ...}'
        )
    unknown = principal.keys() - PRINCIPAL_TYPES
    if unknown:
        raise UnsupportedPolicyError(
            f"policy statement {_sid(statement)} has principal type(s) {sorted(unknown)}; "
            f"known are {sorted(PRINCIPAL_TYPES)}"
        )
    for kind, value in principal.items():
        _strings(value, f"Principal {kind}", statement)


def _check_condition(condition: Any, statement: Mapping[str, Any]) -> None:
    if condition is None:
        return
    if not isinstance(condition, Mapping):
        raise UnsupportedPolicyError(
            f"policy statement {_sid(statement)} has Condition {condition!r}; expected an object"
        )
    for operator, tests in condition.items():
        if operator not in CONDITION_OPERATORS:
            raise UnsupportedPolicyError(
                f"policy statement {_sid(statement)} uses condition operator {operator!r}, which "
                f"the local S3 does not evaluate; supported: {sorted(CONDITION_OPERATORS)}"
            )
        if not isinstance(tests, Mapping) or not tests:
            raise UnsupportedPolicyError(
                f"policy statement {_sid(statement)} has {operator} {tests!r}; expected an "
                'object such as {"AWS:SourceArn": "arn:aws:cloudfront::…:distribution/…"}'
            )
        for key, value in tests.items():
            if key.lower() not in CONDITION_KEYS:
                raise UnsupportedPolicyError(
                    f"policy statement {_sid(statement)} tests condition key {key!r}, which the "
                    "local S3 does not evaluate; supported: AWS:SourceArn, AWS:SourceAccount"
                )
            _strings(value, f"{operator} {key}", statement)


def _principal_matches(spec: Any, principal: Principal) -> tuple[bool, bool]:
    """(matches, via a wildcard principal only)."""
    if spec == "*":
        return True, True
    aws = _as_list(spec.get("AWS"))
    if "*" in aws:
        return True, True
    if isinstance(principal, OriginAccessIdentity):
        arn = OAI_ARN_PREFIX + principal.oai_id
        if arn in aws or principal.canonical_user_id in _as_list(spec.get("CanonicalUser")):
            return True, False
    if isinstance(principal, CloudFrontService) and CLOUDFRONT_SERVICE in _as_list(
        spec.get("Service")
    ):
        return True, False
    return False, False


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _context(principal: Principal) -> dict[str, str]:
    """The condition keys S3 has for this principal (lower-cased names)."""
    if isinstance(principal, CloudFrontService):
        parts = principal.source_arn.split(":")
        account = parts[4] if len(parts) > 4 else ""
        return {"aws:sourcearn": principal.source_arn, "aws:sourceaccount": account}
    return {}


def _condition_holds(condition: Mapping[str, Any] | None, context: Mapping[str, str]) -> bool:
    """Every operator and key must hold; a key absent from the request fails its test."""
    for operator, tests in (condition or {}).items():
        like = operator.endswith("Like")
        for key, expected in tests.items():
            actual = context.get(key.lower())
            if actual is None:
                return False
            wanted = _as_list(expected)
            if like:
                if not any(wildcard.matcher(p)(actual) for p in wanted):
                    return False
            elif actual not in wanted:
                return False
    return True


def _statement_matches(
    statement: Mapping[str, Any], action: str, resource: str, principal: Principal
) -> tuple[bool, bool]:
    """(applies to this request, applies only through a wildcard principal)."""
    actions = _as_list(statement["Action"])
    if not any(wildcard.matcher(p, ignore_case=True)(action) for p in actions):
        return False, False
    if not any(wildcard.matcher(p)(resource) for p in _as_list(statement["Resource"])):
        return False, False
    matches, via_wildcard = _principal_matches(statement["Principal"], principal)
    if not matches or not _condition_holds(statement.get("Condition"), _context(principal)):
        return False, False
    return True, via_wildcard and not statement.get("Condition")


def evaluate_policy(
    policy: str | bytes | Mapping[str, Any], *, action: str, resource: str, principal: Principal
) -> PolicyResult:
    """The bucket policy's effect for one request: explicit Deny beats Allow."""
    allows: list[tuple[Mapping[str, Any], bool]] = []
    for statement in parse_policy(policy):
        applies, public = _statement_matches(statement, action, resource, principal)
        if not applies:
            continue
        if statement["Effect"] == "Deny":
            return PolicyResult(
                "Deny", f"the bucket policy's statement {_sid(statement)} denies {action}"
            )
        allows.append((statement, public))
    if not allows:
        return PolicyResult(
            None, f"no bucket policy statement allows {action} to {describe(principal)}"
        )
    public_only = all(public for _statement, public in allows)
    return PolicyResult(
        "Allow",
        f"the bucket policy's statement {_sid(allows[0][0])} allows {action}",
        public_only=public_only,
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


# --- reading moto's in-process backend --------------------------------------------------------


def _backend() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[LOCAL_ACCOUNT_ID]["aws"]


def _grants(acl: Any) -> tuple[Grant, ...]:
    grants: list[Grant] = []
    for grant in getattr(acl, "grants", None) or []:
        permissions = grant.permissions
        permissions = [permissions] if isinstance(permissions, str) else permissions
        for grantee in grant.grantees:
            for permission in permissions:
                grants.append(Grant(grantee.id or "", grantee.uri or "", permission))
    return tuple(grants)


def _acls_enabled(bucket: Any) -> bool:
    rule = getattr(bucket, "ownership_rule", None)
    if isinstance(rule, Mapping):
        inner = rule.get("Rule")
        rule = (inner.get("ObjectOwnership") if isinstance(inner, Mapping) else None) or rule.get(
            "ObjectOwnership"
        )
    return rule != ACLS_DISABLED


def _block(bucket: Any) -> BlockPublicAccess:
    pab = getattr(bucket, "public_access_block", None)
    if pab is None:
        return BlockPublicAccess()
    return BlockPublicAccess(
        block_public_acls=bool(pab.block_public_acls),
        ignore_public_acls=bool(pab.ignore_public_acls),
        block_public_policy=bool(pab.block_public_policy),
        restrict_public_buckets=bool(pab.restrict_public_buckets),
    )


def _current_key(bucket: Any, key: str) -> Any:
    from moto.s3.models import FakeKey

    found = bucket.keys.get(key)
    return found if isinstance(found, FakeKey) else None


def bucket_facts(bucket_name: str, key: str) -> BucketFacts | None:
    """The facts about ``bucket_name`` and ``key`` in moto's S3, or ``None`` if no such bucket."""
    bucket = _backend().buckets.get(bucket_name)
    if bucket is None:
        return None
    obj = _current_key(bucket, key)
    policy = bucket.policy
    if isinstance(policy, bytes):
        policy = policy.decode("utf-8", errors="replace")
    return BucketFacts(
        name=bucket_name,
        policy=policy or None,
        acls_enabled=_acls_enabled(bucket),
        block=_block(bucket),
        object_exists=obj is not None,
        object_grants=_grants(getattr(obj, "acl", None)) if obj is not None else (),
        bucket_grants=_grants(bucket.acl),
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
    "parse_policy",
)
