"""Compare and sensitivity: known responses through the commands researchers use."""

import csv
import datetime as dt

import pytest

from passend.experiments.cli import main
from passend.experiments.compare import effects_by_year, run_pairs
from passend.experiments.scenarios import alternative, get_scenario


@pytest.fixture(scope="module")
def cut_2012():
    base = get_scenario("default")
    settings = [base.run_settings(seed=s, scale=0.01, end=dt.date(2015, 7, 31)) for s in (5, 6)]
    return run_pairs(base, alternative(base, "cut_2012_300m"), settings, n_jobs=2)


def test_the_staffing_cut_saves_the_state_without_moving_pupils_before_the_alliances_hold_budgets(cut_2012):
    assert cut_2012.first_year == 2012
    rows = {(r["measure"], r["year"]): r for r in effects_by_year(cut_2012)}
    # 1,200 EUR less per (v)so place from August 2012: ~70,000 places, ~84 M a year
    saved = rows[("pay_state_eur", 2012)]
    assert -95e6 < saved["effect_mean"] < -75e6 and saved["effect_high"] < 0
    for measure in ("sbo", "so", "vso", "rugzak", "home"):  # no channel from class size to choices
        assert rows[(measure, 2013)]["effect_mean"] == 0
    # from August 2014 the ambulant-support cut tightens the alliances' admissions: fewer TLVs for (v)so
    assert rows[("inflow_so", 2014)]["effect_mean"] + rows[("inflow_vso", 2014)]["effect_mean"] < 0


def test_compare_writes_a_report_a_reader_can_quote(tmp_path):
    out = tmp_path / "report"
    assert main(["compare", "default", "doorzettingsmacht_everywhere", "--seeds", "2", "--scale", "0.005",
                 "--end", "2017-07-31", "--jobs", "2", "--out", str(out)]) == 0
    text = (out / "report.md").read_text()
    for heading in ("Headline", "Spending per payer", "Pupils per setting", "Thuiszitters", "Distribution over the 152"):
        assert heading in text
    assert "doorzettingsmacht_share" in text and "90% interval" in text
    with open(out / "effects_cumulated.csv") as f:
        measures = {row["measure"] for row in csv.DictReader(f)}
    assert {"pay_state_eur", "pay_alliances_eur", "pay_school_lump_sums_eur", "pay_municipalities_eur",
            "long_relative_absence", "sbo", "so", "vso"} <= measures
    assert (out / "effects.png").stat().st_size > 10_000 and (out / "alliance_effects.png").exists()
    assert "Who gains and who loses" in text and (out / "who_gains.png").exists()
    with open(out / "who_gains.csv") as f:
        gains = list(csv.DictReader(f))
    assert {r["dimension"] for r in gains} >= {"need (quintiles)", "parents' resources (quintiles of push)",
                                              "setting in the base run", "alliance: equalisation"}


def test_sensitivity_ranks_parameters_and_a_higher_reward_raises_labelling(tmp_path):
    spec = tmp_path / "sens.toml"
    spec.write_text("""
[sweep]
design = "morris"
samples = 3
outcomes = ["indications@2006"]
[settings]
scale = 0.004
end = 2007-07-31
[parameters.apply_reward]
range = [0.05, 0.4]
[parameters.sbo_cost]
range = [0.0, 1.0]

[[response]]
parameter = "policy.rugzak_school_eur"
values = [6000, 10000, 14000]
outcomes = ["indications@2006"]
replicates = 3
""")
    out = tmp_path / "out"
    assert main(["sensitivity", str(spec), "--out", str(out), "--jobs", "2", "--quiet"]) == 0
    with open(out / "sensitivity.csv") as f:
        mu_star = {r["parameter"]: float(r["value"]) for r in csv.DictReader(f) if r["index"] == "mu_star"}
    # the reward for an indication drives indications more than the cost of an sbo referral does
    assert mu_star["apply_reward"] > mu_star["sbo_cost"]
    with open(out / "response_slopes.csv") as f:
        slope, = list(csv.DictReader(f))
    assert slope["per"] == "1,000 EUR" and float(slope["slope_low"]) > 0
    assert (out / "sensitivity.png").exists() and (out / "response_curves.png").exists()
