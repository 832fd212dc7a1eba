"""The month, phase by phase: who decides what, on which rows, and what gets booked.

A phase is ``phase(world, month)``: it finds the pupils (or institutions) it concerns in the :class:`World`, hands
their rows, money and law to the deciding actor's function or method in ``passend.agents``, carries out the decision
through the doors of :mod:`passend.model.moves` and books the money (:mod:`passend.model.money`). Nothing here decides:
the thresholds and weights are the actors'. The rule set in force (``month.rules``) says who judges and who pays; no
phase asks which regime it is. The phases about children at home (``attendance``, ``breakdowns`` and
``months_at_home``) live in ``home.py``; what a place carries in ``support.py``.

=====================  ===========  ===================================================================================
phase                  when         what happens
=====================  ===========  ===================================================================================
inspection             August       on the school year just ended: the Inspectorate judges the (v)so providers
                                    (intensified supervision; they work on their quality) and visits the alliances in
                                    charge (instruction on reserves, signal on thuiszitters, answered by arranging
                                    doorzettingsmacht)
new_school_year        August       leavers go; pupils enter secondary (vso or rugzak, lwoo/pro by the RVC); children's
                                    needs follow their complex problems (an outside condition); a new cohort enters
                                    primary; schools cover the classes they cannot staff from their support time (the
                                    teacher labour market); the state sets the rugzak amounts; schools learn indication
                                    practice (and teachers' skill from a professionalisation budget); providers plan
                                    capacity; municipalities improve their registers when the pact asks; alliances in
                                    charge set budgets and admission policy; yearly flags restart
count                  October      the 1 October count (before anything moves that month): WSNS sbo rule; how common
                                    labels are per area; the money's count (budget bases 2011 and 2012, DUO's count);
                                    the recorder's count; alliances open a new book year
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
moves_back             every month  terugplaatsing: alliances in charge place (v)so pupils back in a regular school with
                                    an arrangement when it fits and costs them less; elsewhere parents move a child
                                    back when the regular place with its rugzak carries the need
breakdowns             every month  places that cannot carry the need break down, or the school sends a costly pupil
                                    home: the child is at home
months_at_home         every month  spells at home get a month longer
money                  every month  every payer books its payments; alliances in charge settle their month; the
                                    month closes and the recorder reads it
close_school_year      July         the school year's record
=====================  ===========  ===================================================================================

How to add a phase: write ``new_phase(world, month)`` here (or in a module of its own, for a subject as large as
children at home), find its rows through ``world.rows`` or a scan of the few it concerns, let the actor decide, move
pupils only through :mod:`passend.model.moves`, and put it in :data:`PHASES` where its place in the month is. What it
hands a later phase in the same month goes in :class:`~passend.model.world.ThisMonth`.

Where the run keeps books under another law besides its own (``world.other_books``, for the mechanical effect of a
reform), the phases with the law's arithmetic run it for those books too: :mod:`passend.model.mechanical`.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from passend.agents import municipality, parents, school, special_school, state
from passend.agents import alliance as alliances
from passend.agents.alliance import Alliance
from passend.agents.inspectorate import Inspectorate
from passend.agents.municipality import Municipality
from passend.agents.special_school import SpecialSchoolProvider
from passend.agents.state import IndicationCommittee
from passend.engine import demography, funding
from passend.engine.groups import total_by
from passend.engine.population import IS_REGULAR, IS_SPECIAL, PRIMARY_GRADES, REGULAR, SPECIAL, Setting, in_settings
from passend.model import mechanical, moves, recorder
from passend.model.country import new_cohort
from passend.model.home import attendance, breakdowns, months_at_home
from passend.model.money import (alliance_pupils, book_month, new_book_year, plan_budgets, set_budgets,
                                 take_money_count)
from passend.model.month import Month
from passend.model.support import basic_support, grant_arrangements
from passend.model.world import World


# --- August ------------------------------------------------------------------------------------------------------
def inspection(world: World, month: Month) -> None:
    """Each August, on the school year just ended: the Inspectorate judges the (v)so providers (intensified
    supervision for those below its standard, who work on their quality) and, while the alliances are in charge and
    have had a year, visits every alliance: an instruction on reserves above the signalling value, a signal on
    thuiszitters, which an alliance may answer by arranging doorzettingsmacht. (The run's first month judges the
    providers too, so that the first count knows which are under supervision.)"""
    if month.today.month != 8 and month.step > 0:
        return
    prov, law, b = world.providers, month.law, month.behaviour
    ids = np.arange(len(prov))
    with month.decision("inspectorate.judge_providers"):
        seen = b.inspectorate_visit_error * month.normal("inspectorate.visit", ids)
        prov.under_supervision = (Inspectorate.judge_providers(prov.quality, seen, law["inspectorate_quality_standard"])
                                  & (prov.cluster != special_school.SBO_CLUSTER) & (prov.merged_into < 0))
        SpecialSchoolProvider.every_row(prov).improve_under_supervision(b.supervised_quality_gain)
    a = world.alliances
    if not (month.rules.alliances_in_charge and (a.plan_income_eur > 0).any()):  # a year of theirs to visit
        return
    with month.decision("inspectorate.visit_alliances"):
        p = world.pupils
        long_home = np.flatnonzero(p.home_3m_known_this_year)  # flags of the school year just ended
        home_long_known = total_by(world.alliance_of(month.school_year - 1, long_home), len(a)) / month.scale
        a.reserves_instructed = Inspectorate.reserves_instruction(
            a.reserves_eur, funding.reserve_signal_eur(a.plan_income_eur, law) + a.reserve_precaution_eur)
        a.thuiszitters_signalled = Inspectorate.thuiszitter_signal(home_long_known, a.pupils)
    with month.decision("alliance.answer_thuiszitter_signal"):
        u = month.uniform("alliance.doorzettingsmacht", np.arange(len(a)))
        Alliance.every_row(a).answer_thuiszitter_signal(bool(law["thuiszitterspact"]), u, b)


def new_school_year(world: World, month: Month) -> None:
    if month.today.month != 8:
        return
    moves.leave_school(world, month)
    _enter_secondary(world, month)
    _complex_problems(world, month)
    moves.enter_school(world, new_cohort(month.school_year, month.scale, month.behaviour, world.areas,
                                         world.choose_school, world.municipalities, month.streams, world.next_uid,
                                         world.need_shift))
    with month.decision("school.cover_unstaffed_classes"):
        _schools_staff_classes(world, month)
    if month.rules.pupil_bound_funding:  # after the rugzak, the amounts stay where they were last set
        with month.decision("state.set_amounts"):
            world.state.set_amounts(month.law)
    with month.decision("school.learn_indication_practice"):
        _schools_learn(world, month)
    with month.decision("provider.plan_capacity"):
        _providers_plan(world, month)
    with month.decision("municipality.improve_registration"):
        Municipality.every_row(world.municipalities).improve_registration(bool(month.law["thuiszitterspact"]),
                                                                          month.behaviour)
    with month.decision("municipality.review_transport_rules"):
        muni = world.municipalities
        Municipality.every_row(muni).review_transport_rules(
            bool(month.law["youth_care_municipal"]), float(month.law["youth_care_budget_factor"]),
            month.uniform("municipality.transport_review", np.arange(len(muni))), month.behaviour)
    if month.rules.alliances_in_charge:
        with month.decision("alliance.plan_year"):
            _alliances_plan_year(world, month)
    for books in world.other_books:
        mechanical.plan_year(world, month, books)
    p = world.pupils
    at_home = p.setting == Setting.HOME
    p.home_long_this_year = at_home & ~p.unregistered & (p.months_home > month.law["long_absence_months"])
    p.home_long_known_this_year = p.home_long_this_year & p.found
    p.home_3m_this_year = at_home & (p.months_home > 3)
    p.home_3m_known_this_year = p.home_3m_this_year & p.found
    p.exempt_this_year = p.setting == Setting.EXEMPT
    p.unregistered_this_year = p.unregistered.copy()
    p.unregistered_known_this_year = p.unregistered & p.found


def _providers_plan(world: World, month: Month) -> None:
    """Each (v)so provider grows with its waiting list and shrinks with its empty places; where its schools fall below
    the closure norm those it cannot fill to it close into sister schools; a provider that cannot fill one
    closes and merges into the provider of its cluster in the nearest region, which takes over its pupils, the pupils
    waiting for it and its places (with none left, its pupils go back to a regular school with an arrangement)."""
    b, prov = month.behaviour, world.providers
    so, vso = _occupancy(world)
    providers = SpecialSchoolProvider.every_row(prov)
    # in August this is 1, not the twelve months the waiting lists were summed over: a defect noticed while the month
    # was restructured (issue 31) and kept, since that change was to move no number
    providers.plan_capacity(month.months_into_school_year, so, vso, b.capacity_growth, b.capacity_shrink,
                            b.capacity_slack)
    norm = dict(zip(("so", "vso", "sovso"), month.law["closure_norm"]))
    inv = 1.0 / month.scale
    closing = providers.close_schools(so * inv, vso * inv, norm)  # judged on the count before any merges
    for provider in np.flatnonzero(closing):  # one after the other: each merges into a school still open
        moves.close_provider(world, month, int(provider), special_school.merge_target(prov, int(provider)))


def _occupancy(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Seats taken per provider in so and in vso."""
    return _seats_held(world, np.flatnonzero(world.pupils.provider >= 0))


