"""Each actor's decisions, called on small hand-made tables without building a country: the rows, money and law a
decision reads are its arguments, so a rule can be checked as a sentence."""

import mesa
import numpy as np
import pytest

from passend.agents import consultants, municipality, parents, school, special_school
from passend.agents.alliance import (Alliance, AllianceTable, arrangement_level,
                                     category_savings_eur, grant_tlv, offer_return_to_regular, tlv_thresholds)
from passend.agents.state import IndicationCommittee
from passend.engine.behaviour import Behaviour
from passend.engine.funding import Settlement, SupportCosts, sbo_above_direct_share, settle_month, support_costs
from passend.engine.population import Setting

B = Behaviour().replace(expertise_support=0.3, tlv_start_caution=0.0)  # the first year like any other, unless a test says otherwise
U = np.linspace(0.0, 0.999, 1000)  # the same draws for every variant: a difference comes from the rule


def one_alliance(**columns) -> Alliance:
    table = AllianceTable(1)
    for name, value in columns.items():
        setattr(table, name, np.array([value]))
    return Alliance(mesa.Model(), table, 0)


LAW = {"reserve_signal_share": 0.035, "reserve_signal_minimum_eur": 250_000.0, "indication_criterion": 2.0,
       "tlv_category_need": [0.6, 1.3], "tlv_category_factor": [0.75, 1.0, 1.9], "special_school_eur": 20_000.0,
       "special_supplement_share": 0.5, "arrangement_eur": 12_000.0, "arrangement_level_price_factor": [0.25, 0.55, 1.0]}


def settle(alliance: Alliance, deductions: float, arrangements: float) -> Settlement:
    """One month of the alliance's money by its plan (the law's arithmetic), its reserves carried as the money phase
    carries them."""
    costs = SupportCosts(np.array([deductions]), np.array([arrangements]), np.zeros(1))
    month = settle_month(alliance.table, costs, np.zeros(1), holds_lwoo_pro=False)
    alliance.reserves_eur = alliance.reserves_eur + month.reserves_kept[0] - month.reserves_drawn[0]
    return Settlement(*(float(v[0]) for v in month))


def planned(income: float = 10e6, deductions: float = 4e6, arrangements: float = 1e6, reserves: float = 0.0,
            base_deduction_share: float = 0.4, b: Behaviour = B, **columns) -> Alliance:
    """An alliance that has set its plan for the year."""
    alliance = one_alliance(gatekeeping=0.1, reserves_eur=reserves, base_deduction_share=base_deduction_share, **columns)
    alliance.plan_reserves(income, LAW, b)
    alliance.plan_budget(income, deductions, arrangements)
    alliance.plan_arrangements(b)
    alliance.set_tlv_policy(category_savings_eur(LAW, b), 10_000.0, b)
    return alliance


def test_an_alliance_whose_deductions_exceed_what_it_budgets_for_them_charges_the_referring_schools():
    within = planned(deductions=4e6)  # 40% of income, as on the base count
    over = planned(deductions=5e6)
    # the school that refers pays the part of a TLV the budget does not cover; within budget nobody pays
    assert over.referral_charge_eur == pytest.approx(10_000.0 * 0.25 / 1.25) and within.referral_charge_eur == 0.0
    # its TLV threshold answers to the money the law gives it, not to its own deductions (issue 32: a response to
    # its own deductions fed on itself, and a stronger response admitted more)
    assert over.strictness == within.strictness == pytest.approx(0.1)
    assert over.gatekeeping == 0.1  # the own threshold is not rewritten


def test_the_tlv_threshold_rises_by_the_budget_response_per_unit_of_budget_loss():
    # base count: 10,000 pupils at EUR 1,000 = 10 M; the alliance plans on 8 M (a loss of 25%), 10 M or 12.5 M
    loser, even, gainer = (planned(income=income, base_eur_per_pupil=1000.0, pupils=10_000.0)
                           for income in (8e6, 10e6, 12.5e6))
    assert loser.budget_loss == pytest.approx(0.25) and even.budget_loss == pytest.approx(0.0)
    assert loser.strictness == pytest.approx(0.1 + B.tlv_budget_response * 0.25)
    assert even.strictness == pytest.approx(0.1)
    assert gainer.strictness == pytest.approx(0.1 - B.tlv_budget_response * 0.2)
    strong = planned(income=8e6, base_eur_per_pupil=1000.0, pupils=10_000.0,
                     b=B.replace(tlv_budget_response=4.0))
    assert strong.strictness > loser.strictness  # under a cut, a stronger response admits fewer


