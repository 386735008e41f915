"""Signing: keys, policies, signed URLs and cookies, and CloudFront's viewer check.

Knows no AWS API (only ``cryptography``), so the command line and batch runs need nothing else.
"""
