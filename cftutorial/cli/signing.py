"""``cftutorial keys create`` and ``keys check``, ``sign``, ``sign-cookies`` and ``verify``.

``sign`` and ``sign-cookies`` take the flags of ``aws cloudfront sign``, so what a learner types
here also works against AWS. ``--kms-key-id`` instead of ``--private-key`` signs through AWS KMS
(``keys create --kms`` makes such a key): no private key exists on this machine. In local mode
that is the local AWS's KMS (started on demand, never with real credentials). ``verify`` answers what CloudFront would: exit 0 when allowed, 1
when denied, with the error code and the reason.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys

from ..errors import CookieOptionError, SigningKeyError
from ..signing import keys, policy, rules
from ..signing.signer import Signer, check_policy_resource, check_url
from ..signing.verify import requested_key_pair_id, verify

EXIT_DENIED = 1
#: Where a password-protected private key's password comes from when there is no terminal to ask on.
ENV_KEY_PASSWORD = "CFTUTORIAL_PRIVATE_KEY_PASSWORD"


def register(commands: argparse._SubParsersAction) -> None:
    _register_keys(commands)
    sign = commands.add_parser("sign", help="print a signed URL (flags of `aws cloudfront sign`)")
    _signing_flags(sign)
    sign.set_defaults(handler=run_sign)
    cookies = commands.add_parser(
        "sign-cookies",
        help="print signed cookies as a JSON map (flags of `aws cloudfront sign-cookies`)",
    )
    _signing_flags(cookies, for_cookies=True)
    cookies.set_defaults(handler=run_sign_cookies)
    _register_verify(commands)


def _register_keys(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "keys", help="create a CloudFront signing key pair, or check a private key"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="write NAME_private_key.pem (mode 0600) and NAME_public_key.pem"
    )
    create.add_argument("--type", choices=keys.KINDS, default=keys.KIND_RSA, help="default: rsa")
    create.add_argument(
        "--kms",
        action="store_true",
        help="create the key in AWS KMS (RSA_2048 or ECC_NIST_P256): only NAME_public_key.pem is "
        "written, for create_public_key; the private key never leaves KMS",
    )
    create.add_argument("--out", required=True, metavar="DIR", help="directory for the two files")
    create.add_argument(
        "--name", default="cloudfront", help="file name prefix (default: cloudfront)"
    )
    create.add_argument("--force", action="store_true", help="replace existing key files")
    create.add_argument(
        "--format",
        choices=keys.FORMATS,
        default="pkcs8",
        help="private key file format: pkcs8 (default, 'BEGIN PRIVATE KEY') or pkcs1 (RSA only, "
        "'BEGIN RSA PRIVATE KEY', which `aws cloudfront sign` of AWS CLI v1 needs)",
    )
    create.add_argument(
        "--encrypt",
        action="store_true",
        help=f"protect the private key with a password (asked on the terminal, else ${ENV_KEY_PASSWORD})",
    )
    create.set_defaults(handler=run_keys_create)
    check = actions.add_parser(
        "check",
        help="the key doctor: what stops a private key from signing, before any request "
        "(exit 0 clean, 1 findings)",
    )
    check.add_argument(
        "file",
        metavar="FILE",
        help="the private key file (PEM or DER; file://path too), or - to read it from standard "
        "input (e.g. printf '%%s' \"$KEY\" | cftutorial keys check -)",
    )
    check.add_argument(
        "--distribution",
        metavar="ID",
        help="also find the CloudFront public key that matches and the distribution's behaviours "
        "that trust it (read-only; aws mode uses the standard credential chain)",
    )
    check.add_argument(
        "--registered",
        action="store_true",
        help="also find the CloudFront public key that matches, without a distribution",
    )
    check.add_argument("--json", action="store_true", help="the report as one JSON object")
    check.set_defaults(handler=run_keys_check)


def add_policy_flags(
    parser: argparse.ArgumentParser,
    *,
    policy_resource_help: str = "custom policy resource (wildcards * and ?)",
) -> None:
    """The flags of ``aws cloudfront sign`` after ``--url``; ``cftutorial batch`` takes them too."""
    parser.add_argument(
        "--key-pair-id",
        required=True,
        help="the CloudFront public key's Id (Key-Pair-Id), e.g. K2JCJMDEHXQW5F",
    )
    key = parser.add_mutually_exclusive_group(required=True)
    key.add_argument("--private-key", metavar="PATH", help="PEM file, as a path or file://path")
    key.add_argument(
        "--kms-key-id",
        metavar="ID",
        help="sign through AWS KMS with this key (KeyId, key ARN or alias/NAME) instead of a "
        "private key file; implies --hash-algorithm SHA256",
    )
    parser.add_argument(
        "--date-less-than",
        required=True,
        metavar="TIME",
        help="expiry: relative (24h, 90m, 7d), ISO 8601 (2030-01-01T00:00:00Z) or epoch seconds",
    )
    parser.add_argument(
        "--date-greater-than",
        metavar="TIME",
        help="start (custom policy): relative (now, use = for -5m), ISO 8601 or epoch seconds",
    )
    parser.add_argument(
        "--ip-address",
        metavar="IP",
        help="viewer IPv4 address or CIDR range (custom policy), e.g. 192.0.2.0/24",
    )
    parser.add_argument("--policy-resource", metavar="RESOURCE", help=policy_resource_help)
    parser.add_argument(
        "--hash-algorithm",
        type=str.upper,
        choices=rules.HASH_ALGORITHMS,
        default=None,
        help="signature hash (default: SHA1 for RSA, CloudFront's default; SHA256 for ECDSA, "
        "which is refused with SHA1 as the AWS CLI v2 does)",
    )


def _signing_flags(parser: argparse.ArgumentParser, *, for_cookies: bool = False) -> None:
    if for_cookies:
        parser.add_argument(
            "--resource",
            help="what the cookies open (wildcards * and ?), e.g. https://d….net/videos/*",
        )
        parser.add_argument("--url", help="the same as --resource (kept for older scripts)")
    else:
        parser.add_argument(
            "--url",
            required=True,
            help="the viewer URL, http:// or https:// (spaces and non-ASCII are percent-encoded "
            "for you, as browsers and requests send them)",
        )
    add_policy_flags(parser)
    parser.add_argument(
        "--allow-past", action="store_true", help="allow an expiry already past (demonstrations)"
    )
    parser.add_argument(
        "--allow-test-key",
        action="store_true",
        help="accept a 1024-bit RSA key such as the AWS SDKs' published test key (test vectors "
        "only: CloudFront refuses such keys)",
    )


def _register_verify(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "verify", help="what CloudFront would answer a viewer (exit 0 allowed, 1 denied)"
    )
    parser.add_argument("url", metavar="URL", help="the signed (or unsigned) viewer URL")
    parser.add_argument(
        "--public-key", required=True, metavar="PEM", help="trusted public key file"
    )
    parser.add_argument(
        "--key-pair-id", help="the id the key is trusted under (default: the one the request names)"
    )
    parser.add_argument(
        "--at",
        metavar="TIME",
        help="request time: relative (-1h, 30m), ISO 8601 or epoch seconds (default: now)",
    )
    parser.add_argument("--ip", metavar="IP", help="viewer IP address")
    parser.add_argument(
        "--cookie", action="append", default=[], metavar="NAME=VALUE", help="a cookie (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="the verdict as one JSON object")
    parser.set_defaults(handler=run_verify)


def run_keys_create(args: argparse.Namespace) -> int:
    if args.kms:
        return _keys_create_kms(args)
    password = _new_password() if args.encrypt else None
    files = keys.write_key_pair(
        args.out,
        kind=args.type,
        name=args.name,
        overwrite=args.force,
        format=args.format,
        password=password,
    )
    protected = ", password-protected" if password else ""
    print(
        f"private key ({files.kind}, {args.format}, mode 0600{protected}, keep it secret): "
        f"{files.private_key_path}"
    )
    print(f"public key (for create_public_key): {files.public_key_path}")
    if args.format == "pkcs8" and files.kind == keys.KIND_RSA:
        print("tools that need 'BEGIN RSA PRIVATE KEY' (AWS CLI v1): create with --format pkcs1")
    return 0


def run_keys_check(args: argparse.Namespace) -> int:
    """The key doctor (:func:`cftutorial.audit.keys.check_key`): a table or ``--json``; exit 0
    when clean, 1 with findings. An encrypted key is opened with $CFTUTORIAL_PRIVATE_KEY_PASSWORD
    when it is set (never asked for: a check must not wait on a terminal)."""
    from ..audit.keys import check_key

    source = sys.stdin.buffer.read() if args.file == "-" else args.file
    from_env = os.environ.get(ENV_KEY_PASSWORD)
    cf = None
    if args.registered and args.distribution is None:
        from ..aws import clients

        cf = clients.client("cloudfront", read_only=True)
    report = check_key(
        source,
        distribution_id=args.distribution,
        cf=cf,
        password=from_env.encode() if from_env else None,
    )
    if args.file == "-":
        report.subject = "standard input"
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(key_report_table(report))
    return 0 if report.clean else EXIT_DENIED


def key_report_table(report) -> str:  # report: audit.keys.KeyReport
    """What was found, then one block per finding (most severe first), then the verdict."""
    found = [
        ("key", report.subject),
        ("form", report.form or "(not a private key)"),
        ("kind", report.kind or "(not opened)"),
    ]
    if "key-not-registered" in report.checked:
        found.append(("CloudFront public key", report.key_id or "(none matches)"))
    if "key-not-trusted" in report.checked:
        found.append(("trusted by behaviours", ", ".join(report.trusted_by) or "(none)"))
    found.append(("checked", ", ".join(report.checked)))
    width = max(len(name) for name, _ in found)
    lines = [f"{name:<{width}}  {value}" for name, value in found]
    rows = report.rows()
    if rows:
        lines.append("")
        severity = max(len(text) for text in ["SEVERITY", *(row["severity"] for row in rows)])
        rule = max(len(text) for text in ["RULE", *(row["rule"] for row in rows)])
        lines.append(f"{'SEVERITY':<{severity}}  {'RULE':<{rule}}  WHERE")
        for row in rows:
            lines.append(f"{row['severity']:<{severity}}  {row['rule']:<{rule}}  {row['where']}")
            indent = " " * (severity + 2)
            lines.append(f"{indent}{row['what it means']}")
            lines.append(f"{indent}fix: {row['fix']}")
    lines.append("")
    lines.append(
        "no findings: nothing stops this key from signing"
        if report.clean
        else f"{len(rows)} finding(s)"
    )
    return "\n".join(lines)


def _keys_create_kms(args: argparse.Namespace) -> int:
    """A KMS signing key and its public PEM; refuses the flags that only a key file has."""
    from ..aws import clients
    from ..aws import kms as kms_keys

    for flag, used in (("--encrypt", args.encrypt), ("--format", args.format != "pkcs8")):
        if used:
            raise SigningKeyError(
                f"{flag} cannot be used with --kms: KMS keeps the private key, no key file is "
                "written; leave it out"
            )
    keys.check_can_write_public(args.out, name=args.name, overwrite=args.force)
    kms = clients.client("kms")
    key_id = kms_keys.create_signing_key(args.type, run_name=args.name, kms=kms)
    pem = kms_keys.public_key_pem(key_id, kms=kms)
    public_path = keys.write_public_key(args.out, pem, name=args.name, overwrite=args.force)
    print(f"KMS key ({kms_keys.KEY_SPECS[args.type]}, in {kms.meta.region_name}): {key_id}")
    print(f"public key (for create_public_key): {public_path}")
    print(
        "no private key was written: it stays in KMS; sign with "
        f"--kms-key-id {key_id} (SHA-256). Delete it with `aws kms schedule-key-deletion "
        f"--key-id {key_id} --pending-window-in-days 7` (KMS waits 7 to 30 days)"
    )
    return 0


def _new_password() -> bytes:
    """A new key's password: typed twice on a terminal (never echoed), else from the environment."""
    from_env = os.environ.get(ENV_KEY_PASSWORD)
    if from_env:
        return from_env.encode()
    if not sys.stdin.isatty():
        raise SigningKeyError(
            f"--encrypt needs a password: run it in a terminal to type it, or set {ENV_KEY_PASSWORD}"
        )
    first = getpass.getpass("password for the new private key: ")
    if first != getpass.getpass("the same password again: "):
        raise SigningKeyError("the two passwords differ; nothing was written, run it again")
    return first.encode()


