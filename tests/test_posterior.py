"""The posterior inside what history matching left (issue 34): ABC-SMC on a fake model whose answer is known, its
files in the ensemble's format that compare reads, and what the data know per parameter."""

import json

import numpy as np
import pandas as pd
import pytest

from passend.engine.behaviour import SPECS
from passend.engine.errors import ConfigError
from passend.experiments import api, ensemble, history_match as hm, posterior


@pytest.fixture
def fake_model(monkeypatch, few_targets):
    """Six targets (emulated in this process) and a fake run: the published values moved by the first parameter
    only, so that the data pin it down and say nothing of the others."""
    six = few_targets
    names = __import__("passend.engine.behaviour", fromlist=["x"]).history_match_names()
    first = names[0]
    lo, hi = SPECS[first].bounds
    published = np.exp(six()[1].observed)

    def values(settings, parameters):
        u = (parameters.get(first, SPECS[first].default) - lo) / (hi - lo)
        noise = np.random.default_rng(settings.seed).normal(0, 0.01)
        return list(published * np.exp(1.5 * (u - 0.4) + noise))

    monkeypatch.setattr(hm, "target_values", values)

    def no_screening(folder, known, *args, **kwargs):  # the screening runs passend itself: tested on its own below
        return known.assign(screening_mu_star_share=np.where(known["parameter"] == names[1], 0.5, 0.0),
                            decision=np.where(known["pinned"], "pinned by the data", np.where(
                                known["parameter"] == names[1], "open; the outcomes depend on it",
                                "open; the outcomes do not depend on it: fixed at its shipped value")))

    monkeypatch.setattr(posterior, "screen", no_screening)
    return first


def test_the_posterior_pins_down_what_the_data_speak_to_and_ships_as_an_ensemble(tmp_path, fake_model):
    result = api.calibrate_history_match(runs_per_wave=40, waves=2, scale=0.002, jobs=1, out=tmp_path / "cal",
                                         posterior=True, population=80, generations=3, max_runs=1000,
                                         sampler="single")
    known = result.knowledge.set_index("parameter")
    assert known.loc[fake_model, "pinned"]
    assert known.loc[fake_model, "posterior_5"] <= SPECS[fake_model].bounds[0] + 0.4 * np.diff(
        SPECS[fake_model].bounds)[0] <= known.loc[fake_model, "posterior_95"]  # the truth inside the posterior
    assert known["posterior_width_share"].drop(fake_model).median() > 0.5  # the others stay open
    members, description = ensemble.load(result.folder / "posterior")
    assert len(members) == 80 and members["weight"].sum() == pytest.approx(1.0)
    # the sets keep what the data pin and what the outcomes depend on; the rest stay at their shipped values
    assert set(members.columns) == {fake_model, known.index[1], "weight"}
    assert len(description["fixed_at_shipped_values"]) == len(known) - 2
    assert description["effective_sample_size"] > 0 and "scikit-learn" in description["versions"]
    table = pd.read_csv(result.folder / "posterior" / "generations.csv")
    shipped = table.set_index("t").loc[description["generation_shipped"]]
    assert shipped["effective_sample_size"] >= description["effective_sample_size_floor"] or \
        description["generation_shipped"] == 0
    record = json.loads((result.folder / api.HISTORY_MATCH_RECORD).read_text())
    assert len(record["wave_seconds"]) == len(result.waves) and record["data_files"]
    assert (result.folder / "posterior" / "knowledge.png").stat().st_size > 10_000


def test_an_interrupted_posterior_goes_on_from_its_last_generation_and_keeps_its_settings(tmp_path, fake_model):
    settings = dict(runs_per_wave=40, waves=1, scale=0.002, jobs=1, out=tmp_path / "cal", posterior=True,
                    population=80, max_runs=3000, sampler="single")
    first = api.calibrate_history_match(generations=1, **settings)
    assert [g["t"] for g in first.description["generations"]] == [0]
    again = api.calibrate_history_match(generations=2, resume=True, **settings)  # as if stopped after generation 0
    kept, added = again.description["generations"]
    assert kept == first.description["generations"][0] and added["t"] == 1  # generation 0 read back, not run again
    assert added["epsilon"] < kept["epsilon"]
    with pytest.raises(ConfigError, match="same posterior settings"):
        api.calibrate_history_match(generations=3, resume=True, **{**settings, "population": 90})