def test_a_new_alliance_admits_cautiously_and_eases_as_its_record_of_its_own_costs_grows():
    alliance = one_alliance(gatekeeping=0.1, base_deduction_share=0.4)
    b = B.replace(tlv_start_caution=0.3)
    alliance.plan_reserves(10e6, LAW, b)
    strictness = []
    for _ in range(4):  # four school years with the same money and the same pupils
        alliance.plan_budget(10e6, 4e6, 1e6)
        alliance.set_tlv_policy(category_savings_eur(LAW, b), 10_000.0, b)
        strictness.append(alliance.strictness)
    assert strictness == pytest.approx([0.1 + 0.3, 0.1 + 0.15, 0.1 + 0.1, 0.1 + 0.075])
    assert alliance.years_of_record == 4


def test_an_alliance_that_loses_income_under_equalisation_tightens_with_the_same_pupils():
    loser = planned(income=9e6, base_eur_per_pupil=1000.0, pupils=10_000.0)
    gainer = planned(income=11e6, base_eur_per_pupil=1000.0, pupils=10_000.0)
    assert loser.strictness > 0.1 > gainer.strictness


def test_reserves_above_the_signalling_value_are_spent_on_arrangements_and_the_rest_of_the_plan():
    flagged = planned(reserves=2e6)  # the signalling value is max(3.5% of 10 M, 250,000) = 350,000
    modest = planned(reserves=100_000.0)
    assert flagged.plan_reserve_change_eur == pytest.approx(-B.reserve_adjustment_rate * (2e6 - 350_000.0))
    assert modest.plan_reserve_change_eur == pytest.approx(B.reserve_adjustment_rate * (350_000.0 - 100_000.0))
    assert flagged.plan_arrangement_budget_eur > modest.plan_arrangement_budget_eur
    assert flagged.plan_to_schools_eur > modest.plan_to_schools_eur
    assert flagged.arrangement_reach > modest.arrangement_reach


def test_arrangements_reach_further_while_they_cost_less_than_their_budget_and_draw_back_when_they_cost_more():
    cheap = planned(arrangements=0.5e6, arrangement_reach=0.3)
    dear = planned(arrangements=20e6, arrangement_reach=0.3)
    assert cheap.arrangement_reach > 0.3 > dear.arrangement_reach
    assert 0.0 <= dear.arrangement_reach and cheap.arrangement_reach <= B.arrangement_reach_max


def test_a_budget_that_does_not_cover_the_deductions_is_a_planned_lump_sum_deduction():
    alliance = planned(income=10e6, deductions=11e6)
    assert alliance.plan_to_schools_eur == pytest.approx(10e6 - 11e6 - alliance.plan_reserve_change_eur)
    month = settle(alliance, 11e6, 0.0)
    assert month.to_schools == 0.0 and month.lump_sum >= -alliance.plan_to_schools_eur / 12 - 1e-6


def test_an_overspending_beyond_the_reserves_is_settled_with_the_schools_lump_sums_and_reserves_never_go_below_zero():
    # kst_31497_31: DUO, "na het zorgbudget uitgeput te hebben", settles the rest with the schools' lump sums
    alliance = planned(income=12e6, deductions=4.8e6, reserves=5000.0)
    # arrangements as budgeted, deductions 20,000 a month above what the plan (and its reserve change) can absorb
    deductions = alliance.plan_deductions_eur + alliance.plan_reserve_change_eur + 12 * 20_000.0
    month = settle(alliance, deductions, alliance.plan_arrangement_budget_eur)
    assert month.reserves_drawn == pytest.approx(5000.0)  # the whole buffer, no more
    assert month.overspent == pytest.approx(15_000.0) and month.lump_sum == pytest.approx(15_000.0)
    assert month.to_schools == pytest.approx(alliance.plan_to_schools_eur / 12)
    assert alliance.reserves_eur == pytest.approx(0.0)
    money_in = month.income + month.reserves_drawn + month.lump_sum + month.referral_charges
    money_out = (month.deductions + month.arrangements + month.ambulant + month.expertise + month.to_schools
                 + month.reserves_kept)
    assert money_in == pytest.approx(money_out)
    # within the buffer, the reserves alone carry the surprise: the schools pay nothing
    cushioned = planned(income=12e6, deductions=4.8e6, reserves=1e6)
    deductions = cushioned.plan_deductions_eur + cushioned.plan_reserve_change_eur + 12 * 20_000.0
    month = settle(cushioned, deductions, cushioned.plan_arrangement_budget_eur)
    assert month.reserves_drawn == pytest.approx(20_000.0) and month.overspent == 0.0 and month.lump_sum == 0.0


