"""The local AWS answers CloudFront calls as AWS does (gaps C1-C10 of local-aws-fidelity.md)."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cftutorial.aws.clients import client

FAST_WAIT = {"Delay": 1, "MaxAttempts": 20}


@pytest.fixture(scope="module")
def cf(local_aws):
    return client("cloudfront")


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def pem_of(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa_pem(bits: int = 2048) -> str:
    return pem_of(rsa.generate_private_key(public_exponent=65537, key_size=bits))


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def make_public_key(cf, pem: str | None = None) -> str:
    config = {"CallerReference": unique(), "Name": unique("pk"), "EncodedKey": pem or rsa_pem()}
    return cf.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]


def make_key_group(cf, key_ids: list[str] | None = None) -> str:
    items = key_ids or [make_public_key(cf)]
    config = {"Name": unique("kg"), "Items": items}
    return cf.create_key_group(KeyGroupConfig=config)["KeyGroup"]["Id"]


def make_oai(cf) -> dict:
    config = {"CallerReference": unique(), "Comment": "tutorial"}
    reply = cf.create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig=config
    )
    return reply["CloudFrontOriginAccessIdentity"] | {"ETag": reply["ETag"]}


def make_oac(cf) -> str:
    config = {
        "Name": unique("oac"),
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }
    return cf.create_origin_access_control(OriginAccessControlConfig=config)["OriginAccessControl"][
        "Id"
    ]


def dist_config(*, oai_id: str = "", oac_id: str = "", key_groups=(), enabled=True) -> dict:
    origin = {
        "Id": "s3",
        "DomainName": "tutorial-bucket.s3.us-east-1.amazonaws.com",
        "S3OriginConfig": {
            "OriginAccessIdentity": f"origin-access-identity/cloudfront/{oai_id}" if oai_id else ""
        },
    }
    if oac_id:
        origin["OriginAccessControlId"] = oac_id
    behaviour = {
        "TargetOriginId": "s3",
        "ViewerProtocolPolicy": "redirect-to-https",
        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    }
    if key_groups:
        behaviour["TrustedKeyGroups"] = {
            "Enabled": True,
            "Quantity": len(key_groups),
            "Items": list(key_groups),
        }
    return {
        "CallerReference": unique(),
        "Comment": "fidelity test",
        "Enabled": enabled,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": behaviour,
    }


def make_distribution(cf, **kwargs) -> dict:
    reply = cf.create_distribution(DistributionConfig=dist_config(**kwargs))
    return reply["Distribution"] | {"ETag": reply["ETag"]}


# C1 -------------------------------------------------------------------------------------------


def test_oai_api_creates_gets_lists_updates_and_deletes_an_identity(cf):
    oai = make_oai(cf)
    assert oai["Id"].startswith("E") and len(oai["Id"]) == 14
    assert len(oai["S3CanonicalUserId"]) == 96
    int(oai["S3CanonicalUserId"], 16)
    got = cf.get_cloud_front_origin_access_identity(Id=oai["Id"])
    assert got["CloudFrontOriginAccessIdentity"]["S3CanonicalUserId"] == oai["S3CanonicalUserId"]
    config = cf.get_cloud_front_origin_access_identity_config(Id=oai["Id"])
    assert config["CloudFrontOriginAccessIdentityConfig"]["Comment"] == "tutorial"
    listed = cf.list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]
    assert oai["Id"] in [item["Id"] for item in listed["Items"]]
    new_config = dict(config["CloudFrontOriginAccessIdentityConfig"], Comment="renamed")
    updated = cf.update_cloud_front_origin_access_identity(
        Id=oai["Id"], IfMatch=config["ETag"], CloudFrontOriginAccessIdentityConfig=new_config
    )
    assert (
        updated["CloudFrontOriginAccessIdentity"]["CloudFrontOriginAccessIdentityConfig"]["Comment"]
        == "renamed"
    )
    assert updated["ETag"] != config["ETag"]
    cf.delete_cloud_front_origin_access_identity(Id=oai["Id"], IfMatch=updated["ETag"])
    with pytest.raises(ClientError) as excinfo:
        cf.get_cloud_front_origin_access_identity(Id=oai["Id"])
    assert error_of(excinfo) == ("NoSuchCloudFrontOriginAccessIdentity", 404)


def test_oai_delete_is_refused_with_in_use_while_a_distribution_uses_it(cf):
    oai = make_oai(cf)
    make_distribution(cf, oai_id=oai["Id"])
    with pytest.raises(ClientError) as excinfo:
        cf.delete_cloud_front_origin_access_identity(Id=oai["Id"], IfMatch=oai["ETag"])
    assert error_of(excinfo) == ("CloudFrontOriginAccessIdentityInUse", 409)


def test_oai_delete_without_if_match_is_invalid_if_match_version(cf):
    oai = make_oai(cf)
    with pytest.raises(ClientError) as excinfo:
        cf.delete_cloud_front_origin_access_identity(Id=oai["Id"], IfMatch="")
    assert error_of(excinfo) == ("InvalidIfMatchVersion", 400)


# C2 -------------------------------------------------------------------------------------------


def test_distribution_keeps_origin_access_identity_and_origin_access_control_id(cf):
    oai = make_oai(cf)
    with_oai = make_distribution(cf, oai_id=oai["Id"])
    origin = cf.get_distribution_config(Id=with_oai["Id"])["DistributionConfig"]["Origins"][
        "Items"
    ][0]
    assert (
        origin["S3OriginConfig"]["OriginAccessIdentity"]
        == f"origin-access-identity/cloudfront/{oai['Id']}"
    )
    oac_id = make_oac(cf)
    with_oac = make_distribution(cf, oac_id=oac_id)
    origin = cf.get_distribution(Id=with_oac["Id"])["Distribution"]["DistributionConfig"][
        "Origins"
    ]["Items"][0]
    assert origin["OriginAccessControlId"] == oac_id
    assert origin["S3OriginConfig"]["OriginAccessIdentity"] == ""


# C3 -------------------------------------------------------------------------------------------


def test_distribution_trusting_an_unknown_key_group_is_rejected(cf):
    with pytest.raises(ClientError) as excinfo:
        make_distribution(cf, key_groups=["KNOWNOTHING123"])
    assert error_of(excinfo) == ("TrustedKeyGroupDoesNotExist", 400)


def test_a_behaviour_trusting_more_than_four_key_groups_is_rejected(cf):
    """CloudFront quota: 4 key groups per cache behaviour (Developer Guide, Quotas on key groups)."""
    groups = [make_key_group(cf) for _ in range(5)]
    make_distribution(cf, key_groups=groups[:4])  # at the quota: accepted
    with pytest.raises(ClientError) as excinfo:
        make_distribution(cf, key_groups=groups)
    assert error_of(excinfo) == ("TooManyKeyGroupsAssociatedToDistribution", 400)


def test_distribution_trusting_an_unknown_signer_account_is_rejected(cf):
    config = dist_config()
    config["DefaultCacheBehavior"]["TrustedSigners"] = {
        "Enabled": True,
        "Quantity": 1,
        "Items": ["999999999999"],
    }
    with pytest.raises(ClientError) as excinfo:
        cf.create_distribution(DistributionConfig=config)
    assert error_of(excinfo) == ("TrustedSignerDoesNotExist", 400)


def test_origin_naming_an_unknown_oai_is_rejected(cf):
    with pytest.raises(ClientError) as excinfo:
        make_distribution(cf, oai_id="E000000000000X")
    assert error_of(excinfo) == ("InvalidOriginAccessIdentity", 400)


def test_origin_naming_an_unknown_oac_is_rejected(cf):
    with pytest.raises(ClientError) as excinfo:
        make_distribution(cf, oac_id="E000000000000Y")
    assert error_of(excinfo) == ("NoSuchOriginAccessControl", 404)


def test_key_group_naming_an_unknown_public_key_is_rejected(cf):
    with pytest.raises(ClientError) as excinfo:
        make_key_group(cf, ["K000000000000Z"])
    assert error_of(excinfo) == ("NoSuchPublicKey", 404)


# C4 -------------------------------------------------------------------------------------------


def test_new_distribution_is_in_progress_until_deployed_and_the_waiter_waits(cf):
    dist = make_distribution(cf)
    assert dist["Status"] == "InProgress"
    assert cf.get_distribution(Id=dist["Id"])["Distribution"]["Status"] == "InProgress"
    cf.get_waiter("distribution_deployed").wait(Id=dist["Id"], WaiterConfig=FAST_WAIT)
    assert cf.get_distribution(Id=dist["Id"])["Distribution"]["Status"] == "Deployed"


def test_disabling_a_distribution_puts_it_back_in_progress(cf):
    dist = make_distribution(cf)
    cf.get_waiter("distribution_deployed").wait(Id=dist["Id"], WaiterConfig=FAST_WAIT)
    current = cf.get_distribution_config(Id=dist["Id"])
    config = dict(current["DistributionConfig"], Enabled=False)
    updated = cf.update_distribution(
        Id=dist["Id"], IfMatch=current["ETag"], DistributionConfig=config
    )
    assert updated["Distribution"]["Status"] == "InProgress"


def test_every_update_puts_a_deployed_distribution_back_in_progress_until_deployed(cf):
    dist = make_distribution(cf)
    cf.get_waiter("distribution_deployed").wait(Id=dist["Id"], WaiterConfig=FAST_WAIT)
    for comment in ("first change", "second change"):
        current = cf.get_distribution_config(Id=dist["Id"])
        config = dict(current["DistributionConfig"], Comment=comment)
        updated = cf.update_distribution(
            Id=dist["Id"], IfMatch=current["ETag"], DistributionConfig=config
        )
        assert updated["Distribution"]["Status"] == "InProgress"
        assert cf.get_distribution(Id=dist["Id"])["Distribution"]["Status"] == "InProgress"
        cf.get_waiter("distribution_deployed").wait(Id=dist["Id"], WaiterConfig=FAST_WAIT)
        assert cf.get_distribution(Id=dist["Id"])["Distribution"]["Status"] == "Deployed"


# C5 -------------------------------------------------------------------------------------------


def test_update_without_if_match_is_invalid_if_match_version(cf):
    dist = make_distribution(cf)
    config = cf.get_distribution_config(Id=dist["Id"])["DistributionConfig"]
    with pytest.raises(ClientError) as excinfo:
        cf.update_distribution(Id=dist["Id"], IfMatch="", DistributionConfig=config)
    assert error_of(excinfo) == ("InvalidIfMatchVersion", 400)


def test_update_with_a_stale_etag_is_precondition_failed_and_etags_rotate(cf):
    dist = make_distribution(cf)
    first = cf.get_distribution_config(Id=dist["Id"])
    config = dict(first["DistributionConfig"], Comment="second")
    second = cf.update_distribution(Id=dist["Id"], IfMatch=first["ETag"], DistributionConfig=config)
    assert second["ETag"] != first["ETag"]
    with pytest.raises(ClientError) as excinfo:
        cf.update_distribution(Id=dist["Id"], IfMatch=first["ETag"], DistributionConfig=config)
    assert error_of(excinfo) == ("PreconditionFailed", 412)


def test_origin_access_control_update_needs_the_current_etag(cf):
    oac_id = make_oac(cf)
    current = cf.get_origin_access_control(Id=oac_id)
    config = current["OriginAccessControl"]["OriginAccessControlConfig"]
    with pytest.raises(ClientError) as excinfo:
        cf.update_origin_access_control(
            Id=oac_id, IfMatch="STALE", OriginAccessControlConfig=config
        )
    assert error_of(excinfo) == ("PreconditionFailed", 412)
    updated = cf.update_origin_access_control(
        Id=oac_id, IfMatch=current["ETag"], OriginAccessControlConfig=config
    )
    assert updated["ETag"] != current["ETag"]
    cf.delete_origin_access_control(Id=oac_id, IfMatch=updated["ETag"])
    with pytest.raises(ClientError) as excinfo:
        cf.get_origin_access_control(Id=oac_id)
    assert error_of(excinfo)[0] == "NoSuchOriginAccessControl"


def test_public_key_delete_with_a_stale_etag_is_precondition_failed(cf):
    key_id = make_public_key(cf)
    with pytest.raises(ClientError) as excinfo:
        cf.delete_public_key(Id=key_id, IfMatch="STALE")
    assert error_of(excinfo) == ("PreconditionFailed", 412)


# C6 -------------------------------------------------------------------------------------------


def test_enabled_distribution_cannot_be_deleted(cf):
    dist = make_distribution(cf)
    cf.get_waiter("distribution_deployed").wait(Id=dist["Id"], WaiterConfig=FAST_WAIT)
    etag = cf.get_distribution(Id=dist["Id"])["ETag"]
    with pytest.raises(ClientError) as excinfo:
        cf.delete_distribution(Id=dist["Id"], IfMatch=etag)
    assert error_of(excinfo) == ("DistributionNotDisabled", 409)


def test_disabled_distribution_is_deleted_only_once_deployed(cf):
    dist = make_distribution(cf)
    current = cf.get_distribution_config(Id=dist["Id"])
    config = dict(current["DistributionConfig"], Enabled=False)
    etag = cf.update_distribution(
        Id=dist["Id"], IfMatch=current["ETag"], DistributionConfig=config
    )["ETag"]
    with pytest.raises(ClientError) as excinfo:
        cf.delete_distribution(Id=dist["Id"], IfMatch=etag)
    assert error_of(excinfo) == ("DistributionNotDisabled", 409)
    cf.get_waiter("distribution_deployed").wait(Id=dist["Id"], WaiterConfig=FAST_WAIT)
    cf.delete_distribution(Id=dist["Id"], IfMatch=etag)
    with pytest.raises(ClientError) as excinfo:
        cf.get_distribution(Id=dist["Id"])
    assert error_of(excinfo) == ("NoSuchDistribution", 404)


# C7 -------------------------------------------------------------------------------------------


def test_key_group_config_can_be_read_updated_and_deleted(cf):
    first, second = make_public_key(cf), make_public_key(cf)
    group_id = make_key_group(cf, [first])
    current = cf.get_key_group_config(Id=group_id)
    assert current["KeyGroupConfig"]["Items"] == [first]
    config = dict(current["KeyGroupConfig"], Items=[first, second])
    updated = cf.update_key_group(Id=group_id, IfMatch=current["ETag"], KeyGroupConfig=config)
    assert updated["KeyGroup"]["KeyGroupConfig"]["Items"] == [first, second]
    assert updated["ETag"] != current["ETag"]
    assert cf.get_key_group(Id=group_id)["KeyGroup"]["KeyGroupConfig"]["Items"] == [first, second]
    cf.delete_key_group(Id=group_id, IfMatch=updated["ETag"])
    with pytest.raises(ClientError) as excinfo:
        cf.get_key_group(Id=group_id)
    assert error_of(excinfo) == ("NoSuchResource", 404)


def test_key_group_update_with_a_stale_etag_or_a_sixth_key_is_refused(cf):
    """Notebook 10's rotation: IfMatch must be the current ETag; at most 5 keys per group."""
    keys = [make_public_key(cf) for _ in range(6)]
    group_id = make_key_group(cf, keys[:1])
    first = cf.get_key_group(Id=group_id)
    config = dict(first["KeyGroup"]["KeyGroupConfig"], Items=keys[:5])
    cf.update_key_group(Id=group_id, IfMatch=first["ETag"], KeyGroupConfig=config)
    with pytest.raises(ClientError) as excinfo:  # the ETag read before the update
        cf.update_key_group(Id=group_id, IfMatch=first["ETag"], KeyGroupConfig=config)
    assert error_of(excinfo) == ("PreconditionFailed", 412)
    current = cf.get_key_group(Id=group_id)["ETag"]
    with pytest.raises(ClientError) as excinfo:
        cf.update_key_group(Id=group_id, IfMatch=current, KeyGroupConfig=dict(config, Items=keys))
    assert error_of(excinfo) == ("TooManyPublicKeysInKeyGroup", 400)


