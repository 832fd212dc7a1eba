"""Children at home (thuiszitters): the phases that send a child home, find it a place again, exempt it, and keep the
municipality's register of it (phases ``attendance``, ``breakdowns`` and ``months_at_home`` of the month; see
``model/phases.py`` for the order and ``docs/model.md``, *Children at home*, for the rules).

Every child is in one true state each month (in a school, at home registered at one, at home registered nowhere, or
exempt); ``found`` is what the attendance officer knows, which the Leerplichttelling counts. As everywhere in the
month, the deciding actors' functions in ``passend.agents`` decide; here their rows are found and their decisions
carried out and booked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from passend.agents import consultants, municipality, parents, school
from passend.agents import alliance as alliances
from passend.agents.rules import IS_REGULAR
from passend.engine.behaviour import Behaviour
from passend.engine.groups import total_by
from passend.engine.population import (COMPULSORY_AGE, NO_PROVIDER, PRIMARY_GRADES, ROUTES_INTO_HOME, Route, Setting,
                                      in_a_school)
from passend.model.placement import (alliance_money_per_pupil, enrol, grant_arrangements, need_rows_and_ids,
                                          regular_setting, rows_key, school_money_per_pupil,
                                          with_need_above)

if TYPE_CHECKING:
    from passend.model.model import WorldModel


def attendance(m: "WorldModel") -> None:
    with m.clock.decision("municipality.youth_care"):
        _youth_care(m)
    with m.clock.decision("parents.outside_cause"):
        _outside_causes(m)
    home = children_at_home(m)  # none moves until the decisions below
    with m.clock.decision("municipality.register_and_follow"):
        followed = _register_and_follow(m, home)
    with m.clock.decision("school.decide_registrations"):
        _places_for_pupils_at_home(m, home, followed)
    with m.clock.decision("municipality.exempt"):
        _exemptions(m)


def _youth_care(m: "WorldModel") -> None:
    """Found children at home with a manifest need get a youth-care place while their pool has one; the others wait.
    Care ends when the child is back or exempt."""
    p, b, muni = m.pupils, m.behaviour, m.municipalities
    home = children_at_home(m)
    cared = np.flatnonzero(p.in_youth_care)
    p.in_youth_care[cared[p.setting[cared] != Setting.HOME]] = False
    p.youth_care_waiting[:] = False
    municipal = bool(m.law["youth_care_municipal"])
    n_pools = len(muni) + m.n_areas

    def pool_of(municipality_of: np.ndarray, area: np.ndarray) -> np.ndarray:
        return municipality.youth_care_pool(municipality_of, area, municipal, muni.agreement_with_alliance, len(muni))

    key = (m.school_year, municipal, float(m.law["youth_care_budget_factor"]))
    if m.youth_care_places[0] != key:  # places follow the pupils, who move only in August
        living_here = _pupils_by_municipality(m)
        funded = np.array([agent.youth_care_funded(living_here[agent.idx], municipal, key[2])
                           for agent in m.municipality_agents])
        places = municipality.youth_care_places(pool_of(np.arange(len(muni)), muni.area), funded, n_pools,
                                                b.youth_care_places_per_1000)
        m.youth_care_places = (key, places)
    pool = pool_of(p.municipality[home], p.area[home])
    in_care = p.in_youth_care[home]
    # Places are whole: round the free capacity up or down at random so that a small-scale run has the right number
    # on average (a municipality of a 1% sample holds a few hundredths of a place).
    u = m.streams.uniform("youth_care.places", np.arange(n_pools), m.step_index)
    free = np.floor(np.maximum(m.youth_care_places[1] - total_by(pool[in_care], n_pools), 0.0) + u)
    seeking = ~in_care & p.found[home] & (p.need[home] > b.detect_threshold)
    candidates, their_pool = home[seeking], pool[seeking]
    admitted = municipality.admit_to_youth_care(their_pool, p.months_home[candidates], free)
    p.in_youth_care[candidates[admitted]] = True
    p.youth_care_waiting[candidates[~admitted]] = True
    m.ledger.count("youth_care_starts", int(np.count_nonzero(admitted)))
    m.ledger.count("youth_care_waiting_months", int(np.count_nonzero(~admitted)))


def _pupils_by_municipality(m: "WorldModel") -> np.ndarray:
    """Pupils living in each municipality (simulated); they move only in August, so once per school year."""
    if m.pupils_by_municipality[0] != m.school_year:
        m.pupils_by_municipality = (m.school_year, total_by(m.pupils.municipality, len(m.municipalities)))
    return m.pupils_by_municipality[1]


def _outside_causes(m: "WorldModel") -> None:
    """Children leave their school for reasons outside education (a move, an arrival from abroad) and are registered
    at no school until their parents find one. A documented rate over all pupils; the few it picks who are of
    compulsory school age and in a regular school go."""
    p = m.pupils
    rng = m.streams.generator(f"parents.outside_cause.{m.step_index}")
    # Drawing the few who go, not a number per pupil: the rate is a few per 10,000 a month.
    picked = np.unique(rng.integers(0, len(p), size=rng.binomial(len(p), parents.outside_cause_chance(m.behaviour))))
    picked = picked[IS_REGULAR[p.setting[picked]] & (p.age(m.school_year, picked) >= COMPULSORY_AGE)]
    _start_spells(m, picked, Route.OUTSIDE)
    _deregister(m, picked)


def _start_spells(m: "WorldModel", idx: np.ndarray, route: Route) -> None:
    """Pupils ``idx`` leave their place for home by ``route``; they stay registered where they were until someone
    deregisters them."""
    p = m.pupils
    p.registered[idx] = np.where(p.setting[idx] == Setting.EXEMPT, regular_setting(m, idx), p.setting[idx])
    m.ledger.move(p, idx, Setting.HOME, ROUTES_INTO_HOME[route])
    kept_for, home = m.home_rows
    if kept_for == rows_key(m):
        m.home_rows = (kept_for, np.union1d(home, idx))
    p.home_route[idx] = route
    p.months_home[idx] = 0
    p.found[idx] = False
    p.refusals[idx] = 0


def children_at_home(m: "WorldModel") -> np.ndarray:
    """Rows of the children at home, kept from month to month: found once a school year (rows change in August), a
    spell that starts adds its child (:func:`_start_spells`, the only way home) and a child who left is dropped when
    they are next asked for."""
    p = m.pupils
    key = rows_key(m)
    kept_for, rows = m.home_rows
    rows = np.flatnonzero(p.setting == Setting.HOME) if kept_for != key else rows[p.setting[rows] == Setting.HOME]
    m.home_rows = (key, rows)
    return rows


def _deregister(m: "WorldModel", idx: np.ndarray) -> None:
    """Children at home ``idx`` are taken off their school's register: absolute absence. A later place is sought at a
    regular school of the child's age."""
    p = m.pupils
    p.unregistered[idx] = True
    p.unregistered_this_year[idx] = True
    p.found[idx] = False  # the school no longer reports the absence; the officer must find the child
    p.registered[idx] = regular_setting(m, idx)
    p.provider[idx] = NO_PROVIDER
    p.waiting[idx] = False


