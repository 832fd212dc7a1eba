"""Children at home (thuiszitters): the phases that send a child home, find it a place again, exempt it, and keep the
municipality's register of it (phases ``attendance``, ``breakdowns`` and ``months_at_home`` of the month; see
``model/phases.py`` for the order and ``docs/model.md``, *Children at home*, for the rules).

Every child is in one true state each month (in a school, at home registered at one, at home registered nowhere, or
exempt); ``found`` is what the attendance officer knows, which the Leerplichttelling counts. As everywhere in the
month, the deciding actors' functions in ``passend.agents`` decide; here their rows are found, and their decisions
carried out through the doors of :mod:`passend.model.moves` and booked.
"""

from __future__ import annotations

import numpy as np

from passend.agents import consultants, municipality, parents, school
from passend.agents import alliance as alliances
from passend.agents.municipality import Municipality
from passend.engine.behaviour import Behaviour
from passend.engine.groups import total_by
from passend.engine.population import (COMPULSORY_AGE, IS_REGULAR, PRIMARY_GRADES, ROUTES_INTO_HOME, Route, Setting,
                                       in_a_school)
from passend.model import moves
from passend.model.month import Month
from passend.model.support import (arrange_on_admission, carried_where_they_are, cost_to_school, grant_arrangements,
                                   least_carried)
from passend.model.world import World


def attendance(world: World, month: Month) -> None:
    """Youth care, children leaving school for causes outside it, the register and the officers, the decisions that
    find a child at home a place, and exemptions (every month)."""
    with month.decision("municipality.youth_care"):
        _youth_care(world, month)
    with month.decision("parents.outside_cause"):
        _outside_causes(world, month)
    home = world.rows.at_home(month.school_year)  # none moves until the decisions below
    with month.decision("municipality.register_and_follow"):
        followed = _register_and_follow(world, month, home)
    with month.decision("school.decide_registrations"):
        _places_for_pupils_at_home(world, month, home, followed)
    with month.decision("municipality.exempt"):
        _exemptions(world, month)


def _youth_care(world: World, month: Month) -> None:
    """Found children at home with a manifest need get a youth-care place while their pool has one; the others wait.
    Care ends when the child is back or exempt."""
    p, b, muni = world.pupils, month.behaviour, world.municipalities
    home = world.rows.at_home(month.school_year)
    cared = np.flatnonzero(p.in_youth_care)
    p.in_youth_care[cared[p.setting[cared] != Setting.HOME]] = False
    p.youth_care_waiting[:] = False
    municipal = bool(month.law["youth_care_municipal"])
    n_pools = len(muni) + len(world.areas)

    def pool_of(municipality_of: np.ndarray, area: np.ndarray) -> np.ndarray:
        return municipality.youth_care_pool(municipality_of, area, municipal, muni.agreement_with_alliance, len(muni))

    def places_of_the_year() -> np.ndarray:  # places follow the pupils, who move only in August
        funded = Municipality.every_row(muni).youth_care_funded(world.rows.by_municipality(month.school_year),
                                                                municipal, budget_factor)
        return municipality.youth_care_places(pool_of(np.arange(len(muni)), muni.area), funded, n_pools,
                                              b.youth_care_places_per_1000)

    budget_factor = float(month.law["youth_care_budget_factor"])
    places = world.rows.derived("youth_care_places", (month.school_year, municipal, budget_factor),
                                places_of_the_year)
    pool = pool_of(p.municipality[home], p.area[home])
    in_care = p.in_youth_care[home]
    # Places are whole: round the free capacity up or down at random so that a small-scale run has the right number
    # on average (a municipality of a 1% sample holds a few hundredths of a place).
    u = month.uniform("youth_care.places", np.arange(n_pools))
    free = np.floor(np.maximum(places - total_by(pool[in_care], n_pools), 0.0) + u)
    seeking = ~in_care & p.found[home] & (p.need[home] > b.detect_threshold)
    candidates, their_pool = home[seeking], pool[seeking]
    admitted = municipality.admit_to_youth_care(their_pool, p.months_home[candidates], free)
    p.in_youth_care[candidates[admitted]] = True
    p.youth_care_waiting[candidates[~admitted]] = True
    world.ledger.count("youth_care_starts", int(np.count_nonzero(admitted)))
    world.ledger.count("youth_care_waiting_months", int(np.count_nonzero(~admitted)))


