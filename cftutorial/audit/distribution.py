"""``cftutorial audit``: one distribution (or all) checked for what leaks private content.

Read-only: every AWS call here is a ``Get``/``List``/``Describe`` (docs/iam-policy-audit.json
lists them, and a test keeps the list equal to what :func:`audit_distribution` calls). The rules
are :data:`RULES`, in the order a report checks them; each rests on the AWS page it names. Which
behaviour serves a path and whether it asks for a signature are CloudFront's rules as the local
edge applies them (:mod:`cftutorial.signing.behaviours`), read from the same place; whom a bucket or
KMS key policy lets CloudFront read for is the local S3's reading too
(:mod:`cftutorial.policies.statements`). Where nothing is broken but there is a right way to do
something (rotating a one-key group's key), the report carries *advice*, which never makes it
unclean. Each audit reads the distribution's behaviours and origins once, for every rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..aws import bucket_access, clients, missing
from ..errors import CftutorialError, UnsupportedPolicyError
from ..policies import statements as policies
from ..signing import behaviours as cloudfront_rules
from .findings import ADVICE, Finding, Report

CFG = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
#: AWS's rotation procedure: add the new public key to a key group (the same one, or a new group
#: added to the distribution), sign with it, and only when the old signatures have expired
#: remove the old key.
ROTATING_KEY_PAIRS = CFG + "private-content-trusted-signers.html#private-content-rotating-key-pairs"
#: CloudFront's quota: public keys per key group (the local AWS refuses a sixth,
#: ``TooManyPublicKeysInKeyGroup``).
KEYS_PER_KEY_GROUP = 5
QUOTAS = CFG + "cloudfront-limits.html"


@dataclass(frozen=True)
class Rule:
    """One row of :data:`RULES`."""

    id: str
    severity: str
    title: str
    source: str


#: The audit's rules, in the order a report checks them.
RULES: tuple[Rule, ...] = (
    Rule(
        "behaviour-unsigned",
        "high",
        "every behaviour whose origin is a private S3 bucket requires signatures (trusted key groups)",
        CFG + "private-content-trusted-signers.html",
    ),
    Rule(
        "precedence-unsigned",
        "high",
        "path-pattern precedence sends no path a signed behaviour covers to an unsigned one",
        CFG + "DownloadDistValuesCacheBehavior.html",
    ),
    Rule(
        "trusted-signers",
        "medium",
        "behaviours trust key groups, not legacy TrustedSigners (root-account key pairs)",
        CFG + "private-content-trusted-signers.html",
    ),
    Rule(
        "oai-not-oac",
        "medium",
        "S3 origins use origin access control (OAC), not the legacy origin access identity",
        CFG + "private-content-restricting-access-to-s3.html",
    ),
    Rule(
        "bucket-policy-source-arn",
        "high",
        "the bucket policy grants cloudfront.amazonaws.com only with AWS:SourceArn naming this "
        "distribution",
        CFG + "private-content-restricting-access-to-s3.html",
    ),
    Rule(
        "public-bypass",
        "high",
        "Block Public Access is on, so no public ACL or policy lets viewers bypass CloudFront",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-bucket.html",
    ),
    Rule(
        "sse-kms-decrypt",
        "high",
        "an SSE-KMS bucket's key policy lets cloudfront.amazonaws.com decrypt for this distribution",
        CFG + "private-content-restricting-access-to-s3.html",
    ),
    Rule(
        "website-endpoint-origin",
        "medium",
        "the origin is the bucket's REST endpoint, not its static website endpoint",
        CFG + "DownloadDistS3AndCustomOrigins.html",
    ),
    Rule(
        "key-group-rotation",
        "low",
        "each trusted key group has room to rotate: the new public key joins the group before the "
        f"old one leaves, and a group holds at most {KEYS_PER_KEY_GROUP} (one key: advice only)",
        ROTATING_KEY_PAIRS,
    ),
    Rule(
        "viewer-protocol-allow-all",
        "medium",
        "every behaviour redirects to or requires HTTPS",
        CFG + "using-https-viewers-to-cloudfront.html",
    ),
)
RULE = {rule.id: rule for rule in RULES}

#: What a distribution id looks like (CloudFront's are 13-14 upper-case letters and digits).
DISTRIBUTION_ID = re.compile(r"^[A-Z0-9]{1,64}$")
_S3_REST = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*)\.s3(?:[.-](?P<region>[a-z0-9-]+))?\.amazonaws\.com$"
)
_S3_WEBSITE = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*)\.s3-website[.-](?P<region>[a-z0-9-]+)\.amazonaws\.com$"
)


class AuditError(CftutorialError):
    """The audit could not read what it judges (a bad id, a distribution that does not exist)."""


def _finding(rule_id: str, where: str, meaning: str, fix: str) -> Finding:
    rule = RULE[rule_id]
    return Finding(rule_id, rule.severity, where, meaning, rule.source, fix)


@dataclass(frozen=True)
class _Behaviour:
    pattern: str  # "*" for the default behaviour
    raw: dict[str, Any]

    @property
    def default(self) -> bool:
        return self.pattern == "*"

    @property
    def label(self) -> str:
        return "the default behaviour (*)" if self.default else f"behaviour {self.pattern}"

    @property
    def shown(self) -> str:
        return "*" if self.default else cloudfront_rules.normalised(self.pattern)

    @property
    def key_groups(self) -> list[str]:
        groups = self.raw.get("TrustedKeyGroups") or {}
        return list(groups.get("Items") or []) if groups.get("Enabled") else []

    @property
    def signers(self) -> list[str]:
        signers = self.raw.get("TrustedSigners") or {}
        return list(signers.get("Items") or []) if signers.get("Enabled") else []

    @property
    def signed(self) -> bool:
        return cloudfront_rules.requires_signature(self.key_groups, self.signers)


def _behaviours(config: dict[str, Any]) -> tuple[_Behaviour, ...]:
    """The behaviours in CloudFront's order: the listed ones, then the default (``*``)."""
    listed = (config.get("CacheBehaviors") or {}).get("Items") or []
    found = [_Behaviour(item["PathPattern"], item) for item in listed]
    return (*found, _Behaviour("*", config["DefaultCacheBehavior"]))


