"""Step 6: key files, public key, key group, account key pair; the Key-Pair-Id mistake."""

from __future__ import annotations

import stat
from pathlib import Path

import builders
import pytest

from cftutorial.aws import clients, distributions, signing_keys
from cftutorial.aws.account_keys import list_account_key_pairs
from cftutorial.run import names as run_names
from cftutorial.signing import keys, verify
from cftutorial.tutorial import cleanup, signing_key, state
from cftutorial.tutorial import step06_signing_keys as step06


def test_the_private_key_file_has_mode_0600_and_is_not_in_the_state(local_aws):
    signing = signing_key.ensure_signing_key(state.open_run("kg-mode"), "modern", "rsa")
    path = Path(signing.private_key_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.parent == signing_key.keys_dir()
    saved = state.state_file().read_text()
    assert "PRIVATE KEY" not in saved
    assert path.read_text().splitlines()[1] not in saved


def test_the_public_key_id_is_the_key_pair_id_and_the_group_holds_it(local_aws):
    signing = signing_key.ensure_signing_key(state.open_run("kg-ids"), "modern", "ecdsa")
    cf = clients.client("cloudfront")
    group = cf.get_key_group(Id=signing.key_group_id)["KeyGroup"]["KeyGroupConfig"]
    assert group["Items"] == [signing.key_pair_id]
    public = cf.get_public_key(Id=signing.key_pair_id)["PublicKey"]["PublicKeyConfig"]
    assert public["EncodedKey"].strip() == Path(signing.public_key_path).read_text().strip()


def test_ensuring_twice_reuses_the_key_and_registers_nothing_new(local_aws):
    run = state.open_run("kg-twice")
    first = signing_key.ensure_signing_key(run, "modern", "rsa")
    second = signing_key.ensure_signing_key(run, "modern", "rsa")
    assert first == second
    names = [
        k["Name"] for k in clients.client("cloudfront").list_public_keys()["PublicKeyList"]["Items"]
    ]
    assert names.count(run_names.public_key("kg-twice", "rsa")) == 1


def test_a_second_key_type_is_added_to_the_same_group(local_aws):
    run = state.open_run("kg-rotate")
    rsa = signing_key.ensure_signing_key(run, "modern", "rsa")
    ecdsa = signing_key.ensure_signing_key(run, "modern", "ecdsa")
    assert rsa.key_group_id == ecdsa.key_group_id
    group = clients.client("cloudfront").get_key_group(Id=rsa.key_group_id)
    assert set(group["KeyGroup"]["KeyGroupConfig"]["Items"]) == {rsa.key_pair_id, ecdsa.key_pair_id}


def test_the_guide_registers_an_account_key_pair(local_aws):
    run = state.open_run("kg-guide")
    signing = signing_key.ensure_signing_key(run, "guide", "rsa")
    assert signing.key_pair_id.startswith("APKA")
    assert signing.key_group_id is None
    trusted = [item["KeyPairId"] for item in list_account_key_pairs()]
    assert signing.key_pair_id in trusted
    steps = cleanup.cleanup(run, progress=False)
    assert ("account key pair (local)", signing.key_pair_id, "deleted") in [
        (step.what, step.id, step.outcome) for step in steps
    ]
    assert signing.key_pair_id not in [item["KeyPairId"] for item in list_account_key_pairs()]


def test_the_key_group_id_as_key_pair_id_is_named_as_the_mistake(local_aws):
    signing = signing_key.ensure_signing_key(state.open_run("kg-mistake"), "modern", "rsa")
    assert (
        signing_key.check_key_pair_id(signing.key_pair_id, signing_key=signing)
        == signing.key_pair_id
    )
    with pytest.raises(signing_key.WrongKeyPairIdError, match="key group's Id") as caught:
        signing_key.check_key_pair_id(signing.key_group_id, signing_key=signing)
    assert "Unknown Key" in str(caught.value)


def test_the_signer_and_trusted_keys_of_a_run_verify_each_other(local_aws):

    run = state.open_run("kg-verify")
    signing_key.ensure_signing_key(run, "modern", "ecdsa")
    signer = signing_key.signer_for(run, "SHA256")
    url = signer.sign_url(
        "https://d111111abcdef8.cloudfront.net/video.mp4", date_less_than=2_000_000_000
    )
    verdict = verify.verify(url, trusted_keys=signing_key.trusted_keys(run))
    assert verdict.allowed, verdict.reason
    assert verdict.hash_algorithm == "SHA256"


def test_an_unknown_key_type_is_refused():
    with pytest.raises(signing_key.KeyGroupError, match="'rsa' or 'ecdsa'"):
        signing_key.ensure_signing_key(state.open_run("kg-bad"), "modern", "dsa")


def _distribution_trusting_self(run_name: str) -> str:
    """A modern run whose notebook 04 ran on the guide's path: no key group trusted yet."""
    builders.run(run_name, "02", approach="modern")
    dist = builders.distribution(run_name=run_name, approach="guide").distribution
    assert distributions.signers_of(dist.id)["TrustedSigners"]["Items"] == ["self"]
    return dist.id


def test_notebook_06_switches_the_distribution_to_the_key_group(local_aws):
    dist_id = _distribution_trusting_self("kg-step")
    result = builders.signing_keys(run_name="kg-step", approach="modern", key_type="rsa")
    assert result.switched is True
    assert result.private_key_mode == "0o600"
    trusted = distributions.signers_of(dist_id)["TrustedKeyGroups"]["Items"]
    assert trusted == [result.signing_key.key_group_id]


def test_a_run_whose_state_was_lost_reuses_its_key_files(local_aws):
    run = state.open_run("kg-lost")
    first = signing_key.ensure_signing_key(run, "modern", "rsa")
    state.forget("kg-lost")
    again = signing_key.ensure_signing_key(run, "modern", "rsa")
    assert again == first


def test_a_registered_public_key_that_no_longer_matches_the_file_is_refused(local_aws):

    run = state.open_run("kg-mismatch")
    first = signing_key.ensure_signing_key(run, "modern", "rsa")
    state.forget("kg-mismatch")
    Path(first.private_key_path).unlink()
    Path(first.public_key_path).unlink()
    with pytest.raises(signing_key.KeyGroupError, match="cftutorial teardown") as caught:
        signing_key.ensure_signing_key(run, "modern", "rsa")
    assert first.key_pair_id in str(caught.value)
    assert keys.load_public_key(Path(first.public_key_path))  # a new pair was written


def test_switch_to_key_group_changes_the_config_once():
    config = {
        "DefaultCacheBehavior": {
            "TrustedSigners": {"Enabled": True, "Quantity": 1, "Items": ["self"]},
            "TrustedKeyGroups": {"Enabled": False, "Quantity": 0},
        }
    }
    assert step06.switch_to_key_group(config, "KG1") is True
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["TrustedKeyGroups"] == {"Enabled": True, "Quantity": 1, "Items": ["KG1"]}
    assert behaviour["TrustedSigners"] == {"Enabled": False, "Quantity": 0}
    assert step06.switch_to_key_group(config, "KG1") is False  # nothing to send, no redeploy
    assert step06.switch_to_key_group(config, "KG2") is True


def test_the_lookups_find_what_the_boto3_calls_created(local_aws):
    cf = clients.client("cloudfront")
    run = state.open_run("kg-lookup")
    _private, public = signing_key.ensure_key_files(run, "rsa")
    config = signing_key.public_key_config(run, "rsa", public.read_text())
    assert signing_key.find_public_key(config, cf=cf) is None
    key_id = cf.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]
    assert signing_key.find_public_key(config, cf=cf) == key_id
    assert signing_key.find_key_group("kg-lookup", cf=cf) is None
    group_config = signing_key.key_group_config("kg-lookup", [key_id])
    assert group_config["Name"] == run_names.key_group("kg-lookup")
    group_id = cf.create_key_group(KeyGroupConfig=group_config)["KeyGroup"]["Id"]
    found = signing_key.find_key_group("kg-lookup", cf=cf)
    assert found["Id"] == group_id and found["KeyGroupConfig"]["Items"] == [key_id]
    assert found["ETag"] == cf.get_key_group(Id=group_id)["ETag"]
    saved = signing_key.remember(run, "modern", "rsa", key_id, group_id)
    assert signing_key.ensure_signing_key(run, "modern", "rsa") == saved


def test_a_key_group_takes_at_most_five_keys():
    config = {"Name": "g", "Items": ["K1", "K2", "K3", "K4"]}
    assert signing_keys.with_public_key(config, "K5")["Items"] == ["K1", "K2", "K3", "K4", "K5"]
    assert signing_keys.with_public_key(config, "K1") == config
    assert config["Items"] == ["K1", "K2", "K3", "K4"], "the given config was changed"
    full = {"Name": "g", "Items": ["K1", "K2", "K3", "K4", "K5"]}
    with pytest.raises(signing_key.KeyGroupError, match="at most 5"):
        signing_keys.with_public_key(full, "K6")


def test_notebook_06_twice_switches_the_distribution_only_the_first_time(local_aws):
    dist_id = _distribution_trusting_self("kg-again")
    assert builders.signing_keys(run_name="kg-again").switched is True
    etag = clients.client("cloudfront").get_distribution_config(Id=dist_id)["ETag"]
    assert builders.signing_keys(run_name="kg-again").switched is False
    assert clients.client("cloudfront").get_distribution_config(Id=dist_id)["ETag"] == etag
