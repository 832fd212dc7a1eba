"""The actors: one file per agent type, holding that actor's decisions.

Institutions (schools, alliances, special-school providers, municipalities, the state) are Mesa agents whose state is
a row in a column table, so that the pupil rules can read it as arrays. Pupils and parents are rows of
:class:`passend.engine.population.Pupils`.

A decision takes the rows, money and law it reads as arguments (never the whole model) and returns what was decided;
``passend.model.phases`` carries it out through the doors of ``passend.model.moves`` and books it. Decisions over
thousands (pupils, schools) are vectorised functions; decisions of one of a few hundred institutions (alliances,
providers, municipalities) are methods of its agent, written elementwise so that ``Agent.every_row(table)`` takes
them for all of them in one call (there is no loop over agents in a month). The funding law they face is
``passend.engine.funding``. No actor imports another (the import-linter contracts in ``pyproject.toml``); what they
share is in ``base.py`` and ``rules.py``.
"""
