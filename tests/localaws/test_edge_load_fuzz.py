"""The edge under load and under fuzzed input: every answer right, never a 5xx.

A 403 alone proves little: ``verify.verify`` turns any exception into a 403 ``AccessDenied``
("request could not be checked"), and the edge turns any other into a logged 502. So after every
test here, the server log written during it must hold no traceback, no ERROR line, no
"could not be checked" verdict and no ``InternalError`` decision, and a valid signed GET must
still answer 200 with the object's bytes.

No speed threshold here: the load test only has a generous overall timeout so a hang fails
instead of blocking the suite (figures belong in benchmarks/).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import string
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from edge_world import VIDEO, World, build_world, in_an_hour
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cftutorial.localaws import process

pytestmark = [pytest.mark.localaws, pytest.mark.slow]

CLIENTS = 50
REQUESTS = 2000
OVERALL_TIMEOUT = 600.0
SIGNING_NAMES = ["Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"]
URL_SAFE = str.maketrans("+=/", "-_~")
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


#: What a crash leaves in the local AWS log (the edge's own handler, werkzeug's, verify's).
CRASH_MARKERS = (
    "Traceback",
    " ERROR ",
    "Error on request",
    "request could not be checked",
    "-> 502 InternalError",  # the edge's own failure line, not a fuzzed path naming it
)


@pytest.fixture(scope="module")
def world(local_aws) -> World:
    return build_world()


def log_since(offset: int) -> str:
    with open(process.log_file(), "rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", "replace")


def crash_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if any(m in line for m in CRASH_MARKERS)]


def assert_still_serves_a_signed_get(world: World) -> None:
    signed = world.signers["rsa-SHA1"].sign_url(
        world.url("signed", "/video.mp4"), date_less_than=in_an_hour()
    )
    status, body = raw_get(world, edge_target(world, signed))
    assert (status, body) == (200, VIDEO), (status, body[:200])


@pytest.fixture(autouse=True)
def no_crash_and_still_serving(world: World) -> Iterator[None]:
    """Each test: no exception in the server log while it ran; a valid signed GET still works."""
    offset = os.path.getsize(process.log_file())
    yield
    assert_still_serves_a_signed_get(world)
    written = log_since(offset)
    assert "edge GET" in written  # the log was found and the edge wrote to it during the test
    assert crash_lines(written) == [], crash_lines(written)[:5]


def test_the_crash_check_would_see_a_hidden_verify_exception():
    """The markers match what verify's catch-all and the edge's handler really write."""
    hidden = "edge GET E1 /video.mp4 -> 403 AccessDenied: behaviour /*: request could not be checked (KeyError('x'))"
    assert crash_lines(f"ok line\n{hidden}\n") == [hidden]
    assert crash_lines("edge GET E1 /x -> 502 InternalError: the local edge failed: KeyError")


def raw_get(world: World, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Send ``target`` on the request line byte for byte (no client-side re-encoding)."""
    edge = urlsplit(world.edge)
    connection = http.client.HTTPConnection(edge.hostname, edge.port, timeout=30)
    try:
        headers = headers or {}
        connection.putrequest("GET", target, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def edge_target(world: World, viewer_url: str) -> str:
    return "/" + viewer_url.split("//", 1)[1]


def code_of(body: bytes) -> str | None:
    text = body.decode("utf-8", "replace")
    if "<Code>" in text:
        return text.split("<Code>", 1)[1].split("</Code>", 1)[0]
    return "BadRequest" if "Bad request." in text else None


# --- load -------------------------------------------------------------------------------------


def _cases(world: World) -> list[tuple[str, dict[str, str], int, str | None, bytes | None]]:
    """(target, headers, expected status, expected code, expected body) for each kind of request."""
    small = world.url("signed", "/my%20video.mp4")
    rsa, ecdsa = world.signers["rsa-SHA1"], world.signers["ecdsa-SHA256"]
    cookies = rsa.sign_cookies(f"https://{world.domains['signed']}/*", date_less_than=in_an_hour())
    cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    signed = rsa.sign_url(small, date_less_than=in_an_hour())
    return [
        (edge_target(world, signed), {}, 200, None, VIDEO[:1000]),
        (
            edge_target(world, ecdsa.sign_url(small, date_less_than=in_an_hour())),
            {},
            200,
            None,
            VIDEO[:1000],
        ),
        (edge_target(world, small), {"Cookie": cookie_header}, 200, None, VIDEO[:1000]),
        (edge_target(world, signed), {"Range": "bytes=10-19"}, 206, None, VIDEO[10:20]),
        (edge_target(world, small), {}, 403, "MissingKey", None),
        (edge_target(world, signed + "&extra=1"), {}, 403, "AccessDenied", None),
        (
            edge_target(
                world, rsa.sign_url(small, date_less_than=int(time.time()) - 1, allow_past=True)
            ),
            {},
            403,
            "AccessDenied",
            None,
        ),
        (
            edge_target(world, world.untrusted.sign_url(small, date_less_than=in_an_hour())),
            {},
            403,
            "InvalidKey",
            None,
        ),
        (edge_target(world, world.url("oai", "/private.txt")), {}, 403, "AccessDenied", None),
        (edge_target(world, world.url("signed", "/public/readme.txt")), {}, 200, None, None),
        ("/d0000000000000.cloudfront.net/x", {}, 403, "BadRequest", None),
    ]


def run_load(world: World, requests: int = REQUESTS) -> Counter[int]:
    """``requests`` requests of the mix from CLIENTS threads; every answer checked, none 5xx."""
    cases = _cases(world)
    failures: list[str] = []
    counts: Counter[int] = Counter()
    lock = threading.Lock()

    def one(index: int) -> None:
        target, headers, status, code, body = cases[index % len(cases)]
        got_status, got_body = raw_get(world, target, headers)
        problem = None
        if got_status != status:
            problem = f"{target[:80]} -> {got_status}, expected {status}: {got_body[:200]!r}"
        elif code is not None and code_of(got_body) != code:
            problem = f"{target[:80]} -> code {code_of(got_body)}, expected {code}"
        elif body is not None and got_body != body:
            problem = f"{target[:80]} -> wrong bytes ({len(got_body)} bytes)"
        with lock:
            counts[got_status] += 1
            if problem:
                failures.append(problem)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(one, i) for i in range(requests)]
        for future in futures:
            future.result(timeout=max(1.0, OVERALL_TIMEOUT - (time.monotonic() - started)))
    assert sum(counts.values()) == requests
    assert not [s for s in counts if s >= 500], counts
    assert failures == [], failures[:5]
    assert counts[200] > 0
    assert counts[403] > 0
    return counts


