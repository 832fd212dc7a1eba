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
    ("home_2021 > 6000", "pandas said"),  # no such column
    ("home_2020 + 1", "a true/false expression"),
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