def private_key(source: str, *, test_key: bool = False) -> keys.PrivateKey:
    """The ``--private-key`` key; a password-protected one asks for its password (or reads
    ``$CFTUTORIAL_PRIVATE_KEY_PASSWORD``), never from the command line."""
    if not keys.is_encrypted(source):
        return keys.load_private_key(source, test_key=test_key)
    from_env = os.environ.get(ENV_KEY_PASSWORD)
    if from_env:
        return keys.load_private_key(source, password=from_env.encode(), test_key=test_key)
    if not sys.stdin.isatty():
        raise SigningKeyError(
            f"--private-key {source} is password-protected: run in a terminal to type the "
            f"password, or set {ENV_KEY_PASSWORD}"
        )
    return keys.load_private_key(
        source, password=getpass.getpass("private key password: ").encode(), test_key=test_key
    )


def kms_external(key_id: str, hash_algorithm: str | None):  # -> aws.kms.KmsSigner
    """The KMS key of ``--kms-key-id``, checked (id, existence, usage) before anything is signed;
    SHA-256 only, so another ``--hash-algorithm`` is refused by flag."""
    from ..aws import clients
    from ..aws import kms as kms_keys

    if hash_algorithm not in (None, "SHA256"):
        raise SigningKeyError(
            f"--hash-algorithm {hash_algorithm} cannot be used with --kms-key-id: KMS signs "
            "CloudFront keys only with SHA-256; leave --hash-algorithm out or use SHA256"
        )
    kms_keys.check_key_id(key_id, name="--kms-key-id")
    return kms_keys.KmsSigner(key_id, kms=clients.client("kms"), name="--kms-key-id")