def test_fifty_concurrent_clients_get_every_answer_right_and_no_5xx(world):
    run_load(world)


def test_fifty_clients_under_a_20_kb_bucket_policy_get_every_answer_right(world):
    """S3's largest policy (20 KB) on the bucket every signed read is judged by: still right."""
    from edge_world import padded_policy

    from cftutorial.aws.clients import client

    s3 = client("s3")
    original = s3.get_bucket_policy(Bucket=world.oac_bucket)["Policy"]
    large = padded_policy(world.oac_bucket, json.loads(original), 20 * 1024)
    assert 19 * 1024 < len(large) <= 20 * 1024
    s3.put_bucket_policy(Bucket=world.oac_bucket, Policy=large)
    try:
        run_load(world, REQUESTS // 2)
    finally:
        s3.put_bucket_policy(Bucket=world.oac_bucket, Policy=original)


# --- fuzz -------------------------------------------------------------------------------------

QUERY_TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + "-_~.%=&+/!$'()*,;:@?", max_size=300
)
VALUE = st.text(alphabet=string.ascii_letters + string.digits + "-_~.%+/=", max_size=120)


@FUZZ
@given(query=QUERY_TEXT)
def test_fuzzed_query_strings_never_5xx_and_never_200(world, query):
    status, body = raw_get(
        world, edge_target(world, world.url("signed", "/video.mp4")) + "?" + query
    )
    assert status == 403, (query, status, body[:200])  # no 5xx, and never served unsigned
    assert code_of(body) in {
        "MissingKey",
        "InvalidKey",
        "MalformedPolicy",
        "MalformedSignature",
        "AccessDenied",
    }