def test_key_group_trusted_by_a_distribution_cannot_be_deleted(cf):
    group_id = make_key_group(cf)
    make_distribution(cf, key_groups=[group_id])
    etag = cf.get_key_group(Id=group_id)["ETag"]
    with pytest.raises(ClientError) as excinfo:
        cf.delete_key_group(Id=group_id, IfMatch=etag)
    assert error_of(excinfo) == ("ResourceInUse", 409)


# C8 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded_key",
    ["not a pem", "RSA-1024"],
    ids=["not-a-pem", "rsa-1024"],
)
def test_create_public_key_rejects_keys_cloudfront_does_not_accept(cf, encoded_key):
    pem = rsa_pem(1024) if encoded_key == "RSA-1024" else encoded_key
    with pytest.raises(ClientError) as excinfo:
        make_public_key(cf, pem)
    assert error_of(excinfo) == ("InvalidArgument", 400)


def test_create_public_key_accepts_ecdsa_p256(cf):
    pem = pem_of(ec.generate_private_key(ec.SECP256R1()))
    key_id = make_public_key(cf, pem)
    assert (
        cf.get_public_key(Id=key_id)["PublicKey"]["PublicKeyConfig"]["EncodedKey"].strip()
        == pem.strip()
    )


def test_unknown_public_key_is_no_such_public_key(cf):
    with pytest.raises(ClientError) as excinfo:
        cf.get_public_key(Id="K0000000000000")
    assert error_of(excinfo) == ("NoSuchPublicKey", 404)


