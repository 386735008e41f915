"""CloudFront standard access logs (legacy) from the local edge: the logging-bucket rules, the
file names and format, the redaction, delivery, and a signature 403 logged as ``Error``."""

from __future__ import annotations

import gzip
import re
import time
import uuid

import pytest
import requests
from botocore.exceptions import ClientError
from edge_world import _config, _distribution, _oac, _public_key
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from cftutorial.aws import bucket_access, clients
from cftutorial.errors import ConfigError
from cftutorial.localaws import control, process
from cftutorial.localaws.cloudfront.standard_logs import AWSLOGSDELIVERY
from cftutorial.localaws.edge import access_logs
from cftutorial.localaws.handler import redact
from cftutorial.signing import keys
from cftutorial.signing.signer import Signer

SIGNATURE = "AbCdEfGh" + "x" * 160
POLICY = "eyJTdGF0" + "y" * 200
DOCUMENTED_FIELDS = (  # noqa: SIM905 (the documented list, as one text)
    "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
    "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id "
    "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
    "x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port "
    "time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
    "sc-range-start sc-range-end"
).split()


# --- the line format, without a server ----------------------------------------------------------


def _served(query: str, *, cookie: str = "", status: int = 403, include_cookies: bool = True):
    headers = {"User-Agent": "Mozilla/5.0 (X11; Linux) ü"}
    if cookie:
        headers["Cookie"] = cookie
    environ = EnvironBuilder(
        path="/d111.cloudfront.net/a b.mp4", query_string=query, headers=headers
    ).get_environ()
    response = Response(b"<Error/>", status=status, content_type="text/xml")
    response.headers["X-Amz-Cf-Id"] = "rid-123"
    return access_logs.Served(
        Request(environ),
        response,
        "d111.cloudfront.net",
        "/a%20b.mp4",
        query,
        "MissingKey",
        0.0125,
        access_logs.now_utc(),
        include_cookies,
    )


def _fields(line: str) -> dict[str, str]:
    values = line.split("\t")
    assert len(values) == len(DOCUMENTED_FIELDS)
    return dict(zip(DOCUMENTED_FIELDS, values, strict=True))


def test_the_header_names_the_33_documented_fields_in_order():
    assert tuple(DOCUMENTED_FIELDS) == access_logs.FIELDS
    assert len(access_logs.FIELDS) == 33
    expected = "#Version: 1.0\n#Fields: " + " ".join(DOCUMENTED_FIELDS) + "\n"
    assert expected == access_logs.HEADER


def test_a_403_line_has_every_field_tab_separated_with_dashes_for_empty_values():
    fields = _fields(access_logs.line(_served("", include_cookies=False)))
    assert fields["sc-status"] == "403"
    assert fields["x-edge-result-type"] == fields["x-edge-response-result-type"] == "Error"
    assert fields["x-edge-detailed-result-type"] == "Error"
    assert fields["x-edge-request-id"] == "rid-123"
    assert fields["cs(Host)"] == fields["x-host-header"] == "d111.cloudfront.net"
    assert fields["cs-uri-query"] == fields["cs(Referer)"] == fields["cs(Cookie)"] == "-"
    assert fields["time-taken"] == "0.013"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["date"])
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", fields["time"])
    assert int(fields["sc-bytes"]) > len(b"<Error/>")
    assert fields["sc-content-type"].startswith("text/xml")


def test_values_are_url_encoded_and_the_stem_is_not_encoded_twice():
    fields = _fields(access_logs.line(_served("")))
    assert fields["cs-uri-stem"] == "/a%20b.mp4"
    assert fields["cs(User-Agent)"] == "Mozilla/5.0%20(X11;%20Linux)%20%C3%BC"
    assert "\t" not in access_logs.encode("a\tb") and " " not in access_logs.encode("a b")


def test_signatures_and_policies_are_cut_as_the_access_log_cuts_them():
    query = f"Policy={POLICY}&Signature={SIGNATURE}&Key-Pair-Id=K2JCJMDEHXQW5F"
    cookie = f"CloudFront-Policy={POLICY}; CloudFront-Signature={SIGNATURE}"
    fields = _fields(access_logs.line(_served(query, cookie=cookie)))
    assert fields["cs-uri-query"] == access_logs.encode(redact(query))
    assert "Signature=AbCdEfGh%E2%80%A6" in fields["cs-uri-query"]
    assert "Policy=eyJTdGF0%E2%80%A6" in fields["cs-uri-query"]
    assert fields["cs(Cookie)"] == access_logs.encode(redact(cookie))
    for secret in (SIGNATURE, POLICY):
        assert secret not in fields["cs-uri-query"] and secret not in fields["cs(Cookie)"]


