"""Notebook 09: the 403 clinic — ten broken requests, why the edge refuses each, and the fix.

The notebook's cells show each signing call and each boto3 call (``create_public_key``,
``update_key_group``, ``put_bucket_policy``, ``update_distribution`` with ``Logging``). This
module adds what they do not: the run's clinic (its saved ids and key), a signer that signs
*exactly* what it is given (the hand-written signing code the broken cases come from; the
tutorial's own ``Signer`` refuses or repairs these mistakes), sending a URL through the edge and
putting the edge's answer, its decision and the inspector's verdict side by side, and recording
what the cases change (standard logging, the bucket policy, the retired key) in the run's
put-back records before they change it (:mod:`cftutorial.run.putback`), so the put-back at the
start and at the end leaves later notebooks working after a re-run or a crash half-way.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from botocore.exceptions import ClientError

from .. import config
from ..aws import bucket_access, clients, signing_keys
from ..aws.missing import is_missing
from ..errors import SignedUrlError
from ..run import names, putback
from ..run.modern import require_modern
from ..run.resources import delete_bucket
from ..run.urls import viewer_url
from ..signing import keys, policy, urls, verify
from ..signing.signer import Signer
from . import forms, saved, signing_key, state, viewer

CASES = 10
HOLIDAY_KEY = "clinic/Vidéo de vacances.mp4"  # a space and a non-ASCII letter, on purpose


@dataclass
class Clinic:
    """The run the clinic works on, and every case's outcome so far."""

    run: state.Run
    bucket: str
    distribution_id: str
    domain: str
    key_group_id: str
    signer: Signer
    results: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def run_name(self) -> str:
        return self.run.name

    def url(self, key: str) -> str:
        """``https://DOMAIN/KEY`` as typed (not yet percent-encoded)."""
        return viewer_url(self.domain, key)

    @property
    def distribution_arn(self) -> str:
        return bucket_access.distribution_arn(self.distribution_id)

    def broken(self, case: str, url: str, cookies: Mapping[str, str] | None = None) -> Any:
        """Send the broken request: the answer, the edge's and the inspector's why, as rows."""
        return forms.side_by_side({"broken": self._attempt(case, "broken", url, cookies)})

    def fixed(self, case: str, url: str, cookies: Mapping[str, str] | None = None) -> Any:
        return forms.side_by_side({"fixed": self._attempt(case, "fixed", url, cookies)})

    def show_case(
        self,
        case: str,
        broken_url: str,
        fixed_url: str,
        cookies: tuple[Mapping[str, str], Mapping[str, str]] | None = None,
    ) -> Any:
        """Both requests of one case side by side (``cookies``: the broken and the fixed cookie
        dicts): one row per field, one column per request, so that each column is wide."""
        return forms.side_by_side(
            {
                "broken": self._attempt(case, "broken", broken_url, cookies and cookies[0]),
                "fixed": self._attempt(case, "fixed", fixed_url, cookies and cookies[1]),
            }
        )

    def _attempt(
        self, case: str, attempt: str, url: str, cookies: Mapping[str, str] | None
    ) -> dict[str, Any]:
        response = send(url, cookies)
        self.results.setdefault(case, {})[attempt] = response.status_code
        described = viewer.describe_response(response)
        return {
            "GET (as sent)": as_sent(str(response.request.url)),
            "status": response.status_code,
            "code": described["code"] or "-",
            "message": described["message"] or "-",
            "answered by": described["from"],
            # the edge decided on the path as sent: spaces and non-ASCII percent-encoded
            "edge's decision": viewer.edge_reason(
                _as_sent(url), response, distribution=self.distribution_id
            ),
            "inspector": inspect(self, url, cookies),
        }

    def summary(self) -> list[dict[str, Any]]:
        return [
            {"case": case, "broken": got.get("broken"), "fixed": got.get("fixed")}
            for case, got in self.results.items()
        ]


def check_run(run: state.Run, approach: str = "modern") -> saved.Checked:
    """Before the clinic: the modern path (key groups), and the run's resources as saved.

    See :func:`cftutorial.tutorial.saved.check`: what can be repaired is, and said in
    ``.report()``; what cannot is one message naming the notebook or command that fixes it.
    """
    require_modern(run.values(), "09", approach)
    return saved.check(run, "bucket", "distribution", "signing_key")


def open_clinic(run: state.Run) -> Clinic:
    """The run's clinic: its bucket, distribution, key group and signer (after :func:`check_run`)."""
    signing = run.require("signing_key")
    dist = run.require("distribution")
    return Clinic(
        run=run,
        bucket=run.require("bucket"),
        distribution_id=dist["id"],
        domain=dist["domain_name"],
        key_group_id=signing.get("key_group_id") or "",
        signer=signing_key.signer_for(run),
    )


