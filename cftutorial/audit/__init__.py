"""Read-only checks of what people get wrong with private CloudFront content.

``cftutorial audit`` (a distribution: behaviours, key groups, origin access, bucket policy,
Block Public Access, encryption, viewer protocol) and ``cftutorial keys check`` (a private key
file before any request) report :class:`findings.Finding` objects in a :class:`findings.Report`.
They change nothing, in local and aws mode alike.

Between ``run`` and ``batch``: the audit reads AWS through ``aws`` and judges with the same
rules the local edge and the signer use.
"""