def _seats_held(world: World, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seats pupils ``idx`` hold per provider in so and in vso; only a pupil with a provider can hold one."""
    p = world.pupils
    seated = idx[p.provider[idx] >= 0]
    return special_school.occupancy(p.provider[seated], p.counted_setting(seated), len(world.providers))


def _enter_secondary(world: World, month: Month) -> None:
    """Pupils starting grade 8 move to a secondary school; with an indication the parents choose vso or a rugzak;
    the others may get lwoo/pro from the regional committee."""
    p = world.pupils
    entrants = np.flatnonzero(p.grade(month.school_year) == PRIMARY_GRADES)
    from_sbo = p.registered[entrants] == Setting.SBO
    u = month.uniform("pupil.secondary_school", p.uid[entrants])
    secondary_school = world.choose_school(school.SECONDARY, p.area[entrants], u)
    in_school = (p.setting[entrants] != Setting.HOME) & (p.setting[entrants] != Setting.EXEMPT)
    indicated = entrants[(p.indication[entrants] > 0) & in_school]
    wants_special = _parents_choose_special(world, month, indicated)
    was_home = p.setting[entrants] == Setting.HOME
    # Everyone registers at the secondary school first; those choosing vso then ask for a place.
    moves.enter_secondary(world, month, entrants, secondary_school)
    _seek_special_places(world, month, indicated[wants_special])
    going_regular = (p.setting[entrants] == Setting.VO) | was_home
    _lwoo_pro(world, month, entrants[going_regular], from_sbo[going_regular])


def _lwoo_pro(world: World, month: Month, entrants: np.ndarray, from_sbo: np.ndarray) -> None:
    """The school asks the regional committee for lwoo/pro for the entrants whose learning delay it sees; the committee
    judges against the national criteria, or, once the secondary alliances hold lwoo/pro (2016), an alliance with its
    own criteria against the national criterion plus its lwoo strictness (pro stays national)."""
    p, b, law = world.pupils, month.behaviour, month.law
    flagged = school.flag_learning_delay(p.learning_delay[entrants], b)
    entrants, from_sbo = entrants[flagged], from_sbo[flagged]
    know_how = world.schools.know_how[p.school[entrants]]
    u = month.uniform("school.apply_lwoo", p.uid[entrants])
    asks = school.ask_for_lwoo_pro(p.learning_delay[entrants], know_how, from_sbo, law["lwoo_pro_eur"], b, u)
    noise = month.normal("rvc.assess", p.uid[entrants])
    criterion = np.full(len(entrants), float(law["lwoo_criterion"]))
    if month.rules.alliances_in_charge and law["lwoo_pro_in_alliances"]:
        alliance = world.alliance_of(month.school_year, entrants)
        own = alliances.with_own_lwoo_criteria(world.alliances.lwoo_opt_out_rank[alliance], law["lwoo_opt_out_share"])
        criterion[own] += world.alliances.lwoo_strictness[alliance[own]]
    lwoo, pro = state.judge_lwoo_pro(p.learning_delay[entrants], know_how, noise, asks, criterion,
                                     law["pro_criterion"], b)
    moves.label_lwoo_pro(world, entrants[lwoo], Setting.LWOO)
    moves.label_lwoo_pro(world, entrants[pro], Setting.PRO)


def _complex_problems(world: World, month: Month) -> None:
    """The outside condition of children's complex problems (``complex_needs_index``): every child's need moves by
    the change in its shift since last August. Not a decision; the actors decide on the needs as they now are."""
    shift = demography.complex_needs_shift(month.law["complex_needs_index"], month.law["complex_needs_base_share"],
                                           month.behaviour.need_sd)
    if shift != world.need_shift:
        p = world.pupils
        p.need += np.float32(shift - world.need_shift)
        world.need_shift = shift
        world.rows.needs_changed()


def _schools_staff_classes(world: World, month: Month) -> None:
    """Each school meets the teacher labour market of the year (``teacher_posts_unfilled_share``): the classes it
    cannot staff take its support staff's time (:func:`passend.agents.school.cover_unstaffed_classes`)."""
    s, p = world.schools, world.pupils
    pupils = np.bincount(p.school[IS_REGULAR[p.setting]], minlength=len(s))
    s.support_time_lost = school.cover_unstaffed_classes(pupils, s.sector, month.law["teacher_posts_unfilled_share"],
                                                         month.uniform("school.unfilled_posts", np.arange(len(s))))


def _schools_learn(world: World, month: Month) -> None:
    s = world.schools
    peers = school.peer_know_how(s.know_how, s.sector)
    reference = world.state.reference_rugzak_school_eur  # a reform may set the rugzak's school part to 0 from 2003
    reward_ratio = world.state.rugzak_school_eur / reference if reference > 0 else 1.0
    s.know_how = school.learn_indication_practice(s.know_how, peers, reward_ratio, month.behaviour.know_how_imitation)
    budget = month.law["professionalisation_eur"] * month.law["professionalisation_skill_share"]
    if budget > 0:
        per_pupil = budget * month.scale / len(world.pupils)
        s.skill = school.professionalise(s.skill, per_pupil, month.behaviour.professionalisation_skill_gain,
                                         s.support_time_lost)


def _alliances_plan_year(world: World, month: Month) -> None:
    """Each August while the alliances are in charge: this year's amount per pupil
    (:func:`~passend.model.money.set_budgets`), and each alliance's ondersteuningsplan: its mix of distribution models
    revisited with every new plan (or the model the law prescribes), reserves, budget, TLV policy, and the lwoo
    criteria of alliances with their own."""
    a, law, b = world.alliances, month.law, month.behaviour
    a.pupils = alliance_pupils(world, month)
    _arrange_former_rugzak(world, month)
    plans_made = int(a.years_of_record.max())  # every alliance set its first plan in the same August
    if plans_made > 0 and plans_made % int(law["support_plan_years"]) == 0 and law["distribution_model"] == "own":
        with month.decision("alliance.revise_distribution_model"):
            Alliance.every_row(a).revise_distribution_model(b.mix_revision_step)
    budget = set_budgets(world, month, world.books)
    if month.rules.alliance_judges_sbo:  # DUO deducts sbo above 2%: only then does one more or one fewer cost it
        in_sbo = np.flatnonzero(world.pupils.counted_setting() == Setting.SBO)
        over = funding.sbo_above_direct_share(world.alliance_of(month.school_year, in_sbo), a.pupils * month.scale, law)
        a.sbo_marginal_eur = np.where(over > 0, float(law["sbo_eur"]), 0.0)
    savings = alliances.category_savings_eur(law, b)
    medium_supplement = float(funding.special_supplement_eur(
        np.array([law["indication_criterion"] + alliances.CATEGORY_TYPICAL_NEED[1]]), law)[0])
    alliance = Alliance.every_row(a)  # each alliance plans its year; all in one call
    alliance.plan_reserves(budget.income, law, b, budget.coming_fall)
    plan_budgets(world.books, budget)
    alliance.plan_arrangements(b)
    alliance.set_tlv_policy(savings, medium_supplement, b)
    alliance.plan_lwoo_criteria(budget.costs.lwoo_pro, b.tlv_budget_response)


def _arrange_former_rugzak(world: World, month: Month) -> None:
    """Each August: pupils in a regular school with an indication of the alliances' clusters and no arrangement get
    one at the level their need asks. In 2014 these are the former rugzak pupils; later, mostly entrants to secondary
    school whose parents kept them out of vso (the others are arranged when the TLV is judged)."""
    p = world.pupils
    idx = np.flatnonzero(in_settings(p.setting, REGULAR) & month.rules.judged_by_alliance(p.indication)
                         & (p.arrangement == 0))
    grant_arrangements(world, month, idx)


# --- October -----------------------------------------------------------------------------------------------------
def count(world: World, month: Month) -> None:
    if month.today.month != 10:
        return
    p = world.pupils
    if not month.rules.alliance_judges_sbo:  # the WSNS rule's count; under passend onderwijs no school pays by it
        _wsns_count(world, month)
    n_areas = len(world.areas)
    pupils = total_by(p.area, n_areas)
    # how common a label is: an indication (or TLV), or under passend onderwijs an arrangement, its successor
    indicated = total_by(p.area[(p.indication > 0) | (p.arrangement > 0)], n_areas)
    labels = world.labels
    labels.area_rate = np.divide(indicated, pupils, out=np.zeros(n_areas), where=pupils > 0)
    labels.national_rate = indicated.sum() / max(pupils.sum(), 1.0)
    if month.step == 0:
        labels.reference_rate = max(indicated.sum() / max(pupils.sum(), 1.0), 1e-9)
    take_money_count(world, month, world.books)
    recorder.record_count(world, month)
    new_book_year(world.books)
    for books in world.other_books:
        mechanical.count(world, month, books)


def _wsns_count(world: World, month: Month) -> None:
    """Each WSNS alliance's sbo share on the count date, and what referral costs its schools this year."""
    p = world.pupils
    wsns_of_pupil = world.schools.wsns[p.school]
    primary = (p.grade(month.school_year) < PRIMARY_GRADES) & (wsns_of_pupil >= 0)
    world.wsns.sbo_share = funding.wsns_sbo_shares(wsns_of_pupil[primary], (p.registered == Setting.SBO)[primary],
                                                   len(world.wsns))
    world.wsns.cost_to_school_eur = funding.sbo_referral_cost_eur(world.wsns.sbo_share, month.law)


# --- every month -------------------------------------------------------------------------------------------------
def _awareness(world: World, idx: np.ndarray) -> np.ndarray:
    """How common labels (indications, TLVs, arrangements) have become in the area of pupils ``idx``, relative to
    2003 (0 then): parents hear of them, and of the diagnoses behind them."""
    return world.labels.area_rate[world.pupils.area[idx]] / world.labels.reference_rate - 1.0


def detection(world: World, month: Month) -> None:
    p, b = world.pupils, month.behaviour
    idx = world.rows.unnoticed_needs(month.school_year, b.detect_threshold)  # the few first, then where they are
    idx = idx[IS_REGULAR[p.setting[idx]]]
    with month.decision("school.notice_needs"):
        noticed = school.notice_needs(world.schools.skill[p.school[idx]], b.detect_rate,
                                      month.uniform("school.detect", p.uid[idx]))
    p.detected[idx[noticed]] = True
    world.rows.add_detected(idx[noticed])


def indications(world: World, month: Month) -> None:
    with month.decision("school.ask_for_indication"):
        applicants = _applications(world, month)
    with month.decision("committee_or_alliance.judge"):
        granted = applicants[_judge_applications(world, month, applicants)]
    with month.decision("parents.choose_special"):
        wants_special = _parents_choose_special(world, month, granted)
    with month.decision("alliance.arrange"):  # a TLV the parents do not use for (v)so becomes an arrangement
        staying = granted[~wants_special]
        grant_arrangements(world, month, staying[month.rules.judged_by_alliance(world.pupils.indication[staying])])
    with month.decision("provider.admit"):
        world.this_month.seats_taken = _occupancy(world)  # kept up to date for the waiting lists, which come next
        _seek_special_places(world, month, granted[wants_special], world.this_month.seats_taken)


def _applications(world: World, month: Month) -> np.ndarray:
    """Pupils for whom the school and parents apply for an indication (or a TLV) this month."""
    p, law = world.pupils, month.law
    # the school of registration also applies for a pupil of its own at home: under zorgplicht it must find a place
    idx = world.rows.detected_without_indication(month.school_year)  # the few candidates first, then where they are
    setting, registered = p.setting[idx], p.registered[idx]
    at_home = (setting == Setting.HOME) & ~p.unregistered[idx]
    in_regular = IS_REGULAR[setting] | (setting == Setting.SBO)
    eligible = ((in_regular | at_home & (IS_REGULAR[registered] | (registered == Setting.SBO)))
                & (month.step - p.last_assessed[idx] >= 12))
    idx = idx[eligible]
    by_alliance = month.rules.judged_by_alliance(p.cluster[idx])
    # an indication outside the alliances' clusters brings the school the rugzak's school part while the rugzak
    # exists; the national institutions' ambulant support after it brings the school no money
    reward = np.where(month.rules.pupil_bound(p.cluster[idx]), world.state.rugzak_school_eur, 0.0)
    if by_alliance.any():  # what the alliance's support would bring the school: the arrangement, less any charge
        asking = idx[by_alliance]
        alliance = world.alliance_of(month.school_year, asking)
        level = alliances.arrangement_level(p.need[asking] - basic_support(world, month, asking), month.behaviour)
        reward[by_alliance] = school.support_reward_eur(
            funding.arrangement_prices_eur(law)[level], world.alliances.pupil_model[alliance],
            world.alliances.referral_charge_eur[alliance])
    awareness = _awareness(world, idx)
    u = month.uniform("school.apply_indication", p.uid[idx])
    rows = p.school[idx]
    asks = school.ask_for_indication(p.need[idx] - law["indication_criterion"], world.schools.know_how[rows],
                                     reward, p.push[idx], awareness, month.behaviour, u,
                                     world.schools.support_time_lost[rows])
    return idx[asks]


def _judge_applications(world: World, month: Month, idx: np.ndarray) -> np.ndarray:
    """The school's file is read with assessment error; the committee judges it against the national criterion, or
    the pupil's alliance (for its clusters) against the criterion plus its strictness. Returns the mask granted."""
    p, b, law = world.pupils, month.behaviour, month.law
    file_need = school.write_file(p.need[idx], world.schools.know_how[p.school[idx]], b)
    judged = IndicationCommittee.judge(file_need, month.normal("cvi.assess", p.uid[idx]), b)
    criterion = float(law["indication_criterion"])
    by_alliance = month.rules.judged_by_alliance(p.cluster[idx])
    granted = IndicationCommittee.grant(judged, criterion)
    if month.rules.alliance_clusters:
        alliance = world.alliance_of(month.school_year, idx[by_alliance])
        a = world.alliances
        substitution = np.stack([getattr(a, f"tlv_substitution_{c}") for c in alliances.TLV_CATEGORIES], axis=1)
        read_category = funding.tlv_category(judged[by_alliance] - criterion, law["tlv_category_need"])
        threshold = alliances.tlv_thresholds(a.strictness[alliance], a.in_year_adjustment[alliance],
                                             substitution[alliance], read_category)
        tlv = alliances.grant_tlv(judged[by_alliance], criterion, threshold)
        granted[by_alliance] = tlv
        need_above = p.need[idx[by_alliance][tlv]] - law["indication_criterion"]
        _count_tlvs(world, month, alliance[tlv], funding.tlv_category(need_above, law["tlv_category_need"]))
        # a file that does not clear the alliance's bar but comes within its arrangement reach of the national
        # criterion: support in the regular school
        arranged = ~tlv & (judged[by_alliance] > criterion - a.arrangement_reach[alliance])
        grant_arrangements(world, month, idx[by_alliance][arranged])
    p.last_assessed[idx] = month.step
    p.indication[idx[granted]] = p.cluster[idx[granted]]
    world.ledger.count("indication_applications", len(idx))
    world.ledger.count("indications_granted", int(np.count_nonzero(granted)))
    return granted


def _count_tlvs(world: World, month: Month, alliance: np.ndarray, category: np.ndarray | None) -> None:
    """TLVs granted: the alliances' tallies of the year, and this month's for the referral charges."""
    a = world.alliances
    for column, added in alliances.tlvs_by_alliance(alliance, category, len(a), month.scale).items():
        setattr(a, column, getattr(a, column) + added)
        world.this_month.tlvs_granted = world.this_month.tlvs_granted + added


def _parents_choose_special(world: World, month: Month, idx: np.ndarray) -> np.ndarray:
    p = world.pupils
    u = month.uniform("parents.choose_special", p.uid[idx])
    provider = special_school.provider_serving(world.provider_index, p.indication[idx], p.area[idx])
    return parents.choose_special(p.prefers_special[idx], p.need[idx] - month.law["indication_criterion"],
                                  p.grade(month.school_year, idx) >= PRIMARY_GRADES, IS_SPECIAL[p.setting[idx]],
                                  p.indication[idx] == 2, world.areas.culture[p.area[idx]],
                                  world.providers.under_supervision[provider], month.behaviour, u)


def _seek_special_places(world: World, month: Month, idx: np.ndarray,
                         seats: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Pupils ``idx`` (with an indication) ask the provider of their cluster and area for a (v)so place; it admits
    within free capacity, the rest wait. ``seats``: the seats taken per provider in so and in vso if the caller keeps
    them (they are brought up to date with these pupils' moves); counted here if None."""
    if len(idx) == 0:
        return
    p = world.pupils
    provider = special_school.provider_serving(world.provider_index, p.indication[idx], p.area[idx])
    closed = world.providers.merged_into[provider] >= 0  # no school of the cluster is left: support where the child is
    if closed.any():
        grant_arrangements(world, month, idx[closed & IS_REGULAR[p.setting[idx]]])
        moves.leave_waiting_list(world, idx[closed])
        idx, provider = idx[~closed], provider[~closed]
    secondary = p.grade(month.school_year, idx) >= PRIMARY_GRADES
    occupied_so, occupied_vso = _occupancy(world) if seats is None else seats
    held_before = _seats_held(world, idx)
    u = month.uniform("provider.queue", p.uid[idx])
    admitted = special_school.admit_within_capacity(provider, secondary, p.waiting[idx], world.providers.capacity_so,
                                                    world.providers.capacity_vso, occupied_so, occupied_vso, u)
    # the rest keep their place in the queue
    admitted[admitted] = _transport_to_the_place(world, month, idx[admitted], False)
    new_setting = np.where(secondary[admitted], Setting.VSO, Setting.SO).astype(np.int8)
    moves.admit_special(world, month, idx[admitted], provider[admitted], new_setting)
    moves.put_on_waiting_list(world, idx[~admitted], provider[~admitted])
    if seats is not None:  # only these pupils' seats changed
        for kept, before, after in zip(seats, held_before, _seats_held(world, idx)):
            kept += after - before


def waiting_lists(world: World, month: Month) -> None:
    """Free places go to waiting pupils; providers note their waiting lists for capacity planning."""
    p = world.pupils
    _seek_special_places(world, month, np.flatnonzero(p.waiting), world.this_month.seats_taken)
    waiting = np.flatnonzero(p.waiting)
    so, vso = special_school.waiting_by_provider(p.provider[waiting],
                                                 p.grade(month.school_year, waiting) >= PRIMARY_GRADES,
                                                 len(world.providers))
    world.providers.waiting_so_sum = world.providers.waiting_so_sum + so
    world.providers.waiting_vso_sum = world.providers.waiting_vso_sum + vso


def sbo_referral(world: World, month: Month) -> None:
    p, b = world.pupils, month.behaviour
    first, last = school.SBO_REFERRAL_GRADES
    idx = world.rows.detected_without_indication(month.school_year)
    grade = p.grade(month.school_year, idx)
    idx = idx[(p.setting[idx] == Setting.BAO) & (p.indication[idx] == 0) & ~p.waiting[idx]
              & (grade >= first) & (grade <= last)]
    with month.decision("school.refer_to_sbo"):
        severity = 0.5 * (p.need[idx] + p.learning_delay[idx])
        if month.rules.alliance_judges_sbo:  # the referring school pays the charge its alliance puts on a TLV
            alliance = world.alliance_of(month.school_year, idx)
            strictness = world.alliances.strictness[alliance]
            cost = world.alliances.referral_charge_eur[alliance]
        else:  # the WSNS rule: above 2%, the referring school pays part of the sbo place
            alliance, strictness = None, None
            cost = world.wsns.cost_to_school_eur[world.schools.wsns[p.school[idx]]]
        u = month.uniform("school.refer_sbo", p.uid[idx])
        referred = school.refer_to_sbo(severity, cost, world.areas.culture[p.area[idx]], strictness, b, u,
                                       world.schools.support_time_lost[p.school[idx]])
    referred[referred] = _transport_to_the_place(world, month, idx[referred], True)
    moved = idx[referred]
    if alliance is not None:
        _count_tlvs(world, month, alliance[referred], None)
    u = month.uniform("school.sbo_school", p.uid[moved])
    moves.refer_to_sbo(world, moved, special_school.choose_sbo_school(world.providers, p.area[moved], u))


def _transport_to_the_place(world: World, month: Month, idx: np.ndarray, to_sbo: bool) -> np.ndarray:
    """Pupils ``idx`` have been given a place at a special school (an sbo school if ``to_sbo``, else (v)so). Parents
    who need transport ask their municipality, which refuses more often the stricter its rules; of those refused, some
    cannot bring the child and the place is not taken up this month. Returns the mask of those who take it up; marks who is transported."""
    p, b = world.pupils, month.behaviour
    asks = municipality.needs_transport(np.full(len(idx), to_sbo),
                                        month.uniform("municipality.transport", p.uid[idx]))
    strictness = np.clip(world.municipalities.transport_strictness[p.municipality[idx]]
                         + month.law["transport_strictness_added"], 0.0, 1.0)
    refused = asks & municipality.refuse_transport(strictness, b, month.uniform("municipality.transport_rules",
                                                                                 p.uid[idx]))
    gives_up = refused & parents.give_up_place_without_transport(b, month.uniform("parents.without_transport",
                                                                                  p.uid[idx]))
    world.ledger.count("transport_refused", int(np.count_nonzero(refused)))
    world.ledger.count("places_lost_to_transport", int(np.count_nonzero(gives_up)))
    p.transported[idx] = asks & ~refused
    return ~gives_up


def moves_back(world: World, month: Month) -> None:
    """Terugplaatsing, under both systems: a (v)so or sbo pupil may move back to the regular school of the catchment.
    Where the alliance pays the place (a (v)so pupil of its clusters, or an sbo pupil once it grants sbo) it decides:
    it offers the move with an arrangement when the arrangement carries the need and costs it less than the place, or
    the place is at a provider under the Inspectorate's intensified supervision.
    Otherwise the parents decide, when the regular place with the support the child brings (a rugzak, the national
    institutions' support) carries the need. An sbo place carries the learning delay as well as the support need; a
    regular school must carry both. Rare either way (the Onderwijsraad, 2017: "komt zelden voor")."""
    p, b, law, rules = world.pupils, month.behaviour, month.law, month.rules
    idx = np.flatnonzero(in_settings(p.setting, SPECIAL) | (p.setting == Setting.SBO))
    u = month.uniform("alliance.return_to_regular", p.uid[idx])
    idx, u = idx[u < b.return_to_regular_rate], u[u < b.return_to_regular_rate]  # the few whose case comes up
    sbo = p.setting[idx] == Setting.SBO
    carried_need = np.where(sbo, np.maximum(p.need[idx], p.learning_delay[idx]), p.need[idx])
    unmet = carried_need - basic_support(world, month, idx)
    by_alliance = np.where(sbo, rules.alliance_judges_sbo, rules.judged_by_alliance(p.indication[idx]))
    back = np.zeros(len(idx), dtype=bool)
    level = np.zeros(len(idx), dtype=np.int8)
    with month.decision("alliance.offer_return_to_regular"):
        offered = np.flatnonzero(by_alliance)
        level[offered] = alliances.arrangement_level(unmet[offered], b)
        place_cost = np.where(sbo[offered],
                              world.alliances.sbo_marginal_eur[world.alliance_of(month.school_year, idx[offered])],
                              funding.special_supplement_eur(p.need[idx[offered]], law))
        saving = place_cost - funding.arrangement_prices_eur(law)[level[offered]]
        provider = p.provider[idx[offered]]
        weak = world.providers.under_supervision[np.maximum(provider, 0)] & (provider >= 0)
        back[offered] = alliances.offer_return_to_regular(unmet[offered], saving, weak, b, u[offered])
    with month.decision("parents.return_to_regular"):
        own = np.flatnonzero(~by_alliance)
        brought = b.support_rugzak * (~sbo[own] & rules.supported_nationally(p.indication[idx[own]]))
        back[own] = parents.return_to_regular(unmet[own] - brought, b, u[own])
    moves.return_to_regular(world, month, idx[back], level[back])


# --- money -------------------------------------------------------------------------------------------------------
def money(world: World, month: Month) -> None:
    """Every payer books this month's payments (:func:`~passend.model.money.book_month`); alliances in charge review
    their year so far; the month closes and the recorder reads it."""
    costs = book_month(world, month, world.books)
    if costs is not None:
        with month.decision("alliance.review_month"):
            Alliance.every_row(world.alliances).review_month(costs.deductions, month.behaviour)
    recorder.record_month(world, month, world.ledger.close_month())
    for books in world.other_books:
        mechanical.close_month(world, month, books)


def close_school_year(world: World, month: Month) -> None:
    if month.today.month != 7 and not month.last:
        return
    recorder.record_school_year(world, month)
    for books in world.other_books:
        mechanical.close_school_year(month, books)


PHASES: tuple[Callable[[World, Month], None], ...] = (
    inspection,
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
