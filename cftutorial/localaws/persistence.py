"""The local AWS keeps its state on disk: one snapshot, rewritten after every change.

Why: the tutorial's saved state (``tutorial-state.json``) names buckets, distribution, OAC/OAI
and key group ids. If the local AWS forgot them on ``cftutorial local stop``/``start``, a crash
or a second ``make lab``, every saved id would be false and the next notebook would fail far
from the cause.

Design (one file, ``$CFTUTORIAL_HOME/local-aws-state.pickle``, mode 0600; the server is given
its path by :mod:`.process`):

- **What**: moto's S3 and CloudFront backends of the local account, pickled whole (buckets,
  objects with bytes, metadata and ACLs, bucket policies, ownership controls, Block Public
  Access, tags, distributions with their ids, ETags, config and deployment clock, OACs, public
  keys, key groups, invalidations) and KMS (every Region's keys, aliases and tags; the private
  halves of its signing keys as DER: the local AWS plays KMS's part), plus the fidelity layer's own stores: the OAIs
  (:mod:`.cloudfront.oai`) and the account key pairs (:mod:`.account_keys`). The edge keeps
  nothing worth saving (its decision log is a recent-history view); the access log files it
  delivers to S3 are written through :meth:`Snapshots.writing`, under the same lock, and saved.
- **When**: :meth:`Snapshots.wrap` runs every mutating request (any method but GET, HEAD,
  OPTIONS) of the AWS port under one lock, then writes the snapshot before the answer leaves
  the process. So mutating requests are serialised, and a client that saw an answer knows its
  change is on disk: a ``kill -9`` at any moment leaves the last completed request saved.
  Reads are not locked and never write.
- **How**: a temporary file beside the snapshot, ``fsync``, ``os.replace`` over the old one,
  ``fsync`` of the directory: a reader sees the old snapshot or the new one, never half a file.
  The file starts with a magic line and a JSON header (format, moto and cftutorial versions,
  SHA-256 and size of the pickle, a summary), then the pickle.
- **Restore**: the server restores once, before it binds its ports, so no request ever sees a
  half-restored state. A snapshot that cannot be used (another moto version, a wrong checksum,
  a pickle that fails to load) is moved aside to ``local-aws-state.pickle.unreadable-<time>``
  with one ``PERSISTENCE`` log line, and the server starts empty and says so in
  ``cftutorial local status``.
- **Trust**: unpickling runs code named by the file, so the file is only ever read from the
  user's own state directory (mode 0700), written by this server, mode 0600.

``cftutorial local reset`` removes the snapshot on purpose (:func:`remove`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .. import __version__
from . import account_keys, moto_adapter
from .cloudfront import oai

log = logging.getLogger("cftutorial.localaws.persistence")

MAGIC = b"cftutorial local AWS state\n"
FORMAT = 1
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: JSON-protocol operations (every one a POST, named by ``X-Amz-Target``) that change nothing:
#: KMS ``Sign`` runs once per signed URL, so it must not rewrite the snapshot each time.
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


class UnreadableSnapshot(Exception):
    """The snapshot exists but cannot be restored (the reason is the message)."""


@dataclass(frozen=True)
class Outcome:
    """What the server found at start: ``restored``, ``empty`` (no snapshot) or ``unreadable``."""

    result: str
    file: str
    message: str
    moved_to: str | None = None
    summary: dict[str, int] | None = None
    seconds: float = 0.0  # reading, checking and installing the snapshot

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def collect() -> dict[str, Any]:
    """Everything the local AWS holds, as one picklable value."""
    return {
        "moto": moto_adapter.moto_state(),
        "oai": oai.export_state(),
        "account_keys": account_keys.export_state(),
    }


def install(state: dict[str, Any]) -> None:
    """Make ``state`` (from :func:`collect`, unpickled) the local AWS's state."""
    if not isinstance(state, dict) or not {"moto", "oai", "account_keys"} <= set(state):
        raise TypeError("the snapshot lacks moto's state, the OAIs or the account key pairs")
    try:
        oai.import_state(state["oai"])
        account_keys.import_state(state["account_keys"])
        moto_adapter.restore_moto_state(state["moto"])  # checks, then installs: all or nothing
    except BaseException:
        oai.reset()
        account_keys.reset()
        raise


def describe(summary: dict[str, int]) -> str:
    """``buckets: 3, objects: 9, distributions: 1…`` (only what there is; ``nothing`` otherwise)."""
    parts = [f"{what}: {count}" for what, count in summary.items() if count]
    return ", ".join(parts) or "nothing"


def _summary() -> dict[str, int]:
    return {
        **moto_adapter.state_summary(),
        "OAIs": len(oai.all_oais()),
        "account key pairs": len(account_keys.trusted_for_self()),
    }


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