def test_a_month_as_planned_passes_the_plan_to_the_schools_and_keeps_the_planned_reserve():
    alliance = planned(income=12e6, deductions=4.8e6)
    month = settle(alliance, 4.8e6, 1e6)
    assert month.to_schools == pytest.approx(alliance.plan_to_schools_eur / 12)
    surprise = (alliance.plan_arrangement_budget_eur - 1e6) / 12  # arrangements cost less than their budget
    assert month.reserves_kept == pytest.approx(alliance.plan_reserve_change_eur / 12 + surprise)


def test_deductions_above_plan_during_the_year_tighten_admission_and_below_plan_ease_it():
    over, under = planned(), planned()
    for _ in range(3):
        over.review_month(6e6, B)
        under.review_month(3e6, B)
    assert over.in_year_adjustment == pytest.approx(B.tlv_in_year_response * 0.5)
    assert under.in_year_adjustment < 0


def test_an_alliance_raises_the_bar_for_a_tlv_category_whose_arrangement_is_cheaper():
    dear_arrangements = category_savings_eur({**LAW, "arrangement_eur": 30_000.0}, B)
    cheap_arrangements = category_savings_eur({**LAW, "arrangement_eur": 6_000.0}, B)
    assert (cheap_arrangements > dear_arrangements).all()
    judged = np.full(1000, 2.3)  # category low, just above the criterion
    category = np.zeros(1000, dtype=np.int8)
    granted = {}
    for name, savings in (("dear", dear_arrangements), ("cheap", cheap_arrangements)):
        substitution = np.tile(B.tlv_substitution * savings / 1000.0, (1000, 1))
        threshold = tlv_thresholds(np.zeros(1000), np.zeros(1000), substitution, category)
        granted[name] = grant_tlv(judged + np.linspace(-0.5, 0.5, 1000), 2.0, threshold).sum()
    assert granted["cheap"] < granted["dear"]


def test_an_arrangement_is_the_lightest_level_that_covers_the_unmet_need():
    level = arrangement_level(np.array([-0.5, 0.0, 0.1, 0.3, 0.31, 0.6, 0.9, 1.0, 2.5]), B)
    assert list(level) == [0, 0, 1, 1, 2, 2, 3, 3, 3]


def test_terugplaatsing_needs_a_fitting_arrangement_that_saves_the_alliance_money_or_a_weak_place():
    n = len(U)
    fits, saves = np.full(n, 0.5), np.full(n, 1000.0)
    sound, weak = np.zeros(n, bool), np.ones(n, bool)
    rate = B.replace(return_to_regular_rate=0.1)
    assert offer_return_to_regular(fits, saves, sound, rate, U).sum() == pytest.approx(n * 0.1, abs=2)
    assert not offer_return_to_regular(np.full(n, 3.0), saves, weak, rate, U).any()  # no arrangement carries it
    assert not offer_return_to_regular(fits, np.full(n, -1.0), sound, rate, U).any()  # the arrangement is dearer
    # at a provider under intensified supervision the alliance offers a better place even where it costs more
    dearer_but_weak = offer_return_to_regular(fits, np.full(n, -1.0), weak, rate, U).sum()
    assert dearer_but_weak == pytest.approx(n * 0.1, abs=2)