@FUZZ
@given(
    params=st.lists(
        st.tuples(st.sampled_from([*SIGNING_NAMES, "x", "Key-Pair-Id"]), VALUE),
        min_size=1,
        max_size=6,
    ),
    use_real_key=st.booleans(),
)
def test_fuzzed_signing_parameters_never_5xx_and_never_200(world, params, use_real_key):
    if use_real_key:
        params = [*params, ("Key-Pair-Id", world.ids["rsa"])]
    query = "&".join(f"{name}={value}" for name, value in params)
    status, body = raw_get(
        world, edge_target(world, world.url("signed", "/video.mp4")) + "?" + query
    )
    assert status == 403, (query, status, body[:200])


COOKIE_VALUE = st.text(alphabet=string.ascii_letters + string.digits + '-_~.%+/="; ,', max_size=200)


@FUZZ
@given(
    cookies=st.dictionaries(
        st.sampled_from([f"CloudFront-{n}" for n in SIGNING_NAMES] + ["other"]),
        COOKIE_VALUE,
        max_size=6,
    ),
    use_real_key=st.booleans(),
)
def test_fuzzed_cookies_never_5xx_and_never_200(world, cookies, use_real_key):
    if use_real_key:
        cookies["CloudFront-Key-Pair-Id"] = world.ids["ecdsa"]
    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    status, body = raw_get(
        world,
        edge_target(world, world.url("signed", "/video.mp4")),
        {"Cookie": header} if header else {},
    )
    assert status == 403, (header, status, body[:200])


JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.text(max_size=40),
    st.floats(allow_nan=False),
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "Statement",
                    "Resource",
                    "Condition",
                    "DateLessThan",
                    "DateGreaterThan",
                    "IpAddress",
                    "AWS:EpochTime",
                    "AWS:SourceIp",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


def _policy_strategy(world_domain: str):
    plausible = st.fixed_dictionaries(
        {
            "Statement": st.lists(
                st.fixed_dictionaries(
                    {
                        "Resource": st.sampled_from(
                            [f"https://{world_domain}/*", "*", "https://other/*", 5]
                        ),
                        "Condition": st.fixed_dictionaries(
                            {
                                "DateLessThan": st.fixed_dictionaries(
                                    {"AWS:EpochTime": st.integers(0, 2**33)}
                                )
                            },
                            optional={
                                "IpAddress": st.fixed_dictionaries(
                                    {
                                        "AWS:SourceIp": st.sampled_from(
                                            ["127.0.0.1/32", "10.0.0.0/8", "nope", "::1/128"]
                                        )
                                    }
                                ),
                                "DateGreaterThan": st.fixed_dictionaries(
                                    {"AWS:EpochTime": st.integers(0, 2**33)}
                                ),
                            },
                        ),
                    }
                ),
                min_size=0,
                max_size=2,
            )
        }
    )
    return st.one_of(plausible, JSON_VALUE)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().translate(URL_SAFE)


