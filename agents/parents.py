"""Parents (rows of the pupil table): choose between a rugzak and a special school, and keep a child at home when
the place breaks down."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from passend.agents.alliance import alliance_of
from passend.agents.rules import IS_REGULAR, IS_SPECIAL, sigmoid
from passend.model.population import NO_PROVIDER, PRIMARY_GRADES, Setting

if TYPE_CHECKING:
    from passend.model.model import PassendModel


def choose_special(model: "PassendModel", idx: np.ndarray) -> np.ndarray:
    """With an indication, do the parents choose a special school (True) or a rugzak in a regular school?

    Heavier needs, a preference for special schools, secondary age (secondary schools keep fewer rugzak pupils)
    and the area's referral culture push towards special; a child already in special education mostly stays.
    """
    p, b = model.pupils, model.behaviour
    secondary = p.grade(model.school_year)[idx] >= 8
    logit = (
        b.special_intercept
        + b.special_preference * p.prefers_special[idx]
        + b.special_need * (p.need[idx] - model.law("indication_criterion"))
        + b.special_secondary * secondary
        + b.special_continuity * IS_SPECIAL[p.setting[idx]]
        + model.areas.culture[p.area[idx]]
    )
    return model.streams.uniform("parents.choose_special", p.uid[idx], model.step_index) < sigmoid(logit)


def support_level(model: "PassendModel", idx: np.ndarray) -> np.ndarray:
    """How much need the pupil's current place can carry (latent need scale)."""
    p, b = model.pupils, model.behaviour
    setting = p.setting[idx]
    support = b.support_regular + b.support_skill * (model.schools.skill[p.school[idx]] - 0.5)
    support = support + b.support_rugzak * ((p.indication[idx] > 0) & IS_REGULAR[setting])
    if model.passend:  # central expertise services of the alliance reach the regular classroom
        support = support + b.expertise_support * model.alliances.expertise_model[alliance_of(model, idx)] * IS_REGULAR[setting]
    support = support + 0.5 * b.support_special * (setting == Setting.SBO)
    return support + b.support_special * IS_SPECIAL[setting]


def places_break_down(model: "PassendModel") -> None:
    """A place that cannot carry the child's need breaks down and the parents keep the child at home (a few also
    deregister the child: absolute absence).

    Probability per month rises with the unmet need; higher while waiting for a (v)so place.
    """
    p, b = model.pupils, model.behaviour
    in_school = IS_REGULAR[p.setting] | IS_SPECIAL[p.setting] | (p.setting == Setting.SBO)
    age = p.age(model.school_year)
    idx = np.flatnonzero(in_school & (p.need > b.detect_threshold) & (age >= p.onset_age))
    unmet = p.need[idx] - support_level(model, idx)
    prob = b.breakdown_rate * np.exp(b.breakdown_unmet * unmet) * np.where(p.waiting[idx], b.breakdown_waiting, 1.0)
    hit = model.streams.uniform("parents.keep_home", p.uid[idx], model.step_index) < np.minimum(prob, 0.5)
    home = idx[hit]
    p.registered[home] = p.setting[home]
    p.setting[home] = Setting.HOME
    p.months_home[home] = 0
    p.found[home] = False
    # Some parents take the child off the school's register as well: the child is registered nowhere.
    leaves = home[model.streams.uniform("parents.deregister", p.uid[home], model.step_index) < b.deregister_share]
    p.unregistered[leaves] = True
    p.unregistered_this_year[leaves] = True
    # The place is given up: a return is to a regular school of the child's age (a special place must be sought anew).
    secondary = p.grade(model.school_year)[leaves] >= PRIMARY_GRADES
    p.registered[leaves] = np.where(secondary, Setting.VO, Setting.BAO)
    p.provider[leaves] = NO_PROVIDER
    p.waiting[leaves] = False
    model.flows.add("new_home_spells", len(home))