def test_public_key_in_a_key_group_cannot_be_deleted(cf):
    key_id = make_public_key(cf)
    make_key_group(cf, [key_id])
    etag = cf.get_public_key(Id=key_id)["ETag"]
    with pytest.raises(ClientError) as excinfo:
        cf.delete_public_key(Id=key_id, IfMatch=etag)
    assert error_of(excinfo) == ("PublicKeyInUse", 409)


# C9 -------------------------------------------------------------------------------------------


def test_invalidation_is_completed_and_the_waiter_returns(cf):
    dist = make_distribution(cf)
    batch = {"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": unique()}
    invalidation = cf.create_invalidation(DistributionId=dist["Id"], InvalidationBatch=batch)
    invalidation_id = invalidation["Invalidation"]["Id"]
    cf.get_waiter("invalidation_completed").wait(
        DistributionId=dist["Id"], Id=invalidation_id, WaiterConfig={"Delay": 1, "MaxAttempts": 3}
    )
    got = cf.get_invalidation(DistributionId=dist["Id"], Id=invalidation_id)
    assert got["Invalidation"]["Status"] == "Completed"


# C10 ------------------------------------------------------------------------------------------


def test_active_trusted_key_groups_list_the_groups_and_their_key_ids(cf):
    key_id = make_public_key(cf)
    group_id = make_key_group(cf, [key_id])
    dist = make_distribution(cf, key_groups=[group_id])
    active = cf.get_distribution(Id=dist["Id"])["Distribution"]["ActiveTrustedKeyGroups"]
    assert active["Enabled"] is True
    assert active["Items"] == [
        {"KeyGroupId": group_id, "KeyPairIds": {"Quantity": 1, "Items": [key_id]}}
    ]