def _update_fix(distribution_id: str, change: str) -> str:
    return (
        f"cloudfront.update_distribution(Id='{distribution_id}', IfMatch=etag, "
        f"DistributionConfig=config)  # config from get_distribution_config, with {change}"
    )


def _key_group_fix(distribution_id: str, behaviour: _Behaviour, key_group: str) -> str:
    return _update_fix(
        distribution_id,
        f"TrustedKeyGroups={{'Enabled': True, 'Quantity': 1, 'Items': ['{key_group}']}} "
        f"on {behaviour.label}",
    )


class _Reader:
    """The reads of one audit, each made once (a bucket behind two origins is read once)."""

    def __init__(self, cf: Any, s3: Any, kms: Any) -> None:
        self.cf, self.s3, self.kms = cf, s3, kms
        self._cache: dict[tuple, Any] = {}

    def _once(self, key: tuple, read) -> Any:
        if key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    def _kms_for(self, key: str) -> Any:
        """A KMS client in the key's region when the key is an ARN of another region (a bucket's
        key lives in the bucket's region, which need not be the run's)."""
        parts = key.split(":")
        if key.startswith("arn:") and len(parts) > 3 and parts[3] != self.kms.meta.region_name:
            return clients.client("kms", region_name=parts[3], read_only=True)
        return self.kms

    def key_group(self, group_id: str) -> dict[str, Any] | None:
        def read() -> dict[str, Any] | None:
            try:
                return self.cf.get_key_group(Id=group_id)["KeyGroup"]
            except self.cf.exceptions.NoSuchResource:
                return None

        return self._once(("key-group", group_id), read)

    def bucket_policy(self, bucket: str) -> list[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            try:
                text = self.s3.get_bucket_policy(Bucket=bucket)["Policy"]
            except self.s3.exceptions.ClientError as exc:
                if missing.error_code(exc) == "NoSuchBucketPolicy":
                    return []
                raise
            return policies.statements(json.loads(text))

        return self._once(("policy", bucket), read)

    def missing(self, bucket: str) -> bool:
        """Whether the origin's bucket does not exist (its checks are then skipped)."""
        return self.public_access_block(bucket) is None

    def public_access_block(self, bucket: str) -> dict[str, bool] | None:
        """The bucket's Block Public Access settings; None when the bucket does not exist."""

        def read() -> dict[str, bool] | None:
            try:
                answer = self.s3.get_public_access_block(Bucket=bucket)
            except self.s3.exceptions.ClientError as exc:
                if missing.error_code(exc) == "NoSuchPublicAccessBlockConfiguration":
                    return {}
                if missing.is_missing(exc):  # the bucket itself is gone
                    return None
                raise
            return answer["PublicAccessBlockConfiguration"]

        return self._once(("bpa", bucket), read)

    def kms_key(self, bucket: str) -> str | None:
        def read() -> str | None:
            try:
                answer = self.s3.get_bucket_encryption(Bucket=bucket)
            except self.s3.exceptions.ClientError as exc:
                if missing.error_code(exc) == "ServerSideEncryptionConfigurationNotFoundError":
                    return None
                raise
            for rule in answer["ServerSideEncryptionConfiguration"].get("Rules", []):
                default = rule.get("ApplyServerSideEncryptionByDefault") or {}
                if default.get("SSEAlgorithm", "").startswith("aws:kms"):
                    return default.get("KMSMasterKeyID") or "aws/s3"
            return None

        return self._once(("sse", bucket), read)

    def key_policy(self, key_id: str) -> list[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            kms, key = self._kms_for(key_id), key_id
            if "alias/" in key:
                key = kms.describe_key(KeyId=key)["KeyMetadata"]["KeyId"]
            text = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
            return policies.statements(json.loads(text))

        return self._once(("key-policy", key_id), read)


def _lets_decrypt(statement: Any, arn: str) -> bool:
    """Whether a key policy statement lets CloudFront decrypt for this distribution (a condition
    the shared reading does not evaluate counts as not shown)."""
    try:
        return policies.allows(statement, "kms:Decrypt", policies.CloudFrontService(arn))
    except UnsupportedPolicyError:
        return False


def _s3_origins(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["Id"]: o for o in (config.get("Origins") or {}).get("Items") or []}


@dataclass(frozen=True)
class _Subject:
    """One distribution as every rule reads it: its config parsed once, and the audit's reads."""

    id: str
    arn: str
    config: dict[str, Any]
    behaviours: tuple[_Behaviour, ...]
    origins: dict[str, dict[str, Any]]
    reader: _Reader


def audit_distribution(
    distribution_id: str, *, cf: Any = None, s3: Any = None, kms: Any = None
) -> Report:
    """Check one distribution against every rule in :data:`RULES`; change nothing."""
    if not isinstance(distribution_id, str) or not DISTRIBUTION_ID.match(distribution_id):
        raise AuditError(
            f"distribution {distribution_id!r}: not a CloudFront distribution id "
            "(upper-case letters and digits, e.g. E2QWRUHAPOMQZL)"
        )
    cf = cf or clients.client("cloudfront", read_only=True)
    s3 = s3 or clients.client("s3", read_only=True)
    kms = kms or clients.client("kms", read_only=True)
    try:
        answer = cf.get_distribution(Id=distribution_id)
    except cf.exceptions.NoSuchDistribution:
        raise AuditError(
            f"distribution {distribution_id!r} does not exist in this account "
            "(list them with cloudfront.list_distributions(), or use --all)"
        ) from None
    dist = answer["Distribution"]
    config = dist["DistributionConfig"]
    subject = _Subject(
        distribution_id,
        dist["ARN"],
        config,
        _behaviours(config),  # read once, for every rule
        _s3_origins(config),
        _Reader(cf, s3, kms),
    )
    found = [finding for check in _CHECKS for finding in check(subject)]
    return Report(
        distribution_id,
        [rule.id for rule in RULES],
        [finding for finding in found if finding.severity != ADVICE],
        [finding for finding in found if finding.severity == ADVICE],
    )


def audit_all(*, cf: Any = None, s3: Any = None, kms: Any = None) -> list[Report]:
    """:func:`audit_distribution` for every distribution in the account, in the list's order."""
    cf = cf or clients.client("cloudfront", read_only=True)
    ids = []
    for page in cf.get_paginator("list_distributions").paginate():
        ids += [item["Id"] for item in page["DistributionList"].get("Items") or []]
    reports = []
    for found in ids:
        try:
            reports.append(audit_distribution(found, cf=cf, s3=s3, kms=kms))
        except AuditError:  # deleted between the list and the read: nothing left to audit
            if _exists(cf, found):
                raise
    return reports


def _exists(cf: Any, distribution_id: str) -> bool:
    try:
        cf.get_distribution(Id=distribution_id)
    except Exception as exc:
        if missing.is_missing(exc):
            return False
        raise
    return True


# --- the rules, in RULES's order --------------------------------------------------------------


def _private_origin(d: _Subject, behaviour: _Behaviour) -> str | None:
    """The bucket behind the behaviour's origin when it is an S3 REST origin."""
    origin = d.origins.get(behaviour.raw.get("TargetOriginId", ""))
    if origin is None:
        return None
    found = _S3_REST.match(origin["DomainName"].lower())
    return found.group("bucket") if found else None


def _any_key_group(behaviours: Iterable[_Behaviour]) -> str:
    for behaviour in behaviours:
        if behaviour.key_groups:
            return behaviour.key_groups[0]
    return "KEY_GROUP_ID"


def _behaviour_unsigned(d: _Subject) -> list[Finding]:
    behaviours = d.behaviours
    group = _any_key_group(behaviours)
    return [
        _finding(
            "behaviour-unsigned",
            behaviour.label,
            f"{behaviour.shown} is served without a signature from the private bucket {bucket}",
            _key_group_fix(d.id, behaviour, group),
        )
        for behaviour in behaviours
        if not behaviour.signed and (bucket := _private_origin(d, behaviour))
    ]


def _precedence_unsigned(d: _Subject) -> list[Finding]:
    behaviours = d.behaviours
    patterns = [None if b.default else b.pattern for b in behaviours]
    findings = []
    for index, signed in enumerate(behaviours):
        # The default behaviour covers only what no listed one matches: nothing is taken from it.
        if not signed.signed or signed.default:
            continue
        for earlier in behaviours[:index]:
            path = cloudfront_rules.shared_path(earlier.pattern, signed.pattern)
            if earlier.signed or path is None:
                continue
            served = cloudfront_rules.first_match(patterns, path)
            serving = behaviours[-1] if served is None else behaviours[served]
            if serving.signed:
                continue
            findings.append(
                _finding(
                    "precedence-unsigned",
                    signed.label,
                    f"{path} matches the signed {signed.shown}, but {serving.label} comes first "
                    "and serves it without a signature",
                    _update_fix(
                        d.id,
                        f"CacheBehaviors.Items reordered so that '{signed.shown}' comes before "
                        f"'{serving.shown}' (or TrustedKeyGroups on '{serving.shown}')",
                    ),
                )
            )
            break
    return findings


def _trusted_signers(d: _Subject) -> list[Finding]:
    behaviours = d.behaviours
    group = _any_key_group(behaviours)
    return [
        _finding(
            "trusted-signers",
            behaviour.label,
            f"{behaviour.shown} trusts legacy CloudFront key pairs of {', '.join(behaviour.signers)} "
            "(root-account keys; key groups are what AWS recommends)",
            _update_fix(
                d.id,
                f"TrustedSigners={{'Enabled': False, 'Quantity': 0}} and "
                f"TrustedKeyGroups={{'Enabled': True, 'Quantity': 1, 'Items': ['{group}']}} on "
                f"{behaviour.label}",
            ),
        )
        for behaviour in behaviours
        if behaviour.signers
    ]


def _oai_not_oac(d: _Subject) -> list[Finding]:
    findings = []
    for origin in d.origins.values():
        oai = (origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity") or ""
        if oai:
            findings.append(
                _finding(
                    "oai-not-oac",
                    f"origin {origin['Id']}",
                    f"{origin['DomainName']} is read through the legacy {oai} (no SSE-KMS, no "
                    "newer regions)",
                    "cloudfront.create_origin_access_control(OriginAccessControlConfig={'Name': …, "
                    "'SigningProtocol': 'sigv4', 'SigningBehavior': 'always', "
                    "'OriginAccessControlOriginType': 's3'}); then "
                    + _update_fix(
                        d.id,
                        f"OriginAccessControlId=oac_id and "
                        f"S3OriginConfig={{'OriginAccessIdentity': ''}} on origin {origin['Id']}",
                    ),
                )
            )
    return findings


def _oac_buckets(d: _Subject) -> list[tuple[str, str]]:
    """``(origin id, bucket)`` for each S3 REST origin read through OAC."""
    found = []
    for origin in d.origins.values():
        match = _S3_REST.match(origin["DomainName"].lower())
        if match and origin.get("OriginAccessControlId"):
            found.append((origin["Id"], match.group("bucket")))
    return found


def _rest_buckets(d: _Subject) -> list[str]:
    found = []
    for origin in d.origins.values():
        match = _S3_REST.match(origin["DomainName"].lower())
        if match and match.group("bucket") not in found:
            found.append(match.group("bucket"))
    return found


def _policy_fix(bucket: str, arn: str) -> str:
    policy = json.dumps(bucket_access.oac_policy(bucket, arn))
    return f"s3.put_bucket_policy(Bucket='{bucket}', Policy='{policy}')"


def _bucket_policy_source_arn(d: _Subject) -> list[Finding]:
    findings = []
    for _origin, bucket in dict.fromkeys(_oac_buckets(d)):
        if d.reader.missing(bucket):
            continue
        reaches = [
            policies.cloudfront_reach(s, "s3:GetObject", d.arn)
            for s in d.reader.bucket_policy(bucket)
        ]
        granting = [reach for reach in reaches if reach is not None]
        problems = [reach for reach in granting if reach]
        if problems:
            meaning = f"the bucket policy lets {problems[0]} read {bucket} through CloudFront"
        elif not granting:
            meaning = (
                f"no statement lets cloudfront.amazonaws.com read {bucket}: every request this "
                "distribution sends to it is refused (403 AccessDenied)"
            )
        else:
            continue
        findings.append(
            _finding(
                "bucket-policy-source-arn", f"bucket {bucket}", meaning, _policy_fix(bucket, d.arn)
            )
        )
    return findings


BPA_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _public_bypass(d: _Subject) -> list[Finding]:
    findings = []
    for bucket in _rest_buckets(d):
        block = d.reader.public_access_block(bucket)
        if block is None:
            continue
        off = [name for name in BPA_SETTINGS if not block.get(name)]
        if not off:
            continue
        on = ", ".join(f"'{name}': True" for name in BPA_SETTINGS)
        findings.append(
            _finding(
                "public-bypass",
                f"bucket {bucket}",
                f"Block Public Access is off ({', '.join(off)}): a public ACL or bucket policy "
                f"lets anyone read {bucket} straight from S3, past CloudFront's signatures",
                f"s3.put_public_access_block(Bucket='{bucket}', "
                f"PublicAccessBlockConfiguration={{{on}}})",
            )
        )
    return findings


def _sse_kms_decrypt(d: _Subject) -> list[Finding]:
    findings = []
    for bucket in _rest_buckets(d):
        if d.reader.missing(bucket):
            continue
        key = d.reader.kms_key(bucket)
        if key is None:
            continue
        if key == "aws/s3" or key.endswith("alias/aws/s3"):
            ok, why = False, "the AWS managed key aws/s3, whose policy cannot name CloudFront"
        else:
            ok = any(_lets_decrypt(s, d.arn) for s in d.reader.key_policy(key))
            why = f"the key policy of {key} does not let cloudfront.amazonaws.com decrypt for it"
        if ok:
            continue
        statement = {
            "Sid": "AllowCloudFrontServicePrincipalSSE-KMS",
            "Effect": "Allow",
            "Principal": {"Service": policies.CLOUDFRONT_SERVICE},
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"AWS:SourceArn": d.arn}},
        }
        findings.append(
            _finding(
                "sse-kms-decrypt",
                f"bucket {bucket}",
                f"objects in {bucket} are SSE-KMS encrypted with {why}: CloudFront's reads "
                "fail (403)",
                f"kms.put_key_policy(KeyId='{key}', PolicyName='default', Policy=…)  # the "
                f"current policy plus {json.dumps(statement)}",
            )
        )
    return findings


def _website_endpoint_origin(d: _Subject) -> list[Finding]:
    findings = []
    for origin in d.origins.values():
        match = _S3_WEBSITE.match(origin["DomainName"].lower())
        if not match:
            continue
        rest = f"{match.group('bucket')}.s3.{match.group('region')}.amazonaws.com"
        findings.append(
            _finding(
                "website-endpoint-origin",
                f"origin {origin['Id']}",
                f"{origin['DomainName']} is the bucket's website endpoint: a custom origin that "
                "OAC cannot protect, so the bucket must be public",
                _update_fix(
                    d.id,
                    f"DomainName='{rest}', S3OriginConfig={{'OriginAccessIdentity': ''}}, "
                    f"OriginAccessControlId=oac_id (no CustomOriginConfig) on origin {origin['Id']}",
                ),
            )
        )
    return findings


def _key_group_rotation(d: _Subject) -> list[Finding]:
    """A group at CloudFront's quota has no room for the new key that AWS's rotation adds first:
    a finding. A group with one key rotates as AWS documents (the new key joins it, then the old
    one leaves): advice on how, nothing broken."""
    groups = list(dict.fromkeys(g for b in d.behaviours for g in b.key_groups))
    found = []
    for group_id in groups:
        group = d.reader.key_group(group_id)
        if group is None:
            continue
        items = group["KeyGroupConfig"].get("Items") or []
        name = group["KeyGroupConfig"]["Name"]
        if len(items) >= KEYS_PER_KEY_GROUP:
            kept = "', '".join(items[1:])
            found.append(
                _finding(
                    "key-group-rotation",
                    f"key group {group_id}",
                    f"key group {name} holds {len(items)} public keys, CloudFront's quota "
                    f"({QUOTAS}): the next rotation cannot add its new key to this group until a "
                    "key whose signed URLs and cookies have all expired is removed (or it needs a "
                    "second key group on every behaviour that trusts this one)",
                    f"cloudfront.update_key_group(Id='{group_id}', IfMatch=etag, "
                    f"KeyGroupConfig={{'Name': '{name}', 'Items': ['{kept}']}})  # without "
                    f"{items[0]}, or whichever key no longer signs",
                )
            )
        elif len(items) == 1:
            found.append(
                Finding(
                    "key-group-rotation",
                    ADVICE,
                    f"key group {group_id}",
                    f"key group {name} trusts one public key ({items[0]}); that is enough: to "
                    "rotate without breaking a link, add the new public key to this group first, "
                    "sign with its private key, and remove the old key only when the URLs and "
                    "cookies it signed have expired (notebook 10)",
                    ROTATING_KEY_PAIRS,
                    f"cloudfront.create_public_key(PublicKeyConfig={{…}}); then "
                    f"cloudfront.update_key_group(Id='{group_id}', IfMatch=etag, "
                    f"KeyGroupConfig={{'Name': '{name}', 'Items': ['{items[0]}', new_key_id]}})",
                )
            )
    return found


def _viewer_protocol(d: _Subject) -> list[Finding]:
    return [
        _finding(
            "viewer-protocol-allow-all",
            behaviour.label,
            f"{behaviour.shown} is served over plain HTTP too: a signed URL or cookie sent "
            "there can be read on the way",
            _update_fix(d.id, f"ViewerProtocolPolicy='redirect-to-https' on {behaviour.label}"),
        )
        for behaviour in d.behaviours
        if behaviour.raw.get("ViewerProtocolPolicy") == "allow-all"
    ]


_CHECKS = (
    _behaviour_unsigned,
    _precedence_unsigned,
    _trusted_signers,
    _oai_not_oac,
    _bucket_policy_source_arn,
    _public_bypass,
    _sse_kms_decrypt,
    _website_endpoint_origin,
    _key_group_rotation,
    _viewer_protocol,
)
