"""Gap X28 (memory): a GET that started before its object was deleted or replaced finishes.

AWS: "Updates to a single key are atomic": a GET concurrent with a PUT gets the old data or the
new, never partial data (S3 User Guide, "Amazon S3 data consistency model"); so a GET that started
on an object is answered whole, and a delete or an overwrite meanwhile changes what the *next* GET
finds. CloudFront reads the object with such a GET. moto 5.2.5
closes a deleted or replaced object's buffer at once (``FakeKey.dispose``), so the local edge,
which streams an object from that buffer in chunks rather than copying it per viewer, would end
the answer early. The buffer is closed when the last stream reading it closes instead
(:func:`~cftutorial.localaws.moto_adapter.dispose_after_reads`).
"""

from __future__ import annotations

from .. import moto_adapter

PATCHES = (
    moto_adapter.Patch(
        "s3.models",
        "FakeKey",
        "dispose",
        ("self", "garbage"),
        "X28",
        moto_adapter.dispose_after_reads,
    ),
)
