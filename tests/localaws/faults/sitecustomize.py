"""Loaded at start by a local AWS a test runs with this directory on PYTHONPATH: while the file
``$CFTUTORIAL_TEST_FULL_WHEN`` exists, ``fdatasync``/``fsync`` fail as on a full disk (ENOSPC);
with ``$CFTUTORIAL_TEST_SLOW_SYNC_SECONDS`` each takes that long first, as on a busy disk.

Only for tests/localaws/test_state_journal.py; does nothing when the variable is unset.
"""

import errno
import os
import time

_marker = os.environ.get("CFTUTORIAL_TEST_FULL_WHEN")
_slow = float(os.environ.get("CFTUTORIAL_TEST_SLOW_SYNC_SECONDS") or 0)

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

if _slow:
    _synced = {"fdatasync": os.fdatasync, "fsync": os.fsync}

    def _slowed(name):
        real = _synced[name]

        def sync(fd):
            time.sleep(_slow)
            return real(fd)

        return sync

    os.fdatasync = _slowed("fdatasync")
    os.fsync = _slowed("fsync")
