"""Children at home come from decisions: known responses of the schools, parents, officers and municipalities who
decide on them, under common random numbers (same seed: a difference comes from the decision, not from chance)."""

import datetime as dt

import pytest

from passend.experiments.one_run import simulate_rows
from passend.engine.behaviour import Behaviour
from passend.engine.policy import PolicyTimeline
from passend.engine.settings import RunSettings

SETTINGS = RunSettings(seed=5, scale=0.02, end=dt.date(2010, 7, 31))


def year(run, label, column):
    return next(r[column] for r in run.school_years if r["school_year"] == label)


def total(run, column, first="2003", last="2099"):
    return sum(r[column] for r in run.school_years if first <= r["school_year"] <= last)


@pytest.fixture(scope="module")
def baseline():
    return simulate_rows(SETTINGS)


def test_more_attendance_officers_register_more_absolute_absence_while_the_true_count_stays(baseline):
    """Officers find children registered at no school: with three times the officers from August 2009 the register
    holds more of them in 2009/10, while how many children were registered nowhere that year hardly moves (the
    officers' follow-up shortens spells, it does not prevent them)."""
    policy = PolicyTimeline.baseline().with_values("attendance_officers_factor", {dt.date(2009, 8, 1): 3.0})
    more = simulate_rows(SETTINGS, policy=policy)
    assert year(more, "2008-2009", "absolute_absence") == year(baseline, "2008-2009", "absolute_absence")
    registered = year(more, "2009-2010", "absolute_absence") / year(baseline, "2009-2010", "absolute_absence")
    true = year(more, "2009-2010", "true_absolute_absence") / year(baseline, "2009-2010", "true_absolute_absence")
    assert registered > 1.15, registered
    assert abs(true - 1.0) < 0.05, true


def test_with_no_place_in_reach_exemptions_rise(baseline):
    """When no school will take a child at home, parents ask for, and municipalities grant, more exemptions."""
    closed = simulate_rows(SETTINGS, Behaviour().replace(admit_intercept=-8.0))
    assert total(closed, "sent_on") > 3 * total(baseline, "sent_on")
    assert total(closed, "exemptions_granted") > 1.3 * total(baseline, "exemptions_granted")


def test_an_exemption_that_is_not_renewed_sends_the_child_back_to_find_a_school(baseline):
    ending = simulate_rows(SETTINGS, Behaviour().replace(exemption_end_rate=1.0))
    assert total(baseline, "home_in_exemption_ended") < total(ending, "home_in_exemption_ended")
    assert year(ending, "2009-2010", "exempt_5a") < year(baseline, "2009-2010", "exempt_5a")


def test_the_register_never_holds_more_than_was_true(baseline):
    for row in baseline.school_years:
        assert row["long_relative_absence"] <= row["true_long_relative_absence"]
        assert row["absolute_absence"] <= row["true_absolute_absence"]
        assert row["home_over_3_months"] <= row["true_home_over_3_months"]
    assert sum(r["true_long_relative_absence"] - r["long_relative_absence"] for r in baseline.school_years) > 0


def test_stricter_transport_rules_save_the_municipalities_money_and_keep_children_from_their_place(baseline):
    policy = PolicyTimeline.baseline().with_values("transport_strictness_added", {dt.date(2008, 8, 1): 0.6})
    strict = simulate_rows(SETTINGS, policy=policy)
    first, last = "2008-2009", "2009-2010"
    assert total(strict, "transport_refused", first, last) > 3 * total(baseline, "transport_refused", first, last)
    assert total(strict, "places_lost_to_transport", first, last) > total(baseline, "places_lost_to_transport", first,
                                                                          last)
    assert year(strict, last, "transport_eur") < 0.97 * year(baseline, last, "transport_eur")
    admitted = lambda run: total(run, "inflow_sbo", first, last) + total(run, "inflow_so", first, last) + total(
        run, "inflow_vso", first, last)
    assert admitted(strict) < admitted(baseline)


def test_onderwijsconsulenten_place_children_home_long_at_a_cost_to_the_state_and_capacity_limits_them(baseline):
    """With the service from 2009 (the baseline) children home over 3 months are placed by a consultant's mediation and
    fewer months are spent at home than without it; a service with a tenth of the capacity takes fewer cases."""
    without = simulate_rows(SETTINGS, policy=PolicyTimeline.baseline().with_values(
        "onderwijsconsulenten_cases_per_10000", {dt.date(2009, 8, 1): 0.0}))
    small = simulate_rows(SETTINGS, policy=PolicyTimeline.baseline().with_values(
        "onderwijsconsulenten_cases_per_10000", {dt.date(2009, 8, 1): 0.6}))
    assert total(baseline, "consultant_cases", last="2008-2009") == 0  # no service before 2009 (assumption)
    for column in ("consultant_cases", "home_out_placed_by_consultant", "spend_onderwijsconsulenten_eur"):
        assert year(baseline, "2009-2010", column) > 0 == year(without, "2009-2010", column), column
    assert year(small, "2009-2010", "consultant_cases") < 0.5 * year(baseline, "2009-2010", "consultant_cases")
    months_at_home = lambda run: sum(r["home"] for r in run.months if r["date"] >= "2009-08")
    assert months_at_home(baseline) < months_at_home(without)


def test_under_zorgplicht_a_school_keeps_a_child_it_is_bound_to_on_its_register():
    """Passend onderwijs lets a school let a pupil it is bound to go only once another school has admitted it: against
    the same run without the reform, fewer children at home are taken off their school's register per place that
    broke down, and fewer are registered nowhere; partner schools take some children the bound school declined."""
    settings = RunSettings(seed=5, scale=0.02, end=dt.date(2016, 7, 31))
    reform = simulate_rows(settings)
    old = simulate_rows(settings, policy=PolicyTimeline.baseline().with_values("regime", {dt.date(2014, 8, 1): "pupil_bound"}))
    first, last = "2014-2015", "2015-2016"
    per_breakdown = lambda run: total(run, "deregistrations", first, last) / total(run, "home_in_breakdown", first, last)
    assert per_breakdown(reform) < 0.6 * per_breakdown(old), (per_breakdown(reform), per_breakdown(old))
    assert year(reform, last, "true_absolute_absence") < year(old, last, "true_absolute_absence")
    assert total(old, "home_out_placed_at_partner_school") == 0
