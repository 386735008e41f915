"""A small CloudFront + S3 world in the running local AWS, shared by the edge and viewer tests.

Built once per test session with boto3 from the test process (as a learner's notebook would):

* ``oac``: bucket with an OAC bucket policy naming distributions ``signed`` and ``self_signed``
  (and letting only ``signed`` list the bucket, so a missing key is 404 there and 403 elsewhere);
  ``signed`` trusts a key group with an RSA and an ECDSA public key on its default behaviour and
  serves ``/public/*`` without signatures; ``other_arn`` reads the same bucket through its own OAC,
  which the bucket policy does not name; ``self_signed`` trusts ``TrustedSigners: self``.
* ``oai``: a BucketOwnerPreferred bucket read through an OAI, with one object granted to the OAI's
  canonical user by ACL and one not.
* ``disabled``: a disabled distribution.
"""

from __future__ import annotations

import functools
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from cftutorial.aws import clients
from cftutorial.aws.account_keys import register_account_key_pair
from cftutorial.errors import AccountKeyPairError
from cftutorial.localaws import process
from cftutorial.signing import keys
from cftutorial.signing.signer import Signer

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
VIDEO = os.urandom(200_003)
README = b"hello from the public prefix\n"
GRANTED = b"readable by the OAI through its ACL grant\n"
PRIVATE = b"not granted to anybody\n"


@dataclass
class World:
    edge: str
    aws: str
    oac_bucket: str
    oai_bucket: str
    domains: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    signers: dict[str, Signer] = field(default_factory=dict)
    untrusted: Signer | None = None
    account_signer: Signer | None = None
    account_key_problem: str = ""

    def require_account_signer(self) -> Signer:
        """The registered account key pair's signer (skips when the session's 2 slots were taken)."""
        if self.account_signer is None:
            import pytest

            pytest.skip(
                f"no account key pair slot left in this session: {self.account_key_problem}"
            )
        return self.account_signer

    def url(self, name: str, path: str) -> str:
        return f"https://{self.domains[name]}{path}"

    def edge_url(self, name: str, path: str) -> str:
        return f"{self.edge}/{self.domains[name]}{path}"


def _config(origin_id: str, domain: str, *, oac: str = "", oai: str = "", **behaviour) -> dict:
    origin: dict[str, Any] = {
        "Id": origin_id,
        "DomainName": domain,
        "S3OriginConfig": {
            "OriginAccessIdentity": f"origin-access-identity/cloudfront/{oai}" if oai else ""
        },
    }
    if oac:
        origin["OriginAccessControlId"] = oac
    default = {
        "TargetOriginId": origin_id,
        "ViewerProtocolPolicy": "redirect-to-https",
        "CachePolicyId": CACHING_OPTIMIZED,
        **behaviour.pop("default", {}),
    }
    config = {
        "CallerReference": uuid.uuid4().hex,
        "Comment": "cftutorial edge tests",
        "Enabled": behaviour.pop("enabled", True),
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": default,
    }
    extra = behaviour.pop("behaviours", [])
    if extra:
        config["CacheBehaviors"] = {
            "Quantity": len(extra),
            "Items": [
                {
                    "TargetOriginId": origin_id,
                    "ViewerProtocolPolicy": "allow-all",
                    "CachePolicyId": CACHING_OPTIMIZED,
                    **b,
                }
                for b in extra
            ],
        }
    return config


def _public_key(cf: Any, key: Any, name: str) -> str:
    return cf.create_public_key(
        PublicKeyConfig={
            "CallerReference": uuid.uuid4().hex,
            "Name": f"{name}-{uuid.uuid4().hex[:8]}",
            "EncodedKey": keys.public_key_pem(key),
        }
    )["PublicKey"]["Id"]


def _oac(cf: Any) -> str:
    return cf.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": f"edge-tests-{uuid.uuid4().hex[:10]}",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )["OriginAccessControl"]["Id"]


def _distribution(cf: Any, config: dict) -> dict:
    return cf.create_distribution(DistributionConfig=config)["Distribution"]


@functools.lru_cache(maxsize=1)
def build_world() -> World:
    state = process.ensure_running()
    assert state.edge_endpoint, "the local AWS serves no edge"
    s3, cf = clients.client("s3"), clients.client("cloudfront")
    suffix = uuid.uuid4().hex[:10]
    world = World(
        edge=state.edge_endpoint,
        aws=state.aws_endpoint,
        oac_bucket=f"edge-oac-{suffix}",
        oai_bucket=f"edge-oai-{suffix}",
    )
    _oac_side(world, s3, cf)
    _oai_side(world, s3, cf)
    return world


