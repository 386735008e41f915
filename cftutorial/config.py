"""Settings read from the environment, validated once, in one place.

| variable | meaning | default |
|---|---|---|
| ``CFTUTORIAL_HOME`` | state directory: local AWS runtime file and log, saved tutorial state, keys | the checkout's ``.cftutorial/`` when the package runs from a source checkout, else ``~/.cftutorial`` |
| ``CFTUTORIAL_BACKEND`` | ``local`` (the embedded local AWS) or ``aws`` (real AWS, opt-in) | ``local`` |
| ``CFTUTORIAL_AWS_PORT`` | port of the local AWS API (``0`` = any free port) | 4750 |
| ``CFTUTORIAL_EDGE_PORT`` | port of the local CloudFront edge (``0`` = any free port) | 4751 |
| ``CFTUTORIAL_DEPLOY_SECONDS`` | how long a local distribution stays ``InProgress`` after a change (0–3600) | 2 |
| ``CFTUTORIAL_LOCAL_READ_SECONDS`` | how long the local AWS waits for a request head, or for a pause in a body, before it drops the client (0.5–600; see :mod:`cftutorial.localaws.connections`) | 10 |
| ``CFTUTORIAL_LOCAL_MAX_CONNECTIONS`` | connections the local AWS serves at once on each port; one more is closed (1–10000) | 128 |
| ``CFTUTORIAL_LOG_DELIVERY_SECONDS`` | how long the local edge keeps standard access log lines before it writes the file to the ``Logging`` bucket (0–3600) | 5 |
| ``CFTUTORIAL_ACM_ISSUE_SECONDS`` | how long a requested local ACM certificate stays ``PENDING_VALIDATION`` (0–3600) | 3 |
| ``CFTUTORIAL_LOCAL_ALLOWED_HOSTS`` | ``Host`` names both local ports answer besides this machine's own (``127.0.0.1``, ``localhost``, ``[::1]``, ``*.localhost``): comma-separated names, ``.example.org`` for a name and its subdomains, ``*`` for any (see :mod:`cftutorial.localaws.boundary`) | none; ``*`` behind JupyterHub or Binder (``JUPYTERHUB_SERVICE_PREFIX`` set) |
| ``CFTUTORIAL_AWS_CORS_ORIGINS`` | web page origins that may call the local AWS API from a browser (comma-separated); every other page is refused | none |
| ``CFTUTORIAL_EDGE_CORS_ORIGINS`` | CORS for in-browser players: ``*``, a comma-separated list of origins, or empty for none | ``*`` |
| ``CFTUTORIAL_AWS_OPT_IN`` | ``yes`` lets aws mode create resources (see :mod:`cftutorial.aws.backend`) | unset |
| ``CFTUTORIAL_EDGE_ENDPOINT`` | aws mode against a stand-in (``AWS_ENDPOINT_URL``): the stand-in's edge, which viewer requests then go to | unset: the real CloudFront URL |
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
from pathlib import Path

from .errors import ConfigError

ENV_HOME = "CFTUTORIAL_HOME"
ENV_BACKEND = "CFTUTORIAL_BACKEND"
ENV_AWS_PORT = "CFTUTORIAL_AWS_PORT"
ENV_EDGE_PORT = "CFTUTORIAL_EDGE_PORT"
ENV_EDGE_ENDPOINT = "CFTUTORIAL_EDGE_ENDPOINT"
ENV_ALLOWED_HOSTS = "CFTUTORIAL_LOCAL_ALLOWED_HOSTS"
#: Set by JupyterHub (and so Binder) in every single-user server and its kernels.
ENV_HUB_PREFIX = "JUPYTERHUB_SERVICE_PREFIX"
_HOST_ENTRY = re.compile(r"\*|\.?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")

DEFAULT_AWS_PORT = 4750
DEFAULT_EDGE_PORT = 4751
BACKENDS = ("local", "aws")

LOCAL_HOST = "127.0.0.1"
LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT_ID = "123456789012"
#: Dummy credentials for the local AWS. They are passed explicitly to every local client, so
#: botocore never looks at the environment, ``~/.aws`` or an SSO cache in local mode.
LOCAL_ACCESS_KEY_ID = "LOCALCFTUTORIALKEY00"
LOCAL_SECRET_ACCESS_KEY = "local-cftutorial-secret-not-a-real-credential"


def _checkout_root() -> Path | None:
    """The source checkout this package runs from, if it runs from one (editable install)."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir():
        return root
    return None