def test_distribution_without_trusted_key_groups_reports_none_active(cf):
    dist = make_distribution(cf)
    active = cf.get_distribution(Id=dist["Id"])["Distribution"]["ActiveTrustedKeyGroups"]
    assert active["Enabled"] is False and active["Quantity"] == 0


# guard ----------------------------------------------------------------------------------------


def test_moto_guard_reports_a_missing_or_changed_method():
    from cftutorial.errors import MotoVersionError
    from cftutorial.localaws.fidelity import expectations
    from cftutorial.localaws.guard import Expectation, check, require

    class FakeBackend:
        def update_distribution(self, config, dist_id):  # parameters renamed
            return None

    fake = [
        Expectation(
            FakeBackend, "update_distribution", ["self", "dist_config", "_id", "if_match"], "C5"
        ),
        Expectation(
            FakeBackend, "delete_distribution", ["self", "distribution_id", "if_match"], "C6"
        ),
    ]
    problems = check(fake)
    assert len(problems) == 2
    assert "takes (self, config, dist_id)" in problems[0] and "C5" in problems[0]
    assert "delete_distribution is missing" in problems[1]
    with pytest.raises(MotoVersionError, match="does not match"):
        require(fake)
    assert check(expectations()) == []


def test_public_key_comment_can_change_but_its_key_cannot(cf):
    key_id = make_public_key(cf)
    current = cf.get_public_key_config(Id=key_id)
    config = dict(current["PublicKeyConfig"], Comment="rotated soon")
    updated = cf.update_public_key(Id=key_id, IfMatch=current["ETag"], PublicKeyConfig=config)
    assert updated["PublicKey"]["PublicKeyConfig"]["Comment"] == "rotated soon"
    assert updated["ETag"] != current["ETag"]
    changed = dict(config, EncodedKey=rsa_pem())
    with pytest.raises(ClientError) as excinfo:
        cf.update_public_key(Id=key_id, IfMatch=updated["ETag"], PublicKeyConfig=changed)
    assert error_of(excinfo) == ("CannotChangeImmutablePublicKeyFields", 400)


