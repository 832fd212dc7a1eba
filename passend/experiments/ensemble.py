"""``passend calibrate --ensemble``: an accepted ensemble of the calibrated behaviour parameters (issue 15).

One best point says nothing of how sure we are. Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC,
pyabc's ``ABCSMC``) keeps a weighted population of parameter sets whose runs come ever closer to the published
series. The series are the calibration targets up to 2016 only; later years are kept back for validation. Details:

* **Prior**: uniform on a box around the shipped defaults, ``prior_width`` of each parameter's range wide (within its
  bounds). The defaults are the Nelder-Mead point of ``docs/calibration``, so they are one documented point of the
  ensemble's support.
* **Summary statistics**: each target's simulated value divided by its published value. The observation is 1 for
  every one of them. ``AdaptivePNormDistance`` rescales each statistic every generation, so that no series dominates
  by its spread.
* **Generations**: the first accepts the runs closer than ``quantile`` of the distances of a calibration sample from
  the prior; each later one perturbs the accepted sets and accepts closer still. With 30 parameters and a population
  of 100, the importance weights of later generations degenerate: measured here, the effective sample size fell from
  100 to 5.5, 2.3 and 3.4 in generations 1-3. So the shipped ensemble is one generation at a tight quantile, a
  rejection-ABC sample with equal weights (see ``docs/calibration/ensemble/README.md``). More generations need a
  larger population.
* **Runs**: one seed per evaluation, drawn from the sampler's random state. The model is stochastic and ABC needs its
  noise, so no common random numbers here. ``single`` (one process) is reproducible from ``seed``; ``multicore``
  (processes on this machine) and a Dask scheduler are faster but not reproducible run for run. These samplers are
  how pyabc evaluates, so the ensemble's runs do not go through the executor of the other commands
  (:class:`passend.experiments.runner.Executor`), and keep no journal (pyabc keeps its history in its database).

The result is a versioned file in the package (``passend/engine/data/ensemble.csv``: parameter sets and weights;
``ensemble.json``: how it was made, the effective sample size, each target's fit with its band over the ensemble).
Diagnostics are written as figures in the results folder. :func:`draw` gives parameter sets from it, for
``passend compare --uncertainty parameters``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from passend.experiments.targets import CALIBRATION_LAST_YEAR, compare, index_results, targets_of_group
from passend.engine import __version__
from passend.engine.behaviour import SPECS, Behaviour, calibrated_names
from passend.engine.errors import ConfigError

ENSEMBLE_CSV, ENSEMBLE_JSON = "ensemble.csv", "ensemble.json"
SAMPLERS = ("single", "multicore")
"""Where the runs go, besides a Dask scheduler's address: one process (reproducible), or the cores of this machine."""


@dataclass(frozen=True)
class EnsembleSettings:
    population: int = 100
    generations: int = 6
    scale: float = 0.02
    prior_width: float = 0.3
    sampler: str = "multicore"  # or "single", or a Dask scheduler's address
    jobs: int = 2
    seed: int = 1
    quantile: float = 0.5  # each generation's epsilon: this quantile of the last generation's distances
    min_acceptance: float = 0.02  # stop when fewer than this share of the runs of a generation are accepted

    def check(self) -> None:
        for name, value, low in (("--population", self.population, 10), ("--generations", self.generations, 1),
                                 ("--jobs", self.jobs, 1)):
            if value < low:
                raise ConfigError(name, value, f"a whole number >= {low}")
        if not 0.0 < self.quantile < 1.0:
            raise ConfigError("--quantile", self.quantile, "a fraction above 0 and below 1")
        if not 0.0 < self.prior_width <= 1.0:
            raise ConfigError("--prior-width", self.prior_width, "a fraction of each parameter's range, above 0 and at most 1")
        if self.sampler not in SAMPLERS and not self.sampler.startswith(("tcp://", "tls://")):
            raise ConfigError("--sampler", self.sampler, "single, multicore or a Dask scheduler's address (tcp://host:8786)")


def _commit() -> str:
    from passend.experiments.output import source_revision  # the commit of the code that made the ensemble

    return source_revision()


def prior_box(width: float) -> dict[str, tuple[float, float]]:
    """Per calibrated parameter, the (low, high) of its uniform prior: ``width`` of its range around the default,
    shifted inside its bounds."""
    box = {}
    for name in calibrated_names():
        spec = SPECS[name]
        lo, hi = spec.bounds
        half = width * (hi - lo) / 2
        low = min(max(spec.default - half, lo), hi - 2 * half)
        box[name] = (low, low + 2 * half)
    return box


