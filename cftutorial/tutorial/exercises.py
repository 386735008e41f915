"""Auto-checks for the notebooks' exercises: specific feedback, never just "wrong".

Each ``check_…`` takes the learner's answer and returns :class:`Feedback` (it never raises for a
wrong or missing answer, so a headless run of a notebook with the exercise left blank still
finishes). The feedback names what is wrong and which rule or fact applies.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import CftutorialError

EXAMPLE_OAI_ID = "E2QWRUHEXAMPLE"
EXAMPLE_DISTRIBUTION_ARN = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
EXAMPLE_BUCKET = "cftutorial-demo"
EXAMPLE_KEY_GROUP_ID = "5d8a1b1c-1234-4cde-9f00-0123456789ab"


@dataclass(frozen=True)
class Feedback:
    ok: bool
    message: str

    def __str__(self) -> str:
        return ("Correct: " if self.ok else "Not yet: ") + self.message

    def __repr__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return self.ok


def _missing(answer: Any, what: str) -> Feedback | None:
    if answer is None or answer == "" or answer == {}:
        return Feedback(False, f"no answer yet — set `answer` to {what} and run the cell again")
    return None


# 01 ---------------------------------------------------------------------------------------


def check_dotted_bucket_name(answer: Any) -> Feedback:
    """Exercise 01: a name S3 accepts but that breaks virtual-hosted HTTPS."""
    from ..aws.buckets import check_bucket_name
    from ..errors import BucketNameError

    missing = _missing(answer, "a bucket name string that S3's naming rules accept")
    if missing is not None:
        return missing
    try:
        check_bucket_name(answer)
    except BucketNameError as exc:
        return Feedback(False, f"S3 would refuse it: {exc}")
    if "." not in answer:
        return Feedback(
            False,
            f"{answer!r} is valid and HTTPS-safe; the exercise asks for one whose virtual-hosted "
            "HTTPS address fails — which character does that?",
        )
    return Feedback(
        True,
        f"{answer!r} is a valid name, and https://{answer}.s3.amazonaws.com fails the "
        "certificate check because *.s3.amazonaws.com matches a single label only",
    )


# 02 ---------------------------------------------------------------------------------------


def check_oai_origin_value(answer: Any, oai_id: str = EXAMPLE_OAI_ID) -> Feedback:
    """Exercise 02: the S3OriginConfig.OriginAccessIdentity value for an OAI id."""
    missing = _missing(answer, f"the string for OAI {oai_id}")
    if missing is not None:
        return missing
    expected = f"origin-access-identity/cloudfront/{oai_id}"
    if answer == expected:
        return Feedback(True, f"{expected!r} is what the origin's S3OriginConfig takes")
    if answer == oai_id:
        return Feedback(False, "the bare id is not enough: the API wants a path-like prefix first")
    if isinstance(answer, str) and answer.lower() == expected.lower():
        return Feedback(False, "right words, wrong case: the prefix is lowercase, the id as given")
    if isinstance(answer, str) and answer.count("/") == 2 and answer.endswith(oai_id):
        return Feedback(
            False,
            f"the prefix is 'origin-access-identity/cloudfront/', not {answer.rsplit('/', 1)[0]!r}/",
        )
    return Feedback(False, f"{answer!r} is not the form 'origin-access-identity/cloudfront/ID'")


# 03 ---------------------------------------------------------------------------------------


def check_oac_policy_statement(
    answer: Any,
    *,
    bucket: str = EXAMPLE_BUCKET,
    distribution_arn: str = EXAMPLE_DISTRIBUTION_ARN,
) -> Feedback:
    """Exercise 03: one bucket policy statement that lets only this distribution read."""
    missing = _missing(answer, "a dict: one policy statement")
    if missing is not None:
        return missing
    if not isinstance(answer, Mapping):
        return Feedback(False, f"a statement is a dict, not {type(answer).__name__}")
    problems = []
    if answer.get("Effect") != "Allow":
        problems.append(f"Effect should be 'Allow', not {answer.get('Effect')!r}")
    principal = answer.get("Principal")
    if principal != {"Service": "cloudfront.amazonaws.com"}:
        hint = (
            " (that is the OAI form; OAC uses the service principal)"
            if "AWS" in str(principal)
            else ""
        )
        problems.append(
            f"Principal: OAC is authorised as the CloudFront *service* (a 'Service' principal), "
            f"not {principal!r}{hint}"
        )
    action = answer.get("Action")
    if action not in ("s3:GetObject", ["s3:GetObject"]):
        problems.append(
            f"Action: CloudFront only reads (read only: the one action that gets an object), "
            f"not {action!r}"
        )
    resource = answer.get("Resource")
    if resource != f"arn:aws:s3:::{bucket}/*":
        hint = " — the objects, so end with /*" if resource == f"arn:aws:s3:::{bucket}" else ""
        problems.append(
            f"Resource should be the ARN of every object of bucket {bucket!r}, not {resource!r}{hint}"
        )
    condition = answer.get("Condition") or {}
    source = (condition.get("StringEquals") or condition.get("ArnLike") or {}).get("AWS:SourceArn")
    if source != distribution_arn:
        problems.append(
            "without Condition StringEquals AWS:SourceArn = the distribution ARN, *any* "
            f"CloudFront distribution could read the bucket (got {source!r})"
        )
    if problems:
        return Feedback(False, "; ".join(problems))
    return Feedback(True, "only this distribution, through CloudFront, may read the objects")


# 04 ---------------------------------------------------------------------------------------


def check_trusted_key_groups(answer: Any, key_group_id: str = EXAMPLE_KEY_GROUP_ID) -> Feedback:
    """Exercise 04: the TrustedKeyGroups value for a cache behaviour."""
    missing = _missing(answer, "a dict with Enabled, Quantity and Items")
    if missing is not None:
        return missing
    if not isinstance(answer, Mapping):
        return Feedback(False, f"TrustedKeyGroups is a dict, not {type(answer).__name__}")
    items = answer.get("Items")
    if items == ["self"]:
        return Feedback(
            False, "'self' belongs to the guide's TrustedSigners; key groups are named by id"
        )
    if answer.get("Enabled") is not True:
        return Feedback(False, "Enabled must be True, or CloudFront serves the files unsigned")
    if items != [key_group_id]:
        return Feedback(
            False, f"Items lists key group ids: the one given in the question, not {items!r}"
        )
    if answer.get("Quantity") != len(items):
        return Feedback(
            False,
            f"Quantity must equal the number of Items ({len(items)}), got {answer.get('Quantity')!r}",
        )
    return Feedback(True, "signatures made with any public key in that key group are accepted")


# 05 ---------------------------------------------------------------------------------------

DENIAL_QUIZ = {
    "no Key-Pair-Id": "MissingKey",
    "Key-Pair-Id is the key group id": "InvalidKey",
    "URL expired a minute ago": "AccessDenied",
    "Policy is not base64 JSON": "MalformedPolicy",
}


def check_denial_code(scenario: str, answer: Any) -> Feedback:
    """Exercise 05: which 403 code CloudFront gives for a scenario of DENIAL_QUIZ."""
    if scenario not in DENIAL_QUIZ:
        raise CftutorialError(
            f"scenario {scenario!r} is not in the quiz; use one of {list(DENIAL_QUIZ)}"
        )
    missing = _missing(answer, "one of MissingKey, InvalidKey, MalformedPolicy, AccessDenied")
    if missing is not None:
        return missing
    expected = DENIAL_QUIZ[scenario]
    if answer == expected:
        return Feedback(True, f"{scenario}: 403 {expected}")
    if str(answer).lower() == expected.lower():
        return Feedback(False, f"the code is case-sensitive: {expected}")
    if answer == "AccessDenied":
        return Feedback(
            False,
            f"AccessDenied is for a signature that was read but does not allow the request; for {scenario!r} CloudFront stops earlier",
        )
    return Feedback(
        False, f"not {answer!r}: look at the edge's decisions above for the {scenario!r} case"
    )


# 06 ---------------------------------------------------------------------------------------


def check_key_pair_id_choice(
    answer: Any, *, key_pair_id: str, key_group_id: str | None
) -> Feedback:
    """Exercise 06: which id goes into the URL's Key-Pair-Id."""
    missing = _missing(answer, "the id string to put in Key-Pair-Id")
    if missing is not None:
        return missing
    if answer == key_pair_id:
        return Feedback(True, f"{key_pair_id} is the public key's id, the one CloudFront looks up")
    if key_group_id and answer == key_group_id:
        return Feedback(
            False,
            "that is the key group's id: CloudFront would answer 403 InvalidKey 'Unknown Key'",
        )
    return Feedback(False, f"{answer!r} is not an id this run registered")