def test_active_trusted_signers_list_self_for_trusted_signers_self(cf):
    config = dist_config()
    config["DefaultCacheBehavior"]["TrustedSigners"] = {
        "Enabled": True,
        "Quantity": 1,
        "Items": ["self"],
    }
    dist_id = cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    active = cf.get_distribution(Id=dist_id)["Distribution"]["ActiveTrustedSigners"]
    assert active["Enabled"] is True
    assert [item["AwsAccountNumber"] for item in active["Items"]] == ["self"]


def test_local_aws_refuses_to_start_on_a_moto_it_does_not_match(monkeypatch, caplog):
    from cftutorial.localaws import fidelity
    from cftutorial.localaws.guard import Expectation

    class ChangedMoto:
        pass

    changed = [Expectation(ChangedMoto, "create_distribution_with_tags", None, "C3")]
    monkeypatch.setattr(fidelity, "expectations", lambda: changed)
    with (
        caplog.at_level("ERROR", logger="cftutorial.localaws.fidelity"),
        pytest.raises(SystemExit) as excinfo,
    ):
        fidelity.build_app()
    assert excinfo.value.code == 4
    assert "FIDELITY_GUARD" in caplog.text
    assert "create_distribution_with_tags is missing" in caplog.text


# C11 ------------------------------------------------------------------------------------------