def send(url: str, cookies: Mapping[str, str] | None = None) -> requests.Response:
    """The viewer's GET (``requests`` percent-encodes spaces and non-ASCII as a browser does)."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    return requests.get(viewer.request_url(url), headers=headers, timeout=viewer.TIMEOUT)


def inspect(clinic: Clinic, url: str, cookies: Mapping[str, str] | None = None) -> str:
    """The inspector's verdict on the request as sent, against the run's trusted key; an
    untrusted Key-Pair-Id is named for what it is (the key group's id, a key out of the group)."""
    trusted = signing_key.trusted_keys(clinic.run)
    verdict = verify.verify(
        _as_sent(url),
        trusted_keys=trusted,
        cookies=dict(cookies) if cookies else None,
        viewer_ip="127.0.0.1",
        untrusted=untrusted_ids(clinic, trusted),
    )
    return ("allowed: " if verdict.allowed else f"{verdict.code}: ") + verdict.reason


def untrusted_ids(clinic: Clinic, trusted: Mapping[str, Any], *, cf: Any = None) -> dict[str, str]:
    """What the account's other ids are, for an ``InvalidKey`` reason: the key group's own id,
    and each public key that is registered but not trusted (not in the key group)."""
    cf = cf or clients.client("cloudfront")
    known = {}
    if clinic.key_group_id:
        known[clinic.key_group_id] = (
            f"the id of key group {clinic.key_group_id}, not of a public key "
            f"(Key-Pair-Id takes a public key id, e.g. {clinic.signer.key_pair_id})"
        )
    for item in cf.list_public_keys()["PublicKeyList"].get("Items", []):
        if item["Id"] not in trusted and item["Id"] not in known:
            known[item["Id"]] = (
                f"public key {item['Id']} ({item['Name']}), registered but not in key group "
                f"{clinic.key_group_id or '(none)'} that the distribution trusts (taken out of "
                "it, or never added): sign with a key in the group"
            )
    return known


#: Signing values shown to their first characters: what differs between two URLs is elsewhere.
_SIGNING_VALUE = re.compile(r"(?<=[?&])(Signature|Policy)=([^&]{12})[^&]+")


def as_sent(url: str) -> str:
    """A request URL as the clinic's tables show it: the path and query the viewer sent (the
    host is the same for every case), with ``Signature`` and ``Policy`` cut to their start."""
    parts = urlsplit(url)
    path = parts.path
    if config.backend() == "local":  # the local edge's /DOMAIN/PATH: drop the domain too
        path = "/" + path.lstrip("/").split("/", 1)[-1]
    query = _SIGNING_VALUE.sub(r"\1=\2…", "?" + parts.query)[1:] if parts.query else ""
    return path + (f"?{query}" if query else "")


def _as_sent(url: str) -> str:
    try:
        return urls.canonical_url(url)
    except SignedUrlError:
        return url


# --- signing exactly what is given (how the broken URLs are made) ----------------------------


def sign_as_given(signer: Signer, url: str, expires: int) -> str:
    """A canned-policy URL for ``url`` *as typed* and ``expires`` *as given*, no checks: what
    hand-written signing code does (``Signer.sign_url`` would encode the URL, refuse a bad time)."""
    message = policy.canned_text(url, expires).encode("utf-8")
    return urls.append_params(
        url, urls.canned_params(expires, signer.signature(message), signer.key_params)
    )


def sign_policy_as_written(signer: Signer, url: str, document: dict[str, Any]) -> str:
    """A custom-policy URL for a policy document written by hand (compact JSON, signed as is)."""
    encoded, signature = signer.sign_policy(json.dumps(document, separators=(",", ":")))
    return urls.append_params(url, urls.custom_params(encoded, signature, signer.key_params))


def signer_with_key_pair_id(signer: Signer, key_pair_id: str) -> Signer:
    """The same private key under another ``Key-Pair-Id`` (e.g. the key group's id)."""
    return Signer(key_pair_id, signer.private_key, signer.hash_algorithm)


# --- case 7: a second key, rotated in and retired ---------------------------------------------


def retired_key_config(run_name: str, private_key: Any) -> dict[str, str]:
    """``create_public_key``'s config for the clinic's second key (public PEM only)."""
    return signing_keys.public_key_config(
        caller_reference=f"cftutorial-{run_name}-clinic-retired-{secrets.token_hex(4)}",
        name=names.retired_public_key(run_name),
        pem=keys.public_key_pem(private_key),
        comment=f"cftutorial {run_name}: notebook 09's retired key (deleted at its end)",
    )


def find_retired_key(run_name: str, *, cf: Any = None) -> str | None:
    return signing_keys.find_public_key(names.retired_public_key(run_name), cf=cf)


# --- putting the run back (the run's put-back protocol, :mod:`cftutorial.run.putback`) ----------

#: This notebook's name in the put-back records.
NOTEBOOK = "09"


def drop_retired_key(clinic: Clinic, *, cf: Any = None) -> str:
    """Take the clinic's second key out of the key group and delete it (if it exists)."""
    cf = cf or clients.client("cloudfront")
    key_id = find_retired_key(clinic.run_name, cf=cf)
    if key_id is None:
        return "absent"
    if clinic.key_group_id:
        signing_keys.take_out_of_group(clinic.key_group_id, key_id, cf=cf)
    signing_keys.delete_public_key(key_id, cf=cf)
    return f"deleted {key_id}"


def record_changes(clinic: Clinic) -> None:
    """Before the cases: record what they change and its value now (standard logging, the
    bucket policy) or that it is theirs to delete (the retired key), in the saved state, so
    :func:`saved.put_back` can undo it even after a crash half-way (each record saved at once)."""
    cf, s3 = clients.client("cloudfront"), clients.client("s3")
    run = clinic.run
    logging = cf.get_distribution_config(Id=clinic.distribution_id)["DistributionConfig"]
    prior_logging = {"Logging": logging.get("Logging")}
    putback.record(
        run, NOTEBOOK, "distribution config", clinic.distribution_id, prior_logging,
        what="standard logging",
    )  # fmt: skip
    policy_now = bucket_access.bucket_policy(clinic.bucket, s3=s3)
    putback.record(
        run, NOTEBOOK, "bucket policy", clinic.bucket,
        putback.DELETE if policy_now is None else policy_now, what="bucket policy",
    )  # fmt: skip
    putback.record(
        run, NOTEBOOK, "public key", names.retired_public_key(run.name), putback.DELETE,
        what="retired public key", where={"key_group_id": clinic.key_group_id},
    )  # fmt: skip
    run.save()  # the three records, before any case changes anything


def begin(clinic: Clinic) -> list[dict[str, str]]:
    """The notebook's start: put back what an interrupted earlier run left changed (one row
    each), then record what this run's cases will change."""
    left = saved.put_back(clinic.run, NOTEBOOK)
    record_changes(clinic)
    return left


def logging_on(clinic: Clinic) -> bool:
    """Whether the distribution's standard logging is on now."""
    config = clients.client("cloudfront").get_distribution_config(Id=clinic.distribution_id)
    return bool((config["DistributionConfig"].get("Logging") or {}).get("Enabled"))


def delete_log_bucket(run_name: str) -> bool:
    """Delete the access-log bucket (all its log files); False when it was not there."""
    return delete_bucket(names.log_bucket(run_name), clients.client("s3"))


def log_bucket_ownership(name: str, *, s3: Any = None) -> str | None:
    """The log bucket's Object Ownership, or None when the bucket does not exist yet."""
    s3 = s3 or clients.client("s3")
    try:
        rules = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
    except ClientError as exc:
        if is_missing(exc):
            return None
        return "(no ownership controls)"
    return rules[0]["ObjectOwnership"]


# --- reading the logs as AWS users do ----------------------------------------------------------

#: Printed above the local log lines: what is local in them (docs/local-aws-fidelity.md, X20).
LOCAL_LOG_CUT = (
    "local choice: the local edge cuts Signature= and Policy= values to 8 characters and … "
    "(%E2%80%A6); CloudFront's own log files hold them whole"
)

AWS_LOGS_LATER = (
    "aws mode: CloudFront delivers standard log files by itself, usually within an hour, so "
    "this notebook reads none now (and deletes s3://{bucket} at its end); to read real ones, "
    "enable Logging the same way (a bucket with ACLs enabled) on a distribution you keep, send "
    "requests, and an hour later list that bucket under {prefix!r} and gunzip the files with "
    "this cell's boto3 calls"
)


def logs_readable_now(log_bucket: str) -> tuple[bool, str]:
    """Whether the log files can be read in this notebook, and what to print if not.

    The local edge delivers its files on request (:func:`viewer.deliver_access_logs`); on AWS
    CloudFront delivers them by itself, usually within an hour, which no notebook waits for.
    """
    if config.backend() == "local":
        return True, ""
    return False, AWS_LOGS_LATER.format(bucket=log_bucket, prefix=names.log_prefix())


def short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def all_fixed(clinic: Clinic) -> list[str]:
    """The cases that did not go from 403 to 200 (empty when every case did)."""
    return [
        case
        for case, got in clinic.results.items()
        if got.get("broken") != 403 or got.get("fixed") != 200
    ]