def test_only_sbo_above_the_directly_funded_share_costs_the_alliance():
    # alliance 0: 100 primary pupils of whom 3 in sbo (1 above 2%); alliance 1: 100 with 1 in sbo
    alliance = np.repeat([0, 1], 100)
    setting = np.full(200, Setting.BAO, dtype=np.int8)
    setting[:3] = Setting.SBO
    setting[100] = Setting.SBO
    over = sbo_above_direct_share(alliance[setting == Setting.SBO], np.array([100.0, 100.0]), {"sbo_direct_share": 0.02})
    assert list(over) == [pytest.approx(1.0), 0.0]


def test_an_alliance_buys_arrangements_as_ambulant_support_as_far_as_it_works_by_the_expertise_model():
    bought = {}
    for share in (0.0, 0.4, 1.0):
        alliance = planned(expertise_model=share)
        bought[share] = settle(alliance, alliance.plan_deductions_eur, 1.2e6)
    assert [bought[x].ambulant for x in (0.0, 0.4, 1.0)] == [0.0, pytest.approx(40_000.0), pytest.approx(1e5)]
    assert all(m.ambulant + m.arrangements == pytest.approx(1e5) for m in bought.values())


def test_a_stricter_alliance_grants_fewer_tlvs_for_the_same_files():
    judged = np.linspace(0.0, 4.0, 1000)
    lenient = grant_tlv(judged, 2.0, np.full(1000, 0.0))
    strict = grant_tlv(judged, 2.0, np.full(1000, 0.5))
    assert strict.sum() < lenient.sum() and not (strict & ~lenient).any()
    assert (IndicationCommittee.grant(judged, 2.0) == lenient).all()


def test_an_alliance_pays_for_the_places_of_its_clusters_only():
    law = {"indication_criterion": 2.0, "tlv_category_need": [0.6, 1.3], "tlv_category_factor": [0.75, 1.0, 1.9],
           "special_school_eur": 20_000.0, "special_supplement_share": 0.5, "sbo_direct_share": 0.02,
           "sbo_eur": 8000.0, "lwoo_pro_eur": 3800.0}
    setting = np.array([Setting.SO, Setting.SO, Setting.BAO, Setting.BAO])
    indication = np.array([3, 1, 4, 2])
    need = np.full(4, 2.8)  # category medium
    arranged = np.array([0.0, 0.0, 6600.0, 0.0])  # the cluster 4 pupil in a regular school has an arrangement
    costs = support_costs(np.zeros(4, dtype=np.int64), setting, indication, need, (3, 4), arranged, None, law, 1, 1.0)
    assert costs.deductions[0] == pytest.approx(10_000.0)  # the cluster 3 place; the cluster 1 place is national
    assert costs.arrangements[0] == pytest.approx(6600.0)


def test_referral_to_sbo_falls_when_it_costs_the_school_and_when_the_alliance_is_strict():
    severity, culture = np.full(1000, 1.5), np.zeros(1000)
    free = school.refer_to_sbo(severity, np.zeros(1000), culture, None, B, U).sum()
    costly = school.refer_to_sbo(severity, np.full(1000, 4000.0), culture, None, B, U).sum()
    strict = school.refer_to_sbo(severity, np.zeros(1000), culture, np.full(1000, 0.5), B, U).sum()
    assert costly < free and strict < free


def test_a_larger_reward_makes_schools_ask_for_more_indications():
    n = len(U)
    args = (np.full(n, 0.5), np.full(n, 0.3))
    asked = {reward: school.ask_for_indication(*args, np.full(n, reward), np.zeros(n), np.zeros(n), B, U).sum()
             for reward in (0.0, 5000.0)}
    assert asked[5000.0] > asked[0.0]


def test_a_school_that_pays_for_its_alliance_s_deficit_asks_for_fewer_tlvs():
    n = len(U)
    price, pupil_model = np.full(n, 6600.0), np.full(n, 0.5)
    args = (np.full(n, 0.5), np.full(n, 0.3))
    asked = {}
    for charge in (0.0, 4000.0):
        reward = school.support_reward_eur(price, pupil_model, np.full(n, charge))
        asked[charge] = school.ask_for_indication(*args, reward, np.zeros(n), np.zeros(n), B, U).sum()
    assert asked[4000.0] < asked[0.0]
    assert list(school.support_reward_eur(np.array([6600.0]), np.array([0.0]), np.array([0.0]))) == [0.0]


