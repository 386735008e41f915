"""What the notebooks build, built for the tests: a run's bucket, origin access, permissions,
distribution, signing key, rotation and KMS key.

Each builder is one notebook: its parameters go through the notebook's form (``forms.*_form``,
as in the parameters and form cells), then the calls its cells make, in their order, with the
package functions the cells call and the boto3 calls the cells show; nothing is printed. So a
run built here is the run the notebook would leave (``test_builders.py`` holds one against the
notebooks' own: the modern chain's run after its Run All of 01-06), and a change to a notebook's
sequence is made here too. The package has no "notebook in one call" of its own: the notebooks
are the tutorial, and the functions their cells call are what it ships. As in the notebooks, a
builder opens the run's saved state once (``state.open_run``), passes it to the step functions
and saves it where the notebook's cells do.

Each builder returns what its notebook's cells hold at the end (what the tests assert on).
:func:`run` builds notebooks 01 to ``last`` in order; 10 and 12 (:data:`BEYOND_THE_GUIDE`) are
built one by one after it.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from cftutorial.aws import account_keys, bucket_access, buckets, clients, distributions
from cftutorial.aws import kms as kms_keys
from cftutorial.aws.buckets import BucketInfo
from cftutorial.aws.distributions import DistributionInfo
from cftutorial.aws.origin_access import OriginAccess
from cftutorial.aws.signing_keys import with_public_key, without_public_key
from cftutorial.run import urls
from cftutorial.signing import policy as signing_policy
from cftutorial.signing.signer import Signer
from cftutorial.tutorial import forms, preflight, saved, signing_key, state, viewer
from cftutorial.tutorial import step01_bucket as step01
from cftutorial.tutorial import step02_origin_access as step02
from cftutorial.tutorial import step03_who_may_read as step03
from cftutorial.tutorial import step04_distribution as step04
from cftutorial.tutorial import step06_signing_keys as step06
from cftutorial.tutorial import step10_rotation as step10
from cftutorial.tutorial import step12_kms as step12
from cftutorial.tutorial.signing_key import SigningKey

# --- notebook 01 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """Notebook 01's bucket: found or created, its Object Ownership, the uploaded keys."""

    bucket: BucketInfo
    uploaded: list[str]
    ownership_changed_from: str | None  # a re-run with the other approach changed it
    changes: list[str]  # what the save said a re-run with other values changed
    where_this_runs: str  # the preflight cell's text: the local AWS, or account and plan


def bucket(
    *,
    run_name: str = "default",
    approach: str = "modern",
    bucket_name: str = "",
    region: str = "",
    aws_opt_in: bool = False,
) -> Bucket:
    """Notebook 01: check the name, find or create and tag the bucket, set its Object Ownership
    for the approach, upload the samples, save."""
    form = forms.bucket_form(
        run_name=run_name,
        approach=approach,
        bucket_name=bucket_name,
        region=region,
        aws_opt_in=aws_opt_in,
    )
    values = form.values()
    where = preflight.where_this_runs(
        values["run_name"], values["bucket_name"], aws_opt_in=values["aws_opt_in"]
    )
    run_ = state.open_run(values["run_name"])
    name, region = step01.checked_bucket_name(**values), values["region"]
    ownership = step01.ownership_for(values["approach"])
    s3 = clients.client("s3")
    found = step01.find_bucket(name, region, s3=s3)
    if found is None:
        s3.create_bucket(
            **buckets.create_bucket_kwargs(name, region=region, object_ownership=ownership)
        )
        s3.put_bucket_tagging(
            Bucket=name,
            Tagging={"TagSet": [{"Key": step01.RUN_TAG, "Value": values["run_name"]}]},
        )
    changed_from = None
    if found is not None and found.object_ownership != ownership:
        s3.put_bucket_ownership_controls(
            Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]}
        )
        changed_from = found.object_ownership
    uploaded = []
    for sample in step01.sample_files():
        with sample.path.open("rb") as body:
            s3.put_object(Bucket=name, Key=sample.key, Body=body, ContentType=sample.content_type)
        uploaded.append(sample.key)
    changes = step01.save(
        run_,
        bucket=name,
        region=region,
        approach=values["approach"],
        objects=uploaded,
    )
    run_.save()
    info = BucketInfo(
        name,
        region,
        ownership,
        created=found is None,
        warnings=tuple(buckets.check_bucket_name(name)),
    )
    return Bucket(info, uploaded, changed_from, changes, where)


