"""The month, phase by phase: who decides what, on which rows, and what gets booked.

Each phase finds the pupils (or institutions) it concerns, hands their rows, money and law to the deciding actor's
function or method in ``passend.agents``, carries out the decision (pupil moves through the ledger) and books the
money. Nothing here decides: the thresholds and weights are the actors'. The rule set in force (``m.rules``) says
who judges and who pays; no phase asks which regime it is. The phases about children at home (``attendance``,
``breakdowns``, ``months_at_home``) live in ``model/home.py``; pieces the phases share about a pupil's place
in ``model/placement.py``.

=====================  ===========  ===================================================================================
phase                  when         what happens
=====================  ===========  ===================================================================================
new_school_year        August       leavers go; pupils enter secondary (vso or rugzak, lwoo/pro by the RVC); a new
                                    cohort enters primary; the state sets the rugzak amounts; schools learn indication
                                    practice (and teachers' skill from a professionalisation budget); providers plan
                                    capacity; municipalities improve their registers when the pact asks; alliances in
                                    charge set budgets and admission policy; yearly flags restart
count                  October      the 1 October count (before anything moves that month): WSNS sbo rule; how common
                                    indications are per area; the budget base counts (2011 heavy support, 2012
                                    lwoo/pro); DUO's count for the state; the recorder's count; alliances open a new
                                    book year
attendance             every month  youth care for known children at home; children leave school for causes outside
                                    education; schools report absence, officers find children registered nowhere and
                                    follow cases within their caseload; the alliance (doorzettingsmacht), the school of
                                    registration or another school (aanmelding) decide on a place; parents ask for and
                                    the municipality grants exemptions (5a), reviewed each August
detection              every month  schools notice manifest needs
indications            every month  schools/parents apply; the committee or the alliance (TLV) judges; parents choose
                                    rugzak or (v)so; providers admit or put on the waiting list
waiting_lists          every month  free (v)so places go to waiting pupils
sbo_referral           every month  primary schools refer to sbo (WSNS rule, or a TLV from the alliance)
moves_back             every month  alliances in charge place (v)so pupils back in a regular school with an arrangement
                                    when it fits and costs them less (terugplaatsing)
breakdowns             every month  places that cannot carry the need break down, or the school sends a costly pupil
                                    home: the child is at home
months_at_home         every month  spells at home get a month longer
money                  every month  every payer books its payments; alliances in charge settle their month; the
                                    month closes and the recorder reads it
close_school_year      July         the school year's record
=====================  ===========  ===================================================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np

from passend.agents import consultants, municipality, parents, school, special_school, state
from passend.agents import alliance as alliances
from passend.agents.rules import IS_REGULAR, IS_SPECIAL, in_settings
from passend.engine.groups import count_values, total_by
from passend.engine.population import N_INDICATIONS, N_SETTINGS, NO_PROVIDER, PRIMARY_GRADES, REGULAR, SPECIAL, Setting
from passend.model.country import new_cohort
from passend.model.home import attendance, breakdowns, end_spells, months_at_home
from passend.model.placement import (basic_support, enrol, grant_arrangements, pupils_by_setting_and_indication,
                                          regular_setting, rows_key, rows_money_follows, with_need_above,
                                          wsns_primary_pupils)

if TYPE_CHECKING:
    from passend.model.model import WorldModel


# --- August ------------------------------------------------------------------------------------------------------
def new_school_year(m: "WorldModel") -> None:
    if m.today.month != 8:
        return
    _leavers_go(m)
    _enter_secondary(m)
    _new_cohort_enters(m)
    with m.clock.decision("state.set_amounts"):
        m.state.set_amounts(m.law)
    with m.clock.decision("school.learn_indication_practice"):
        _schools_learn(m)
    with m.clock.decision("provider.plan_capacity"):
        _providers_plan(m)
    with m.clock.decision("municipality.improve_registration"):
        for agent in m.municipality_agents:
            agent.improve_registration(bool(m.law["thuiszitterspact"]), m.behaviour)
    if m.rules.alliances_in_charge:
        if not m.budget_bases:
            raise RuntimeError(f"the alliances hold budgets from {m.today}, which needs the budget base count of "
                               f"{m.law['budget_base_year']}; this run has not passed it")
        with m.clock.decision("alliance.plan_year"):
            _alliances_plan_year(m)
    p = m.pupils
    at_home = p.setting == Setting.HOME
    p.home_long_this_year = at_home & ~p.unregistered & (p.months_home > m.law["long_absence_months"])
    p.home_long_known_this_year = p.home_long_this_year & p.found
    p.home_3m_this_year = at_home & (p.months_home > 3)
    p.home_3m_known_this_year = p.home_3m_this_year & p.found
    p.exempt_this_year = p.setting == Setting.EXEMPT
    p.unregistered_this_year = p.unregistered.copy()
    p.unregistered_known_this_year = p.unregistered & p.found


def _providers_plan(m: "WorldModel") -> None:
    """Each (v)so provider grows with its waiting list and shrinks with its empty places; one below the closure norm
    closes and merges into the provider of its cluster in the nearest region, which takes over its pupils, the pupils
    waiting for it and its places (with none left, its pupils go back to a regular school with an arrangement)."""
    b, prov = m.behaviour, m.providers
    so, vso = _occupancy(m)
    for provider in m.provider_agents:
        provider.plan_capacity(m.months_in_school_year, so[provider.idx], vso[provider.idx], b.capacity_growth,
                               b.capacity_shrink, b.capacity_slack)
    norm = dict(zip(("so", "vso", "sovso"), m.law["closure_norm"]))
    inv = 1.0 / m.settings.scale
    for provider in m.provider_agents:
        if provider.below_closure_norm(so[provider.idx] * inv, vso[provider.idx] * inv, norm):
            _close(m, provider.idx, special_school.merge_target(prov, provider.idx))


def _occupancy(m: "WorldModel") -> tuple[np.ndarray, np.ndarray]:
    """Seats taken per provider in so and in vso."""
    return _seats_held(m, np.flatnonzero(m.pupils.provider >= 0))


def _seats_held(m: "WorldModel", idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seats pupils ``idx`` hold per provider in so and in vso; only a pupil with a provider can hold one."""
    p = m.pupils
    seated = idx[p.provider[idx] >= 0]
    return special_school.occupancy(p.provider[seated], p.counted_setting(seated), len(m.providers))


