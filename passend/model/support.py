"""What a place carries: the support a regular school gives (its teachers, and the money its alliance passes on),
what a pupil brings (a rugzak, or the arrangement the alliance grants), and what a place leaves unmet and so costs the
school. The phases that place pupils, send them home or take them back ask here; the rules themselves are the
actors' (``passend.agents.school``, ``passend.agents.alliance``).
"""

from __future__ import annotations

import numpy as np

from passend.agents import alliance as alliances
from passend.agents import school
from passend.engine.population import IS_REGULAR, Setting, in_a_school
from passend.model.month import Month
from passend.model.world import World


def alliance_money_per_pupil(world: World) -> np.ndarray:
    """What each alliance passes to its schools a year per pupil, net of a planned lump-sum deduction and of the
    overspending DUO has settled with the schools' lump sums since the plan (at its yearly rate so far): a school whose
    lump sum is cut has less to carry needs with, so it feels the cut when it keeps, takes in or sends home a pupil."""
    a = world.alliances
    overspent = np.divide(a.plan_overspent_eur * 12.0, a.months_booked, out=np.zeros(len(a)), where=a.months_booked > 0)
    return np.divide(a.plan_to_schools_eur - overspent, a.pupils, out=np.zeros(len(a)), where=a.pupils > 0)


def school_money_per_pupil(world: World, month: Month, idx: np.ndarray,
                           alliance: np.ndarray | None = None) -> np.ndarray | None:
    """What the alliance of each pupil ``idx`` passes to its schools a year per pupil; None while no alliance holds a
    budget. ``alliance``: the pupils' alliance rows, if the caller has them."""
    if not month.rules.alliances_in_charge:
        return None
    return alliance_money_per_pupil(world)[world.alliance_of(month.school_year, idx) if alliance is None else alliance]


def basic_support(world: World, month: Month, idx: np.ndarray) -> np.ndarray:
    """The need the regular school of pupils ``idx`` carries in basic support."""
    per_pupil = school_money_per_pupil(world, month, idx)
    rows = world.pupils.school[idx]
    return school.basic_support(world.schools.skill[rows], per_pupil, month.behaviour,
                                world.schools.support_time_lost[rows])


def grant_arrangements(world: World, month: Month, idx: np.ndarray) -> None:
    """The alliance arranges support in the regular school for pupils ``idx``: the level the need asks above the
    school's basic support (a pupil already arranged keeps the higher level)."""
    if len(idx) == 0:
        return
    p = world.pupils
    level = alliances.arrangement_level(p.need[idx] - basic_support(world, month, idx), month.behaviour)
    p.arrangement[idx] = np.maximum(p.arrangement[idx], level)


def within_arrangement_reach(world: World, month: Month, idx: np.ndarray, alliance: np.ndarray) -> np.ndarray:
    """The alliance arranges support for a child whose need comes within its arrangement reach of the national
    criterion (as for a file that does not clear its TLV bar)."""
    return world.pupils.need[idx] > month.law["indication_criterion"] - world.alliances.arrangement_reach[alliance]


def arrange_on_admission(world: World, month: Month, idx: np.ndarray) -> None:
    """A regular school that takes in a child from home asks its alliance for the arrangement the child's need asks;
    the alliance grants it within its reach (and pays it from then on)."""
    if not month.rules.alliances_in_charge or len(idx) == 0:
        return
    idx = idx[IS_REGULAR[world.pupils.setting[idx]]]
    reached = within_arrangement_reach(world, month, idx, world.alliance_of(month.school_year, idx))
    grant_arrangements(world, month, idx[reached])


