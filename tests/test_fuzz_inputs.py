"""Fuzzing the command line's input files (issue 16): scenario and reform files of random bytes and random
well-formed-but-wrong TOML end with exit 0 or 2, never a traceback, and an exit 2 writes nothing; sweep and
sensitivity specs are checked whole (read_spec) and either load or raise a ConfigError. Hypothesis counts what it
tried (``pytest -s --hypothesis-show-statistics``)."""

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passend.experiments.cli import main
from passend.experiments.sensitivity import read_sensitivity_spec
from passend.experiments.sweep import read_spec
from passend.engine.errors import ConfigError

TINY = ["--scale", "0.001", "--end", "2003-11-30", "--quiet", "--no-figures"]
KEYS = ["description", "base", "reforms", "behaviour", "settings", "policy", "values", "why", "seed", "scale", "start",
        "end", "sweep", "design", "samples", "replicates", "parameters", "outcomes", "low", "high", "levels", "response",
        "alliance_budget_cut_eur", "rugzak_school_eur", "regime", "tlv_gatekeeping", "breakdown_rate", "2014-08-01",
        "behaviour.tlv_gatekeeping", "policy.regime"]
# print_blob: a failure on CI prints the @reproduce_failure line, so a draw that fails once is not lost with the log.
FUZZ = settings(max_examples=60, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (int, dt.date)):
        return str(value) if not isinstance(value, dt.date) else value.isoformat()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f'"{k}" = {toml_value(v)}' for k, v in value.items()) + " }"


scalars = st.one_of(st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12),
                    st.dates(dt.date(1990, 1, 1), dt.date(2040, 1, 1)), st.sampled_from(["default", "cut_2012_300m",
                                                                                        "passend", "sobol", "morris"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(scalars, max_size=3),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)),
                      max_leaves=6)
tables = st.dictionaries(st.sampled_from(KEYS), values, min_size=1, max_size=5)


def as_toml(table: dict) -> str:
    return "\n".join(f'"{k}" = {toml_value(v)}' for k, v in table.items()) + "\n"


def cli_ends_cleanly(argv, out, capsys) -> None:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err
    if code == 2:
        assert not out.exists()


@FUZZ
@given(content=st.binary(max_size=200))
def test_random_bytes_as_a_scenario_end_with_exit_2(content, tmp_path_factory, capsys):
    folder = tmp_path_factory.mktemp("bytes")
    path = folder / "scenario.toml"
    path.write_bytes(content)
    cli_ends_cleanly(["run", "--scenario", str(path), *TINY, "--out", str(folder / "out")], folder / "out", capsys)


@FUZZ
@given(table=tables)
def test_wrong_toml_as_a_scenario_or_a_reform_ends_with_exit_0_or_2(table, tmp_path_factory, capsys):
    folder = tmp_path_factory.mktemp("toml")
    path = folder / "file.toml"
    path.write_text(as_toml(table))
    cli_ends_cleanly(["run", "--scenario", str(path), *TINY, "--out", str(folder / "run")], folder / "run", capsys)
    cli_ends_cleanly(["compare", "default", str(path), "--seeds", "2", *TINY[:4], "--out", str(folder / "cmp")],
                     folder / "cmp", capsys)


@FUZZ
@given(table=tables, content=st.binary(max_size=100))
def test_wrong_sweep_and_sensitivity_specs_are_refused_with_a_config_error(table, content, tmp_path_factory):
    folder = tmp_path_factory.mktemp("spec")
    for text in (as_toml(table).encode(), content):
        path = folder / "spec.toml"
        path.write_bytes(text)
        for read in (read_spec, read_sensitivity_spec):
            try:
                read(path)
            except ConfigError:
                pass


def _names():
    from passend.engine.behaviour import Behaviour
    from passend.engine.policy import PolicyTimeline

    return sorted(Behaviour().to_dict()), PolicyTimeline.baseline().names


