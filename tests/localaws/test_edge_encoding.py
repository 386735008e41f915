"""Encoded URLs through the local edge with requests: what sign_url signs is what requests sends,
and a URL signed before encoding is denied (as CloudFront denies it)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from edge_world import World, build_world, in_an_hour

from cftutorial.aws import clients

pytestmark = pytest.mark.localaws

BODIES = {
    "private content/My File.pdf": b"%PDF-1.4 a file with spaces in its key\n",
    "vidéo/日本.mp4": b"a video whose key is not ASCII\n",
    "reports/Bericht März.pdf": b"%PDF-1.4 a report downloaded under its own name\n",
}
DISPOSITION = "response-content-disposition=attachment; filename*=UTF-8''Bericht März.pdf"
PATHS = {
    "space": ("/private content/My File.pdf", "private content/My File.pdf"),
    "non-ascii": ("/vidéo/日本.mp4", "vidéo/日本.mp4"),
    "disposition": (f"/reports/Bericht März.pdf?{DISPOSITION}", "reports/Bericht März.pdf"),
}


@pytest.fixture(scope="module")
def world(local_aws) -> World:
    built = build_world()
    s3 = clients.client("s3")
    for key, body in BODIES.items():
        s3.put_object(Bucket=built.oac_bucket, Key=key, Body=body)
    return built


def through_edge(world: World, url: str) -> requests.Response:
    """GET the viewer URL through the edge with requests, which encodes it as it always does."""
    rest = url.split("//", 1)[1]
    return requests.get(f"{world.edge}/{rest}", timeout=30)


@pytest.mark.parametrize("case", PATHS)
@pytest.mark.parametrize("signer_name", ["rsa-SHA1", "ecdsa-SHA256"])
def test_url_signed_as_written_is_served_through_the_edge(world, case, signer_name) -> None:
    path, key = PATHS[case]
    signed = world.signers[signer_name].sign_url(
        world.url("signed", path), date_less_than=in_an_hour()
    )
    assert " " not in signed and signed.isascii()
    response = through_edge(world, signed)
    assert response.status_code == 200, response.text
    assert response.content == BODIES[key]


@pytest.mark.parametrize("case", PATHS)
def test_wildcard_policy_written_unencoded_opens_the_encoded_request(world, case) -> None:
    path, key = PATHS[case]
    resource = world.url("signed", "/" + key.rsplit("/", 1)[0] + "/*")  # e.g. /vidéo/*, unencoded
    signed = world.signers["rsa-SHA256"].sign_url(
        world.url("signed", path), policy_resource=resource, date_less_than=in_an_hour()
    )
    response = through_edge(world, signed)
    assert response.status_code == 200, response.text
    assert response.content == BODIES[key]


@pytest.mark.parametrize("case", PATHS)
def test_url_signed_verbatim_is_denied_at_the_edge(world, case) -> None:
    """botocore signs the unencoded text; requests sends it encoded; CloudFront says AccessDenied."""
    path, _ = PATHS[case]
    key = world.signers["rsa-SHA1"].private_key
    botocore = CloudFrontSigner(
        world.signers["rsa-SHA1"].key_pair_id,
        lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1()),
    )
    signed = botocore.generate_presigned_url(
        world.url("signed", path),
        date_less_than=datetime.fromtimestamp(in_an_hour(), timezone.utc),
    )
    response = through_edge(world, signed)
    assert response.status_code == 403
    assert "<Code>AccessDenied</Code>" in response.text
