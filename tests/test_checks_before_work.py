"""Every check before the work (issue 35, part A): the size of the work from its counts alone, input files that are
regular, small, shallow and not their own base, names and paths, whole numbers, distinct outcomes, the options of
benchmark, and the Python interface's arguments. Each ends with exit code 2 (or a ConfigError) naming the field and
what is allowed, quickly, with nothing written."""

import os
import time

import pytest

import passend
from passend.engine.errors import ConfigError
from passend.experiments import api
from passend.experiments.cli import main

from test_input_checks import QUICK, refused  # one helper for every bad-input test


def nothing_but(folder, *names):
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


# --- the size of the work, first ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seeds", ["6000000", "100000000"])
def test_millions_of_seeds_are_refused_at_once_before_anything_is_allocated(seeds, tmp_path, capsys):
    began = time.perf_counter()
    refused(["compare", "default", "cut_2012_300m", "--seeds", seeds, "--scale", "0.002", "--out",
             str(tmp_path / "c")], capsys, "--seeds", "at most 10,000,000 runs")
    refused(["validate", "--seeds", str(int(seeds) * 2), "--scale", "0.002", "--out", str(tmp_path / "v")], capsys,
            "--seeds", "at most 10,000,000 runs")
    with pytest.raises(ConfigError, match="10,000,000"):
        api.compare("default", "cut_2012_300m", seeds=int(seeds), scale=0.002, out=tmp_path / "p")
    assert time.perf_counter() - began < 10 and not list(tmp_path.iterdir())


def spec(tmp_path, body: str, name: str = "spec.toml"):
    path = tmp_path / name
    path.write_text(body)
    return path


def test_a_latin_hypercube_of_4e9_samples_is_counted_not_drawn_and_refused(tmp_path, capsys):
    huge = spec(tmp_path, '[sweep]\ndesign = "latin_hypercube"\nsamples = 4000000000\n[settings]\nscale = 0.002\n'
                          '[parameters.tlv_gatekeeping]\nrange = [0.0, 1.0]\n')
    many = spec(tmp_path, '[sweep]\ndesign = "sobol"\nsamples = 4194304\nreplicates = 1\n[settings]\nscale = 0.002\n'
                          '[parameters.tlv_gatekeeping]\nrange = [0.0, 1.0]\n', "sobol.toml")
    began = time.perf_counter()
    refused(["sweep", str(huge), "--out", str(tmp_path / "a")], capsys, "sweep.samples", "at most 10,000,000")
    # 4,194,304 base samples x (1 parameter + 2) = 12.6 million runs: counted as SALib would draw them, not drawn
    refused(["sweep", str(many), "--out", str(tmp_path / "b")], capsys, "12,582,912 runs", "at most 10,000,000")
    assert time.perf_counter() - began < 10
    nothing_but(tmp_path, "spec.toml", "sobol.toml")


def test_a_calibration_of_a_hundred_million_evaluations_is_refused_with_its_limit(tmp_path, capsys):
    refused(["calibrate", "--max-evaluations", "100000000", "--out", str(tmp_path / "c")], capsys,
            "--max-evaluations", "100,000")
    # within the limit but for days: the estimate is shown and --yes asked for, before any folder
    refused(["calibrate", "--max-evaluations", "100000", "--scale", "0.05", "--out", str(tmp_path / "c")], capsys,
            "--yes", "hours")
    with pytest.raises(ConfigError, match="max-evaluations"):
        api.calibrate(max_evaluations=10**8, out=tmp_path / "c")
    assert not list(tmp_path.iterdir())


def test_morris_with_one_level_is_refused_naming_levels(tmp_path, capsys):
    morris = spec(tmp_path, '[sweep]\ndesign = "morris"\nlevels = 1\nsamples = 2\n[settings]\nscale = 0.002\n'
                            '[parameters.tlv_gatekeeping]\nrange = [0.0, 1.0]\n')
    refused(["sweep", str(morris), "--out", str(tmp_path / "m")], capsys, "sweep.levels", ">= 2")
    nothing_but(tmp_path, "spec.toml")


