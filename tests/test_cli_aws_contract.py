"""`cftutorial sign` / `sign-cookies` keep the AWS CLI v2's contract.

Two parts. First, the contract written from the AWS CLI v2 sources (awscli/customizations/
cloudfront/sign.py): ``--resource`` for cookies, its choice of policy, its scheme checks, a JSON
map of cookies. Second, the AWS CLI's shared sign/cookie test cases
(tests/functional/cloudfront/testdata/*.json with their keys), run as they are when
``$CFTUTORIAL_AWSCLI_CASES`` names a folder holding them (they are not vendored here); their RSA
key is 1024 bits, so those runs pass ``--allow-test-key``.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from cftutorial.cli import main
from cftutorial.signing import keys
from cftutorial.signing.urls import RESERVED_PARAMS
from cftutorial.signing.verify import verify

BASE = "https://d111111abcdef8.cloudfront.net"
EXPIRES = "2100-01-01"


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("aws-contract-keys")
    for kind in keys.KINDS:
        keys.write_key_pair(folder, kind=kind, name=kind)
    return folder


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse: a missing required flag
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def signing(key_dir: Path, kind: str = "rsa") -> list[str]:
    return [
        "--key-pair-id",
        "K2JCJMDEHXQW5F",
        "--private-key",
        f"file://{key_dir}/{kind}_private_key.pem",
        "--date-less-than",
        EXPIRES,
    ]


def query(url: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in url.split("?", 1)[1].split("&"))


def policy_of(value: str) -> dict:
    return json.loads(base64.b64decode(value.translate(str.maketrans("-_~", "+=/"))))


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        ([], "canned"),
        (["--policy-resource", f"{BASE}/videos/a.mp4"], "canned"),  # equals --url: canned
        (["--policy-resource", f"{BASE}/videos/*"], "custom"),
        (["--date-greater-than", "2000-01-01"], "custom"),
        (["--ip-address", "192.0.2.0/24"], "custom"),
    ],
)
def test_sign_chooses_the_policy_as_the_aws_cli_v2(capsys, key_dir, extra, kind) -> None:
    code, out, _ = run(capsys, "sign", "--url", f"{BASE}/videos/a.mp4", *signing(key_dir), *extra)
    assert code == 0
    assert ("Expires" in query(out.strip())) == (kind == "canned")
    assert ("Policy" in query(out.strip())) == (kind == "custom")


def test_url_with_a_star_gets_a_custom_policy(capsys, key_dir) -> None:
    code, out, _ = run(capsys, "sign", "--url", f"{BASE}/videos/*", *signing(key_dir))
    assert code == 0
    statement = policy_of(query(out.strip())["Policy"])["Statement"][0]
    assert statement["Resource"] == f"{BASE}/videos/*"


def test_library_and_cli_choose_alike(key_dir) -> None:
    from cftutorial.signing.signer import Signer

    signer = Signer("K2JCJMDEHXQW5F", key_dir / "rsa_private_key.pem")
    same = signer.sign_url(f"{BASE}/a.mp4", policy_resource=f"{BASE}/a.mp4", date_less_than=EXPIRES)
    star = signer.sign_url(f"{BASE}/*", date_less_than=EXPIRES)
    assert "Expires=" in same and "Policy=" not in same
    assert "Policy=" in star


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("video.mp4", "--url='video.mp4' is not an absolute http:// or https:// URL"),
        ("ftp://x/a", "--url='ftp://x/a' is not an absolute http:// or https:// URL"),
        (f"{BASE}/a.mp4#t=10", "'#' fragment"),
        (f'{BASE}/a".mp4', "may not contain quotes"),
    ],
)
def test_sign_refuses_what_the_aws_cli_refuses_with_the_reason(capsys, key_dir, url, message):
    code, out, err = run(capsys, "sign", "--url", url, *signing(key_dir))
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_url_outside_the_policy_resource_is_refused(capsys, key_dir) -> None:
    code, _, err = run(
        capsys,
        "sign",
        "--url",
        f"{BASE}/other/a.mp4",
        "--policy-resource",
        f"{BASE}/videos/*",
        *signing(key_dir),
    )
    assert code == 2 and f"is outside --policy-resource '{BASE}/videos/*'" in err


@pytest.mark.parametrize("flag", ["--resource", "--policy-resource", "--url"])
def test_sign_cookies_takes_resource_and_prints_a_json_map(capsys, key_dir, flag) -> None:
    code, out, _ = run(capsys, "sign-cookies", flag, f"{BASE}/videos/*", *signing(key_dir))
    assert code == 0
    cookies = json.loads(out)
    assert set(cookies) == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    public = keys.load_public_key(key_dir / "rsa_public_key.pem")
    verdict = verify(
        f"{BASE}/videos/x.mp4", trusted_keys={"K2JCJMDEHXQW5F": public}, cookies=cookies
    )
    assert verdict.allowed, verdict.reason


def test_sign_cookies_without_a_resource_names_the_flag(capsys, key_dir) -> None:
    code, _, err = run(capsys, "sign-cookies", *signing(key_dir))
    assert code == 2 and "sign-cookies needs --resource" in err


def test_1024_bit_key_is_refused_for_real_signing_with_the_reason(capsys, tmp_path) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = tmp_path / "small.pem"
    small.write_bytes(keys.private_key_pem(rsa.generate_private_key(65537, 1024)))
    small.chmod(0o600)
    argv = ["sign", "--url", f"{BASE}/a", "--key-pair-id", "K1", "--private-key", str(small)]
    code, _, err = run(capsys, *argv, "--date-less-than", EXPIRES)
    assert code == 2
    assert "RSA key of 1024 bits" in err and "--allow-test-key" in err
    code, out, _ = run(capsys, *argv, "--date-less-than", EXPIRES, "--allow-test-key")
    assert code == 0 and "Signature=" in out


# --- the AWS CLI's shared test cases ---------------------------------------------------------

CASES_DIR = os.environ.get("CFTUTORIAL_AWSCLI_CASES", "")
OPTIONAL = {
    "expirationDate": "--date-less-than",
    "activeDate": "--date-greater-than",
    "ipRange": "--ip-address",
    "hashAlgorithm": "--hash-algorithm",
}
PUBLIC = {"K1TESTKEY": "test-rsa-key-public.pem", "K2ECDSATEST": "test-ecdsa-key-public.pem"}


def shared_cases(name: str) -> list[dict]:
    path = Path(CASES_DIR) / name
    return json.loads(path.read_text()) if CASES_DIR and path.is_file() else []


needs_cases = pytest.mark.skipif(
    not CASES_DIR,
    reason="set CFTUTORIAL_AWSCLI_CASES to a folder with the AWS CLI's cloudfront testdata",
)


def case_args(case: dict) -> list[str]:
    given = case["input"]
    argv = ["--key-pair-id", given["keyPairId"], "--private-key"]
    argv.append(f"file://{Path(CASES_DIR) / given['privateKeyFile']}")
    for name, flag in OPTIONAL.items():
        if name in given:
            argv += [flag, str(given[name])]
    return [*argv, "--allow-test-key", "--allow-past"]


def check_signature(case: dict, signature: str) -> None:
    expected = case["expected"]
    public = keys.load_public_key(
        Path(CASES_DIR) / PUBLIC[case["input"]["keyPairId"]], test_key=True
    )
    url = expected.get("applyTo", case["input"]["resource"])
    params = {"Signature": signature, "Key-Pair-Id": case["input"]["keyPairId"]}
    if "ECDSA" in expected["signatureAlgorithm"] or "SHA256" in expected["signatureAlgorithm"]:
        params["Hash-Algorithm"] = "SHA256"
    policy = base64.b64encode(expected["policyJson"].encode()).decode()
    params["Policy"] = policy.translate(str.maketrans("+=/", "-_~"))
    signed = url + ("&" if "?" in url else "?") + "&".join(f"{k}={v}" for k, v in params.items())
    at = json.loads(expected["policyJson"])["Statement"][0]["Condition"]["DateLessThan"]
    verdict = verify(
        signed,
        trusted_keys={case["input"]["keyPairId"]: public},
        at=at["AWS:EpochTime"] - 1,
        viewer_ip=(
            json.loads(expected["policyJson"])["Statement"][0]["Condition"].get("IpAddress") or {}
        )
        .get("AWS:SourceIp", "0.0.0.0/0")
        .split("/")[0],
    )
    assert verdict.allowed, verdict.reason
    if not expected.get("verifyCryptographically"):  # RSA is deterministic: byte for byte
        wanted = expected.get("signature") or expected["cookies"]["CloudFront-Signature"]
        assert signature == wanted


@needs_cases
@pytest.mark.parametrize("case", shared_cases("sign-test-cases.json"), ids=lambda c: c["id"])
def test_aws_cli_shared_sign_case(capsys, case) -> None:
    expected = case["expected"]
    given = case["input"]
    url = expected.get("applyTo", given["resource"])
    extra = [] if "applyTo" not in expected else ["--policy-resource", given["resource"]]
    code, out, err = run(capsys, "sign", "--url", url, *extra, *case_args(case))
    if expected.get("error"):
        assert code != 0 and out == "" and "Traceback" not in err
        for term in expected["errorContains"]:
            assert term.lower() in err.lower(), err
        return
    assert code == 0, err
    assert out.startswith(url + ("&" if "?" in url else "?"))
    params = query(out.strip())
    for name, value in expected["queryParams"].items():
        assert params[name] == value
    # Nothing more: exactly the signing parameters the case lists, the signature and, for a
    # custom policy, the policy (a stray Policy beside Expires would change what is verified).
    canned = "Expires" in expected["queryParams"]
    wanted = {"Signature", *expected["queryParams"], *(() if canned else ("Policy",))}
    assert {name for name in params if name in RESERVED_PARAMS} == wanted & set(RESERVED_PARAMS)
    if "Expires" not in expected["queryParams"]:
        assert policy_of(params["Policy"]) == json.loads(expected["policyJson"])
        assert (
            base64.b64decode(params["Policy"].translate(str.maketrans("-_~", "+=/"))).decode()
            == (expected["policyJson"])
        )
    check_signature(case, params["Signature"])


@needs_cases
@pytest.mark.parametrize(
    "case", shared_cases("sign-cookies-test-cases.json"), ids=lambda c: c["id"]
)
def test_aws_cli_shared_cookie_case(capsys, case) -> None:
    expected = case["expected"]
    code, out, err = run(
        capsys, "sign-cookies", "--resource", case["input"]["resource"], *case_args(case)
    )
    if expected.get("error"):
        assert code != 0 and out == "" and "Traceback" not in err
        for term in expected["errorContains"]:
            assert term.lower() in err.lower(), err
        return
    assert code == 0, err
    cookies = json.loads(out)
    expected_names = set(expected["cookies"]) | {"CloudFront-Signature"}
    assert set(cookies) == expected_names
    for name, value in expected["cookies"].items():
        assert cookies[name] == value
    check_signature(case, cookies["CloudFront-Signature"])


def test_ecdsa_signs_with_sha256_unless_told_and_refuses_sha1(capsys, key_dir) -> None:
    """Decision (issue 14): the AWS CLI v2 refuses ECDSA + SHA-1 and defaults ECDSA to SHA-256;
    the Ruby SDK accepts SHA-1; AWS documents neither. We follow the AWS CLI when signing."""
    argv = ["sign", "--url", f"{BASE}/a.mp4", *signing(key_dir, "ecdsa")]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and query(out.strip())["Hash-Algorithm"] == "SHA256"
    code, out, err = run(capsys, *argv, "--hash-algorithm", "SHA1")
    assert code == 2 and out == ""
    assert "--hash-algorithm SHA1 cannot be used with an ECDSA key" in err
    code, out, _ = run(capsys, "sign", "--url", f"{BASE}/a.mp4", *signing(key_dir, "rsa"))
    assert code == 0 and "Hash-Algorithm" not in out  # RSA keeps CloudFront's default, SHA-1


def test_library_default_hash_follows_the_key(key_dir) -> None:
    from cftutorial.signing.signer import Signer

    assert Signer("K1", key_dir / "ecdsa_private_key.pem").hash_algorithm == "SHA256"
    assert Signer("K1", key_dir / "rsa_private_key.pem").hash_algorithm == "SHA1"
    assert Signer("K1", key_dir / "ecdsa_private_key.pem", "SHA1").hash_algorithm == "SHA1"
