"""Batch signing: signed URLs for a whole list of objects (``cftutorial batch``, the batch notebook).

- :mod:`.inputs`: the rows to sign (a list, a text/CSV/JSONL file, ``s3://BUCKET/PREFIX``), checked;
- :mod:`.options`: :class:`BatchOptions`, the one checked set of options the CLI and the notebook build;
- :mod:`.run`: the worker pool (:func:`sign_batch`, :func:`run_batch`);
- :mod:`.outputs`: CSV/JSONL output written atomically, read back and converted;
- :mod:`.notebook`: the batch notebook's steps (options from its parameters, the run report).
"""

from .inputs import (
    BadRow,
    check_base_url,
    check_row,
    count_rows,
    input_format,
    object_url,
    read_objects,
)
from .options import ON_ERROR, POLICIES, BatchOptionError, BatchOptions, default_workers
from .outputs import convert_results, output_format, read_results
from .run import CHUNK_ROWS, CHUNKS_PER_WORKER, BatchResult, run_batch, sign_batch

__all__ = [
    "CHUNKS_PER_WORKER",
    "CHUNK_ROWS",
    "ON_ERROR",
    "POLICIES",
    "BadRow",
    "BatchOptionError",
    "BatchOptions",
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
    "run_batch",
    "sign_batch",
]
