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


class UnsupportedPolicyError(CftutorialError):
    """A bucket policy uses an element the local S3 does not evaluate (rather than guess at it)."""


class EdgeError(CftutorialError):
    """The local CloudFront edge cannot be reached or cannot answer what was asked."""


class SigningKeyError(CftutorialError):
    """A CloudFront signing key cannot be read, or is of a kind CloudFront does not accept."""


class KeyFileExistsError(SigningKeyError):
    """Writing a key pair would overwrite an existing key file (pass overwrite=True to allow it)."""


class PolicyError(CftutorialError):
    """A signed URL/cookie policy value is wrong: bad time, resource, IP address or order of dates."""


class SignedUrlError(CftutorialError):
    """A URL, key pair id or hash algorithm cannot be used to make a signed URL or cookie."""


class CookieOptionError(CftutorialError):
    """A Set-Cookie option (domain, path, max-age) cannot be used for CloudFront signed cookies."""


class BatchError(CftutorialError):
    """A batch run cannot start or finish: unreadable input, unusable output path or options."""


class BadRowError(BatchError):
    """One input row names no usable object; carries the line number so the file can be fixed."""

    def __init__(self, line: int, key: str, reason: str) -> None:
        self.line = line
        self.key = key
        self.reason = reason
        super().__init__(
            f"{self.problem}; fix the row, or skip bad rows with --on-error skip "
            "(on_error='skip' in Python)"
        )

    @property
    def problem(self) -> str:
        """The row and what is wrong with it, without the fix (which depends on the caller)."""
        return f"line {self.line}: {self.reason}"


class MotoVersionError(LocalAWSError):
    """The installed moto no longer matches what the local AWS fidelity layer patches."""


class AccountKeyPairError(CftutorialError):
    """A local account key pair (the guide's root-account key pair) cannot be registered."""


class ViewerURLError(CftutorialError):
    """A viewer URL is not an http(s) URL with a host, so it cannot be fetched through the edge."""


class PlayerError(CftutorialError):
    """A browser player option (size, element id) cannot be used for the notebook's video element."""


# Tutorial steps (state, bucket, origin_access, permissions, distribution, keygroups, forms)


class StateError(CftutorialError):
    """The saved tutorial state is missing something, or cannot be read or written."""


class InvalidRunNameError(StateError):
    """A run name that cannot be used to name AWS resources."""


class ModernPathRequired(StateError):
    """A notebook that needs a key group (09-12) was asked to work on the guide's path."""


class BucketError(CftutorialError):
    """The bucket cannot be created or used as asked."""


class BucketNameError(BucketError):
    """A bucket name that S3 would refuse; the message names the rule and the offending part."""


class RegionError(BucketError):
    """A region name that is not one, or a bucket that exists in another region."""


class OriginAccessError(CftutorialError):
    """An origin access identity or control cannot be created or found."""


class PermissionsError(CftutorialError):
    """The read permission for CloudFront could not be set up as asked."""


class AclNotSupportedError(PermissionsError):
    """The bucket disables ACLs (BucketOwnerEnforced), so the guide's ACL grant cannot work."""


class DistributionError(CftutorialError):
    """The distribution cannot be created, changed or found as asked."""


class DeploymentTimeout(DistributionError):
    """The distribution did not reach Deployed in time."""


class WaitInterrupted(KeyboardInterrupt):
    """The learner interrupted a wait that can be resumed (the kernel's Interrupt, Ctrl-C).

    Still a ``KeyboardInterrupt`` (code that stops on an interrupt still stops; ``except
    Exception`` does not swallow it); its message says what goes on without the wait and how to
    resume it, and a notebook shows that one line instead of a traceback.
    """


class KeyGroupError(CftutorialError):
    """A public key or key group cannot be created, found or used as asked."""


class WrongKeyPairIdError(KeyGroupError):
    """A Key-Pair-Id that is not the id of a trusted public key (often the key group id)."""


class RotationError(KeyGroupError):
    """A key rotation step out of order, or a run that cannot rotate (the guide's path)."""


class FormError(CftutorialError):
    """A form field was given a value the form does not offer."""


class KmsKeyError(CftutorialError):
    """A KMS key id that names no usable CloudFront signing key (unknown, wrong usage or spec)."""


class CertificateError(CftutorialError):
    """An ACM certificate for an alternate domain name cannot be requested, issued or used."""


class CertificateNotIssued(CertificateError):
    """The certificate did not reach ISSUED in time (on AWS: its DNS record is missing)."""


class LoginAppError(CftutorialError):
    """The notebook's login app cannot start, or was asked for something it does not do."""
