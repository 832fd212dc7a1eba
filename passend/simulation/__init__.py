"""The assembly: a synthetic country (``country.py``), the Mesa model that holds it (``model.py``), the month it
walks (``phases.py``) and the recorder that reads what happened (``recorder.py``).

Import direction: ``passend.model`` (the engine) <- ``passend.agents`` (the actors' decisions) <- this package <-
``passend.experiments``. The tests enforce it with import-linter.
"""
