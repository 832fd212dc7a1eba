"""Onderwijsconsulenten: a national service, paid by the state, that parents of a child with a support need and no
fitting place can call on. The service takes cases on while its consultants have time, those home longest first; a
consultant looks for the school of the child's area that can best carry the need and brings parents and school (and,
under passend onderwijs, the alliance) together. The school still decides, but must answer to the consultant's advice
(``school.declining_cost_eur``).

One service for the whole country, so its decisions are functions vectorised over the cases that ask for it.
"""

from __future__ import annotations

import numpy as np

from passend.agents.rules import rank_within


def monthly_capacity(cases_per_10000_a_year: float, n_pupils: int, u: float) -> int:
    """The cases the service can take on this month: its yearly capacity per 10,000 pupils (the law's funding) over
    the simulated pupils. Cases are whole, so the fraction is rounded up or down at random (``u``) and a small run has
    the right number on average."""
    return int(np.floor(cases_per_10000_a_year * n_pupils / 10_000.0 / 12.0 + u))


def take_cases(months_home: np.ndarray, capacity: int) -> np.ndarray:
    """Of the parents who ask this month (rows), those whose case the service takes on: the children home longest
    first, up to its capacity."""
    return rank_within(np.zeros(len(months_home), dtype=np.int64), -months_home.astype(np.float64)) < capacity
