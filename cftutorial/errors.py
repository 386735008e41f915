"""The package's one exception hierarchy.

Every error raised on purpose by cftutorial derives from :class:`CftutorialError`, so a notebook
or the CLI can catch one type and show its message. Messages name the bad value and say what
would be accepted; the CLI prints them as one line and exits 2.
"""

from __future__ import annotations


class CftutorialError(Exception):
    """Base class of every error cftutorial raises on purpose."""


class ConfigError(CftutorialError):
    """An environment variable or setting has a value cftutorial cannot use."""


class BackendError(CftutorialError):
    """The active backend (local or aws) cannot do what was asked."""


class LocalAWSError(CftutorialError):
    """The local AWS process could not be started, reached or stopped."""


class PortInUseError(LocalAWSError):
    """A port the local AWS needs is already taken by another program."""


class LocalAWSNotRunning(LocalAWSError):
    """The local AWS process is not running and was not started."""
