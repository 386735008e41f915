"""What one tutorial run owns, in one room: the resources notebooks 01-13 make for it (each
one's name rule, saved key, notebook, lookup, deletion and monthly cost), which notebooks need
the modern path, and the address a viewer requests.

Between ``tutorial`` (which saves the run and walks these tables) and ``aws`` (the calls): the
self-checks, ``cftutorial doctor``, ``cftutorial teardown``, notebook 08's clean-up and the
aws-mode pre-flight all read :mod:`.resources`, so a resource added there is checked, priced,
listed and deleted everywhere.
"""
