"""The tutorial: one module per notebook (``stepNN_…``), composing :mod:`cftutorial.aws`, plus
what the notebooks share (saved state, names, forms, exercises, viewer, player, cleanup).
"""