def kms_signer(key_id: str, key_pair_id: str, hash_algorithm: str | None) -> Signer:
    """A signer through KMS for ``--kms-key-id``."""
    return Signer(key_pair_id, external=kms_external(key_id, hash_algorithm))


def _signer(args: argparse.Namespace) -> Signer:
    if args.kms_key_id is not None:
        return kms_signer(args.kms_key_id, args.key_pair_id, args.hash_algorithm)
    test_key = getattr(args, "allow_test_key", False)
    key = private_key(args.private_key, test_key=test_key)
    algorithm = rules.hash_for(keys.key_kind(key), args.hash_algorithm, name="--hash-algorithm")
    return Signer(args.key_pair_id, key, algorithm, test_key=test_key)


def _policy_options(args: argparse.Namespace) -> dict:
    """The policy flags, checked here so that a message names the flag, not a Python argument."""
    expires = rules.check_not_past(
        policy.parse_time(args.date_less_than, name="--date-less-than"),
        allow_past=args.allow_past,
        name="--date-less-than",
        allow="--allow-past",
    )
    start = None
    if args.date_greater_than is not None:
        start = rules.check_starts_before(
            policy.parse_time(args.date_greater_than, name="--date-greater-than"),
            expires,
            names=("--date-greater-than", "--date-less-than"),
        )
    return {
        "date_less_than": expires,
        "date_greater_than": start,
        "ip_address": None
        if args.ip_address is None
        else policy.check_ip(args.ip_address, name="--ip-address"),
        "allow_past": args.allow_past,
    }


