"""Passend onderwijs against pupil-bound funding carried on (no_reform), on common random numbers: same seed, same
country, same draws for every named decision, so the runs differ only through the reform's rules."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from passend.experiments.one_run import simulate_rows
from passend.experiments.scenarios import get_scenario
from passend.model.model import WorldModel
from passend.engine.ledger import PAYERS, RECEIVERS, STREAMS
from passend.engine.settings import RunSettings
from test_invariants import check_month

SEEDS = (2, 3)
SCALE = 0.05  # at 0.02 an alliance's few pupils make the gap between losers and gainers mostly chance
WSNS = ("wsns", "sbo_wsns")  # the WSNS alliances' light-care money (old system), spent on care the ledger does not split
END = dt.date(2020, 10, 31)  # equalisation complete from 2020-08-01; one more count


def paired_runs(budget_response: float | None = None) -> dict[str, list]:
    runs = {}
    for scenario in ("default", "no_reform"):
        policy, behaviour = get_scenario(scenario).build()
        if budget_response is not None:
            behaviour = behaviour.replace(tlv_budget_response=budget_response)
        runs[scenario] = [simulate_rows(RunSettings(seed=s, scale=SCALE, end=END), behaviour, policy, scenario) for s in SEEDS]
    return runs


@pytest.fixture(scope="module")
def reform():
    return paired_runs()


def inflow_since_reform(run) -> float:
    return sum(y["inflow_sbo"] + y["inflow_so"] + y["inflow_vso"] for y in run.school_years if y["school_year"] >= "2014")


def special_share_change_by_sign(runs: dict[str, list]) -> dict[str, float]:
    """Per equalisation sign: the reform's effect on the alliances' special-school share (sbo + so + vso) in 2019,
    reform minus no_reform, pupil-weighted over alliances and averaged over seeds (percentage points)."""
    effect = {"lose": [], "gain": []}
    for reformed, baseline in zip(runs["default"], runs["no_reform"]):
        def by_alliance(rows, year):
            return {r["alliance"]: r for r in rows if r["date"].startswith(str(year))}
        base, after, without = by_alliance(reformed.alliances, 2013), by_alliance(reformed.alliances, 2019), by_alliance(baseline.alliances, 2019)
        share = lambda r: r["sbo_share"] + r["so_share"] + r["vso_share"]
        for sign in effect:
            names = [a for a, r in base.items() if r["equalisation_sign"] == sign]
            weights = np.array([base[a]["pupils"] for a in names], dtype=float)
            difference = np.array([share(after[a]) - share(without[a]) for a in names])
            effect[sign].append(100 * float((difference * weights).sum() / weights.sum()))
    return {sign: float(np.mean(values)) for sign, values in effect.items()}


def test_the_reform_lowers_inflow_into_sbo_and_special_schools(reform):
    for reformed, baseline in zip(reform["default"], reform["no_reform"]):
        assert inflow_since_reform(reformed) < 0.99 * inflow_since_reform(baseline)


def test_the_runs_agree_until_the_reform(reform):
    for reformed, baseline in zip(reform["default"], reform["no_reform"]):
        before = [c for c in reformed.counts if c["date"] < "2014-08-01"]
        assert before == [c for c in baseline.counts if c["date"] < "2014-08-01"]


def test_alliances_that_lose_under_equalisation_cut_special_participation_more(reform):
    effect = special_share_change_by_sign(reform)
    assert effect["lose"] < effect["gain"] - 0.05, effect


def test_the_gap_between_losers_and_gainers_comes_from_the_budget_link(reform):
    """The same comparison with alliances deaf to their budget: the gap between losers and gainers shrinks to what
    chance and the alliances' other differences give, so the previous test measures the budget link."""
    linked = special_share_change_by_sign(reform)
    deaf = special_share_change_by_sign(paired_runs(budget_response=0.0))
    gap = lambda effect: effect["gain"] - effect["lose"]
    # losers and gainers also differ through reserves, arrangements and referral charges, which stay when the TLV
    # thresholds are deaf to the budget (measured at this scale and these seeds: gaps 0.16 linked, 0.04 deaf)
    assert gap(linked) > gap(deaf) + 0.05, (linked, deaf)