@FUZZ
@given(data=st.data())
def test_fuzzed_policies_never_5xx_and_never_200_without_a_valid_signature(world, data):
    policy = data.draw(_policy_strategy(world.domains["signed"]))
    text = json.dumps(policy, separators=(",", ":"))
    signer = world.signers["rsa-SHA1"]
    url = world.url("signed", "/video.mp4")
    garbage = _b64(data.draw(st.binary(min_size=0, max_size=300)))
    unsigned = (
        f"{url}?Policy={_b64(text.encode())}&Signature={garbage}&Key-Pair-Id={signer.key_pair_id}"
    )
    status, body = raw_get(world, edge_target(world, unsigned))
    assert status == 403, (text, status, body[:200])

    encoded, signature = signer.sign_policy(text)
    signed = f"{url}?Policy={encoded}&Signature={signature}&Key-Pair-Id={signer.key_pair_id}"
    status, body = raw_get(world, edge_target(world, signed))
    assert status in (200, 403), (text, status, body[:200])
    if status == 200:
        assert body == VIDEO


PATH_TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + "-_~.%/!$&'()*+,;=:@", max_size=120
)


@FUZZ
@given(path=PATH_TEXT, host_form=st.booleans())
def test_fuzzed_paths_never_5xx(world, path, host_form):
    domain = world.domains["signed"]
    if host_form:
        status, _ = raw_get(world, "/" + path, {"Host": domain})
    else:
        status, _ = raw_get(world, f"/{domain}/{path}")
    assert status in (200, 206, 304, 403, 404, 416), (path, status)


def test_requests_library_sees_the_same_answers_as_raw_http(world):
    """The raw client above is not hiding anything: requests agrees on a valid and an invalid URL."""
    signed = world.signers["rsa-SHA1"].sign_url(
        world.url("signed", "/video.mp4"), date_less_than=in_an_hour()
    )
    assert requests.get(f"{world.edge}{edge_target(world, signed)}", timeout=30).status_code == 200
    assert raw_get(world, edge_target(world, signed))[0] == 200
    assert raw_get(world, edge_target(world, signed + "x"))[0] == 403


def raw_status_line(world: World, target: str, host: str = "edge.test") -> bytes:
    """Send a request line byte for byte over a socket; return the status line answered."""
    edge = urlsplit(world.edge)
    with socket.create_connection((edge.hostname, edge.port), timeout=30) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode("latin-1"))
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0]


@pytest.mark.parametrize(
    "target",
    [
        "http://[bad/",
        "http://[::1]:99999/x",
        "//double//slash",
        "*",
        "/%",
        "/%zz",
        "/?a=%",
        "/\xe9t\xe9",
    ],
)
def test_odd_request_targets_get_an_answer_below_500(world, target):
    line = raw_status_line(world, target)
    assert line.startswith(b"HTTP/1.1 "), (target, line)
    assert int(line.split()[1]) < 500, (target, line)


@pytest.mark.parametrize("host", ["[::1", "a:b:c", "", "\xe9"])
def test_odd_host_headers_get_an_answer_below_500(world, host):
    line = raw_status_line(world, "/public/readme.txt", host)
    assert line.startswith(b"HTTP/1.1 "), (host, line)
    assert int(line.split()[1]) < 500, (host, line)


TARGET_TEXT = st.text(alphabet=string.printable.strip() + "\xe9", min_size=1, max_size=80)


@FUZZ
@given(target=TARGET_TEXT)
def test_fuzzed_request_targets_always_get_an_answer_below_500(world, target):
    line = raw_status_line(world, target)
    assert line.startswith(b"HTTP/1."), (target, line)
    assert int(line.split()[1]) < 500, (target, line)


# --- fuzz: the AWS port and the path normaliser (issue 13) ----------------------------------


def raw_aws(world: World, method: str, target: str, headers=None, body: bytes | None = None):
    """``method target`` to the AWS port byte for byte; (status, body)."""
    aws = urlsplit(world.aws)
    connection = http.client.HTTPConnection(aws.hostname, aws.port, timeout=30)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Length"] = str(len(body))
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


