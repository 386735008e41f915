"""Notebook 12: a signing key that never leaves AWS KMS, trusted next to the run's own key.

The notebook shows the boto3 calls (``kms.create_key``, ``kms.get_public_key``,
``cf.create_public_key``, ``cf.update_key_group``, ``kms.sign``). What boto3 does not do is
here and in :mod:`cftutorial.aws.kms`: the find-by-alias lookup, the saved state, the scan of
``$CFTUTORIAL_HOME`` for private key material, the measurement, and putting the run back as it
was (the KMS public key out of the key group and deleted, the KMS key scheduled for deletion),
so that notebook 08's cleanup still ends with nothing left.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from .. import config
from ..aws import kms as kms_keys
from ..aws import signing_keys
from ..aws.tags import RUN_TAG
from ..errors import StateError
from ..localaws import process
from ..run import names, putback
from ..run.modern import require_modern
from ..signing import keys
from . import references, saved, signing_key, state

STATE_KEY = "kms_key"
KEY_SPECS = kms_keys.KEY_SPECS
SIGN_QUOTAS = kms_keys.SIGN_QUOTAS
QUOTAS_SOURCE = kms_keys.QUOTAS_SOURCE
PRICING_SOURCE = kms_keys.PRICING_SOURCE
LOCAL_AWS_FILES = process.OWN_FILES  # the local AWS's own files: its state plays AWS's HSMs
_PEM_PRIVATE = re.compile(
    rb"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.S
)


def local_key(run: state.Run, approach: str) -> signing_key.SigningKey:
    """The run's saved signing key, which must be a public key in a key group (notebook 06)."""
    require_modern(run.values(), "12", approach)
    saved = run.get("signing_key") or {}
    if not saved.get("key_group_id"):
        raise StateError(
            f"run {run.name!r} has no key group yet; run notebook 06 (modern path) first"
        )
    return signing_key.SigningKey(**saved)


def alias(run_name: str) -> str:
    return kms_keys.alias_name(run_name)


def description(run_name: str) -> str:
    return f"{names.PREFIX} {run_name}: CloudFront URL signing key (notebook 12)"


def run_tags(run_name: str) -> list[dict[str, str]]:
    """The ``Tags`` of ``kms.create_key`` (KMS spells them TagKey/TagValue)."""
    return [{"TagKey": RUN_TAG, "TagValue": run_name}]


def find_kms_key(run_name: str, *, kms: Any) -> kms_keys.KmsKey | None:
    """The run's KMS signing key, found by its alias (None: none, or scheduled for deletion)."""
    return kms_keys.find_key(alias(run_name), kms=kms)


def public_key_name(run_name: str) -> str:
    return names.kms_public_key(run_name)


def public_key_config(run: state.Run, pem: str) -> dict[str, str]:
    """What ``create_public_key`` takes for the KMS key: its public PEM (from ``get_public_key``);
    its CallerReference set on ``run``."""
    return signing_keys.public_key_config(
        caller_reference=references.caller_reference(run, "public-key-kms"),
        name=public_key_name(run.name),
        pem=pem,
        comment=f"cftutorial {run.name}: key held in AWS KMS",
    )


#: This notebook's name in the put-back records.
NOTEBOOK = "12"


def record_kms_key(run: state.Run) -> bool:
    """Before ``create_key``: the run's put-back records name the KMS key (by its alias) as this
    notebook's to delete, so notebook 08 and ``cftutorial teardown`` list it until it goes.
    Saved at once (:func:`saved.record_change`), as it must be on disk before the change."""
    return saved.record_change(
        run, NOTEBOOK, "kms key", alias(run.name), putback.DELETE, what="KMS key"
    )


def record_public_key(run: state.Run, key_group_id: str) -> bool:
    """Before ``create_public_key`` and ``update_key_group``: the KMS key's public key is this
    notebook's to take out of the key group and delete (saved at once, as above)."""
    return saved.record_change(
        run, NOTEBOOK, "public key", public_key_name(run.name), putback.DELETE,
        what="KMS public key", where={"key_group_id": key_group_id},
    )  # fmt: skip


