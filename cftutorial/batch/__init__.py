"""Batch signing: signed URLs for a whole list of objects (``cftutorial batch``, the batch notebook)."""

from .run import (
    CHUNK_ROWS,
    CHUNKS_PER_WORKER,
    ON_ERROR,
    BadRow,
    BatchResult,
    check_base_url,
    check_row,
    convert_results,
    count_rows,
    default_workers,
    input_format,
    object_url,
    output_format,
    read_objects,
    read_results,
    sign_batch,
)

__all__ = [
    "CHUNKS_PER_WORKER",
    "CHUNK_ROWS",
    "ON_ERROR",
    "BadRow",
    "BatchResult",
    "check_base_url",
    "check_row",
    "convert_results",
    "count_rows",
    "default_workers",
    "input_format",
    "object_url",
    "output_format",
    "read_objects",
    "read_results",
    "sign_batch",
]
