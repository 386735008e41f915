"""Write the eight tutorial notebooks in notebooks/ from the cell lists below.

The notebooks are committed *stripped* (no outputs, no widget state); this script is how their
structure stays uniform (title, overview, prerequisites, time, "Since the guide", parameters,
form, step, check, exercise with hidden solution, summary). Edit here, then run:

    .venv/bin/python scripts/build_notebooks.py

Learners may edit the notebooks directly; re-running this script overwrites such edits.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks"

IMPORTS = "# imports: filled in by build() with what the notebook uses"
#: (import statement, names it binds); build() keeps the ones the notebook's cells use.
IMPORT_CANDIDATES = [
    ("import json", ["json"]),
    ("import time", ["time"]),
    ("", []),
    ("from IPython.display import {names}", ["HTML", "Markdown", "display"]),
    ("", []),
    ("from cftutorial import {names}", ["forms", "state"]),
]


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text.strip("\n"))


def code(src: str, *, tags: list[str] | None = None, hidden: bool = False) -> nbformat.NotebookNode:
    cell = new_code_cell(src.strip("\n"))
    if tags:
        cell.metadata["tags"] = tags
    if hidden:
        cell.metadata["jupyter"] = {"source_hidden": True}
    return cell


def header(
    title: str,
    overview: str,
    prerequisites: list[tuple[str, str, str]],
    minutes: str,
    since: str,
) -> list[nbformat.NotebookNode]:
    rows = "\n".join(f"| {c} | {i} | {n} |" for c, i, n in prerequisites)
    return [
        md(f"# {title}"),
        md(f"## Overview\n{overview.strip()}"),
        md(
            "## Prerequisites\n\n| Concepts | Importance | Notes |\n|---|---|---|\n"
            + rows
            + f"\n\n- **Time to complete:** {minutes}"
            + "\n- **Runs against:** the local AWS (started for you on first use); nothing leaves this machine."
        ),
        md(f"## Since the guide\n{since.strip()}"),
    ]


def parameters(src: str, form_call: str) -> list[nbformat.NotebookNode]:
    return [
        md(
            "## Parameters\n"
            "After the imports, the cell tagged `parameters` holds the defaults (a headless run "
            "with papermill replaces them). "
            "The form below it is prefilled from them: change a field if you like, then run the "
            "cell after the form. The form only *sets* values — the work happens in the ordinary "
            "cell that follows, so nothing waits for a click."
        ),
        code(IMPORTS),
        code(src, tags=["parameters"]),
        code(f"form = {form_call}\nform.widget"),
    ]


def exercise(
    task: str, starter: str, solution: str, explanation: str
) -> list[nbformat.NotebookNode]:
    return [
        md(f"## Exercise\n{task.strip()}"),
        code(starter),
        md(
            "<details><summary><b>Solution</b> (click to open)</summary>\n\n"
            f"{explanation.strip()}\n\nThe hidden cell below runs it through the same check.\n</details>"
        ),
        code(solution, tags=["solution"], hidden=True),
    ]


def summary(points: str, nxt: str, resources: str) -> list[nbformat.NotebookNode]:
    return [
        md(f"## Summary\n{points.strip()}\n\n### What's next\n{nxt.strip()}"),
        md(f"## Resources\n{resources.strip()}"),
    ]


# ---------------------------------------------------------------------------------------------
NB1 = [
    *header(
        "1. Create the bucket and upload the video",
        """
In this notebook you create the private S3 bucket that CloudFront will serve, and upload the
sample media.

**Learning objectives**
- name a bucket so that S3 accepts it, and know which rule a refused name breaks;
- create a bucket in any region (when `LocationConstraint` is needed and when it is an error);
- choose the bucket's *Object Ownership*, which decides whether ACLs work at all (step 3);
- upload private objects: an MP4, its HLS rendition (for step 8) and a small HTML page.
""",
        [
            ("Python and boto3 basics", "Necessary", "calling a client method, reading a dict"),
            ("S3 buckets and keys", "Helpful", "a bucket holds objects named by keys"),
        ],
        "about 10 minutes (the cells run in a few seconds)",
        """
The guide's step 1 was three lines:

```python
s3 = boto.connect_s3()
bucket = s3.create_bucket("stream.example.com")
bucket.new_key("video.mp4").set_contents_from_filename("video.mp4")
```

What changed:
- **boto → boto3** (boto 2 has not been maintained since 2018): `s3.create_bucket(Bucket=…)`, `s3.put_object(…)`.
- **Regions:** outside us-east-1 you must pass `CreateBucketConfiguration={"LocationConstraint": region}`;
  in us-east-1 passing it is an error (`InvalidLocationConstraint`).
- **April 2023:** new buckets block all public access and disable ACLs (Object Ownership
  `BucketOwnerEnforced`). The guide's step 3 (an ACL grant) only works on a bucket created with
  `BucketOwnerPreferred` — so this notebook creates that kind when `approach = "guide"`.
- **January 2023:** new objects are encrypted at rest (SSE-S3) by default.
- **Names with dots** such as the guide's `stream.example.com` are still valid, but break HTTPS to the
  virtual-hosted address; prefer hyphens.
""",
    ),
    *parameters(
        """
run_name = "default"  # names everything this tutorial run creates
approach = "modern"  # "modern" (2026) or "guide" (2011: ACLs enabled for step 3)
bucket_name = ""  # empty: cftutorial-<run_name>
region = "us-east-1"
aws_opt_in = False  # only with CFTUTORIAL_BACKEND=aws: True agrees to create billable resources
""",
        "forms.bucket_form(run_name=run_name, approach=approach, bucket_name=bucket_name, "
        "region=region, aws_opt_in=aws_opt_in)",
    ),
    md(
        "## Bucket names: which rule, which character\n"
        "S3 answers every bad name with the same `InvalidBucketName`. `bucket.check_bucket_name` "
        "checks the rules first and says which one a name breaks."
    ),
    code(
        """
from cftutorial import bucket

candidates = ["Stream.Example.com", "my_videos", "ab", "192.168.5.4", "videos..example",
              "xn--videos", "videos-s3alias", "-videos", "stream.example.com", "cftutorial-videos"]
rows = []
for name in candidates:
    try:
        warnings = bucket.check_bucket_name(name)
        rows.append({"name": name, "accepted": "yes", "why": "; ".join(warnings) or "-"})
    except bucket.BucketNameError as exc:
        rows.append({"name": name, "accepted": "no", "why": str(exc)})
forms.table(rows)
"""
    ),
    md(
        "## Regions: when `LocationConstraint` is needed\n"
        "These are the exact arguments `s3.create_bucket` gets for two regions — the lesson is the "
        "difference between them."
    ),
    code(
        """
for where in ("us-east-1", "eu-west-1"):
    print(where, "->", bucket.create_bucket_kwargs("cftutorial-videos", region=where,
                                                   object_ownership=bucket.ownership_for(approach)))
"""
    ),
    md(
        "## Where this runs\n"
        "By default everything happens in the local AWS on this machine. With "
        "`CFTUTORIAL_BACKEND=aws` the same cells use your AWS account — but only after you opt in "
        "(the form's last box, or `CFTUTORIAL_AWS_OPT_IN=yes`); before the first write this cell "
        "shows the account, the region, what will be created and what it costs."
    ),
    code(
        """
from cftutorial import awsmode

values = form.values()
print(awsmode.where_this_runs(values["run_name"], values["bucket_name"],
                              aws_opt_in=values["aws_opt_in"]))
"""
    ),
    md(
        "## Create the bucket and upload\n"
        "`bucket.step` finds or creates the bucket (re-running changes nothing), uploads the sample "
        "files with their content types, and saves the bucket name in the tutorial state so the "
        "next notebooks find it."
    ),
    code(
        """