def test_money_passed_to_schools_and_an_arrangement_carry_more_need_in_a_regular_school():
    skill = np.full(3, 0.5, dtype=np.float32)
    basic = school.basic_support(skill, np.array([0.0, 300.0, -300.0]), B)
    assert basic[1] > basic[0] > basic[2]
    setting = np.full(2, Setting.BAO)
    none = school.support_carried(setting, skill[:2], np.zeros(2, bool), np.zeros(2), None, None, B)
    arranged = school.support_carried(setting, skill[:2], np.zeros(2, bool), np.array([0.0, 0.6]), None, None, B)
    assert arranged[1] == pytest.approx(none[1] + 0.6) and arranged[0] == none[0]


def test_skilled_teachers_notice_more_needs_and_carry_more_in_class():
    assert school.notice_needs(np.full(1000, 0.9), B.detect_rate, U).sum() > school.notice_needs(np.full(1000, 0.2), B.detect_rate, U).sum()
    setting = np.full(2, Setting.BAO)
    skill = np.array([0.2, 0.9], dtype=np.float32)
    carried = school.support_carried(setting, skill, np.zeros(2, bool), np.zeros(2), None, None, B)
    assert carried[1] > carried[0]
    with_expertise = school.support_carried(setting, skill, np.zeros(2, bool), np.zeros(2), np.full(2, 1.0), None, B)
    assert (with_expertise > carried).all()


def test_learning_closes_part_of_the_gap_to_better_practised_schools_and_never_passes_one():
    know_how = np.array([0.2, 0.8, 0.5], dtype=np.float32)
    learned = school.learn_indication_practice(know_how, np.array([0.6, 0.6, 0.5]), reward_ratio=1.0, rate=0.5)
    assert learned.dtype == np.float32
    assert learned[0] == pytest.approx(0.4) and learned[1] == pytest.approx(0.8) and learned[2] == pytest.approx(0.5)


def test_a_place_that_carries_less_breaks_down_more_and_waiting_makes_it_worse():
    n = len(U)
    low = parents.keep_at_home(np.full(n, 0.0), np.zeros(n, bool), B, U).sum()
    high = parents.keep_at_home(np.full(n, 1.5), np.zeros(n, bool), B, U).sum()
    waiting = parents.keep_at_home(np.full(n, 1.5), np.ones(n, bool), B, U).sum()
    assert low < high <= waiting


def test_a_provider_admits_within_its_free_seats_and_those_already_waiting_first():
    provider = np.zeros(4, dtype=np.int16)
    secondary = np.array([False, False, False, True])
    waiting = np.array([False, True, False, False])
    admitted = special_school.admit_within_capacity(provider, secondary, waiting, np.array([3.0]), np.array([0.0]),
                                                    np.array([2.0]), np.array([0.0]), np.array([0.1, 0.9, 0.2, 0.0]))
    assert list(admitted) == [False, True, False, False]  # one free so seat, no vso seat


def test_a_school_declines_a_child_who_would_cost_it_more_and_zorgplicht_makes_declining_cost_it():
    n = len(U)
    free, costly = np.zeros(n), np.full(n, 12_000.0)
    no_duty = school.declining_cost_eur(np.zeros(n, bool), False, B)
    duty = school.declining_cost_eur(np.ones(n, bool), False, B)
    assert school.admit(free, no_duty, B, U).sum() > school.admit(costly, no_duty, B, U).sum()
    assert school.admit(costly, duty, B, U).sum() > school.admit(costly, no_duty, B, U).sum()


def test_a_child_an_onderwijsconsulent_brings_is_declined_less_often():
    n = len(U)
    costly = np.full(n, 12_000.0)
    alone = school.declining_cost_eur(np.zeros(n, bool), False, B)
    brought = school.declining_cost_eur(np.zeros(n, bool), True, B)
    assert school.admit(costly, brought, B, U).sum() > school.admit(costly, alone, B, U).sum()