# --- notebook 02 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Notebook 02: both kinds found or created; the approach's one is the run's (saved)."""

    access: OriginAccess  # the one saved for the run
    oac: OriginAccess
    oai: OriginAccess
    replaced: OriginAccess | None  # the other kind the run used before, if it changed

    @property
    def kind(self) -> str:
        return self.access.kind


def origin_access(*, run_name: str = "default", approach: str = "modern") -> Access:
    """Notebook 02: find or create the run's OAC, then its OAI; save the approach's one."""
    values = forms.origin_access_form(run_name=run_name, approach=approach).values()
    run_ = state.open_run(values["run_name"])
    cf = clients.client("cloudfront")
    oac = step02.find_run_oac(run_.name, cf=cf)
    if oac is None:
        oac = step02.oac_from_answer(
            cf.create_origin_access_control(
                OriginAccessControlConfig=step02.oac_config_for(values["run_name"])
            )
        )
    oai = step02.find_run_oai(run_.name, cf=cf)
    if oai is None:
        oai_config = step02.oai_config_for(run_)
        run_.save()  # the CallerReference, before the call
        oai = step02.oai_from_answer(
            cf.create_cloud_front_origin_access_identity(
                CloudFrontOriginAccessIdentityConfig=oai_config
            )
        )
    access = step02.for_approach(values["approach"], oai=oai, oac=oac)
    replaced = step02.save(run_, access)
    run_.save()
    return Access(access, oac, oai, replaced)


# --- notebook 03 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Permissions:
    """Notebook 03: the guide's ACL grants, the refusal on a default bucket, the previews."""

    run: saved.Checked
    granted: list[str]  # guide: the keys whose ACL now grants READ to the OAI
    refused: dict[str, Any] | None  # S3's error for the ACL call on the 2023-default demo bucket
    demo_bucket: str | None
    demo_policy_written: bool  # the OAI bucket policy on the demo bucket
    policy_preview: dict[str, Any] | None  # modern: the OAC policy notebook 04 writes


def permissions(
    *, run_name: str = "default", approach: str = "modern", show_acl_failure: bool = True
) -> Permissions:
    """Notebook 03: guide → READ for the OAI in every object's ACL; the guide's call tried on a
    default bucket (``show_acl_failure``), and the OAI bucket policy written there instead;
    modern → only the preview of the OAC policy (04 writes it)."""
    form = forms.permissions_form(
        run_name=run_name, approach=approach, show_acl_failure=show_acl_failure
    )
    values = form.values()
    run_ = state.open_run(values["run_name"])
    run = step03.saved_origin(run_)
    run_.save()
    s3 = clients.client("s3")
    granted = []
    if values["approach"] == "guide":
        canonical = step03.check_acls_possible(run, s3=s3)
        for key in run.objects:
            acl = s3.get_object_acl(Bucket=run.bucket, Key=key)
            s3.put_object_acl(
                Bucket=run.bucket,
                Key=key,
                AccessControlPolicy=bucket_access.acl_with_read_grant(acl, canonical),
            )
            granted.append(key)
    refused, demo = None, None
    if values["show_acl_failure"]:
        demo = step03.make_acl_demo_bucket(values["run_name"], s3=s3)
        acl = s3.get_object_acl(Bucket=demo, Key=step03.DEMO_KEY)
        try:
            s3.put_object_acl(
                Bucket=demo,
                Key=step03.DEMO_KEY,
                AccessControlPolicy=bucket_access.acl_with_read_grant(acl, "0" * 64),
            )
        except ClientError as exc:
            refused = exc.response["Error"]
    oai = step03.find_run_oai(run_.name)
    written = refused is not None and oai is not None
    if written:
        policy = bucket_access.oai_policy(demo, oai.id)
        s3.put_bucket_policy(Bucket=demo, Policy=json.dumps(policy))
    preview = None if values["approach"] == "guide" else step03.oac_policy_preview(run.bucket)
    return Permissions(run, granted, refused, demo, written, preview)