def _close(m: "WorldModel", closing: int, target: int) -> None:
    p, prov = m.pupils, m.providers
    pupils = np.flatnonzero(p.provider == closing)
    prov.merged_into[closing] = target if target >= 0 else closing
    if target >= 0:
        prov.capacity_so[target] += prov.capacity_so[closing]
        prov.capacity_vso[target] += prov.capacity_vso[closing]
        m.provider_index[m.provider_index == closing] = target
        p.provider[pupils] = target
    else:  # the last school of its cluster: its pupils go to a regular school of their catchment
        in_place = pupils[IS_SPECIAL[p.setting[pupils]] | IS_SPECIAL[p.registered[pupils]]]
        regular = regular_setting(m, in_place)
        present = p.setting[in_place] != Setting.HOME  # a child at home only changes the school registered at
        m.ledger.move(p, in_place[present], regular[present], "closure")
        p.registered[in_place] = regular
        p.provider[pupils] = NO_PROVIDER
        p.waiting[pupils] = False
        grant_arrangements(m, in_place)
        in_sbo = pupils[p.registered[pupils] == Setting.SBO]  # they waited for a place while in sbo, and stay there
        u = m.streams.uniform("school.sbo_school", p.uid[in_sbo], m.step_index)
        p.provider[in_sbo] = special_school.choose_sbo_school(prov, p.area[in_sbo], u)
    prov.capacity_so[closing] = 0.0
    prov.capacity_vso[closing] = 0.0


def _leavers_go(m: "WorldModel") -> None:
    p = m.pupils
    p.keep(p.grade(m.school_year) < PRIMARY_GRADES + p.secondary_years)


def _enter_secondary(m: "WorldModel") -> None:
    """Pupils starting grade 8 move to a secondary school; with an indication the parents choose vso or a rugzak;
    the others may get lwoo/pro from the regional committee."""
    p = m.pupils
    entrants = np.flatnonzero(p.grade(m.school_year) == PRIMARY_GRADES)
    from_sbo = p.registered[entrants] == Setting.SBO
    u = m.streams.uniform("pupil.secondary_school", p.uid[entrants], m.step_index)
    enrol(m, entrants, m.choose_school(school.SECONDARY, p.area[entrants], u))
    in_school = (p.setting[entrants] != Setting.HOME) & (p.setting[entrants] != Setting.EXEMPT)
    indicated = entrants[(p.indication[entrants] > 0) & in_school]
    wants_special = _parents_choose_special(m, indicated)
    # Everyone registers at the secondary school first; those choosing vso then ask for a place.
    was_home = p.setting[entrants] == Setting.HOME
    p.registered[entrants] = Setting.VO
    m.ledger.move(p, entrants[in_school], Setting.VO, "enter_secondary")
    p.waiting[entrants] = False
    p.provider[entrants] = NO_PROVIDER
    p.detected[entrants] &= p.indication[entrants] > 0
    _seek_special_places(m, indicated[wants_special])
    going_regular = (p.setting[entrants] == Setting.VO) | was_home
    _lwoo_pro(m, entrants[going_regular], from_sbo[going_regular])


def _lwoo_pro(m: "WorldModel", entrants: np.ndarray, from_sbo: np.ndarray) -> None:
    """The school asks the regional committee for lwoo/pro for the entrants whose learning delay it sees; the committee
    judges against the national criteria, or, once the secondary alliances hold lwoo/pro (2016), an alliance with its
    own criteria against the national criterion plus its lwoo strictness (pro stays national)."""
    p, b, law = m.pupils, m.behaviour, m.law
    flagged = school.flag_learning_delay(p.learning_delay[entrants], b)
    entrants, from_sbo = entrants[flagged], from_sbo[flagged]
    know_how = m.schools.know_how[p.school[entrants]]
    u = m.streams.uniform("school.apply_lwoo", p.uid[entrants], m.step_index)
    asks = school.ask_for_lwoo_pro(p.learning_delay[entrants], know_how, from_sbo, law["lwoo_pro_eur"], b, u)
    noise = m.streams.normal("rvc.assess", p.uid[entrants], m.step_index)
    criterion = np.full(len(entrants), float(law["lwoo_criterion"]))
    if m.rules.alliances_in_charge and law["lwoo_pro_in_alliances"]:
        alliance = m.alliance_of_pupils(entrants)
        own = alliances.with_own_lwoo_criteria(m.alliances.lwoo_opt_out_rank[alliance], law["lwoo_opt_out_share"])
        criterion[own] += m.alliances.lwoo_strictness[alliance[own]]
    lwoo, pro = state.judge_lwoo_pro(p.learning_delay[entrants], know_how, noise, asks, criterion,
                                     law["pro_criterion"], b)
    for group, setting in ((entrants[lwoo], Setting.LWOO), (entrants[pro], Setting.PRO)):
        in_school = p.setting[group] == Setting.VO
        p.registered[group] = setting
        m.ledger.move(p, group[in_school], setting, "lwoo_pro")