def _target_end() -> dt.date:
    return dt.date(CALIBRATION_LAST_YEAR + 1, 7, 31)


def simulated_ratios(values: dict[str, float], seed: int, scale: float) -> dict[str, float]:
    """One run with these calibrated values: each target's simulated value over its published value."""
    from passend.experiments.one_run import simulate_rows
    from passend.engine.settings import RunSettings

    run = simulate_rows(RunSettings(seed=seed, scale=scale, end=_target_end()), Behaviour().replace(**values))
    counts, years = index_results(run.counts, run.school_years)
    return {row["target"]: row["simulated"] / row["published"] for row in compare(counts, years, targets_of_group(None))}


class _Model:
    """What pyabc calls with a parameter set: a picklable callable (Dask and the process pool send it to workers)."""

    def __init__(self, scale: float):
        self.scale = scale

    def __call__(self, parameters) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**31 - 1))  # the sampler's random state: seeded in single-core mode
        return simulated_ratios(dict(parameters), seed, self.scale)


def pyabc_sampler(name: str, jobs: int):
    """pyabc's sampler for ``name`` (see :data:`SAMPLERS`; else a Dask scheduler's address)."""
    from pyabc.sampler import DaskDistributedSampler, MulticoreEvalParallelSampler, SingleCoreSampler

    if name == "single":
        return SingleCoreSampler()
    if name == "multicore":
        return MulticoreEvalParallelSampler(n_procs=jobs)
    from dask.distributed import Client

    return DaskDistributedSampler(Client(name))


def run_abc(settings: EnsembleSettings, database: Path, report: Callable[[str], None] = print):
    """ABC-SMC; returns pyabc's History (kept in ``database``, an SQLite file)."""
    import pyabc

    settings.check()
    np.random.seed(settings.seed)
    prior = pyabc.Distribution(**{name: pyabc.RV("uniform", low, high - low)
                                  for name, (low, high) in prior_box(settings.prior_width).items()})
    sampler = pyabc_sampler(settings.sampler, settings.jobs)
    observed = {t.name: 1.0 for t in targets_of_group(None)}
    abc = pyabc.ABCSMC(_Model(settings.scale), prior, pyabc.AdaptivePNormDistance(p=2),
                       population_size=settings.population, sampler=sampler,
                       eps=pyabc.QuantileEpsilon(alpha=settings.quantile))
    abc.new(f"sqlite:///{database}", observed)
    began = time.perf_counter()
    history = abc.run(max_nr_populations=settings.generations, min_acceptance_rate=settings.min_acceptance)
    report(f"ABC-SMC: {history.n_populations} generations, {history.total_nr_simulations} runs, "
           f"{time.perf_counter() - began:.0f} s")
    return history


def effective_sample_size(weights: np.ndarray) -> float:
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    return float(1.0 / np.sum(w**2))


def summarise(history, settings: EnsembleSettings, seconds: float) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """(the ensemble: one row per parameter set with its weight, its description, each target's fit and band)."""
    params, weights = history.get_distribution()
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    names = calibrated_names()
    ensemble = params[names].reset_index(drop=True).assign(weight=weights)
    stat_weights, stats = history.get_weighted_sum_stats()
    ratios = pd.DataFrame(stats)
    w = np.asarray(stat_weights, dtype=float) / np.sum(stat_weights)
    fit_rows = []
    for target in targets_of_group(None):
        r = ratios[target.name].to_numpy()
        order = np.argsort(r)
        cumulative = np.cumsum(w[order])
        low, median, high = (r[order][np.searchsorted(cumulative, q)] for q in (0.05, 0.5, 0.95))
        fit_rows.append({"target": target.name, "year": target.year, "published": target.published,
                         "tolerance": target.tolerance, "simulated_median": median * target.published,
                         "simulated_low": low * target.published, "simulated_high": high * target.published,
                         "within_tolerance_share": float(np.sum(w[np.abs(r - 1) <= target.tolerance]))})
    fit = pd.DataFrame(fit_rows)
    box = prior_box(settings.prior_width)
    meta = {
        "passend_version": __version__, "commit": _commit(), "made": dt.date.today().isoformat(),
        "method": "ABC-SMC (pyabc.ABCSMC), AdaptivePNormDistance (p=2) on simulated/published per target",
        "targets_through": CALIBRATION_LAST_YEAR,
        "targets": len(fit), "parameters": names, "prior": {n: {"uniform": box[n], "default": SPECS[n].default}
                                                             for n in names},
        "population": settings.population, "generations_run": int(history.n_populations),
        "runs": int(history.total_nr_simulations), "scale": settings.scale, "sampler": settings.sampler,
        "jobs": settings.jobs, "seed": settings.seed, "quantile": settings.quantile, "seconds": round(seconds),
        "size": len(ensemble),
        "effective_sample_size": round(effective_sample_size(weights), 1),
        "final_epsilon": float(history.get_all_populations()["epsilon"].iloc[-1]),
        "within_tolerance_median_share": float(fit["within_tolerance_share"].median()),
    }
    return ensemble, meta, fit