def test_a_school_seeking_a_partner_picks_the_most_skilled_school_asked_never_itself():
    asked = np.array([[4, 7, 9], [3, 3, 3], [5, 2, 2]])
    skill = np.array([[0.2, 0.9, 0.5], [0.8, 0.8, 0.8], [0.9, 0.1, 0.3]])
    declining = np.array([1, 3, 5])
    assert list(school.best_carrying(asked, skill, declining)) == [7, -1, 2]


def test_the_consultants_take_the_longest_cases_up_to_their_capacity():
    months = np.array([4, 12, 6, 30, 5])
    assert list(consultants.take_cases(months, 2)) == [False, True, False, True, False]
    assert consultants.monthly_capacity(12.0, 10_000, 0.0) == 1 and consultants.monthly_capacity(6.0, 10_000, 0.6) == 1


def test_a_school_that_would_pay_for_a_pupil_dodges_zorgplicht_more_and_more_so_under_a_school_model():
    n = len(U)
    pupil_model, school_model = np.zeros(n), np.ones(n)
    cheap = school.dodge_zorgplicht(np.zeros(n), pupil_model, B, U).sum()
    costly = school.dodge_zorgplicht(np.full(n, 12_000.0), pupil_model, B, U).sum()
    costly_school_model = school.dodge_zorgplicht(np.full(n, 12_000.0), school_model, B, U).sum()
    assert cheap < costly < costly_school_model


def test_a_school_sends_home_only_pupils_who_cost_it_and_costlier_ones_more():
    chance = school.suspension_chance(np.array([0.0, 3_000.0, 12_000.0]), B)
    assert chance[0] == 0.0 and 0.0 < chance[1] < chance[2]


def test_officers_follow_cases_within_their_caseload_and_under_the_pact_the_long_ones_first():
    staffing = np.array([0.5, 1.0, 4.0])
    b = B.replace(officer_cases_per_10000=10.0)
    short, long = municipality.follow_chances(staffing, known_per_10000=20.0, long_share=0.4, pact=False, b=b)
    assert list(short) == list(long) == [0.25, 0.5, 1.0]  # more officers follow more, never more than every case
    short, long = municipality.follow_chances(staffing, known_per_10000=20.0, long_share=0.4, pact=True, b=b)
    assert long[0] == pytest.approx(0.625) and short[0] == 0.0  # the time goes to the long cases first
    assert 0.4 * long + 0.6 * short == pytest.approx([0.25, 0.5, 1.0])  # the same time, spent otherwise
    busier = municipality.follow_chances(staffing, known_per_10000=40.0, long_share=0.4, pact=False, b=b)[0]
    assert (busier <= [0.25, 0.5, 1.0]).all() and busier[0] < 0.25


def test_more_attendance_officers_find_more_children_registered_nowhere():
    n = len(U)
    registration = np.full(n, 0.8)
    few = municipality.find_unregistered(np.full(n, 0.5), 1.0, registration, B, U).sum()
    many = municipality.find_unregistered(np.full(n, 0.5), 3.0, registration, B, U).sum()
    worse_register = municipality.find_unregistered(np.full(n, 0.5), 3.0, registration / 2, B, U).sum()
    assert few < many and worse_register < many


def test_exemptions_are_asked_and_granted_more_readily_when_no_place_is_in_reach():
    n = len(U)
    none, some = np.zeros(n, bool), np.ones(n, bool)
    awareness = np.zeros(n)
    ask = lambda at_home, no_place, aware: parents.ask_exemption(at_home, no_place, False, aware, B, U).sum()
    assert ask(some, some, awareness) > ask(some, none, awareness)
    assert ask(some, none, awareness + 1.0) > ask(some, none, awareness)
    assert ask(some, none, awareness) > ask(none, none, awareness)  # at home, with the officer on the case
    asked = np.ones(n, bool)
    assert (municipality.grant_exemption(asked, some, np.ones(n), True, B, U).sum()
            > municipality.grant_exemption(asked, none, np.ones(n), True, B, U).sum())


