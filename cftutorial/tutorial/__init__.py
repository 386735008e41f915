"""The tutorial: one module per notebook (``stepNN_…``), composing :mod:`cftutorial.aws`, plus
what the notebooks share (saved state, names, forms, exercises, viewer, player, cleanup).

Importing it inside IPython (every notebook does) shows the tutorial's own errors as one line
with the fix (:mod:`cftutorial.tutorial.ipython`).
"""

from .ipython import install as _install

_install()