def _dumps(state: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return buffer.getvalue()


def encode(state: dict[str, Any], summary: dict[str, int]) -> bytes:
    """The file's bytes: magic line, JSON header line, pickle."""
    payload = _dumps(state)
    header = {
        "format": FORMAT,
        "moto": moto_adapter.moto_version(),
        "cftutorial": __version__,
        "saved_at": time.time(),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size": len(payload),
        "summary": summary,
    }
    return MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + payload


def decode(data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and state of a snapshot's bytes; :class:`UnreadableSnapshot` says what is wrong."""
    if not data.startswith(MAGIC):
        raise UnreadableSnapshot("it is not a cftutorial local AWS snapshot")
    header_line, _, payload = data[len(MAGIC) :].partition(b"\n")
    try:
        header = json.loads(header_line)
    except ValueError:
        raise UnreadableSnapshot("its header is not JSON") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise UnreadableSnapshot(f"it has format {header.get('format')!r}, not {FORMAT}")
    if header.get("moto") != moto_adapter.moto_version():
        raise UnreadableSnapshot(
            f"it was written by moto {header.get('moto')}, this is moto "
            f"{moto_adapter.moto_version()}"
        )
    if len(payload) != header.get("size") or hashlib.sha256(payload).hexdigest() != header.get(
        "sha256"
    ):
        raise UnreadableSnapshot("its checksum does not match (the file is damaged)")
    try:
        state = pickle.loads(payload)  # our own file, in the user's 0700 directory
    except Exception as exc:  # any failure to unpickle means the same: unusable
        raise UnreadableSnapshot(f"it cannot be unpickled ({type(exc).__name__}: {exc})") from None
    return header, state


def write_atomically(path: Path, data: bytes) -> None:
    """Temporary file, fsync, rename over ``path``, fsync the directory (mode 0600)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # not every platform can open a directory
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class Snapshots:
    """The snapshot of one local AWS process: restore at start, save after each change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()

    def save(self) -> int:
        """Write the current state (call with :attr:`lock` held). Returns the file's size."""
        data = encode(collect(), _summary())
        write_atomically(self.path, data)
        return len(data)

    def restore(self) -> Outcome:
        """Load the snapshot, if any, before the server serves anything."""
        started = time.perf_counter()
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return Outcome("empty", str(self.path), "no saved state: started empty")
        except OSError as exc:
            return self._move_aside(f"it cannot be read: {exc.strerror}")
        try:
            header, state = decode(data)
            install(state)
        except UnreadableSnapshot as exc:
            return self._move_aside(str(exc))
        except Exception as exc:  # a snapshot of the right moto whose content does not fit
            return self._move_aside(f"it does not fit this local AWS ({type(exc).__name__}: {exc})")
        summary = _summary()
        saved = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(header["saved_at"]))
        message = f"restored {describe(summary)} (saved {saved})"
        seconds = time.perf_counter() - started
        log.info("PERSISTENCE %s from %s in %.3f s", message, self.path, seconds)
        return Outcome("restored", str(self.path), message, summary=summary, seconds=seconds)

    def _move_aside(self, reason: str) -> Outcome:
        aside = self.path.with_name(f"{self.path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            aside, kept = None, f"could not move it aside ({exc.strerror})"
        else:
            kept = f"moved it to {aside.name}"
        message = f"the saved state could not be read ({reason}); {kept} and started empty"
        log.warning("PERSISTENCE %s", message)
        return Outcome(
            "unreadable", str(self.path), message, moved_to=str(aside) if aside else None
        )

    def writing(self, change: Callable[[], Any]) -> Any:
        """Run a write that does not come through the AWS port (the edge delivering access log
        files) under the same lock, and save after it, as a mutating request would be."""
        with self.lock:
            result = change()
            try:
                self.save()
            except Exception:
                log.exception("PERSISTENCE could not write %s", self.path)
        return result

    def wrap(self, app: Callable) -> Callable:
        """``app`` with every mutating request serialised and saved before it is answered."""

        def wsgi(environ, start_response):
            if _read_only(environ):
                return app(environ, start_response)
            with self.lock:
                body = _drain(app(environ, start_response))
                try:
                    self.save()
                except Exception:  # the answer still goes out; the log says what was lost
                    log.exception("PERSISTENCE could not write %s", self.path)
            return [body]

        # the app's own request handler (Server header, parsing) must survive the wrapping
        wsgi.request_handler = getattr(app, "request_handler", None)  # type: ignore[attr-defined]
        return wsgi


def _read_only(environ: dict) -> bool:
    return (
        environ.get("REQUEST_METHOD", "GET").upper() in SAFE_METHODS
        or environ.get("HTTP_X_AMZ_TARGET", "") in READ_ONLY_TARGETS
    )


def _drain(result: Iterable[bytes]) -> bytes:
    """The whole body of a WSGI answer (moto's are small and complete), closing it as WSGI asks."""
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def remove(path: Path) -> bool:
    """Delete the snapshot and any temporary file left by a kill mid-write (``local reset``).

    False when there was no snapshot.
    """
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