def write_ensemble(folder: Path, ensemble: pd.DataFrame, meta: dict, fit: pd.DataFrame, history=None) -> list[Path]:
    """The ensemble (``ensemble.csv``, ``ensemble.json``), the fit per target and the diagnostic figures."""
    from passend.experiments.figures import ensemble_figures

    folder.mkdir(parents=True, exist_ok=True)  # the caller's .partial folder (written whole) may exist already
    ensemble.to_csv(folder / ENSEMBLE_CSV, index=False)
    (folder / ENSEMBLE_JSON).write_text(json.dumps(meta, indent=2))
    fit.to_csv(folder / "ensemble_fit.csv", index=False)
    written = [folder / ENSEMBLE_CSV, folder / ENSEMBLE_JSON, folder / "ensemble_fit.csv"]
    if history is not None:
        history.get_all_populations().to_csv(folder / "generations.csv", index=False)
        written.append(folder / "generations.csv")
    return written + ensemble_figures(ensemble, meta, fit, folder)


def install(folder: Path) -> Path:
    """Copy the ensemble of ``folder`` into the package (``passend/engine/data/``), where :func:`load` reads it."""
    target = Path(str(resources.files("passend.engine") / "data"))
    from passend.experiments.output import write_file_whole

    for name in (ENSEMBLE_CSV, ENSEMBLE_JSON):  # whole or not at all: a full disk never leaves half an ensemble
        write_file_whole(target / name, (folder / name).read_bytes())
    return target / ENSEMBLE_CSV


def load(path: Path | None = None) -> tuple[pd.DataFrame, dict]:
    """The ensemble shipped in the package (or in ``path``'s folder): parameter sets with weights, and its description."""
    folder = Path(path) if path else Path(str(resources.files("passend.engine") / "data"))
    missing = [name for name in (ENSEMBLE_CSV, ENSEMBLE_JSON) if not (folder / name).is_file()]
    if missing:
        raise ConfigError("ensemble", str(folder / missing[0]), "an ensemble made by passend calibrate --ensemble, "
                          f"with its {ENSEMBLE_CSV} and {ENSEMBLE_JSON} (none is shipped in this version)")
    import io

    from passend.experiments.scenarios import read_input_bytes

    allowed = f"an ensemble made by passend calibrate --ensemble ({ENSEMBLE_CSV}: a weight and calibrated " \
              f"parameters per row; {ENSEMBLE_JSON}: its description)"
    try:  # a user's folder: regular files of a sane size, read as data and checked
        members = pd.read_csv(io.BytesIO(read_input_bytes(folder / ENSEMBLE_CSV, "ensemble", allowed, 50_000_000)))
        description = json.loads(read_input_bytes(folder / ENSEMBLE_JSON, "ensemble", allowed))
        weights = members["weight"].to_numpy(dtype=float)
        unknown = [c for c in members.columns if c != "weight" and c not in SPECS]
    except (ValueError, TypeError, KeyError, RecursionError, pd.errors.ParserError) as error:
        if isinstance(error, ConfigError):
            raise
        raise ConfigError("ensemble", str(folder), f"{allowed} ({type(error).__name__}: {error})".replace("\n", " ")) \
            from None
    if unknown or not isinstance(description, dict) or not len(weights) or not np.isfinite(weights).all() \
            or (weights < 0).any() or weights.sum() <= 0:
        raise ConfigError("ensemble", str(folder), f"{allowed}; weights finite, >= 0 and not all 0"
                          + (f" (unknown parameter {unknown[0]!r})" if unknown else ""))
    return members, description


def draw(ensemble: pd.DataFrame, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets from the weighted ensemble by systematic resampling (each set about weight x n times, so
    that a small draw spans the ensemble), in a random order fixed by ``seed``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError("--parameter-sets", n, "a whole number >= 1")
    rng = np.random.default_rng(seed)
    weights = ensemble["weight"].to_numpy(dtype=float)
    positions = (rng.uniform() + np.arange(n)) / n
    rows = np.searchsorted(np.cumsum(weights / weights.sum()), positions)
    names = [c for c in ensemble.columns if c != "weight"]
    return [{name: float(ensemble.loc[row, name]) for name in names} for row in rng.permutation(rows)]
