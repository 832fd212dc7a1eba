"""Each actor's decisions, called on small hand-made tables without building a country: the rows, money and law a
decision reads are its arguments, so a rule can be checked as a sentence."""

import mesa
import numpy as np
import pytest

from passend.agents import municipality, parents, school, special_school
from passend.agents.alliance import Alliance, AllianceTable, grant_tlv, support_costs
from passend.agents.state import IndicationCommittee
from passend.model.behaviour import Behaviour
from passend.model.population import Setting

B = Behaviour().replace(expertise_support=0.3, zorgplicht_return=0.5, doorzettingsmacht_return=0.5)
U = np.linspace(0.0, 0.999, 1000)  # the same draws for every variant: a difference comes from the rule


def one_alliance(**columns) -> Alliance:
    table = AllianceTable(1)
    for name, value in columns.items():
        setattr(table, name, np.array([value]))
    return Alliance(mesa.Model(), table, 0)


def test_an_alliance_that_loses_under_equalisation_raises_its_tlv_bar_and_one_that_gains_lowers_it():
    loser = one_alliance(gatekeeping=0.1, base_eur_per_pupil=500.0, amount_eur_per_pupil=400.0)
    gainer = one_alliance(gatekeeping=0.1, base_eur_per_pupil=400.0, amount_eur_per_pupil=500.0)
    for alliance in (loser, gainer):
        alliance.plan_admissions(response=1.0)
    assert loser.strictness == pytest.approx(0.1 + 0.25) and gainer.strictness == pytest.approx(0.1 - 0.2)
    assert loser.gatekeeping == 0.1 and gainer.gatekeeping == 0.1  # the own threshold is not rewritten


def test_a_month_in_deficit_is_paid_from_reserves_first_then_from_the_schools_lump_sums():
    alliance = one_alliance(pupils=1000.0, amount_eur_per_pupil=1200.0, reserves_eur=5000.0)
    month = alliance.settle_month(deductions_eur=1_200_000.0, arrangements_eur=240_000.0, lwoo_pro_cost_eur=0.0,
                                  holds_lwoo_pro=False, retention=0.1)
    assert month.income == pytest.approx(100_000.0)
    deficit = 100_000.0 + 20_000.0 - 100_000.0
    assert month.reserves_drawn == pytest.approx(5000.0) and month.lump_sum == pytest.approx(deficit - 5000.0)
    assert month.to_schools == 0.0 and alliance.reserves_eur == pytest.approx(0.0)
    money_in = month.income + month.reserves_drawn + month.lump_sum
    assert money_in == pytest.approx(month.deductions + month.arrangements + month.to_schools + month.reserves_kept)


def test_a_surplus_goes_partly_to_reserves_and_the_rest_to_the_schools():
    alliance = one_alliance(pupils=1000.0, amount_eur_per_pupil=1200.0)
    month = alliance.settle_month(600_000.0, 0.0, 0.0, holds_lwoo_pro=False, retention=0.1)
    assert month.reserves_kept == pytest.approx(5000.0) and month.to_schools == pytest.approx(45_000.0)
    assert alliance.reserves_eur == pytest.approx(5000.0)


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
    costs = support_costs(np.zeros(4, dtype=np.int64), setting, indication, need, (3, 4), 14_000.0, False, law, 1, 1.0)
    assert costs.deductions[0] == pytest.approx(10_000.0)  # the cluster 3 place; the cluster 1 place is national
    assert costs.arrangements[0] == pytest.approx(14_000.0)  # the cluster 4 pupil in a regular school


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


def test_the_pupil_model_share_is_what_a_tlv_brings_the_school():
    reward = school.indication_reward_eur(7000.0, np.array([False, True, True]), np.array([0.0, 0.5, 0.0]), 14_000.0)
    assert list(reward) == [7000.0, 7000.0, 0.0]


def test_skilled_teachers_notice_more_needs_and_carry_more_in_class():
    assert school.notice_needs(np.full(1000, 0.9), B.detect_rate, U).sum() > school.notice_needs(np.full(1000, 0.2), B.detect_rate, U).sum()
    setting = np.full(2, Setting.BAO)
    carried = school.support_carried(setting, np.array([0.2, 0.9], dtype=np.float32), np.zeros(2, bool), None, B)
    assert carried[1] > carried[0]
    with_expertise = school.support_carried(setting, np.array([0.2, 0.9], dtype=np.float32), np.zeros(2, bool),
                                            np.full(2, 1.0), B)
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


def test_zorgplicht_and_doorzettingsmacht_speed_the_return_of_found_children():
    found = np.array([True, True])
    months = np.array([1, 1])
    care = np.zeros(2, bool)
    none = municipality.return_boost(found, months, care, None, None, None, False, B)
    both = municipality.return_boost(found, months, care, np.array([True, False]), np.ones(2), np.array([True, True]),
                                     False, B)
    assert list(none) == [1.0, 1.0]
    assert both[0] > both[1] > 1.0


def test_more_attendance_officers_find_more_children():
    n = len(U)
    few = municipality.officers_find(np.zeros(n, bool), np.full(n, 0.5), B, U).sum()
    many = municipality.officers_find(np.zeros(n, bool), np.full(n, 2.0), B, U).sum()
    assert many > few and not municipality.officers_find(np.ones(n, bool), np.full(n, 2.0), B, U).any()


def test_no_exemption_where_the_law_allows_none():
    n = len(U)
    args = (np.ones(n, bool), np.full(n, 5.0))
    assert municipality.grant_exemption(*args, True, np.full(n, 1.0), B, U).any()
    assert not municipality.grant_exemption(*args, False, np.full(n, 1.0), B, U).any()