def test_a_served_request_is_a_miss_and_a_method_refusal_is_invalid_request_method():
    assert access_logs.result_types(200, None) == ("Miss", "Miss")
    assert access_logs.result_types(403, "MethodNotAllowed") == ("Error", "InvalidRequestMethod")
    assert access_logs.result_types(403, "AccessDenied") == ("Error", "Error")


def test_a_bad_delivery_delay_is_one_config_error(monkeypatch):
    monkeypatch.setenv(access_logs.ENV_DELIVERY_SECONDS, "soon")
    with pytest.raises(ConfigError, match="CFTUTORIAL_LOG_DELIVERY_SECONDS='soon'"):
        access_logs.delivery_seconds()


# --- through the running local AWS --------------------------------------------------------------


def _bucket(s3, ownership: str | None = "BucketOwnerPreferred") -> str:
    name = f"logs-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    if ownership:
        s3.put_bucket_ownership_controls(
            Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]}
        )
    return name


def _logging(bucket: str, prefix: str = "cf/") -> dict:
    return {
        "Enabled": True,
        "IncludeCookies": True,
        "Bucket": f"{bucket}.s3.amazonaws.com",
        "Prefix": prefix,
    }


@pytest.fixture(scope="module")
def signed_site(local_aws):
    """A distribution trusting one key group, its signer, and an origin bucket."""
    cf, s3 = clients.client("cloudfront"), clients.client("s3")
    origin = f"origin-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=origin)
    s3.put_object(Bucket=origin, Key="video.mp4", Body=b"bytes")
    key = keys.generate_private_key("rsa")
    key_id = _public_key(cf, key, "logs")
    group = cf.create_key_group(
        KeyGroupConfig={"Name": f"logs-{uuid.uuid4().hex[:8]}", "Items": [key_id]}
    )
    trusted = {
        "TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [group["KeyGroup"]["Id"]]}
    }
    config = _config("s3", f"{origin}.s3.amazonaws.com", oac=_oac(cf), default=trusted)
    dist = _distribution(cf, config)
    bucket_access.put_bucket_policy(origin, bucket_access.oac_policy(origin, dist["ARN"]), s3=s3)
    return dist, Signer(key_id, key), cf, s3


def _enable(cf, dist_id: str, logging: dict) -> None:
    current = cf.get_distribution_config(Id=dist_id)
    config = current["DistributionConfig"]
    config["Logging"] = logging
    cf.update_distribution(Id=dist_id, DistributionConfig=config, IfMatch=current["ETag"])


def _flush() -> list[dict]:
    edge = process.ensure_running().edge_endpoint
    headers = control.headers(process.runtime_file(), "application/json")
    reply = requests.post(f"{edge}/_cftutorial/logs/flush", headers=headers, timeout=30)
    return reply.json()["files"]


def _get(dist: dict, path: str, **kwargs) -> requests.Response:
    edge = process.ensure_running().edge_endpoint
    return requests.get(f"{edge}/{dist['DomainName']}{path}", timeout=30, **kwargs)


def _read(s3, bucket: str, key: str) -> list[str]:
    text = gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).decode()
    return text.splitlines()


@pytest.mark.localaws
def test_a_bucket_with_acls_disabled_is_refused_as_aws_refuses_it(signed_site):
    dist, _signer, cf, s3 = signed_site
    enforced = _bucket(s3, ownership=None)  # a new bucket: BucketOwnerEnforced (gap S1)
    with pytest.raises(ClientError) as caught:
        _enable(cf, dist["Id"], _logging(enforced))
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidArgument"
    assert error["Message"].startswith(
        "The S3 bucket that you specified for CloudFront logs does not enable ACL access: "
        f"{enforced}.s3.amazonaws.com"
    )


@pytest.mark.localaws
def test_a_missing_bucket_or_a_bucket_that_is_not_an_s3_domain_is_invalid_argument(signed_site):
    dist, _signer, cf, _s3 = signed_site
    for logging, said in (
        (_logging("no-such-bucket-for-logs"), "doesn't exist: no-such-bucket-for-logs"),
        ({**_logging("x"), "Bucket": "my-logs"}, "is not an S3 bucket domain"),
    ):
        with pytest.raises(ClientError) as caught:
            _enable(cf, dist["Id"], logging)
        assert caught.value.response["Error"]["Code"] == "InvalidArgument"
        assert said in caught.value.response["Error"]["Message"]


@pytest.mark.localaws
def test_enabling_logging_grants_awslogsdelivery_full_control(signed_site):
    dist, _signer, cf, s3 = signed_site
    bucket = _bucket(s3)
    _enable(cf, dist["Id"], _logging(bucket))
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert {"ID": AWSLOGSDELIVERY, "Type": "CanonicalUser"}.items() <= next(
        g["Grantee"] for g in grants if g["Grantee"].get("ID") == AWSLOGSDELIVERY
    ).items()
    assert any(
        g["Grantee"].get("ID") == AWSLOGSDELIVERY and g["Permission"] == "FULL_CONTROL"
        for g in grants
    )