# 07 ---------------------------------------------------------------------------------------


def check_restricted_url(url: Any, *, run: Any, lifetime: tuple[int, int] = (540, 660)) -> Feedback:
    """Exercise 07: a URL valid about 10 minutes and only from 127.0.0.1 (a custom policy)."""
    from ..signing import verify
    from . import signing_key

    missing = _missing(url, "a signed URL string")
    if missing is not None:
        return missing
    verdict = verify.verify(url, trusted_keys=signing_key.trusted_keys(run), viewer_ip="127.0.0.1")
    if not verdict.allowed:
        return Feedback(False, f"the edge would deny it: {verdict.code} — {verdict.reason}")
    if verdict.policy_kind != "custom":
        return Feedback(
            False,
            "a canned policy cannot name an IP range; pass ip_address= so a custom policy is used",
        )
    condition = verdict.policy["Statement"][0]["Condition"]
    ip = (condition.get("IpAddress") or {}).get("AWS:SourceIp")
    if ip not in ("127.0.0.1/32", "127.0.0.1"):
        return Feedback(False, f"the policy's IP condition is {ip!r}; limit it to 127.0.0.1/32")
    remaining = (verdict.expires or 0) - int(time.time())
    if not lifetime[0] <= remaining <= lifetime[1]:
        return Feedback(
            False,
            f"it expires in {remaining} s; aim for about 600 s (10 minutes) — seconds, not milliseconds",
        )
    return Feedback(True, f"custom policy, IP {ip}, expires in {remaining} s")