def _outside_causes(world: World, month: Month) -> None:
    """Children leave their school for reasons outside education (a move, an arrival from abroad) and are registered
    at no school until their parents find one. A documented rate over all pupils; the few it picks who are of
    compulsory school age and in a regular school go."""
    p = world.pupils
    rng = month.streams.generator(f"parents.outside_cause.{month.step}")
    # Drawing the few who go, not a number per pupil: the rate is a few per 10,000 a month.
    n_picked = rng.binomial(len(p), parents.outside_cause_chance(month.behaviour))
    picked = np.unique(rng.integers(0, len(p), size=n_picked))
    picked = picked[IS_REGULAR[p.setting[picked]] & (p.age(month.school_year, picked) >= COMPULSORY_AGE)]
    moves.send_home(world, month, picked, Route.OUTSIDE)
    moves.deregister(world, month, picked)


def _register_and_follow(world: World, month: Month, idx: np.ndarray) -> np.ndarray:
    """Whom the attendance officers follow this month and what the municipality comes to know. The officers spread
    their caseload over the cases they know (``municipality.follow_chances``; under the Thuiszitterspact those home
    over 3 months first). Schools report the absence of registered pupils and the register records a share of the
    reports; officers find children registered at no school. ``idx``: the children at home. Returns the pupils
    followed."""
    p, b, law, muni = world.pupils, month.behaviour, month.law, world.municipalities
    uid = p.uid[idx]
    their_muni = p.municipality[idx]
    # the officers work on the cases they knew of when the month began; a case found now waits for next month
    known, over_3m = p.found[idx], p.months_home[idx] > 3
    n_known = int(np.count_nonzero(known))
    short, long = municipality.follow_chances(
        muni.officer_capacity * law["attendance_officers_factor"], n_known / max(len(p), 1) * 10_000.0,
        np.count_nonzero(known & over_3m) / max(n_known, 1), bool(law["thuiszitterspact"]), b)
    chance = np.where(over_3m, long[their_muni], short[their_muni])
    followed = idx[known & (month.uniform("municipality.follow", uid) < chance)]
    world.this_month.cases_followed = len(followed)

    unknown, registered = ~p.found[idx], ~p.unregistered[idx]
    reported = unknown & registered & school.report_absence(b, month.uniform("school.report_absence", uid))
    recorded = municipality.register_reports(reported, muni.registration[their_muni],
                                             month.uniform("municipality.register", uid))
    found = unknown & ~registered & municipality.find_unregistered(
        muni.officer_capacity[their_muni], law["attendance_officers_factor"], muni.registration[their_muni], b,
        month.uniform("municipality.find", uid))
    new = idx[recorded | found]
    p.found[new] = True
    _flag_attendance_counts(world, month, new)
    for route, reason in ROUTES_INTO_HOME.items():
        world.ledger.count(f"known_in_{reason}", int(np.count_nonzero(p.home_route[new] == route)))
    return followed