values = form.values()
result = bucket.step(**values)
info = result.bucket
print(f"bucket {info.name!r} in {info.region} ({'created' if info.created else 'already there'}), "
      f"Object Ownership {info.object_ownership}")
for warning in info.warnings:
    print("warning:", warning)
print("origin domain for CloudFront:", info.origin_domain)
"""
    ),
    code("forms.table(result.objects)"),
    md("## Check"),
    code(
        """
keys = {row["Key"] for row in bucket.list_objects(info.name)}
expected = {"video.mp4", "hls/video.m3u8", "hello.html"}
assert expected <= keys, (
    f"missing {sorted(expected - keys)} in s3://{info.name}: run the 'Create the bucket' cell again"
)
assert bucket.object_ownership(info.name) == bucket.ownership_for(values["approach"]), (
    "the bucket's Object Ownership does not match the approach; run the 'Create' cell again"
)
assert state.get(values["run_name"], "bucket") == info.name, "the tutorial state was not saved"
print(f"OK: {len(keys)} objects in s3://{info.name}, saved as run {values['run_name']!r}")
"""
    ),
    *exercise(
        """
Write a bucket name that S3 **accepts** but whose virtual-hosted HTTPS address
(`https://NAME.s3.amazonaws.com`) fails the certificate check. Put it in `answer`.
""",
        """
from cftutorial import exercises

answer = None  # e.g. "…"
exercises.check_dotted_bucket_name(answer)
""",
        """
from cftutorial import exercises

exercises.check_dotted_bucket_name("videos.example")
""",
        'Any valid name with a dot, e.g. `"videos.example"`: the certificate `*.s3.amazonaws.com` '
        "covers one label only, and `videos.example.s3.amazonaws.com` has two before `s3`.",
    ),
    *summary(
        """
- S3's naming rules are checked before calling S3, so a refused name says which rule broke.
- `LocationConstraint`: required outside us-east-1, an error inside it.
- Since 2023 a new bucket has ACLs disabled; the guide's approach needs `BucketOwnerPreferred`.
- The bucket and its objects are private: nobody can read them yet, not even CloudFront.
""",
        "Notebook **02** creates the identity CloudFront uses to read this bucket.",
        """
- [Bucket naming rules](https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
- [Object Ownership](https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html)
- boto3 [`create_bucket`](https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/s3/client/create_bucket.html)
""",
    ),
]

# ---------------------------------------------------------------------------------------------
NB2 = [
    *header(
        "2. Origin access: how CloudFront may read the bucket",
        """
The bucket is private. CloudFront needs an identity S3 will recognise.

**Learning objectives**
- create the guide's *Origin Access Identity* (OAI) and know what its `S3CanonicalUserId` is for;
- create today's *Origin Access Control* (OAC) and know why AWS recommends it;
- know which origin field each one goes into.
""",
        [
            ("Notebook 01", "Necessary", "the bucket must exist"),
            ("IAM principals", "Helpful", "who a policy or ACL grants access to"),
        ],
        "about 10 minutes",
        """
The guide's step 2:

```python
oai = cf.create_origin_access_identity(comment="New identity for secure videos")
print(oai.id, oai.s3_user_id)
```

- boto3 spells it `create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig={…})`.
- **24 August 2022:** AWS launched **Origin Access Control** and now calls OAI *legacy*. An OAI cannot
  read SSE-KMS objects, cannot PUT/POST/DELETE, and does not work in opt-in regions or regions
  launched after December 2022. OAC signs each origin request with SigV4 as the CloudFront service.
- With `approach = "modern"` the distribution uses the OAC; with `"guide"` the OAI.
""",
    ),
    *parameters(
        """
run_name = "default"
approach = "modern"  # "modern": OAC; "guide": OAI
""",
        "forms.origin_access_form(run_name=run_name, approach=approach)",
    ),
    md(
        "## The boto3 calls\nThe configs each create call sends (`CallerReference` / `Name` make re-running safe):"
    ),
    code(
        """
from cftutorial import origin_access

print("create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig=")
print("   ", origin_access.oai_config(form.values()["run_name"]), ")")
print("create_origin_access_control(OriginAccessControlConfig=")
print("   ", origin_access.oac_config(form.values()["run_name"]), ")")
"""
    ),
    md("## Create (or find) the origin access for your approach"),
    code(
        """
values = form.values()
access = origin_access.step(**values)
print(f"{access.kind.upper()} {access.id} ({'created' if access.created else 'found'})")
print("origin S3OriginConfig.OriginAccessIdentity =", repr(access.origin_access_identity))
print("origin OriginAccessControlId               =", repr(access.origin_access_control_id))
"""
    ),
    md(
        "## Side by side: what `S3CanonicalUserId` is for\n"
        "An OAI comes with an S3 *canonical user id*: a 64-hex-digit name S3 uses in ACLs. The "
        "guide pasted it into each object's permissions (notebook 03). An OAC has no such id: it "
        "is authorised by a bucket policy that names the CloudFront *service* and the distribution. "
        "This cell finds or creates the other kind too, for comparison (cleanup removes both)."
    ),
    code(
        """
both = {kind: origin_access.ensure(values["run_name"], kind) for kind in ("guide", "modern")}
forms.table([
    {"approach": kind, "kind": a.kind.upper(), "Id": a.id,
     "S3CanonicalUserId": a.s3_canonical_user_id or "(none: OAC is authorised by a bucket policy)"}
    for kind, a in both.items()
])
"""
    ),
    md("## Check"),
    code(
        """
from cftutorial import clients

cf = clients.client("cloudfront")
saved = state.get(values["run_name"], "origin_access")
assert saved and saved["id"] == access.id, "the origin access was not saved; run the 'Create' cell again"
if access.kind == "oai":
    got = cf.get_cloud_front_origin_access_identity(Id=access.id)["CloudFrontOriginAccessIdentity"]
    assert got["S3CanonicalUserId"] == access.s3_canonical_user_id, "OAI canonical user id mismatch"
else:
    cf.get_origin_access_control(Id=access.id)  # raises if it does not exist
print(f"OK: {access.kind.upper()} {access.id} exists and is saved for run {values['run_name']!r}")
"""
    ),
    *exercise(
        """
A distribution's S3 origin names an OAI in `S3OriginConfig.OriginAccessIdentity`. Write the
value for an OAI whose id is `E2QWRUHEXAMPLE`.
""",
        """
from cftutorial import exercises

answer = None  # a string
exercises.check_oai_origin_value(answer)
""",
        """
from cftutorial import exercises

exercises.check_oai_origin_value("origin-access-identity/cloudfront/E2QWRUHEXAMPLE")
""",
        '`"origin-access-identity/cloudfront/E2QWRUHEXAMPLE"`. With OAC that field is the empty '
        "string and the id goes into the origin's `OriginAccessControlId`.",
    ),
    *summary(
        """
- OAI (2011–2022): a CloudFront identity with an S3 canonical user id for ACLs. Legacy.
- OAC (since Aug 2022): CloudFront signs origin requests; a bucket policy names the distribution.
- Both are found or created by name, so re-running makes no duplicates.
""",
        "Notebook **03** decides who may read the objects: the guide's ACL grant or today's bucket policy.",
        """
- [Restricting access to an S3 origin](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html)
""",
    ),
]

# ---------------------------------------------------------------------------------------------
NB3 = [
    *header(
        "3. Who may read: ACL grant or bucket policy",
        """
Only CloudFront may read the objects — never an anonymous visitor going straight to S3.

**Learning objectives**
- grant READ to the OAI with an object ACL, as the guide did, and see why that now needs a
  bucket created with ACLs enabled (`AccessControlListNotSupported` otherwise);
- write today's bucket policy for an OAI principal, or for the CloudFront service principal
  limited to one distribution with `AWS:SourceArn`.
""",
        [
            ("Notebooks 01–02", "Necessary", "bucket and origin access"),
            ("JSON policies", "Helpful", "Effect, Principal, Action, Resource, Condition"),
        ],
        "about 15 minutes",
        """
The guide's step 3 granted READ on each object to the OAI's canonical user:

```python
key.add_user_grant("READ", oai.s3_user_id)
```

- **April 2023:** new buckets disable ACLs (`BucketOwnerEnforced`); that call now fails with
  **400 `AccessControlListNotSupported`**. AWS marks ACL grants to an OAI "not recommended".
- Today: **one bucket policy**. For OAC its principal is the *service* `cloudfront.amazonaws.com`,
  limited by `Condition: StringEquals AWS:SourceArn = <distribution ARN>` — so it can only be
  written once the distribution exists. In the modern path this notebook shows the policy and
  **notebook 04 writes it** right after creating the distribution.
""",
    ),
    *parameters(
        """
run_name = "default"
approach = "modern"  # "guide": ACL grant to the OAI; "modern": OAC bucket policy (written in 04)
show_acl_failure = True  # also try the guide's call on a bucket made the 2023 default way
""",
        "forms.permissions_form(run_name=run_name, approach=approach, show_acl_failure=show_acl_failure)",
    ),
    md(
        "## The guide's call, in boto3\n`put_object_acl` replaces the whole ACL, so the owner's "
        "grant is kept and READ for the OAI added:"
    ),
    code(
        """
from cftutorial import permissions

example_acl = {"Owner": {"ID": "OWNER-CANONICAL-ID"},
               "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "OWNER-CANONICAL-ID"},
                           "Permission": "FULL_CONTROL"}]}