def _new_cohort_enters(m: "WorldModel") -> None:
    fresh = new_cohort(m.school_year, m.settings.scale, m.behaviour, m.areas, m.choose_school, m.municipalities,
                       m.streams, m.next_uid)
    m.next_uid += len(fresh["uid"])
    m.pupils.append(**fresh)


def _schools_learn(m: "WorldModel") -> None:
    s = m.schools
    peers = school.peer_know_how(s.know_how, s.sector)
    reward_ratio = m.state.rugzak_school_eur / m.state.reference_rugzak_school_eur
    s.know_how = school.learn_indication_practice(s.know_how, peers, reward_ratio, m.behaviour.know_how_imitation)
    budget = m.law["professionalisation_eur"]
    if budget > 0:
        per_pupil = budget * m.settings.scale / len(m.pupils)
        s.skill = school.professionalise(s.skill, per_pupil, m.behaviour.professionalisation_skill_gain)


def _alliance_pupils(m: "WorldModel") -> np.ndarray:
    """Pupils per alliance (national), exempted children not counted."""
    in_school = m.pupils.setting != Setting.EXEMPT
    return total_by(m.alliance_of_pupils()[in_school], len(m.alliances)) / m.settings.scale


COSTING_SETTINGS = np.array([Setting.SO, Setting.VSO, Setting.SBO, Setting.LWOO, Setting.PRO], dtype=np.int8)
"""Counted settings in which a pupil may cost an alliance money (besides support in a regular school)."""


def _support_costs(m: "WorldModel", idx: np.ndarray, setting: np.ndarray, clusters, regular_support_eur: np.ndarray,
                   include_sbo: bool):
    """Support costs per alliance from pupils ``idx`` (all who may cost an alliance something), their counted
    ``setting`` and the yearly support in a regular school of each of them; sbo above 2% of the alliances' primary
    pupils (their count of this school year) if ``include_sbo``."""
    p = m.pupils
    sbo_base = m.alliances.pupils * m.settings.scale if include_sbo else None
    return alliances.support_costs(m.alliance_of_pupils(idx), setting, p.indication[idx], p.need[idx],
                                   tuple(clusters), regular_support_eur, sbo_base, m.law, len(m.alliances),
                                   m.settings.scale)


def _alliance_costs_now(m: "WorldModel", rows: np.ndarray, setting: np.ndarray):
    """What the alliances' pupils cost them a year at this month's numbers: (v)so supplements of their clusters, sbo
    above 2% when they grant the sbo TLVs, arrangements by level, lwoo/pro. ``rows``: the pupils money follows
    (:func:`~passend.model.placement.rows_money_follows`), ``setting``: their counted settings."""
    p = m.pupils
    costing = in_settings(setting, COSTING_SETTINGS) | (p.arrangement[rows] > 0)
    idx = rows[costing]
    prices = alliances.arrangement_prices_eur(m.law)[p.arrangement[idx]]
    return _support_costs(m, idx, setting[costing], m.rules.alliance_clusters, prices,
                          include_sbo=m.rules.alliance_judges_sbo)


def _lwoo_pro_costs(m: "WorldModel") -> np.ndarray:
    return alliances.lwoo_pro_costs(m.alliance_of_pupils(), m.pupils.counted_setting(), m.law["lwoo_pro_eur"],
                                    len(m.alliances), m.settings.scale)


def _alliances_plan_year(m: "WorldModel") -> None:
    """Each August while the alliances are in charge: this year's amount per pupil (:func:`set_budgets`), and each
    alliance's ondersteuningsplan: reserves, budget by its distribution model (or the one the law prescribes), TLV
    policy, and the lwoo criteria of alliances with their own."""
    a, law, b = m.alliances, m.law, m.behaviour
    a.pupils = _alliance_pupils(m)
    _arrange_former_rugzak(m)
    budget = set_budgets(m)
    if m.rules.alliance_judges_sbo:  # DUO deducts sbo above 2%: only then does one more or one fewer cost the alliance
        in_sbo = np.flatnonzero(m.pupils.counted_setting() == Setting.SBO)
        over = alliances.sbo_above_direct_share(m.alliance_of_pupils(in_sbo), a.pupils * m.settings.scale, law)
        a.sbo_marginal_eur = np.where(over > 0, float(law["sbo_eur"]), 0.0)
    savings = alliances.category_savings_eur(law, b)
    medium_supplement = float(alliances.special_supplement_eur(
        np.array([law["indication_criterion"] + alliances.CATEGORY_TYPICAL_NEED[1]]), law)[0])
    alliance = alliances.Alliance.every_row(a)  # each alliance plans its year; all in one call
    alliance.plan_reserves(budget.income, law, b)
    plan_budgets(m, budget)
    alliance.plan_arrangements(b)
    alliance.set_tlv_policy(savings, medium_supplement, b)
    alliance.plan_lwoo_criteria(budget.costs.lwoo_pro, b.tlv_budget_response)


class YearBudget(NamedTuple):
    """What the law gives the alliances for a school year, and what their pupils cost them now (national EUR)."""

    income: np.ndarray  # this year's amount per pupil x pupils
    planning_income: np.ndarray  # the same over the announced equalisation path
    costs: "alliances.SupportCosts"


