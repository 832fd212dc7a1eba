"""``passend calibrate``: fit the behaviour parameters marked ``calibrate = true`` to the published 2003-2016 series.

The loss is the mean over seeds of sum((relative error / tolerance)^2) over :func:`targets.calibration_targets`, so a
target just at its tolerance counts 1. Every evaluation runs the same seeds (common random numbers), which keeps the
loss surface smooth enough for a bounded Nelder-Mead search (scipy.optimize). The historical series are only
compared with, never fed into, the runs.

An evaluation's runs go through the executor of every command of many runs (:class:`passend.experiments.runner.
Executor`, one for the whole search, so a Dask cluster is started once). A calibration keeps no journal of finished
runs: an evaluation's runs matter only for their loss (a journal of them would keep megabytes per number), and the
search is sequential, so a resume would have to replay Nelder-Mead through the recorded losses of whole evaluations,
not pick up runs. A journal of evaluations (values and loss) could do that, since the search takes the same steps
given the same losses; it is not built yet: a calibration is bounded by ``max_evaluations``.
"""

from __future__ import annotations

import csv
import json
import re
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable

import numpy as np
from scipy.optimize import minimize

from passend.experiments.runner import Executor, simulate_many
from passend.experiments.targets import CALIBRATION_LAST_YEAR, compare, mean_results, targets_of_group
from passend.engine import __version__
from passend.engine.behaviour import SPECS, Behaviour, calibrated_names
from passend.engine.settings import RunSettings
import datetime as dt


@dataclass
class Calibration:
    """State of one calibration: the search space and every evaluation made."""

    names: list[str]
    seeds: list[int]
    scale: float
    executor: Executor  # where each evaluation's runs go (one executor for the whole search)
    start: Behaviour
    group: str | None = None
    history: list[dict] = field(default_factory=list)

    def values(self, x: np.ndarray) -> dict[str, float]:
        out = {}
        for name, xi in zip(self.names, x):
            lo, hi = SPECS[name].bounds
            out[name] = float(lo + (hi - lo) * np.clip(xi, 0.0, 1.0))
        return out

    def unit(self, behaviour: Behaviour) -> np.ndarray:
        return np.array([(behaviour[n] - SPECS[n].bounds[0]) / (SPECS[n].bounds[1] - SPECS[n].bounds[0]) for n in self.names])

    def evaluate(self, values: dict[str, float]) -> tuple[float, list[dict]]:
        behaviour = self.start.replace(**values)
        end = dt.date(CALIBRATION_LAST_YEAR + 1, 7, 31)
        runs = simulate_many([RunSettings(seed=s, scale=self.scale, end=end) for s in self.seeds], behaviour,
                             executor=self.executor)
        counts, years = mean_results([(r.counts, r.school_years) for r in runs])
        fit = compare(counts, years, targets_of_group(self.group))
        loss = float(sum((row["relative_error"] / row["tolerance"]) ** 2 for row in fit))
        self.history.append({"evaluation": len(self.history) + 1, "loss": loss, **values})
        return loss, fit


def calibrate(
    seeds: int = 3,
    scale: float = 0.03,
    max_evaluations: int = 200,
    executor: Executor | None = None,
    step: float = 0.08,
    report: Callable[[str], None] = print,
    group: str | None = None,
) -> tuple[dict[str, float], list[dict], Calibration]:
    """Run the search from the current defaults; returns (fitted values, fit per target, the calibration record).

    ``executor``: where each evaluation's runs go (default: this process; :mod:`passend.experiments.runner`).
    ``step`` is the size of the starting simplex as a fraction of each parameter's range: smaller to refine.
    ``group``: fit only that group's parameters on that group's targets (``counts`` or ``attendance``); None: all
    parameters on all targets.
    """
    from passend.engine.streams import RandomStreams

    cal = Calibration(calibrated_names(group), RandomStreams.replicate_seeds(20031001, seeds), scale,
                      executor or Executor(), Behaviour(), group)
    began = time.perf_counter()
    best = {"loss": np.inf}

    def objective(x: np.ndarray) -> float:
        values = cal.values(x)
        loss, _ = cal.evaluate(values)
        if loss < best["loss"]:
            best.update(loss=loss, values=values)
        n = len(cal.history)
        report(f"evaluation {n}/{max_evaluations}: loss {loss:.3f} (best {best['loss']:.3f}), {time.perf_counter() - began:.0f} s")
        return loss

    x0 = cal.unit(cal.start)
    minimize(
        objective, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(x0),
        options={"maxfev": max_evaluations, "xatol": 1e-3, "fatol": 1e-3, "initial_simplex": _simplex(x0, step)},
    )
    fitted = best["values"]
    _, fit = cal.evaluate(fitted)
    return fitted, fit, cal


def _simplex(x0: np.ndarray, step: float = 0.08) -> np.ndarray:
    """Starting simplex: each corner moves one parameter by ``step`` of its range (inwards at a bound)."""
    corners = [x0]
    for i in range(len(x0)):
        corner = x0.copy()
        corner[i] = x0[i] + step if x0[i] + step <= 1.0 else x0[i] - step
        corners.append(corner)
    return np.array(corners)


def write_calibration(folder: Path, fitted: dict[str, float], fit: list[dict], cal: Calibration) -> None:
    """fitted.toml, fit.csv, history.csv and manifest.json in ``folder`` (which must not exist yet), written whole or
    not at all (a full disk leaves no half of a calibration)."""
    from passend.experiments.output import source_revision, written_whole

    with written_whole(folder) as partial:
        _write_calibration(partial, fitted, fit, cal, source_revision())


def _write_calibration(folder: Path, fitted: dict[str, float], fit: list[dict], cal: Calibration, commit: str) -> None:
    with open(folder / "fitted.toml", "w") as f:
        f.write(f"# passend {__version__} calibration: seeds {cal.seeds}, scale {cal.scale}\n")
        for name, value in fitted.items():
            f.write(f"{name} = {value:.6g}\n")
    _write_csv(folder / "fit.csv", fit)
    _write_csv(folder / "history.csv", cal.history)
    manifest = {
        "passend_version": __version__, "commit": commit, "seeds": cal.seeds, "scale": cal.scale,
        "evaluations": len(cal.history),
        "parameters": {n: {"start": cal.start[n], "fitted": fitted[n], "bounds": SPECS[n].bounds} for n in cal.names},
        "targets_last_year": CALIBRATION_LAST_YEAR, "group": cal.group or "all",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def install_defaults(fitted: dict[str, float]) -> Path:
    """Write the fitted values into the package's behaviour.toml as the shipped defaults (source tree installs)."""
    path = Path(str(resources.files("passend.engine") / "data" / "behaviour.toml"))
    text = path.read_text()
    for name, value in fitted.items():
        pattern = re.compile(rf"(^\[{re.escape(name)}\]\nvalue = )([^\n]+)", re.MULTILINE)
        text, n = pattern.subn(lambda m: f"{m.group(1)}{value:.4g}", text)
        if n != 1:
            raise RuntimeError(f"could not find [{name}] value in {path}")
    from passend.experiments.output import write_file_whole

    write_file_whole(path, text.encode())  # a full disk must never leave the package's defaults half-written
    return path


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