BEHAVIOUR_NAMES, POLICY_NAMES = _names()
numbers = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([1e15, 1e308, -1e308, 0.0, 1.0, 0.5]))
dates = st.one_of(st.dates(dt.date(2003, 8, 1), dt.date(2004, 12, 31)).map(dt.date.isoformat),
                  st.sampled_from(["2014-08-01", "1999-01-01", "2030-01-01", "2014-02-30", "soon"]))
scenarios = st.fixed_dictionaries({}, optional={
    "description": st.text(max_size=10),
    "reforms": st.lists(st.one_of(st.sampled_from(["cut_2012_300m", "no_equalisation", "nonsense"]), numbers),
                        max_size=2),
    "behaviour": st.dictionaries(st.sampled_from(BEHAVIOUR_NAMES), st.one_of(numbers, st.text(max_size=3)),
                                 max_size=3),
    "settings": st.fixed_dictionaries({}, optional={"scale": numbers, "seed": numbers, "end": dates}),
})
reforms = st.fixed_dictionaries({"policy": st.dictionaries(
    st.sampled_from(POLICY_NAMES),
    st.fixed_dictionaries({"values": st.dictionaries(dates, st.one_of(numbers, st.lists(numbers, max_size=3),
                                                                      st.sampled_from(["passend", "own", "x"])),
                                                     min_size=1, max_size=2)}),
    min_size=1, max_size=2)}, optional={"description": st.text(max_size=10)})
SHORT = ["--scale", "0.001", "--end", "2004-12-31", "--quiet", "--no-figures"]


@settings(FUZZ, max_examples=40)
@given(scenario=scenarios, reform=reforms)
def test_wrong_values_under_the_right_names_end_with_exit_0_or_2(scenario, reform, tmp_path_factory, capsys):
    """A scenario with real behaviour and settings names and a reform with real law names, both with random values and
    dates (most within the short simulated period, so that an absurd value that passes is also simulated)."""
    folder = tmp_path_factory.mktemp("named")
    (folder / "reform.toml").write_text(as_toml(reform))
    (folder / "with_reform.toml").write_text('reforms = ["reform.toml"]\n')
    (folder / "scenario.toml").write_text(as_toml(scenario) if scenario else 'description = "nothing else"\n')
    for name in ("scenario", "with_reform"):
        out = folder / f"out_{name}"
        cli_ends_cleanly(["run", "--scenario", str(folder / f"{name}.toml"), *SHORT, "--out", str(out)], out, capsys)


def _sweep_table():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    return pd.DataFrame({"run_id": np.arange(30), "a": rng.uniform(0, 1, 30), "policy.b": rng.uniform(-5, 5, 30),
                         "so_2016": rng.uniform(1e4, 2e4, 30), "status": "ok", "error": "", "traceback": ""})


WHERE_TABLE = _sweep_table()
WHERE_WORDS = ["a", "policy.b", "so_2016", "`so_2016`", "and", "or", "not", "(", ")", "+", "-", "*", "/", "//", "%",
               "**", "<", "<=", ">", ">=", "==", "!=", "&", "|", "~", "1", "2.5", "1e4", ".5", "@", "[", "]", ".",
               "__class__", "'x'", "lambda", ":", ",", "import", "os", "__import__", "eval", "=", ";", "\\", "{", "}"]


@settings(FUZZ, max_examples=300)
@given(words=st.lists(st.sampled_from(WHERE_WORDS), max_size=25), noise=st.text(max_size=20))
def test_any_where_expression_gives_true_false_per_run_or_a_config_error_naming_where(words, noise):
    """Sequences of the language's words and of Python's, and random text: the answer is a true/false per run or a
    ConfigError for --where; never another exception, and never anything run."""
    import numpy as np

    from passend.experiments.discover import where_holds

    for where in (" ".join(words), noise, " ".join(words) + noise):
        try:
            value = where_holds(WHERE_TABLE, where)
        except ConfigError as error:
            assert error.field == "--where"
        else:
            assert value.dtype == np.bool_ and value.shape == (len(WHERE_TABLE),)
