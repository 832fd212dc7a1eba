"""Parents (rows of the pupil table): choose between a rugzak and a special school, keep a child at home when its
place breaks down, sometimes take the child off the school's register, register a child at home at a school
(aanmelding), call on an onderwijsconsulent when the child has been home long, and ask the municipality for an
exemption.

Vectorised over the pupils whose parents face the decision; each function takes the rows it reads as named arrays.
"""

from __future__ import annotations

import numpy as np

from passend.agents.rules import monthly_probability, sigmoid
from passend.engine.behaviour import Behaviour

MAX_BREAKDOWN_CHANCE = 0.5
"""Cap on the monthly chance that a place breaks down, however large the unmet need."""


def choose_special(prefers_special: np.ndarray, need_above_criterion: np.ndarray, secondary: np.ndarray,
                   in_special: np.ndarray, hearing_language: np.ndarray, culture: np.ndarray,
                   provider_supervised: np.ndarray, b: Behaviour, u: np.ndarray) -> np.ndarray:
    """With an indication, do the parents choose a special school (True) or support in a regular school?

    Heavier needs, a preference for special schools, secondary age (secondary schools keep fewer rugzak pupils)
    and the area's referral culture push towards special; a child already in special education mostly stays. At
    secondary age a child with a hearing or language indication (cluster 2) goes to a regular school far more often:
    language disorders are treated in the primary years, and few vso cluster 2 places exist. Parents hear of the
    Inspectorate's judgement: a provider under intensified supervision (``provider_supervised``) draws fewer.
    """
    logit = (
        b.special_intercept
        + b.special_preference * prefers_special
        + b.special_need * need_above_criterion
        + b.special_secondary * secondary
        + b.special_continuity * in_special
        + b.special_secondary_cluster2 * (secondary & hearing_language)
        + b.special_supervised_provider * provider_supervised
        + culture
    )
    return u < sigmoid(logit)


def return_to_regular(unmet_in_regular: np.ndarray, b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Terugplaatsing without an alliance's offer (pupil-bound funding; clusters the alliances do not judge; sbo under
    the WSNS rule): the parents (with the special school) move a child back to a regular school when the place there,
    with the support the child brings, carries its need (``unmet_in_regular`` <= 0). Rare: a monthly chance
    ``return_to_regular_rate`` that the question comes up (``u``: one uniform per pupil)."""
    return (unmet_in_regular <= 0.0) & (u < b.return_to_regular_rate)


def keep_at_home(unmet_need: np.ndarray, waiting: np.ndarray, b: Behaviour, u: np.ndarray) -> np.ndarray:
    """A place that cannot carry the child's need breaks down and the parents keep the child at home.

    The monthly chance rises with the need the place leaves unmet, and is higher while waiting for a (v)so place.
    """
    return u < breakdown_chance(unmet_need, waiting, b)


def breakdown_chance(unmet_need: np.ndarray, waiting: np.ndarray, b: Behaviour) -> np.ndarray:
    """The monthly chance in :func:`keep_at_home`."""
    chance = b.breakdown_rate * np.exp(b.breakdown_unmet * unmet_need) * np.where(waiting, b.breakdown_waiting, 1.0)
    return np.minimum(chance, MAX_BREAKDOWN_CHANCE)


def deregister(b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Of the children just kept at home, those whose parents also take them off the school's register (absolute
    absence)."""
    return u < b.deregister_share


def deregister_after_refusal(b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Of the parents whose child (at home, still registered at its school) a school has just declined, those who give
    up on the school of registration and take the child off its register (absolute absence)."""
    return u < b.deregister_after_refusal


def seek_place(b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Parents of a child at home who register it at a school this month (an aanmelding); a school that declines or
    dodges sends them on ('van het kastje naar de muur')."""
    return u < b.parents_seek


def ask_exemption(at_home: np.ndarray, no_place: np.ndarray, advised: np.ndarray, awareness: np.ndarray,
                  b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Whether the parents of a child whose need a doctor or psychologist would state as keeping it from school ask the
    municipality for an exemption (art. 5 onder a) this month: more readily for a child at home whose case the officer
    knows than for one in school; more when no place is in reach (schools declined the child, it waits for a (v)so
    place, its indication was turned down, or its school place does not carry its need); more when the school advised it
(``advised``: under zorgplicht an exemption ends the school's duty); and the more common diagnoses
    have become (``awareness``: labels in the country relative to 2003, minus 1), since a statement is easier to get
    and parents know of the route."""
    logit = (b.exempt_ask_intercept + b.exempt_ask_at_home * at_home + b.exempt_ask_no_place * no_place
             + b.exempt_ask_advised * advised + b.exempt_ask_awareness * awareness)
    return u < monthly_probability(logit)


def call_consultant(b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Parents of a child home over 3 months with a support need who call on an onderwijsconsulent this month."""
    return u < b.consultant_call_rate


def give_up_place_without_transport(b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Of the parents refused transport to their child's special school, those who cannot bring the child themselves
    and do not take up the place this month (the child keeps waiting where it is)."""
    return u < b.transport_parents_give_up


def outside_cause_chance(b: Behaviour) -> float:
    """The monthly chance that a child of compulsory school age leaves its school for a reason outside education (the
    family moves, or arrives from abroad and has not yet found a school): it is at home and registered at no school
    until its parents register it somewhere. A documented rate, as demography is (``outside_absence_per_1000``)."""
    return b.outside_absence_per_1000 / 1000.0 / 12.0
