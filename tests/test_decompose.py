"""Mechanical and behavioural effects (passend compare --decompose): the reform's rules booked on the base run's own
decisions (passend.model.mechanical)."""

import datetime as dt

import numpy as np
import pytest

import passend
from passend.experiments.compare import PARTS, SPENDING
from passend.experiments.one_run import simulate_rows
from passend.experiments.scenarios import get_scenario
from passend.engine.settings import RunSettings

SMALL = dict(seeds=2, scale=0.005, end="2017-07-31")
CUT_EUR = 50e6


@pytest.fixture(scope="module")
def budget_cut(tmp_path_factory):
    """A reform that changes one rule: every alliance's budget is cut by EUR 50 M a year from August 2015."""
    path = tmp_path_factory.mktemp("reforms") / "cut_50m.toml"
    path.write_text('description = "a EUR 50 M cut of the alliances\' budgets from 2015/16"\n'
                    'source = "assumption: a test"\n\n'
                    '[policy.alliance_budget_cut_eur]\nvalues = { "2015-08-01" = 50000000.0 }\n')
    # at scale 0.02 every alliance's amount per pupil is above the cut's EUR 20 a pupil: the floor at zero never bites
    return passend.compare("default", path, decompose=True, **(SMALL | {"scale": 0.02}))


def test_books_kept_by_the_runs_own_law_are_the_runs_own_books():
    policy, behaviour = get_scenario("default").build()
    run = simulate_rows(RunSettings(seed=4, scale=0.005, end=dt.date(2016, 7, 31)), behaviour, policy, mechanical=policy)
    assert len(run.mechanical) == len(run.school_years) >= 12
    for own, books in zip(run.school_years, run.mechanical):
        assert books["school_year"] == own["school_year"]
        assert {k: own[k] for k in books} == books  # every money column, to the euro
    assert any(year["pay_alliances_eur"] > 0 for year in run.mechanical)  # the alliances' years are among them


def test_the_parts_add_up_to_the_total_in_every_year_and_the_total_is_the_comparisons_effect(budget_cut):
    parts = budget_cut.decomposition.pivot_table(index=["measure", "year"], columns="part", values="effect_mean")
    assert set(parts.columns) == set(PARTS) and set(parts.index.get_level_values(0)) == set(SPENDING)
    np.testing.assert_allclose(parts["mechanical"] + parts["behavioural"], parts["total"], rtol=0, atol=1e-3)
    effects = budget_cut.effects_by_year.set_index(["measure", "year"])["effect_mean"]
    np.testing.assert_allclose(parts["total"], effects.loc[parts.index], rtol=0, atol=1e-3)
    assert (parts.loc["public_spending_net_eur", "behavioural"].abs() > 1e3).any()  # the institutions did respond


def test_a_budget_cut_is_mechanically_its_own_size_for_the_state(budget_cut):
    mechanical = budget_cut.decomposition.query("part == 'mechanical'").set_index(["measure", "year"])["effect_mean"]
    assert mechanical["pay_state_eur", 2015] == pytest.approx(-CUT_EUR, rel=1e-4)
    assert mechanical["pay_state_eur", 2016] == pytest.approx(-CUT_EUR, rel=1e-4)
    assert mechanical["pay_municipalities_eur", 2016] == 0.0  # no rule of theirs changed


def test_a_reform_that_changes_no_rule_has_no_mechanical_effect(tmp_path):
    path = tmp_path / "stricter_alliances.toml"
    path.write_text('description = "alliances that respond twice as hard to their budget"\nbase = "default"\n\n'
                    "[behaviour]\ntlv_budget_response = 1.6\n")
    result = passend.compare("default", path, decompose=True, **SMALL)
    parts = result.decomposition.pivot_table(index=["measure", "year"], columns="part", values="effect_mean")
    assert (parts["mechanical"] == 0.0).all()
    assert (parts["behavioural"] == parts["total"]).all()
    assert (parts.loc["pay_alliances_eur", "total"].abs() > 1e4).any()  # while the behaviour did move the money


def test_the_decomposition_needs_the_runs_that_keep_the_books():
    result = passend.compare("default", "cut_2012_300m", seeds=2, scale=0.003, end="2013-07-31")
    with pytest.raises(passend.ConfigError, match="decompose"):
        result.decomposition
    with pytest.raises(passend.ConfigError, match="decompose"):
        passend.compare("default", "cut_2012_300m", decompose="yes", **SMALL)