def test_a_school_bound_by_zorgplicht_advises_an_exemption_the_more_a_pupil_costs_it_and_parents_follow():
    n = len(U)
    advised = lambda eur: school.advise_exemption(np.full(n, eur), B, U).sum()
    assert advised(0.0) == 0 and advised(2_000.0) < advised(12_000.0)
    none, some, awareness = np.zeros(n, bool), np.ones(n, bool), np.zeros(n)
    assert (parents.ask_exemption(some, none, some, awareness, B, U).sum()
            > parents.ask_exemption(some, none, none, awareness, B, U).sum())


def test_no_exemption_where_the_law_allows_none():
    n = len(U)
    args = (np.ones(n, bool), np.ones(n, bool), np.full(n, 1.0))
    assert municipality.grant_exemption(*args, True, B, U).any()
    assert not municipality.grant_exemption(*args, False, B, U).any()


def test_a_municipality_with_stricter_transport_rules_refuses_more_and_only_those_who_ask_need_it():
    n = len(U)
    mild = municipality.refuse_transport(np.full(n, 0.1), B, U).sum()
    strict = municipality.refuse_transport(np.full(n, 0.9), B, U).sum()
    assert mild < strict
    # about two thirds of the transported go to (v)so and a quarter to sbo (mlv): shares by the place's setting
    to_special = municipality.needs_transport(np.zeros(n, bool), U).mean()
    to_sbo = municipality.needs_transport(np.ones(n, bool), U).mean()
    assert to_special == pytest.approx(municipality.TRANSPORTED_SHARE_SPECIAL, abs=0.002)
    assert to_sbo == pytest.approx(municipality.TRANSPORTED_SHARE_SBO, abs=0.002) and to_sbo < to_special


def test_a_municipality_reviews_its_transport_rules_once_when_youth_care_comes_with_less_money():
    table = municipality.MunicipalityTable(len(U))
    table.transport_strictness = np.full(len(U), 0.25, dtype=np.float32)
    every = municipality.Municipality.every_row(table)
    every.review_transport_rules(False, 0.9, U, B)  # youth care still the provinces': nothing to review
    assert not table.transport_reviewed.any()
    every.review_transport_rules(True, 0.9, U, B)
    tightened = table.transport_strictness > 0.25
    assert table.transport_reviewed.all()
    assert tightened.mean() == pytest.approx(B.transport_tighten_chance, abs=0.002)  # over half (vgr9)
    before = table.transport_strictness.copy()
    every.review_transport_rules(True, 0.9, U, B)  # once only
    assert (table.transport_strictness == before).all()
    untouched = municipality.MunicipalityTable(len(U))
    municipality.Municipality.every_row(untouched).review_transport_rules(True, 1.0, U, B)  # no cut, no review
    assert not untouched.transport_reviewed.any()



# --- the Inspectorate and what the others do with its judgements (issue 32) ------------------------------------------
def test_the_inspectorate_puts_providers_below_its_standard_under_supervision_and_they_improve():
    from passend.agents.inspectorate import Inspectorate

    quality = np.array([-1.0, -0.2, 0.5])
    supervised = Inspectorate.judge_providers(quality, np.zeros(3), -0.586)
    assert supervised.tolist() == [True, False, False]
    # a visit's error can put a provider near the standard on either side
    assert Inspectorate.judge_providers(quality, np.array([0.0, -0.5, 0.0]), -0.586).tolist() == [True, True, False]
    table = special_school.ProviderTable(3)
    table.quality, table.under_supervision = quality.copy(), supervised
    special_school.SpecialSchoolProvider.every_row(table).improve_under_supervision(0.05)
    assert table.quality.tolist() == pytest.approx([-0.95, -0.2, 0.5])


def test_parents_choose_a_provider_under_intensified_supervision_less_often():
    n = len(U)
    args = (np.zeros(n, bool), np.full(n, 0.5), np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool), np.zeros(n))
    weak = parents.choose_special(*args, np.ones(n, bool), B, U).sum()
    sound = parents.choose_special(*args, np.zeros(n, bool), B, U).sum()
    assert weak < sound


