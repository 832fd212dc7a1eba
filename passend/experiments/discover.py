"""Scenario discovery on a sweep (``passend discover``): in which ranges of the varied parameters does an outcome of
interest happen, say thuiszitters rising under a reform or its saving disappearing?

PRIM (the patient rule induction method of Friedman and Fisher, as ``ema_workbench.analysis.prim`` implements it for
scenario discovery after Bryant and Lempert 2010) peels a box around the runs of interest, step by step, trading
**coverage** (the share of the runs of interest inside the box) for **density** (the share of the runs inside the box
that are of interest). Its peeling trajectory is every box on the way; the chosen box is the densest with at least the
coverage asked for. Each limit has a quasi-p value: the chance of a box as dense by luck without that limit (one-sided
binomial). CART (a classification tree, ``ema_workbench.analysis.cart``) is the check: a box found by both is one to
trust.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from passend.engine.errors import ConfigError

MIN_RUNS = 20
"""Fewer finished runs than this give no box worth reading."""


@dataclass
class Discovery:
    """What PRIM and CART found in a sweep for one outcome of interest."""

    folder: Path
    where: str
    parameters: list[str]
    runs: int  # finished runs analysed
    failed: int  # runs left out because they failed
    of_interest: int
    trajectory: pd.DataFrame  # one row per box: coverage, density, mass, res_dim, n, k, chosen
    chosen: int  # row of the trajectory
    box: pd.DataFrame  # one row per parameter the chosen box restricts: its limits, the full range, quasi-p values
    cart: pd.DataFrame  # CART's leaves (of interest first, by coverage): coverage, density, mass, res_dim, limits
    min_coverage: float
    ranges: dict[str, tuple[float, float]]  # each parameter's range in the sweep

    @property
    def chosen_stats(self) -> pd.Series:
        return self.trajectory.iloc[self.chosen]

    @property
    def summary(self) -> str:
        """The Markdown summary (``summary.md``)."""
        return summary(self)


def read_sweep(folder: Path) -> tuple[pd.DataFrame, list[str], int]:
    """The finished runs of a sweep folder, the names of its varied parameters and the number of failed runs."""
    table_path, manifest_path = folder / "runs.parquet", folder / "manifest.json"
    if not table_path.is_file() or not manifest_path.is_file():
        raise ConfigError("SWEEP_FOLDER", str(folder), "the folder of a sweep (passend sweep or passend sensitivity's "
                          "screening/), with runs.parquet and manifest.json")
    parameters = [p["name"] for p in json.loads(manifest_path.read_text())["spec"]["parameters"]]
    table = pd.read_parquet(table_path)
    ok = table[table["status"] == "ok"].reset_index(drop=True)
    if len(ok) < MIN_RUNS:
        raise ConfigError("SWEEP_FOLDER", str(folder), f"a sweep with at least {MIN_RUNS} finished runs (this one has "
                          f"{len(ok)})")
    varied = [p for p in parameters if ok[p].nunique() > 1]
    if not varied:
        raise ConfigError("SWEEP_FOLDER", str(folder), "a sweep that varies at least one parameter")
    return ok, varied, len(table) - len(ok)


def of_interest(table: pd.DataFrame, where: str) -> np.ndarray:
    """The runs for which ``where`` (an expression over the table's columns, pandas ``eval`` syntax) is true."""
    columns = ", ".join(c for c in table.columns if c not in ("error", "traceback"))
    allowed = f"a true/false expression over the sweep table's columns, e.g. \"home_2020 > 6000\" ({columns})"
    try:
        value = table.eval(where, engine="python")
    except Exception as error:  # pandas raises many kinds: a name, the syntax, a type
        raise ConfigError("--where", where, f"{allowed}; pandas said: {error}") from None
    if not isinstance(value, pd.Series) or value.dtype != bool:
        raise ConfigError("--where", where, allowed)
    hits = int(value.sum())
    if hits in (0, len(value)):
        raise ConfigError("--where", where, f"an expression true in some runs and false in others (it is "
                          f"{'false' if hits == 0 else 'true'} in all {len(value)} finished runs)")
    return value.to_numpy()


def discover(folder: Path, where: str, min_coverage: float = 0.5, mass_min: float = 0.05,
             peel_alpha: float = 0.05) -> Discovery:
    """PRIM on the sweep in ``folder`` for the runs where ``where`` holds, and CART as a check."""
    with warnings.catch_warnings():  # the workbench warns of optional parts we do not use and of pandas' deprecations
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        warnings.filterwarnings("ignore", module="ema_workbench")
        return _discover(folder, where, min_coverage, mass_min, peel_alpha)


def _discover(folder: Path, where: str, min_coverage: float, mass_min: float, peel_alpha: float) -> Discovery:
    from ema_workbench.analysis import cart, prim  # imported here: a few seconds, for this command only

    for name, value in (("--min-coverage", min_coverage), ("--mass-min", mass_min), ("--peel-alpha", peel_alpha)):
        if not 0.0 < value < 1.0:
            raise ConfigError(name, value, "a number between 0 and 1")
    table, parameters, failed = read_sweep(folder)
    y = of_interest(table, where)
    x = table[parameters].astype("float64")  # PRIM peels real-valued columns; whole-number ones too, as reals

    box = prim.Prim(x, y, mass_min=mass_min, peel_alpha=peel_alpha).find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    chosen = int(eligible.sort_values(["density", "coverage"], ascending=False).index[0])
    trajectory["chosen"] = trajectory.index == chosen
    box.select(chosen)
    _, limits = box.inspect(chosen, style="data")[0]
    ranges = {name: (float(x[name].min()), float(x[name].max())) for name in parameters}
    rows = [{"parameter": name, "box_min": limits.loc[name].iloc[0], "box_max": limits.loc[name].iloc[1],
             "range_min": ranges[name][0], "range_max": ranges[name][1],
             "quasi_p_min": limits.loc[name].iloc[2], "quasi_p_max": limits.loc[name].iloc[3]} for name in limits.index]

    tree = cart.CART(x, y, mass_min=mass_min)
    tree.build_tree()
    leaves = tree.stats_to_dataframe().reset_index(names="leaf").rename(columns={"res dim": "res_dim"})
    for name in parameters:
        leaves[f"{name}_min"] = [b.loc[0, name] for b in tree.boxes]
        leaves[f"{name}_max"] = [b.loc[1, name] for b in tree.boxes]
    return Discovery(folder, where, parameters, len(table), failed, int(y.sum()), trajectory, chosen,
                     pd.DataFrame(rows, columns=["parameter", "box_min", "box_max", "range_min", "range_max",
                                                 "quasi_p_min", "quasi_p_max"]),
                     _leaves_of_interest_first(leaves), min_coverage, ranges)


def _leaves_of_interest_first(leaves: pd.DataFrame) -> pd.DataFrame:
    """CART's leaves, first those it classes as of interest (density above one half), the largest coverage first."""
    majority = leaves["density"] > 0.5
    return leaves.assign(of_interest=majority).sort_values(["of_interest", "coverage"], ascending=False).reset_index(drop=True)


# --- what it writes --------------------------------------------------------------------------------------------------
def write_discovery(d: Discovery, out: Path) -> Path:
    """The tables, a figure and ``summary.md`` in ``out`` (which must not exist yet); returns the summary's path."""
    from passend.experiments.figures import discovery_figure

    partial = out.with_name(out.name + ".partial")
    partial.mkdir(parents=True)
    d.trajectory.to_csv(partial / "peeling_trajectory.csv", index=False)
    d.box.to_csv(partial / "box.csv", index=False)
    d.cart.to_csv(partial / "cart_leaves.csv", index=False)
    discovery_figure(d.trajectory, d.chosen, d.box, d.where, partial / "discovery.png")
    (partial / "summary.md").write_text(summary(d))
    (partial / "manifest.json").write_text(json.dumps({
        "kind": "discover", "sweep": str(d.folder), "where": d.where, "parameters": d.parameters, "runs": d.runs,
        "failed_runs_left_out": d.failed, "of_interest": d.of_interest, "min_coverage": d.min_coverage,
        "chosen_box": d.chosen, "method": "PRIM (ema_workbench.analysis.prim), CART as a check",
    }, indent=2))
    partial.rename(out)
    return out / "summary.md"


def _number(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def _limits_in_words(parameter: str, low: float, high: float, swept: tuple[float, float]) -> str:
    """"`a` at least 0.6", "`b` at most 4" or "`c` between 0.2 and 0.5": a limit at the edge of the range swept is
    no limit."""
    if low <= swept[0]:
        return f"`{parameter}` at most {_number(high)}"
    if high >= swept[1]:
        return f"`{parameter}` at least {_number(low)}"
    return f"`{parameter}` between {_number(low)} and {_number(high)}"


def summary(d: Discovery) -> str:
    """A Markdown summary an economist can paste: the question, the box in words and as a table, and CART's check."""
    s = d.chosen_stats
    share = d.of_interest / d.runs
    lines = [
        f"# Where `{d.where}`",
        "",
        f"Sweep `{d.folder}`: {d.runs} finished runs ({d.failed} failed, left out), over "
        f"{', '.join(f'`{p}`' for p in d.parameters)}. The outcome holds in {d.of_interest} of them ({share:.0%}).",
        "",
    ]
    if d.box.empty:
        lines.append("PRIM found no box that restricts a parameter: the outcome does not cluster in the ranges swept.")
    else:
        ranges = " and ".join(_limits_in_words(r.parameter, r.box_min, r.box_max, d.ranges[r.parameter])
                              for r in d.box.itertuples())
        lines += [
            f"**It holds in {s['density']:.0%} of the runs with {ranges}** (density; {share:.0%} in all runs). "
            f"That box holds {s['coverage']:.0%} of the runs where it holds (coverage) and {s['mass']:.0%} of all "
            f"runs (mass). It is box {d.chosen} of PRIM's peeling trajectory (0 to {len(d.trajectory) - 1}): the densest "
            f"with coverage at least "
            f"{d.min_coverage:.0%}.",
            "",
            "| parameter | box | range swept | quasi-p (lower, upper limit) |",
            "|---|---|---|---|",
        ]
        for r in d.box.itertuples():
            qp = ", ".join("-" if np.isnan(p) else f"{p:.2g}" for p in (r.quasi_p_min, r.quasi_p_max))
            lines.append(f"| `{r.parameter}` | {_number(r.box_min)} to {_number(r.box_max)} | "
                         f"{_number(r.range_min)} to {_number(r.range_max)} | {qp} |")
        lines += ["", "A quasi-p value above 0.05 marks a limit the data do not support well; `-`: the limit is the "
                      "edge of the range swept."]
    leaves = d.cart[d.cart["of_interest"]]
    found = "; ".join(
        " and ".join(_limits_in_words(p, leaf[f"{p}_min"], leaf[f"{p}_max"], d.ranges[p]) for p in d.parameters
                     if (leaf[f"{p}_min"], leaf[f"{p}_max"]) != d.ranges[p]) +
        f" (density {leaf['density']:.0%}, coverage {leaf['coverage']:.0%})" for _, leaf in leaves.iterrows())
    lines += ["", f"Check (CART, a classification tree; its leaves where the outcome holds in most runs): "
                  f"{found or 'none'}.", "",
              "Figures and tables: `discovery.png` (the peeling trajectory and the box), `peeling_trajectory.csv`, "
              "`box.csv`, `cart_leaves.csv`."]
    return "\n".join(lines) + "\n"

