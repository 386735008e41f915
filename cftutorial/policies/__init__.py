"""Resource policies (an S3 bucket policy, a KMS key policy) read one way, for every reader.

:mod:`.statements` is how a statement applies to a request: its principal, action, resource and
condition, for the principals this tutorial meets (an anonymous caller, an origin access identity,
CloudFront reading through origin access control with ``AWS:SourceArn``). The local S3
(``localaws/s3/``) decides reads with it; ``cftutorial audit`` (``audit/``) judges a real
account's policies with it, so "does this statement let CloudFront read for this distribution"
is one rule in one place.

Pure: no AWS API, no moto, no I/O. Between ``localaws`` and ``signing`` in the layers (it uses
``signing.wildcard``, the one reading of ``*`` and ``?``).
"""
