"""Notebook 10's rotation (built as its cells do it, tests/builders.py): the edge's answers at each phase, the new
key as the run's signing key, a crash half-way resumed, the guide path refused, cleanup after it."""

from __future__ import annotations

import time
from pathlib import Path

import builders
import pytest

from cftutorial.aws import clients, signing_keys
from cftutorial.errors import ModernPathRequired, RotationError
from cftutorial.run import names
from cftutorial.tutorial import cleanup, signing_key, state
from cftutorial.tutorial import step10_rotation as step10


def _full_run(run_name: str, approach: str = "modern", key_type: str = "rsa") -> None:
    builders.run(run_name, "04", approach=approach, key_type=key_type)


def _signed_answer(run_name: str) -> str:
    run = state.open_run(run_name)
    url = step10.viewer_url(run, "hello.html")
    signed = signing_key.signer_for(run).sign_url(url, date_less_than=int(time.time()) + 60)
    return step10.answer_of(signed)


def test_a_rotation_keeps_old_links_until_the_old_key_leaves_the_group(local_aws):
    _full_run("rot-a")
    first = state.get("rot-a", "signing_key")
    done = builders.rotation(run_name="rot-a")
    answers = [
        (r["URL signed with the old key"], r["URL signed with the new key"]) for r in done.rows
    ]
    assert answers == [
        ("200", "403 InvalidKey"),  # uploaded, not in the group: CloudFront does not trust it
        ("200", "200"),
        ("403 InvalidKey", "200"),
        ("403 InvalidKey", "200"),
    ]
    assert (done.stale_etag_code, done.in_use_code) == ("PreconditionFailed", "PublicKeyInUse")
    now = state.get("rot-a", "signing_key")
    assert now["key_pair_id"] == done.rotation.new.key_id != first["key_pair_id"]
    assert signing_key.generation(state.open_run("rot-a"), "rsa") == 2
    assert Path(now["private_key_path"]).stat().st_mode & 0o777 == 0o600
    assert not Path(first["private_key_path"]).exists() and done.removed_files
    assert _signed_answer("rot-a") == "200"
    cf = clients.client("cloudfront")
    assert signing_keys.find_public_key(names.public_key("rot-a", "rsa"), cf=cf) is None
    assert state.get("rot-a", step10.STATE_KEY) is None


def test_rotating_twice_and_cleaning_up_leaves_nothing(local_aws):
    """Notebook 10 run again after a finished rotation: a new rotation from the run's current
    key, with the same timeline and refusals as the first (the modern chain runs 10 once over a
    finished rotation and once over a crashed one: test_notebook_10.py)."""
    _full_run("rot-b")
    first = builders.rotation(run_name="rot-b")
    second = builders.rotation(run_name="rot-b")
    assert not second.rotation.resumed
    assert second.rotation.old.key_id == first.rotation.new.key_id
    assert second.rotation.new.generation == 3
    for done in (first, second):
        answers = [
            (r["URL signed with the old key"], r["URL signed with the new key"]) for r in done.rows
        ]
        assert answers == [
            ("200", "403 InvalidKey"),
            ("200", "200"),
            ("403 InvalidKey", "200"),
            ("403 InvalidKey", "200"),
        ]
        assert (done.stale_etag_code, done.in_use_code) == ("PreconditionFailed", "PublicKeyInUse")
    assert _signed_answer("rot-b") == "200"
    steps = cleanup.cleanup(state.open_run("rot-b"), progress=False)
    cf = clients.client("cloudfront")
    assert not [
        k for k in signing_keys.list_public_keys(cf=cf) if k["Name"].startswith("cftutorial-rot-b-")
    ]
    assert ("public key", second.rotation.new.key_id, "deleted") in {
        (s.what, s.id, s.outcome) for s in steps
    }
    assert not list(signing_key.keys_dir().glob("rot-b-*"))


