"""The law of passend onderwijs as the policy documents write it (issue 32): each test fails on the rule the model had
before, which the documents contradict (kst_31497_31, kst_31497_113; sources in system_facts.toml)."""

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest

from passend.engine.population import Setting
from passend.engine.regimes import rule_sets
from passend.engine.settings import RunSettings
from passend.experiments.one_run import simulate_rows
from passend.experiments.scenarios import get_scenario
from passend.model import home

SCALE = 0.02
END = dt.date(2016, 10, 31)


def run(scenario: str = "default", seed: int = 1, **behaviour):
    policy, b = get_scenario(scenario).build()
    return simulate_rows(RunSettings(seed=seed, scale=SCALE, end=END), b.replace(**behaviour), policy, scenario)


@pytest.fixture(scope="module")
def default():
    return run()


def school_year(date: str) -> int:
    year, month = int(date[:4]), int(date[5:7])
    return year if month >= 8 else year - 1


def test_duo_deducts_nothing_before_budget_financing_starts_on_1_august_2015(default):
    # kst_31497_113: "Budgetfinanciering: op 1 augustus 2015 gaat de nieuwe bekostigingssystematiek van start"
    deducted = {m["date"]: m["spend_alliance_deductions_eur"] for m in default.months}
    assert all(eur == 0.0 for date, eur in deducted.items() if date < "2015-08-01")
    assert all(eur > 0.0 for date, eur in deducted.items() if date >= "2015-08-01")
    # the alliances already grant TLVs and hold a budget in 2014/15: the part of it that did not pay for places
    first_year = [m for m in default.months if "2014-08-01" <= m["date"] < "2015-08-01"]
    assert all(m["spend_alliance_budget_eur"] > 0.0 for m in first_year)
    assert sum(m["spend_alliance_budget_eur"] for m in first_year) < sum(
        m["spend_alliance_budget_eur"] for m in default.months if "2015-08-01" <= m["date"] < "2016-08-01")


def test_no_alliance_has_reserves_below_zero_and_overspending_is_settled_with_the_schools_lump_sums(default):
    # kst_31497_31: DUO settles the rest "met de reguliere lumpsum bekostiging van de scholen"
    rows = [a for a in default.alliances if a["date"] >= "2014-10-01"]
    assert min(a["reserves_eur"] for a in rows) >= 0.0
    overspent = [a for a in rows if a["overspent_eur"] > 0.0]
    assert overspent, "no alliance overspent in this run: the test cannot see the rule"
    assert all(a["lump_sum_deductions_eur"] >= a["overspent_eur"] for a in overspent)
    assert sum(m["spend_lump_sum_deductions_eur"] for m in default.months) >= sum(a["overspent_eur"] for a in rows)


def test_no_rugzak_is_counted_or_paid_from_august_2014(default):
    # kst_31497_113: "De rugzak wordt weliswaar afgeschaft, maar het geld blijft beschikbaar"
    counts = {c["date"]: c for c in default.counts}
    assert counts["2013-10-01"]["rugzak"] > 0
    assert all(c["rugzak"] == 0 for date, c in counts.items() if date >= "2014-10-01")
    after = [m for m in default.months if m["date"] >= "2014-08-01"]
    assert all(m["spend_rugzak_school_eur"] == 0.0 and m["spend_rugzak_ambulant_eur"] == 0.0 for m in after)
    # the money stayed: the national cluster 1/2 institutions support those pupils in regular schools, at the
    # amounts last set (no count moves them any more)
    assert all(m["spend_national_institutions_eur"] > 0.0 for m in after)
    amounts = {(m["rugzak_school_eur_per_pupil"], m["rugzak_ambulant_eur_per_pupil"]) for m in after}
    assert len(amounts) == 1


def test_no_school_pays_by_the_wsns_rule_after_july_2014(default):
    after = [m for m in default.months if m["date"] >= "2014-08-01"]
    before = [m for m in default.months if "2013-08-01" <= m["date"] < "2014-08-01"]
    assert sum(m["spend_sbo_referring_schools_eur"] for m in before) > 0.0
    assert all(m["spend_sbo_referring_schools_eur"] == 0.0 and m["spend_sbo_wsns_eur"] == 0.0 for m in after)


