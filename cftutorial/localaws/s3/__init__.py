"""S3 as AWS does it where moto 5.2.5 does not (gaps S1-S8 of local-aws-fidelity.md).

| gap | module |
|---|---|
| S1 BucketOwnerEnforced + BPA | ``defaults`` |
| S2/S3 ACLs | ``acls`` |
| S4-S6 anonymous requests | ``anonymous`` (decision from ``access``) |
| S7 bucket policy validation | ``policy`` (THE bucket-policy parser, put time and read time) |
| S8 presigned URLs | ``presigned`` |
| X28 a GET that started before a delete or overwrite finishes | ``reads_in_flight`` |
| S3's read decision (also for the edge) | ``access`` |
| S3's ``<Error>`` body | ``errors`` (THE S3 error renderer) |
| bucket and key of a request | ``paths`` |
| 405 for what S3 has no operation for; its preflight 400 | ``methods`` |
| 4xx for a body or target S3 cannot use (``NoSuchBucket``, ``MalformedXML``, …) | ``shapes`` |
"""