def _places_for_pupils_at_home(world: World, month: Month, idx: np.ndarray, followed: np.ndarray) -> None:
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
    p, b, law, rules = world.pupils, month.behaviour, month.law, month.rules
    if len(idx) == 0:
        return
    uid = p.uid[idx]
    is_followed = np.isin(idx, followed, assume_unique=True)

    placed = np.zeros(len(idx), dtype=bool)
    if rules.alliances_in_charge:
        alliance = world.alliance_of(month.school_year, idx)
        escalated = is_followed & (p.months_home[idx] > 3)
        share = np.asarray(law["doorzettingsmacht_share"])[world.alliances.sector[alliance]]
        placed = alliances.place_stuck_cases(escalated, world.alliances.doorzettingsmacht_rank[alliance], share,
                                             world.alliances.doorzettingsmacht_arranged[alliance])
        chosen = idx[placed]
        moves.place_from_home(world, month, chosen, p.regular_setting(month.school_year, chosen), "placed_by_alliance")
        grant_arrangements(world, month, chosen)
    _onderwijsconsulenten(world, month, idx[~placed])

    registered = ~p.unregistered[idx]
    at_home = p.setting[idx] == Setting.HOME  # no one placed the child yet this month
    reviewed = idx[at_home & registered & (is_followed | (month.uniform("school.review_absence", uid)
                                                           < b.school_review_rate))]
    cost = cost_to_school(world, month, reviewed, p.registered[reviewed], p.school[reviewed])
    duty = _duty_binds(world, month, reviewed)
    back = school.admit(cost, school.declining_cost_eur(duty, False, b), b,
                        month.uniform("school.take_back", p.uid[reviewed]))
    chosen = reviewed[back]
    moves.place_from_home(world, month, chosen, p.registered[chosen], "back_to_own_school")
    arrange_on_admission(world, month, chosen)
    _declined_or_partner(world, month, reviewed[~back], duty[~back] & IS_REGULAR[p.registered[reviewed[~back]]],
                         p.registered[reviewed[~back]], p.school[reviewed[~back]])

    at_home = p.setting[idx] == Setting.HOME
    seeking = at_home & (parents.seek_place(b, month.uniform("parents.seek_place", uid)) | (is_followed & ~registered))
    applying = idx[seeking]
    other = _school_in_area(world, month, applying, month.uniform("parents.choose_school", p.uid[applying]))
    target = np.where(IS_REGULAR[p.registered[applying]], p.registered[applying],
                      p.regular_setting(month.school_year, applying))
    cost = cost_to_school(world, month, applying, target, other)
    duty = _duty_binds(world, month, applying)
    if rules.zorgplicht:
        school_model = world.alliances.school_model[world.alliance_of(month.school_year, applying)]
        dodged = school.dodge_zorgplicht(cost, school_model, b, month.uniform("school.dodge", p.uid[applying]))
        world.ledger.count("zorgplicht_dodged", int(np.count_nonzero(dodged)))
        duty &= ~dodged
    admitted = school.admit(cost, school.declining_cost_eur(duty, False, b), b,
                            month.uniform("school.admit", p.uid[applying]))
    chosen = applying[admitted]
    moves.place_from_home(world, month, chosen, target[admitted], "admitted_elsewhere", other[admitted])
    arrange_on_admission(world, month, chosen)
    _declined_or_partner(world, month, applying[~admitted], duty[~admitted], target[~admitted], other[~admitted])


def _declined_or_partner(world: World, month: Month, idx: np.ndarray, bound: np.ndarray, to: np.ndarray,
                         declining: np.ndarray) -> None:
    """A school (rows ``declining``) declined pupils ``idx``; for those it was bound to (``bound``: zorgplicht) it
    offers a place in ``to`` at a partner school. The parents of the rest are sent on."""
    at_partner = _offer_to_partner(world, month, idx[bound], to[bound], declining[bound])
    _declined(world, month, np.concatenate((idx[~bound], idx[bound][~at_partner])))


SCHOOLS_ASKED = 3
"""How many schools of the child's area a school (for a partner place) or a consultant asks before choosing the one
that best carries the need. Assumption."""


