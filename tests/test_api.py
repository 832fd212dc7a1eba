"""The Python interface (issue 17): the keyword model a Mesa user expects, its DataCollector, ``mesa.batch_run``,
``passend.simulate/compare/sweep``, Parquet beside the CSVs, and the same numbers whichever way a run is made."""

import datetime as dt
import filecmp
import json
import math

import mesa
import numpy as np
import pandas as pd
import pytest

import passend
from passend.agents.alliance import Alliance
from passend.experiments.classroom import PairedRuns
from passend.experiments.cli import main
from passend.experiments.output import RUN_TABLES
from passend.experiments.one_run import simulate_rows
from passend.experiments.scenarios import get_scenario
from passend.engine.errors import ConfigError

SCALE = 0.005
END = "2006-07-31"


def test_the_same_seed_gives_the_same_numbers_through_simulate_the_mesa_model_and_passend_run(tmp_path):
    run = passend.simulate("default", seed=4, scale=SCALE, end=END)
    model = passend.PassendModel(seed=4, scale=SCALE, end=END)
    model.run_model()
    assert not model.running and model.steps == 34  # October 2003 to July 2006, one step a month
    assert main(["run", "--seed", "4", "--scale", str(SCALE), "--end", END, "--no-figures", "--quiet",
                 "--out", str(tmp_path / "cli")]) == 0
    run.save(tmp_path / "api", figures=False)
    model.output().save(tmp_path / "model", figures=False)
    for table in RUN_TABLES:
        assert filecmp.cmp(tmp_path / "cli" / f"{table}.csv", tmp_path / "api" / f"{table}.csv", shallow=False)
        assert filecmp.cmp(tmp_path / "cli" / f"{table}.csv", tmp_path / "model" / f"{table}.csv", shallow=False)
    assert run.counts["date"].tolist() == ["2003-10-01", "2004-10-01", "2005-10-01"]
    assert list(run.counts.columns[:4]) == ["date", "bao", "sbo", "so"]


def test_the_data_collector_has_a_row_per_month_with_the_last_count_and_money_that_adds_up_to_the_school_year():
    model = passend.PassendModel(seed=2, scale=SCALE, end="2005-07-31")
    model.run_model()
    months = model.datacollector.get_model_vars_dataframe()
    run = model.output()
    assert len(months) == model.steps == 22
    assert months["date"].iloc[0] == "2003-10-01" and months["date"].iloc[-1] == "2005-07-01"
    last_count = run.counts.iloc[-1]
    assert months["count_date"].iloc[-1] == last_count["date"] == "2004-10-01"
    for column in ("bao", "sbo", "so", "vso", "home", "indications"):
        assert months[column].iloc[-1] == last_count[column]
    # every euro of a school year is in its months
    year = months[months["date"] >= "2004-08-01"]
    booked = run.school_years.set_index("school_year").loc["2004-2005"]
    for payer in ("pay_state_eur", "public_spending_net_eur"):
        assert year[payer].sum() == pytest.approx(booked[payer], abs=1.0)
    alliances = model.datacollector.get_agenttype_vars_dataframe(Alliance)
    assert len(alliances) == 22 * len(model.world.alliances)
    assert set(alliances["alliance"]) == set(run.alliances["alliance"])
    assert {"pupils", "amount_eur_per_pupil", "reserves_eur", "strictness", "budget_pressure"} <= set(alliances.columns)


def test_mesa_batch_run_runs_the_model_and_returns_rows_pandas_reads():
    rows = mesa.batch_run(passend.PassendModel, parameters={"scale": SCALE, "end": "2004-10-31",
                                                            "apply_reward": [0.1, 0.3]},
                          rng=[1, 2], number_processes=1, display_progress=False)
    table = pd.DataFrame(rows)
    per_run = table.groupby("RunId").first()  # one row per alliance and run; the model's columns repeat
    assert len(per_run) == 4
    assert sorted(zip(per_run["seed"], per_run["apply_reward"])) == [(1, 0.1), (1, 0.3), (2, 0.1), (2, 0.3)]
    assert (per_run["count_date"] == "2004-10-01").all() and (per_run["bao"] > 0).all()
    # iterations pass seed=None: each run then draws its own seed, kept in the table
    with pytest.warns(DeprecationWarning):
        rows = mesa.batch_run(passend.PassendModel, parameters={"scale": SCALE, "end": "2003-11-30"}, iterations=2,
                              number_processes=1, display_progress=False)
    seeds = pd.DataFrame(rows).groupby("RunId")["seed"].first()
    assert seeds.nunique() == 2