# 08 ---------------------------------------------------------------------------------------


def _signer_keys(signer: Any) -> dict[str, str]:
    """Key-Pair-Id -> public PEM of ``signer``'s key: what the edge would trust for it."""
    from ..signing import keys

    return {signer.key_pair_id: keys.public_key_pem(signer.private_key)}


def check_hls_cookies(
    cookies: Any, *, domain: str, signer: Any = None, run: Any = None
) -> Feedback:
    """Exercise 08: cookies that open every HLS file but not the MP4.

    Checked against ``signer``'s own key (the notebook's), so the exercise works the same
    before and after the optional cleanup (which deletes the saved state); ``run`` (the
    notebook's :class:`~cftutorial.tutorial.state.Run`) gives the run's saved key instead.
    """
    from ..signing import verify
    from . import signing_key

    missing = _missing(cookies, "the dict of CloudFront-* cookies")
    if missing is not None:
        return missing
    if signer is None and run is None:
        raise TypeError("check_hls_cookies needs signer= (the notebook's) or run=")
    trusted = _signer_keys(signer) if signer is not None else signing_key.trusted_keys(run)

    def allowed(path: str) -> verify.Verdict:
        return verify.verify(
            f"https://{domain}/{path}", trusted_keys=trusted, cookies=cookies, viewer_ip="127.0.0.1"
        )

    for path in ("hls/video.m3u8", "hls/video0.ts"):
        verdict = allowed(path)
        if not verdict.allowed:
            return Feedback(False, f"{path} would be denied: {verdict.code} — {verdict.reason}")
    if allowed("video.mp4").allowed:
        return Feedback(
            False, "these cookies also open video.mp4; narrow the Resource to https://DOMAIN/hls/*"
        )
    return Feedback(True, "the playlist and its segments open, the MP4 does not")


# 09 ---------------------------------------------------------------------------------------


def check_clinic_fix(url: Any, *, domain: str, key: str, query: str) -> Feedback:
    """Exercise 09: a signed URL for ``key`` with ``query`` that the edge answers with 200.

    Only the edge's answer counts: the URL is sent through it (as a browser sends it) and
    accepted when it says 200 for that object with that query parameter kept.
    """
    from urllib.parse import unquote, urlsplit

    from ..errors import ViewerURLError
    from . import viewer

    missing = _missing(url, "a signed URL string")
    if missing is not None:
        return missing
    if not isinstance(url, str):
        return Feedback(False, f"answer is a {type(url).__name__}; it should be the URL string")
    try:
        parts = urlsplit(url)
        response = viewer.fetch(url)
    except (ViewerURLError, CftutorialError, ValueError) as exc:
        return Feedback(False, f"the edge could not be asked: {exc}")
    if unquote(parts.path).lstrip("/") != key or (parts.hostname or "") != domain:
        return Feedback(False, f"the URL should address https://{domain}/{key}")
    if query not in (parts.query or "").split("&"):
        return Feedback(False, f"the link lost its {query!r} parameter; keep it, and sign it too")
    if response.status_code != 200:
        reason = viewer.edge_reason(url, response)
        return Feedback(False, f"the edge answered {response.status_code}: {reason}")
    return Feedback(True, f"the edge answered 200 ({len(response.content)} bytes) with {query}")


