"""Issue 23: the browser boundary of both ports (localaws/boundary.py), with raw sockets.

What a web page in the learner's browser can send: another ``Host`` (DNS rebinding), an
``Origin`` and ``Sec-Fetch-Site`` it cannot leave out, simple requests (``text/plain`` and form
POSTs) that need no preflight, with SigV4 queries presigned by the local AWS's public key pair.
Each refusal is checked against the same request sent the way boto3 or curl sends it, which
the local AWS answers: so a test proves the request was valid and only its marking stopped it.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from edge_world import README, World, build_world
from rawhttp import send

from cftutorial import config
from cftutorial.aws.clients import client
from cftutorial.localaws import boundary, control

pytestmark = pytest.mark.localaws

EVIL = "https://evil.example"
CREDENTIALS = Credentials(config.LOCAL_ACCESS_KEY_ID, config.LOCAL_SECRET_ACCESS_KEY)
BROWSER_MARKS = [
    {"Origin": EVIL},
    {"Origin": "null"},
    {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
]


@pytest.fixture(scope="module")
def world(local_aws) -> World:
    return build_world()


@pytest.fixture
def bucket(local_aws) -> str:
    s3 = client("s3")
    name = f"boundary-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="hello.html", Body=b"<p>hello</p>", ContentType="text/html")
    s3.put_object(Bucket=name, Key="video.mp4", Body=b"video bytes")
    return name


def keys_in(bucket: str) -> list[str]:
    return [item["Key"] for item in client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def body_of(bucket: str, key: str) -> bytes:
    return client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


def presigned(method: str, url: str) -> str:
    """A SigV4 query-string URL made with the local AWS's public key pair, as any page can."""
    request = AWSRequest(method=method, url=url)
    S3SigV4QueryAuth(CREDENTIALS, "s3", config.LOCAL_REGION, expires=300).add_auth(request)
    return request.url


def target_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


DELETE_BOTH = (
    b"<Delete><Object><Key>hello.html</Key></Object><Object><Key>video.mp4</Key></Object></Delete>"
)


# --- the AWS port: cross-site requests --------------------------------------------------------


@pytest.mark.parametrize(
    "marks", BROWSER_MARKS, ids=lambda m: ",".join(f"{k}={v}" for k, v in m.items())
)
def test_a_cross_site_text_plain_post_delete_with_a_presigned_query_deletes_nothing(
    local_aws, bucket, marks
):
    target = target_of(presigned("POST", f"{local_aws.aws_endpoint}/{bucket}?delete"))
    headers = {"Content-Type": "text/plain"}
    reply = send(local_aws.aws_endpoint, "POST", target, headers | marks, DELETE_BOTH)
    assert (reply.status, reply.code) == (403, "AccessDenied"), reply.body[:300]
    assert b"the local AWS refuses requests" in reply.body
    assert reply.header("Access-Control-Allow-Origin") is None
    assert keys_in(bucket) == ["hello.html", "video.mp4"]
    # the same request as curl sends it: valid, and it deletes both
    reply = send(local_aws.aws_endpoint, "POST", target, headers, DELETE_BOTH)
    assert reply.status == 200, reply.body[:300]
    assert keys_in(bucket) == []


@pytest.mark.parametrize("marks", BROWSER_MARKS[:3], ids=["origin", "null", "cross-site"])
def test_a_cross_site_multipart_form_post_with_a_presigned_query_replaces_nothing(
    local_aws, bucket, marks
):
    url = presigned("POST", f"{local_aws.aws_endpoint}/{bucket}")
    form = {"key": "hello.html", "Content-Type": "text/html"}
    planted = ("x.html", b"<script>alert(document.domain)</script>", "text/html")
    reply = requests.post(url, data=form, files={"file": planted}, headers=marks, timeout=30)
    assert reply.status_code == 403, reply.text[:300]
    assert "the local AWS refuses requests" in reply.text
    assert body_of(bucket, "hello.html") == b"<p>hello</p>"
    reply = requests.post(url, data=form, files={"file": planted}, timeout=30)  # as curl sends it
    assert reply.status_code < 300, reply.text[:300]
    assert body_of(bucket, "hello.html") == planted[1]


