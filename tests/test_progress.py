"""The progress bars outside a notebook: text on stderr, whatever the process imported.

tqdm.auto picks its widget bar once, at import, when ``ipykernel.zmqshell`` has been imported,
kernel or not; a process that imported ipykernel without running a kernel (a pytest worker
after a test that read ipykernel's kernel class) then drew bars no one saw, and a wait showed
nothing (the deployment-wait tests failed now and then on one worker).
"""

from __future__ import annotations

import subprocess
import sys

CODE = """
import ipykernel.ipkernel  # imports ipykernel.zmqshell; no kernel runs
import tqdm.auto  # decides now: widgets
from cftutorial import progress
bar = progress.bar(total=2, desc="deploying")
bar.update(2)
bar.close()
widgets = any("notebook" in klass.__module__ for klass in tqdm.auto.tqdm.__mro__)
print(type(bar).__module__, widgets)
"""


def test_a_process_that_imported_ipykernel_without_a_kernel_gets_a_text_bar():
    done = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    bar_module, widgets = done.stdout.split()
    assert widgets == "True"  # what tqdm.auto chose: the trap is set
    assert bar_module == "tqdm.std"  # and the bar is text all the same
    assert "deploying: 100%" in done.stderr, done.stderr
