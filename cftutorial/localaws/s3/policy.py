"""THE bucket-policy parser: one reading of a policy, when it is put and when it is evaluated.

Gap S7: AWS parses the policy when it is put: invalid JSON, a missing ``Statement``/``Effect``/
``Principal``/``Action``/``Resource``, an unknown effect or a resource outside the bucket fail at
once with 400 ``MalformedPolicy``; with Block Public Access ``BlockPublicPolicy`` on, a policy that
grants access to everyone fails with 403 ``AccessDenied``; a principal naming an OAI that does not
exist is ``MalformedPolicy`` "Invalid principal in policy"; and S3 rewrites an OAI given as
``{"CanonicalUser": "<S3CanonicalUserId>"}`` to its ARN form
``{"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID"}``, which is what
``get_bucket_policy`` then returns. moto 5.2.5 stores anything and then answers HTTP 500 to every
later request on the bucket.

:func:`parse` is used by :func:`check` (``PutBucketPolicy``) and by :mod:`.access` (every read),
so what is stored is exactly what can be evaluated; how a stored statement applies to a request
is :mod:`cftutorial.policies.statements`, which ``cftutorial audit`` reads real policies with. It raises :class:`MalformedPolicyError`
(S3's own refusal, with S3's message in ``aws_message``) or, for a policy AWS would accept but
the local S3 does not evaluate (``NotPrincipal``, ``NotAction``, ``NotResource``, condition
operators other than ``StringEquals``/``StringLike``/``ArnEquals``/``ArnLike``, keys other than
``AWS:SourceArn``/``AWS:SourceAccount``), :class:`UnsupportedPolicyError`. ``PutBucketPolicy``
refuses both with 400 ``MalformedPolicy`` (the second with a message saying it is a local
limit), so a stored policy never fails later; a read that still meets one (a policy stored some
other way) is denied, never guessed at.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import UnsupportedPolicyError
from ...policies.statements import (
    CONDITION_KEYS,
    CONDITION_OPERATORS,
    OAI_ARN_PREFIX,
    as_list,
    sid,
)
from ...policies.statements import is_public as _public_statement
from ...signing import wildcard
from .. import moto_adapter
from ..cloudfront import oai
from ..wire import Request, Response
from .errors import s3_error
from .paths import bucket_and_key, bucket_exists

POLICY_VERSIONS = frozenset({"2012-10-17", "2008-10-17"})
STATEMENT_KEYS = frozenset({"Sid", "Effect", "Principal", "Action", "Resource", "Condition"})
UNSUPPORTED_STATEMENT_KEYS = frozenset({"NotPrincipal", "NotAction", "NotResource"})
PRINCIPAL_TYPES = frozenset({"AWS", "CanonicalUser", "Service", "Federated"})
NOT_JSON = "Policies must be valid JSON and the first byte must be '{'"
#: Headers describing the body as the client sent it; dropped when S3 rewrites the policy.
BODY_DIGEST_HEADERS = ("HTTP_CONTENT_MD5", "HTTP_X_AMZ_SDK_CHECKSUM_ALGORITHM")


#: S3's limit: "The maximum size of a policy is 20 KB", counted without insignificant whitespace.
MAX_POLICY_BYTES = 20 * 1024
#: A body this large is refused unread (no whitespace could bring it under the limit sensibly).
MAX_POLICY_BODY = 16 * MAX_POLICY_BYTES
TOO_LARGE = "Policy exceeds the maximum allowed document size."
#: Deeper JSON than any policy needs is refused before anything walks it recursively.
MAX_DEPTH = 32


class MalformedPolicyError(UnsupportedPolicyError):
    """S3 itself refuses this policy: 400 ``code`` (``MalformedPolicy``) with ``aws_message``."""

    def __init__(
        self, aws_message: str, detail: str | None = None, code: str = "MalformedPolicy"
    ) -> None:
        super().__init__(detail or aws_message)
        self.aws_message = aws_message
        self.code = code


def _too_large(size: int) -> MalformedPolicyError:
    return MalformedPolicyError(
        TOO_LARGE,
        f"bucket policy is {size} bytes without whitespace; S3 allows {MAX_POLICY_BYTES}",
        code="PolicyTooLarge",
    )


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, Mapping):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return deepest


# --- parsing ------------------------------------------------------------------------------------


def _document(policy: str | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(policy, bytes):
        policy = policy.decode("utf-8", errors="replace")
    if isinstance(policy, str):
        if not policy.strip().startswith("{"):
            raise MalformedPolicyError(NOT_JSON, "bucket policy is not valid JSON (no '{' first)")
        if len(policy) > MAX_POLICY_BODY:
            raise _too_large(len(policy))
        try:
            policy = json.loads(policy)
        except (ValueError, RecursionError) as exc:
            raise MalformedPolicyError(
                NOT_JSON,
                f"bucket policy is not valid JSON ({type(exc).__name__}); a policy is a JSON "
                'object with "Version" and "Statement"',
            ) from None
        if _depth(policy) > MAX_DEPTH:
            raise MalformedPolicyError(
                NOT_JSON, f"bucket policy nests deeper than {MAX_DEPTH} levels"
            )
        compact = len(json.dumps(policy, separators=(",", ":"), ensure_ascii=False).encode())
        if compact > MAX_POLICY_BYTES:
            raise _too_large(compact)
    if not isinstance(policy, Mapping):
        raise MalformedPolicyError(
            NOT_JSON,
            f"bucket policy {policy!r} is not a JSON object; expected "
            '{"Version": "2012-10-17", "Statement": [...]}',
        )
    return policy


@functools.lru_cache(maxsize=64)
def _parse_text(text: str) -> tuple[dict, ...]:
    return tuple(parse(text))


def statements_of(policy: str | bytes | Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    """:func:`parse` for evaluation (read only): a stored policy's text is parsed once and
    cached, as every read through the edge evaluates it (up to 20 KB of JSON each time)."""
    if isinstance(policy, bytes):
        policy = policy.decode("utf-8", errors="replace")
    if isinstance(policy, str):
        return _parse_text(policy)
    return parse(policy)


def parse(policy: str | bytes | Mapping[str, Any], bucket: str | None = None) -> list[dict]:
    """The policy's statements; raises for what S3 refuses or the local S3 cannot evaluate.

    ``bucket``: every ``Resource`` must name it (S3 checks that at put time).
    """
    document = _document(policy)
    version = document.get("Version", "2012-10-17")
    if version not in POLICY_VERSIONS:
        raise MalformedPolicyError(
            f"Invalid policy version: {version} (use 2012-10-17)",
            f"bucket policy Version {version!r} is not supported; use one of "
            f"{sorted(POLICY_VERSIONS)}",
        )
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise MalformedPolicyError(
            "Missing required field Statement",
            f"bucket policy Statement {statements!r} is not a statement or a non-empty list of "
            "them",
        )
    for statement in statements:
        _check_statement(statement, bucket)
    return [dict(statement) for statement in statements]


def _check_statement(statement: Any, bucket: str | None) -> None:
    if not isinstance(statement, Mapping):
        raise MalformedPolicyError(
            "Invalid policy syntax.", f"policy statement {statement!r} is not a JSON object"
        )
    name = sid(statement)
    if "Effect" not in statement:
        raise MalformedPolicyError(
            "Missing required field Effect", f"policy statement {name} has no Effect"
        )
    if statement["Effect"] not in ("Allow", "Deny"):
        raise MalformedPolicyError(
            f"Invalid effect: {statement['Effect']}",
            f'policy statement {name} has Effect {statement["Effect"]!r}; use "Allow" or "Deny"',
        )
    for element in ("Principal", "Action", "Resource"):
        if element not in statement and f"Not{element}" not in statement:
            raise MalformedPolicyError(
                f"Missing required field {element}",
                f"policy statement {name} has no {element}; a bucket policy statement needs "
                "Principal, Action and Resource",
            )
    _check_principal(statement.get("Principal", statement.get("NotPrincipal")), name)
    for action in _strings(statement.get("Action", statement.get("NotAction")), name, "action"):
        if not (action == "*" or action.lower().startswith("s3:")):
            raise MalformedPolicyError(
                "Policy has invalid action", f"policy statement {name} has Action {action!r}"
            )
    for resource in _strings(
        statement.get("Resource", statement.get("NotResource")), name, "resource"
    ):
        if bucket is not None and not _names_bucket(resource, bucket):
            raise MalformedPolicyError(
                "Policy has invalid resource",
                f"policy statement {name} has Resource {resource!r}, outside bucket {bucket!r}",
            )
    _check_condition(statement.get("Condition"), name)
    _check_supported(statement, name)


def _strings(value: Any, name: str, what: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise MalformedPolicyError(
            f"Policy has invalid {what}",
            f"policy statement {name} has {what} {value!r}; expected a string or a non-empty "
            "list of strings",
        )
    return values


def _names_bucket(resource: str, bucket: str) -> bool:
    if resource == "*":
        return True
    if not resource.startswith("arn:aws:s3:::"):
        return False
    target = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    return wildcard.match(target, bucket)


def _check_principal(principal: Any, name: str) -> None:
    if principal == "*":
        return
    if not isinstance(principal, Mapping) or not principal:
        raise MalformedPolicyError(
            "Invalid principal in policy",
            f'policy statement {name} has Principal {principal!r}; expected "*" or an object '
            'such as {"AWS": ...}, {"CanonicalUser": ...} or {"Service": ...}',
        )
    unknown = principal.keys() - PRINCIPAL_TYPES
    if unknown:
        raise MalformedPolicyError(
            "Invalid principal in policy",
            f"policy statement {name} has principal type(s) {sorted(unknown)}; known are "
            f"{sorted(PRINCIPAL_TYPES)}",
        )
    for kind, value in principal.items():
        values = [value] if isinstance(value, str) else value
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise MalformedPolicyError(
                "Invalid principal in policy",
                f"policy statement {name} has Principal {kind} {value!r}; expected a string or a "
                "non-empty list of strings",
            )


def _check_condition(condition: Any, name: str) -> None:
    if condition is None:
        return
    if not isinstance(condition, Mapping):
        raise MalformedPolicyError(
            "Invalid Condition in policy",
            f"policy statement {name} has Condition {condition!r}; expected an object",
        )
    for operator, tests in condition.items():
        if not isinstance(tests, Mapping) or not tests:
            raise MalformedPolicyError(
                "Invalid Condition in policy",
                f"policy statement {name} has {operator} {tests!r}; expected an object such as "
                '{"AWS:SourceArn": "arn:aws:cloudfront::…:distribution/…"}',
            )
        for key, value in tests.items():
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise MalformedPolicyError(
                    "Invalid Condition in policy",
                    f"policy statement {name} has {operator} {key} {value!r}; expected a string "
                    "or a list of strings",
                )


def _check_supported(statement: Mapping[str, Any], name: str) -> None:
    """What AWS accepts but the local S3 does not evaluate: refuse rather than guess."""
    unsupported = UNSUPPORTED_STATEMENT_KEYS & statement.keys()
    if unsupported:
        raise UnsupportedPolicyError(
            f"policy statement {name} uses {sorted(unsupported)}, which the local S3 does not "
            "evaluate; write it with Principal, Action and Resource instead"
        )
    unknown = statement.keys() - STATEMENT_KEYS
    if unknown:
        raise UnsupportedPolicyError(
            f"policy statement {name} has unknown element(s) {sorted(unknown)}; allowed are "
            f"{sorted(STATEMENT_KEYS)}"
        )
    for operator, tests in (statement.get("Condition") or {}).items():
        if operator not in CONDITION_OPERATORS:
            raise UnsupportedPolicyError(
                f"policy statement {name} uses condition operator {operator!r}, which the local "
                f"S3 does not evaluate; supported: {sorted(CONDITION_OPERATORS)}"
            )
        for key in tests:
            if key.lower() not in CONDITION_KEYS:
                raise UnsupportedPolicyError(
                    f"policy statement {name} tests condition key {key!r}, which the local S3 "
                    "does not evaluate; supported: AWS:SourceArn, AWS:SourceAccount"
                )


# --- PutBucketPolicy ------------------------------------------------------------------------------


def _oai_arn_for(canonical_user_id: str) -> str | None:
    for record in oai.all_oais():
        if record.s3_canonical_user_id == canonical_user_id:
            return OAI_ARN_PREFIX + record.id
    return None


def _normalise_principal(principal: Any) -> Any:
    """Rewrite OAI canonical users to OAI ARNs, as S3 does; raise for unknown OAIs."""
    if not isinstance(principal, dict):
        return principal
    principal = dict(principal)
    aws = as_list(principal.get("AWS"))
    for arn in aws:
        unknown_oai = isinstance(arn, str) and arn.startswith(OAI_ARN_PREFIX)
        if unknown_oai and oai.get_oai(arn.removeprefix(OAI_ARN_PREFIX)) is None:
            raise MalformedPolicyError("Invalid principal in policy")
    canonical = as_list(principal.get("CanonicalUser"))
    keep = [c for c in canonical if _oai_arn_for(c) is None]
    moved = [arn for c in canonical if (arn := _oai_arn_for(c)) is not None]
    if moved:
        principal.pop("CanonicalUser")
        if keep:
            principal["CanonicalUser"] = keep if len(keep) > 1 else keep[0]
        aws = aws + moved
        principal["AWS"] = aws if len(aws) > 1 else aws[0]
    return principal


def normalise(document: dict) -> dict:
    """The policy as S3 stores it."""
    statements = document["Statement"]
    rewritten = []
    for statement in as_list(statements):
        statement = dict(statement)
        if "Principal" in statement:
            statement["Principal"] = _normalise_principal(statement["Principal"])
        rewritten.append(statement)
    return {**document, "Statement": rewritten if isinstance(statements, list) else rewritten[0]}


def is_public(statements: list[dict]) -> bool:
    """Some statement is an Allow to everyone (``*`` / ``{"AWS": "*"}``) with no condition."""
    return any(_public_statement(statement) for statement in statements)


def _replace_body(request: Request, body: bytes) -> None:
    request.environ["wsgi.input"] = io.BytesIO(body)
    request.environ["CONTENT_LENGTH"] = str(len(body))
    for name in [
        *BODY_DIGEST_HEADERS,
        *(k for k in request.environ if k.startswith("HTTP_X_AMZ_CHECKSUM_")),
    ]:
        request.environ.pop(name, None)
    request.__dict__["body"] = body


def _refusal(error: UnsupportedPolicyError) -> Response:
    if isinstance(error, MalformedPolicyError):
        return s3_error(error.code, error.aws_message, 400)
    return s3_error(
        "MalformedPolicy",
        f"The local AWS does not evaluate this policy, so it is not stored: {error}",
        400,
    )


def check(request: Request) -> Response | None:
    """Reject a PutBucketPolicy AWS would reject; None to let moto store the policy."""
    if request.method != "PUT" or "policy" not in request.query:
        return None
    bucket, key = bucket_and_key(request)
    if key or not bucket_exists(bucket):
        return None
    try:
        statements = parse(request.body, bucket)
        document = dict(_document(request.body))
        stored = normalise(document)
    except UnsupportedPolicyError as refused:
        return _refusal(refused)
    if stored != document:
        _replace_body(request, json.dumps(stored).encode())
    found = moto_adapter.bucket(bucket)
    if found is not None and found.block.block_public_policy and is_public(statements):
        return s3_error(
            "AccessDenied",
            f"User is not authorized to perform: s3:PutBucketPolicy on resource: "
            f'"arn:aws:s3:::{bucket}" because public policies are blocked by the '
            "BlockPublicPolicy block public access setting.",
            403,
        )
    return None