def test_a_cross_site_presigned_get_reads_nothing(local_aws, bucket):
    target = target_of(presigned("GET", f"{local_aws.aws_endpoint}/{bucket}/video.mp4"))
    refused = send(local_aws.aws_endpoint, "GET", target, {"Sec-Fetch-Site": "cross-site"})
    assert refused.status == 403 and b"video bytes" not in refused.body
    for site in ("same-origin", "none"):  # typed into the address bar, or the port's own page
        reply = send(local_aws.aws_endpoint, "GET", target, {"Sec-Fetch-Site": site})
        assert (reply.status, reply.body) == (200, b"video bytes"), site


def test_boto3_still_works_and_sends_no_browser_marks(local_aws, bucket):
    s3 = client("s3")
    s3.put_object(Bucket=bucket, Key="more.txt", Body=b"x")
    assert "more.txt" in keys_in(bucket)


def test_an_origin_listed_in_cftutorial_aws_cors_origins_passes(monkeypatch):
    listed = "http://localhost:8888"
    environ = {"HTTP_ORIGIN": listed, "HTTP_SEC_FETCH_SITE": "cross-site"}
    assert boundary.cross_site_refusal(environ) is not None  # default: no page at all
    monkeypatch.setenv(control.ENV_AWS_CORS_ORIGINS, f"{listed}, https://app.example")
    assert boundary.cross_site_refusal(environ) is None
    assert boundary.cross_site_refusal({"HTTP_ORIGIN": EVIL}) is not None
    assert boundary.cross_site_refusal({"HTTP_SEC_FETCH_SITE": "same-site"}) is not None
    assert boundary.cross_site_refusal({"HTTP_SEC_FETCH_SITE": "same-origin"}) is None
    assert boundary.cross_site_refusal({}) is None


# --- the AWS port: Host (DNS rebinding) -------------------------------------------------------

ATTACKER_HOSTS = ["attacker.example", "x.attacker.example", "cftutorial-default.attacker.example"]