# --- notebook 04 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    """Notebook 04: the distribution (as it is once Deployed), who may sign, the policy."""

    distribution: DistributionInfo
    created: bool  # False: found (made by an earlier run) and brought up to date
    changes: list[str]  # what bringing a found one up to date changed
    signing: SigningKey | None  # modern: the key whose group the distribution trusts
    bucket_policy: dict[str, Any] | None  # OAC: the policy naming this distribution's ARN
    waited_seconds: float
    signers: dict[str, Any]

    @property
    def key_pair_id(self) -> str | None:
        return self.signing.key_pair_id if self.signing else None

    @property
    def key_group_id(self) -> str | None:
        return self.signing.key_group_id if self.signing else None


def distribution(
    *,
    run_name: str = "default",
    approach: str = "modern",
    key_type: str = "rsa",
    deploy_timeout: int = 900,
    progress: bool = False,
) -> Distribution:
    """Notebook 04: the signing key on demand (modern), the run's config, the distribution
    created with its run tag or found and brought up to date, saved; the OAC bucket policy
    naming its ARN; the wait for Deployed."""
    form = forms.distribution_form(
        run_name=run_name, approach=approach, key_type=key_type, deploy_timeout=deploy_timeout
    )
    values = form.values()
    run_ = state.open_run(values["run_name"])
    run = step04.saved_origin(run_)
    run_.save()
    cf = clients.client("cloudfront")
    signing = None
    if values["approach"] == "modern":
        signing = step04.key_group_for(run_, values["key_type"], cf=cf)[0]
        run_.save()
    config = step04.config_for(
        run_,
        bucket=run.bucket,
        region=run.region,
        access=run.access,
        key_group_id=signing.key_group_id if signing else None,
    )
    run_.save()
    found = step04.find_run_distribution(run_.name, cf=cf)
    changes: list[str] = []
    if found is None:
        answer = cf.create_distribution_with_tags(
            DistributionConfigWithTags={
                "DistributionConfig": config,
                "Tags": {"Items": [{"Key": step04.RUN_TAG, "Value": values["run_name"]}]},
            }
        )
        dist = step04.from_answer(answer)
    else:
        changes = step04.bring_up_to_date(found.id, config, cf=cf)
        dist = distributions.get_distribution(found.id, cf=cf)
    run_.set(distribution=dist.to_state())
    run_.save()
    policy = None
    if run.access.kind == "oac":
        policy = bucket_access.oac_policy(run.bucket, dist.arn)
        clients.client("s3").put_bucket_policy(Bucket=run.bucket, Policy=json.dumps(policy))
    waited = distributions.wait_deployed(
        dist.id, timeout=values["deploy_timeout"], progress=progress, cf=cf
    )
    dist = distributions.get_distribution(dist.id, cf=cf)
    signers = distributions.signers_of(dist.id, cf=cf)
    return Distribution(dist, found is None, changes, signing, policy, waited, signers)


# --- notebook 06 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    """Notebook 06: the run's signing key, where CloudFront trusts it."""

    signing_key: SigningKey
    private_key_mode: str  # e.g. "0o600"
    switched: bool  # modern: whether the distribution had to be switched to the key group
    waited_seconds: float