def test_zorgplicht_binds_the_school_for_every_child_whatever_its_need():
    # kst_31497_31: "zorgplicht voor alle zorgleerlingen"; the old rule skipped every need above exempt_threshold
    pupils = SimpleNamespace(need=np.array([0.5, 2.05, 2.5, 4.0]))
    world = SimpleNamespace(pupils=pupils)
    under = lambda regime: SimpleNamespace(rules=rule_sets()[regime], behaviour=SimpleNamespace(exempt_threshold=2.1))
    idx = np.arange(4)
    assert home._duty_binds(world, under("passend"), idx).tolist() == [True] * 4
    assert home._duty_binds(world, under("pupil_bound"), idx).tolist() == [False] * 4


def test_under_a_cut_a_stronger_budget_response_grants_fewer_tlvs():
    # behaviour.toml: the response is to the relative budget loss; a cut is a loss for every alliance, so a stronger
    # response tightens everywhere (the old rule read the alliance's own deductions and admitted more)
    def tlvs(response: float) -> float:
        rows = run("cut_2012_300m", tlv_budget_response=response).alliances
        return sum(a["tlv_low"] + a["tlv_medium"] + a["tlv_high"] for a in rows if a["date"] >= "2015-10-01")

    weak, strong = tlvs(0.0), tlvs(4.0)
    assert strong < 0.9 * weak, (weak, strong)


def test_special_school_places_are_paid_whole_by_the_state_in_the_year_before_budget_financing(default):
    # in 2014/15 the state pays every (v)so place whole; from August 2015 DUO takes the supplement (45% of a place,
    # clusters 3/4: most of the pupils) from the alliance, so the state's part falls far more than the pupils do
    def paid(year: int) -> float:
        return sum(m["spend_special_schools_eur"] for m in default.months if school_year(m["date"]) == year)

    pupils = {c["date"][:4]: c["so"] + c["vso"] for c in default.counts}
    assert paid(2015) / paid(2014) < 0.8 * pupils["2015"] / pupils["2014"]


def test_the_light_support_money_goes_into_the_primary_alliances_budget_from_august_2014(default):
    # kst_31497_113: the alliances' budget holds light and heavy support; the separate WSNS stream ends
    from passend.engine.funding import light_support_eur_per_pupil

    assert light_support_eur_per_pupil(np.array([0, 1]), {"wsns_eur": 158.0}).tolist() == [158.0, 0.0]
    before = [m for m in default.months if "2013-08-01" <= m["date"] < "2014-08-01"]
    after = [m for m in default.months if m["date"] >= "2014-08-01"]
    assert all(m["spend_wsns_eur"] > 0 for m in before) and all(m["spend_wsns_eur"] == 0 for m in after)


def test_children_registered_nowhere_and_exempted_children_do_not_count_in_an_alliances_pupils():
    # valk_2019: thuiszitters "tellen ... niet mee in de bekostiging"; the count is of registered pupils
    from passend.model.money import alliance_pupils

    pupils = SimpleNamespace(setting=np.array([Setting.BAO, Setting.HOME, Setting.HOME, Setting.EXEMPT]),
                             unregistered=np.array([False, False, True, False]))
    world = SimpleNamespace(pupils=pupils, alliances=[0, 1], alliance_of=lambda year: np.array([0, 0, 0, 1]))
    month = SimpleNamespace(school_year=2016, scale=1.0)
    assert alliance_pupils(world, month).tolist() == [2.0, 0.0]  # the registered child at home counts


def test_the_lwoo_pro_budget_follows_the_pupils_of_the_year_at_the_participation_of_2012(default):
    # vgr9: "deelnamepercentage van 2012" (a share), not a sum of euros frozen in 2012
    budget = {m["date"]: m["spend_lwoo_pro_budget_eur"] for m in default.months}
    assert budget["2015-12-01"] == 0.0 and budget["2016-01-01"] > 0.0
    spring, autumn = budget["2016-07-01"], budget["2016-08-01"]
    assert spring != autumn and abs(autumn / spring - 1.0) < 0.05  # this year's pupils, at the same share
