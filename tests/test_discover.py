"""Scenario discovery (``passend discover``, issue 15): PRIM finds a box planted in a synthetic sweep, CART agrees, and
bad input is refused with the option named and nothing written."""

import json

import numpy as np
import pandas as pd
import pytest

from passend.experiments.cli import main
from passend.experiments.discover import discover
from passend.engine.errors import ConfigError


def planted_sweep(folder, n=400, seed=3):
    """A sweep folder as passend sweep writes it, whose outcome is high exactly where a > 0.6 and b < 4 (plus 2% noise),
    and whose third parameter c plays no part."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 10, n), "policy.c": rng.uniform(-1, 1, n)})
    planted = (x["a"] > 0.6) & (x["b"] < 4)
    noise = rng.uniform(size=n) < 0.02
    table = pd.DataFrame({"run_id": np.arange(n), "point": np.arange(n), "replicate": 0, "seed": 1, **x,
                          "status": "ok", "home_2020": np.where(planted ^ noise, 9000.0, 5000.0),
                          "error": None, "traceback": None})
    table.loc[n - 3:, "status"] = "failed"  # failed runs are left out
    folder.mkdir()
    table.to_parquet(folder / "runs.parquet")
    (folder / "manifest.json").write_text(json.dumps({"spec": {"parameters": [{"name": c} for c in x.columns]}}))
    return folder


def test_prim_finds_the_planted_box_and_cart_agrees(tmp_path):
    found = discover(planted_sweep(tmp_path / "sweep"), "home_2020 > 6000")
    assert found.runs == 397 and found.failed == 3
    box = found.box.set_index("parameter")
    assert set(box.index) == {"a", "b"}  # c is not restricted
    assert 0.55 <= box.loc["a", "box_min"] <= 0.65 and box.loc["a", "box_max"] > 0.95
    assert box.loc["b", "box_min"] < 0.3 and 3.5 <= box.loc["b", "box_max"] <= 4.3
    assert (box[["quasi_p_min", "quasi_p_max"]].min(axis=1) < 1e-6).all()  # both limits clearly significant
    stats = found.chosen_stats
    assert stats["density"] > 0.9 and stats["coverage"] >= 0.5
    # CART's leaves of interest (it may split the box in two) lie inside the planted box and hold most of its runs
    leaves = found.cart[found.cart["of_interest"]]
    assert leaves["coverage"].sum() > 0.8 and (leaves["density"] > 0.9).all()
    assert (leaves["a_min"] > 0.5).all() and (leaves["b_max"] < 4.5).all()


def test_passend_discover_writes_a_summary_tables_and_a_figure(tmp_path, capsys):
    sweep = planted_sweep(tmp_path / "sweep")
    assert main(["discover", str(sweep), "--where", "home_2020 > 6000", "--out", str(tmp_path / "found")]) == 0
    written = {p.name for p in (tmp_path / "found").iterdir()}
    assert written == {"summary.md", "peeling_trajectory.csv", "box.csv", "cart_leaves.csv", "discovery.png",
                       "manifest.json"}
    summary = (tmp_path / "found" / "summary.md").read_text()
    assert "`a` at least 0.6" in summary and "`b` at most 4" in summary and "`policy.c`" in summary and "CART" in summary
    trajectory = pd.read_csv(tmp_path / "found" / "peeling_trajectory.csv")
    assert trajectory["chosen"].sum() == 1 and trajectory["coverage"].is_monotonic_decreasing
    assert "It holds in" in capsys.readouterr().out


@pytest.mark.parametrize("where, allowed", [
    ("home_2021 > 6000", "'home_2021' is not one"),  # no such column
    ("home_2020 + 1", "true or false per run"),
    ("home_2020 > 0", "true in all 397"),
    ("home_2020 > 1e9", "false in all 397"),
])
def test_a_bad_expression_is_refused_naming_where_and_nothing_is_written(tmp_path, capsys, where, allowed):
    sweep = planted_sweep(tmp_path / "sweep")
    with pytest.raises(ConfigError, match="--where") as error:
        discover(sweep, where)
    assert allowed in error.value.allowed
    with pytest.raises(SystemExit) as code:
        main(["discover", str(sweep), "--where", where, "--out", str(tmp_path / "found")])
    assert code.value.code == 2 and "--where" in capsys.readouterr().err
    assert not (tmp_path / "found").exists()


def test_a_folder_that_is_not_a_sweep_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SWEEP_FOLDER"):
        discover(tmp_path, "x > 1")


def test_passend_discover_from_python_returns_the_box_and_writes_the_folder(tmp_path):
    import passend

    found = passend.discover(planted_sweep(tmp_path / "sweep"), "home_2020 > 6000", out=tmp_path / "found")
    assert set(found.box["parameter"]) == {"a", "b"} and found.summary.startswith("# Where `home_2020 > 6000`")
    assert (tmp_path / "found" / "summary.md").read_text() == found.summary


# --- the language of --where: data, never code ---------------------------------------------------------------------
def test_the_language_has_arithmetic_comparisons_and_or_not_and_dotted_column_names(tmp_path):
    from passend.experiments.discover import read_sweep, where_holds

    table, _, _ = read_sweep(planted_sweep(tmp_path / "sweep"))
    a, b, c, home = (table[k].to_numpy() for k in ("a", "b", "policy.c", "home_2020"))
    cases = {
        "home_2020 > 6000": home > 6000,
        "a > 0.6 and b < 4": (a > 0.6) & (b < 4),
        "a > 0.6 & b < 4": (a > 0.6) & (b < 4),  # pandas' spelling
        "not (a > 0.6) or -b <= -4": ~(a > 0.6) | (-b <= -4),
        "~(a > 0.6) | (b >= 4)": ~(a > 0.6) | (b >= 4),
        "0.2 < a < 0.4": (0.2 < a) & (a < 0.4),
        "policy.c * 2 + 1 > 0.5": c * 2 + 1 > 0.5,
        "`policy.c` ** 2 >= 0.25": c ** 2 >= 0.25,
        "(home_2020 - 5000) / 1e3 != 4": (home - 5000) / 1e3 != 4,
        "b // 2 == 1 or b % 2 > 1.5": (b // 2 == 1) | (b % 2 > 1.5),
        "a / 0 > 1": a > 0,  # x / 0 is inf (0 / 0 is NaN, which is never greater), as in pandas
    }
    for where, expected in cases.items():
        assert (where_holds(table, where) == expected).all(), where


HOSTILE = {
    "the issue's": "@table.__init__.__globals__['sys'].modules['os'].system('touch {marker}')",
    "a call": "__import__('os').system('touch {marker}')",
    "a call of a column": "home_2020('touch {marker}') > 1",
    "attribute access": "home_2020.__class__ > 1",
    "a subscript": "home_2020[0] > 1",
    "a dunder name": "__builtins__ > 1",
    "a lambda": "(lambda: open('{marker}', 'w'))() > 1",
    "a string": "'{marker}' > 1",
    "a local variable": "@where > 1",
    "a comprehension": "[x for x in ()] > 1",
    "a walrus": "(x := 1) > 0",
    "an f-string": "f'{{1}}' > 1",
    "a semicolon": "a > 1; import os",
    "unknown name": "os > 1",
    "numbers and/or": "a and b",
    "a comparison of true/false": "(a > 1) > 0",
    "empty": "   ",
    "unclosed": "(a > 1",
    "trailing": "a > 1 )",
    "halfway": "a >",
    "too long": "a > 1 or " * 200 + "a > 1",
    "too deep": "(" * 1000 + "a > 1" + ")" * 1000,
    "unary chain": "-" * 5000 + "a > 1",
    "deep within the length": "(" * 300 + "a > 1" + ")" * 300,
    "a unary chain within the length": "-" * 900 + "a > 1",
    "a not chain within the length": "not " * 200 + "a > 1",
    "not chain": "not " * 5000 + "a > 1",
    "a null byte": "a > 1\x00",
}


@pytest.mark.parametrize("where", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_or_foreign_expression_is_refused_runs_nothing_and_creates_nothing(tmp_path, capsys, where):
    sweep = planted_sweep(tmp_path / "sweep")
    marker = tmp_path / "x"
    where = where.format(marker=marker)
    with pytest.raises(ConfigError) as error:
        discover(sweep, where)
    assert error.value.field == "--where" and "column names" in error.value.allowed
    import passend

    with pytest.raises(ConfigError, match="--where"):
        passend.discover(sweep, where, out=tmp_path / "found_py")
    with pytest.raises(SystemExit) as code:
        main(["discover", str(sweep), "--where", where, "--out", str(tmp_path / "found")])
    err = capsys.readouterr().err
    assert code.value.code == 2 and "--where" in err and "Traceback" not in err
    assert not marker.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["sweep"]


def test_the_issues_expression_from_the_shell_exits_2_and_creates_nothing(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    sweep = planted_sweep(tmp_path / "sweep")
    marker = tmp_path / "x"
    where = f"@table.__init__.__globals__['sys'].modules['os'].system('touch {marker}')"
    done = subprocess.run([str(Path(sys.executable).with_name("passend")), "discover", str(sweep), "--where", where,
                           "--out", str(tmp_path / "found")], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 2 and "--where" in done.stderr and "Traceback" not in done.stderr
    assert not marker.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["sweep"]


def test_a_sweep_folder_whose_files_are_not_what_a_sweep_writes_is_refused(tmp_path):
    sweep = planted_sweep(tmp_path / "sweep")
    (sweep / "manifest.json").write_bytes(b"\xff not json")
    with pytest.raises(ConfigError, match="SWEEP_FOLDER"):
        discover(sweep, "home_2020 > 6000")
    (sweep / "manifest.json").write_text("42")
    with pytest.raises(ConfigError, match="SWEEP_FOLDER"):
        discover(sweep, "home_2020 > 6000")
    (sweep / "runs.parquet").write_text("not parquet")
    (sweep / "manifest.json").write_text(json.dumps({"spec": {"parameters": [{"name": "a"}]}}))
    with pytest.raises(ConfigError, match="SWEEP_FOLDER"):
        discover(sweep, "home_2020 > 6000")
    with pytest.raises(ConfigError, match="SWEEP_FOLDER"):
        discover({"not": "a folder"}, "home_2020 > 6000")


def test_a_stale_partial_folder_does_not_stop_discover(tmp_path):
    sweep = planted_sweep(tmp_path / "sweep")
    (tmp_path / "found.partial").mkdir()
    (tmp_path / "found.partial" / "box.csv").write_text("stale")
    assert main(["discover", str(sweep), "--where", "home_2020 > 6000", "--out", str(tmp_path / "found")]) == 0
    assert (tmp_path / "found" / "summary.md").exists() and not (tmp_path / "found.partial").exists()
