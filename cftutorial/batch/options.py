"""The options of a batch run: ONE definition, built and checked the same way everywhere.

``cftutorial batch`` (its flags), the batch notebook (its parameters cell) and
:func:`cftutorial.batch.sign_batch` (its keyword arguments) all build a :class:`BatchOptions`
with :meth:`BatchOptions.build`. Every option is checked before any work starts, so a mistake
costs no output and no worker processes, and each mistake is reported as one
:class:`BatchOptionError` that names the option the way its caller spells it (``key_pair_id`` in
the notebook, ``--key-pair-id`` on the command line) and says what would be accepted.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..errors import BatchError, CftutorialError
from ..signing import keys, policy, rules, signer
from .inputs import check_base_url, check_source
from .outputs import output_format

ON_ERROR = ("stop", "skip")
POLICIES = ("canned", "custom", "shared")
#: Each option's name in the notebook and in Python; the CLI passes its flags instead.
OPTION_NAMES = (
    "objects",
    "output",
    "domain",
    "key_pair_id",
    "private_key",
    "expires",
    "policy",
    "starts",
    "ip_address",
    "policy_resource",
    "hash_algorithm",
    "workers",
    "on_error",
)

T = TypeVar("T")


class BatchOptionError(BatchError):
    """One batch option cannot be used; ``option`` is its name as the caller spells it."""

    def __init__(self, option: str, detail: str) -> None:
        self.option = option
        self.detail = detail
        super().__init__(detail if detail.startswith(option) else f"{option}: {detail}")


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class BatchOptions:
    """Checked, normalised batch options (build them with :meth:`build`)."""

    objects: str | Path | Iterable[str | dict]
    outputs: tuple[Path, ...]
    base_url: str
    key_pair_id: str
    #: None with an external signer (a key in AWS KMS)
    private_key: keys.PrivateKey | None = field(repr=False)
    #: the key as a worker process can load it: a file path, or PEM bytes for an in-memory key
    private_key_source: str | bytes | None = field(repr=False)
    expires: int
    policy: str
    starts: int | None
    ip_address: str | None
    policy_resource: str | None
    hash_algorithm: str
    workers: int
    on_error: str
    #: a signer whose key is elsewhere (:class:`cftutorial.aws.kms.KmsSigner`): :mod:`.kms` runs
    #: such a batch with threads, within the KMS request quota, instead of worker processes
    external: Any = field(default=None, repr=False)

    @property
    def output(self) -> Path:
        """The file the run writes; the other outputs are converted from it."""
        return self.outputs[0]

    @classmethod
    def build(
        cls,
        *,
        objects: Any,
        output: Any,
        domain: Any,
        key_pair_id: Any,
        private_key: Any,
        expires: Any = "24h",
        policy: Any = None,
        starts: Any = None,
        ip_address: Any = None,
        policy_resource: Any = None,
        hash_algorithm: Any = None,
        workers: Any = None,
        on_error: Any = "stop",
        names: Mapping[str, str] | None = None,
        now: float | None = None,
        external: Any = None,
    ) -> BatchOptions:
        """Check every option; the first unusable one raises :class:`BatchOptionError`.

        ``domain`` is ``d….cloudfront.net`` or a base URL (``https://DOMAIN/prefix``). ``policy``
        is ``canned``, ``custom`` (one per URL) or ``shared`` (one for every URL); ``None`` picks
        it from the other options. Times may be relative (``24h``), ISO 8601 or epoch seconds,
        counted from ``now``. ``names`` maps option names to the caller's spelling.
        ``hash_algorithm=None`` means the key's (:func:`cftutorial.signing.rules.hash_for`, as
        ``cftutorial sign``: SHA1 for RSA, SHA256 for ECDSA, and ECDSA with SHA1 refused).
        ``external`` (an :class:`~cftutorial.signing.signer.ExternalSigner`) replaces
        ``private_key``; ``hash_algorithm=None`` then means the one it signs with.
        """
        label = {name: (names or {}).get(name, name) for name in OPTION_NAMES}
        now = time.time() if now is None else now

        def checked(name: str, check: Callable[[], T]) -> T:
            try:
                return check()
            except BatchOptionError:
                raise
            except CftutorialError as exc:
                raise BatchOptionError(label[name], str(exc)) from None

        source = checked("objects", lambda: check_source(objects, label["objects"]))
        outputs = checked("output", lambda: _check_outputs(output, source, label["output"]))
        base_url = checked("domain", lambda: _check_domain(domain, label["domain"]))
        key_id = checked("key_pair_id", lambda: signer.check_key_pair_id(key_pair_id))
        key = checked(
            "private_key",
            lambda: None if external is not None else _load_key(private_key, label["private_key"]),
        )
        expiry = checked("expires", lambda: _check_expiry(expires, label["expires"], now))
        start = checked(
            "starts",
            lambda: _check_start(starts, expiry, (label["starts"], label["expires"]), now),
        )
        ip = checked("ip_address", lambda: None if ip_address is None else policy_ip(ip_address))
        kind, resource = checked(
            "policy", lambda: _check_policy(policy, start, ip, policy_resource, label)
        )
        if kind == "shared":
            resource = checked(
                "policy_resource",
                lambda: _check_resource(resource or f"{base_url}/*", label),
            )
        algorithm = checked(
            "hash_algorithm",
            lambda: _check_hash(hash_algorithm, key, external, label["hash_algorithm"]),
        )
        return cls(
            objects=source,
            outputs=outputs,
            base_url=base_url,
            key_pair_id=key_id,
            private_key=key,
            private_key_source=None if key is None else _portable(private_key, key),
            expires=expiry,
            policy=kind,
            starts=start,
            ip_address=ip,
            policy_resource=resource,
            hash_algorithm=algorithm,
            workers=checked("workers", lambda: _check_workers(workers, label["workers"])),
            on_error=checked(
                "on_error", lambda: _check_choice(on_error, ON_ERROR, label["on_error"])
            ),
            external=external,
        )

    def signer(self) -> signer.Signer:
        """A signer for these options' key, key pair id and hash algorithm."""
        if self.external is not None:
            return signer.Signer(self.key_pair_id, external=self.external)
        return signer.Signer(self.key_pair_id, self.private_key, self.hash_algorithm)


