"""Loaded at start by a local AWS a test runs with this directory on PYTHONPATH: while the file
``$CFTUTORIAL_TEST_FULL_WHEN`` exists, ``fdatasync``/``fsync`` fail as on a full disk (ENOSPC).

Only for tests/localaws/test_state_journal.py; does nothing when the variable is unset.
"""

import errno
import os

_marker = os.environ.get("CFTUTORIAL_TEST_FULL_WHEN")

if _marker:
    _sync = {"fdatasync": os.fdatasync, "fsync": os.fsync}

    def _failing(name):
        real = _sync[name]

        def sync(fd):
            if os.path.exists(_marker):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(fd)

        return sync

    os.fdatasync = _failing("fdatasync")
    os.fsync = _failing("fsync")