def signing_keys(
    *,
    run_name: str = "default",
    approach: str = "modern",
    key_type: str = "rsa",
    progress: bool = False,
) -> Keys:
    """Notebook 06: the key files, the public key and the key group holding it (modern) or the
    account key pair (guide), saved; the distribution switched to the key group."""
    values = forms.keys_form(run_name=run_name, approach=approach, key_type=key_type).values()
    run, kind = state.open_run(values["run_name"]), values["key_type"]
    step06.check_run(run)
    _private_path, public_path = signing_key.ensure_key_files(run, kind)
    run.save()
    pem = public_path.read_text()
    cf = clients.client("cloudfront")
    key_id = group_id = None
    if values["approach"] == "modern":
        public_key_config = signing_key.public_key_config(run, kind, pem)
        run.save()
        key_id = signing_key.find_public_key(public_key_config, cf=cf)
        if key_id is None:
            key_id = cf.create_public_key(PublicKeyConfig=public_key_config)["PublicKey"]["Id"]
        group = signing_key.find_key_group(run.name, cf=cf)
        if group is None:
            group_config = signing_key.key_group_config(run.name, [key_id])
            answer = cf.create_key_group(KeyGroupConfig=group_config)
            group_id = answer["KeyGroup"]["Id"]
        else:
            group_id = group["Id"]
            if key_id not in group["KeyGroupConfig"]["Items"]:
                wanted = with_public_key(group["KeyGroupConfig"], key_id)
                cf.update_key_group(Id=group_id, KeyGroupConfig=wanted, IfMatch=group["ETag"])
    else:
        key_id = account_keys.register_account_key_pair(pem)
    key = signing_key.remember(run, values["approach"], kind, key_id, group_id)
    run.save()
    dist_id = run.require("distribution")["id"]
    switched = False
    if values["approach"] == "modern":
        current = cf.get_distribution_config(Id=dist_id)
        config = current["DistributionConfig"]
        switched = step06.switch_to_key_group(config, group_id)
        if switched:
            cf.update_distribution(Id=dist_id, DistributionConfig=config, IfMatch=current["ETag"])
    waited = distributions.wait_deployed(dist_id, progress=progress and switched)
    return Keys(key, step06.private_key_mode(key), switched, waited)


# --- notebook 10 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rotated:
    """Notebook 10: the rotation done, the edge's answers at each phase, the refusals seen."""

    rotation: step10.Rotation
    rows: list[dict[str, str]]
    stale_etag_code: str  # update_key_group with the ETag from before the first update
    in_use_code: str  # delete_public_key of the old key while the group still lists it
    removed_files: list[str] = field(default_factory=list)


def _error_code(call: Any, **kwargs: Any) -> str:
    """The error code AWS answers ``call`` with ("" when it succeeds), as the cells print it."""
    try:
        call(**kwargs)
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return ""


def rotation(
    *, run_name: str = "default", approach: str = "modern", object_key: str = "hello.html"
) -> Rotated:
    """Notebook 10: a new key added to the group, the run switched to it, the old key removed
    from the group then deleted, its files removed; the edge asked at each phase."""
    form = forms.rotation_form(run_name=run_name, approach=approach, object_key=object_key)
    values = form.values()
    run = state.open_run(values["run_name"])
    step10.check_run(run, values["approach"])
    cf = clients.client("cloudfront")
    rotation_ = step10.start(run, cf=cf)
    run.save()
    public_key_config = step10.new_key_config(rotation_)
    new_id = signing_key.find_public_key(public_key_config, cf=cf)
    if new_id is None:
        new_id = cf.create_public_key(PublicKeyConfig=public_key_config)["PublicKey"]["Id"]
    rotation_ = step10.with_new_key_id(rotation_, new_id)
    run.save()
    url = step10.viewer_url(run, values["object_key"])
    expires = int(time.time()) + 600
    old_url = rotation_.old.signer().sign_url(url, date_less_than=expires)
    new_url = rotation_.new.signer().sign_url(url, date_less_than=expires)
    timeline = step10.Timeline(rotation_, old_url, new_url)
    timeline.observe("new key uploaded", cf=cf)
    current = cf.get_key_group(Id=rotation_.key_group_id)
    etag = current["ETag"]
    wanted = with_public_key(current["KeyGroup"]["KeyGroupConfig"], new_id)
    cf.update_key_group(Id=rotation_.key_group_id, IfMatch=etag, KeyGroupConfig=wanted)
    stale = _error_code(
        cf.update_key_group, Id=rotation_.key_group_id, IfMatch=etag, KeyGroupConfig=wanted
    )
    timeline.observe("both keys in the group", cf=cf)
    old_etag = cf.get_public_key(Id=rotation_.old.key_id)["ETag"]
    in_use = _error_code(cf.delete_public_key, Id=rotation_.old.key_id, IfMatch=old_etag)
    step10.adopt(rotation_, cf=cf)
    run.save()
    step10.check_removable(rotation_)
    current = cf.get_key_group(Id=rotation_.key_group_id)
    wanted = without_public_key(current["KeyGroup"]["KeyGroupConfig"], rotation_.old.key_id)
    cf.update_key_group(Id=rotation_.key_group_id, IfMatch=current["ETag"], KeyGroupConfig=wanted)
    timeline.observe("old key removed from the group", cf=cf)
    try:
        old_etag = cf.get_public_key(Id=rotation_.old.key_id)["ETag"]
        cf.delete_public_key(Id=rotation_.old.key_id, IfMatch=old_etag)
    except ClientError:
        pass  # deleted already (a resumed rotation): the cell says so
    timeline.observe("old public key deleted", cf=cf)
    removed = step10.finish(rotation_)
    run.save()
    return Rotated(rotation_, timeline.rows, stale, in_use, removed)