def policy_ip(ip_address: Any) -> str:
    if not isinstance(ip_address, str):
        raise BatchError(f"{ip_address!r} is not an IPv4 address or CIDR range, e.g. 192.0.2.0/24")
    return policy.check_ip(ip_address)


def _check_outputs(output: Any, source: Any, name: str) -> tuple[Path, ...]:
    given = [output] if isinstance(output, str | Path) else output
    if not given or not isinstance(given, list | tuple):
        raise BatchError(
            f"{name}={output!r} is not an output file; pass a path ending .csv or .jsonl "
            "(or a list of them)"
        )
    outputs: list[Path] = []
    for item in given:
        if not isinstance(item, str | Path):
            raise BatchError(f"{name} {item!r} is not a file path ending .csv or .jsonl")
        target = Path(item).expanduser()
        output_format(target)
        if target.is_dir():
            raise BatchError(
                f"{name} {str(item)!r} is a directory; give a file name ending .csv or .jsonl"
            )
        if not target.parent.is_dir():
            raise BatchError(
                f"{name} directory {str(target.parent)!r} does not exist; create it or choose "
                "another path"
            )
        if isinstance(source, Path) and target.exists() and target.resolve() == source.resolve():
            raise BatchError(f"{name} {str(item)!r} is the input file; choose another output path")
        if target.resolve() in (o.resolve() for o in outputs):
            raise BatchError(f"{name} {str(item)!r} is given twice")
        outputs.append(target)
    return tuple(outputs)


def _check_domain(domain: Any, name: str) -> str:
    """A bare distribution domain gets ``https://``; anything else must already be a base URL."""
    text = domain.strip() if isinstance(domain, str) else domain
    if isinstance(text, str) and text and "/" not in text and ":" not in text:
        text = f"https://{text}"
    try:
        return check_base_url(text)
    except BatchError as exc:
        raise BatchOptionError(name, str(exc)) from None


def _check_hash(hash_algorithm: Any, key: keys.PrivateKey | None, external: Any, name: str) -> str:
    """The rule of ``cftutorial sign`` (:func:`.rules.hash_for`), or the external signer's one."""
    if external is None:
        return rules.hash_for(keys.key_kind(key), hash_algorithm, name=name)
    return signer.external_hash_algorithm(external.hash_algorithm, hash_algorithm)


def _load_key(private_key: Any, name: str) -> keys.PrivateKey:
    if private_key is None:
        raise BatchError(f"{name} is missing; pass the private key's PEM file")
    return keys.load_private_key(private_key)


def _portable(private_key: Any, key: keys.PrivateKey) -> str | bytes:
    """A file path stays a path (workers read it); anything else travels as PEM bytes."""
    if isinstance(private_key, str | Path) and "-----BEGIN" not in str(private_key):
        return str(Path(str(private_key).removeprefix("file://")).expanduser())
    return keys.private_key_pem(key)


def _check_expiry(expires: Any, name: str, now: float) -> int:
    if expires is None:
        raise BatchError(f"{name} is missing; give an expiry such as 24h or 2030-01-01T00:00:00Z")
    expiry = policy.parse_time(expires, name=name, now=now)
    return rules.check_not_past(expiry, now=now, name=name, allow=None)


def _check_start(starts: Any, expires: int, names: tuple[str, str], now: float) -> int | None:
    if starts is None:
        return None
    return rules.check_starts_before(
        policy.parse_time(starts, name=names[0], now=now), expires, names=names
    )


def _check_policy(
    kind: Any,
    start: int | None,
    ip: str | None,
    resource: Any,
    label: Mapping[str, str],
) -> tuple[str, str | None]:
    if kind is None:
        custom = start is not None or ip is not None
        kind = "shared" if resource is not None else "custom" if custom else "canned"
    kind = _check_choice(kind, POLICIES, label["policy"])
    if kind == "canned" and (start is not None or ip is not None):
        given = label["starts"] if start is not None else label["ip_address"]
        raise BatchError(
            f"{label['policy']}='canned' cannot carry {given} (a canned policy has only an "
            "expiry); use 'custom' (one policy per URL) or 'shared'"
        )
    if kind != "shared" and resource is not None:
        raise BatchOptionError(
            label["policy_resource"],
            f"{label['policy_resource']} is only for one shared policy; use "
            f"{label['policy']}='shared' or leave {label['policy_resource']} out",
        )
    return kind, resource


def _check_resource(resource: Any, label: Mapping[str, str]) -> str:
    if not isinstance(resource, str):
        raise BatchError(f"{label['policy_resource']}={resource!r} is not a URL pattern")
    policy.check_resource(resource, name=label["policy_resource"])
    return resource


def _check_workers(workers: Any, name: str) -> int:
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise BatchError(f"{name}={workers!r} is not a number of processes; use 1 or more")
    return workers


def _check_choice(value: Any, choices: tuple[str, ...], name: str) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in choices:
        raise BatchError(f"{name}={value!r} is not a choice; use {' or '.join(map(repr, choices))}")
    return text
