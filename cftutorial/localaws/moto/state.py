"""The local AWS's state on disk, one partition at a time (see ``persistence.py``): which
partitions a request can touch, their values, installing them back, what changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from ...config import LOCAL_ACCOUNT_ID
from .. import uri
from .modules import _cf_models, _cloudfront, _kms_models, _kms_regions, _s3, _s3_models

# --- the state on disk, one partition at a time (see persistence.py) ---------------------------
#
# A partition is one piece of moto's state that the state files keep apart, named by a tuple:
#   ("s3", BUCKET)                       the bucket's own settings and tags, not its objects
#   ("s3", BUCKET, "key", KEY)           every version of one key, with their tags
#   ("s3", BUCKET, "upload", UPLOAD_ID)  one multipart upload in progress, with its parts
#   ("cloudfront",)                      the local account's CloudFront backend (small: whole)
#   ("kms",)                             the local account's KMS backends, by Region (small: whole)
# Its value (:func:`partition_value`) is what the state files pickle; None: it does not exist.
# A request is kept by pickling the partitions it can have touched and writing those that
# changed, so its cost is that of what it touched, never of the whole state.

Partition = tuple[str, ...]
CLOUDFRONT: Partition = ("cloudfront",)
KMS: Partition = ("kms",)
_BUCKET_CONTENTS = ("keys", "multiparts")  # a bucket partition's value leaves these out
_noted: ContextVar[set[Partition] | None] = ContextVar("cftutorial_noted", default=None)


def s3_bucket(bucket: str) -> Partition:
    return ("s3", bucket)


def s3_key(bucket: str, key: str) -> Partition:
    return ("s3", bucket, "key", key)


def s3_upload(bucket: str, upload_id: str) -> Partition:
    return ("s3", bucket, "upload", upload_id)


@contextlib.contextmanager
def collecting(var: ContextVar[Any], found: Any) -> Iterator[Any]:
    """``found`` as ``var``'s value in this thread inside the block, so that the code run
    meanwhile adds to it; ``var`` as it was after."""
    token = var.set(found)
    try:
        yield found
    finally:
        var.reset(token)


def noting() -> contextlib.AbstractContextManager[set[Partition]]:
    """Collect the partitions this module's own writes touch in this thread meanwhile (a
    CloudFront request granting log delivery on a bucket, the edge writing a log file)."""
    return collecting(_noted, set())


def _note(partition: Partition) -> None:
    found = _noted.get()
    if found is not None:
        found.add(partition)


def moto_partitions() -> list[Partition]:
    """Every partition of moto's state that exists now."""
    found = [CLOUDFRONT, KMS]
    for name, raw in list(_s3().buckets.items()):
        found.append(s3_bucket(name))
        found += [s3_key(name, key) for key in list(dict.keys(raw.keys))]
        found += [s3_upload(name, upload) for upload in list(raw.multiparts)]
    return found


def partition_value(partition: Partition) -> Any:
    """What the state files keep of ``partition`` now (live moto objects: pickle them at once,
    with writers kept out), or None when it does not exist."""
    if partition == CLOUDFRONT:
        return _cloudfront()
    if partition == KMS:
        return _kms_regions()
    raw = _s3().buckets.get(partition[1]) if partition[0] == "s3" else None
    if raw is None:
        return None
    tags = _s3().tagger.tags
    if len(partition) == 2:
        settings = {k: v for k, v in vars(raw).items() if k not in _BUCKET_CONTENTS}
        return {"settings": settings, "tags": tags.get(raw.arn)}
    kind, name = partition[2:]
    if kind == "key":
        versions = dict.get(raw.keys, name)
        if not versions:
            return None
        own = {arn: tags[arn] for arn in _arns(versions) if arn in tags}
        return {"versions": list(versions), "tags": own}
    return raw.multiparts.get(name)


def _arns(versions: Iterable[Any]) -> list[str]:
    """The tag keys of a key's versions (a delete marker has none)."""
    key_type = _s3_models().FakeKey
    return [v.arn for v in versions if isinstance(v, key_type)]


def install_partition(partition: Partition, value: Any) -> None:
    """Make ``value`` (from :func:`partition_value`, unpickled) ``partition``'s state; None
    removes it. Install a bucket before its keys and uploads."""
    if partition == CLOUDFRONT:
        _install_cloudfront(value)
    elif partition == KMS:
        _install_kms(value or {})
    elif len(partition) == 2:
        _install_bucket(partition[1], value)
    else:
        _install_in_bucket(partition, value)