def test_a_distribution_created_again_with_its_caller_reference_is_the_same_distribution(cf):
    config = dist_config()
    first = cf.create_distribution(DistributionConfig=config)
    again = cf.create_distribution(DistributionConfig=config)
    assert again["Distribution"]["Id"] == first["Distribution"]["Id"]
    assert again["ETag"] == first["ETag"]
    ids = [d["Id"] for d in cf.list_distributions()["DistributionList"].get("Items", [])]
    assert ids.count(first["Distribution"]["Id"]) == 1


@pytest.mark.parametrize("with_tags", [False, True], ids=["create", "create-with-tags"])
def test_a_used_caller_reference_with_another_config_is_distribution_already_exists(cf, with_tags):
    config = dist_config()
    first = cf.create_distribution(DistributionConfig=config)
    other = config | {"Comment": "another config"}
    tags = {"Items": [{"Key": "run", "Value": "t"}]}
    create = (
        (
            lambda: cf.create_distribution_with_tags(
                DistributionConfigWithTags={"DistributionConfig": other, "Tags": tags}
            )
        )
        if with_tags
        else (lambda: cf.create_distribution(DistributionConfig=other))
    )
    with pytest.raises(ClientError) as excinfo:
        create()
    assert error_of(excinfo) == ("DistributionAlreadyExists", 409)
    assert "caller reference you attempted to create the distribution with" in str(excinfo.value)
    assert first["Distribution"]["Id"] in str(excinfo.value)


def public_key_config(**overrides) -> dict:
    return {"CallerReference": unique(), "Name": unique("pk"), "EncodedKey": rsa_pem()} | overrides


def test_a_public_key_created_again_with_its_caller_reference_is_the_same_key(cf):
    config = public_key_config()
    first = cf.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]
    again = cf.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]
    assert again == first
    names = [k["Name"] for k in cf.list_public_keys()["PublicKeyList"].get("Items", [])]
    assert names.count(config["Name"]) == 1


@pytest.mark.parametrize("clash", ["caller-reference", "name"])
def test_a_public_key_reusing_a_caller_reference_or_a_name_is_public_key_already_exists(cf, clash):
    config = public_key_config()
    first = cf.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]
    if clash == "caller-reference":
        other = config | {"Name": unique("pk")}
    else:
        other = public_key_config(Name=config["Name"])
    with pytest.raises(ClientError) as excinfo:
        cf.create_public_key(PublicKeyConfig=other)
    assert error_of(excinfo) == ("PublicKeyAlreadyExists", 409)
    assert first in str(excinfo.value)