def run_sign(args: argparse.Namespace) -> int:
    url = check_url(args.url, name="--url")
    resource = args.policy_resource
    if resource is not None:
        resource = check_policy_resource(resource, name="--policy-resource")
        rules.check_covers(resource, url, names=("--url", "--policy-resource"))
    print(_signer(args).sign_url(url, policy_resource=resource, **_policy_options(args)))
    return 0


def run_sign_cookies(args: argparse.Namespace) -> int:
    """``--resource`` (AWS CLI v2), else ``--policy-resource`` or ``--url`` (older spellings)."""
    flag, resource = next(
        (
            (flag, value)
            for flag, value in (
                ("--resource", args.resource),
                ("--policy-resource", args.policy_resource),
                ("--url", args.url),
            )
            if value is not None
        ),
        ("--resource", None),
    )
    if resource is None:
        raise CookieOptionError(
            "sign-cookies needs --resource: the URL or pattern the cookies open, "
            "e.g. --resource 'https://media.example.com/videos/*'"
        )
    resource = check_policy_resource(resource, name=flag)
    cookies = _signer(args).sign_cookies(resource, **_policy_options(args))
    print(json.dumps(cookies, indent=2))
    return 0


def run_verify(args: argparse.Namespace) -> int:
    cookies = dict(_cookie(text) for text in args.cookie)
    key = keys.load_public_key(args.public_key, test_key=True)  # verifying test vectors is harmless
    key_id = args.key_pair_id or requested_key_pair_id(args.url, cookies) or "(none)"
    verdict = verify(
        args.url,
        trusted_keys={key_id: key},
        cookies=cookies,
        viewer_ip=args.ip,
        at=None if args.at is None else policy.parse_time(args.at, name="--at"),
    )
    if args.json:
        print(json.dumps(verdict.to_dict(), indent=2))
    elif verdict.allowed:
        print(f"allowed: {verdict.reason}")
    else:
        print(f"denied: {verdict.code} ({verdict.message}): {verdict.reason}")
    return 0 if verdict.allowed else EXIT_DENIED


def _cookie(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name.strip():
        raise CookieOptionError(f"--cookie {text!r} is not NAME=VALUE; e.g. CloudFront-Policy=eyJ…")
    return name.strip(), value.strip()