AWS_QUERY = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "Signature",
                "AWSAccessKeyId",
                "Expires",
                "X-Amz-Signature",
                "X-Amz-Credential",
                "X-Amz-Algorithm",
                "X-Amz-Date",
                "X-Amz-Expires",
                "acl",
                "policy",
                "versionId",
                "x",
            ]
        ),
        VALUE,
    ),
    max_size=5,
)


@FUZZ
@given(
    method=st.sampled_from(["GET", "HEAD", "PUT", "DELETE", "POST"]),
    suffix=PATH_TEXT,
    params=AWS_QUERY,
)
def test_fuzzed_anonymous_s3_requests_never_5xx_and_never_succeed(world, method, suffix, params):
    query = "&".join(f"{name}={value}" for name, value in params)
    target = f"/{world.oac_bucket}/{suffix}" + (f"?{query}" if query else "")
    body = b"planted" if method in ("PUT", "POST") else None
    status, answer = raw_aws(world, method, target, {}, body)  # a page's Origin: refused earlier
    assert status < 500, (method, target, status, answer[:200])
    assert not 200 <= status < 300, (method, target, status, answer[:200])


CF_AUTH = (
    "AWS4-HMAC-SHA256 Credential=LOCALCFTUTORIALKEY00/20250101/us-east-1/cloudfront/"
    "aws4_request, SignedHeaders=host, Signature=x"
)
CF_TARGETS = [
    "/2020-05-31/distribution",
    "/2020-05-31/distribution?WithTags",
    "/2020-05-31/public-key",
    "/2020-05-31/key-group",
    "/2020-05-31/origin-access-control",
    "/2020-05-31/origin-access-identity/cloudfront",
]
XML_TEXT = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda root, inner: (
            f"<{root} xmlns='http://cloudfront.amazonaws.com/doc/2020-05-31/'>{inner}</{root}>"
        ),
        st.sampled_from(
            [
                "DistributionConfig",
                "DistributionConfigWithTags",
                "PublicKeyConfig",
                "KeyGroupConfig",
                "OriginAccessControlConfig",
                "CloudFrontOriginAccessIdentityConfig",
                "x",
            ]
        ),
        st.lists(
            st.builds(
                lambda tag, text: f"<{tag}>{text}</{tag}>",
                st.sampled_from(
                    ["Name", "CallerReference", "Comment", "EncodedKey", "Items", "Enabled"]
                ),
                st.text(alphabet=string.ascii_letters + string.digits, max_size=20),
            ),
            max_size=4,
        ).map("".join),
    ),
)


@FUZZ
@given(target=st.sampled_from(CF_TARGETS), body=XML_TEXT)
def test_fuzzed_cloudfront_bodies_never_5xx(world, target, body):
    status, answer = raw_aws(world, "POST", target, {"Authorization": CF_AUTH}, body.encode())
    assert status < 500, (target, body, status, answer[:300])


def _encodings(path: str):
    """Spellings of ``path`` that CloudFront normalises back to it (RFC 3986): any character
    but ``/`` percent-encoded (either hex case), behind dot segments."""

    def spell(flags: list[int], dots: str) -> str:
        forms = ("{}", "%{:02X}", "%{:02x}")
        out = [
            char if char == "/" else forms[flag].format(char if flag == 0 else ord(char))
            for char, flag in zip(path, flags, strict=True)
        ]
        return dots + "".join(out)

    return st.builds(
        spell,
        st.lists(st.integers(0, 2), min_size=len(path), max_size=len(path)),
        st.sampled_from(["", "/.", "/x/..", "/public/..", "/./.", "/x/%2E%2E", "/x/.%2e"]),
    )


@FUZZ
@given(spelling=_encodings("/private/secret.mp4"))
def test_no_spelling_of_a_signed_path_is_served_unsigned(world, spelling):
    from edge_world import build_prefix_world

    prefix = build_prefix_world()
    status, body = raw_get(world, f"/{prefix.domain}{spelling}")
    assert status == 403, (spelling, status, body[:200])
    assert code_of(body) == "MissingKey", (spelling, body[:200])