def end_spells(m: "WorldModel", idx: np.ndarray, to: np.ndarray | int, reason: str) -> None:
    """Spells at home of ``idx`` end: the children move to ``to`` (a school, or exempt); the registered flows count
    the spells the officer knew of."""
    p = m.pupils
    known = int(np.count_nonzero(p.found[idx]))
    m.ledger.move(p, idx, to, reason)
    m.ledger.count(f"known_out_{reason}", known)
    p.months_home[idx] = 0
    p.found[idx] = False
    p.unregistered[idx] = False  # back at school means registered again; an exemption is a registered status
    p.refusals[idx] = 0
    p.home_route[idx] = Route.NONE


def _register_and_follow(m: "WorldModel", idx: np.ndarray) -> np.ndarray:
    """Whom the attendance officers follow this month and what the municipality comes to know. The officers spread
    their caseload over the cases they know (``municipality.follow_chances``; under the Thuiszitterspact those home
    over 3 months first). Schools report the absence of registered pupils and the register records a share of the
    reports; officers find children registered at no school. ``idx``: the children at home. Returns the pupils
    followed."""
    p, b, law, muni = m.pupils, m.behaviour, m.law, m.municipalities
    uid, step = p.uid[idx], m.step_index
    their_muni = p.municipality[idx]
    # the officers work on the cases they knew of when the month began; a case found now waits for next month
    known, over_3m = p.found[idx], p.months_home[idx] > 3
    n_known = int(np.count_nonzero(known))
    short, long = municipality.follow_chances(
        muni.officer_capacity * law["attendance_officers_factor"], n_known / max(len(p), 1) * 10_000.0,
        np.count_nonzero(known & over_3m) / max(n_known, 1), bool(law["thuiszitterspact"]), b)
    chance = np.where(over_3m, long[their_muni], short[their_muni])
    followed = idx[known & (m.streams.uniform("municipality.follow", uid, step) < chance)]
    m.cases_followed = len(followed)

    unknown, registered = ~p.found[idx], ~p.unregistered[idx]
    reported = unknown & registered & school.report_absence(b, m.streams.uniform("school.report_absence", uid, step))
    recorded = municipality.register_reports(reported, muni.registration[their_muni],
                                             m.streams.uniform("municipality.register", uid, step))
    found = unknown & ~registered & municipality.find_unregistered(
        muni.officer_capacity[their_muni], law["attendance_officers_factor"], muni.registration[their_muni], b,
        m.streams.uniform("municipality.find", uid, step))
    new = idx[recorded | found]
    p.found[new] = True
    _flag_attendance_counts(m, new)
    for route, reason in ROUTES_INTO_HOME.items():
        m.ledger.count(f"known_in_{reason}", int(np.count_nonzero(p.home_route[new] == route)))
    return followed


