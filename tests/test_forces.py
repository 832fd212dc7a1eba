"""The forces that shape the years after 2016 (issue 33): each acts through the decisions of the actors who meet it,
each outside condition is dated and sourced, and a scenario switches each off."""

import datetime as dt
import tomllib
from importlib import resources

import numpy as np
import pytest
from scipy.stats import norm

from passend.agents import school
from passend.engine import demography
from passend.engine.behaviour import Behaviour
from passend.engine.policy import PolicyTimeline
from passend.engine.settings import RunSettings
from passend.experiments.one_run import simulate_rows
from passend.experiments.scenarios import get_scenario
from test_decisions import LAW, one_alliance

B = Behaviour()
U = np.linspace(0.0005, 0.9995, 1000)  # the same draws for every variant: a difference comes from the rule
FORCES_OFF = ("without_teacher_shortage", "without_complex_needs_growth", "without_jeugdwet",
              "without_thuiszitterspact", "without_lwoo_in_alliances", "no_equalisation", "without_reserve_precaution")
"""The scenario or reform that switches off each force docs/long-run.md shows."""


def conditions() -> dict[str, dict]:
    folder = resources.files("passend.engine") / "conditions"
    return {name: table for entry in folder.iterdir() if entry.name.endswith(".toml")
            for name, table in tomllib.loads(entry.read_text()).items()}


# --- the conditions: sourced, with a stated projection --------------------------------------------------------------
def test_every_outside_condition_names_its_source_and_states_its_projection_after_the_last_published_year():
    found = conditions()
    assert {"teacher_posts_unfilled_share", "complex_needs_index"} <= set(found)
    timeline = PolicyTimeline.baseline()
    for name, table in found.items():
        assert name in timeline, name  # read from the same timeline as the law, so a reform overlays it alike
        assert len(table["reference"]) > 80, name
        if len({str(v) for v in table["values"].values()}) > 1:  # a condition that changes says what it does later
            assert "Projection after" in table["reference"], name


def test_a_reform_overlays_a_condition_as_it_overlays_a_rule():
    policy, _ = get_scenario("without_teacher_shortage").build()
    assert policy.at("teacher_posts_unfilled_share", dt.date(2024, 9, 1)) == [0.0, 0.0]
    assert PolicyTimeline.baseline().at("teacher_posts_unfilled_share", dt.date(2024, 9, 1))[0] > 0.05


@pytest.mark.parametrize("name", FORCES_OFF)
def test_each_force_can_be_switched_off_by_a_registered_scenario(name):
    policy, behaviour = get_scenario(name).build()
    default_policy, default_behaviour = get_scenario("default").build()
    assert default_policy.first_difference(policy) is not None or behaviour != default_behaviour


# --- the teacher labour market: schools cover unstaffed classes from their support time ------------------------------
def test_a_school_short_of_teachers_covers_classes_from_its_support_time_the_more_the_tighter_the_market():
    pupils, sector = np.full(1000, 300.0), np.zeros(1000, dtype=np.int8)
    lost = {share: school.cover_unstaffed_classes(pupils, sector, [share, 0.0], U) for share in (0.0, 0.01, 0.05, 0.2)}
    assert not lost[0.0].any()
    means = [lost[s].mean() for s in (0.0, 0.01, 0.05, 0.2)]
    assert means == sorted(means) and means[1] > 0.0 and means[-1] > 0.9
    assert ((lost[0.05] >= 0.0) & (lost[0.05] <= 1.0)).all()
    # a school's posts follow its pupils: a run at a smaller scale (fewer, larger schools) loses the same share
    larger = school.cover_unstaffed_classes(pupils * 4, sector, [0.01, 0.0], U)
    assert larger.mean() == pytest.approx(lost[0.01].mean(), rel=0.25)


def test_a_school_that_lost_support_time_carries_less_and_asks_for_support_and_refers_sooner():
    b = B.replace(shortage_support_loss=0.5)
    skill = np.full(2, 0.5)
    assert np.diff(school.basic_support(skill, None, b, np.array([0.0, 1.0])))[0] == pytest.approx(-0.5)
    need, know_how, zero = np.zeros(1000), np.full(1000, 0.3), np.zeros(1000)
    asks = [school.ask_for_indication(need, know_how, zero, zero, zero, b, U, lost).mean() for lost in (0.0, 1.0)]
    refers = [school.refer_to_sbo(np.full(1000, 1.5), zero, zero, None, b, U, lost).mean() for lost in (0.0, 1.0)]
    assert asks[1] > asks[0] and refers[1] > refers[0]
    # without the shortage's loss, the same school decides as before
    assert school.ask_for_indication(need, know_how, zero, zero, zero, b.replace(shortage_support_loss=0.0), U,
                                     1.0).mean() == asks[0]


def test_teachers_cannot_be_freed_for_training_while_their_school_covers_unstaffed_classes():
    skill = np.full(2, 0.5, dtype=np.float32)
    trained = school.professionalise(skill, 100.0, 0.1, np.array([0.0, 1.0]))
    assert trained[0] == pytest.approx(0.55) and trained[1] == pytest.approx(0.5)


