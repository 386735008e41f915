"""S3's 4xx for a request whose body or target S3 cannot use, where moto 5.2.5 answers HTTP 500.

AWS checks these before anything is read or changed; moto reads the body or the resource and
raises (``KeyError``, ``UnicodeDecodeError``, ``AttributeError``):

* **A body that is not the XML document its sub-resource takes** (``POST ?delete`` wants
  ``<Delete>``, ``PUT ?tagging`` ``<Tagging>``, …): ``400 MalformedXML`` "The XML you provided was
  not well-formed or did not validate against our published schema" (S3 API, "Error
  responses"). ``?acl`` and ``?policy`` have their own rules (:mod:`.acls`, :mod:`.policy`).
* **A browser-form upload (``POST /bucket``) that is not ``multipart/form-data``**: ``412
  PreconditionFailed`` ("Bucket POST must be of the enclosure-type multipart/form-data"); one
  without a ``key`` field: ``400 InvalidArgument`` "Bucket POST must contain a field named
  'key'.".
* **Any request to a bucket that does not exist** but CreateBucket: ``404 NoSuchBucket``, before
  the body is read.
* **A ``CreateBucket`` body that is not ``<CreateBucketConfiguration>``**: ``400 MalformedXML``.
* **A body sent with ``CreateMultipartUpload``**, which takes none: ignored, as AWS ignores it.
* **A multipart upload id that does not exist**: ``404 NoSuchUpload``.
* **A sub-resource of an object that does not exist** (its tags, its ACL, a restore, a select):
  ``404 NoSuchKey``.
* **An integer query argument that is not one** (``max-keys``, ``partNumber``, ``max-parts``,
  ``part-number-marker``; moto raises on ``int()``): ``400 InvalidArgument`` with
  ``ArgumentName`` and ``ArgumentValue``. The S3 API reference types them as integers but does
  not document the answer to one that is not; the ``max-keys`` and ``partNumber`` messages are
  S3's as other S3 implementations measured them against AWS (ceph s3-tests'
  ``test_bucket_list_maxkeys_invalid``), the other two are local (:data:`INTEGER_ARGUMENTS`).

The last two apply to signed requests only: an anonymous request meets the anonymous rules first
(:mod:`.anonymous`), which answer ``AccessDenied`` without saying whether anything exists.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from email.parser import BytesParser
from email.policy import HTTP

from .. import moto_adapter
from ..wire import Request, Response
from .errors import s3_error
from .paths import bucket_and_key, bucket_exists

#: Sub-resource -> the root element of the XML body S3 takes with PUT on it.
PUT_BODIES = {
    "tagging": "Tagging",
    "lifecycle": "LifecycleConfiguration",
    "cors": "CORSConfiguration",
    "versioning": "VersioningConfiguration",
    "website": "WebsiteConfiguration",
    "notification": "NotificationConfiguration",
    "encryption": "ServerSideEncryptionConfiguration",
    "logging": "BucketLoggingStatus",
    "ownershipControls": "OwnershipControls",
    "publicAccessBlock": "PublicAccessBlockConfiguration",
    "accelerate": "AccelerateConfiguration",
    "requestPayment": "RequestPaymentConfiguration",
    "object-lock": "ObjectLockConfiguration",
    "replication": "ReplicationConfiguration",
    "retention": "Retention",
    "legal-hold": "LegalHold",
}
#: ... and with POST.
POST_BODIES = {
    "delete": "Delete",
    "restore": "RestoreRequest",
    "select": "SelectObjectContentRequest",
}
#: POST ?uploadId=… completes an upload: its body is ``<CompleteMultipartUpload>``.
COMPLETE = "CompleteMultipartUpload"
OBJECT_SUBRESOURCES = ("tagging", "acl", "retention", "legal-hold", "restore", "select")
MALFORMED_XML = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
NO_KEY_FIELD = (
    "Bucket POST must contain a field named 'key'.  If it is specified, please check the order "
    "of the fields."
)
NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
    "been aborted or completed."
)


def _root(body: bytes) -> str | None:
    """The local name of the body's root element (``None``: not XML at all)."""
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError):
        return None
    return root.tag.rsplit("}", 1)[-1]


def _expected_root(request: Request, key: str) -> str | None:
    query = request.query
    if request.method == "POST" and key and "uploadId" in query:
        return COMPLETE
    bodies = {"PUT": PUT_BODIES, "POST": POST_BODIES}.get(request.method, {})
    return next((root for name, root in bodies.items() if name in query), None)


def malformed_body(request: Request) -> Response | None:
    _bucket, key = bucket_and_key(request)
    expected = _expected_root(request, key)
    if expected is not None and _root(request.body) != expected:
        return s3_error("MalformedXML", MALFORMED_XML, 400)
    return None


