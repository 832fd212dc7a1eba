"""The model: the Mesa model (``model.py``) that builds a synthetic country (``country.py``) and walks its months
(``phases.py``, ``home.py``), with the recorder that reads what happened (``recorder.py``).

Import direction: ``passend.engine`` (tables, time, law, streams, ledger) <- ``passend.agents`` (the actors'
decisions) <- this package <- ``passend.experiments``. The tests enforce it with import-linter.
"""