def carried(world: World, month: Month, idx: np.ndarray, setting: np.ndarray, school_row: np.ndarray,
            arrangement: np.ndarray) -> np.ndarray:
    """The need a place in ``setting`` at school ``school_row`` carries for pupils ``idx`` with arrangement level
    ``arrangement``: the school's support, the child's rugzak (or, once it is abolished, the national cluster 1/2
    institutions' ambulant support, which carries as much), and where the alliances are in charge the expertise and
    money their alliance passes to the school."""
    p, b = world.pupils, month.behaviour
    expertise = money = None
    if month.rules.alliances_in_charge:
        alliance = world.alliance_of(month.school_year, idx)
        expertise = world.alliances.expertise_model[alliance]
        money = school_money_per_pupil(world, month, idx, alliance)
    national = month.rules.supported_nationally(p.indication[idx])  # a rugzak, or the national institutions' support
    return school.support_carried(setting, world.schools.skill[school_row], national,
                                  alliances.arrangement_support(b)[arrangement], expertise, money, b,
                                  world.schools.support_time_lost[school_row])


def carried_where_they_are(world: World, month: Month, idx: np.ndarray) -> np.ndarray:
    """The need the places of pupils ``idx`` (in a school) carry, with their rugzak or arrangement."""
    p = world.pupils
    return carried(world, month, idx, p.setting[idx], p.school[idx], p.arrangement[idx])


def least_carried(world: World, month: Month) -> float:
    """The least need a place in any school carries this month, a hair lower for rounding: what
    :func:`school.support_carried` gives at every corner of the box its inputs span now (it rises or falls with each
    input on its own, so no place carries less than its least corner)."""
    b, skill, lost = month.behaviour, world.schools.skill, world.schools.support_time_lost
    inputs = [np.arange(Setting.HOME, dtype=np.int8),  # every setting in a school
              np.array([skill.min(), skill.max()], dtype=skill.dtype), np.array([False, True]),
              alliances.arrangement_support(b), np.array([lost.min(), lost.max()], dtype=lost.dtype)]
    if month.rules.alliances_in_charge:
        expertise, money = world.alliances.expertise_model, alliance_money_per_pupil(world)
        inputs += [np.array([expertise.min(), expertise.max()]), np.array([money.min(), money.max()])]
    corners = [c.ravel() for c in np.meshgrid(*inputs, indexing="ij")]
    setting, skill_at, rugzak, arranged, lost_at = corners[:5]
    expertise_at, money_at = corners[5:] if len(corners) > 5 else (None, None)
    carried_at = school.support_carried(setting, skill_at, rugzak, arranged, expertise_at, money_at, b, lost_at)
    return float(carried_at.min()) - 1e-6


def cost_to_school(world: World, month: Month, idx: np.ndarray, setting: np.ndarray,
                   school_row: np.ndarray) -> np.ndarray:
    """What taking pupils ``idx`` into ``setting`` at school ``school_row`` would cost it a year
    (``school.cost_of_taking_eur``): the need the place would leave unmet, with the support the child brings (a rugzak,
    its arrangement), under passend onderwijs the arrangement its alliance gives a child within its reach
    (:func:`arrange_on_admission`), and youth care carrying part of the need while it lasts."""
    p, b = world.pupils, month.behaviour
    arrangement = p.arrangement[idx]
    if month.rules.alliances_in_charge:
        alliance = world.alliance_of(month.school_year, idx)
        money = school_money_per_pupil(world, month, idx, alliance)
        basic = school.basic_support(world.schools.skill[school_row], money, b,
                                     world.schools.support_time_lost[school_row])
        asked = alliances.arrangement_level(p.need[idx] - basic, b)
        arrangement = np.where(within_arrangement_reach(world, month, idx, alliance), np.maximum(arrangement, asked),
                               arrangement)
    carried_there = carried(world, month, idx, setting, school_row, arrangement)
    return school.cost_of_taking_eur(p.need[idx] - b.youth_care_relief * p.in_youth_care[idx] - carried_there, b)


def in_a_fitting_place(world: World, month: Month, idx: np.ndarray) -> np.ndarray:
    """Whether each of pupils ``idx`` is in a school whose place carries its need (at home or exempt: not)."""
    p = world.pupils
    fits = np.zeros(len(idx), dtype=bool)
    present = in_a_school(p.setting[idx])
    fits[present] = p.need[idx[present]] <= carried_where_they_are(world, month, idx[present])
    return fits