def test_keyword_arguments_are_checked_as_the_command_line_checks_them(capsys):
    cases = [
        (dict(scale=2.0), "scale", "a number in [0.001, 1.0]"),
        (dict(seed=-1), "seed", "a whole number >= 0"),
        (dict(end="2025-13-01"), "end", "a date that exists, written YYYY-MM-DD"),
        (dict(end="2030-07-31"), "end", "at most 2025-07-31"),
        (dict(scenario="no_such"), "scenario", "a registered scenario"),
        (dict(alliance_budget_cut=-5.0), "lever alliance_budget_cut", "a number from 0 to 1e+09"),
        (dict(distribution_model="mixed"), "lever distribution_model", "one of: own, school, expertise, pupil"),
        (dict(apply_reward=99.0), "apply_reward", "["),
        (dict(colour="red"), "colour", "a lever (rugzak_amount"),
    ]
    for kwargs, field, allowed in cases:
        with pytest.raises(ConfigError) as error:
            passend.PassendModel(**kwargs)
        assert error.value.field.endswith(field) and allowed in error.value.allowed, (kwargs, error.value)
    assert passend.setup(seed=np.int64(5)).settings.seed == 5  # numpy's whole numbers, as Mesa's seeds may come
    # the command line refuses the same value with the same words
    with pytest.raises(SystemExit):
        main(["run", "--scale", "2.0"])
    assert "a number in [0.001, 1.0]" in capsys.readouterr().err


def test_a_law_lever_keyword_is_the_lever_pulled_at_the_start_in_the_dashboard_and_a_behaviour_one_a_scenario_value():
    paired = PairedRuns("default", seed=3, scale=SCALE, end=dt.date(2016, 10, 31))
    paired.pull("alliance_budget_cut", 300e6)
    while paired.step_school_year():
        pass
    base, pulled = paired.outputs()
    run = passend.simulate(seed=3, scale=SCALE, end="2016-10-31", alliance_budget_cut=300e6)
    assert run.alliances.equals(pd.DataFrame(pulled.alliances))  # equals: NaN (no base count yet) equal to NaN
    assert run.output.school_years == pulled.school_years
    assert run.output.school_years != base.school_years  # the cut did change the run
    # a behaviour value, by lever or by name, is set before the country is built, as a scenario's [behaviour] sets it
    strict = passend.simulate(seed=3, scale=SCALE, end="2016-10-31", alliance_strictness=0.9)
    policy, behaviour = get_scenario("default").build()
    alone = simulate_rows(strict.settings, behaviour.replace(tlv_gatekeeping=0.9), policy, "default")
    assert strict.output.counts == alone.counts and strict.output.counts != base.counts
    assert passend.simulate(seed=3, scale=SCALE, end="2016-10-31", tlv_gatekeeping=0.9).output.counts == alone.counts
    assert strict.setup.changes == {"alliance_strictness": 0.9}


def test_parquet_tables_name_their_run_and_a_folder_of_runs_loads_in_one_call(tmp_path):
    for seed in (1, 2):
        assert main(["run", "--seed", str(seed), "--scale", str(SCALE), "--end", "2005-07-31", "--no-figures",
                     "--parquet", "--quiet", "--out", str(tmp_path / f"run{seed}")]) == 0
    counts = pd.read_parquet([tmp_path / f"run{seed}" / "counts.parquet" for seed in (1, 2)])
    assert list(counts.columns[:3]) == ["scenario", "seed", "scale"]
    assert counts.groupby("seed").size().to_dict() == {1: 2, 2: 2}
    for table in RUN_TABLES:
        csv = pd.read_csv(tmp_path / "run1" / f"{table}.csv", keep_default_na=False)
        parquet = pd.read_parquet(tmp_path / "run1" / f"{table}.parquet")
        assert list(parquet.columns[3:]) == list(csv.columns) and len(parquet) == len(csv)
        numbers = csv.select_dtypes("number").columns
        assert (parquet[numbers].to_numpy() == csv[numbers].to_numpy()).all()