# 13 ---------------------------------------------------------------------------------------


def check_leak_closed(unsigned_url: str, signed_url: str) -> Feedback:
    """Exercise 13: the leak is fixed only when the edge *refuses* the unsigned GET and still
    serves the signed one (a deleted page or a disabled distribution is no fix)."""
    from . import viewer

    try:
        unsigned = viewer.describe_response(viewer.fetch(unsigned_url))
        signed = viewer.describe_response(viewer.fetch(signed_url))
    except CftutorialError as exc:
        return Feedback(False, f"the edge could not be asked: {exc}")
    if unsigned["status"] == 200:
        return Feedback(
            False,
            "the edge still serves the page without a signature (200): the behaviour that "
            "matches it trusts no key group",
        )
    if signed["status"] != 200:
        return Feedback(
            False,
            f"the unsigned GET is refused, but so is the signed one ({signed['status']} "
            f"{signed['code'] or ''}): viewers with a valid link lost the page too",
        )
    return Feedback(
        True,
        f"unsigned GET {unsigned['status']} {unsigned['code'] or ''}, signed GET 200: "
        "the page needs a signature now",
    )


# 10 ---------------------------------------------------------------------------------------


def _as_utc(answer: Any) -> Any:
    """``answer`` as an aware UTC datetime, read by the one time reader the signing commands use
    (:func:`..signing.policy.to_epoch`: epoch seconds, an aware datetime or an ISO 8601 string
    the AWS CLI's way), or a Feedback with its reason (a naive datetime, milliseconds, ...)."""
    from datetime import datetime, timezone

    from ..signing import policy

    try:
        seconds = policy.to_epoch(answer, name="answer")
    except CftutorialError as exc:
        return Feedback(False, str(exc))
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def check_rotation_plan(answer: Any, *, switched_at: Any, max_lifetime: Any) -> Feedback:
    """Exercise 10: the earliest moment the old key may leave the key group.

    The application signs with the new key from ``switched_at``; every URL it signs lives at
    most ``max_lifetime``. The last URL signed with the old key (just before the switch) works
    until ``switched_at + max_lifetime``; removing the key earlier breaks it (403 InvalidKey).
    An hour later still counts as "earliest"; more keeps a possibly leaked key trusted for nothing.
    """
    from datetime import timedelta

    missing = _missing(answer, "the datetime (UTC) at which the old key may leave the group")
    if missing is not None:
        return missing
    moment = _as_utc(answer)
    if isinstance(moment, Feedback):
        return moment
    earliest = switched_at + max_lifetime
    if moment < earliest:
        return Feedback(
            False,
            f"a URL signed with the old key just before the switch ({switched_at:%Y-%m-%d %H:%M} "
            f"UTC) may live {max_lifetime}: at {moment:%Y-%m-%d %H:%M} UTC it is still valid, and "
            "removing the key then answers it 403 InvalidKey",
        )
    if moment - earliest > timedelta(hours=1):
        return Feedback(
            False,
            f"safe, but {moment - earliest} later than needed: the old key stays trusted (and "
            "usable if it leaked) for no URL; aim for the earliest safe moment",
        )
    return Feedback(
        True,
        f"from {earliest:%Y-%m-%d %H:%M} UTC no URL signed with the old key is valid any more "
        f"(switch {switched_at:%H:%M} + {max_lifetime}); remove it then, delete it after",
    )


# 12 ---------------------------------------------------------------------------------------


