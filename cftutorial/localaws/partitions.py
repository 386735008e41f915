"""Which parts of the local AWS's state a request can change, and how each part is written.

The state files (:mod:`.journal`) keep the state as *partitions*, each written and read on its
own, so keeping a request costs what it touched, not the whole state. moto's partitions are
:mod:`.moto_adapter`'s (a bucket's settings, one key's versions, one multipart upload, the
CloudFront backend, the KMS backends); the fidelity layer adds two of its own, the OAIs and
the account key pairs.

:func:`plan` reads a request *before* it runs and names the partitions it can change:

- S3 (as moto itself reads the bucket and the key, path or virtual-hosted style): a request on
  a key, that key (and the bucket's multipart uploads: one named by ``uploadId``, and any
  created or ended, found by identity); a request on the bucket, the bucket's own settings,
  and for a ``POST`` (``?delete``, a browser form upload, which can replace keys) every key of
  the bucket compared by identity before and after (no pickling: only the keys it replaced,
  added or removed are written). A bucket moto writes server access logs to is compared the
  same way. An access point (whose bucket moto looks up elsewhere) falls back to everything.
- CloudFront: the CloudFront backend and the OAIs; KMS: the KMS backends (the read-only
  operations, ``Sign`` first, are no change at all); the account key pairs' own endpoint;
  ``POST /moto-api/reset``: everything.
- The fidelity layer's own writes to S3 on a CloudFront request (the log-delivery grant) and
  the edge's log files report their partition (:func:`.moto_adapter.noting`).

After the request, each named partition is pickled and compared with what is on disk; only
those that differ are written, so a request that changed nothing (a refused one, a read sent as
a POST) writes nothing. When in doubt the plan names more, never less: the worst a wrong guess
can cost is time, never a lost write.

Pickle is needed for moto's objects. It runs code named by the file when loaded, so the files
are loaded only when they pass :mod:`.journal`'s ownership and mode checks, and then only
through :class:`_Unpickler`, which refuses every global that is not a class of moto, of this
package or of a few standard modules (a second fence, not the first).
"""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from . import account_keys, moto_adapter
from .cloudfront import oai
from .middleware import ACCOUNT_KEYS_PATH, RESET_PATH
from .s3.errors import s3_error
from .wire import Request, Response, request_id

Partition = moto_adapter.Partition
OAIS: Partition = ("oai",)
ACCOUNT_KEY_PAIRS: Partition = ("account-key-pairs",)
OWN = (OAIS, ACCOUNT_KEY_PAIRS)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: JSON-protocol operations (every one a POST, named by ``X-Amz-Target``) that change nothing:
#: KMS ``Sign`` runs once per signed URL.
READ_ONLY_TARGETS = frozenset(
    f"TrentService.{operation}"
    for operation in (
        "Sign",
        "Verify",
        "DescribeKey",
        "GetPublicKey",
        "ListKeys",
        "ListAliases",
        "ListResourceTags",
        "GetKeyPolicy",
    )
)


@dataclass
class Plan:
    """The partitions one request can change (see the module docstring)."""

    #: whose error a write that cannot be kept answers with: s3, cloudfront, kms or local
    service: str
    named: set[Partition] = field(default_factory=set)
    #: buckets whose keys / multipart uploads are compared by identity before and after
    key_scopes: set[str] = field(default_factory=set)
    upload_scopes: set[str] = field(default_factory=set)
    everything: bool = False


