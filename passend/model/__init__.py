"""The model: the Mesa model (``model.py``) that builds a synthetic country (``country.py``) as a World
(``world.py``) and walks its months (``month.py``, ``phases.py``, ``home.py``): pupils move only through the doors of
``moves.py``, the funding law's formulas are applied in ``money.py``, what a place carries is ``support.py``, the
recorder (``recorder.py``) reads what happened, and ``mechanical.py`` keeps a reform's books beside a run.

Import direction: ``passend.engine`` (tables, time, law, streams, ledger) <- ``passend.agents`` (the actors'
decisions) <- this package <- ``passend.experiments``; inside it, the Mesa model above the phases, which never import
it. The tests enforce both with import-linter.
"""