def signed_headers(method: str, url: str, service: str, body: bytes = b"", **headers) -> dict:
    """An ``Authorization`` header signed for ``url``'s host, as a rebinding page could make."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(CREDENTIALS, service, config.LOCAL_REGION).add_auth(request)
    return {"Host": urlsplit(url).netloc, **dict(request.headers.items())}


@pytest.mark.parametrize("host", ATTACKER_HOSTS)
def test_an_attacker_host_cannot_list_delete_or_sign_on_the_aws_port(local_aws, bucket, host):
    port = urlsplit(local_aws.aws_endpoint).port
    kms = {"X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1"}
    cases = [
        ("GET", "/2020-05-31/distribution", "cloudfront", b"", {}),
        ("POST", "/", "kms", b"{}", kms),
        ("GET", f"/{bucket}", "s3", b"", {}),
        ("DELETE", f"/{bucket}/video.mp4", "s3", b"", {}),
    ]
    for method, path, service, body, extra in cases:
        for form in (host, f"{host}:{port}"):
            headers = signed_headers(method, f"http://{form}{path}", service, body, **extra)
            reply = send(local_aws.aws_endpoint, method, path, headers, body or None)
            assert reply.status == 403, (form, method, path, reply.status, reply.body[:200])
            assert b"addressed to this machine" in reply.body, reply.body[:300]
            assert b"CFTUTORIAL_LOCAL_ALLOWED_HOSTS" in reply.body
        mine = f"127.0.0.1:{port}"  # the same request to this machine's name is answered
        headers = signed_headers(method, f"http://{mine}{path}", service, body, **extra)
        reply = send(local_aws.aws_endpoint, method, path, headers, body or None)
        assert reply.status < 300, (method, path, reply.status, reply.body[:300])
    assert keys_in(bucket) == ["hello.html"]  # only the DELETE sent to 127.0.0.1 took effect


def test_the_health_check_is_behind_the_host_check_too(local_aws):
    reply = send(local_aws.aws_endpoint, "GET", "/_cftutorial/health", {"Host": "attacker.example"})
    assert reply.status == 403 and b"pid" not in reply.body
    reply = send(local_aws.aws_endpoint, "GET", "/_cftutorial/health", {"Host": "localhost"})
    assert reply.status == 200


# --- the edge: Host -----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["attacker.example", "x.attacker.example", "attacker.example:80"])
def test_an_attacker_host_gets_the_edges_403_before_any_rule(world, host):
    domain = world.domains["signed"]
    for target in (f"/{domain}/public/readme.txt", "/public/readme.txt", "/_cftutorial/decisions"):
        reply = send(world.edge, "GET", target, {"Host": host})
        assert reply.status == 403, (host, target, reply.status)
        assert reply.header("Server") == "CloudFront"
        assert b"addressed to this machine" in reply.body and README not in reply.body


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.0.0.1:8888", "localhost", "LOCALHOST:8888", "[::1]:8888", "127.1.2.3"],
)
def test_this_machines_names_reach_the_edge(world, host):
    """``localhost:8888`` is what Jupyter's proxy passes on from the learner's browser."""
    reply = send(world.edge, "GET", f"/{world.domains['signed']}/public/readme.txt", {"Host": host})
    assert (reply.status, reply.body) == (200, README), host


def test_a_distribution_domain_in_host_still_routes_but_an_unknown_one_is_refused(world):
    domain = world.domains["signed"]
    reply = send(world.edge, "GET", "/public/readme.txt", {"Host": domain})
    assert (reply.status, reply.body) == (200, README)
    reply = send(world.edge, "GET", "/public/readme.txt", {"Host": "d0000000000000.cloudfront.net"})
    assert reply.status == 403 and b"addressed to this machine" in reply.body


# --- the rule itself ------------------------------------------------------------------------------


def test_host_names_parse_as_jupyter_server_reads_them():
    assert boundary.host_name("LocalHost:8888") == "localhost"
    assert boundary.host_name("[::1]:8888") == "::1"
    assert boundary.host_name("[::1]") == "::1"
    assert boundary.host_name("example.org.") == "example.org"
    for bad in ("", "a:b:c", "[::1", "[::1]x", "host:port"):
        assert boundary.host_name(bad) is None, bad


def test_the_configured_list_and_its_suffix_and_star_forms(monkeypatch):
    def refused(host: str, allowed: tuple[str, ...]) -> bool:
        policy = boundary.Policy(refuse=lambda r: (403, {}, b""), allowed_hosts=allowed)
        return boundary.host_refusal({"HTTP_HOST": host}, policy) is not None

    assert refused("hub.example.org", ())
    assert not refused("hub.example.org:443", ("hub.example.org",))
    assert refused("evil-hub.example.org", ("hub.example.org",))
    assert not refused("a.b.example.org", (".example.org",))
    assert not refused("example.org", (".example.org",))
    assert refused("notexample.org", (".example.org",))
    assert not refused("anything.example", ("*",))
    assert not refused("videos.cftutorial.localhost:4751", ())
    assert refused("localhost.attacker.example", ())
    assert refused("0.0.0.0", ())  # not loopback: Jupyter Server refuses it too


def test_the_setting_defaults_to_any_host_behind_jupyterhub_only(monkeypatch):
    monkeypatch.delenv(config.ENV_ALLOWED_HOSTS, raising=False)
    monkeypatch.delenv(config.ENV_HUB_PREFIX, raising=False)
    assert config.local_allowed_hosts() == ()
    monkeypatch.setenv(config.ENV_HUB_PREFIX, "/user/learner/")
    assert config.local_allowed_hosts() == ("*",)
    monkeypatch.setenv(config.ENV_ALLOWED_HOSTS, "Hub.Example.org, .proxy.example")
    assert config.local_allowed_hosts() == ("hub.example.org", ".proxy.example")
    monkeypatch.setenv(config.ENV_ALLOWED_HOSTS, "https://hub.example.org")
    with pytest.raises(config.ConfigError, match="CFTUTORIAL_LOCAL_ALLOWED_HOSTS has"):
        config.local_allowed_hosts()


# --- the edge: OPTIONS as CloudFront answers it ----------------------------------------------

CORS_S3_ORIGIN = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"  # managed origin request policy
WITH_OPTIONS = {
    "Quantity": 3,
    "Items": ["GET", "HEAD", "OPTIONS"],
    "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
}
APP = "https://app.example"


@pytest.fixture(scope="module")
def options_world(world):
    """A distribution allowing OPTIONS: signed default behaviour, ``/open/*`` unsigned with the
    edge's CORS, ``/cors/*`` unsigned forwarding ``Origin`` to a bucket with CORS rules."""
    import json

    from edge_world import _config, _distribution, _oac

    s3, cf = client("s3"), client("cloudfront")
    name = f"boundary-options-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    for key in ("open/a.txt", "cors/a.txt", "video.mp4"):
        s3.put_object(Bucket=name, Key=key, Body=b"bytes of " + key.encode())
    s3.put_bucket_cors(
        Bucket=name,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [APP],
                    "AllowedMethods": ["GET", "HEAD"],
                    "AllowedHeaders": ["range"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )
    trusted = {
        "TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [world.ids["key_group"]]}
    }
    dist = _distribution(
        cf,
        _config(
            "s3-options",
            f"{name}.s3.us-east-1.amazonaws.com",
            oac=_oac(cf),
            default={"AllowedMethods": WITH_OPTIONS, **trusted},
            behaviours=[
                {"PathPattern": "/open/*", "AllowedMethods": WITH_OPTIONS},
                {
                    "PathPattern": "/cors/*",
                    "AllowedMethods": WITH_OPTIONS,
                    "OriginRequestPolicyId": CORS_S3_ORIGIN,
                },
            ],
        ),
    )
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": dist["ARN"]}},
    }
    s3.put_bucket_policy(
        Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    return world, dist["DomainName"]


def preflight(edge: str, domain: str, path: str, origin: str = APP, **extra: str):
    headers = {"Origin": origin, "Access-Control-Request-Method": "GET", **extra}
    return send(edge, "OPTIONS", f"/{domain}{path}", headers)


def test_options_allowed_on_an_unsigned_behaviour_gets_the_edges_cors(options_world):
    world, domain = options_world
    reply = preflight(world.edge, domain, "/open/a.txt")
    assert reply.status == 200, reply.body[:300]
    assert reply.header("Access-Control-Allow-Origin") == "*"
    assert "GET" in reply.header("Access-Control-Allow-Methods")


def test_options_on_a_signed_behaviour_is_checked_like_any_request(options_world):
    from edge_world import in_an_hour

    world, domain = options_world
    reply = preflight(world.edge, domain, "/video.mp4")  # a preflight carries no cookies
    assert (reply.status, reply.code) == (403, "MissingKey")
    assert reply.header("Access-Control-Allow-Origin") is None
    signed = world.signers["rsa-SHA1"].sign_url(
        f"https://{domain}/video.mp4", date_less_than=in_an_hour()
    )
    query = signed.split("?", 1)[1]
    reply = preflight(world.edge, domain, f"/video.mp4?{query}")
    assert reply.status == 200, reply.body[:300]


def test_options_forwarding_origin_gets_s3s_preflight_answer(options_world):
    world, domain = options_world
    reply = preflight(
        world.edge, domain, "/cors/a.txt", **{"Access-Control-Request-Headers": "Range"}
    )
    assert reply.status == 200, reply.body[:300]
    assert reply.header("Access-Control-Allow-Origin") == APP
    assert reply.header("Access-Control-Allow-Credentials") == "true"
    assert reply.header("Access-Control-Max-Age") == "600"
    refused = preflight(world.edge, domain, "/cors/a.txt", origin=EVIL)
    assert (refused.status, refused.code) == (403, "AccessForbidden"), refused.body[:300]
    assert b"CORSResponse: This CORS request is not allowed" in refused.body
    assert refused.header("Access-Control-Allow-Origin") is None
    other_header = preflight(
        world.edge, domain, "/cors/a.txt", **{"Access-Control-Request-Headers": "X-Custom"}
    )
    assert (other_header.status, other_header.code) == (403, "AccessForbidden")