def _form_fields(request: Request) -> set[str] | None:
    """The field names of a ``multipart/form-data`` body (``None``: not one)."""
    content_type = request.header("Content-Type") or ""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    if not message.is_multipart():
        return set()
    names = set()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            names.add(name.lower())
    return names


def form_upload(request: Request) -> Response | None:
    """A ``POST /bucket`` with no sub-resource is a browser-form upload (S3 "POST Object")."""
    bucket, key = bucket_and_key(request)
    if request.method != "POST" or not bucket or key or "delete" in request.query:
        return None
    fields = _form_fields(request)
    if fields is None:
        return s3_error(
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold",
            412,
            Condition="Bucket POST must be of the enclosure-type multipart/form-data",
        )
    if "key" not in fields:
        return s3_error("InvalidArgument", NO_KEY_FIELD, 400, ArgumentName="key")
    return None


def bucket_configuration(request: Request) -> Response | None:
    """``PUT /bucket`` (CreateBucket) takes no body or a ``<CreateBucketConfiguration>``."""
    bucket, key = bucket_and_key(request)
    if request.method != "PUT" or not bucket or key or request.query or not request.body:
        return None
    if _root(request.body) != "CreateBucketConfiguration":
        return s3_error("MalformedXML", MALFORMED_XML, 400)
    return None


def ignored_body(request: Request) -> None:
    """CreateMultipartUpload (``POST ?uploads``) has no request body: AWS ignores one, moto
    raises on it, so it is dropped before moto reads the request."""
    _bucket, key = bucket_and_key(request)
    if request.method == "POST" and key and "uploads" in request.query and request.body:
        request.drop_body()


def missing_bucket(request: Request) -> Response | None:
    """``404 NoSuchBucket`` before anything reads the body (AWS says it to anyone); CreateBucket
    (``PUT /bucket``) and preflights excepted."""
    bucket, key = bucket_and_key(request)
    creates = request.method == "PUT" and not key and not request.query
    if not bucket or creates or request.method == "OPTIONS" or bucket_exists(bucket):
        return None
    status, headers, body = s3_error(
        "NoSuchBucket", "The specified bucket does not exist", 404, BucketName=bucket
    )
    return status, headers, b"" if request.method == "HEAD" else body


#: Integer query argument -> whether it belongs to an object's request (else a bucket's
#: listing), its lowest and highest values, its ArgumentName and the message for a value that is
#: not an integer between them.
INT32 = 2**31 - 1
INTEGER_ARGUMENTS = {
    "max-keys": (
        False,
        0,
        INT32,
        "maxKeys",
        f"Argument maxKeys must be an integer between 0 and {INT32}",
    ),
    "partNumber": (
        True,
        1,
        10000,
        "partNumber",
        "Part number must be an integer between 1 and 10000, inclusive",
    ),
    "max-parts": (
        True,
        0,
        INT32,
        "max-parts",
        "Provided max-parts not an integer or within integer range",
    ),
    "part-number-marker": (
        True,
        0,
        INT32,
        "part-number-marker",
        "Provided part-number-marker not an integer or within integer range",
    ),
}


def integer_arguments(request: Request) -> Response | None:
    """``400 InvalidArgument`` for an integer query argument that is not one (moto: HTTP 500),
    where its operation takes it (S3 ignores a query argument its operation does not take)."""
    _bucket, key = bucket_and_key(request)
    for name, (on_object, lowest, highest, argument, message) in INTEGER_ARGUMENTS.items():
        value = request.query.get(name)
        if value is None or on_object != bool(key):
            continue
        if not (value.isascii() and value.isdigit() and lowest <= int(value) <= highest):
            return s3_error(
                "InvalidArgument", message, 400, ArgumentName=argument, ArgumentValue=value
            )
    return None


def check(request: Request) -> Response | None:
    """The body and argument checks, for every S3 request (anonymous ones included)."""
    ignored_body(request)
    return (
        missing_bucket(request)
        or malformed_body(request)
        or form_upload(request)
        or bucket_configuration(request)
        or integer_arguments(request)
    )


def missing_resource(request: Request) -> Response | None:
    """404 for an upload id or an object that is not there (signed requests only)."""
    bucket, key = bucket_and_key(request)
    if not key or not bucket_exists(bucket):
        return None
    upload_id = request.query.get("uploadId")
    if upload_id is not None and not moto_adapter.multipart_upload_exists(bucket, upload_id):
        return s3_error("NoSuchUpload", NO_SUCH_UPLOAD, 404, UploadId=upload_id)
    named = any(name in request.query for name in OBJECT_SUBRESOURCES)
    # a version is moto's to find: a key whose current version is a delete marker has others
    if named and "versionId" not in request.query and not moto_adapter.object_exists(bucket, key):
        return s3_error("NoSuchKey", "The specified key does not exist.", 404, Key=key)
    return None
