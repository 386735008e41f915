"""Gap S7: ``PutBucketPolicy`` rejects a policy S3 could not evaluate.

AWS parses the policy when it is put: invalid JSON, a missing ``Statement``/``Effect``/
``Principal``/``Action``/``Resource``, an unknown effect or a resource outside the bucket fail at
once with 400 ``MalformedPolicy``; with Block Public Access ``BlockPublicPolicy`` on, a policy that
grants access to everyone fails with 403 ``AccessDenied``; a principal naming an OAI that does not
exist is ``MalformedPolicy`` "Invalid principal in policy"; and S3 rewrites an OAI given as
``{"CanonicalUser": "<S3CanonicalUserId>"}`` to its ARN form
``{"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID"}``, which is what
``get_bucket_policy`` then returns. moto 5.2.5 stores anything and then answers HTTP 500 to every
later request on the bucket.
"""

from __future__ import annotations

import json
from typing import Any

from ...signing import wildcard
from .s3_paths import bucket_and_key, bucket_exists
from .wire import Request, Response, s3_backend, s3_error

VERSIONS = ("2012-10-17", "2008-10-17")
OAI_ARN_PREFIX = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "
#: Headers describing the body as the client sent it; dropped when S3 rewrites the policy.
BODY_DIGEST_HEADERS = ("HTTP_CONTENT_MD5", "HTTP_X_AMZ_SDK_CHECKSUM_ALGORITHM")


class PolicyProblem(Exception):
    pass


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _check_statement(statement: Any, bucket: str) -> None:
    if not isinstance(statement, dict):
        raise PolicyProblem("Invalid policy syntax.")
    if "Effect" not in statement:
        raise PolicyProblem("Missing required field Effect")
    if statement["Effect"] not in ("Allow", "Deny"):
        raise PolicyProblem(f"Invalid effect: {statement['Effect']}")
    if "Principal" not in statement and "NotPrincipal" not in statement:
        raise PolicyProblem("Missing required field Principal")
    principal = statement.get("Principal", statement.get("NotPrincipal"))
    if not (principal == "*" or (isinstance(principal, dict) and principal)):
        raise PolicyProblem("Invalid principal in policy")
    actions = statement.get("Action", statement.get("NotAction"))
    if actions is None:
        raise PolicyProblem("Missing required field Action")
    for action in _as_list(actions):
        if not isinstance(action, str) or not (action == "*" or action.lower().startswith("s3:")):
            raise PolicyProblem("Policy has invalid action")
    resources = statement.get("Resource", statement.get("NotResource"))
    if resources is None:
        raise PolicyProblem("Missing required field Resource")
    for resource in _as_list(resources):
        if not isinstance(resource, str) or not _names_bucket(resource, bucket):
            raise PolicyProblem("Policy has invalid resource")
    condition = statement.get("Condition")
    if condition is not None and not isinstance(condition, dict):
        raise PolicyProblem("Invalid Condition in policy")


def _names_bucket(resource: str, bucket: str) -> bool:
    if not resource.startswith("arn:aws:s3:::"):
        return False
    target = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    return wildcard.match(target, bucket)


def problem(text: bytes, bucket: str) -> str | None:
    """Why S3 would reject this policy document, or None."""
    stripped = text.strip()
    if not stripped.startswith(b"{"):
        return "Policies must be valid JSON and the first byte must be '{'"
    try:
        document = json.loads(stripped)
    except ValueError:
        return "Policies must be valid JSON and the first byte must be '{'"
    if not isinstance(document, dict):
        return "Policies must be valid JSON and the first byte must be '{'"
    if "Version" in document and document["Version"] not in VERSIONS:
        return f"Invalid policy version: {document['Version']} (use 2012-10-17)"
    if "Statement" not in document:
        return "Missing required field Statement"
    statements = _as_list(document["Statement"])
    if not statements:
        return "Missing required field Statement"
    try:
        for statement in statements:
            _check_statement(statement, bucket)
    except PolicyProblem as found:
        return str(found)
    return None


def _oai_arn_for(canonical_user_id: str) -> str | None:
    from . import oai

    for record in oai.all_oais():
        if record.s3_canonical_user_id == canonical_user_id:
            return OAI_ARN_PREFIX + record.id
    return None


def _normalise_principal(principal: Any) -> Any:
    """Rewrite OAI canonical users to OAI ARNs, as S3 does; raise for unknown OAIs."""
    from . import oai

    if not isinstance(principal, dict):
        return principal
    principal = dict(principal)
    aws = _as_list(principal.get("AWS", []))
    for arn in aws:
        unknown_oai = isinstance(arn, str) and arn.startswith(OAI_ARN_PREFIX)
        if unknown_oai and oai.get_oai(arn.removeprefix(OAI_ARN_PREFIX)) is None:
            raise PolicyProblem("Invalid principal in policy")
    canonical = _as_list(principal.get("CanonicalUser", []))
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
    for statement in _as_list(statements):
        statement = dict(statement)
        for field in ("Principal", "NotPrincipal"):
            if field in statement:
                statement[field] = _normalise_principal(statement[field])
        rewritten.append(statement)
    return {**document, "Statement": rewritten if isinstance(statements, list) else rewritten[0]}


def _replace_body(request: Request, body: bytes) -> None:
    import io

    request.environ["wsgi.input"] = io.BytesIO(body)
    request.environ["CONTENT_LENGTH"] = str(len(body))
    for name in [
        *BODY_DIGEST_HEADERS,
        *(k for k in request.environ if k.startswith("HTTP_X_AMZ_CHECKSUM_")),
    ]:
        request.environ.pop(name, None)
    request.__dict__["body"] = body


def _is_public(document: dict) -> bool:
    """An Allow to everyone (``*`` / ``{"AWS": "*"}``) with no condition."""
    for statement in _as_list(document.get("Statement")):
        principal = statement.get("Principal")
        everyone = principal == "*" or (
            isinstance(principal, dict) and "*" in _as_list(principal.get("AWS", []))
        )
        if statement.get("Effect") == "Allow" and everyone and not statement.get("Condition"):
            return True
    return False


def check(request: Request) -> Response | None:
    """Reject a PutBucketPolicy AWS would reject; None to let moto store the policy."""
    if request.method != "PUT" or "policy" not in request.query:
        return None
    bucket, key = bucket_and_key(request)
    if key or not bucket_exists(bucket):
        return None
    found = problem(request.body, bucket)
    if found:
        return s3_error("MalformedPolicy", found, 400)
    document = json.loads(request.body)
    try:
        stored = normalise(document)
    except PolicyProblem as invalid:
        return s3_error("MalformedPolicy", str(invalid), 400)
    if stored != document:
        _replace_body(request, json.dumps(stored).encode())
    block = getattr(s3_backend().buckets[bucket], "public_access_block", None)
    if block is not None and block.block_public_policy and _is_public(stored):
        return s3_error(
            "AccessDenied",
            f"User is not authorized to perform: s3:PutBucketPolicy on resource: "
            f'"arn:aws:s3:::{bucket}" because public policies are blocked by the '
            "BlockPublicPolicy block public access setting.",
            403,
        )
    return None