print("s3.put_object_acl(Bucket=..., Key='video.mp4', AccessControlPolicy=")
print(json.dumps(permissions.acl_with_read_grant(example_acl, "OAI-S3-CANONICAL-USER-ID"), indent=2), ")")
"""
    ),
    md("## Do it for your approach"),
    code(
        """
values = form.values()
result = permissions.step(**values)
if result.acl_grants:
    print(f"granted READ to the OAI on {len(result.acl_grants)} objects of s3://{result.bucket}")
else:
    print("modern approach: no ACLs. The OAC bucket policy is written in notebook 04.")
"""
    ),
    md(
        "## The guide's call on a default (2023+) bucket\n"
        "A small extra bucket made the default way (`BucketOwnerEnforced`) shows what S3 answers:"
    ),
    code(
        """
attempt = result.default_bucket_attempt
if attempt is None:
    print("skipped (show_acl_failure=False)")
else:
    print(f"put_object_acl on s3://{attempt.bucket}/{attempt.key}:",
          "accepted" if attempt.ok else f"HTTP {attempt.status} {attempt.code}: {attempt.message}")
"""
    ),
    md("## What the grant or the policy says"),
    code(
        """
if result.acl_grants:
    display(Markdown(f"Grants on `video.mp4` in `{result.bucket}`:"))
    display(forms.table(permissions.object_grants(result.bucket, "video.mp4")))
else:
    display(Markdown("The policy notebook 04 will write (the distribution id is a placeholder until then):"))
    print(json.dumps(result.policy_preview, indent=2))
display(Markdown("For comparison, the bucket-policy form for an **OAI** (instead of ACLs):"))
print(json.dumps(permissions.oai_policy(result.bucket, "E2QWRUHEXAMPLE"), indent=2))
"""
    ),
    md("## Check"),
    code(
        """
if result.approach == "guide":
    canonical = state.get(values["run_name"], "origin_access")["s3_canonical_user_id"]
    for key in state.get(values["run_name"], "objects"):
        grantees = {(g["Grantee"], g["Permission"]) for g in permissions.object_grants(result.bucket, key)}
        assert (canonical, "READ") in grantees, (
            f"{key} has no READ grant for the OAI: create the bucket with approach='guide' in 01, "
            "then run this notebook again"
        )
    print("OK: every object grants READ to the OAI")
if result.default_bucket_attempt is not None:
    assert result.default_bucket_attempt.code == "AccessControlListNotSupported", (
        f"expected AccessControlListNotSupported on a BucketOwnerEnforced bucket, got "
        f"{result.default_bucket_attempt}; is the local AWS's fidelity layer running?"
    )
    print("OK: a default bucket refuses ACLs with AccessControlListNotSupported")
"""
    ),
    *exercise(
        """
Write the **one policy statement** (a dict) that lets the distribution
`arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE` — and no other — read every
object of bucket `cftutorial-demo` through OAC.
""",
        """
from cftutorial import exercises

answer = None  # {"Effect": ..., "Principal": ..., "Action": ..., "Resource": ..., "Condition": ...}
exercises.check_oac_policy_statement(answer)
""",
        """
from cftutorial import exercises