def test_an_ecdsa_key_rotates_to_an_ecdsa_key_and_notebook_06_finds_it_again(local_aws):
    _full_run("rot-ec", key_type="ecdsa")
    done = builders.rotation(run_name="rot-ec")
    assert [r["URL signed with the new key"] for r in done.rows][1:] == ["200"] * 3
    assert (
        done.rotation.kind == "ecdsa"
        and signing_key.generation(state.open_run("rot-ec"), "ecdsa") == 2
    )
    again = builders.signing_keys(run_name="rot-ec", key_type="ecdsa")  # a re-run of 06
    assert again.signing_key.key_pair_id == done.rotation.new.key_id
    cf = clients.client("cloudfront")
    group = cf.get_key_group(Id=done.rotation.key_group_id)["KeyGroup"]["KeyGroupConfig"]
    assert group["Items"] == [done.rotation.new.key_id], "notebook 06 added another key"


def test_a_crash_half_way_is_resumed_and_finished(local_aws):
    _full_run("rot-c")
    cf = clients.client("cloudfront")
    run = state.open_run("rot-c")
    rotation = step10.start(run, cf=cf)  # crash after the new key joined the group
    config = step10.new_key_config(rotation)
    key_id = cf.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]
    rotation = step10.with_new_key_id(rotation, key_id)
    signing_keys.add_to_group(rotation.key_group_id, [key_id], cf=cf)
    step10.adopt(rotation, cf=cf)
    assert _signed_answer("rot-c") == "200"  # the saved key is trusted at the crash
    resumed = step10.start(run, cf=cf)
    assert resumed.resumed and resumed.new.key_id == key_id
    done = builders.rotation(run_name="rot-c")
    assert done.rotation.new.key_id == key_id, "the resumed rotation made another key"
    assert [r["URL signed with the new key"] for r in done.rows] == ["200"] * 4
    assert done.rows[-1]["URL signed with the old key"] == "403 InvalidKey"
    items = step10.group_items(done.rotation, cf=cf)
    assert items == [key_id] and _signed_answer("rot-c") == "200"


def test_a_crash_after_the_old_key_was_deleted_finishes_then_rotates_again(local_aws):
    _full_run("rot-d")
    done = builders.rotation(run_name="rot-d")
    state.update("rot-d", **{step10.STATE_KEY: done.rotation.to_state()})  # record left behind
    again = step10.start(state.open_run("rot-d"))
    assert not again.resumed and again.old.key_id == done.rotation.new.key_id
    assert again.new.generation == 3


def test_the_old_key_cannot_leave_the_group_before_the_switch(local_aws):
    _full_run("rot-e")
    rotation = step10.start(state.open_run("rot-e"))
    with pytest.raises(RotationError, match="still signs with the old key"):
        step10.check_removable(rotation)
    with pytest.raises(RotationError, match="no public key Id yet"):
        rotation.new.signer()


def test_the_guide_path_gets_one_message(local_aws):
    _full_run("rot-g", "guide")
    with pytest.raises(ModernPathRequired, match="notebook 10 needs the modern path"):
        builders.rotation(run_name="rot-g", approach="guide")
    with pytest.raises(ModernPathRequired, match="approach='modern'"):
        step10.check_run(state.open_run("rot-g"), "modern")  # the saved run is the guide's


def test_generation_names_match_only_the_run_and_kind_they_belong_to():
    assert names.public_key("a", "rsa", 1) == "cftutorial-a-rsa"
    assert names.public_key("a", "rsa", 3) == "cftutorial-a-rsa-3"
    assert names.public_key_generation("a", "rsa", "cftutorial-a-rsa-3") == 3
    assert names.public_key_generation("a", "rsa", "cftutorial-a-rsa") == 1
    for other in ("cftutorial-a-rsa-rsa", "cftutorial-a-rsa-2-rsa", "cftutorial-a-rsa-03", "x"):
        assert names.public_key_generation("a", "rsa", other) is None, other
    assert names.key_files_generation("a", "ecdsa", "a-ecdsa-2") == 2
    assert names.key_files_generation("a", "ecdsa", "a-ecdsa-x-ecdsa") is None