def plan(environ: Mapping[str, Any]) -> Plan | None:
    """What this request can change; None for a read (GET, HEAD, OPTIONS, KMS ``Sign``…)."""
    method = str(environ.get("REQUEST_METHOD", "GET")).upper()
    if method in SAFE_METHODS or environ.get("HTTP_X_AMZ_TARGET", "") in READ_ONLY_TARGETS:
        return None
    path = environ.get("PATH_INFO", "")
    if path == ACCOUNT_KEYS_PATH or path.startswith(ACCOUNT_KEYS_PATH + "/"):
        return Plan("local", {ACCOUNT_KEY_PAIRS})
    if path.startswith("/moto-api"):  # seed, state-manager transitions: not kept
        return Plan("local", everything=path == RESET_PATH)
    # moto dispatches by its own rules; the fidelity layer by the credential scope: both count
    services = {moto_adapter.service_of(environ), Request(dict(environ)).service or "s3"}
    found = Plan(next((s for s in ("cloudfront", "kms") if s in services), "s3"))
    if "cloudfront" in services:
        found.named |= {moto_adapter.CLOUDFRONT, OAIS}
    if "kms" in services:
        found.named.add(moto_adapter.KMS)
    if "s3" in services:
        _plan_s3(found, environ, method)
    return found


def _plan_s3(found: Plan, environ: Mapping[str, Any], method: str) -> None:
    target = moto_adapter.s3_target(environ)
    if target is None:
        found.everything = True
        return
    bucket, key = target
    if not bucket:
        return  # the service itself: nothing a write there keeps
    if key:
        found.named.add(moto_adapter.s3_key(bucket, key))
        upload = dict(parse_qsl(environ.get("QUERY_STRING", ""))).get("uploadId")
        if upload:
            found.named.add(moto_adapter.s3_upload(bucket, upload))
        found.upload_scopes.add(bucket)
    else:
        found.named.add(moto_adapter.s3_bucket(bucket))
        if method == "POST":
            found.key_scopes.add(bucket)
    logs = moto_adapter.server_access_log_bucket(bucket)
    if logs:
        found.key_scopes.add(logs)


@dataclass
class Before:
    """What a plan compares by identity, taken before the request runs."""

    keys: dict[str, dict[str, tuple[Any, ...]]]
    uploads: dict[str, dict[str, Any]]


def before(found: Plan) -> Before:
    return Before(
        {bucket: moto_adapter.key_versions(bucket) for bucket in found.key_scopes},
        {bucket: moto_adapter.uploads(bucket) for bucket in found.upload_scopes},
    )


def touched(found: Plan, taken: Before, noted: Iterable[Partition]) -> set[Partition]:
    """The partitions to compare with the disk once the request has run."""
    result = set(found.named) | set(noted)
    for bucket, versions in taken.keys.items():
        result |= moto_adapter.changed_keys(bucket, versions)
    for bucket, uploads in taken.uploads.items():
        result |= moto_adapter.changed_uploads(bucket, uploads)
    if found.everything:
        result |= set(every_partition())
    return result


# --- the values: read, install, enumerate ------------------------------------------------------


def every_partition() -> list[Partition]:
    return [*moto_adapter.moto_partitions(), *OWN]


def value(partition: Partition) -> Any:
    if partition == OAIS:
        return oai.export_state()
    if partition == ACCOUNT_KEY_PAIRS:
        return account_keys.export_state()
    return moto_adapter.partition_value(partition)


def install(partition: Partition, found: Any) -> None:
    """Make ``found`` the state of ``partition`` (None: remove it)."""
    if partition == OAIS:
        oai.import_state(found or {})
    elif partition == ACCOUNT_KEY_PAIRS:
        account_keys.import_state(found or {})
    else:
        moto_adapter.install_partition(partition, found)


def install_order(partition: Partition) -> tuple[int, Partition]:
    """Sort key: whole services and buckets before the keys and uploads inside them."""
    return len(partition), partition


def reset() -> None:
    """Empty everything the state files keep (before a reload from disk)."""
    moto_adapter.reset_kept_state()
    oai.reset()
    account_keys.reset()


def summary() -> dict[str, int]:
    return {
        **moto_adapter.state_summary(),
        "OAIs": len(oai.all_oais()),
        "account key pairs": len(account_keys.trusted_for_self()),
    }


def describe(counts: Mapping[str, int]) -> str:
    """``buckets: 3, objects: 9, distributions: 1…`` (only what there is; ``nothing`` otherwise)."""
    parts = [f"{what}: {count}" for what, count in counts.items() if count]
    return ", ".join(parts) or "nothing"