def _oac_side(world: World, s3: Any, cf: Any) -> None:
    bucket = world.oac_bucket
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="video.mp4", Body=VIDEO, ContentType="video/mp4")
    s3.put_object(Bucket=bucket, Key="public/readme.txt", Body=README, ContentType="text/plain")
    s3.put_object(Bucket=bucket, Key="my video.mp4", Body=VIDEO[:1000], ContentType="video/mp4")
    domain = f"{bucket}.s3.us-east-1.amazonaws.com"

    rsa_key, ec_key, stranger = (
        keys.generate_private_key("rsa"),
        keys.generate_private_key("ecdsa"),
        keys.generate_private_key("rsa"),
    )
    rsa_id, ec_id = _public_key(cf, rsa_key, "rsa"), _public_key(cf, ec_key, "ec")
    stranger_id = _public_key(cf, stranger, "stranger")  # a real public key, in no key group
    group = cf.create_key_group(
        KeyGroupConfig={"Name": f"edge-tests-{uuid.uuid4().hex[:8]}", "Items": [rsa_id, ec_id]}
    )["KeyGroup"]["Id"]
    world.ids.update(rsa=rsa_id, ecdsa=ec_id, key_group=group)
    for kind, key, key_id in (("rsa", rsa_key, rsa_id), ("ecdsa", ec_key, ec_id)):
        for algorithm in ("SHA1", "SHA256"):
            world.signers[f"{kind}-{algorithm}"] = Signer(key_id, key, algorithm)
    world.untrusted = Signer(stranger_id, stranger)
    world.ids["rsa_private_pem"] = keys.private_key_pem(rsa_key).decode()

    trusted = {"TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [group]}}
    signed = _distribution(
        cf,
        _config(
            "s3-oac",
            domain,
            oac=_oac(cf),
            default=trusted,
            behaviours=[{"PathPattern": "/public/*"}],
        ),
    )
    other = _distribution(cf, _config("s3-oac", domain, oac=_oac(cf), default=trusted))

    account_key = keys.generate_private_key("rsa")
    try:
        account_key_id = register_account_key_pair(keys.public_key_pem(account_key))
    except AccountKeyPairError as exc:  # AWS allows 2 per account; other tests may hold both
        world.account_key_problem = str(exc)
    else:
        world.account_signer = Signer(account_key_id, account_key)
    self_signed = _distribution(
        cf,
        _config(
            "s3-oac",
            domain,
            oac=_oac(cf),
            default={"TrustedSigners": {"Enabled": True, "Quantity": 1, "Items": ["self"]}},
        ),
    )
    disabled = _distribution(cf, _config("s3-oac", domain, oac=_oac(cf), enabled=False))
    for name, dist in (
        ("signed", signed),
        ("other_arn", other),
        ("self_signed", self_signed),
        ("disabled", disabled),
    ):
        world.domains[name] = dist["DomainName"]
        world.ids[name] = dist["Id"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowCloudFrontServicePrincipalReadOnly",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {
                    "StringEquals": {"AWS:SourceArn": [signed["ARN"], self_signed["ARN"]]}
                },
            },
            {
                "Sid": "AllowListingToTheSignedDistributionOnly",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringEquals": {"AWS:SourceArn": signed["ARN"]}},
            },
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def _oai_side(world: World, s3: Any, cf: Any) -> None:
    bucket = world.oai_bucket
    s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerPreferred")
    s3.put_object(Bucket=bucket, Key="granted.txt", Body=GRANTED, ContentType="text/plain")
    s3.put_object(Bucket=bucket, Key="private.txt", Body=PRIVATE, ContentType="text/plain")
    identity = cf.create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": "edge tests",
        }
    )["CloudFrontOriginAccessIdentity"]
    owner = s3.get_object_acl(Bucket=bucket, Key="granted.txt")["Owner"]
    s3.put_object_acl(
        Bucket=bucket,
        Key="granted.txt",
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [
                {
                    "Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]},
                    "Permission": "FULL_CONTROL",
                },
                {
                    "Grantee": {"Type": "CanonicalUser", "ID": identity["S3CanonicalUserId"]},
                    "Permission": "READ",
                },
            ],
        },
    )
    dist = _distribution(cf, _config("s3-oai", f"{bucket}.s3.amazonaws.com", oai=identity["Id"]))
    world.domains["oai"] = dist["DomainName"]
    world.ids["oai"] = dist["Id"]
    world.ids["oai_identity"] = identity["Id"]


def in_an_hour() -> int:
    return int(time.time()) + 3600


@dataclass
class PrefixWorld:
    """A distribution whose default behaviour is open and ``/private/*``, ``*.secret`` signed."""

    world: World
    bucket: str
    domain: str
    dist_id: str


SECRET_VIDEO = b"the private prefix's bytes\n"
SECRET_FILE = b"bytes behind *.secret\n"


@functools.lru_cache(maxsize=1)
def build_prefix_world() -> PrefixWorld:
    """Issue 13's layout: an open default behaviour with signed path patterns in front of it."""
    world = build_world()
    s3, cf = clients.client("s3"), clients.client("cloudfront")
    bucket = f"edge-prefix-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    for key, body in (
        ("private/secret.mp4", SECRET_VIDEO),
        ("x.secret", SECRET_FILE),
        ("open.txt", README),
    ):
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    trusted = {
        "TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [world.ids["key_group"]]}
    }
    dist = _distribution(
        cf,
        _config(
            "s3-prefix",
            f"{bucket}.s3.us-east-1.amazonaws.com",
            oac=_oac(cf),
            behaviours=[
                {"PathPattern": "/private/*", **trusted},
                {"PathPattern": "*.secret", **trusted},
            ],
        ),
    )
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}"],
        "Condition": {"StringEquals": {"AWS:SourceArn": dist["ARN"]}},
    }
    s3.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    return PrefixWorld(world, bucket, dist["DomainName"], dist["Id"])


def padded_policy(bucket: str, current: dict, size: int) -> str:
    """``current`` plus statements for made-up distributions, up to ``size`` bytes (compact).

    The grants of ``current`` are unchanged; the padding is a policy the local S3 evaluates, so
    every read walks all of it (the load test under S3's 20 KB limit, the edge benchmark).
    """
    statements = list(current["Statement"])

    def text(items: list) -> str:
        return json.dumps({**current, "Statement": items}, separators=(",", ":"))

    n = 0
    while True:
        pad = {
            "Sid": f"Pad{n}",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/pad{n}/*",
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": f"arn:aws:cloudfront::123456789012:distribution/EPAD{n:010d}"
                }
            },
        }
        if len(text([*statements, pad])) > size:
            return text(statements)
        statements.append(pad)
        n += 1