def set_budgets(m: "WorldModel") -> YearBudget:
    """The rules' part of the alliances' August (see :func:`book_month`): each alliance's amount per pupil
    (equalisation from its base towards the national amount, less a national cut spread evenly per pupil; the
    distribution model the law prescribes, if it does), its income, and what its pupils cost it now. ``a.pupils`` must
    hold this year's count."""
    a, law, b = m.alliances, m.law, m.behaviour
    a.base_eur_per_pupil, m.national_eur_per_pupil, a.base_deduction_share = m.budget_bases[tuple(law["budget_base_clusters"])]
    cut_per_pupil = law["alliance_budget_cut_eur"] / max(a.pupils.sum(), 1.0)
    rows = rows_money_follows(m)
    costs = _alliance_costs_now(m, rows, m.pupils.counted_setting(rows))
    path = [m.policy.at("equalisation_progress", m.today.replace(year=m.today.year + k))
            for k in range(b.planning_horizon_years)]  # equalisation is announced years ahead
    alliance = alliances.Alliance.every_row(a)
    national = m.national_eur_per_pupil[alliance.sector]
    alliance.set_amount(national, law["equalisation_progress"], cut_per_pupil)
    if law["distribution_model"] != "own":
        alliance.follow_prescribed_model(law["distribution_model"])
    return YearBudget(alliance.pupils * alliance.amount_eur_per_pupil,
                      alliance.pupils * alliance.planning_amount(national, path, cut_per_pupil), costs)


def plan_budgets(m: "WorldModel", budget: YearBudget) -> None:
    """Each alliance's ondersteuningsplan from its income and costs, with the reserve change it has planned."""
    alliances.Alliance.every_row(m.alliances).plan_budget(budget.income, budget.costs.deductions,
                                                          budget.costs.arrangements, budget.planning_income)


def _arrange_former_rugzak(m: "WorldModel") -> None:
    """Each August: pupils in a regular school with an indication of the alliances' clusters and no arrangement get
    one at the level their need asks. In 2014 these are the former rugzak pupils; later, mostly entrants to secondary
    school whose parents kept them out of vso (the others are arranged when the TLV is judged)."""
    p = m.pupils
    idx = np.flatnonzero(in_settings(p.setting, REGULAR) & m.rules.judged_by_alliance(p.indication)
                         & (p.arrangement == 0))
    grant_arrangements(m, idx)


# --- October -----------------------------------------------------------------------------------------------------
def count(m: "WorldModel") -> None:
    if m.today.month != 10:
        return
    p = m.pupils
    _wsns_count(m)
    pupils = total_by(p.area, m.n_areas)
    # how common a label is: an indication (or TLV), or under passend onderwijs an arrangement, its successor
    indicated = total_by(p.area[(p.indication > 0) | (p.arrangement > 0)], m.n_areas)
    m.area_indication_rate = np.divide(indicated, pupils, out=np.zeros(m.n_areas), where=pupils > 0)
    m.national_label_rate = indicated.sum() / max(pupils.sum(), 1.0)
    if m.step_index == 0:
        m.reference_indication_rate = max(indicated.sum() / max(pupils.sum(), 1.0), 1e-9)
    take_money_count(m)
    m.recorder.record_count()
    new_book_year(m)


def take_money_count(m: "WorldModel") -> None:
    """What the law counts on 1 October for the money: the budget base (2011) and the lwoo/pro base (2012) in their
    years, and DUO's count for the state's amounts. Rules only (see :func:`book_month`)."""
    p, law = m.pupils, m.law
    if m.today.year == law["budget_base_year"]:
        _record_budget_base(m)
    if m.today.year == law["lwoo_budget_base_year"]:
        m.alliances.lwoo_budget_eur = _lwoo_pro_costs(m)
    inv = 1.0 / m.settings.scale
    rows = rows_money_follows(m)  # every pupil with an indication is among them
    indication = p.indication[rows]
    rugzak = m.rules.pupil_bound(indication) & IS_REGULAR[p.counted_setting(rows)]
    m.state.take_count(indications=int(round(float(np.count_nonzero(indication > 0) * inv))),
                       rugzak_pupils=int(round(float(np.count_nonzero(rugzak) * inv))))


def new_book_year(m: "WorldModel") -> None:
    """The count has read the twelve months to it: the alliances start a new book year."""
    for column in alliances.TALLIES:
        setattr(m.alliances, column, np.zeros(len(m.alliances)))


def _wsns_count(m: "WorldModel") -> None:
    """Each WSNS alliance's sbo share on the count date, and what referral costs its schools this year."""
    p, law = m.pupils, m.law
    wsns_of_pupil = m.schools.wsns[p.school]
    primary = (p.grade(m.school_year) < PRIMARY_GRADES) & (wsns_of_pupil >= 0)
    m.wsns.sbo_share = alliances.wsns_sbo_shares(wsns_of_pupil[primary], (p.registered == Setting.SBO)[primary],
                                                 len(m.wsns))
    for wsns in m.wsns_agents:
        wsns.apply_sbo_rule(law["sbo_direct_share"], law["sbo_eur"], law["sbo_school_pays_fraction"])


def _record_budget_base(m: "WorldModel") -> None:
    """On the base count (1 October 2011): each alliance's own cost per pupil under the old amounts (a rugzak in a
    regular school, the supplement of a (v)so place, for the budget's clusters, and sbo above 2%), which sets its
    starting budget; the national average is where equalisation ends. Kept for every set of budget clusters the
    timeline names, so that a reform that changes the set later budgets on the same count."""
    pupils = _alliance_pupils(m)
    rugzak_eur = m.state.rugzak_school_eur + m.state.rugzak_ambulant_eur
    setting = m.pupils.counted_setting()
    named = sorted({tuple(clusters) for _, clusters in m.policy["budget_base_clusters"].values})
    indication = m.pupils.indication

    m.alliances.pupils = pupils

    def base(clusters: tuple[int, ...]):
        rugzak = np.where(np.isin(indication, clusters), rugzak_eur, 0.0)
        idx = np.flatnonzero(in_settings(setting, COSTING_SETTINGS) | (rugzak > 0))
        costs = _support_costs(m, idx, setting[idx], clusters, rugzak[idx], include_sbo=True)
        return alliances.budget_base(costs, pupils, m.alliances.sector)

    m.budget_bases = {clusters: base(clusters) for clusters in named}
    m.alliances.base_eur_per_pupil, m.national_eur_per_pupil, _ = m.budget_bases[tuple(m.law["budget_base_clusters"])]


