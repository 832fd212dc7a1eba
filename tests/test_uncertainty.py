"""Parameter uncertainty (issue 15): an ensemble made by ABC-SMC, parameter sets drawn from it, and intervals that
split an effect's variance between the parameters and the seeds."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import passend
from passend.experiments import ensemble
from passend.experiments.intervals import effect_interval, mean_interval
from passend.experiments.targets import CALIBRATION_LAST_YEAR
from passend.engine.behaviour import SPECS, calibrated_names, history_match_names
from passend.engine.errors import ConfigError


def test_one_parameter_set_gives_the_seed_only_interval():
    d = np.array([1.0, 3.0, 2.5, 1.5])
    e = effect_interval([d])
    assert (e["mean"], e["low"], e["high"]) == mean_interval(d) and e["parameter_share"] == 0.0


def test_sets_that_differ_widen_the_interval_and_the_parameters_take_the_variance():
    rng = np.random.default_rng(4)
    sets = [level + rng.normal(0, 0.1, 5) for level in (-3.0, 0.0, 2.0, 5.0)]  # the parameters matter, seeds little
    e = effect_interval(sets)
    assert e["parameter_share"] > 0.95
    assert e["high"] - e["low"] > 10 * (e["seed_high"] - e["seed_low"])
    same = effect_interval([rng.normal(1.0, 1.0, 5) for _ in range(4)])  # the sets do not matter: seeds only
    assert same["parameter_share"] < 0.5


def test_systematic_draws_follow_the_weights():
    members = pd.DataFrame({"a": [0.0, 1.0, 2.0], "weight": [0.5, 0.25, 0.25]})
    drawn = [s["a"] for s in ensemble.draw(members, 8, seed=3)]
    assert sorted(drawn) == [0.0] * 4 + [1.0] * 2 + [2.0] * 2
    with pytest.raises(ConfigError, match="parameter-sets"):
        ensemble.draw(members, 0, seed=3)
    with pytest.raises(ConfigError, match="ensemble"):
        ensemble.load(Path("/nonexistent"))


def test_an_ensemble_of_one_point_reproduces_todays_seed_only_comparison(tmp_path):
    folder = tmp_path / "one_point"
    folder.mkdir()
    names = calibrated_names()
    pd.DataFrame([{**{n: SPECS[n].default for n in names}, "weight": 1.0}]).to_csv(folder / ensemble.ENSEMBLE_CSV,
                                                                                     index=False)
    (folder / ensemble.ENSEMBLE_JSON).write_text(json.dumps({"size": 1, "effective_sample_size": 1.0}))
    common = dict(seeds=3, scale=0.003, end="2013-07-31")
    seeds_only = passend.compare("default", "cut_2012_300m", **common)
    one_point = passend.compare("default", "cut_2012_300m", uncertainty="parameters", parameter_sets=1,
                                ensemble=folder, **common)
    columns = ["measure", "year", "effect_mean", "effect_low", "effect_high"]
    assert one_point.effects_by_year[columns].equals(seeds_only.effects_by_year[columns])
    assert (one_point.effects_by_year["parameter_variance_share"] == 0).all()


def test_a_run_gives_one_ratio_per_calibration_target():
    from passend.experiments.targets import targets_of_group

    ratios = ensemble.simulated_ratios({}, seed=3, scale=0.002)
    assert list(ratios) == [t.name for t in targets_of_group(None)]
    assert all(np.isfinite(v) and v > 0 for v in ratios.values())


def test_abc_smc_makes_an_ensemble_that_loads_and_describes_itself(tmp_path, monkeypatch):
    # The sampler, distance, summary and files, on a stand-in for the model run (checked on its own above): each
    # target's ratio moves with the first calibrated parameter, so that the ABC has something to accept.
    from passend.experiments.targets import targets_of_group

    first = calibrated_names()[0]
    names = [t.name for t in targets_of_group(None)]
    monkeypatch.setattr(ensemble, "simulated_ratios", lambda values, seed, scale: {
        name: 1.0 + 0.1 * (values[first] - SPECS[first].default) + 0.01 * np.random.default_rng(seed).normal()
        for name in names})
    settings = ensemble.EnsembleSettings(population=20, generations=2, scale=0.002, sampler="single", seed=5)
    history = ensemble.run_abc(settings, tmp_path / "abc.db", report=lambda line: None)
    members, meta, fit = ensemble.summarise(history, settings, seconds=1.0)
    ensemble.write_ensemble(tmp_path / "out", members, meta, fit, history)
    loaded, described = ensemble.load(tmp_path / "out")
    assert len(loaded) == 20 and loaded["weight"].sum() == pytest.approx(1.0)
    assert 1.0 <= described["effective_sample_size"] <= 20 and described["targets_through"] == CALIBRATION_LAST_YEAR
    assert described["generations_run"] == 2
    box = ensemble.prior_box(settings.prior_width)
    for name in calibrated_names():  # every set inside its prior
        assert loaded[name].between(*box[name]).all()
    assert len(fit) == described["targets"] and (fit["simulated_low"] <= fit["simulated_high"]).all()
    assert {p.name for p in (tmp_path / "out").glob("*.png")} == {"ensemble_marginals.png", "ensemble_pairs.png",
                                                                 "ensemble_fit.png"}
    with pytest.raises(ConfigError, match="prior-width"):
        dataclasses.replace(settings, prior_width=0.0).check()


def test_the_shipped_ensemble_is_complete_inside_the_bounds_and_fitted_inside_the_calibration_window():
    members, described = ensemble.load()
    # never fitted to a year kept back
    assert described["targets_through"] <= CALIBRATION_LAST_YEAR and described["size"] == len(members) >= 50
    assert members["weight"].sum() == pytest.approx(1.0)
    assert described["effective_sample_size"] == pytest.approx(1 / (members["weight"] ** 2).sum(), rel=1e-3)
    fitted = [c for c in members.columns if c != "weight"]
    assert set(fitted) <= set(history_match_names())  # the rest keep their shipped values
    for name in fitted:
        low, high = SPECS[name].bounds
        assert members[name].between(low, high).all(), name
    drawn = ensemble.draw(members, 4, seed=1)
    assert len(drawn) == 4 and set(drawn[0]) == set(fitted)


def test_passend_compare_with_parameter_uncertainty_and_decompose_reports_both_intervals_and_parts(tmp_path):
    """The issue's command (compare default cut_2012_300m --uncertainty parameters --decompose) at a small scale."""
    from passend.experiments.cli import main

    out = tmp_path / "report"
    assert main(["compare", "default", "cut_2012_300m", "--uncertainty", "parameters", "--parameter-sets", "2",
                 "--decompose", "--seeds", "2", "--scale", "0.003", "--end", "2013-07-31", "--jobs", "2",
                 "--out", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert "How sure: parameters against seeds" in text and "parameter sets drawn from the ensemble" in text
    members, _ = ensemble.load()
    for name in set(history_match_names()) - set(members.columns):  # said where the report says what the sets cover
        assert f"`{name}`" in text, name
    cumulated = pd.read_csv(out / "effects_cumulated.csv")
    assert {"seed_only_low", "seed_only_high", "parameter_variance_share"} <= set(cumulated.columns)
    assert cumulated["parameter_variance_share"].between(0, 1).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["uncertainty"] == "parameters" and len(manifest["parameter_sets"]) == 2 and manifest["decompose"]

    assert "## Mechanical and behavioural effects" in text and "decomposition.png" in text
    parts = pd.read_csv(out / "decomposition_by_year.csv").pivot_table(
        index=["measure", "year"], columns="part", values="effect_mean")
    assert ((parts["mechanical"] + parts["behavioural"] - parts["total"]).abs() < 1e-3).all()
    # 2012/13: the cheaper (v)so place is all arithmetic, since nobody's choice depends on it before 2014
    assert parts.loc[("pay_state_eur", 2012), "mechanical"] < 0
    assert parts.loc[("pay_state_eur", 2012), "behavioural"] == 0.0
    assert {"seed_only_low", "parameter_variance_share"} <= set(pd.read_csv(out / "decomposition_cumulated.csv"))
    assert set(pd.read_csv(out / "runs_by_seed.csv")["scenario"]) == {"base", "alternative", "mechanical"}
