"""The plain values the moto adapter hands out: frozen dataclasses of distributions, behaviours,
origins, key groups, public keys, buckets, grants, CORS rules, certificates and stored objects
(with the seekable stream the edge reads an object's bytes from). Nothing here imports moto.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DISTRIBUTION_MODEL = "cloudfront::distribution"
REQUEST_FINGERPRINT = "cftutorial_request_fingerprint"  # our own attribute on a moto distribution
ACLS_DISABLED = "BucketOwnerEnforced"


# --- plain values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Behaviour:
    """One cache behaviour (``path_pattern`` is ``""`` for the default behaviour)."""

    path_pattern: str
    target_origin_id: str
    allowed_methods: tuple[str, ...]
    trusted_key_groups: tuple[str, ...]
    trusted_signers: tuple[str, ...]
    origin_request_policy_id: str = ""  # which viewer headers reach the origin (Origin: CORS)


@dataclass(frozen=True)
class Origin:
    id: str
    domain_name: str
    origin_path: str
    oai: str  # "origin-access-identity/cloudfront/ID" or ""
    oac_id: str


@dataclass(frozen=True)
class StandardLogging:
    """A distribution's ``Logging`` (standard logging, legacy): where its access logs go."""

    enabled: bool = False
    include_cookies: bool = False
    bucket: str = ""  # "BUCKET.s3.amazonaws.com"
    prefix: str = ""


@dataclass(frozen=True)
class Distribution:
    id: str
    arn: str
    domain_name: str
    aliases: tuple[str, ...]
    enabled: bool
    status: str
    etag: str
    default_root_object: str
    default_behaviour: Behaviour
    behaviours: tuple[Behaviour, ...]  # the ordered cache behaviours, default not included
    origins: tuple[Origin, ...]
    caller_reference: str = ""
    request_fingerprint: str = ""  # of the create request, kept by the fidelity layer
    logging: StandardLogging = field(default_factory=StandardLogging)
    certificate_arn: str = ""  # ViewerCertificate.ACMCertificateArn ("" for the default one)

    @property
    def deployed(self) -> bool:
        return self.status == "Deployed"

    @property
    def all_behaviours(self) -> tuple[Behaviour, ...]:
        return (self.default_behaviour, *self.behaviours)


@dataclass(frozen=True)
class KeyGroup:
    id: str
    name: str
    items: tuple[str, ...]
    etag: str
    comment: str = ""
    last_modified_time: Any = None


@dataclass(frozen=True)
class PublicKey:
    id: str
    name: str
    encoded_key: str
    comment: str
    etag: str
    caller_ref: str
    created_time: Any


@dataclass(frozen=True)
class Grant:
    """One ACL grant: a grantee (canonical user id or group URI) and a permission."""

    grantee_id: str = ""
    grantee_uri: str = ""
    permission: str = "READ"


@dataclass(frozen=True)
class BlockPublicAccess:
    """The bucket's Block Public Access settings (all off when the bucket has none)."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False


@dataclass(frozen=True)
class CorsRule:
    """One rule of a bucket's CORS configuration (``put_bucket_cors``)."""

    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None


@dataclass(frozen=True)
class Bucket:
    name: str
    policy: str | None
    ownership: str | None
    block: BlockPublicAccess
    grants: tuple[Grant, ...]
    cors: tuple[CorsRule, ...] = ()

    @property
    def acls_enabled(self) -> bool:
        return self.ownership != ACLS_DISABLED


@dataclass(frozen=True)
class Certificate:
    """An ACM certificate as CloudFront's checks need it: where it lives, its state, its names."""

    arn: str
    region: str
    status: str
    names: tuple[str, ...]  # the DomainName first, then the SubjectAlternativeNames


@dataclass(frozen=True)
class StoredObject:
    """An object's metadata S3 answers with, and a reader of its bytes (never all of them at
    once: fifty viewers of a large video would otherwise hold fifty copies)."""

    size: int
    etag: str
    last_modified: str
    metadata: Mapping[str, str]
    grants: tuple[Grant, ...] = field(default=())
    reader: Callable[[], io.RawIOBase] | None = None

    @property
    def value(self) -> bytes:
        """All the bytes (for small reads and tests; the edge streams through ``reader``)."""
        if self.reader is None:
            return b""
        with self.reader() as stream:
            return stream.read()


#: Streams open on each moto object (by id); an object moto disposed of meanwhile is disposed of
#: when its last stream closes (:func:`dispose_after_reads`).
_READING: dict[int, int] = {}
_DISPOSE_LATER: set[int] = set()
_READING_LOCK = threading.Lock()


def dispose_after_reads(original: Callable) -> Callable:
    """moto's ``FakeKey.dispose`` (it closes the object's buffer when the object is deleted or
    replaced), held back while a stream reads the object: as on S3, a GET that started before
    the delete finishes with the bytes it started on. The last stream's close disposes it."""

    def dispose(self: Any, garbage: bool = False) -> None:
        with _READING_LOCK:
            if _READING.get(id(self)):
                _DISPOSE_LATER.add(id(self))
                return
        original(self, garbage)

    return dispose


class _KeyStream(io.RawIOBase):
    """A seekable read-only view of one moto object's buffer: each read takes the object's lock,
    seeks to its own position and reads at most what was asked (moto shares one buffer per object
    between its readers). The object's buffer stays open until the stream closes, even if the
    object is deleted or replaced meanwhile (:func:`dispose_after_reads`); one moto closed anyway
    ends the stream early."""

    def __init__(self, key: Any, size: int) -> None:
        self._key = key
        self._size = size
        self._position = 0
        with _READING_LOCK:
            _READING[id(key)] = _READING.get(id(key), 0) + 1

    def close(self) -> None:
        if not self.closed:
            key = id(self._key)
            dispose = False
            with _READING_LOCK:
                _READING[key] -= 1
                if not _READING[key]:  # the last stream on the object
                    del _READING[key]
                    dispose = key in _DISPOSE_LATER
                    _DISPOSE_LATER.discard(key)
            if dispose:
                self._key.dispose()  # no stream holds it back any more
        super().close()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), max(0, self._size - self._position))
        if want == 0:
            return 0
        try:
            with self._key.lock:
                stored = self._key._value_buffer
                stored.seek(self._position)
                data = stored.read(want)
        except ValueError:  # the buffer was closed: the object is gone
            return 0
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)
