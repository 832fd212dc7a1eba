"""Parents (rows of the pupil table): choose between a rugzak and a special school, keep a child at home when its
place breaks down, and sometimes take the child off the school's register.

Vectorised over the pupils whose parents face the decision; each function takes the rows it reads as named arrays.
"""

from __future__ import annotations

import numpy as np

from passend.agents.rules import sigmoid
from passend.model.behaviour import Behaviour

MAX_BREAKDOWN_CHANCE = 0.5
"""Cap on the monthly chance that a place breaks down, however large the unmet need."""


def choose_special(prefers_special: np.ndarray, need_above_criterion: np.ndarray, secondary: np.ndarray,
                   in_special: np.ndarray, hearing_language: np.ndarray, culture: np.ndarray, b: Behaviour,
                   u: np.ndarray) -> np.ndarray:
    """With an indication, do the parents choose a special school (True) or support in a regular school?

    Heavier needs, a preference for special schools, secondary age (secondary schools keep fewer rugzak pupils)
    and the area's referral culture push towards special; a child already in special education mostly stays. At
    secondary age a child with a hearing or language indication (cluster 2) goes to a regular school far more often:
    language disorders are treated in the primary years, and few vso cluster 2 places exist.
    """
    logit = (
        b.special_intercept
        + b.special_preference * prefers_special
        + b.special_need * need_above_criterion
        + b.special_secondary * secondary
        + b.special_continuity * in_special
        + b.special_secondary_cluster2 * (secondary & hearing_language)
        + culture
    )
    return u < sigmoid(logit)


def keep_at_home(unmet_need: np.ndarray, waiting: np.ndarray, b: Behaviour, u: np.ndarray) -> np.ndarray:
    """A place that cannot carry the child's need breaks down and the parents keep the child at home.

    The monthly chance rises with the need the place leaves unmet, and is higher while waiting for a (v)so place.
    """
    chance = b.breakdown_rate * np.exp(b.breakdown_unmet * unmet_need) * np.where(waiting, b.breakdown_waiting, 1.0)
    return u < np.minimum(chance, MAX_BREAKDOWN_CHANCE)


def deregister(b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Of the children just kept at home, those whose parents also take them off the school's register (absolute
    absence)."""
    return u < b.deregister_share


def seek_place(b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Parents of a child at home who ask a school for a place this month (those who get none are sent on: 'van het
    kastje naar de muur')."""
    return u < b.parents_seek