def _places_for_pupils_at_home(m: "WorldModel", idx: np.ndarray, followed: np.ndarray) -> None:
    """Who finds a child at home a place this month, each deciding on the money and rules it faces.

    1. A case the officer follows that is home over 3 months goes to the alliance (once alliances are in charge);
       one with doorzettingsmacht names a school and pays an arrangement.
    2. Parents of a child home over 3 months with a support need call on an onderwijsconsulent; the service takes the
       longest cases it has time for, and the consultant brings the child to the school of its area that best carries
       the need, which decides on the consultant's advice.
    3. The school of registration reviews the case (every month the officer follows it, else now and then) and takes
       the child back or declines; under zorgplicht declining costs it.
    4. The parents register the child at another school (the officer makes parents of a child registered nowhere do
       so); under zorgplicht that school may dodge, else it admits or declines.
    Under zorgplicht a school that declines a child it is bound to offers it a place at a partner school of its
    alliance, which decides in turn. Where no one takes the child the parents are sent on; some parents then take the
    child off its school's register. ``idx``: the children at home.
    """
    p, b, law, rules = m.pupils, m.behaviour, m.law, m.rules
    if len(idx) == 0:
        return
    uid, step = p.uid[idx], m.step_index
    is_followed = np.isin(idx, followed, assume_unique=True)

    placed = np.zeros(len(idx), dtype=bool)
    if rules.alliances_in_charge:
        alliance = m.alliance_of_pupils(idx)
        escalated = is_followed & (p.months_home[idx] > 3)
        share = np.asarray(law["doorzettingsmacht_share"])[m.alliances.sector[alliance]]
        placed = alliances.place_stuck_cases(escalated, m.alliances.doorzettingsmacht_rank[alliance], share)
        chosen = idx[placed]
        end_spells(m, chosen, regular_setting(m, chosen), "placed_by_alliance")
        _registered_at_regular_school(m, chosen)
        grant_arrangements(m, chosen)
    _onderwijsconsulenten(m, idx[~placed])

    registered = ~p.unregistered[idx]
    at_home = p.setting[idx] == Setting.HOME  # no one placed the child yet this month
    reviewed = idx[at_home & registered & (is_followed | (m.streams.uniform("school.review_absence", uid, step)
                                                           < b.school_review_rate))]
    cost = _cost_to_school(m, reviewed, p.registered[reviewed], p.school[reviewed])
    duty = _duty_binds(m, reviewed)
    back = school.admit(cost, school.declining_cost_eur(duty, False, b), b,
                        m.streams.uniform("school.take_back", p.uid[reviewed], step))
    chosen = reviewed[back]
    end_spells(m, chosen, p.registered[chosen], "back_to_own_school")
    _arranged_on_admission(m, chosen)
    _declined_or_partner(m, reviewed[~back], duty[~back] & IS_REGULAR[p.registered[reviewed[~back]]],
                         p.registered[reviewed[~back]], p.school[reviewed[~back]])

    at_home = p.setting[idx] == Setting.HOME
    seeking = at_home & (parents.seek_place(b, m.streams.uniform("parents.seek_place", uid, step))
                         | (is_followed & ~registered))
    applying = idx[seeking]
    other = _school_in_area(m, applying, m.streams.uniform("parents.choose_school", p.uid[applying], step))
    target = np.where(IS_REGULAR[p.registered[applying]], p.registered[applying], regular_setting(m, applying))
    cost = _cost_to_school(m, applying, target, other)
    duty = _duty_binds(m, applying)
    if rules.zorgplicht:
        school_model = m.alliances.school_model[m.alliance_of_pupils(applying)]
        dodged = school.dodge_zorgplicht(cost, school_model, b,
                                         m.streams.uniform("school.dodge", p.uid[applying], step))
        m.ledger.count("zorgplicht_dodged", int(np.count_nonzero(dodged)))
        duty &= ~dodged
    admitted = school.admit(cost, school.declining_cost_eur(duty, False, b), b,
                            m.streams.uniform("school.admit", p.uid[applying], step))
    chosen, to = applying[admitted], target[admitted]
    enrol(m, chosen, other[admitted])
    end_spells(m, chosen, to, "admitted_elsewhere")
    _registered_at_regular_school(m, chosen)
    _arranged_on_admission(m, chosen)
    _declined_or_partner(m, applying[~admitted], duty[~admitted], target[~admitted], other[~admitted])


