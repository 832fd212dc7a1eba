"""``passend sensitivity SPEC``: Morris screening or Sobol indices (SALib), and incentive response curves.

The spec is a sweep spec (``passend.experiments.sweep``) whose design is ``morris`` or ``sobol``, plus any number
of response curves::

    [[response]]
    parameter = "policy.rugzak_school_eur"   # the reward: a legislation amount (or a behaviour parameter)
    values = [6000, 8000, 10000, 12000, 14000]
    from = 2003-08-01                        # policy parameters: from this date on (default: the law's first date)
    outcomes = ["rugzak@2010", "indications@2010"]
    replicates = 6                           # default: sweep.replicates

Indices are computed on the mean over replicates at each design point (the replicates share seeds across points,
so the mean is over the same random draws everywhere), with SALib's bootstrap confidence intervals (95%).
A response curve runs every value on the same seeds; per seed, the least-squares slope of the outcome on the value
is the response per unit, and its mean over seeds gets a 90% t interval.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np

from passend.experiments.intervals import INTERVAL, mean_interval
from passend.experiments.outcomes import parse_outcome
from passend.experiments.scenarios import check_keys, read_toml
from passend.experiments.journal import read_records
from passend.experiments.sweep import (JOURNAL, MAX_DESIGN, TABLE, SweepResult, SweepSpec, check_distinct_outcomes,
                                      read_parameters, read_spec, run_sweep)
from passend.engine.errors import ConfigError

RESPONSE_KEYS = {"parameter": str, "values": list, "from": (dt.date, str), "outcomes": list, "replicates": int}


@dataclasses.dataclass(frozen=True)
class SensitivitySpec:
    screening: SweepSpec
    responses: tuple[SweepSpec, ...]


def read_sensitivity_spec(path: Path) -> SensitivitySpec:
    where = str(path)
    screening = read_spec(path, designs=("morris", "sobol"), extra_keys={"response": list})
    responses = []
    for i, entry in enumerate(read_toml(path, where).get("response", [])):
        prefix = f"response[{i}]."
        if not isinstance(entry, dict):
            raise ConfigError(f"response[{i}]", entry, "a [[response]] table", where)
        check_keys(entry, RESPONSE_KEYS, prefix, where)
        for key in ("parameter", "values", "outcomes"):
            if key not in entry:
                raise ConfigError(f"{prefix}{key}", None, "required in every [[response]]", where)
        name = entry["parameter"]
        table = {k: v for k, v in entry.items() if k in ("values", "from")}
        nested = {"policy": {name.removeprefix("policy."): table}} if name.startswith("policy.") else {name: table}
        parameter, = read_parameters(nested, "factorial", screening.scenario, where)
        if len(parameter.values) < 2:
            raise ConfigError(f"{prefix}values", entry["values"], "at least two values", where)
        outcomes = tuple(parse_outcome(t, screening.settings, f"{prefix}outcomes[{j}]", where)
                         for j, t in enumerate(entry["outcomes"]))
        if not outcomes:
            raise ConfigError(f"{prefix}outcomes", entry["outcomes"], "at least one outcome", where)
        check_distinct_outcomes(list(outcomes), f"{prefix}outcomes", where)
        replicates = entry.get("replicates", max(screening.replicates, 2))
        if not 2 <= replicates <= MAX_DESIGN:
            raise ConfigError(f"{prefix}replicates", replicates, f"a whole number from 2 (intervals need two seeds) "
                              f"to {MAX_DESIGN:,}", where)
        responses.append(dataclasses.replace(screening, design="factorial", parameters=(parameter,),
                                             outcomes=outcomes, replicates=replicates))
    return SensitivitySpec(screening, tuple(responses))


def run_sensitivity(spec: SensitivitySpec, folder: Path, **sweep_options) -> list[SweepResult]:
    """Every sweep the analysis needs, each in its own subfolder (so --resume works per sweep)."""
    results = [run_sweep(spec.screening, folder / "screening", **sweep_options)]
    for i, response in enumerate(spec.responses, 1):
        results.append(run_sweep(response, folder / f"response_{i}", **sweep_options))
    return results


def _outcome_matrix(spec: SweepSpec, folder: Path) -> np.ndarray:
    """(points, outcomes): the mean over replicates; every run must have finished."""
    rows = read_records(folder / JOURNAL)
    failed = sorted(t.run_id for t in spec.tasks() if rows.get(t.run_id, {}).get("status") != "ok")
    if failed:
        raise RuntimeError(f"{len(failed)} runs of {folder} did not finish (run ids {failed[:10]}...): see "
                           f"{folder / TABLE}; rerun with --resume")
    y = np.array([[rows[t.run_id][o.name] for o in spec.outcomes] for t in spec.tasks()], dtype=float)
    return y.reshape(len(spec.points()), spec.replicates, len(spec.outcomes)).mean(axis=1)


def analyse_screening(spec: SweepSpec, folder: Path) -> list[dict]:
    """Tidy rows: outcome, parameter, index, value, conf (half-width of the 95% bootstrap interval)."""
    from SALib.analyze import morris, sobol

    problem = spec.problem()
    y = _outcome_matrix(spec, folder)
    x = np.array([[point[p.name] for p in spec.parameters] for point in spec.points()], dtype=float)
    rows = []
    for j, outcome in enumerate(spec.outcomes):
        if spec.design == "morris":
            si = morris.analyze(problem, x, y[:, j], num_levels=spec.levels, conf_level=0.95, seed=spec.root_seed)
            pairs = (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None))
        else:
            si = sobol.analyze(problem, y[:, j], calc_second_order=False, conf_level=0.95, seed=spec.root_seed)
            pairs = (("S1", "S1_conf"), ("ST", "ST_conf"))
        for k, name in enumerate(problem["names"]):
            for index, conf in pairs:
                rows.append({"outcome": outcome.name, "parameter": name, "method": spec.design, "index": index,
                             "value": float(si[index][k]), "conf_95": float(si[conf][k]) if conf else math.nan})
    return rows


def analyse_response(spec: SweepSpec, folder: Path) -> tuple[list[dict], list[dict]]:
    """(curve rows per value and outcome, slope rows per outcome) from paired runs of one response sweep."""
    parameter = spec.parameters[0]
    rows = read_records(folder / JOURNAL)
    values = np.array(parameter.values, dtype=float)
    curves, slopes = [], []
    for outcome in spec.outcomes:
        y = np.array([[rows[t.run_id][outcome.name] if rows.get(t.run_id, {}).get("status") == "ok" else np.nan
                       for t in spec.tasks() if t.point == i] for i in range(len(values))], dtype=float)
        paired = ~np.isnan(y).any(axis=0)  # seeds whose runs all finished
        y = y[:, paired]
        diff = y - y[0]  # each value against the first, seed by seed
        for i, v in enumerate(values):
            mean, lo, hi = mean_interval(diff[i])
            curves.append({"parameter": parameter.name, "value": v, "outcome": outcome.name, "mean": y[i].mean(),
                           "change_vs_first": mean, "change_low": lo, "change_high": hi, "seeds": y.shape[1]})
        centred = values - values.mean()
        per_seed = (centred @ (y - y.mean(axis=0))) / (centred @ centred)
        mean, lo, hi = mean_interval(per_seed)
        unit = 1000.0 if parameter.name.endswith("_eur") else 1.0
        slopes.append({"parameter": parameter.name, "outcome": outcome.name,
                       "per": "1,000 EUR" if unit == 1000.0 else "unit", "slope": mean * unit,
                       "slope_low": lo * unit, "slope_high": hi * unit,
                       "elasticity_at_mean": mean * values.mean() / y.mean() if y.mean() else math.nan,
                       "seeds": y.shape[1]})
    return curves, slopes


def write_analysis(spec: SensitivitySpec, folder: Path) -> list[Path]:
    """The indices, response curves, their figures and the manifest in ``folder`` (beside the sweeps' subfolders):
    each file whole or not at all. They are written in a staging folder first and then moved into place, so a full
    disk leaves the earlier files (or none), never half of one; a resume writes them again."""
    import os
    import shutil

    staging = folder / ".analysis.partial"
    shutil.rmtree(staging, ignore_errors=True)  # left by a writer that was killed
    staging.mkdir()
    try:
        names = [path.name for path in _write_analysis(spec, folder, staging)]
        for name in os.listdir(staging):
            os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in names]


def _write_analysis(spec: SensitivitySpec, folder: Path, out: Path) -> list[Path]:
    from passend.experiments.figures import response_figure, sensitivity_figure
    from passend.experiments.output import source_revision, write_csv

    written = []
    indices = analyse_screening(spec.screening, folder / "screening")
    write_csv(out / "sensitivity.csv", indices)
    written += [out / "sensitivity.csv", sensitivity_figure(indices, out / "sensitivity.png")]
    curves, slopes = [], []
    for i, response in enumerate(spec.responses, 1):
        c, s = analyse_response(response, folder / f"response_{i}")
        curves += c
        slopes += s
    if curves:
        write_csv(out / "response_curves.csv", curves)
        write_csv(out / "response_slopes.csv", slopes)
        written += [out / "response_curves.csv", out / "response_slopes.csv",
                    response_figure(curves, out / "response_curves.png")]
    (out / "manifest.json").write_text(json.dumps({
        "kind": "sensitivity", "commit": source_revision(), "spec_file": spec.screening.path,
        "screening": "screening/manifest.json",
        "responses": [f"response_{i}/manifest.json" for i in range(1, len(spec.responses) + 1)],
        "indices": "95% bootstrap intervals (SALib), on the mean over replicates per point",
        "response_slopes": f"{INTERVAL:.0%} t interval over seeds of the per-seed least-squares slope",
    }, indent=2))
    return written