def test_compare_and_sweep_return_their_tables(tmp_path):
    result = passend.compare("default", "cut_2012_300m", seeds=2, scale=0.003, end="2015-10-31")
    by_year = result.effects_by_year
    assert {"group", "measure", "year", "effect_mean", "effect_low", "effect_high"} <= set(by_year.columns)
    spending = by_year[(by_year["measure"] == "pay_alliances_eur")]
    assert not spending.empty and spending["effect_mean"].map(math.isfinite).all()
    assert set(result.runs_by_seed["scenario"]) == {"base", "alternative"}
    assert (result.save(tmp_path / "report")).name == "report.md"
    spec = tmp_path / "spec.toml"
    spec.write_text('[sweep]\nreplicates = 1\n[settings]\nscale = 0.003\nend = 2004-07-31\n'
                    '[parameters.apply_reward]\nvalues = [0.1, 0.3]\n')
    table = passend.sweep(spec, out=tmp_path / "sweep", progress=False)
    assert len(table) == 2 and (table["status"] == "ok").all()
    assert table.attrs["folder"] == str(tmp_path / "sweep")
    with pytest.raises(ConfigError, match="spec"):
        passend.sweep(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="seeds"):
        passend.compare("default", "cut_2012_300m", seeds=1)


def test_passend_has_a_version_and_lists_its_interface(capsys):
    assert passend.__version__ and passend.__version__ != "0+unknown"
    assert {"PassendModel", "simulate", "compare", "sweep"} <= set(dir(passend))
    with pytest.raises(SystemExit) as exit_code:
        main(["--version"])
    assert exit_code.value.code == 0 and capsys.readouterr().out.strip() == f"passend {passend.__version__}"


def test_a_model_rebuilds_from_its_keyword_arguments_as_mesa_solaraviz_resets_it():
    params = dict(scenario="no_reform", seed=3, scale=SCALE, end="2005-07-31", alliance_budget_cut=1e8)
    model = passend.PassendModel(**params)
    # SolaraViz's Reset (mesa/visualization/solara_viz.py, _build_model_init_kwargs) puts a Mesa Scenario in place of
    # the `scenario` argument when the model shows one; ours shows none, so Reset is type(model)(**model_params)
    assert getattr(model, "scenario", None) is None and model.mesa_scenario.model is model
    for _ in range(5):
        model.step()
    again = type(model)(**params)
    for _ in range(5):
        again.step()
    assert again.setup.scenario.name == "no_reform"
    assert again.datacollector.get_model_vars_dataframe().equals(model.datacollector.get_model_vars_dataframe())


def test_validate_and_calibrate_check_their_arguments_before_anything_runs_or_is_written(tmp_path):
    from passend.experiments import api

    out = tmp_path / "out"
    cases = [
        (lambda: api.validate(seeds=0, out=out), "seeds", "a whole number >= 1"),
        (lambda: api.validate(scale=5.0, out=out), "scale", "[0.001, 1.0]"),
        (lambda: api.validate(scenario="utopia", out=out), "--scenario", "default"),
        (lambda: api.validate(resume=True), "--resume", "together with --out"),
        (lambda: api.validate(scheduler=5, out=out, scale=0.002, end="2004-10-31"), "--scheduler", "'local'"),
        (lambda: api.compare("default", "cut_2012_300m", seeds=2, resume=True), "--resume", "together with --out"),
        (lambda: api.calibrate(step=2.0, out=out), "--step", "at most 1"),
        (lambda: api.calibrate(group="money", out=out), "--group", "counts"),
        (lambda: api.calibrate(jobs=0, out=out), "jobs", ">= 1"),
        (lambda: api.calibrate_ensemble(population=3, out=out), "--population", ">= 10"),
    ]
    for call, field, allowed in cases:
        with pytest.raises(ConfigError) as error:
            call()
        assert error.value.field == field and allowed in error.value.allowed, (field, error.value)
    assert not list(tmp_path.iterdir())


def test_validate_and_calibrate_return_their_tables_and_write_their_folders(tmp_path):
    from passend.experiments import api

    validation = api.validate(seeds=2, scale=0.003, end="2008-10-31", out=tmp_path / "val")
    assert {"target", "published", "simulated", "within"} <= set(validation.targets.columns)
    assert set(validation.bands["seeds"]) == {2} and (tmp_path / "val" / "bands.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["val"]  # the kept runs go once the folder is written
    fitted = api.calibrate(seeds=1, scale=0.002, max_evaluations=2, group="attendance", out=tmp_path / "cal")
    assert set(fitted.fitted) == set(fitted.start) and len(fitted.history) == 3  # two evaluations and the best again
    assert fitted.installed is None and (tmp_path / "cal" / "fitted.toml").exists()
    assert json.loads((tmp_path / "cal" / "manifest.json").read_text())["commit"]  # the code that made it
    assert not (tmp_path / "cal.partial").exists()