def test_a_resume_with_other_settings_is_refused_and_bad_settings_are_named(tmp_path, fake_model):
    api.calibrate_history_match(runs_per_wave=40, waves=1, scale=0.002, jobs=1, out=tmp_path / "cal")
    with pytest.raises(ConfigError, match="same settings"):
        api.calibrate_history_match(runs_per_wave=50, waves=1, scale=0.002, jobs=1, out=tmp_path / "cal",
                                    resume=True)
    (tmp_path / "cal" / api.HISTORY_MATCH_RECORD).write_text("{not json")
    with pytest.raises(ConfigError, match="same settings"):  # a damaged record is refused, not a traceback
        api.calibrate_history_match(runs_per_wave=40, waves=1, scale=0.002, jobs=1, out=tmp_path / "cal",
                                    resume=True)
    with pytest.raises(ConfigError, match="--population"):
        api.calibrate_history_match(out=tmp_path / "other", posterior=True, population=3)
    with pytest.raises(ConfigError, match="--install"):
        api.calibrate_history_match(out=tmp_path / "other", install=True)
    assert not (tmp_path / "other").exists()


def test_the_shipped_generation_is_the_last_above_the_effective_sample_size_floor():
    table = pd.DataFrame({"t": [0, 1, 2, 3], "effective_sample_size": [300.0, 150.0, 60.0, 90.0]})
    assert posterior.chosen_generation(table, dimension=37) == 3  # floor 74: generation 2 is below it, 3 above
    table.loc[3, "effective_sample_size"] = 20.0
    assert posterior.chosen_generation(table, dimension=37) == 1


def test_validate_with_the_posterior_runs_each_set_on_each_seed_and_writes_quantile_bands(tmp_path):
    folder = tmp_path / "posterior"
    folder.mkdir()
    name = "tlv_budget_response"
    low, high = SPECS[name].bounds
    pd.DataFrame({name: [low, high, SPECS[name].default], "weight": [0.2, 0.3, 0.5]}).to_csv(
        folder / ensemble.ENSEMBLE_CSV, index=False)
    (folder / ensemble.ENSEMBLE_JSON).write_text(json.dumps({"method": "a test"}))
    result = api.validate(seeds=2, scale=0.002, end="2005-07-31", out=tmp_path / "v", posterior=True,
                          parameter_sets=3, ensemble=folder)
    by_seed = pd.read_csv(result.folder / "counts_by_seed.csv")
    assert sorted(by_seed["parameter_set"].unique()) == [0, 1, 2] and by_seed["seed"].nunique() == 2
    bands = pd.read_csv(result.folder / "bands.csv")
    assert set(bands["kind"]) == {"count", "school_year"}
    assert (bands["q05"] <= bands["q50"]).all() and (bands["q50"] <= bands["q95"]).all()
    assert (bands["seeds"] == 6).all()  # every band over 3 sets x 2 seeds
    assert "exempt_5a" in set(bands[bands["kind"] == "school_year"]["column"])
    targets = pd.read_csv(result.folder / "targets.csv")
    assert (targets["inside_band"] == ((targets["band_5"] <= targets["published"])
                                       & (targets["published"] <= targets["band_95"]))).all()
    # the counts of the first year are the starting population: the same in every run, so out of the share
    start = targets[targets["starting_state"]]
    assert len(start) and (start["year"] == 2003).all() and (start["band_5"] == start["band_95"]).all()
    assert not targets.loc[targets["year"] > 2003, "starting_state"].any()


def test_validate_refuses_parameter_sets_without_the_posterior(tmp_path):
    from passend.experiments.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["validate", "--parameter-sets", "5", "--out", str(tmp_path / "v")])
    assert stop.value.code == 2 and not (tmp_path / "v").exists()


def test_the_screening_of_open_parameters_decides_which_are_fixed(tmp_path, monkeypatch):
    monkeypatch.setattr(posterior, "SCREENING_TRAJECTORIES", 2)
    names = ["tlv_budget_response", "expertise_support", "arrangement_reach_max"]
    known = pd.DataFrame({"parameter": names, "kept_low": [SPECS[n].bounds[0] for n in names],
                          "kept_high": [SPECS[n].bounds[1] for n in names], "pinned": [False, False, True]})
    screened = posterior.screen(tmp_path / "screening", known, 0.002, 1, 1, None, progress=False)
    spec = (tmp_path / "screening" / "spec.toml").read_text()
    assert "tlv_budget_response" in spec and "arrangement_reach_max" not in spec  # only the open ones are screened
    share = screened.set_index("parameter")["screening_mu_star_share"]
    assert share[names[:2]].notna().all() and (share[names[:2]] >= 0).all()
    decision = screened.set_index("parameter")["decision"]
    assert decision["arrangement_reach_max"] == "pinned by the data"
    for name in names[:2]:
        assert decision[name].startswith("open; the outcomes depend") == (share[name] > posterior.MATTERS)