# --- notebook 12 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KmsKey:
    """Notebook 12: the KMS key trusted next to the run's key, what signing through it got at the
    edge, the scan of ``$CFTUTORIAL_HOME``, the cost measured, and the put-back (or the keep)."""

    run_key: SigningKey  # the run's own key (notebook 06), which stays trusted
    key_id: str
    key_spec: str  # e.g. "RSA_2048", from create_key's answer or the alias lookup
    alias: str
    created: bool  # False: found by its alias (an earlier run made it)
    public_key_id: str
    public_key_created: bool
    key_group_id: str
    key_group_items: list[str]  # the group's public keys once the KMS key's is added
    signing_algorithm: str  # the one kms.sign was called with
    signature_bytes: int
    video_url: str  # the KMS-signed URL
    statuses: dict[str, int]  # edge answers: "url", then the cookies' playlist, segment, none
    cookie_names: list[str]
    scan: step12.Scan
    timed_local: step12.Measured
    timed_kms: step12.Measured
    hls_files: list[str]
    kept: bool  # keep_kms_key: the KMS key left trusted (notebook 08 or teardown removes it)
    deletion_date: str | None  # put back: when KMS deletes the key (ISO date)


def kms_key(
    *,
    run_name: str = "default",
    approach: str = "modern",
    key_type: str = "rsa",
    measure_urls: int = 20,
    keep_kms_key: bool = False,
) -> KmsKey:
    """Notebook 12: a KMS signing key found by its alias or created (with the alias), its public
    key registered and added to the run's key group, one ``kms.sign``, a KMS-signed URL and
    cookies fetched through the edge, the scan for private keys, the cost measured, the hls/
    listing; then, unless ``keep_kms_key``, the run put back (the public key out of the group
    and deleted, the alias deleted, the key scheduled for deletion, the records put back)."""
    form = forms.kms_form(
        run_name=run_name,
        approach=approach,
        key_type=key_type,
        measure_urls=measure_urls,
        keep_kms_key=keep_kms_key,
    )
    values = form.values()
    run_, kind = state.open_run(values["run_name"]), values["key_type"]
    local_key = step12.local_key(run_, values["approach"])
    domain = run_.require("distribution")["domain_name"]
    kms, cf = clients.client("kms"), clients.client("cloudfront")
    # 2. a signing key made inside KMS
    step12.record_kms_key(run_)
    found = step12.find_kms_key(run_.name, kms=kms)
    if found is None:
        answer = kms.create_key(
            KeySpec=step12.KEY_SPECS[kind],
            KeyUsage="SIGN_VERIFY",
            Description=step12.description(run_.name),
            Tags=step12.run_tags(run_.name),
        )
        key_id = answer["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=step12.alias(run_.name), TargetKeyId=key_id)
        key_spec = answer["KeyMetadata"]["KeySpec"]
    else:
        key_id, key_spec = found.key_id, found.key_spec
    step12.remember(run_, key_id=key_id, alias=step12.alias(run_.name))
    run_.save()
    # 3. its public key, as CloudFront wants it
    pem = kms_keys.pem_from_der(kms.get_public_key(KeyId=key_id)["PublicKey"])
    # 4. registered and added to the run's key group
    group = signing_key.find_key_group(run_.name, cf=cf)
    step12.record_public_key(run_, group["Id"])
    public_key_config = step12.public_key_config(run_, pem)
    public_key_id = signing_key.find_public_key(public_key_config, cf=cf)
    public_key_created = public_key_id is None
    if public_key_id is None:
        answer = cf.create_public_key(PublicKeyConfig=public_key_config)
        public_key_id = answer["PublicKey"]["Id"]
    if public_key_id not in group["KeyGroupConfig"]["Items"]:
        wanted = with_public_key(group["KeyGroupConfig"], public_key_id)
        cf.update_key_group(Id=group["Id"], KeyGroupConfig=wanted, IfMatch=group["ETag"])
    items = cf.get_key_group(Id=group["Id"])["KeyGroup"]["KeyGroupConfig"]["Items"]
    step12.remember(run_, public_key_id=public_key_id, kind=kind)
    run_.save()
    # 5. one signature, made by KMS
    expires = int(time.time()) + 600
    message = signing_policy.canned_text(urls.viewer_url(domain, "video.mp4"), expires).encode()
    spec = kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeySpec"]
    algorithm = kms_keys.SIGNING_ALGORITHMS[spec]
    signed = kms.sign(KeyId=key_id, Message=message, MessageType="RAW", SigningAlgorithm=algorithm)
    # 6. signed URLs and cookies through KMS, fetched through the edge
    kms_signer = kms_keys.KmsSigner(key_id, kms=kms)
    kms_url_signer = Signer(public_key_id, external=kms_signer)
    video_url = kms_url_signer.sign_url(
        urls.viewer_url(domain, "video.mp4"), date_less_than=expires
    )
    response = viewer.fetch(video_url)
    hls_cookies = kms_url_signer.sign_cookies(
        urls.viewer_url(domain, "hls/*"), date_less_than=expires
    )
    playlist = viewer.fetch(urls.viewer_url(domain, "hls/video.m3u8"), cookies=hls_cookies)
    segment = viewer.fetch(urls.viewer_url(domain, "hls/video0.ts"), cookies=hls_cookies)
    no_cookie = viewer.fetch(urls.viewer_url(domain, "hls/video0.ts"))
    # 7. what the application holds
    scan = step12.scan_for_private_key(step12.home(), pem)
    # 8. what it costs
    local_signer = signing_key.signer_for(run_, "SHA256")
    sample = [urls.viewer_url(domain, f"hls/video{n}.ts") for n in range(values["measure_urls"])]
    timed_local = step12.measure(
        "local key file",
        lambda url: local_signer.sign_url(url, date_less_than=expires),
        sample,
        lambda: 0,
    )
    timed_kms = step12.measure(
        f"KMS ({kms_signer.key.key_spec})",
        lambda url: kms_url_signer.sign_url(url, date_less_than=expires),
        sample,
        lambda: kms_signer.calls,
    )
    # 9. sign once per session: the hls/ files
    listing = clients.client("s3").list_objects_v2(Bucket=run_.require("bucket"), Prefix="hls/")
    hls_files = [item["Key"] for item in listing.get("Contents", [])]
    # put the run back, unless the KMS key is kept
    keep, deletion_date = form.values()["keep_kms_key"], None
    if not keep:
        group = signing_key.find_key_group(run_.name, cf=cf)
        wanted = without_public_key(group["KeyGroupConfig"], public_key_id)
        cf.update_key_group(Id=group["Id"], KeyGroupConfig=wanted, IfMatch=group["ETag"])
        current = cf.get_public_key(Id=public_key_id)
        cf.delete_public_key(Id=public_key_id, IfMatch=current["ETag"])
        kms.delete_alias(AliasName=step12.alias(run_.name))
        answer = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        step12.forget(run_)
        saved.put_back(run_, step12.NOTEBOOK)
        run_.save()
        deletion_date = answer["DeletionDate"].date().isoformat()
    return KmsKey(
        local_key,
        key_id,
        key_spec,
        step12.alias(run_.name),
        found is None,
        public_key_id,
        public_key_created,
        group["Id"],
        items,
        algorithm,
        len(signed["Signature"]),
        video_url,
        {
            "url": response.status_code,
            "playlist": playlist.status_code,
            "segment": segment.status_code,
            "no cookie": no_cookie.status_code,
        },
        sorted(hls_cookies),
        scan,
        timed_local,
        timed_kms,
        hls_files,
        keep,
        deletion_date,
    )


# --- a run: notebooks in order ----------------------------------------------------------------

#: The notebooks that build a run, in order, by number (05, 07 and 08 make nothing to keep).
NOTEBOOKS = {
    "01": bucket,
    "02": origin_access,
    "03": permissions,
    "04": distribution,
    "06": signing_keys,
}


#: Beyond the guide: the notebooks a test builds one by one on a run :func:`run` built.
BEYOND_THE_GUIDE = {"10": rotation, "12": kms_key}


@dataclass
class Run:
    """What :func:`run` built, by notebook number."""

    run_name: str
    built: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __getitem__(self, number: str) -> Any:
        return self.built[number]


def run(
    run_name: str,
    last: str = "04",
    *,
    approach: str = "modern",
    key_type: str = "rsa",
    bucket_name: str = "",
    show_acl_failure: bool = True,
    skip: tuple[str, ...] = (),
) -> Run:
    """Notebooks 01 to ``last`` (``skip``: numbers left out, as a learner who skipped them),
    with the notebooks' own defaults otherwise."""
    assert last in NOTEBOOKS, f"no builder for notebook {last}; use one of {sorted(NOTEBOOKS)}"
    params: dict[str, dict[str, Any]] = {
        "01": {"bucket_name": bucket_name},
        "03": {"show_acl_failure": show_acl_failure},
        "04": {"key_type": key_type},
        "06": {"key_type": key_type},
    }
    built = Run(run_name)
    for number, build in NOTEBOOKS.items():
        if number not in skip:
            built.built[number] = build(
                run_name=run_name, approach=approach, **params.get(number, {})
            )
        if number == last:
            break
    return built


def saved_shape(run_name: str) -> dict[str, Any]:
    """The run's saved state with its values replaced by their type (and the run's name by
    ``RUN``): what two runs built the same way have in common."""

    def shape(value: Any) -> Any:
        if isinstance(value, dict):
            return {key.replace(run_name, "RUN"): shape(item) for key, item in value.items()}
        if isinstance(value, list):
            return [shape(item) for item in value]
        return type(value).__name__

    return shape(state.load(run_name))


def key_file_names(run_name: str) -> list[str]:
    """The run's key files (names, with the run's name as ``RUN``)."""
    return sorted(
        path.name.replace(run_name, "RUN") for path in signing_key.keys_dir().glob(f"{run_name}-*")
    )


# --- notebook 11's last section -----------------------------------------------------------


def put_back_11(
    run_name: str, *, bucket: str, distribution_id: str, certificate_names: tuple[str, ...]
) -> list[dict[str, str]]:
    """Notebook 11's put-back for a test that made its changes by hand: the records its first
    cell makes (here with the test's own certificate names), then ``step11.put_back``."""
    from cftutorial.run import putback
    from cftutorial.tutorial import saved
    from cftutorial.tutorial import step11_login_cookies as step11

    run_ = state.open_run(run_name)
    for name in certificate_names:
        putback.record(
            run_, step11.NOTEBOOK, "certificate", name, putback.DELETE,
            what="certificate", where={"run_name": run_name},
        )  # fmt: skip
    putback.record(run_, step11.NOTEBOOK, "bucket CORS", bucket, putback.DELETE)
    putback.record(run_, step11.NOTEBOOK, "distribution alias", distribution_id, putback.DELETE)
    run_.save()
    stopped = {"what": "login app", "id": "", "state": str(step11.stop_login_app(run_name))}
    return [stopped, *saved.put_back(run_, step11.NOTEBOOK, progress=False)]
