"""The tutorial: one module per notebook (``stepNN_…``), composing :mod:`cftutorial.aws`, plus
what the notebooks share (saved state, names, forms, exercises, viewer, player, cleanup).

Importing it installs nothing. The tutorial's own errors are one line with the fix in a notebook
because the notebook asks for it: the project's kernel loads :mod:`cftutorial.tutorial.ipython`
from the start (:mod:`cftutorial.tutorial.kernel`), and each notebook's import cell calls
``ipython.install()`` for the kernels that do not (papermill's, Binder's, a JupyterHub's).
"""
