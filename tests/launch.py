"""How the tests start processes they signal, whatever the suite itself was started with.

A shell starts a background job (``make test &`` in a script), and ``nohup`` or a CI runner may
start a command, with some signals set to be *ignored*; a child inherits that, and a signal the
test sends it then does nothing. Each test that signals a child it started therefore sets, in
that child, the disposition it relies on (:func:`signals_default`, a ``preexec_fn``: it only
resets dispositions, so it is safe in a process with threads), and starts it in a process group
of its own (``start_new_session=True``) so that its clean-up (:func:`end_group`) reaches the
child and its workers, and nothing else, also when the test fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable


def signals_default(*signals: signal.Signals) -> Callable[[], None]:
    """A ``preexec_fn``: ``signals`` at their default disposition in the child (a handler or an
    inherited "ignore" would otherwise decide what the test's signal does)."""

    def restore() -> None:
        for number in signals:
            signal.signal(number, signal.SIG_DFL)

    return restore


def end_group(child: subprocess.Popen, timeout: float = 10) -> None:
    """SIGKILL to the child's process group (it and whatever it started), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=timeout)