exercises.check_oac_policy_statement({
    "Effect": "Allow",
    "Principal": {"Service": "cloudfront.amazonaws.com"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::cftutorial-demo/*",
    "Condition": {"StringEquals": {
        "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"}},
})
""",
        "The service principal `cloudfront.amazonaws.com`, `s3:GetObject` on `arn:aws:s3:::cftutorial-demo/*` "
        "(the objects, hence `/*`), and the `AWS:SourceArn` condition — without it every CloudFront "
        "distribution of every account could read the bucket.",
    ),
    *summary(
        """
- ACL grants to an OAI need a bucket with ACLs enabled; a default bucket answers `AccessControlListNotSupported`.
- A bucket policy does it in one statement; OAC's names the distribution's ARN.
- Forgetting this step is the most common cause of a 403 *from the origin* even with a valid signature (notebook 05 shows it).
""",
        "Notebook **04** creates the distribution that requires signatures (and, in the modern path, writes the bucket policy).",
        """
- [Object Ownership error responses](https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html)
- [Giving OAC permission to read S3](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html)
""",
    ),
]

# ---------------------------------------------------------------------------------------------
NB4 = [
    *header(
        "4. The distribution that requires signatures",
        """
Create the CloudFront distribution in front of the bucket, and make it refuse unsigned requests.

**Learning objectives**
- build a `DistributionConfig` whose origin is the bucket's regional REST endpoint;
- require signatures with the guide's `TrustedSigners: self` or today's `TrustedKeyGroups`;
- know what became of the guide's RTMP streaming distribution;
- wait for `Deployed` — and know that on AWS this takes minutes.
""",
        [
            ("Notebooks 01–03", "Necessary", "bucket, origin access, read permission"),
            ("CDN basics", "Helpful", "edge, origin, cache behaviour"),
        ],
        "about 15 minutes here (on AWS add several minutes of deployment)",
        """
The guide's step 4:

```python
origin = S3Origin("%s.s3.amazonaws.com" % bucket_name, oai)
dist = cf.create_distribution(origin=origin, enabled=True, trusted_signers=["Self"])
stream_dist = cf.create_streaming_distribution(origin=origin, enabled=True, trusted_signers=["Self"])
```

- **Origin:** use the *regional* endpoint `BUCKET.s3.REGION.amazonaws.com`; the global form fails for regions
  launched since 2019.
- **Who may sign:** `TrustedSigners: self` trusts the root account's CloudFront key pairs (console only,
  discouraged). Since **22 October 2020** a *key group* of public keys you upload is named in
  `TrustedKeyGroups`; AWS recommends it.
- **RTMP streaming distributions** were shut down on **31 December 2020**. See below.
- **Cache policy** CachingOptimized keeps signatures (query strings, cookies) out of the cache key.

*How the key group gets here:* a key group needs a public key, and the guide makes keys only in step 6.
In the modern path this notebook therefore asks the package to make the signing key on demand
(`keygroups.ensure_signing_key`: private key saved with mode 0600 under the state directory, public
key uploaded, key group created); **notebook 06 opens up exactly those steps**. The guide path needs
no key yet: `TrustedSigners: self` trusts whatever account key pair step 6 registers.
""",
    ),
    *parameters(
        """
run_name = "default"
approach = "modern"  # "modern": TrustedKeyGroups; "guide": TrustedSigners self
key_type = "rsa"  # "rsa" (RSA 2048) or "ecdsa" (P-256) for the key made on demand (modern)
deploy_timeout = 900  # seconds to wait for Deployed before giving up (the cell can be re-run)
""",
        "forms.distribution_form(run_name=run_name, approach=approach, key_type=key_type, "
        "deploy_timeout=deploy_timeout)",
    ),
    md("## The config `create_distribution` gets\nThe parts that matter for private content:"),
    code(
        """
from cftutorial import distribution, origin_access

run = state.load(form.values()["run_name"])
preview = distribution.distribution_config(
    run_name=form.values()["run_name"], bucket=run["bucket"], region=run.get("region", "us-east-1"),
    access=origin_access.from_state(run["origin_access"]),
    key_group_id="KEY-GROUP-ID" if form.values()["approach"] == "modern" else None,
)
print(json.dumps({"Origins": preview["Origins"],
                  "DefaultCacheBehavior": {k: preview["DefaultCacheBehavior"][k]
                                           for k in ("CachePolicyId", "TrustedSigners", "TrustedKeyGroups")}},
                 indent=2))
"""
    ),
    md(
        "## Create (or find) it and wait for `Deployed`\n"
        "The progress bar shows the status and the elapsed time. Locally a deployment takes seconds; "
        "on AWS, minutes. If it times out, nothing is broken: run the cell again."
    ),
    code(
        """
values = form.values()
result = distribution.step(**values)
dist = result.distribution
print(f"distribution {dist.id} ({'created' if dist.created else 'found'}): {dist.status}, "
      f"waited {result.waited_seconds:.1f} s")
print("domain:", dist.domain_name)
print("who may sign:", json.dumps(result.signers))
if result.key_pair_id:
    print(f"key group {result.key_group_id} holds public key {result.key_pair_id} (the Key-Pair-Id)")
"""
    ),
    md(
        "## The bucket policy (modern path)\nNow that the distribution has an ARN, the OAC policy "
        "from notebook 03 is written with it:"
    ),
    code(
        """
from cftutorial import permissions

print(json.dumps(permissions.bucket_policy(state.get(values["run_name"], "bucket")), indent=2)
      if result.bucket_policy else "guide path: the objects' ACLs (notebook 03) let the OAI read")
"""
    ),
    md("## What happened to RTMP streaming"),
    code("print(distribution.RTMP_HISTORY)"),
    md("## Check"),
    code(
        """
current = distribution.get_distribution(dist.id)
assert current.status == "Deployed", f"status is {current.status}: run the 'Create' cell again to keep waiting"
signers = distribution.signers_of(dist.id)
if values["approach"] == "modern":
    assert signers["TrustedKeyGroups"]["Items"] == [result.key_group_id], (
        "the distribution does not trust the run's key group; run the 'Create' cell again")
    policy = permissions.bucket_policy(state.get(values["run_name"], "bucket"))
    arn = policy["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert arn == dist.arn, f"the bucket policy names {arn}, not this distribution {dist.arn}"
else:
    assert signers["TrustedSigners"]["Items"] == ["self"], "TrustedSigners is not 'self'"
assert state.get(values["run_name"], "distribution")["id"] == dist.id, "distribution not saved"
print(f"OK: {dist.id} is Deployed and requires signatures")
"""
    ),
    *exercise(
        """
Write the `TrustedKeyGroups` value of a cache behaviour that accepts signatures from the key
group `5d8a1b1c-1234-4cde-9f00-0123456789ab`.
""",
        """
from cftutorial import exercises

answer = None  # {"Enabled": ..., "Quantity": ..., "Items": [...]}
exercises.check_trusted_key_groups(answer)
""",
        """
from cftutorial import exercises

exercises.check_trusted_key_groups(
    {"Enabled": True, "Quantity": 1, "Items": ["5d8a1b1c-1234-4cde-9f00-0123456789ab"]})
""",
        '`{"Enabled": True, "Quantity": 1, "Items": ["5d8a1b1c-…"]}` — `Quantity` must match '
        "the number of `Items`, and key groups are named by id, never `'self'`.",
    ),
    *summary(
        """
- The origin is the regional S3 endpoint; OAI or OAC lets CloudFront read it.
- `TrustedKeyGroups` (today) or `TrustedSigners: self` (the guide) makes every request need a signature.
- Every change redeploys; on AWS wait minutes for `Deployed`.
- RTMP is gone; HLS over this same distribution replaces it (notebook 08).
""",
        "Notebook **05** proves that nothing can be read without a signature.",
        """
- [Serving private content](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PrivateContent.html)
- [Managed cache policies](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html)
""",
    ),
]

# ---------------------------------------------------------------------------------------------
NB5 = [
    *header(
        "5. Prove that unsigned access fails",
        """
Before making signed URLs, check that nothing gets through without one.

**Learning objectives**
- see S3's answer to an anonymous request: 403 `AccessDenied`;
- see CloudFront's answer to an unsigned request: 403 `MissingKey`;
- see what skipping step 3 does: a 403 *from the origin* even with a valid signature.
""",
        [
            ("Notebooks 01–04", "Necessary", "a deployed distribution"),
            ("HTTP status codes", "Helpful", ""),
        ],
        "about 10 minutes",
        """
The guide's step 5 said: `stream.example.com.s3.amazonaws.com/video.mp4` should give AccessDenied,
and the distribution's URL should give MissingKey. Both still hold. What changed is *where* you look:
today you use the regional S3 endpoint, and a browser shows CloudFront's XML error body with
`Server: CloudFront` and `X-Cache: Error from cloudfront`. Locally, the "edge" is a process on
127.0.0.1 that answers for `*.cloudfront.net` the way CloudFront does.
""",
    ),
    *parameters(
        """
run_name = "default"
approach = "modern"
key_type = "rsa"  # only used if a signing key has to be made for the last section
object_key = "video.mp4"
""",
        "forms.unsigned_form(run_name=run_name, approach=approach, object_key=object_key)",
    ),
    code(
        """
from cftutorial import viewer

values = form.values()
run = state.load(values["run_name"])
domain = state.require(values["run_name"], "distribution")["domain_name"]
key = values["object_key"]
"""
    ),
    md("## 1. Straight to S3, anonymously"),
    code(
        """
direct = viewer.direct_s3_get(run["bucket"], key)
print("GET", direct.url, "(no credentials, no signature)")
display(forms.table([forms.response_summary(direct)]))
print(direct.text[:300])
"""
    ),
    md("## 2. Through CloudFront, without a signature"),
    code(
        """
viewer_url = f"https://{domain}/{key}"
unsigned = viewer.fetch(viewer_url)
print("GET", viewer_url)
display(forms.table([forms.response_summary(unsigned)]))
print(unsigned.text)
"""
    ),
    md(
        "## 3. What if step 3 had been skipped?\n"
        "With a **valid** signature, the edge accepts the request and asks the origin — which "
        "refuses, because CloudFront was never given read permission. Guide path: an object "
        "uploaded without the ACL grant; modern path: the bucket policy is removed for the "
        "length of the `with` block and then put back. The signing key is made on demand here "
        "if notebook 04 did not make one (notebook 06 explains it)."
    ),
    code(
        """
from cftutorial import keygroups, permissions

keygroups.ensure_signing_key(values["run_name"], values["approach"], key_type)
signer = keygroups.signer_for(values["run_name"])
with permissions.step3_skipped(run["bucket"], values["approach"]) as skipped_key:
    skipped_url = signer.sign_url(f"https://{domain}/{skipped_key}", date_less_than=int(time.time()) + 300)
    skipped = viewer.fetch(skipped_url)
with_permission = viewer.fetch(signer.sign_url(f"https://{domain}/hello.html",
                                               date_less_than=int(time.time()) + 300))
forms.table([{"case": "valid signature, step 3 skipped", **forms.response_summary(skipped)},
             {"case": "valid signature, step 3 done", **forms.response_summary(with_permission)}])
"""
    ),
    md(
        "## What the edge decided\nThe local edge keeps its latest decisions and the reason for each:"
    ),
    code("forms.table(viewer.recent_decisions(limit=4))"),
    md("## Check"),
    code(
        """
assert direct.status_code == 403 and forms.response_summary(direct)["code"] == "AccessDenied", (
    f"S3 answered {direct.status_code} to an anonymous GET: the bucket is readable by anyone — "
    "remove any public bucket policy or ACL (notebook 03)")
assert unsigned.status_code == 403 and forms.response_summary(unsigned)["code"] == "MissingKey", (
    f"the edge answered {unsigned.status_code} without a signature: the distribution does not "
    "require signatures — run notebook 04 again")
assert skipped.status_code == 403, "the origin served an object CloudFront may not read"
assert with_permission.status_code == 200, (
    f"a valid signature got {with_permission.status_code}: check step 3 (notebook 03/04)")
print("OK: S3 403 AccessDenied, edge 403 MissingKey, origin 403 without step 3, 200 with it")
"""
    ),
    *exercise(
        """
A URL has `Expires` and `Signature` but **no** `Key-Pair-Id`. Which error code does CloudFront
return? (One of `MissingKey`, `InvalidKey`, `MalformedPolicy`, `AccessDenied`.)
""",
        """
from cftutorial import exercises

answer = None  # a code, as a string
exercises.check_denial_code("no Key-Pair-Id", answer)
""",
        """
from cftutorial import exercises

exercises.check_denial_code("no Key-Pair-Id", "MissingKey")
""",
        '`MissingKey` ("Missing Key-Pair-Id query parameter or cookie value"): without a key id '
        "CloudFront cannot even look for the public key. A wrong id gives `InvalidKey`; a "
        "signature that does not verify, or an expired one, gives `AccessDenied`.",
    ),
    *summary(
        """
- Anonymous S3: 403 `AccessDenied`. Unsigned CloudFront: 403 `MissingKey`.
- A valid signature is not enough: CloudFront must also be allowed to read the origin (step 3).
""",
        "Notebook **06** looks at the signing key: how it is made, registered and trusted.",
        """
- [Troubleshooting signed URLs and cookies](https://repost.aws/knowledge-center/cloudfront-troubleshoot-signed-url-cookies)
- [S3 403 through CloudFront](https://repost.aws/knowledge-center/s3-rest-api-cloudfront-error-403)
""",
    ),
]

# ---------------------------------------------------------------------------------------------
NB6 = [
    *header(
        "6. Signing keys: key pair, public key, key group",
        """
A signature is made with a private key only you hold; CloudFront checks it with the public key.

**Learning objectives**
- generate a key pair locally (RSA 2048, or ECDSA P-256) and keep the private key private (mode 0600);
- register the public key (`create_public_key`) and put it in a key group (`create_key_group`);
- tell the **public key Id** (the `Key-Pair-Id`) from the **key group Id** (in the distribution);
- know why the guide's root-account key pairs are discouraged.
""",
        [
            ("Notebooks 01–05", "Necessary", ""),
            ("Public-key cryptography", "Helpful", "sign with private, verify with public"),
        ],
        "about 15 minutes",
        """
The guide's step 6 was a console click: *Account → Security Credentials → Key Pairs → Create a
New Key Pair*, downloading `pk-….pem`. Those **root-account CloudFront key pairs** still exist but AWS
discourages them: only the root user can make them, at most two are active, IAM cannot control
them, and every distribution with `TrustedSigners: self` trusts all of them.

Since **22 October 2020** you generate the key pair yourself, upload the public half
(`create_public_key`), group keys (`create_key_group`, up to 5 keys per group) and name the group
in `TrustedKeyGroups`. **ECDSA P-256** keys are accepted since September 2025 (smaller, faster
signatures).

With `approach = "guide"` this notebook uses a **local-only stand-in** for the console step: the
public key is registered as an account key pair (an `APKA…` id) that the local edge trusts for
`TrustedSigners: self`. There is no API for this on AWS.
""",
    ),
    *parameters(
        """
run_name = "default"
approach = "modern"
key_type = "rsa"  # "rsa" or "ecdsa"
""",
        "forms.keys_form(run_name=run_name, approach=approach, key_type=key_type)",
    ),
    md(
        "## The boto3 calls\nOnly the *public* PEM is sent; the private key never leaves "
        "`$CFTUTORIAL_HOME/keys/`."
    ),
    code(
        """
from cftutorial import keygroups

v = form.values()
print("cf.create_public_key(PublicKeyConfig=",
      {**keygroups.public_key_config(v["run_name"], v["key_type"], "-----BEGIN PUBLIC KEY-----…"),
       "EncodedKey": "<public PEM>"}, ")")
print("cf.create_key_group(KeyGroupConfig=",
      {"Name": keygroups.key_group_name(v["run_name"]), "Items": ["<public key Id>"]}, ")")
"""
    ),
    md(
        "## Generate, register, trust\n`keygroups.step` finds or makes the key pair, registers "
        "it, and (modern) switches the distribution's default behaviour to the key group with "
        "`get_distribution_config` + `update_distribution(IfMatch=ETag)` — unless it already trusts it."
    ),
    code(
        """
values = form.values()
result = keygroups.step(**values)
key = result.signing_key
forms.table([
    {"what": "Key-Pair-Id (goes into signed URLs)", "value": key.key_pair_id},
    {"what": "key group Id (goes into TrustedKeyGroups)", "value": key.key_group_id or "- (guide: TrustedSigners self)"},
    {"what": "key type", "value": key.kind},
    {"what": "private key file (never shown)", "value": key.private_key_path},
    {"what": "private key file mode", "value": result.private_key_mode},
    {"what": "distribution switched to the key group now", "value": result.switched},
])
"""
    ),
    md(
        "The public key is safe to show — that is the point of it. Its first line tells the "
        "format (SubjectPublicKeyInfo, what `create_public_key` expects):"
    ),
    code(
        """
from pathlib import Path

print(Path(key.public_key_path).read_text().splitlines()[0], "…")
"""
    ),
    md(
        "## The classic mistake: the key group Id as Key-Pair-Id\n"
        "Sign a URL with the key group's id in `Key-Pair-Id` and send it to the edge:"
    ),
    code(
        """
from cftutorial import viewer
from cftutorial.signer import Signer

domain = state.require(values["run_name"], "distribution")["domain_name"]
if key.key_group_id:
    good = Signer(key.key_pair_id, key.private_key_path).sign_url(
        f"https://{domain}/hello.html", date_less_than=int(time.time()) + 300)
    wrong = good.replace(f"Key-Pair-Id={key.key_pair_id}", f"Key-Pair-Id={key.key_group_id}")
    answer = viewer.fetch(wrong)
    display(forms.table([forms.response_summary(answer)]))
    print(answer.text)
    try:
        keygroups.check_key_pair_id(key.key_group_id, signing_key=key)
    except keygroups.WrongKeyPairIdError as exc:
        print("keygroups.check_key_pair_id says:", exc)
else:
    print("guide path: there is no key group; the Key-Pair-Id is the account key pair id", key.key_pair_id)
"""
    ),
    md("## Check"),
    code(
        """
import stat

mode = stat.S_IMODE(Path(key.private_key_path).stat().st_mode)
assert mode == 0o600, f"the private key {key.private_key_path} has mode {oct(mode)}: run chmod 600 on it"
if values["approach"] == "modern":
    from cftutorial import clients, distribution

    cf = clients.client("cloudfront")
    group = cf.get_key_group(Id=key.key_group_id)["KeyGroup"]["KeyGroupConfig"]
    assert key.key_pair_id in group["Items"], "the public key is not in the key group; run the step again"
    dist_id = state.get(values["run_name"], "distribution")["id"]
    trusted = distribution.signers_of(dist_id)["TrustedKeyGroups"]["Items"]
    assert trusted == [key.key_group_id], f"the distribution trusts {trusted}; run the step again"
else:
    assert key.key_pair_id.startswith("APKA"), f"{key.key_pair_id} is not an account key pair id"
print(f"OK: key {key.key_pair_id} ({key.kind}) is trusted; private key mode 0600")
"""
    ),
    *exercise(
        """
Which id goes into a signed URL's `Key-Pair-Id`? Set `answer` to it (use `key.…`).
""",
        """
from cftutorial import exercises

answer = None  # key.key_pair_id or key.key_group_id ?
exercises.check_key_pair_id_choice(answer, key_pair_id=key.key_pair_id, key_group_id=key.key_group_id)
""",
        """
from cftutorial import exercises

exercises.check_key_pair_id_choice(key.key_pair_id, key_pair_id=key.key_pair_id,
                                   key_group_id=key.key_group_id)
""",
        "`key.key_pair_id` — the **public key's** Id. The key group Id goes into the distribution's "
        '`TrustedKeyGroups`; in a URL it gives 403 `InvalidKey` ("Unknown Key").',
    ),
    *summary(
        """
- Generate keys yourself; the private key stays in a 0600 file and is never shown.
- Public key Id → `Key-Pair-Id`; key group Id → `TrustedKeyGroups`.
- Root-account key pairs (the guide's) are discouraged; key groups replace them.
""",
        "Notebook **07** signs URLs and cookies with this key.",
        """
- [Specifying signers (key groups)](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-trusted-signers.html)
""",
    ),
]

# ---------------------------------------------------------------------------------------------
NB7 = [
    *header(
        "7. Signed URLs and cookies",
        """
**Learning objectives**
- sign a URL with a *canned* policy (one URL, an expiry);
- sign with a *custom* policy: a wildcard resource, an IP range, a start time;
- sign *cookies* for many files at once; choose SHA-1 or SHA-256;
- embed a signed URL safely (today's replacement for the guide's Flash-era escaping);
- inspect any signed URL: its policy, expiry and whether the edge would accept it.
""",
        [
            ("Notebooks 01–06", "Necessary", "a distribution and a trusted key"),
            ("base64, JSON", "Helpful", ""),
        ],
        "about 20 minutes",
        """
The guide signed with `dist.create_signed_url(resource, key_pair_id, expires, private_key_file=…)`
(boto 2.1 + M2Crypto). Today boto3 has `botocore.signers.CloudFrontSigner` (URLs only); this
tutorial's own `cftutorial.signer.Signer` also signs cookies, ECDSA keys and **SHA-256**
(`Hash-Algorithm=SHA256`, since April 2026). The guide then escaped `?`, `=` and `&` by hand because
Flash players choked on query strings — Flash ended on 31 December 2020 (see the last section).
""",
    ),
    *parameters(
        """
run_name = "default"
approach = "modern"
hash_algorithm = "SHA1"  # "SHA1" (default) or "SHA256"
object_key = "video.mp4"
expires_in = 300  # seconds
ip_range = "127.0.0.1/32"  # for the custom policy (the local viewer is 127.0.0.1)
# batch signing (the section at the end); papermill: -p batch_objects s3://BUCKET/PREFIX, …
batch_objects = None  # None: this run's samples; a list, a .txt/.csv/.jsonl file or "s3://BUCKET/PREFIX"
batch_domain = None  # None: this run's distribution ("d….cloudfront.net" or "https://…")
batch_key_pair_id = None  # None: this run's public key id
batch_private_key = None  # None: this run's private key file
batch_expires = "24h"  # relative (24h, 90m, 7d), ISO 8601 or epoch seconds
batch_policy = "canned"  # "canned", "custom" (one per URL) or "shared" (one for a prefix)
batch_ip_address = None  # custom/shared: e.g. "192.0.2.0/24"
batch_starts = None  # custom/shared: start, e.g. "now" or "2030-01-01T00:00:00Z"
batch_policy_resource = None  # shared: "https://DOMAIN/course/*" (None: all)
batch_hash_algorithm = None  # None: hash_algorithm above
batch_output = None  # None: $CFTUTORIAL_HOME/batch/<run>-signed-urls.csv and .jsonl
batch_workers = None  # None: every core
batch_on_error = "stop"  # "stop" at the first bad row, or "skip" and list it
""",
        "forms.signing_form(run_name=run_name, approach=approach, hash_algorithm=hash_algorithm, "
        "object_key=object_key, expires_in=expires_in, ip_range=ip_range)",
    ),
    code(
        """
from cftutorial import keygroups, policy, verify

values = form.values()
signer = keygroups.signer_for(values["run_name"], values["hash_algorithm"])
domain = state.require(values["run_name"], "distribution")["domain_name"]
viewer_url = f"https://{domain}/{values['object_key']}"
now = int(time.time())
expires = now + values["expires_in"]
print(signer)
"""
    ),
    md(
        "## Canned policy\nThe policy is never sent: CloudFront rebuilds it from the URL and "
        "`Expires`, so it must be byte-exact:"
    ),
    code(
        """
print(policy.canned_policy(viewer_url, expires))
canned_url = signer.sign_url(viewer_url, date_less_than=expires)
print()
print(canned_url)
"""
    ),
    md(
        "## Custom policy: wildcard, IP range, start time\nThe policy travels (base64, URL-safe) in "
        "`Policy=`; the inspector below decodes it."
    ),
    code(
        """
custom_url = signer.sign_url(
    viewer_url,
    date_less_than=expires,
    date_greater_than=now - 60,
    ip_address=values["ip_range"],
    policy_resource=f"https://{domain}/*",
)
print(custom_url[:160], "…")
print(json.dumps(verify.verify(custom_url, trusted_keys=keygroups.trusted_keys(values["run_name"]),
                               viewer_ip="127.0.0.1").policy, indent=2))
"""
    ),
    md(
        "## Signed cookies\nOne set of cookies opens every file the policy's resource matches — the way "
        "to protect an HLS video's playlist and all its segments."
    ),
    code(
        """
from cftutorial import cookies

hls_cookies = signer.sign_cookies(f"https://{domain}/hls/*", date_less_than=expires)
print(sorted(hls_cookies))
for header in cookies.set_cookie_headers(hls_cookies, domain="videos.example.com", path="/hls/"):
    print("Set-Cookie:", header[:110], "…")
"""
    ),
    md("## SHA-1 or SHA-256\nThe same URL signed both ways: SHA-256 adds `Hash-Algorithm=SHA256`."),
    code(
        """
for algorithm in ("SHA1", "SHA256"):
    url = keygroups.signer_for(values["run_name"], algorithm).sign_url(viewer_url, date_less_than=expires)
    print(algorithm, "->", "&".join(p.split("=")[0] for p in url.split("?", 1)[1].split("&")))
"""
    ),
    md(
        "## The guide's Flash-era escaping, and today's equivalent\n"
        "The guide replaced `?`, `=` and `&` by hand so a Flash player's `addVariable('file', …)` "
        "would pass the URL on intact. That is history: RTMP and Flash are gone. What remains true "
        "is that a URL put *inside* another URL or an HTML attribute must be encoded for that "
        "place — and the signed URL itself must never be re-encoded or changed (any change → 403)."
    ),
    code(
        """
import html
import urllib.parse


def guide_encode_query_param(resource):  # the guide's function, 2011 — history only
    return resource.replace("?", "%3F").replace("=", "%3D").replace("&", "%26")


print("guide (2011):        ", guide_encode_query_param(canned_url)[:90], "…")
print("today, in a URL:     ", urllib.parse.quote(canned_url, safe="")[:90], "…")
print("today, in HTML attr: ", html.escape(canned_url)[:90], "…")
print("same as guide's?     ", guide_encode_query_param(canned_url) == urllib.parse.quote(canned_url, safe=":/~"))
"""
    ),
    md(
        "## Inspector\nPaste **any** signed URL into the form (it starts with the canned URL from "
        "above), then run the cell after it."
    ),
    code(
        """
inspector = forms.inspector_form(run_name=values["run_name"], url=canned_url)
inspector.widget
"""
    ),
    code(
        """
report = forms.inspect_signed_url(**inspector.values())
display(forms.table([{k: v for k, v in report.items() if k != "policy"}]))
print(json.dumps(report["policy"], indent=2))
"""
    ),
    md("## Check"),
    code(
        """
trusted = keygroups.trusted_keys(values["run_name"])
for name, url in (("canned", canned_url), ("custom", custom_url)):
    verdict = verify.verify(url, trusted_keys=trusted, viewer_ip="127.0.0.1")
    assert verdict.allowed, f"the {name} URL would be denied: {verdict.code} {verdict.reason}"
outside = verify.verify(custom_url, trusted_keys=trusted, viewer_ip="198.51.100.7")
assert not outside.allowed and outside.code == "AccessDenied", "the IP condition did not apply"
cookie_verdict = verify.verify(f"https://{domain}/hls/video0.ts", trusted_keys=trusted,
                               cookies=hls_cookies, viewer_ip="127.0.0.1")
assert cookie_verdict.allowed, f"the HLS cookies would be denied: {cookie_verdict.reason}"
print("OK: canned and custom URLs and the cookies verify; the IP range is enforced")
"""
    ),
    *exercise(
        """
Sign `video.mp4` so that the URL works for **10 minutes** and only from **127.0.0.1**. Put the
signed URL in `answer` (use `signer`, `viewer_url`).
""",
        """
from cftutorial import exercises

answer = None  # signer.sign_url(viewer_url, date_less_than=..., ip_address=...)
exercises.check_restricted_url(answer, run_name=values["run_name"])
""",
        """
from cftutorial import exercises

answer = signer.sign_url(viewer_url, date_less_than=int(time.time()) + 600, ip_address="127.0.0.1/32")
exercises.check_restricted_url(answer, run_name=values["run_name"])
""",
        '`signer.sign_url(viewer_url, date_less_than=int(time.time()) + 600, ip_address="127.0.0.1/32")`: '
        "the IP condition makes it a custom policy; the expiry is Unix **seconds** in UTC.",
    ),
    *summary(
        """
- Canned: one URL, an expiry, short URLs. Custom: wildcards, IP range, start time.
- Cookies cover many files (HLS); a signed URL wins over cookies.
- SHA-256 via `Hash-Algorithm=SHA256`; ECDSA keys sign faster and shorter.
- Encode a signed URL only for where you embed it; never change the URL itself.
""",
        "Notebook **08** sends these URLs and cookies to the edge and plays the video.",
        """
- [Creating signed URLs (canned / custom)](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-urls.html)
- [Signed cookies](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-cookies.html)
""",
    ),
    md(
        "## Batch signing\n"
        "<!-- BATCH SECTION: reserved for the batch-signing feature (cftutorial/batch.py). "
        "Its parameters and cells are added here, after this heading. -->\n"
        "*(Reserved: batch signing of many URLs is added here.)*"
    ),
]

# ---------------------------------------------------------------------------------------------
NB8 = [
    *header(
        "8. Try them: play, deny, clean up",
        """
**Learning objectives**
- fetch a file through the edge with a signed URL (200, the exact bytes);
- see each way a URL is denied — expired, tampered, wrong IP, wrong key — and why;
- play the video in an HTML5 `<video>` element;
- play HLS with signed cookies (the playlist and its segments);
- remove everything the tutorial created, in dependency order.
""",
        [("Notebooks 01–07", "Necessary", ""), ("HTML5 video, HLS", "Helpful", "")],
        "about 20 minutes",
        """
The guide's step 8 pasted an escaped URL into a Flash player (`SWFObject` with
`streamer: rtmp://….cloudfront.net/cfx/st`). Flash ended and CloudFront's RTMP distributions were shut
down on **31 December 2020**: none of that works anywhere now. Today: an HTML5 `<video>` with the
signed URL for a file, and **HLS** (playlist + segments) over the same web distribution, opened by
signed **cookies** (hls.js needs `xhr.withCredentials = true` and CORS across origins).
""",
    ),
    *parameters(
        """
run_name = "default"
approach = "modern"
hash_algorithm = "SHA1"
expires_in = 300
clean_up = True  # delete everything at the end (set False to keep exploring)
""",
        "forms.try_form(run_name=run_name, approach=approach, hash_algorithm=hash_algorithm, "
        "expires_in=expires_in, clean_up=clean_up)",
    ),
    code(
        """
from cftutorial import bucket, keygroups, viewer

values = form.values()
signer = keygroups.signer_for(values["run_name"], values["hash_algorithm"])
domain = state.require(values["run_name"], "distribution")["domain_name"]
expires = int(time.time()) + values["expires_in"]
video_url = signer.sign_url(f"https://{domain}/video.mp4", date_less_than=expires)
"""
    ),
    md("## A signed URL through the edge"),
    code(
        """
got = viewer.fetch(video_url)
local_copy = (bucket.data_dir() / "video.mp4").read_bytes()
display(forms.table([forms.response_summary(got)]))
print("bytes match the uploaded file:", got.content == local_copy)
"""
    ),
    md("## Four ways to be denied"),
    code(
        """
from cftutorial.keys import generate_private_key
from cftutorial.signer import Signer

now = int(time.time())
cases = {
    "expired a minute ago": signer.sign_url(f"https://{domain}/video.mp4", date_less_than=now - 60,
                                            allow_past=True),
    "tampered (path changed after signing)": video_url.replace("/video.mp4?", "/hello.html?"),
    "wrong IP (203.0.113.0/24 only)": signer.sign_url(f"https://{domain}/video.mp4",
                                                     date_less_than=expires, ip_address="203.0.113.0/24"),
    "wrong key (same Key-Pair-Id, another private key)": Signer(
        signer.key_pair_id, generate_private_key(signer.kind), values["hash_algorithm"]
    ).sign_url(f"https://{domain}/video.mp4", date_less_than=expires),
}
denied = {case: viewer.fetch(url) for case, url in cases.items()}
forms.table([{"case": case, **forms.response_summary(r)} for case, r in denied.items()])
"""
    ),
    md("The edge's decisions, with the reason for each (newest last):"),
    code(
        """
forms.table([{k: d.get(k) for k in ("path", "status", "code", "reason")}
             for d in viewer.recent_decisions(limit=5)])
"""
    ),
    md(
        "## Play it\nAn HTML5 `<video>` element with the signed URL (through the local edge). In "
        "JupyterLab on this machine it plays; a URL that expired shows nothing. The URL is encoded "
        "for the HTML attribute with `html.escape` — the URL itself is not changed."
    ),
    code(
        """
from cftutorial import player

# The browser fetches the video through this Jupyter server (its /proxy/PORT/ route to the local
# edge), so it plays on a laptop, on Binder and on a JupyterHub alike; on AWS the src is the signed
# CloudFront URL itself. The URL is escaped for the HTML attribute, not changed.
print("the browser loads:", player.browser_url(video_url).split("?")[0] + "?…")
display(player.video(video_url, width=320, element_id="signed-video"))
print("The URL that expired a minute ago, in the same player (403: nothing plays):")
player.video(cases["expired a minute ago"], width=320, element_id="expired-video")
"""
    ),
    md(
        "## HLS with signed cookies\nOne set of cookies for `https://DOMAIN/hls/*` opens the "
        "playlist and every segment it lists."
    ),
    code(
        """
hls_cookies = signer.sign_cookies(f"https://{domain}/hls/*", date_less_than=expires)
playlist = viewer.fetch(f"https://{domain}/hls/video.m3u8", cookies=hls_cookies)
segments = [line for line in playlist.text.splitlines() if line and not line.startswith("#")]
segment = viewer.fetch(f"https://{domain}/hls/{segments[0]}", cookies=hls_cookies)
no_cookie = viewer.fetch(f"https://{domain}/hls/{segments[0]}")
forms.table([
    {"request": "playlist, with cookies", **forms.response_summary(playlist)},
    {"request": f"{segments[0]}, with cookies", **forms.response_summary(segment)},
    {"request": f"{segments[0]}, without cookies", **forms.response_summary(no_cookie)},
])
"""
    ),
    md(
        "In a web page, hls.js would play it from the real distribution like this (it needs the "
        "cookies set for your own domain, `withCredentials` and CORS; not run here):\n\n"
        "```js\nconst hls = new Hls({xhrSetup: xhr => { xhr.withCredentials = true; }});\n"
        "hls.loadSource('https://videos.example.com/hls/video.m3u8');\nhls.attachMedia(video);\n```"
    ),
    md("## Check"),
    code(
        """
assert got.status_code == 200 and got.content == local_copy, (
    f"the signed URL got {got.status_code}: run notebook 07's check, then this cell again")
for case, answer in denied.items():
    assert answer.status_code == 403, f"'{case}' was not denied ({answer.status_code})"
assert playlist.status_code == 200 and segment.status_code == 200, "the HLS cookies were not accepted"
assert no_cookie.status_code == 403, "a segment was served without cookies"
print(f"OK: 200 with the signature ({len(got.content)} bytes), 403 for all {len(denied)} bad cases, HLS with cookies")
"""
    ),
    *exercise(
        """
Make cookies that open the HLS playlist and segments but **not** `video.mp4`. Put the cookie dict
in `answer` (use `signer`, `domain`, `expires`).
""",
        """
from cftutorial import exercises

answer = None  # signer.sign_cookies(...)
exercises.check_hls_cookies(answer, run_name=values["run_name"], domain=domain)
""",
        """
from cftutorial import exercises

answer = signer.sign_cookies(f"https://{domain}/hls/*", date_less_than=expires)
exercises.check_hls_cookies(answer, run_name=values["run_name"], domain=domain)
""",
        '`signer.sign_cookies(f"https://{domain}/hls/*", date_less_than=expires)`: the wildcard '
        "makes it a custom policy that covers `/hls/` only.",
    ),
    md(
        "## Clean up\nIn dependency order: disable the distribution (IfMatch ETag) → wait until "
        "Deployed → delete it → key group → public keys → OAC/OAI → bucket policy → objects → buckets "
        "→ local key files → saved state. Running it twice is harmless."
    ),
    code(
        """
from cftutorial import cleanup

if values["clean_up"]:
    steps = cleanup.cleanup(values["run_name"])
    display(forms.table(cleanup.as_rows(steps)))
else:
    print("kept everything (clean_up=False); run cleanup.cleanup(run_name) when done")
"""
    ),
    code(
        """
if values["clean_up"]:
    from cftutorial import distribution

    assert distribution.find_distribution(values["run_name"]) is None, "the distribution still exists"
    assert state.load(values["run_name"]) == {}, "the saved state was not cleared"
    print("OK: everything this run created is gone")
"""
    ),
    *summary(
        """
- A signed URL through the edge returns the exact bytes; every tampering is a 403 with a reason.
- HTML5 `<video>` replaces Flash; HLS + signed cookies replace RTMP.
- Cleanup follows AWS's dependency order and can be run again safely.
""",
        'Start again from notebook **01** with `approach = "guide"` to follow the 2011 path, or '
        'with `key_type = "ecdsa"` and `hash_algorithm = "SHA256"`.',
        """
- [Serving private content](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PrivateContent.html)
- [hls.js](https://github.com/video-dev/hls.js)
""",
    ),
]

NOTEBOOKS = {
    "01-create-bucket-and-upload.ipynb": NB1,
    "02-origin-access.ipynb": NB2,
    "03-who-may-read.ipynb": NB3,
    "04-distribution-requiring-signatures.ipynb": NB4,
    "05-unsigned-access-fails.ipynb": NB5,
    "06-signing-keys.ipynb": NB6,
    "07-signed-urls-and-cookies.ipynb": NB7,
    "08-try-them-and-clean-up.ipynb": NB8,
}


def _imports(cells: list) -> str:
    """The first code cell's imports: exactly the names the tutorial's own code cells use."""
    end = next((i for i, c in enumerate(cells) if BATCH_MARKER in c.source), len(cells))
    own = cells[:end]  # the batch section imports what it needs itself
    used = "\n".join(c.source for c in own if c.cell_type == "code" and c.source != IMPORTS)
    lines: list[str] = []
    for statement, names in IMPORT_CANDIDATES:
        needed = [n for n in names if re.search(rf"(?<![.\w]){n}[(.]", used)]
        if not names:
            if lines and lines[-1] != "":
                lines.append("")
        elif needed:
            lines.append(statement.format(names=", ".join(needed)))
    return "\n".join(lines).strip()


def _ruff_format(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Format the code cells as ``ruff format`` would (the project lints notebooks too)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notebook.ipynb"
        nbformat.write(notebook, path)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                "format",
                "--quiet",
                "--config",
                str(ROOT / "pyproject.toml"),
                str(path),
            ],
            check=True,
        )
        return nbformat.read(path, as_version=4)


BATCH_MARKER = "BATCH SECTION"


def _with_batch_section(name: str, cells: list) -> list:
    """Keep the batch-signing cells another module owns (from the marker cell to the end of 07).

    The marker cell written here is only a placeholder; once cftutorial/batch.py's section exists
    in the committed notebook, rebuilding keeps it as it is.
    """
    committed = OUT / name
    if not committed.exists() or not any(BATCH_MARKER in c.source for c in cells):
        return cells
    existing = nbformat.read(committed, as_version=4).cells
    start = next((i for i, c in enumerate(existing) if BATCH_MARKER in c.source), None)
    if start is None:
        return cells
    mine = next(i for i, c in enumerate(cells) if BATCH_MARKER in c.source)
    return cells[:mine] + [nbformat.from_dict(dict(c)) for c in existing[start:]]


def build(name: str, cells: list) -> nbformat.NotebookNode:
    cells = _with_batch_section(name, [nbformat.from_dict(dict(c)) for c in cells])
    for cell in cells:
        if cell.cell_type == "code" and cell.source == IMPORTS:
            cell.source = _imports(cells)
    notebook = new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell["id"] = f"{name[:2]}-{index:02d}"
    notebook = _ruff_format(notebook)
    nbformat.validate(notebook)
    return notebook


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(name, cells), OUT / name)
        print(f"wrote notebooks/{name} ({len(cells)} cells)")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