def home_path() -> Path:
    """Where the state directory is, without creating it: reading commands leave no trace."""
    raw = os.environ.get(ENV_HOME, "").strip()
    if raw:
        path = Path(raw).expanduser()
    else:
        root = _checkout_root()
        path = (root / ".cftutorial") if root else (Path.home() / ".cftutorial")
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{ENV_HOME}={str(path)!r} is not a directory; set it to a directory")
    return path


def home() -> Path:
    """The state directory, created on first use (mode 0700): for code that writes there.

    It must be this user's alone (:func:`require_private_directory`): the local AWS loads its
    saved state from there, and pickled state runs code when loaded.
    """
    path = home_path()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{ENV_HOME}={str(path)!r} cannot be used as the state directory ({exc.strerror}); "
            "set it to a writable directory"
        ) from None
    if not path.is_dir():
        raise ConfigError(f"{ENV_HOME}={str(path)!r} is not a directory; set it to a directory")
    require_private_directory(path)
    return path


def user_name(uid: int) -> str:
    """``name (uid N)``, or ``uid N`` when the system has no name for it."""
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def require_private_directory(path: Path) -> None:
    """``path`` belongs to this user and to no one else, as OpenSSH's StrictModes asks of
    ``~/.ssh``: mode 0700, tightened here when it is looser; a directory owned by another user
    is refused (ConfigError, one line naming the command that fixes it)."""
    if not hasattr(os, "geteuid"):  # no POSIX owners (Windows): nothing to compare
        return
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError(f"cannot use {path} as the state directory ({exc.strerror})") from None
    me = os.geteuid()
    if info.st_uid != me:
        raise ConfigError(
            f"refusing to use {path} as the state directory: it belongs to "
            f"{user_name(info.st_uid)}, not to you ({user_name(me)}), and files someone else "
            f"put there could run code when the local AWS loads them; set {ENV_HOME} to a "
            f'directory of your own, or take this one over: chown -R "$(id -un)" {path}'
        )
    if info.st_mode & 0o077:
        try:
            path.chmod(0o700)
        except OSError as exc:
            raise ConfigError(
                f"the state directory {path} is open to other users (mode "
                f"{info.st_mode & 0o777:o}) and cannot be made private ({exc.strerror}): "
                f"chmod 700 {path}"
            ) from None


def backend() -> str:
    """The active backend: ``local`` (default) or ``aws``."""
    value = os.environ.get(ENV_BACKEND, "").strip().lower() or "local"
    if value not in BACKENDS:
        raise ConfigError(
            f"{ENV_BACKEND}={os.environ.get(ENV_BACKEND)!r} is not a backend; "
            f"use one of {', '.join(BACKENDS)}"
        )
    return value


def number(
    name: str,
    default: float,
    low: float,
    high: float,
    *,
    whole: bool = False,
    unit: str = "seconds",
) -> float:
    """A numeric setting from environment variable ``name``, ``low`` to ``high`` (``whole``: an
    int); unset or blank: ``default``. The one rule for every numeric setting, so each refusal
    names the variable, the value and what would be accepted in the same words."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value: float | None = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:  # NaN compares false: refused too
        kind = "a whole number" if whole else "a number"
        raise ConfigError(
            f"{name}={raw!r} is not allowed; use {kind} of {unit} from {low:g} to {high:g}"
        )
    return value


def port(name: str, default: int) -> int:
    """A TCP port from environment variable ``name``: 0 (any free port) to 65535."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise ConfigError(
            f"{name}={raw!r} is not a port; use a whole number from 1 to 65535, or 0 for any free port"
        )
    return value


