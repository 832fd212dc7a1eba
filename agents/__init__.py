"""The actors: one file per agent type.

Institutions (schools, alliances, special-school providers, municipalities, the state) are Mesa agents whose state is
a row in a column table, so that the pupil rules can read it as arrays. Pupils and parents are rows of
:class:`passend.model.population.Pupils`; their decision rules are vectorised functions in ``parents.py``.
"""
