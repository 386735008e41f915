"""AWS operations: boto3 clients for the active backend, the opt-in, and one module per resource
(buckets, origin access, bucket access, distributions, signing keys, account key pairs).

The resource modules take clients and never import each other; composing them is the tutorial's job.
"""