def oac_config(name: str) -> dict:
    return {
        "Name": name,
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }


def test_an_origin_access_control_name_is_unique(cf):
    name = unique("oac")
    first = cf.create_origin_access_control(OriginAccessControlConfig=oac_config(name))
    first_id = first["OriginAccessControl"]["Id"]
    with pytest.raises(ClientError) as excinfo:
        cf.create_origin_access_control(OriginAccessControlConfig=oac_config(name))
    assert error_of(excinfo) == ("OriginAccessControlAlreadyExists", 409)
    assert first_id in str(excinfo.value)
    listed = cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    assert [c["Id"] for c in listed if c["Name"] == name] == [first_id]


def test_an_origin_access_control_cannot_be_renamed_to_a_name_in_use(cf):
    taken = unique("oac")
    cf.create_origin_access_control(OriginAccessControlConfig=oac_config(taken))
    other = cf.create_origin_access_control(OriginAccessControlConfig=oac_config(unique("oac")))
    other_id, etag = other["OriginAccessControl"]["Id"], other["ETag"]
    with pytest.raises(ClientError) as excinfo:
        cf.update_origin_access_control(
            Id=other_id, IfMatch=etag, OriginAccessControlConfig=oac_config(taken)
        )
    assert error_of(excinfo) == ("OriginAccessControlAlreadyExists", 409)
    kept = cf.get_origin_access_control(Id=other_id)["OriginAccessControl"]
    assert kept["OriginAccessControlConfig"]["Name"] != taken


# C12 / issue 13 item 6: every create answers 201 with the new resource's Location ------------

API = "https://cloudfront.amazonaws.com/2020-05-31"


def _created(cf) -> dict[str, tuple[dict, str]]:
    """Each create the tutorial calls: its answer and the Location AWS would send for it."""
    oac = cf.create_origin_access_control(OriginAccessControlConfig=oac_config(unique("oac")))
    oai = cf.create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig={"CallerReference": unique(), "Comment": "tutorial"}
    )
    key = cf.create_public_key(PublicKeyConfig=public_key_config())
    group = cf.create_key_group(
        KeyGroupConfig={"Name": unique("kg"), "Items": [key["PublicKey"]["Id"]]}
    )
    dist = cf.create_distribution(DistributionConfig=dist_config())
    tagged = cf.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": dist_config(),
            "Tags": {"Items": [{"Key": "made-by", "Value": "test"}]},
        }
    )
    dist_id = dist["Distribution"]["Id"]
    invalidation = cf.create_invalidation(
        DistributionId=dist_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": unique()},
    )
    return {
        "CreateOriginAccessControl": (
            oac,
            f"{API}/origin-access-control/{oac['OriginAccessControl']['Id']}",
        ),
        "CreateCloudFrontOriginAccessIdentity": (
            oai,
            f"{API}/origin-access-identity/cloudfront/{oai['CloudFrontOriginAccessIdentity']['Id']}",
        ),
        "CreatePublicKey": (key, f"{API}/public-key/{key['PublicKey']['Id']}"),
        "CreateKeyGroup": (group, f"{API}/key-group/{group['KeyGroup']['Id']}"),
        "CreateDistribution": (dist, f"{API}/distribution/{dist_id}"),
        "CreateDistributionWithTags": (
            tagged,
            f"{API}/distribution/{tagged['Distribution']['Id']}",
        ),
        "CreateInvalidation": (
            invalidation,
            f"{API}/distribution/{dist_id}/invalidation/{invalidation['Invalidation']['Id']}",
        ),
    }


def test_every_create_answers_201_with_the_location_of_what_it_made(cf):
    created = _created(cf)
    assert len(created) == 7
    for operation, (answer, location) in created.items():
        meta = answer["ResponseMetadata"]
        assert meta["HTTPStatusCode"] == 201, operation
        assert meta["HTTPHeaders"].get("location") == location, operation
        assert answer["Location"] == location, operation