def _school_in_area(world: World, month: Month, idx: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A regular school of the right sector in the area of each pupil ``idx``, drawn by school size (``u``: one uniform
    per pupil)."""
    secondary = world.pupils.grade(month.school_year, idx) >= PRIMARY_GRADES
    row = np.empty(len(idx), dtype=np.int64)
    for sector in (0, 1):
        mine = secondary == bool(sector)
        row[mine] = world.choose_school(sector, world.pupils.area[idx[mine]], u[mine])
    return row


def _best_school_asked(world: World, month: Month, idx: np.ndarray, who: str, excluded: np.ndarray) -> np.ndarray:
    """The school that best carries a need of the ``SCHOOLS_ASKED`` schools ``who`` asks in the area of each pupil
    ``idx`` (never ``excluded``; -1 where it asked only that one)."""
    uid = world.pupils.uid[idx]
    u = np.concatenate([month.uniform(f"{who}.ask.{k}", uid) for k in range(SCHOOLS_ASKED)])
    asked = _school_in_area(world, month, np.tile(idx, SCHOOLS_ASKED), u)  # all the asks at once
    asked = asked.reshape(SCHOOLS_ASKED, len(idx)).T
    return school.best_carrying(asked, world.schools.skill[asked], excluded)


def _offer_to_partner(world: World, month: Month, idx: np.ndarray, to: np.ndarray, declining: np.ndarray) -> np.ndarray:
    """Under zorgplicht, a school (rows ``declining``) that declined pupils ``idx`` it was bound to offers each a place
    in ``to`` at a partner school of its alliance; the partner decides on what the child would cost it, without a duty
    of its own. Returns the mask of the children placed."""
    p, b = world.pupils, month.behaviour
    partner = _best_school_asked(world, month, idx, "school.partner", declining)
    asked = np.flatnonzero(partner >= 0)
    cost = cost_to_school(world, month, idx[asked], to[asked], partner[asked])
    placed = np.zeros(len(idx), dtype=bool)
    placed[asked] = school.admit(cost, school.declining_cost_eur(False, False, b), b,
                                 month.uniform("school.admit_partner", p.uid[idx[asked]]))
    chosen = idx[placed]
    moves.place_from_home(world, month, chosen, to[placed], "placed_at_partner_school", partner[placed])
    arrange_on_admission(world, month, chosen)
    return placed


def _onderwijsconsulenten(world: World, month: Month, idx: np.ndarray) -> None:
    """Parents of children at home ``idx`` (whom no one placed yet this month) home over 3 months
    with a support need call on an onderwijsconsulent; the service takes the cases it has time for, and each
    consultant brings the child to the school of its area that best carries the need. That school decides on what the
    child would cost it, answering to the consultant's advice and, under zorgplicht, to its duty."""
    p, b = world.pupils, month.behaviour
    capacity_a_year = float(month.law["onderwijsconsulenten_cases_per_10000"])
    if capacity_a_year <= 0.0 or len(idx) == 0:
        return
    uid = p.uid[idx]
    calls = (p.months_home[idx] > 3) & (p.need[idx] > b.detect_threshold)
    calls[calls] = parents.call_consultant(b, month.uniform("parents.call_consultant", uid[calls]))
    asking = np.flatnonzero(calls)
    capacity = consultants.monthly_capacity(capacity_a_year, len(p),
                                            float(month.uniform("consultants.capacity", np.zeros(1))[0]))
    taken = asking[consultants.take_cases(p.months_home[idx[asking]], capacity)]
    world.ledger.count("consultant_cases", len(taken))
    world.this_month.consultant_cases = len(taken)  # paid for in the money phase
    cases = idx[taken]
    best = _best_school_asked(world, month, cases, "consultant", np.full(len(cases), -1))
    to = p.regular_setting(month.school_year, cases)
    cost = cost_to_school(world, month, cases, to, best)
    admitted = school.admit(cost, school.declining_cost_eur(_duty_binds(world, month, cases), True, b), b,
                            month.uniform("school.admit_consultant", p.uid[cases]))
    chosen = cases[admitted]
    moves.place_from_home(world, month, chosen, to[admitted], "placed_by_consultant", best[admitted])
    arrange_on_admission(world, month, chosen)


def _duty_binds(world: World, month: Month, idx: np.ndarray) -> np.ndarray:
    """Whether zorgplicht binds the school deciding on pupils ``idx``: under passend onderwijs for every child,
    whatever its need ("zorgplicht voor alle zorgleerlingen", kst_31497_31). Only an exemption ends it; a school
    may advise the parents of a child whose need a doctor's or psychologist's statement would cover to ask for one
    (:func:`_school_advises_exemption`), but until the municipality grants it the duty stands."""
    return np.full(len(idx), month.rules.zorgplicht, dtype=bool)


def _declined(world: World, month: Month, idx: np.ndarray) -> None:
    """Schools declined (or dodged) pupils ``idx``: the parents are sent on, and some of those whose child is still
    registered take it off the register."""
    p = world.pupils
    p.refusals[idx] = np.minimum(p.refusals[idx].astype(np.int16) + 1, 100).astype(np.int8)
    world.ledger.count("sent_on", len(idx))
    registered = idx[~p.unregistered[idx]]
    asked = registered[parents.deregister_after_refusal(
        month.behaviour, month.uniform("parents.deregister_after_refusal", p.uid[registered]))]
    _parents_ask_to_deregister(world, month, asked)


def _exemptions(world: World, month: Month) -> None:
    """Parents of a child whose need a doctor's or psychologist's statement would cover ask for an exemption, from home
    (a case the officer knows) or from a school whose place does not carry the need; the municipality decides. Each
    August it reviews the exemptions in force; an ended one leaves the child at home, registered nowhere, to find a
    school."""
    p, b, law, muni = world.pupils, month.behaviour, month.law, world.municipalities
    if month.today.month == 8:
        exempt = np.flatnonzero(p.setting == Setting.EXEMPT)
        ended = exempt[municipality.review_exemptions(b, month.uniform("municipality.review_exemption", p.uid[exempt]))]
        moves.send_home(world, month, ended, Route.EXEMPTION_ENDED)
        moves.deregister(world, month, ended)
    idx = world.rows.with_need_above(b.exempt_threshold)[0]  # the few with such a need first, then where they are
    setting = p.setting[idx]
    at_home = (setting == Setting.HOME) & p.found[idx]
    in_school = in_a_school(setting) & (p.age(month.school_year, idx) >= COMPULSORY_AGE)
    idx, at_home = idx[at_home | in_school], at_home[at_home | in_school]
    # how common labels have become in the country: doctors' and psychologists' practice with statements is national
    # (an area's rate would also carry the sampling noise of a small run into a convex rule)
    awareness = np.full(len(idx), world.labels.national_rate / world.labels.reference_rate - 1.0)
    u = month.uniform("parents.ask_exemption", p.uid[idx])
    # Only parents whose draw falls below the chance they would have with no place in reach can ask; the place is
    # judged for those few (the same decisions as judging it for all).
    yes = np.ones(len(idx), dtype=bool)
    could = parents.ask_exemption(at_home, yes, yes, awareness, b, u)
    idx, at_home, awareness, u = idx[could], at_home[could], awareness[could], u[could]
    # no place in reach: at home, schools declined the child, it waits for a (v)so place, or the committee or alliance
    # turned down its indication (TLV) during this spell; in school, the place does not carry the need
    no_place = p.waiting[idx].copy()
    home, school_rows = idx[at_home], idx[~at_home]
    refused = (p.indication[home] == 0) & (p.last_assessed[home] >= month.step - p.months_home[home])
    no_place[at_home] |= (p.refusals[home] > 0) | refused
    unmet = np.zeros(len(idx))
    unmet[~at_home] = p.need[school_rows] - carried_where_they_are(world, month, school_rows)
    no_place[~at_home] |= unmet[~at_home] > 0
    asked = parents.ask_exemption(at_home, no_place, _school_advises_exemption(world, month, idx, at_home, unmet),
                                  awareness, b, u)
    granted = municipality.grant_exemption(asked, no_place, muni.exempt_propensity[p.municipality[idx]],
                                           bool(law["exemption_5a_allowed"]), b,
                                           month.uniform("municipality.exempt", p.uid[idx]))
    moves.exempt(world, month, np.concatenate((idx[granted & at_home], idx[granted & ~at_home])))


def _school_advises_exemption(world: World, month: Month, idx: np.ndarray, at_home: np.ndarray,
                              unmet_in_school: np.ndarray) -> np.ndarray:
    """Whether the regular school each child ``idx`` is registered at advises its parents to ask for an exemption: under
    zorgplicht only (an exemption ends a duty the school cannot otherwise be rid of; before, it could decline or let
    the child go), the more the child costs it (in school: its place's unmet need ``unmet_in_school``; at home: what
    taking it back would cost)."""
    p, b = world.pupils, month.behaviour
    advised = np.zeros(len(idx), dtype=bool)
    if not month.rules.zorgplicht:
        return advised
    registered_regular = IS_REGULAR[p.registered[idx]] & ~p.unregistered[idx] & (at_home | IS_REGULAR[p.setting[idx]])
    cost = school.cost_of_taking_eur(unmet_in_school, b)
    home = np.flatnonzero(at_home & registered_regular)
    cost[home] = cost_to_school(world, month, idx[home], p.registered[idx[home]], p.school[idx[home]])
    rows = np.flatnonzero(registered_regular)
    advised[rows] = school.advise_exemption(cost[rows], b, month.uniform("school.advise_exemption", p.uid[idx[rows]]))
    return advised


def breakdowns(world: World, month: Month) -> None:
    """A place ends: it cannot carry the child's need and breaks down (the parents keep the child at home), or a
    regular school sends home a pupil who costs it too much (a suspension that lasts). The child stays registered
    where it was; a few parents also take a child whose place broke down off the register (absolute absence)."""
    p, b = world.pupils, month.behaviour
    rows, uid, highest = _end_place_candidates(world, month)
    with month.decision("parents_or_school.end_place"):
        # One draw decides whether the place ends this month and how: below the breakdown chance it breaks down,
        # in the next band (of the suspension chance) the school sends the pupil home. Only a draw below the highest
        # chance the pupil's need allows can end a place: the place is judged for those few.
        u = month.uniform("parents.keep_home", uid)
        could = u < highest
        idx, u = rows[could], u[could]
        present = in_a_school(p.setting[idx]) & (p.age(month.school_year, idx) >= p.onset_age[idx])
        idx, u = idx[present], u[present]
        unmet = p.need[idx] - carried_where_they_are(world, month, idx)
        chance = parents.breakdown_chance(unmet, p.waiting[idx], b)
        breaks = u < chance  # parents.keep_at_home, with the chance kept for the suspension band
        cost = school.cost_of_taking_eur(unmet, b) * IS_REGULAR[p.setting[idx]]
        suspension = np.minimum(school.suspension_chance(cost, b), parents.MAX_BREAKDOWN_CHANCE - chance)
        sent = ~breaks & (u < chance + suspension)
    home, suspended = idx[breaks], idx[sent]
    moves.send_home(world, month, home, Route.BREAKDOWN)
    moves.send_home(world, month, suspended, Route.SUSPENSION)
    _parents_ask_to_deregister(world, month,
                               home[parents.deregister(b, month.uniform("parents.deregister", p.uid[home]))])


def _end_place_candidates(world: World, month: Month) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of the pupils with a need (above the detection threshold), their ids, and the highest monthly chance that
    the place of each ends, whatever school it is in: kept while the rows, the least support a place carries and the
    behaviour values (a classroom lever may change one) stay the same."""
    p, b = world.pupils, month.behaviour
    least = least_carried(world, month)

    def find():
        rows, uid = world.rows.with_need_above(b.detect_threshold)
        return rows, uid, highest_end_chance(p.need[rows] - least, b)

    return world.rows.derived("end_place", (month.school_year, least, b), find)


def highest_end_chance(most_unmet: np.ndarray, b: Behaviour) -> np.ndarray:
    """The highest monthly chance that a place ends (breaks down or the school sends the pupil home) for pupils whose
    place leaves at most ``most_unmet`` need unmet: the breakdown chance of a waiting pupil plus the suspension chance,
    capped as :func:`breakdowns` caps them. Both chances rise with the unmet need and waiting raises the breakdown
    chance, because their behaviour parameters are bounded at zero (``breakdown_waiting`` at one) and above; a hair is
    added so that rounding cannot put a pupil's chance above it."""
    chance = parents.breakdown_chance(most_unmet, np.ones(len(most_unmet), dtype=bool), b)
    suspension = school.suspension_chance(school.cost_of_taking_eur(most_unmet, b), b)
    return np.minimum(chance + suspension, parents.MAX_BREAKDOWN_CHANCE) * (1.0 + 1e-9)


def _parents_ask_to_deregister(world: World, month: Month, idx: np.ndarray) -> None:
    """Parents of children at home ``idx`` ask their school to take the child off its register; the school does,
    unless zorgplicht binds it to the child (then the child stays registered, and at home: relative absence)."""
    p = world.pupils
    bound = _duty_binds(world, month, idx) & IS_REGULAR[p.registered[idx]]
    leaves = idx[school.take_off_register(bound)]
    world.ledger.count("deregistrations", len(leaves))
    moves.deregister(world, month, leaves)


def months_at_home(world: World, month: Month) -> None:
    """End of month: spells at home get one month longer; flag the durations the attendance counts use (relative
    absence is absence from the school registered at; children registered nowhere count as absolute)."""
    p = world.pupils
    home = world.rows.at_home(month.school_year)
    p.months_home[home] += 1
    p.months_home_total[home] += 1
    _flag_attendance_counts(world, month, home)


def _flag_attendance_counts(world: World, month: Month, home: np.ndarray) -> None:
    """Flag what the school year's attendance counts will hold of children at home ``home``: as they are, and as the
    officer knows them (flagged again when a case becomes known, so that a case known and ended in one month counts)."""
    p = world.pupils
    registered, known = ~p.unregistered[home], p.found[home]
    long, over_3m = p.months_home[home] > month.law["long_absence_months"], p.months_home[home] > 3
    p.home_long_this_year[home[registered & long]] = True
    p.home_long_known_this_year[home[registered & long & known]] = True
    p.home_3m_this_year[home[over_3m]] = True
    p.home_3m_known_this_year[home[over_3m & known]] = True
    p.unregistered_known_this_year[home[~registered & known]] = True