def test_an_instructed_alliance_spends_its_whole_excess_over_the_signalling_value_this_year():
    # signalling value: max(3.5% of 10 M, 250,000) = 350,000; reserves 2 M
    own = planned(reserves=2e6)
    instructed = planned(reserves=2e6, reserves_instructed=True)
    assert own.plan_reserve_change_eur == pytest.approx(-B.reserve_adjustment_rate * (2e6 - 350_000.0))
    assert instructed.plan_reserve_change_eur == pytest.approx(350_000.0 - 2e6)
    assert instructed.plan_to_schools_eur > own.plan_to_schools_eur
    # an instruction never makes an alliance keep more than its own policy would
    modest = planned(reserves=100_000.0, reserves_instructed=True)
    assert modest.plan_reserve_change_eur == pytest.approx(B.reserve_adjustment_rate * (350_000.0 - 100_000.0))


def test_the_inspectorate_signals_alliances_with_more_children_home_long_than_the_country():
    from passend.agents.inspectorate import Inspectorate

    signalled = Inspectorate.thuiszitter_signal(np.array([10.0, 2.0, 0.0]), np.array([1000.0, 1000.0, 1000.0]))
    assert signalled.tolist() == [True, False, False]
    assert Inspectorate.reserves_instruction(np.array([1.0, 3.0]), np.array([2.0, 2.0])).tolist() == [False, True]


def test_a_signalled_alliance_arranges_doorzettingsmacht_once_the_pact_asks_and_keeps_it():
    table = AllianceTable(len(U))
    table.thuiszitters_signalled = np.ones(len(U), bool)
    every = Alliance.every_row(table)
    every.answer_thuiszitter_signal(False, U, B)  # before the pact: the signal alone does not do it
    assert not table.doorzettingsmacht_arranged.any()
    every.answer_thuiszitter_signal(True, U, B)
    assert table.doorzettingsmacht_arranged.mean() == pytest.approx(B.doorzettingsmacht_adoption, abs=0.002)
    table.thuiszitters_signalled[:] = False
    arranged = table.doorzettingsmacht_arranged.copy()
    every.answer_thuiszitter_signal(True, U, B)
    assert (table.doorzettingsmacht_arranged == arranged).all()  # kept, not dropped
    from passend.agents.alliance import place_stuck_cases
    escalated = np.ones(3, bool)
    assert place_stuck_cases(escalated, np.array([0.9, 0.9, 0.1]), np.array([0.5, 0.5, 0.5]),
                             np.array([True, False, False])).tolist() == [True, False, True]


def test_with_a_new_support_plan_an_alliance_moves_its_mix_towards_the_model_that_answers_its_last_period():
    table = AllianceTable(3)
    table.school_model[:], table.expertise_model[:], table.pupil_model[:] = 0.5, 0.25, 0.25
    table.thuiszitters_signalled = np.array([True, False, False])
    table.shortfall = np.array([0.2, 0.2, -0.1])
    Alliance.every_row(table).revise_distribution_model(0.1)
    mix = np.stack([table.school_model, table.expertise_model, table.pupil_model], axis=1)
    assert mix.sum(axis=1) == pytest.approx(np.ones(3))
    assert mix[0, 2] > 0.25 and mix[1, 1] > 0.25 and mix[2, 0] > 0.5  # pupil, expertise, school


def test_the_closure_norm_is_a_schools_and_a_provider_closes_only_when_not_one_school_would_meet_it():
    table = special_school.ProviderTable(3)
    table.cluster[:] = 3
    table.schools = np.array([4.0, 1.0, 4.0])
    every = special_school.SpecialSchoolProvider.every_row(table)
    norm = {"so": 25, "vso": 29, "sovso": 33}
    # 80 so pupils in four schools: 20 a school (below 25), three can meet it; 20 in one: none; 400 in four: fine
    so, vso = np.array([80.0, 20.0, 400.0]), np.zeros(3)
    assert every.below_closure_norm(so, vso, norm).tolist() == [True, True, False]
    last = every.close_schools(so, vso, norm)
    assert last.tolist() == [False, True, False] and table.schools.tolist() == [3.0, 1.0, 4.0]


def test_without_an_alliance_to_decide_parents_move_a_child_back_only_when_the_regular_place_carries_its_need():
    n = len(U)
    fits = parents.return_to_regular(np.full(n, -0.1), B, U)
    assert fits.mean() == pytest.approx(B.return_to_regular_rate, abs=0.002)
    assert not parents.return_to_regular(np.full(n, 0.1), B, U).any()