def aws_port() -> int:
    return port(ENV_AWS_PORT, DEFAULT_AWS_PORT)


def edge_port() -> int:
    return port(ENV_EDGE_PORT, DEFAULT_EDGE_PORT)


def edge_endpoint() -> str | None:
    """The stand-in edge viewer requests go to in aws mode (``http://HOST:PORT``), or None."""
    raw = os.environ.get(ENV_EDGE_ENDPOINT, "").strip().rstrip("/")
    if not raw:
        return None
    if not raw.startswith(("http://", "https://")) or "/" in raw.split("//", 1)[1]:
        raise ConfigError(
            f"{ENV_EDGE_ENDPOINT}={raw!r} is not an edge address; use e.g. "
            "'http://127.0.0.1:4751' (the stand-in's edge), or unset it for real CloudFront"
        )
    return raw


_DISK_PROBLEMS = {
    errno.ENOSPC: "the disk holding {where} is full",
    errno.EDQUOT: "your disk quota for {where} is used up",
    errno.EROFS: "{where} is on a read-only file system",
    errno.EACCES: "{where} may not be written",
    errno.EPERM: "{where} may not be written",
    errno.EIO: "the disk holding {where} reported an I/O error",
}
#: The fix for each problem :func:`disk_problem` names (what ``cftutorial doctor`` prints).
DISK_FIXES = {
    errno.ENOSPC: "free space on that disk, or set CFTUTORIAL_HOME to a directory on another "
    "disk and restart the local AWS (cftutorial local stop; cftutorial local start)",
    errno.EROFS: "set CFTUTORIAL_HOME to a writable directory and restart the local AWS "
    "(cftutorial local stop; cftutorial local start)",
}


def disk_problem(exc: OSError, where: Path) -> str:
    """A failed write in ``where``, in words (disk full, read-only, ...), with the system's text."""
    known = _DISK_PROBLEMS.get(exc.errno or 0)
    if known is None:
        return f"writing in {where} failed ({exc.strerror or exc})"
    return f"{known.format(where=where)} ({exc.strerror})"


def local_allowed_hosts() -> tuple[str, ...]:
    """``CFTUTORIAL_LOCAL_ALLOWED_HOSTS`` as lower-case entries (``name``, ``.suffix``, ``*``);
    unset: ``("*",)`` behind JupyterHub or Binder, else none."""
    raw = os.environ.get(ENV_ALLOWED_HOSTS)
    if raw is None:
        return ("*",) if os.environ.get(ENV_HUB_PREFIX) else ()
    entries = []
    for item in raw.split(","):
        entry = item.strip().lower()
        if entry.startswith("[") and entry.endswith("]"):
            entry = entry[1:-1]
        if not entry:
            continue
        if not (_HOST_ENTRY.fullmatch(entry) or _is_ipv6(entry)):
            raise ConfigError(
                f"{ENV_ALLOWED_HOSTS} has {item.strip()!r}, which is not a host name; use names "
                "without scheme or port, e.g. hub.example.org, .example.org for every subdomain, "
                "or * for any"
            )
        entries.append(entry)
    return tuple(entries)


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


#: What a shell must drop for the AWS CLI and boto3 to use exactly the settings of
#: :func:`local_client_env`: a profile (botocore fails on one it cannot find, and its config can
#: name another endpoint), a session token the local key pair does not go with, the switches
#: that ignore ``AWS_ENDPOINT_URL`` or rewrite it (FIPS, dual-stack). Every ``AWS_ENDPOINT_URL_*``
#: set in the environment goes too: a service's own endpoint outranks ``AWS_ENDPOINT_URL``.
LOCAL_ENV_UNSET = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
)


def local_client_env(aws_endpoint: str) -> tuple[dict[str, str], list[str]]:
    """(variables to set, variables to unset) that point the AWS CLI and any boto3 script at the
    local AWS through their default configuration: its endpoint, the local key pair, the region."""
    values = {
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
        "AWS_REGION": LOCAL_REGION,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
    }
    per_service = sorted(name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_"))
    return values, [*LOCAL_ENV_UNSET, *per_service]