# --- children's complex problems: a shift of the need the youth-care count anchors -----------------------------------
@pytest.mark.parametrize("index", [80.0, 100.0, 115.0, 150.0])
def test_the_need_shift_puts_the_indexed_share_of_children_above_the_2015_youth_care_level(index):
    base = 0.105
    shift = demography.complex_needs_shift(index, base, 1.0)
    above = norm.sf(norm.isf(base) - shift)  # needs standard normal in 2015, then shifted
    assert above == pytest.approx(base * index / 100.0)
    assert demography.complex_needs_shift(index, base, 2.0) == pytest.approx(2.0 * shift)  # on the model's scale


# --- the alliance's reserves against the coming fall of its income ----------------------------------------------------
def test_an_alliance_that_will_lose_under_equalisation_keeps_a_precaution_and_spends_it_as_the_fall_comes():
    b = B.replace(reserve_precaution=1.0, reserve_adjustment_rate=0.5, reserve_target=1.0)
    signal = 350_000.0  # max(3.5% of 10 M, 250,000)
    loser = one_alliance(reserves_eur=signal)
    loser.plan_reserves(10e6, LAW, b, 1e6)  # its income falls by 1 M a year by the path's end
    assert loser.reserve_precaution_eur == pytest.approx(1e6)
    assert loser.plan_reserve_change_eur == pytest.approx(0.5 * 1e6)  # it puts money aside
    gainer = one_alliance(reserves_eur=signal)
    gainer.plan_reserves(10e6, LAW, b, 0.0)
    assert gainer.plan_reserve_change_eur == pytest.approx(0.0, abs=1e-6)
    # once the fall has come, what it kept is above its target: it spends it
    after = one_alliance(reserves_eur=signal + 1e6)
    after.plan_reserves(10e6, LAW, b, 0.0)
    assert after.plan_reserve_change_eur == pytest.approx(-0.5 * 1e6)
    # the Inspectorate accepts the precaution its risk analysis justifies: an instruction spends only what lies above
    instructed = one_alliance(reserves_eur=signal + 2e6, reserves_instructed=True)
    instructed.plan_reserves(10e6, LAW, b, 1e6)
    assert instructed.plan_reserve_change_eur == pytest.approx(-1e6)


# --- in a run ----------------------------------------------------------------------------------------------------------
SCALE, END = 0.02, dt.date(2019, 7, 31)


def run_with(overlay: dict, seed: int = 2, **behaviour):
    policy, b = get_scenario("default").build()
    for name, values in overlay.items():
        policy = policy.with_values(name, values)
    return simulate_rows(RunSettings(seed=seed, scale=SCALE, end=END), b.replace(**behaviour), policy)


def school_year(rows, label: str) -> dict:
    return next(r for r in rows.school_years if r["school_year"] == label)


def test_more_children_with_complex_problems_bring_more_children_to_so_and_more_exemptions():
    steady = run_with({"complex_needs_index": {dt.date(2003, 8, 1): 100.0}})
    doubled = run_with({"complex_needs_index": {dt.date(2003, 8, 1): 100.0, dt.date(2016, 1, 1): 200.0}})
    assert school_year(steady, "2017-2018")["need_shift"] == 0.0
    assert school_year(doubled, "2017-2018")["need_shift"] == pytest.approx(
        demography.complex_needs_shift(200.0, 0.105, B.need_sd), abs=1e-4)
    so = {r["date"]: r["so"] for r in steady.counts}, {r["date"]: r["so"] for r in doubled.counts}
    assert so[0]["2015-10-01"] == so[1]["2015-10-01"]  # the same world until the index moves
    assert so[1]["2018-10-01"] > 1.1 * so[0]["2018-10-01"]
    assert school_year(doubled, "2017-2018")["exempt_5a"] > school_year(steady, "2017-2018")["exempt_5a"]


def test_a_tighter_teacher_labour_market_brings_more_referrals_to_sbo_and_more_children_home():
    calm = run_with({"teacher_posts_unfilled_share": {dt.date(2003, 8, 1): [0.0, 0.0]}}, shortage_support_loss=0.5)
    tight = run_with({"teacher_posts_unfilled_share": {dt.date(2003, 8, 1): [0.0, 0.0],
                                                       dt.date(2016, 8, 1): [0.1, 0.05]}}, shortage_support_loss=0.5)
    year = "2017-2018"
    assert school_year(calm, year)["support_time_lost"] == 0.0 < school_year(tight, year)["support_time_lost"]
    assert school_year(tight, year)["inflow_sbo"] > school_year(calm, year)["inflow_sbo"]
    assert school_year(tight, year)["home_over_3_months"] >= school_year(calm, year)["home_over_3_months"]
    assert school_year(tight, "2015-2016") == school_year(calm, "2015-2016")  # the same world until the market moves