def _declined_or_partner(m: "WorldModel", idx: np.ndarray, bound: np.ndarray, to: np.ndarray,
                         declining: np.ndarray) -> None:
    """A school (rows ``declining``) declined pupils ``idx``; for those it was bound to (``bound``: zorgplicht) it
    offers a place in ``to`` at a partner school. The parents of the rest are sent on."""
    at_partner = _offer_to_partner(m, idx[bound], to[bound], declining[bound])
    _declined(m, np.concatenate((idx[~bound], idx[bound][~at_partner])))


SCHOOLS_ASKED = 3
"""How many schools of the child's area a school (for a partner place) or a consultant asks before choosing the one
that best carries the need. Assumption."""


def _school_in_area(m: "WorldModel", idx: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A regular school of the right sector in the area of each pupil ``idx``, drawn by school size (``u``: one uniform
    per pupil)."""
    secondary = m.pupils.grade(m.school_year, idx) >= PRIMARY_GRADES
    row = np.empty(len(idx), dtype=np.int64)
    for sector in (0, 1):
        mine = secondary == bool(sector)
        row[mine] = m.choose_school(sector, m.pupils.area[idx[mine]], u[mine])
    return row


def _best_school_asked(m: "WorldModel", idx: np.ndarray, who: str, excluded: np.ndarray) -> np.ndarray:
    """The school that best carries a need of the ``SCHOOLS_ASKED`` schools ``who`` asks in the area of each pupil
    ``idx`` (never ``excluded``; -1 where it asked only that one)."""
    uid = m.pupils.uid[idx]
    u = np.concatenate([m.streams.uniform(f"{who}.ask.{k}", uid, m.step_index) for k in range(SCHOOLS_ASKED)])
    asked = _school_in_area(m, np.tile(idx, SCHOOLS_ASKED), u).reshape(SCHOOLS_ASKED, len(idx)).T  # all asks at once
    return school.best_carrying(asked, m.schools.skill[asked], excluded)


def _offer_to_partner(m: "WorldModel", idx: np.ndarray, to: np.ndarray, declining: np.ndarray) -> np.ndarray:
    """Under zorgplicht, a school (rows ``declining``) that declined pupils ``idx`` it was bound to offers each a place
    in ``to`` at a partner school of its alliance; the partner decides on what the child would cost it, without a duty
    of its own. Returns the mask of the children placed."""
    p, b = m.pupils, m.behaviour
    partner = _best_school_asked(m, idx, "school.partner", declining)
    asked = np.flatnonzero(partner >= 0)
    cost = _cost_to_school(m, idx[asked], to[asked], partner[asked])
    placed = np.zeros(len(idx), dtype=bool)
    placed[asked] = school.admit(cost, school.declining_cost_eur(False, False, b), b,
                                 m.streams.uniform("school.admit_partner", p.uid[idx[asked]], m.step_index))
    chosen = idx[placed]
    enrol(m, chosen, partner[placed])
    end_spells(m, chosen, to[placed], "placed_at_partner_school")
    _registered_at_regular_school(m, chosen)
    _arranged_on_admission(m, chosen)
    return placed


def _onderwijsconsulenten(m: "WorldModel", idx: np.ndarray) -> None:
    """Parents of children at home ``idx`` (whom no one placed yet this month) home over 3 months
    with a support need call on an onderwijsconsulent; the service takes the cases it has time for, and each
    consultant brings the child to the school of its area that best carries the need. That school decides on what the
    child would cost it, answering to the consultant's advice and, under zorgplicht, to its duty."""
    p, b = m.pupils, m.behaviour
    capacity_a_year = float(m.law["onderwijsconsulenten_cases_per_10000"])
    if capacity_a_year <= 0.0 or len(idx) == 0:
        return
    uid, step = p.uid[idx], m.step_index
    calls = (p.months_home[idx] > 3) & (p.need[idx] > b.detect_threshold)
    calls[calls] = parents.call_consultant(b, m.streams.uniform("parents.call_consultant", uid[calls], step))
    asking = np.flatnonzero(calls)
    capacity = consultants.monthly_capacity(capacity_a_year, len(p),
                                            float(m.streams.uniform("consultants.capacity", np.zeros(1), step)[0]))
    taken = asking[consultants.take_cases(p.months_home[idx[asking]], capacity)]
    m.ledger.count("consultant_cases", len(taken))
    m.consultant_cases = len(taken)  # paid for in the money phase
    cases = idx[taken]
    best = _best_school_asked(m, cases, "consultant", np.full(len(cases), -1))
    to = regular_setting(m, cases)
    cost = _cost_to_school(m, cases, to, best)
    admitted = school.admit(cost, school.declining_cost_eur(_duty_binds(m, cases), True, b), b,
                            m.streams.uniform("school.admit_consultant", p.uid[cases], step))
    chosen = cases[admitted]
    enrol(m, chosen, best[admitted])
    end_spells(m, chosen, to[admitted], "placed_by_consultant")
    _registered_at_regular_school(m, chosen)
    _arranged_on_admission(m, chosen)


def _registered_at_regular_school(m: "WorldModel", idx: np.ndarray) -> None:
    """Pupils ``idx``, just placed at a regular school, are registered there; one who waits for a (v)so place keeps its
    place in the queue."""
    p = m.pupils
    p.registered[idx] = p.setting[idx]
    p.provider[idx[~p.waiting[idx]]] = NO_PROVIDER


def _cost_to_school(m: "WorldModel", idx: np.ndarray, setting: np.ndarray, school_row: np.ndarray) -> np.ndarray:
    """What taking pupils ``idx`` into ``setting`` at school ``school_row`` would cost it a year
    (``school.cost_of_taking_eur``): the need the place would leave unmet, with the support the child brings (a rugzak,
    its arrangement), under passend onderwijs the arrangement its alliance gives a child within its reach
    (:func:`_arranged_on_admission`), and youth care carrying part of the need while it lasts."""
    p, b = m.pupils, m.behaviour
    arrangement = p.arrangement[idx]
    if m.rules.alliances_in_charge:
        alliance = m.alliance_of_pupils(idx)
        money = school_money_per_pupil(m, idx, alliance)
        asked = alliances.arrangement_level(p.need[idx] - school.basic_support(m.schools.skill[school_row], money, b), b)
        arrangement = np.where(_within_arrangement_reach(m, idx, alliance), np.maximum(arrangement, asked), arrangement)
    carried = _carried(m, idx, setting, school_row, arrangement)
    return school.cost_of_taking_eur(p.need[idx] - b.youth_care_relief * p.in_youth_care[idx] - carried, b)


def _within_arrangement_reach(m: "WorldModel", idx: np.ndarray, alliance: np.ndarray) -> np.ndarray:
    """The alliance arranges support for a child whose need comes within its arrangement reach of the national
    criterion (as for a file that does not clear its TLV bar)."""
    return m.pupils.need[idx] > m.law["indication_criterion"] - m.alliances.arrangement_reach[alliance]


def _arranged_on_admission(m: "WorldModel", idx: np.ndarray) -> None:
    """A regular school that takes in a child from home asks its alliance for the arrangement the child's need asks;
    the alliance grants it within its reach (and pays it from then on)."""
    if not m.rules.alliances_in_charge or len(idx) == 0:
        return
    idx = idx[IS_REGULAR[m.pupils.setting[idx]]]
    grant_arrangements(m, idx[_within_arrangement_reach(m, idx, m.alliance_of_pupils(idx))])


def _duty_binds(m: "WorldModel", idx: np.ndarray) -> np.ndarray:
    """Whether zorgplicht binds the school deciding on pupils ``idx``: under passend onderwijs, unless the child's need
    is one a doctor's or psychologist's statement would cover. For such a child an exemption also ends the school's
    duty, so a school that declines it advises the parents to ask for one and declining costs it nothing."""
    if not m.rules.zorgplicht:
        return np.zeros(len(idx), dtype=bool)
    return m.pupils.need[idx] <= m.behaviour.exempt_threshold


def _declined(m: "WorldModel", idx: np.ndarray) -> None:
    """Schools declined (or dodged) pupils ``idx``: the parents are sent on, and some of those whose child is still
    registered take it off the register."""
    p = m.pupils
    p.refusals[idx] = np.minimum(p.refusals[idx].astype(np.int16) + 1, 100).astype(np.int8)
    m.ledger.count("sent_on", len(idx))
    registered = idx[~p.unregistered[idx]]
    asked = registered[parents.deregister_after_refusal(
        m.behaviour, m.streams.uniform("parents.deregister_after_refusal", p.uid[registered], m.step_index))]
    _parents_ask_to_deregister(m, asked)


def _exemptions(m: "WorldModel") -> None:
    """Parents of a child whose need a doctor's or psychologist's statement would cover ask for an exemption, from home
    (a case the officer knows) or from a school whose place does not carry the need; the municipality decides. Each
    August it reviews the exemptions in force; an ended one leaves the child at home, registered nowhere, to find a
    school."""
    p, b, law, muni = m.pupils, m.behaviour, m.law, m.municipalities
    if m.today.month == 8:
        exempt = np.flatnonzero(p.setting == Setting.EXEMPT)
        ended = exempt[municipality.review_exemptions(b, m.streams.uniform("municipality.review_exemption",
                                                                              p.uid[exempt], m.step_index))]
        _start_spells(m, ended, Route.EXEMPTION_ENDED)
        _deregister(m, ended)
    idx = with_need_above(m, b.exempt_threshold)  # the few with such a need first, then where they are
    setting = p.setting[idx]
    at_home = (setting == Setting.HOME) & p.found[idx]
    in_school = in_a_school(setting) & (
        p.age(m.school_year, idx) >= COMPULSORY_AGE)
    idx, at_home = idx[at_home | in_school], at_home[at_home | in_school]
    # how common labels have become in the country: doctors' and psychologists' practice with statements is national
    # (an area's rate would also carry the sampling noise of a small run into a convex rule)
    awareness = np.full(len(idx), m.national_label_rate / m.reference_indication_rate - 1.0)
    u = m.streams.uniform("parents.ask_exemption", p.uid[idx], m.step_index)
    # Only parents whose draw falls below the chance they would have with no place in reach can ask; the place is
    # judged for those few (the same decisions as judging it for all).
    yes = np.ones(len(idx), dtype=bool)
    could = parents.ask_exemption(at_home, yes, yes, awareness, b, u)
    idx, at_home, awareness, u = idx[could], at_home[could], awareness[could], u[could]
    # no place in reach: at home, schools declined the child, it waits for a (v)so place, or the committee or alliance
    # turned down its indication (TLV) during this spell; in school, the place does not carry the need
    no_place = p.waiting[idx].copy()
    home, school_rows = idx[at_home], idx[~at_home]
    refused = (p.indication[home] == 0) & (p.last_assessed[home] >= m.step_index - p.months_home[home])
    no_place[at_home] |= (p.refusals[home] > 0) | refused
    unmet = np.zeros(len(idx))
    unmet[~at_home] = p.need[school_rows] - _carried_where_they_are(m, school_rows)
    no_place[~at_home] |= unmet[~at_home] > 0
    uid = p.uid[idx]
    asked = parents.ask_exemption(at_home, no_place, _school_advises_exemption(m, idx, at_home, unmet), awareness, b,
                                  u)
    granted = municipality.grant_exemption(asked, no_place, muni.exempt_propensity[p.municipality[idx]],
                                           bool(law["exemption_5a_allowed"]), b,
                                           m.streams.uniform("municipality.exempt", uid, m.step_index))
    from_home, from_school = idx[granted & at_home], idx[granted & ~at_home]
    end_spells(m, from_home, Setting.EXEMPT, "exemption")
    m.ledger.move(p, from_school, Setting.EXEMPT, "exemption")
    exempted = np.concatenate((from_home, from_school))
    p.registered[exempted] = regular_setting(m, exempted)  # an exempt child is registered at no school
    p.waiting[exempted] = False
    p.provider[exempted] = NO_PROVIDER
    p.arrangement[exempted] = 0
    p.exempt_this_year[exempted] = True


def _school_advises_exemption(m: "WorldModel", idx: np.ndarray, at_home: np.ndarray,
                              unmet_in_school: np.ndarray) -> np.ndarray:
    """Whether the regular school each child ``idx`` is registered at advises its parents to ask for an exemption: under
    zorgplicht only (an exemption ends a duty the school cannot otherwise be rid of; before, it could decline or let
    the child go), the more the child costs it (in school: its place's unmet need ``unmet_in_school``; at home: what
    taking it back would cost)."""
    p, b = m.pupils, m.behaviour
    advised = np.zeros(len(idx), dtype=bool)
    if not m.rules.zorgplicht:
        return advised
    registered_regular = IS_REGULAR[p.registered[idx]] & ~p.unregistered[idx] & (at_home | IS_REGULAR[p.setting[idx]])
    cost = school.cost_of_taking_eur(unmet_in_school, b)
    home = np.flatnonzero(at_home & registered_regular)
    cost[home] = _cost_to_school(m, idx[home], p.registered[idx[home]], p.school[idx[home]])
    rows = np.flatnonzero(registered_regular)
    advised[rows] = school.advise_exemption(cost[rows], b, m.streams.uniform("school.advise_exemption",
                                                                             p.uid[idx[rows]], m.step_index))
    return advised


def breakdowns(m: "WorldModel") -> None:
    """A place ends: it cannot carry the child's need and breaks down (the parents keep the child at home), or a
    regular school sends home a pupil who costs it too much (a suspension that lasts). The child stays registered
    where it was; a few parents also take a child whose place broke down off the register (absolute absence)."""
    p, b = m.pupils, m.behaviour
    rows, uid, highest = _end_place_candidates(m)
    with m.clock.decision("parents_or_school.end_place"):
        # One draw decides whether the place ends this month and how: below the breakdown chance it breaks down,
        # in the next band (of the suspension chance) the school sends the pupil home. Only a draw below the highest
        # chance the pupil's need allows can end a place: the place is judged for those few.
        u = m.streams.uniform("parents.keep_home", uid, m.step_index)
        could = u < highest
        idx, u = rows[could], u[could]
        present = in_a_school(p.setting[idx]) & (p.age(m.school_year, idx) >= p.onset_age[idx])
        idx, u = idx[present], u[present]
        unmet = p.need[idx] - _carried_where_they_are(m, idx)
        chance = parents.breakdown_chance(unmet, p.waiting[idx], b)
        breaks = u < chance  # parents.keep_at_home, with the chance kept for the suspension band
        cost = school.cost_of_taking_eur(unmet, b) * IS_REGULAR[p.setting[idx]]
        suspension = np.minimum(school.suspension_chance(cost, b), parents.MAX_BREAKDOWN_CHANCE - chance)
        sent = ~breaks & (u < chance + suspension)
    home, suspended = idx[breaks], idx[sent]
    _start_spells(m, home, Route.BREAKDOWN)
    _start_spells(m, suspended, Route.SUSPENSION)
    _parents_ask_to_deregister(m, home[parents.deregister(b, m.streams.uniform("parents.deregister", p.uid[home],
                                                                               m.step_index))])


def _end_place_candidates(m: "WorldModel") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of the pupils with a need (above the detection threshold), their ids, and the highest monthly chance that
    the place of each ends, whatever school it is in: found once a school year (needs do not change, pupils come and
    go in August), and again if the least support a place carries or a behaviour value (a classroom lever) changes."""
    p, b = m.pupils, m.behaviour
    least = _least_carried(m)
    key = (*rows_key(m), least, b)
    if m.end_place_bounds[0] != key:
        rows, uid = need_rows_and_ids(m, b.detect_threshold)
        m.end_place_bounds = (key, rows, uid, highest_end_chance(p.need[rows] - least, b))
    return m.end_place_bounds[1:]


def highest_end_chance(most_unmet: np.ndarray, b: Behaviour) -> np.ndarray:
    """The highest monthly chance that a place ends (breaks down or the school sends the pupil home) for pupils whose
    place leaves at most ``most_unmet`` need unmet: the breakdown chance of a waiting pupil plus the suspension chance,
    capped as :func:`breakdowns` caps them. Both chances rise with the unmet need and waiting raises the breakdown
    chance, because their behaviour parameters are bounded at zero (``breakdown_waiting`` at one) and above; a hair is
    added so that rounding cannot put a pupil's chance above it."""
    chance = parents.breakdown_chance(most_unmet, np.ones(len(most_unmet), dtype=bool), b)
    suspension = school.suspension_chance(school.cost_of_taking_eur(most_unmet, b), b)
    return np.minimum(chance + suspension, parents.MAX_BREAKDOWN_CHANCE) * (1.0 + 1e-9)


def _least_carried(m: "WorldModel") -> float:
    """The least need a place in any school carries this month, a hair lower for rounding: what
    :func:`school.support_carried` gives at every corner of the box its inputs span now (it rises or falls with each
    input on its own, so no place carries less than its least corner)."""
    b, skill = m.behaviour, m.schools.skill
    inputs = [np.arange(Setting.HOME, dtype=np.int8),  # every setting in a school
              np.array([skill.min(), skill.max()], dtype=skill.dtype), np.array([False, True]),
              alliances.arrangement_support(b)]
    if m.rules.alliances_in_charge:
        expertise, money = m.alliances.expertise_model, alliance_money_per_pupil(m)
        inputs += [np.array([expertise.min(), expertise.max()]), np.array([money.min(), money.max()])]
    corners = [c.ravel() for c in np.meshgrid(*inputs, indexing="ij")]
    setting, skill_at, rugzak, arranged = corners[:4]
    expertise_at, money_at = corners[4:] if len(corners) > 4 else (None, None)
    carried = school.support_carried(setting, skill_at, rugzak, arranged, expertise_at, money_at, b)
    return float(carried.min()) - 1e-6


def _parents_ask_to_deregister(m: "WorldModel", idx: np.ndarray) -> None:
    """Parents of children at home ``idx`` ask their school to take the child off its register; the school does,
    unless zorgplicht binds it to the child (then the child stays registered, and at home: relative absence)."""
    p = m.pupils
    bound = _duty_binds(m, idx) & IS_REGULAR[p.registered[idx]]
    leaves = idx[school.take_off_register(bound)]
    m.ledger.count("deregistrations", len(leaves))
    _deregister(m, leaves)


def in_a_fitting_place(m: "WorldModel", idx: np.ndarray) -> np.ndarray:
    """Whether each of pupils ``idx`` is in a school whose place carries its need (at home or exempt: not)."""
    p = m.pupils
    fits = np.zeros(len(idx), dtype=bool)
    present = in_a_school(p.setting[idx])
    fits[present] = p.need[idx[present]] <= _carried_where_they_are(m, idx[present])
    return fits


def _carried_where_they_are(m: "WorldModel", idx: np.ndarray) -> np.ndarray:
    """The need the places of pupils ``idx`` (in a school) carry, with their rugzak or arrangement."""
    p = m.pupils
    return _carried(m, idx, p.setting[idx], p.school[idx], p.arrangement[idx])


def _carried(m: "WorldModel", idx: np.ndarray, setting: np.ndarray, school_row: np.ndarray,
             arrangement: np.ndarray) -> np.ndarray:
    """The need a place in ``setting`` at school ``school_row`` carries for pupils ``idx`` with arrangement level
    ``arrangement``: the school's support, the child's rugzak, and where the alliances are in charge the expertise and
    money their alliance passes to the school."""
    p, b = m.pupils, m.behaviour
    expertise = money = None
    if m.rules.alliances_in_charge:
        alliance = m.alliance_of_pupils(idx)
        expertise, money = m.alliances.expertise_model[alliance], school_money_per_pupil(m, idx, alliance)
    return school.support_carried(setting, m.schools.skill[school_row], m.rules.pupil_bound(p.indication[idx]),
                                  alliances.arrangement_support(b)[arrangement], expertise, money, b)


def months_at_home(m: "WorldModel") -> None:
    """End of month: spells at home get one month longer; flag the durations the attendance counts use (relative
    absence is absence from the school registered at; children registered nowhere count as absolute)."""
    p = m.pupils
    home = children_at_home(m)
    p.months_home[home] += 1
    p.months_home_total[home] += 1
    _flag_attendance_counts(m, home)


def _flag_attendance_counts(m: "WorldModel", home: np.ndarray) -> None:
    """Flag what the school year's attendance counts will hold of children at home ``home``: as they are, and as the
    officer knows them (flagged again when a case becomes known, so that a case known and ended in one month counts)."""
    p = m.pupils
    registered, known = ~p.unregistered[home], p.found[home]
    long, over_3m = p.months_home[home] > m.law["long_absence_months"], p.months_home[home] > 3
    p.home_long_this_year[home[registered & long]] = True
    p.home_long_known_this_year[home[registered & long & known]] = True
    p.home_3m_this_year[home[over_3m]] = True
    p.home_3m_known_this_year[home[over_3m & known]] = True
    p.unregistered_known_this_year[home[~registered & known]] = True
