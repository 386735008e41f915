"""Opening a notebook of the learner's copy marks nothing as modified (issue 26, item 2).

JupyterLab stores the kernel's ``language_info`` in a notebook when the kernel starts; a notebook
without it was marked unsaved the moment it opened, and autosaved two minutes later. The copy
``make lab`` and ``cftutorial lab`` make carries it already.
"""

from __future__ import annotations

import time

import pytest
from jupyter_process import running_jupyter
from lab_driver import open_notebook

from cftutorial.cli import lab

pytestmark = [pytest.mark.browser]
DIRTY = "() => window.jupyterapp.shell.currentWidget.context.model.dirty"


def test_a_notebook_of_the_copy_opens_unmodified(page, tmp_path, screenshots) -> None:
    copy = tmp_path / "cftutorial-notebooks"
    lab.copy_notebooks(copy)
    with running_jupyter("lab", copy, tmp_path / "jupyter") as server:
        open_notebook(page, server, "02-origin-access.ipynb")
        time.sleep(3)  # the kernel's info reply has arrived and been applied by now
        assert page.evaluate(DIRTY) is False, "opening the notebook marked it modified"
        tab = page.locator('.lm-TabBar-tab.lm-mod-current[data-type="document-title"]')
        assert "jp-mod-dirty" not in (tab.get_attribute("class") or "")
        screenshots.take(page, "learner-open-unmodified")