def remember(run: state.Run, **fields: str) -> dict[str, str]:
    """Set the KMS key's ids (never key material) on ``run`` for a re-run and for notebook 08's
    cleanup (the cell saves them)."""
    saved = {**(run.get(STATE_KEY) or {}), **fields}
    run.set(**{STATE_KEY: saved})
    return saved


def forget(run: state.Run) -> None:
    """The KMS key is retired: drop it and its public key's CallerReference from ``run`` (a
    new key under the same name needs a new reference, or CloudFront answers 409); the cell
    saves."""
    saved = dict(run.get(references.STATE_KEY) or {})
    saved.pop("public-key-kms", None)
    run.set(**{STATE_KEY: None, references.STATE_KEY: saved})


# --- what the application holds -------------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    """Private keys found under a directory, and whether one is the KMS key's private half."""

    files: int
    private_keys: list[str] = field(default_factory=list)  # files holding a PEM private key
    matching: list[str] = field(default_factory=list)  # ... whose public half is the KMS key's
    skipped: list[str] = field(default_factory=list)  # the local AWS's own files


def _public_der(key: Any) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def scan_for_private_key(directory: Path, public_pem: str) -> Scan:
    """Every file under ``directory``: PEM private keys, and any whose public half equals
    ``public_pem`` (which, for a KMS key, must be none). The local AWS's files are skipped and
    listed: on AWS that part is KMS itself."""
    wanted = _public_der(keys.load_public_key(public_pem.encode()))
    files, found, matching, skipped = 0, [], [], []
    for path in sorted(p for p in Path(directory).rglob("*") if p.is_file()):
        if path.name.lstrip(".").startswith(LOCAL_AWS_FILES):
            skipped.append(path.name)
            continue
        files += 1
        for block in _PEM_PRIVATE.finditer(path.read_bytes()):
            found.append(str(path.relative_to(directory)))
            try:
                key = serialization.load_pem_private_key(block.group(0), password=None)
            except (TypeError, ValueError):  # encrypted or not a key we read: cannot match
                continue
            if _public_der(key.public_key()) == wanted:
                matching.append(str(path.relative_to(directory)))
    return Scan(files, found, matching, skipped)


def home() -> Path:
    return config.home()


# --- cost ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    signer: str
    urls: int
    kms_calls: int
    median_ms: float

    @property
    def calls_per_url(self) -> float:
        return self.kms_calls / self.urls

    def row(self, quota: int | str, price: str) -> dict[str, Any]:
        return {
            "signer": self.signer,
            "KMS calls per URL": f"{self.calls_per_url:g}",
            "median latency per URL (ms, measured here)": f"{self.median_ms:.2f}",
            "URLs/s, one thread": f"{1000 / self.median_ms:,.0f}" if self.median_ms else "-",
            "documented Sign quota (requests/s)": quota,
            "price per 10,000 requests": price,
        }


def measure(
    label: str, sign: Callable[[str], str], urls: Iterable[str], calls: Callable[[], int]
) -> Measured:
    """Sign each URL once, timing each call; ``calls`` reads the KMS call counter."""
    before, times, count = calls(), [], 0
    for url in urls:
        started = time.perf_counter()
        sign(url)
        times.append((time.perf_counter() - started) * 1000)
        count += 1
    return Measured(label, count, calls() - before, statistics.median(times))


def sessions_table(
    files_per_session: int, sessions_per_day: int, quota: int
) -> list[dict[str, Any]]:
    """KMS calls a day and the sessions per second the quota allows: per URL vs one cookie set."""
    rows = []
    for how, per_session in (
        ("a signed URL per file", files_per_session),
        ("signed cookies once per session", 1),
    ):
        rows.append(
            {
                "how": how,
                "KMS Sign calls per session": per_session,
                f"calls per day ({sessions_per_day:,} sessions)": f"{per_session * sessions_per_day:,}",
                "new sessions/s at the default quota": f"{quota / per_session:,.1f}",
            }
        )
    return rows


# --- putting the run back -----------------------------------------------------------------