@pytest.mark.localaws
def test_a_signature_403_is_logged_as_error_in_a_gzip_file_named_as_aws_names_it(signed_site):
    dist, signer, cf, s3 = signed_site
    bucket = _bucket(s3)
    _enable(cf, dist["Id"], _logging(bucket, prefix="clinic/"))
    url = f"https://{dist['DomainName']}/video.mp4"
    good = signer.sign_url(url, date_less_than=int(time.time()) + 600)
    refused = _get(dist, "/video.mp4")  # unsigned: MissingKey
    served = _get(dist, good.split(dist["DomainName"], 1)[1])
    assert (refused.status_code, served.status_code) == (403, 200)
    files = [f for f in _flush() if f["bucket"] == bucket]
    assert [f["outcome"] for f in files] == ["delivered"]
    key = files[0]["key"]
    assert re.fullmatch(
        rf"clinic/{dist['Id']}\.\d{{4}}-\d{{2}}-\d{{2}}-\d{{2}}\.[0-9a-f]{{8}}\.gz", key
    )
    lines = _read(s3, bucket, key)
    assert lines[:2] == access_logs.HEADER.splitlines()
    rows = [_fields(line) for line in lines[2:]]
    by_id = {row["x-edge-request-id"]: row for row in rows}
    denied = by_id[refused.headers["X-Amz-Cf-Id"]]
    assert (denied["sc-status"], denied["x-edge-result-type"]) == ("403", "Error")
    assert denied["x-edge-detailed-result-type"] == "Error"
    ok = by_id[served.headers["X-Amz-Cf-Id"]]
    assert (ok["sc-status"], ok["x-edge-result-type"], ok["cs-uri-stem"]) == (
        "200",
        "Miss",
        "/video.mp4",
    )
    signature = good.split("Signature=", 1)[1].split("&", 1)[0]
    assert signature[:8] + "%E2%80%A6" in ok["cs-uri-query"] and signature not in ok["cs-uri-query"]


@pytest.mark.localaws
def test_without_the_awslogsdelivery_grant_the_file_is_dropped(signed_site):
    dist, _signer, cf, s3 = signed_site
    bucket = _bucket(s3)
    _enable(cf, dist["Id"], _logging(bucket))
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    s3.put_bucket_acl(
        Bucket=bucket,
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [
                {
                    "Grantee": {"ID": owner["ID"], "Type": "CanonicalUser"},
                    "Permission": "FULL_CONTROL",
                }
            ],
        },
    )
    assert _get(dist, "/video.mp4").status_code == 403
    files = [f for f in _flush() if f["bucket"] == bucket]
    assert len(files) == 1 and files[0]["outcome"].startswith("dropped: ")
    assert "awslogsdelivery" in files[0]["outcome"]
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


@pytest.mark.localaws
def test_the_edge_delivers_by_itself_after_a_few_seconds(signed_site):
    dist, _signer, cf, s3 = signed_site
    bucket = _bucket(s3)
    _enable(cf, dist["Id"], _logging(bucket, prefix="auto/"))
    assert _get(dist, "/video.mp4").status_code == 403
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not s3.list_objects_v2(Bucket=bucket).get("KeyCount"):
        time.sleep(0.5)
    listing = s3.list_objects_v2(Bucket=bucket, Prefix="auto/")
    assert listing.get("KeyCount") == 1, "no log file was delivered without a flush"


@pytest.mark.localaws
def test_a_distribution_without_logging_writes_nothing(signed_site):
    dist, _signer, cf, _s3 = signed_site
    current = cf.get_distribution_config(Id=dist["Id"])
    config = current["DistributionConfig"]
    config["Logging"] = {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}
    cf.update_distribution(Id=dist["Id"], DistributionConfig=config, IfMatch=current["ETag"])
    _flush()
    assert _get(dist, "/video.mp4").status_code == 403
    assert not [f for f in _flush() if f["key"].split("/")[-1].startswith(dist["Id"])]


@pytest.mark.localaws
def test_a_web_page_cannot_ask_the_edge_to_deliver_its_logs(signed_site):
    """The flush endpoint is a control endpoint: without the per-start token 403, and a simple
    (text/plain) POST is refused even with it; the package's own client gets the file list."""
    edge = process.ensure_running().edge_endpoint
    url = f"{edge}/_cftutorial/logs/flush"
    anonymous = requests.post(url, headers={"Origin": "https://evil.example"}, timeout=30)
    assert anonymous.status_code == 403 and "X-Cftutorial-Token" in anonymous.text
    assert "Access-Control-Allow-Origin" not in anonymous.headers
    token = control.headers(process.runtime_file())
    plain = requests.post(url, headers={**token, "Content-Type": "text/plain"}, timeout=30)
    assert plain.status_code == 415, plain.text
    assert isinstance(_flush(), list)