# --- input files -----------------------------------------------------------------------------------------------------
def test_input_files_that_are_fifos_devices_huge_or_nested_too_deep_are_refused_without_reading_them(tmp_path, capsys):
    os.mkfifo(tmp_path / "fifo.toml")  # reading it would wait for a writer forever
    (tmp_path / "zero.toml").symlink_to("/dev/zero")  # reading it would fill the memory
    (tmp_path / "huge.toml").write_text('description = "' + "x" * 2_000_000 + '"\n')
    (tmp_path / "deep.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "deeper.toml").write_text("a = " + "[" * 30 + "]" * 30 + "\n")  # within the parser's reach, too deep
    cases = {"fifo.toml": "a FIFO", "zero.toml": "a device", "huge.toml": "at most 1,000,000 bytes",
             "deep.toml": "nest at most 16 deep", "deeper.toml": "nest at most 16 deep"}
    began = time.perf_counter()
    for name, why in cases.items():
        refused(["run", "--scenario", str(tmp_path / name), *QUICK, "--out", str(tmp_path / "out")], capsys, why)
        refused(["sweep", str(tmp_path / name), "--out", str(tmp_path / "out")], capsys, why)
        refused(["compare", "default", str(tmp_path / name), "--seeds", "2", "--out", str(tmp_path / "out")], capsys,
                why)
    assert time.perf_counter() - began < 20
    nothing_but(tmp_path, *cases)


def test_a_scenario_that_is_its_own_base_directly_through_another_path_or_a_cycle_is_refused(tmp_path, capsys):
    (tmp_path / "sub").mkdir()
    (tmp_path / "self.toml").write_text('base = "self.toml"\n')
    (tmp_path / "roundabout.toml").write_text('base = "sub/../roundabout.toml"\n')
    (tmp_path / "a.toml").write_text('base = "sub/b.toml"\n')
    (tmp_path / "sub" / "b.toml").write_text('base = "../a.toml"\n')
    (tmp_path / "link.toml").symlink_to(tmp_path / "linked.toml")
    (tmp_path / "linked.toml").write_text('base = "link.toml"\n')
    for name in ("self.toml", "roundabout.toml", "a.toml", "link.toml"):
        refused(["run", "--scenario", str(tmp_path / name), *QUICK, "--out", str(tmp_path / "out")], capsys,
                "base", "without a loop")
    assert not (tmp_path / "out").exists()


# --- names and paths -----------------------------------------------------------------------------------------------
def test_an_out_name_too_long_for_the_file_system_or_a_dangling_link_is_refused_before_the_work(tmp_path, capsys):
    began = time.perf_counter()
    for length in (300, 250):  # 250 fits alone, not with the .partial added while writing
        refused(["run", *QUICK, "--out", str(tmp_path / ("r" * length))], capsys, "--out", "at most 247 bytes")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere" / "at_all")
    refused(["run", *QUICK, "--out", str(tmp_path / "dangling")], capsys, "--out", "a link to", "does not exist")
    refused(["compare", "default", "cut_2012_300m", "--seeds", "2", "--scale", "0.002", "--out",
             str(tmp_path / "dangling")], capsys, "--out", "a link to")
    assert time.perf_counter() - began < 10
    nothing_but(tmp_path, "dangling")
    assert main(["run", *QUICK, "--out", str(tmp_path / ("r" * 247))]) == 0  # the longest name allowed works


def test_benchmark_checks_its_period_and_profile_file_before_it_runs_and_never_overwrites(tmp_path, capsys):
    began = time.perf_counter()
    refused(["benchmark", "--end", "2003-10-01", "--scales", "0.002"], capsys, "--end", "a date after 2003-10-01")
    refused(["benchmark", "--profile", "--scales", "0.002", "--profile-out", "/proc/x.html"], capsys,
            "--profile-out", "can be created and written")
    existing = tmp_path / "profile.html"
    existing.write_text("kept")
    refused(["benchmark", "--profile", "--scales", "0.002", "--profile-out", str(existing)], capsys,
            "--profile-out", "does not exist yet")
    refused(["benchmark", "--sweep", "--runs", "100000000"], capsys, "--runs", "10,000")
    assert time.perf_counter() - began < 10 and existing.read_text() == "kept"


# --- whole numbers and distinct outcomes -----------------------------------------------------------------------------
@pytest.mark.parametrize("name, value", [("planning_horizon_years", 2.5), ("behaviour_onset_max_age", 10.5)])
def test_a_whole_number_parameter_refuses_a_fraction_everywhere(name, value, tmp_path, capsys):
    (tmp_path / "scenario.toml").write_text(f"[behaviour]\n{name} = {value}\n")
    refused(["run", "--scenario", str(tmp_path / "scenario.toml"), *QUICK, "--out", str(tmp_path / "out")], capsys,
            f"behaviour.{name}", "a whole number")
    factorial = spec(tmp_path, f'[settings]\nscale = 0.002\n[parameters.{name}]\nvalues = [{int(value)}, {value}]\n')
    refused(["sweep", str(factorial), "--out", str(tmp_path / "out")], capsys, f"parameters.{name}.values[1]",
            "a whole number")
    with pytest.raises(ConfigError, match="a whole number"):
        passend.PassendModel(scale=0.002, end="2004-07-31", **{name: value})
    whole = passend.PassendModel(scale=0.002, end="2003-11-30", **{name: float(int(value))})
    assert whole.behaviour[name] == int(value)
    nothing_but(tmp_path, "scenario.toml", "spec.toml")


def test_a_real_valued_parameter_written_as_a_whole_number_keeps_its_fractions():
    # apply_need's default is written 2 but its bounds are [0.0, 5.0]: a coefficient, not a count
    assert passend.PassendModel(scale=0.002, end="2003-11-30", apply_need=2.5).behaviour["apply_need"] == 2.5


def test_two_outcomes_that_are_one_column_are_refused(tmp_path, capsys):
    sweep = spec(tmp_path, '[sweep]\noutcomes = ["so@2016", "so@2016-2016"]\n[settings]\nscale = 0.002\n'
                           '[parameters.tlv_gatekeeping]\nvalues = [0.1]\n')
    refused(["sweep", str(sweep), "--out", str(tmp_path / "out")], capsys, "sweep.outcomes[1]", "so_2016")
    sens = spec(tmp_path, '[sweep]\ndesign = "morris"\n[settings]\nscale = 0.002\n[parameters.tlv_gatekeeping]\n'
                          'range = [0.0, 1.0]\n[[response]]\nparameter = "tlv_gatekeeping"\nvalues = [0.1, 0.2]\n'
                          'outcomes = ["so@2010", "so@2010-2010"]\n', "sens.toml")
    refused(["sensitivity", str(sens), "--out", str(tmp_path / "out")], capsys, "response[0].outcomes[1]")
    nothing_but(tmp_path, "spec.toml", "sens.toml")


# --- the Python interface --------------------------------------------------------------------------------------------
def test_the_python_interface_raises_config_errors_naming_the_argument_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not even results/ may appear
    (tmp_path / "inputs").mkdir()
    small = dict(seeds=2, scale=0.002, end="2012-10-31")
    cases = [
        (lambda: api.compare("default", "cut_2012_300m", progress="x", **small), "progress"),
        (lambda: api.compare("default", "cut_2012_300m", scheduler=123, **small), "--scheduler"),
        (lambda: api.compare("default", "cut_2012_300m", jobs=0, **small), "jobs"),
        (lambda: api.compare("default", "cut_2012_300m", jobs="2", **small), "jobs"),
        (lambda: api.compare("default", "cut_2012_300m", decompose="yes", **small), "decompose"),
        (lambda: api.compare("default", "cut_2012_300m", uncertainty="guess", **small), "uncertainty"),
        (lambda: api.validate(progress="x", scale=0.002, end="2004-10-31"), "progress"),
        (lambda: api.validate(jobs=0, scale=0.002, end="2004-10-31"), "jobs"),
        (lambda: api.sweep({"sweep": {"design": "factorial"}}), "spec"),
        (lambda: api.sweep("x.toml", jobs="2"), "jobs"),
        (lambda: api.sweep("x.toml", csv="yes"), "csv"),
        (lambda: api.sensitivity({"sweep": {}}), "spec"),
        (lambda: api.calibrate(progress="x"), "progress"),
        (lambda: api.calibrate(scheduler=123), "--scheduler"),
        (lambda: api.calibrate_ensemble(sampler=123), "--sampler"),
        (lambda: api.calibrate_ensemble(population=10**9, generations=10**9), "--population x --generations"),
        (lambda: api.discover({"folder": 1}, "a > 1"), "SWEEP_FOLDER"),
        (lambda: api.simulate(scale=0.002, end="2004-07-31", progress="x"), "progress"),
        (lambda: passend.simulate(scale=0.002, end="2004-07-31").save(folder=123), "folder"),
    ]
    for call, field in cases:
        with pytest.raises(ConfigError) as error:
            call()
        assert error.value.field == field, (field, error.value)
    nothing_but(tmp_path, "inputs")


def test_the_mesa_model_does_not_simulate_past_its_end():
    model = passend.PassendModel(scale=0.002, end="2003-11-30")
    model.run_model()
    assert not model.running and model.steps == 2
    with pytest.raises(ConfigError) as error:
        model.step()
    assert error.value.field == "end" and "all its 2 months" in error.value.allowed
    assert not model.running and model.steps == 2 and len(model.datacollector.get_model_vars_dataframe()) == 2
    assert model.output().months["date"].tolist() == ["2003-10-01", "2003-11-01"]


# --- a backend out of reach leaves nothing ---------------------------------------------------------------------------
def test_a_bad_scheduler_leaves_no_runs_folder_and_the_same_command_then_works(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "default", "cut_2012_300m", "--seeds", "2", "--scale", "0.002", "--end", "2012-10-31",
            "--out", str(out)]
    refused([*args, "--scheduler", "not-an-address"], capsys, "--scheduler")
    refused(["validate", "--seeds", "2", "--scale", "0.002", "--scheduler", "nowhere", "--out", str(tmp_path / "v")],
            capsys, "--scheduler")
    sweep = spec(tmp_path, "[settings]\nscale = 0.002\nend = 2004-07-31\n[parameters.tlv_gatekeeping]\nvalues = [0.1]\n")
    refused(["sweep", str(sweep), "--scheduler", "tcp://", "--out", str(tmp_path / "s")], capsys, "--scheduler")
    nothing_but(tmp_path, "spec.toml")
    assert main([*args, "--jobs", "1"]) == 0 and (out / "report.md").exists()