# --- every month -------------------------------------------------------------------------------------------------
def _awareness(m: "WorldModel", idx: np.ndarray) -> np.ndarray:
    """How common labels (indications, TLVs, arrangements) have become in the area of pupils ``idx``, relative to
    2003 (0 then): parents hear of them, and of the diagnoses behind them."""
    return m.area_indication_rate[m.pupils.area[idx]] / m.reference_indication_rate - 1.0


def detection(m: "WorldModel") -> None:
    p, b = m.pupils, m.behaviour
    idx = _unnoticed_needs(m)  # the few first, then where they are
    idx = idx[IS_REGULAR[p.setting[idx]]]
    with m.clock.decision("school.notice_needs"):
        u = m.streams.uniform("school.detect", p.uid[idx], m.step_index)
        noticed = school.notice_needs(m.schools.skill[p.school[idx]], b.detect_rate, u)
    p.detected[idx[noticed]] = True
    kept_for, rows = m.detected_without_indication
    if kept_for == rows_key(m):  # no school has noticed them before, so none has an indication
        m.detected_without_indication = (kept_for, np.insert(rows, np.searchsorted(rows, idx[noticed]), idx[noticed]))


def _detected_without_indication(m: "WorldModel") -> np.ndarray:
    """Rows of the pupils whose need a school has noticed and who have no indication: found once a school year and
    then kept, the needs detection notices added as it notices them and those granted an indication dropped (an
    indication is never taken away, and a need once noticed stays noticed until August)."""
    p = m.pupils
    key = rows_key(m)
    kept_for, rows = m.detected_without_indication
    rows = np.flatnonzero(p.detected & (p.indication == 0)) if kept_for != key else rows[p.indication[rows] == 0]
    m.detected_without_indication = (key, rows)
    return rows


def _unnoticed_needs(m: "WorldModel") -> np.ndarray:
    """Rows of the pupils with a need above the detection threshold, of an age at which it shows, that no school has
    noticed: found once a school year (ages change in August) and narrowed month by month, since a need once noticed
    stays noticed until the pupil enters secondary school (in August, before detection)."""
    p, threshold = m.pupils, m.behaviour.detect_threshold
    key = (*rows_key(m), threshold)
    kept_for, rows = m.unnoticed_needs
    if kept_for != key:
        rows = with_need_above(m, threshold)
        rows = rows[p.age(m.school_year, rows) >= p.onset_age[rows]]
    rows = rows[~p.detected[rows]]
    m.unnoticed_needs = (key, rows)
    return rows


def indications(m: "WorldModel") -> None:
    with m.clock.decision("school.ask_for_indication"):
        applicants = _applications(m)
    with m.clock.decision("committee_or_alliance.judge"):
        granted = applicants[_judge_applications(m, applicants)]
    with m.clock.decision("parents.choose_special"):
        wants_special = _parents_choose_special(m, granted)
    with m.clock.decision("alliance.arrange"):  # a TLV the parents do not use for (v)so becomes an arrangement
        staying = granted[~wants_special]
        grant_arrangements(m, staying[m.rules.judged_by_alliance(m.pupils.indication[staying])])
    with m.clock.decision("provider.admit"):
        m.seats_taken = (m.step_index, _occupancy(m))  # kept up to date for the waiting lists, which come next
        _seek_special_places(m, granted[wants_special], m.seats_taken[1])


def _applications(m: "WorldModel") -> np.ndarray:
    """Pupils for whom the school and parents apply for an indication (or a TLV) this month."""
    p, law = m.pupils, m.law
    # the school of registration also applies for a pupil of its own at home: under zorgplicht it must find a place
    idx = _detected_without_indication(m)  # the few candidates first, then where they are
    setting, registered = p.setting[idx], p.registered[idx]
    at_home = (setting == Setting.HOME) & ~p.unregistered[idx]
    in_regular = IS_REGULAR[setting] | (setting == Setting.SBO)
    eligible = ((in_regular | at_home & (IS_REGULAR[registered] | (registered == Setting.SBO)))
                & (m.step_index - p.last_assessed[idx] >= 12))
    idx = idx[eligible]
    by_alliance = m.rules.judged_by_alliance(p.cluster[idx])
    reward = np.full(len(idx), m.state.rugzak_school_eur)
    if by_alliance.any():  # what the alliance's support would bring the school: the arrangement, less any charge
        asking = idx[by_alliance]
        alliance = m.alliance_of_pupils(asking)
        level = alliances.arrangement_level(p.need[asking] - basic_support(m, asking), m.behaviour)
        reward[by_alliance] = school.support_reward_eur(
            alliances.arrangement_prices_eur(law)[level], m.alliances.pupil_model[alliance],
            m.alliances.referral_charge_eur[alliance])
    awareness = _awareness(m, idx)
    u = m.streams.uniform("school.apply_indication", p.uid[idx], m.step_index)
    asks = school.ask_for_indication(p.need[idx] - law["indication_criterion"], m.schools.know_how[p.school[idx]],
                                     reward, p.push[idx], awareness, m.behaviour, u)
    return idx[asks]