def test_equalisation_has_gainers_and_losers_in_both_sectors(reform):
    rows = [r for r in reform["default"][0].alliances if r["date"].startswith("2019")]
    for sector in ("po", "vo"):
        signs = {r["equalisation_sign"] for r in rows if r["sector"] == sector}
        assert signs == {"gain", "lose"}
    # from August 2020 every alliance of a sector gets the same amount per pupil, a year earlier not yet
    for year, n_amounts in ((2019, lambda n: n > 1), (2020, lambda n: n == 1)):
        rows = [r for r in reform["default"][0].alliances if r["date"].startswith(str(year)) and r["sector"] == "po"]
        assert n_amounts(len({round(r["amount_eur_per_pupil"], 6) for r in rows})), year


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.sampled_from([0.004, 0.007]))
def test_every_euro_is_booked_to_a_payer_and_a_receiver_every_month(seed, scale):
    """Through the switch to passend onderwijs and lwoo/pro joining the alliances (January 2016): every pupil in one setting (as before 2014), the
    payments by payer and by receiver add up to the same total, and every alliance's money balances: income and lump
    sum deductions, referral charges and reserves drawn = deductions, arrangements, central expertise, money to schools
    and reserves kept."""
    model = WorldModel(RunSettings(seed=seed, scale=scale, end=dt.date(2016, 3, 31)))
    while model.step_index < model.n_steps:
        before = len(model.world.pupils)
        reserves_before = model.world.alliances.reserves_eur.copy()
        model.step()
        model.step_index -= 1
        check_month(model, before)
        model.step_index += 1
        row = model.world.record.months[-1]
        paid = sum(row[f"pay_{p}_eur"] for p in PAYERS)
        received = sum(row[f"receive_{r}_eur"] for r in RECEIVERS)
        streams = sum(row[f"spend_{s}_eur"] for s in STREAMS)
        assert paid == pytest.approx(streams, rel=1e-9) and received == pytest.approx(streams, rel=1e-9)
        assert all(row[f"spend_{s}_eur"] >= 0 for s in STREAMS)
        # the alliances' account: every stream into or out of them but the old system's WSNS light-care money
        into = sum(row[f"spend_{s}_eur"] for s, (_, to) in STREAMS.items() if to == "alliances" and s not in WSNS)
        out = sum(row[f"spend_{s}_eur"] for s, (by, _) in STREAMS.items() if by == "alliances" and s not in WSNS)
        assert into > 0 or row["date"] < "2014-08-01"
        assert into == pytest.approx(out, rel=1e-9, abs=1e-6)
        change = model.world.alliances.reserves_eur.sum() - reserves_before.sum()
        assert change == pytest.approx(row["spend_reserves_kept_eur"] - row["spend_reserves_drawn_eur"], abs=1e-6)
        # reserves may run below zero: an alliance carries an unforeseen deficit into its next plan


def test_professionalisation_raises_teacher_skill_and_the_state_pays_exactly_its_budget():
    settings = RunSettings(seed=4, scale=0.005, end=dt.date(2015, 7, 31))
    models = {}
    for name in ("no_professionalisation", "default", "professionalisation"):
        policy, behaviour = get_scenario(name).build()
        models[name] = WorldModel(settings, behaviour, policy)
        models[name].run()
    skill = {name: model.world.schools.skill.mean() for name, model in models.items()}
    assert skill["no_professionalisation"] + 0.005 < skill["default"] < skill["professionalisation"]
    paid = {name: {r["school_year"]: r["spend_professionalisation_eur"] for r in model.world.record.school_years}
            for name, model in models.items()}
    assert paid["default"]["2011-2012"] == 0 and paid["default"]["2012-2013"] == pytest.approx(100e6)
    assert paid["default"]["2013-2014"] == pytest.approx(150e6) and paid["professionalisation"]["2014-2015"] == pytest.approx(300e6)
    assert paid["no_professionalisation"]["2013-2014"] == 0


def test_a_prescribed_distribution_model_is_every_alliance_s_mix_from_its_date():
    policy, behaviour = get_scenario("school_model_everywhere").build()
    model = WorldModel(RunSettings(seed=4, scale=0.005, end=dt.date(2014, 9, 30)), behaviour, policy)
    model.run()
    a = model.world.alliances
    assert np.all(a.school_model == 1.0) and np.all(a.expertise_model == 0.0) and np.all(a.pupil_model == 0.0)
