"""Step 7 (notebook 07): the run's signer, botocore's CloudFrontSigner beside it, the inspector."""

from __future__ import annotations

import time

import builders
import pytest
from botocore.signers import CloudFrontSigner

from cftutorial.errors import CftutorialError, SigningKeyError
from cftutorial.tutorial import forms, signing_key, state, viewer
from cftutorial.tutorial import step07_signed_urls as step07

URL = "https://d111111abcdef8.cloudfront.net/week%201/video.mp4"


def test_botocore_and_the_run_signer_write_the_same_canned_url_byte_for_byte(local_aws):
    run = state.open_run("su-boto")
    signing_key.ensure_signing_key(run, "modern", "rsa")
    signer = step07.signer(run)
    assert step07.botocore_can_sign(signer)
    expires = 2_000_000_000
    boto = CloudFrontSigner(signer.key_pair_id, step07.rsa_signer(run))
    boto_url = boto.generate_presigned_url(URL, date_less_than=step07.expiry_datetime(expires))
    assert boto_url == signer.sign_url(URL, date_less_than=expires)
    assert "Signature=" in boto_url and f"Key-Pair-Id={signer.key_pair_id}" in boto_url


def test_botocore_cannot_sign_for_ecdsa_or_sha256_and_the_callback_says_why(local_aws):
    run_0 = state.open_run("su-ec")
    signing_key.ensure_signing_key(run_0, "modern", "ecdsa")
    assert not step07.botocore_can_sign(step07.signer(run_0))
    with pytest.raises(SigningKeyError, match="key_type='rsa'"):
        step07.rsa_signer(run_0)
    run_1 = state.open_run("su-sha256")
    signing_key.ensure_signing_key(run_1, "modern", "rsa")
    assert not step07.botocore_can_sign(step07.signer(run_1, "SHA256"))


def test_viewer_url_is_the_runs_distribution_domain(local_aws):
    state.update(
        "su-url", distribution={"id": "E1", "arn": "a", "domain_name": "d9.cloudfront.net"}
    )
    assert (
        step07.viewer_url(state.open_run("su-url"), "hls/video.m3u8")
        == "https://d9.cloudfront.net/hls/video.m3u8"
    )


def test_the_inspector_puts_the_verdict_first_and_explains_the_key_group_id(local_aws):
    run = state.open_run("su-inspect")
    signing = signing_key.ensure_signing_key(run, "modern", "rsa")
    url = step07.signer(run).sign_url(URL, date_less_than=2_000_000_000)
    good = step07.inspect_signed_url(url, run=run)
    assert list(good)[:3] == ["allowed", "code", "reason"]
    assert good["allowed"] is True
    assert good["policy kind"] == "canned"
    assert good["expires (UTC)"].startswith("2033-05-18T03:33:20")
    assert good["policy"]["Statement"][0]["Resource"] == URL
    wrong = url.replace(signing.key_pair_id, signing.key_group_id)
    report = step07.inspect_signed_url(wrong, run=run)
    assert (report["allowed"], report["code"]) == (False, "InvalidKey")
    assert report["reason"], "a denial must come with its reason"


@pytest.mark.parametrize("bad", ["", "   ", None])
def test_the_inspector_refuses_an_empty_url_with_one_message(bad, local_aws):
    run = state.open_run("su-empty")
    signing_key.ensure_signing_key(run, "modern", "rsa")
    with pytest.raises(CftutorialError, match="is not a signed URL"):
        step07.inspect_signed_url(bad, run=run)


def test_an_ecdsa_run_signs_sha256_by_default_and_the_edge_lets_it_in(local_aws):
    """Notebook 07's cells with an ECDSA key and the parameters cell's default hash (None)."""
    builders.run("su-ecdsa", "06", key_type="ecdsa")
    values = forms.signing_form(run_name="su-ecdsa", hash_algorithm=None).values()
    assert values["hash_algorithm"] is None, "the form keeps None: the key's own hash"
    run = state.open_run(values["run_name"])
    signer = step07.signer(run, values["hash_algorithm"])
    assert (signer.kind, signer.hash_algorithm) == ("ecdsa", "SHA256")
    url = signer.sign_url(
        step07.viewer_url(run, "hello.html"),
        date_less_than=int(time.time()) + 300,
    )
    assert "&Hash-Algorithm=SHA256&" in url or url.endswith("Hash-Algorithm=SHA256"), url
    response = viewer.fetch(url)
    assert response.status_code == 200, viewer.describe_response(response)
    assert step07.inspect_signed_url(url, run=run)["hash"] == "SHA256"


def test_an_rsa_run_keeps_sha1_and_ecdsa_with_sha1_is_refused_unless_asked_on_purpose(local_aws):
    run_0 = state.open_run("su-rsa-default")
    signing_key.ensure_signing_key(run_0, "modern", "rsa")
    assert step07.signer(run_0).hash_algorithm == "SHA1"
    run_1 = state.open_run("su-ec-sha1")
    signing_key.ensure_signing_key(run_1, "modern", "ecdsa")
    with pytest.raises(SigningKeyError, match="SHA1 cannot be used with an ECDSA key"):
        step07.signer(run_1, "SHA1")
    shown = step07.signer(run_1, "SHA1", allow_ecdsa_sha1=True)
    assert (shown.kind, shown.hash_algorithm) == ("ecdsa", "SHA1")