def check_kms_session_cookies(
    cookies: Any, *, domain: str, key_pair_id: str, public_pem: str, kms_calls: int
) -> Feedback:
    """Exercise 12: one KMS call signs cookies that open the whole HLS folder for a session.

    Accepted only when the edge answers 200 for the playlist and a segment with them, they were
    signed by the KMS key's public key id, and making them cost exactly one KMS ``Sign``.
    """
    from ..signing import verify
    from . import viewer

    missing = _missing(cookies, "the dict of CloudFront-* cookies sign_cookies returns")
    if missing is not None:
        return missing
    if not isinstance(cookies, Mapping):
        return Feedback(False, f"{type(cookies).__name__} is not the dict sign_cookies returns")
    used = cookies.get("CloudFront-Key-Pair-Id")
    if used != key_pair_id:
        return Feedback(
            False,
            f"they name Key-Pair-Id {used!r}: sign with kms_url_signer (the KMS key's public key "
            f"{key_pair_id}), not the run's local key",
        )
    trusted = {key_pair_id: public_pem}
    for path in ("hls/video.m3u8", "hls/video0.ts"):
        url = f"https://{domain}/{path}"
        verdict = verify.verify(url, trusted_keys=trusted, cookies=cookies)
        if not verdict.allowed:
            return Feedback(False, f"{path} would be denied: {verdict.code} — {verdict.reason}")
        status = viewer.fetch(url, cookies=cookies).status_code
        if status != 200:
            return Feedback(False, f"the edge answered {status} for {path}; expected 200")
    if kms_calls != 1:
        return Feedback(
            False,
            f"making them cost {kms_calls} KMS calls; one sign_cookies call with a '*' resource "
            "is one signature for the whole session",
        )
    return Feedback(True, "one KMS Sign opened the playlist and every segment (edge: 200)")


# 11 ---------------------------------------------------------------------------------------

SCOPE_KEYS = ("domain", "path", "resource")


def _scope_problem(answer: Mapping[str, Any], *, alias: str, login_host: str) -> str | None:
    """What the browser would do wrong with this cookie Domain and Path (None: nothing)."""
    from .login_app import domain_matches, path_matches

    domain, path = str(answer["domain"] or ""), str(answer["path"] or "")
    if "." not in domain.strip("."):
        return f"Domain={domain!r} is a top-level name: browsers refuse cookies for it"
    if not domain_matches(login_host, domain):
        return (
            f"{login_host} cannot set a cookie for Domain={domain}: a host may only name "
            "itself or a parent domain"
        )
    if not domain_matches(alias, domain):
        return f"the browser would not send cookies for Domain={domain} to {alias}"
    if not path.startswith("/") or not path_matches("/hls/video0.ts", path):
        return f"Path={path!r} does not cover /hls/video0.ts, so the segments get no cookies"
    if path_matches("/video.mp4", path):
        return f"Path={path} also sends the cookies with /video.mp4; narrow it to the HLS folder"
    return None


def check_cookie_scope(answer: Any, *, alias: str, login_host: str, signer: Any) -> Feedback:
    """Exercise 11: a cookie Domain, Path and policy Resource that open only ``/hls/*``.

    The Domain and Path are judged by the browser's rules (RFC 6265); the Resource by the
    edge itself: cookies signed for it must get 200 for the playlist and a segment on the
    alias, and 403 for ``video.mp4`` even when sent there.
    """
    from . import viewer

    missing = _missing(answer, "a dict with 'domain', 'path' and 'resource'")
    if missing is not None:
        return missing
    if not isinstance(answer, Mapping) or any(not answer.get(k) for k in SCOPE_KEYS):
        return Feedback(False, f"`answer` needs the keys {', '.join(SCOPE_KEYS)}, each set")
    problem = _scope_problem(answer, alias=alias, login_host=login_host)
    if problem is not None:
        return Feedback(False, problem)
    try:
        cookies = signer.sign_cookies(
            str(answer["resource"]), date_less_than=int(time.time()) + 300
        )
    except CftutorialError as exc:
        return Feedback(False, f"the signer refused the resource: {exc}")
    answers = {
        key: viewer.fetch(f"https://{alias}/{key}", cookies=cookies).status_code
        for key in ("hls/video.m3u8", "hls/video0.ts", "video.mp4")
    }
    if answers["hls/video.m3u8"] != 200 or answers["hls/video0.ts"] != 200:
        return Feedback(False, f"the edge refused the HLS files with these cookies: {answers}")
    if answers["video.mp4"] != 403:
        return Feedback(
            False, f"cookies for {answer['resource']} also open video.mp4; narrow the Resource"
        )
    return Feedback(
        True,
        f"the browser sends the cookies only to {alias}/hls/…, and the edge opens only "
        f"/hls/* with them: {answers}",
    )