def _judge_applications(m: "WorldModel", idx: np.ndarray) -> np.ndarray:
    """The school's file is read with assessment error; the committee judges it against the national criterion, or
    the pupil's alliance (for its clusters) against the criterion plus its strictness. Returns the mask granted."""
    p, b, law = m.pupils, m.behaviour, m.law
    file_need = school.write_file(p.need[idx], m.schools.know_how[p.school[idx]], b)
    judged = m.committee.judge(file_need, m.streams.normal("cvi.assess", p.uid[idx], m.step_index), b)
    criterion = float(law["indication_criterion"])
    by_alliance = m.rules.judged_by_alliance(p.cluster[idx])
    granted = m.committee.grant(judged, criterion)
    if m.rules.alliance_clusters:
        alliance = m.alliance_of_pupils(idx[by_alliance])
        a = m.alliances
        substitution = np.stack([getattr(a, f"tlv_substitution_{c}") for c in alliances.TLV_CATEGORIES], axis=1)
        read_category = alliances.tlv_category(judged[by_alliance] - criterion, law["tlv_category_need"])
        threshold = alliances.tlv_thresholds(a.strictness[alliance], a.in_year_adjustment[alliance],
                                             substitution[alliance], read_category)
        tlv = alliances.grant_tlv(judged[by_alliance], criterion, threshold)
        granted[by_alliance] = tlv
        need_above = p.need[idx[by_alliance][tlv]] - law["indication_criterion"]
        _count_tlvs(m, alliance[tlv], alliances.tlv_category(need_above, law["tlv_category_need"]))
        # a file that does not clear the alliance's bar but comes within its arrangement reach of the national
        # criterion: support in the regular school
        arranged = ~tlv & (judged[by_alliance] > criterion - a.arrangement_reach[alliance])
        grant_arrangements(m, idx[by_alliance][arranged])
    p.last_assessed[idx] = m.step_index
    p.indication[idx[granted]] = p.cluster[idx[granted]]
    m.ledger.count("indication_applications", len(idx))
    m.ledger.count("indications_granted", int(np.count_nonzero(granted)))
    return granted


def _count_tlvs(m: "WorldModel", alliance: np.ndarray, category: np.ndarray | None) -> None:
    a = m.alliances
    for column, added in alliances.tlvs_by_alliance(alliance, category, len(a), m.settings.scale).items():
        setattr(a, column, getattr(a, column) + added)
        a.month_tlvs = a.month_tlvs + added


def _parents_choose_special(m: "WorldModel", idx: np.ndarray) -> np.ndarray:
    p = m.pupils
    u = m.streams.uniform("parents.choose_special", p.uid[idx], m.step_index)
    return parents.choose_special(p.prefers_special[idx], p.need[idx] - m.law["indication_criterion"],
                                  p.grade(m.school_year, idx) >= PRIMARY_GRADES, IS_SPECIAL[p.setting[idx]],
                                  p.indication[idx] == 2, m.areas.culture[p.area[idx]], m.behaviour, u)


