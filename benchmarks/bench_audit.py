"""Time of ``audit_distribution`` on a distribution with 10 behaviours (nine path patterns and
the default, all signed with a two-key group, OAC, an SSE-KMS bucket), next to the same reads
made as bare boto3 calls with nothing judged, measured in the same rounds against the same
local AWS.

    .venv/bin/python benchmarks/bench_audit.py                  # 5 rounds of 10 audits
    .venv/bin/python benchmarks/bench_audit.py --rounds 3 --audits 5

The local AWS runs in a temporary CFTUTORIAL_HOME on free ports and stops at the end. The
difference between the two figures is what the audit's rules cost over the reads they need.
"""

from __future__ import annotations

import copy
import json
import statistics
import sys

from figures import (
    Parser,
    count,
    median_milliseconds,
    print_round_medians,
    private_local_aws,
)

BEHAVIOURS = 10


def _public_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode()


def _distribution(cf, s3, kms) -> tuple[str, str]:
    """A bucket, its SSE-KMS key, a two-key group, an OAC and a 10-behaviour distribution."""
    from cftutorial.aws import bucket_access, distributions

    bucket = "cftutorial-bench-audit"
    s3.create_bucket(Bucket=bucket)
    keys = [
        cf.create_public_key(
            PublicKeyConfig={
                "CallerReference": f"b{n}",
                "Name": f"bench-{n}",
                "EncodedKey": _public_key(),
            }
        )["PublicKey"]["Id"]
        for n in range(2)
    ]
    group = cf.create_key_group(KeyGroupConfig={"Name": "bench-audit", "Items": keys})["KeyGroup"][
        "Id"
    ]
    oac = cf.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": "bench-audit",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )["OriginAccessControl"]["Id"]
    origin = distributions.s3_origin(
        f"{bucket}.s3.us-east-1.amazonaws.com", origin_access_control_id=oac
    )
    config = distributions.distribution_config(
        caller_reference="bench-audit", comment="bench", origin=origin, key_group_id=group
    )
    listed = []
    for n in range(BEHAVIOURS - 1):
        behaviour = copy.deepcopy(config["DefaultCacheBehavior"])
        behaviour["PathPattern"] = f"/section{n}/*.mp4"
        listed.append(behaviour)
    config["CacheBehaviors"] = {"Quantity": len(listed), "Items": listed}
    dist = cf.create_distribution(DistributionConfig=config)["Distribution"]
    s3.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps(bucket_access.oac_policy(bucket, dist["ARN"]))
    )
    key = kms.create_key(Description="bench")["KeyMetadata"]["KeyId"]
    policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    policy["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"AWS:SourceArn": dist["ARN"]}},
        }
    )
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(policy))
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key,
                    }
                }
            ]
        },
    )
    return dist["Id"], key


def main(argv: list[str]) -> int:
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=count(1), default=5, help="rounds (default 5)")
    parser.add_argument("--audits", type=count(1), default=10, help="audits per round (default 10)")
    args = parser.parse_args(argv)
    with private_local_aws("cftutorial-bench-audit-"):
        from cftutorial.audit.distribution import audit_distribution
        from cftutorial.aws import clients

        cf, s3, kms = (clients.client(name) for name in ("cloudfront", "s3", "kms"))
        dist_id, key = _distribution(cf, s3, kms)
        report = audit_distribution(dist_id, cf=cf, s3=s3, kms=kms)
        if not report.clean:
            print(f"the benchmark's distribution is not clean: {report.rows()}", file=sys.stderr)
            return 1
        bucket = "cftutorial-bench-audit"

        def bare_reads() -> None:
            dist = cf.get_distribution(Id=dist_id)["Distribution"]
            groups = dist["DistributionConfig"]["DefaultCacheBehavior"]["TrustedKeyGroups"]
            cf.get_key_group(Id=groups["Items"][0])
            s3.get_bucket_policy(Bucket=bucket)
            s3.get_public_access_block(Bucket=bucket)
            s3.get_bucket_encryption(Bucket=bucket)
            kms.get_key_policy(KeyId=key, PolicyName="default")

        audited, bare = [], []
        for _ in range(args.rounds):
            audited.append(
                median_milliseconds(
                    lambda: audit_distribution(dist_id, cf=cf, s3=s3, kms=kms), args.audits
                )
            )
            bare.append(median_milliseconds(bare_reads, args.audits))
    print(
        f"audit of a distribution with {BEHAVIOURS} behaviours, "
        f"{args.rounds} rounds x {args.audits} audits (local AWS)"
    )
    print_round_medians(
        [
            ("audit_distribution (reads + 10 rules)", audited),
            ("the same reads as bare boto3 calls", bare),
        ],
        44,
    )
    ratios = [a / max(b, 1e-6) for a, b in zip(audited, bare, strict=True)]
    print(f"{'audit / bare reads':44s} {statistics.median(ratios):10.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