def name_of(partition: Partition) -> bytes:
    """A partition's name in the state files (JSON: keys may hold any character)."""
    return json.dumps(list(partition), ensure_ascii=False).encode()


def partition_of(name: bytes) -> Partition:
    found = json.loads(name)
    if not (isinstance(found, list) and found and all(isinstance(p, str) for p in found)):
        raise ValueError(f"{name[:80]!r} does not name a partition")
    return tuple(found)


# --- pickle, both ways -----------------------------------------------------------------------

_PRIVATE_KEYS = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)


def private_key_from_der(der: bytes) -> Any:
    """Unpickling half of :class:`_Pickler`: a ``cryptography`` private key from PKCS#8 DER."""
    return serialization.load_der_private_key(der, password=None)


class _Pickler(pickle.Pickler):
    """``pickle`` that also writes ``cryptography`` private keys (moto's KMS keys), which do not
    pickle themselves, as PKCS#8 DER: KMS keys then survive a restart like everything else."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _PRIVATE_KEYS):
            der = obj.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return private_key_from_der, (der,)
        return NotImplemented


def encode(found: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(found)
    return buffer.getvalue()


#: Modules whose *classes* a state file may name (moto's models and what they hold).
_CLASS_MODULES = (
    *("moto.", "cftutorial.", "datetime", "collections", "uuid", "decimal", "enum"),
    *("requests.structures", "werkzeug.datastructures"),  # moto's header dicts
)
_BUILTINS = frozenset(
    {"set", "frozenset", "bytearray", "complex", "slice", "range", "object", "list", "dict"}
)
_FUNCTIONS = {
    ("cftutorial.localaws.partitions", "private_key_from_der"): private_key_from_der,
    # where the function was before issue 23 (a local-aws-state.pickle being converted)
    ("cftutorial.localaws.persistence", "private_key_from_der"): private_key_from_der,
}


class _Unpickler(pickle.Unpickler):
    """Loads only classes of moto, of this package and of a few standard modules, and the one
    function :class:`_Pickler` writes: a state file cannot name ``os.system`` and the like."""

    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            found = _ALLOWED[module, name] = self._allowed(module, name)
        return found

    def _allowed(self, module: str, name: str) -> Any:
        if (module, name) in _FUNCTIONS:
            return _FUNCTIONS[module, name]
        if module == "builtins" and name in _BUILTINS:
            return super().find_class(module, name)
        if "." not in name and (module + ".").startswith(_CLASS_MODULES):
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"the state names {module}.{name}, which it may not")


_ALLOWED: dict[tuple[str, str], Any] = {}  # what find_class let through, by name


def decode(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


# --- the answer when a change cannot be kept ---------------------------------------------------

#: What AWS answers for an internal failure, per service: each service's own code and format.
S3_MESSAGE = "We encountered an internal error. Please try again."
CLOUDFRONT_MESSAGE = "The request processing has failed because of an unknown error."
KMS_MESSAGE = "The request was rejected because an internal exception occurred."


def internal_error(service: str, reason: str) -> Response:
    """500 in the service's own error format; ``reason`` (why the local AWS could not keep the
    change: its disk is full…) follows AWS's message, marked as the local AWS's."""
    local = f" (local AWS: {reason})"
    if service == "cloudfront":
        body = (
            '<?xml version="1.0"?>\n<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/'
            '2020-05-31/"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>'
            f"{_xml(CLOUDFRONT_MESSAGE + local)}</Message></Error><RequestId>{request_id()}"
            "</RequestId></ErrorResponse>"
        )
        return 500, {"Content-Type": "text/xml", "x-amz-request-id": request_id()}, body.encode()
    if service == "kms":
        body = json.dumps({"__type": "KMSInternalException", "message": KMS_MESSAGE + local})
        return 500, {"Content-Type": "application/x-amz-json-1.1"}, body.encode()
    if service == "local":
        body = json.dumps({"Error": f"the local AWS could not keep this change: {reason}"})
        return 500, {"Content-Type": "application/json"}, body.encode()
    return s3_error("InternalError", S3_MESSAGE + local, 500)


def _xml(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)