def _seek_special_places(m: "WorldModel", idx: np.ndarray,
                         seats: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Pupils ``idx`` (with an indication) ask the provider of their cluster and area for a (v)so place; it admits
    within free capacity, the rest wait. ``seats``: the seats taken per provider in so and in vso if the caller keeps
    them (they are brought up to date with these pupils' moves); counted here if None."""
    if len(idx) == 0:
        return
    p = m.pupils
    provider = special_school.provider_serving(m.provider_index, p.indication[idx], p.area[idx])
    closed = m.providers.merged_into[provider] >= 0  # no school of the cluster is left: support where the child is
    if closed.any():
        grant_arrangements(m, idx[closed & IS_REGULAR[p.setting[idx]]])
        p.waiting[idx[closed]] = False
        idx, provider = idx[~closed], provider[~closed]
    secondary = p.grade(m.school_year, idx) >= PRIMARY_GRADES
    occupied_so, occupied_vso = _occupancy(m) if seats is None else seats
    held_before = _seats_held(m, idx)
    u = m.streams.uniform("provider.queue", p.uid[idx], m.step_index)
    admitted = special_school.admit_within_capacity(provider, secondary, p.waiting[idx], m.providers.capacity_so,
                                                    m.providers.capacity_vso, occupied_so, occupied_vso, u)
    admitted[admitted] = _transport_to_the_place(m, idx[admitted])  # the rest keep their place in the queue
    entered = idx[admitted]
    new_setting = np.where(secondary[admitted], Setting.VSO, Setting.SO).astype(np.int8)
    from_home = p.setting[entered] == Setting.HOME
    end_spells(m, entered[from_home], new_setting[from_home], "admission")
    m.ledger.move(p, entered[~from_home], new_setting[~from_home], "admission")
    p.registered[entered] = new_setting
    p.arrangement[entered] = 0
    p.provider[entered] = provider[admitted]
    p.waiting[entered] = False
    queued = idx[~admitted]
    p.waiting[queued] = True
    p.provider[queued] = provider[~admitted]
    if seats is not None:  # only these pupils' seats changed
        for kept, before, after in zip(seats, held_before, _seats_held(m, idx)):
            kept += after - before


def waiting_lists(m: "WorldModel") -> None:
    """Free places go to waiting pupils; providers note their waiting lists for capacity planning."""
    p = m.pupils
    kept_in, seats = m.seats_taken  # as the indications phase, just before, left them
    _seek_special_places(m, np.flatnonzero(p.waiting), seats if kept_in == m.step_index else None)
    waiting = np.flatnonzero(p.waiting)
    so, vso = special_school.waiting_by_provider(p.provider[waiting], p.grade(m.school_year, waiting) >= PRIMARY_GRADES,
                                                 len(m.providers))
    m.providers.waiting_so_sum = m.providers.waiting_so_sum + so
    m.providers.waiting_vso_sum = m.providers.waiting_vso_sum + vso


def sbo_referral(m: "WorldModel") -> None:
    p, b = m.pupils, m.behaviour
    first, last = school.SBO_REFERRAL_GRADES
    idx = _detected_without_indication(m)
    grade = p.grade(m.school_year, idx)
    idx = idx[(p.setting[idx] == Setting.BAO) & (p.indication[idx] == 0) & ~p.waiting[idx]
              & (grade >= first) & (grade <= last)]
    with m.clock.decision("school.refer_to_sbo"):
        severity = 0.5 * (p.need[idx] + p.learning_delay[idx])
        cost = m.wsns.cost_to_school_eur[m.schools.wsns[p.school[idx]]]
        alliance = m.alliance_of_pupils(idx) if m.rules.alliance_judges_sbo else None
        strictness = None if alliance is None else m.alliances.strictness[alliance]
        u = m.streams.uniform("school.refer_sbo", p.uid[idx], m.step_index)
        referred = school.refer_to_sbo(severity, cost, m.areas.culture[p.area[idx]], strictness, b, u)
    referred[referred] = _transport_to_the_place(m, idx[referred])
    moved = idx[referred]
    if alliance is not None:
        _count_tlvs(m, alliance[referred], None)
    u = m.streams.uniform("school.sbo_school", p.uid[moved], m.step_index)
    p.provider[moved] = special_school.choose_sbo_school(m.providers, p.area[moved], u)
    m.ledger.move(p, moved, Setting.SBO, "sbo_referral")
    p.registered[moved] = Setting.SBO


def _transport_to_the_place(m: "WorldModel", idx: np.ndarray) -> np.ndarray:
    """Pupils ``idx`` have been given a place at a special school (sbo, (v)so). Parents who need transport ask their
    municipality, which refuses more often the stricter its rules; of those refused, some cannot bring the child and
    the place is not taken up this month. Returns the mask of those who take it up; marks who is transported."""
    p, b = m.pupils, m.behaviour
    u = m.streams.uniform("municipality.transport", p.uid[idx], m.step_index)
    asks = municipality.needs_transport(u)
    strictness = np.clip(m.municipalities.transport_strictness[p.municipality[idx]]
                         + m.law["transport_strictness_added"], 0.0, 1.0)
    refused = asks & municipality.refuse_transport(strictness, b, m.streams.uniform("municipality.transport_rules",
                                                                                     p.uid[idx], m.step_index))
    gives_up = refused & parents.give_up_place_without_transport(
        b, m.streams.uniform("parents.without_transport", p.uid[idx], m.step_index))
    m.ledger.count("transport_refused", int(np.count_nonzero(refused)))
    m.ledger.count("places_lost_to_transport", int(np.count_nonzero(gives_up)))
    p.transported[idx] = asks & ~refused
    return ~gives_up


def moves_back(m: "WorldModel") -> None:
    """Terugplaatsing: while the alliances are in charge, a (v)so pupil of their clusters, or an sbo pupil once the
    alliances grant sbo, whom an arrangement would carry in a regular school more cheaply than the place costs the
    alliance, may move back to the regular school of the catchment with that arrangement. An sbo place carries the
    learning delay as well as the support need; a regular school must carry both."""
    if not m.rules.alliances_in_charge:
        return
    p, b, law = m.pupils, m.behaviour, m.law
    in_sbo = p.setting == Setting.SBO
    special = in_settings(p.setting, SPECIAL)
    idx = np.flatnonzero(special | in_sbo if m.rules.alliance_judges_sbo else special)
    idx = idx[in_sbo[idx] | m.rules.judged_by_alliance(p.indication[idx])]
    with m.clock.decision("alliance.offer_return_to_regular"):
        u = m.streams.uniform("alliance.return_to_regular", p.uid[idx], m.step_index)
        idx, u = idx[u < b.return_to_regular_rate], u[u < b.return_to_regular_rate]  # the few whose case comes up
        sbo = in_sbo[idx]
        carried_need = np.where(sbo, np.maximum(p.need[idx], p.learning_delay[idx]), p.need[idx])
        unmet = carried_need - basic_support(m, idx)
        level = alliances.arrangement_level(unmet, b)
        place_cost = np.where(sbo, m.alliances.sbo_marginal_eur[m.alliance_of_pupils(idx)],
                              alliances.special_supplement_eur(p.need[idx], law))
        saving = place_cost - alliances.arrangement_prices_eur(law)[level]
        back = alliances.offer_return_to_regular(unmet, saving, b, u)
    moved = idx[back]
    regular = regular_setting(m, moved)
    m.ledger.move(p, moved, regular, "terugplaatsing")
    p.registered[moved] = regular
    p.provider[moved] = NO_PROVIDER
    p.arrangement[moved] = level[back]


# --- money -------------------------------------------------------------------------------------------------------
def money(m: "WorldModel") -> None:
    """Every payer books this month's payments (:func:`book_month`); alliances in charge review their year so far;
    the month closes and the recorder reads it."""
    costs = book_month(m)
    if costs is not None:
        with m.clock.decision("alliance.review_month"):
            alliances.Alliance.every_row(m.alliances).review_month(costs.deductions, m.behaviour)
    m.recorder.record_month(m.ledger.close_month())


def book_month(m: "WorldModel") -> "alliances.SupportCosts | None":
    """The rules' arithmetic of the month: from where the pupils are and what the institutions decided, every payer's
    payments by the law in force, booked in the ledger; alliances in charge settle their month by their plan. Decides
    nothing, so that :mod:`passend.model.mechanical` can run it under another law on the same decisions. Returns
    the alliances' support costs while they are in charge (None otherwise)."""
    p, law, rules, scale = m.pupils, m.law, m.rules, m.settings.scale
    rows = rows_money_follows(m)
    setting = p.counted_setting(rows)
    n_by = pupils_by_setting_and_indication(m, rows, setting)
    indications = np.arange(N_INDICATIONS)
    special = n_by[[Setting.SO, Setting.VSO]]
    n_special = int(special.sum())
    n_lwoo_pro = int(n_by[[Setting.LWOO, Setting.PRO]].sum())
    holds_lwoo_pro = rules.alliances_in_charge and bool(law["lwoo_pro_in_alliances"])
    wsns_pupils, wsns_sbo = _wsns_pupils(m, rows, setting)
    direct, over = alliances.wsns_sbo_over_direct(wsns_pupils, wsns_sbo, law["sbo_direct_share"])
    payments = m.state.month_payments(
        n_rugzak=int(n_by[IS_REGULAR][:, rules.pupil_bound(indications)].sum()),
        n_special=n_special,
        n_special_of_alliances=int(special[:, rules.judged_by_alliance(indications)].sum()),
        n_sbo_direct=direct, n_wsns_pupils=wsns_pupils.sum(),
        n_lwoo_pro_national=0 if holds_lwoo_pro else n_lwoo_pro, law=law, scale=scale)
    if not rules.alliance_judges_sbo:  # under the WSNS rule; otherwise DUO deducts it from the alliance
        payments |= alliances.wsns_month_payments(over, law, scale)
    # a transported pupil is in sbo or (v)so, so among the rows
    transported = count_values(setting[p.transported[rows]], N_SETTINGS)[[Setting.SBO, Setting.SO, Setting.VSO]]
    payments |= municipality.month_payments(int(transported.sum()),
                                            np.count_nonzero(p.in_youth_care), m.cases_followed, law, m.behaviour, scale)
    payments |= consultants.month_payments(m.consultant_cases, m.behaviour, scale)
    for stream, eur in payments.items():
        m.ledger.pay(stream, eur)
    if not rules.alliances_in_charge:
        return None
    with m.clock.decision("alliance.settle_month"):
        return _alliances_settle_month(m, rows, setting, holds_lwoo_pro)


def _wsns_pupils(m: "WorldModel", rows: np.ndarray, setting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Primary pupils in school and sbo pupils per WSNS alliance (``rows``: the pupils money follows, ``setting``:
    their counted settings; the exempt and the sbo pupils are among them)."""
    wsns_of, in_wsns, pupils = wsns_primary_pupils(m)
    n = len(m.wsns)
    exempt, in_sbo = rows[setting == Setting.EXEMPT], rows[setting == Setting.SBO]
    return (pupils - total_by(wsns_of[exempt[in_wsns[exempt]]], n),
            total_by(wsns_of[in_sbo[in_wsns[in_sbo]]], n))


def _alliances_settle_month(m: "WorldModel", rows: np.ndarray, setting: np.ndarray,
                            holds_lwoo_pro: bool) -> "alliances.SupportCosts":
    costs = _alliance_costs_now(m, rows, setting)
    a = m.alliances
    every_alliance = alliances.Alliance.every_row(a)  # each alliance settles; all in one call
    s = every_alliance.settle_month(costs.deductions, costs.arrangements, costs.lwoo_pro, a.month_tlvs,
                                    holds_lwoo_pro)._asdict()
    a.year_income_eur = a.year_income_eur + s["income"] + s["lwoo_pro_income"]
    a.year_deductions_eur = a.year_deductions_eur + s["deductions"]
    a.year_arrangements_eur = a.year_arrangements_eur + s["arrangements"] + s["ambulant"]
    a.year_ambulant_eur = a.year_ambulant_eur + s["ambulant"]
    a.year_expertise_eur = a.year_expertise_eur + s["expertise"]
    a.year_to_schools_eur = a.year_to_schools_eur + s["to_schools"]
    a.year_lump_sum_eur = a.year_lump_sum_eur + s["lump_sum"]
    a.year_lwoo_pro_eur = a.year_lwoo_pro_eur + s["lwoo_pro"]
    a.year_referral_charges_eur = a.year_referral_charges_eur + s["referral_charges"]
    for stream, field in (("alliance_budget", "income"), ("alliance_deductions", "deductions"),
                          ("arrangements", "arrangements"), ("ambulant_support", "ambulant"),
                          ("central_expertise", "expertise"),
                          ("alliance_to_schools", "to_schools"), ("reserves_kept", "reserves_kept"),
                          ("reserves_drawn", "reserves_drawn"), ("lump_sum_deductions", "lump_sum"),
                          ("referral_charges", "referral_charges"), ("lwoo_pro_budget", "lwoo_pro_income"),
                          ("lwoo_pro_by_alliances", "lwoo_pro")):
        m.ledger.pay(stream, s[field].sum())
    return costs


def close_school_year(m: "WorldModel") -> None:
    if m.today.month == 7 or m.step_index == m.n_steps - 1:
        m.recorder.record_school_year()


PHASES: tuple[Callable[["WorldModel"], None], ...] = (
    new_school_year,
    count,
    attendance,
    detection,
    indications,
    waiting_lists,
    sbo_referral,
    moves_back,
    breakdowns,
    months_at_home,
    money,
    close_school_year,
)
"""The order of events in a month (the table in this module's docstring)."""