def _install_cloudfront(value: Any) -> None:
    backends = _cf_models().cloudfront_backends[LOCAL_ACCOUNT_ID]
    if value is None:
        backends["aws"].reset()
        return
    if not isinstance(value, _cf_models().CloudFrontBackend):
        raise TypeError("the saved CloudFront state is not a CloudFront backend")
    backends["aws"] = value


def _install_kms(value: Mapping[str, Any]) -> None:
    models = _kms_models()
    if not all(isinstance(backend, models.KmsBackend) for backend in value.values()):
        raise TypeError("the saved KMS state is not a KMS backend per Region")
    regions = models.kms_backends[LOCAL_ACCOUNT_ID]
    for region, backend in list(regions.items()):
        if region not in value:
            backend.reset()
    for region, backend in value.items():
        regions[region] = backend


def _install_bucket(name: str, value: Any) -> None:
    s3, models = _s3(), _s3_models()
    raw = s3.buckets.get(name)
    if value is None:
        if raw is not None:
            s3.buckets.pop(name)
            s3.tagger.tags.pop(raw.arn, None)
        models.s3_backends.bucket_accounts.pop(name, None)
        return
    settings, tags = value["settings"], value["tags"]
    if raw is None:
        raw = models.FakeBucket.__new__(models.FakeBucket)  # __init__ would make a new bucket
        contents = {"keys": models._VersionedKeyStore(), "multiparts": models.MultipartDict()}
    else:  # settings replaced in place: whoever holds the bucket sees them
        contents = {name: getattr(raw, name) for name in _BUCKET_CONTENTS}
        vars(raw).clear()
    vars(raw).update(settings)
    vars(raw).update(contents)
    if raw.name != name or not isinstance(raw.keys, models._VersionedKeyStore):
        raise TypeError(f"the saved settings of bucket {name!r} are not a bucket's")
    s3.buckets[name] = raw
    models.s3_backends.bucket_accounts[name] = (raw.partition, raw.account_id)
    if tags is None:
        s3.tagger.tags.pop(raw.arn, None)
    else:
        s3.tagger.tags[raw.arn] = dict(tags)


def _install_in_bucket(partition: Partition, value: Any) -> None:
    s3, models = _s3(), _s3_models()
    raw = s3.buckets.get(partition[1])
    if raw is None:
        if value is None:
            return
        raise TypeError(f"{partition[2]} {partition[3]!r} is saved without its bucket")
    kind, name = partition[2:]
    if kind == "upload":
        if value is None:
            raw.multiparts.pop(name, None)
        elif isinstance(value, models.FakeMultipart):
            raw.multiparts[name] = value
        else:
            raise TypeError(f"the saved upload {name!r} is not a multipart upload")
        return
    for arn in _arns(dict.get(raw.keys, name) or []):
        s3.tagger.tags.pop(arn, None)
    if value is None:
        dict.pop(raw.keys, name, None)
        return
    versions = value["versions"]
    kinds = (models.FakeKey, models.FakeDeleteMarker)
    if not versions or not all(isinstance(v, kinds) for v in versions):
        raise TypeError(f"the saved key {name!r} is not a list of object versions")
    dict.__setitem__(raw.keys, name, list(versions))  # as moto's store keeps it: all versions
    for arn, tags in value["tags"].items():
        s3.tagger.tags[arn] = dict(tags)


def reset_kept_state() -> None:
    """Empty the local account's S3, CloudFront and KMS backends (before a reload from disk).

    As moto's own reset does, but without disposing of every object moto ever tracked (a value
    that failed to unpickle is among them, half made, and would fail that)."""
    models = _s3_models()
    for name in list(_s3().buckets):
        models.s3_backends.bucket_accounts.pop(name, None)
    for backend in (_s3(), _cloudfront(), *_kms_regions().values()):
        region, account = backend.region_name, backend.account_id
        backend.__dict__ = {}
        backend.__init__(region, account)


def key_versions(bucket: str) -> dict[str, tuple[Any, ...]]:
    """Each key of ``bucket`` with its version objects: compare two of these by identity
    (:func:`changed_keys`) to see which keys a request replaced, added or removed."""
    raw = _s3().buckets.get(bucket)
    return {} if raw is None else {n: tuple(v) for n, v in list(dict.items(raw.keys))}


def changed_keys(bucket: str, before: Mapping[str, tuple[Any, ...]]) -> set[Partition]:
    after = key_versions(bucket)
    return {
        s3_key(bucket, name)
        for name in before.keys() | after.keys()
        if not _same(before.get(name), after.get(name))
    }


def uploads(bucket: str) -> dict[str, Any]:
    """The multipart uploads in progress in ``bucket``, by id (see :func:`changed_uploads`)."""
    raw = _s3().buckets.get(bucket)
    return {} if raw is None else dict(raw.multiparts)


def changed_uploads(bucket: str, before: Mapping[str, Any]) -> set[Partition]:
    after = uploads(bucket)
    return {
        s3_upload(bucket, upload)
        for upload in before.keys() | after.keys()
        if before.get(upload) is not after.get(upload)
    }


def _same(before: tuple[Any, ...] | None, after: tuple[Any, ...] | None) -> bool:
    """The same objects in the same order (held since before, so no id was reused)."""
    if before is None or after is None:
        return before is after
    return len(before) == len(after) and all(a is b for a, b in zip(before, after, strict=True))


def server_access_log_bucket(bucket: str) -> str | None:
    """The bucket moto writes ``bucket``'s server access logs to (PutBucketLogging), if any."""
    raw = _s3().buckets.get(bucket)
    target = (getattr(raw, "logging", None) or {}).get("TargetBucket") if raw else None
    return target if isinstance(target, str) and target else None


def s3_target(environ: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(bucket, key)`` an S3 request names, read as moto reads it (path or virtual-hosted
    style: ``Host: BUCKET.localhost``); ``(bucket, "")`` for the bucket itself, ``("", "")``
    for the service. None when moto would look the bucket up elsewhere (an access point)."""
    from moto.core.request import Request
    from moto.s3 import responses, utils
    from moto.s3bucket_path import utils as path_style

    request = Request(dict(environ))
    if ".s3-accesspoint." in (request.headers.get("host") or ""):
        return None
    url, path = request.raw_url, uri.s3_request_path(request.raw_path)
    if responses.S3Response.subdomain_based_buckets(request):
        return utils.bucket_name_from_url(url) or "", responses.parse_key_name(path)
    return path_style.bucket_name_from_url(url) or "", path_style.parse_key_name(path)


def service_of(environ: Mapping[str, Any]) -> str:
    """The service moto's dispatcher sends a request to: ``s3``, ``cloudfront``, ``kms``,
    ``moto_api``… (its own rules: the credential scope, then the body and the path)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    path = environ.get("PATH_INFO", "")
    if path.startswith("/moto-api"):
        return "moto_api"
    global _DISPATCHER
    if _DISPATCHER is None:
        _DISPATCHER = DomainDispatcherApplication(lambda service: None)  # type: ignore[arg-type]
    host = _DISPATCHER.infer_service_region_host(environ, path)
    if host is None:
        return "s3"  # moto's DEFAULT_SERVICE_REGION
    return host.split(".", 1)[0]


_DISPATCHER: Any = None


def restore_legacy_state(state: Mapping[str, Any]) -> None:
    """Install the backends of a snapshot written before issue 23 (one pickle of the whole
    backends): moto's S3 and CloudFront backends, and KMS per Region.

    moto keeps one more index outside the backend, bucket name -> account (the common bucket
    namespace, filled by ``FakeBucket.__init__``, which unpickling does not call): rebuilt here.
    """
    s3, cloudfront = state.get("s3"), state.get("cloudfront")
    kms = state.get("kms") or {}  # snapshots written before KMS was saved have none
    s3_models, cf_models = _s3_models(), _cf_models()
    if not isinstance(s3, s3_models.S3Backend) or not isinstance(
        cloudfront, cf_models.CloudFrontBackend
    ):
        raise TypeError("the snapshot does not hold an S3 and a CloudFront backend")
    _install_kms(kms)
    s3_models.s3_backends[LOCAL_ACCOUNT_ID]["aws"] = s3
    cf_models.cloudfront_backends[LOCAL_ACCOUNT_ID]["aws"] = cloudfront
    for name in s3.buckets:
        s3_models.s3_backends.bucket_accounts[name] = (s3.partition, s3.account_id)


def state_summary() -> dict[str, int]:
    """How much the local account holds (for the log and ``cftutorial local status``)."""
    s3, cloudfront = _s3(), _cloudfront()
    buckets = list(s3.buckets.values())
    return {
        "buckets": len(buckets),
        "objects": sum(len(b.keys) for b in buckets),
        "distributions": len(cloudfront.distributions),
        "origin access controls": len(cloudfront.origin_access_controls),
        "public keys": len(cloudfront.public_keys),
        "key groups": len(cloudfront.key_groups),
        "invalidations": sum(len(v) for v in cloudfront.invalidations.values()),
        "KMS keys": sum(len(backend.keys) for backend in _kms_regions().values()),
    }
