"""``passend calibrate --posterior``: a posterior of the parameters inside what history matching left (issue 34).

History matching (:mod:`passend.experiments.history_match`) rules out, wave by wave, the values the published series
cannot have come from. What is left is the support of the posterior; ABC-SMC (pyabc's ``ABCSMC``) then weighs the
values inside it:

* **Prior**: uniform over every parameter's full stated bounds, truncated to the box of what the last wave keeps (a
  perturbed set outside it is redrawn without a run). Truncating to the space itself, asking the emulators of every
  wave about each perturbed set, cost more than the runs: measured, a generation of 370 sets had not finished after
  15 minutes, most perturbations of a 37-dimensional kernel landing outside a space of 1e-19 of the box. The parameters
  move on the unit cube of their bounds, so that one kernel fits them all.
* **Generation 0 is rejection ABC inside the space the waves keep**: its sets are drawn from points the last wave's
  sampler found there (uniform where rejection found them, denser near the points its search started from), and
  those closer than :data:`FIRST_QUANTILE` of the calibration sample's distances are accepted, with equal weights.
  Later generations perturb them (pyabc's Gaussian kernel, see :data:`TRANSITION`) at the median of the last
  generation's distances.
* **Distance**: the same yardstick as the waves: each target's simulated value against its published one on the log
  scale, divided by the standard deviation of observation, discrepancy and the model's own noise (fixed weights,
  not adaptive ones: the families' stated uncertainties say what a miss costs).
* **Population sized to the dimension**: :data:`POPULATION_PER_PARAMETER` sets per parameter. With 30 parameters and
  a population of 100 the earlier attempt's weights degenerated (effective sample size 5.5, 2.3, 3.4); a kernel in
  d dimensions needs of the order of 10 d particles to cover a posterior's bulk.
* **Effective sample size**: reported per generation; the posterior shipped is the last generation whose effective
  sample size is at least :data:`ESS_FLOOR_PER_PARAMETER` sets per parameter (enough distinct sets to read each
  parameter's 5-95% range from). A generation below the floor is reported, not used, and ends the run: the next
  would perturb a handful of sets.
* **Budget**: generations stop at ``max_runs`` runs in all (a generation that would go beyond them is dropped
  unfinished), or when fewer than ``min_acceptance`` of a generation's runs are accepted. The database is kept, so an
  interrupted posterior continues from its last generation (``--resume``).

The result is written in the format of :mod:`passend.experiments.ensemble` (``ensemble.csv``: parameter sets and
weights; ``ensemble.json``: how it was made), so that ``passend compare --uncertainty parameters`` draws from it, with
``knowledge.csv``: per parameter its prior range, its non-implausible range and its posterior 5-95%, and whether the
data pin it down.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from pyabc.random_variables import DistributionBase

from passend.engine.errors import ConfigError

POPULATION_PER_PARAMETER = 10
"""Sets per generation for each parameter matched."""
ESS_FLOOR_PER_PARAMETER = 2
"""The least effective sample size a shipped generation may have, per parameter."""
TRANSITION = {"kernel": "pyabc.MultivariateNormalTransition", "scaling": 0.5}
"""The perturbation kernel: a Gaussian with the population's covariance, its bandwidth by Silverman's rule times 0.5.
Measured: at pyabc's default (scaling 1: 0.8 of the population's spread in 37 dimensions) most perturbations of the
thin space the waves keep fell outside it, and generation 1 had not accepted 370 sets after more than 1,500 runs; at
0.5 it accepted 43% of 852. A local kernel (pyabc's LocalTransition, a covariance per set from its nearest quarter) did
no better on the weights in tests/test_posterior.py's fake model (effective sample size 1.0 of 80 in generation 1,
against 1.2)."""
FIRST_QUANTILE = 0.1
"""Generation 0 is rejection ABC inside the waves' space: of the sets drawn there, those closer than this quantile of
the calibration sample's distances are accepted (about 1 run in 10), with equal weights. Measured: later generations'
importance weights degenerate in 37 dimensions (generation 1 at the median of generation 0: 43% of 852 runs accepted,
effective sample size 2 of 370, whatever the kernel), so the first generation must already be a posterior worth
shipping, and the generations after it ship only while their effective sample size holds."""
START_JITTER = 0.005
"""The first generation's sets: a start point moved by this share of the box's width (sd), kept inside the box."""
PINNED_WIDTH = 0.5
"""A parameter counts as pinned down when its posterior 5-95% range is at most this share of its prior range."""


@dataclass(frozen=True)
class PosteriorSettings:
    population: int | None = None  # None: POPULATION_PER_PARAMETER x the parameters
    generations: int = 8
    max_runs: int = 9000
    quantile: float = 0.5
    min_acceptance: float = 0.02
    seed: int = 1
    jobs: int = 2
    sampler: str = "multicore"  # "single" (reproducible), "multicore", or a Dask scheduler's address

    def check(self) -> None:
        if self.population is not None and (isinstance(self.population, bool) or not isinstance(self.population, int)
                                            or self.population < 10):
            raise ConfigError("--population", self.population, "a whole number >= 10 (or none: 10 per parameter)")
        for name, value, low in (("--generations", self.generations, 1), ("--max-runs", self.max_runs, 10),
                                 ("--jobs", self.jobs, 1), ("--seed", self.seed, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(name, value, f"a whole number >= {low}")
        if not 0.0 < self.quantile < 1.0:
            raise ConfigError("--quantile", self.quantile, "a fraction above 0 and below 1")
        if self.sampler not in ("single", "multicore") and not str(self.sampler).startswith(("tcp://", "tls://")):
            raise ConfigError("--sampler", self.sampler, "single, multicore or a Dask scheduler's address "
                                                         "(tcp://host:8786)")

    def size(self, dimension: int) -> int:
        return self.population or POPULATION_PER_PARAMETER * dimension


def _names(dimension: int) -> list[str]:
    return [f"u{k:02d}" for k in range(dimension)]


class _PlausiblePrior(DistributionBase):
    """Uniform on the unit cube, truncated to the box [low, high] of what the waves keep; its first sets drawn from
    ``start`` (points the waves keep). A pyabc distribution: ``rvs`` and ``pdf``."""

    def __init__(self, low: np.ndarray, high: np.ndarray, start: np.ndarray):
        self.low, self.high, self.start = low, high, start
        self.volume = float(np.prod(np.maximum(high - low, 1e-300)))

    def rvs(self, *args, **kwargs):
        import pyabc

        # pyabc seeds numpy's global state in each of its processes (a Generator of our own would repeat the same
        # draws in every worker); the jitter keeps two draws of one start point apart.
        point = self.start[np.random.randint(len(self.start))]
        point = np.clip(point + np.random.normal(0.0, START_JITTER, len(point)) * (self.high - self.low),
                        self.low, self.high)
        return pyabc.Parameter(dict(zip(_names(len(point)), map(float, point))))

    def pdf(self, x) -> float:
        point = np.array([x[name] for name in _names(len(self.low))])
        return 1.0 / self.volume if ((point >= self.low) & (point <= self.high)).all() else 0.0


class _Model:
    """What pyabc calls with a set: one run at scale ``scale`` to the end of the calibration window, seeded from the
    sampler's random state; its targets on the log scale (a failed run: far from everything)."""

    def __init__(self, names, low, high, published, scale: float):
        self.names, self.low, self.high = names, low, high
        self.published, self.scale = published, scale

    def __call__(self, parameters) -> dict[str, float]:
        from passend.engine.settings import RunSettings
        from passend.experiments.history_match import log_outputs, target_values, values_of
        from passend.experiments.targets import CALIBRATION_LAST_YEAR

        point = np.array([parameters[n] for n in _names(len(self.names))])
        seed = int(np.random.randint(0, 2**31 - 1))
        settings = RunSettings(seed=seed, scale=self.scale, end=dt.date(CALIBRATION_LAST_YEAR + 1, 7, 31))
        values = values_of(self.names, self.low, self.high, point)
        logged = log_outputs(np.array(target_values(settings, values), dtype=float), self.published)
        logged = np.where(np.isfinite(logged), logged, np.log(self.published) + 10.0)
        return {f"t{i:03d}": float(v) for i, v in enumerate(logged)}


def start_points(hm, n: int, seed: int) -> np.ndarray:
    """``n`` points inside the space every wave keeps, from the last wave's box."""
    from passend.experiments.history_match import sample_kept

    points, _ = sample_kept(hm.matching, hm.waves, n, *hm.last_box(), seed)
    if not len(points):
        raise ConfigError("history matching", len(hm.waves), "waves that keep some of the space: the last wave ruled "
                          "out every value (loosen the stated discrepancy, or look at the targets that rule out most)")
    return points


def run(hm, settings: PosteriorSettings, scale: float, folder: Path, resume: bool = False,
        report: Callable[[str], None] = print):
    """ABC-SMC inside the waves' space, one generation at a time within the budget; returns pyabc's History, kept in
    ``folder`` (``abc.db`` with ``abc.json``, its settings) so that ``resume`` continues it after an interruption."""
    import json

    import pyabc

    from passend.experiments.ensemble import pyabc_sampler

    settings.check()
    dimension = len(hm.names)
    population = settings.size(dimension)
    if population < 2 * dimension:  # the kernel's covariance needs more sets than dimensions
        raise ConfigError("--population", population, f"at least {2 * dimension} (twice the {dimension} parameters), "
                                                      "or none: 10 per parameter")
    database, kept = folder / "abc.db", folder / "abc.json"
    described = {"population": population, "first_quantile": FIRST_QUANTILE, "quantile": settings.quantile,
                 "scale": scale, "seed": settings.seed, "transition": TRANSITION}
    continuing = resume and database.is_file()
    if continuing:
        try:  # a user's folder: read as data
            earlier = json.loads(kept.read_text())
        except (OSError, ValueError, UnicodeDecodeError):
            earlier = None
        if earlier != described:
            raise ConfigError("--resume", str(folder), f"the same posterior settings as the ABC-SMC begun there "
                              f"(abc.json: {described})")
    else:
        folder.mkdir(parents=True, exist_ok=True)
        database.unlink(missing_ok=True)
        kept.write_text(json.dumps(described))
    np.random.seed(settings.seed)
    done = pyabc.History(f"sqlite:///{database}").n_populations if continuing else 0
    # the start is sampled only when a generation is to run (a finished run resumed is only summarised)
    start = (start_points(hm, round(population / FIRST_QUANTILE), settings.seed) if done < settings.generations
             else np.empty((0, dimension)))
    prior = _PlausiblePrior(*hm.last_box(), start)
    published = np.exp(hm.matching.observed)
    model = _Model(hm.names, hm.low, hm.high, published, scale)
    noise = np.array([e.noise_variance for e in hm.waves[-1].emulators])
    weights = {f"t{i:03d}": float(1.0 / np.sqrt(v)) for i, v in enumerate(hm.matching.other_var + noise)}
    distance = pyabc.PNormDistance(p=2, fixed_weights=weights)

    def smc(first: bool):  # a new ABCSMC per generation, loaded from the database: pyabc's own way to continue a run
        abc = pyabc.ABCSMC(model, prior, distance, population_size=population,
                           sampler=pyabc_sampler(settings.sampler, settings.jobs),
                           transitions=pyabc.MultivariateNormalTransition(scaling=TRANSITION["scaling"]),
                           eps=pyabc.QuantileEpsilon(alpha=FIRST_QUANTILE if first else settings.quantile))
        if database.is_file():
            abc.load(f"sqlite:///{database}", 1)
        else:
            abc.new(f"sqlite:///{database}", {f"t{i:03d}": float(v) for i, v in enumerate(hm.matching.observed)})
        return abc

    history = pyabc.History(f"sqlite:///{database}") if continuing else None
    report(f"ABC-SMC: {population} sets a generation ({POPULATION_PER_PARAMETER} per parameter), at most "
           f"{settings.generations} generations and {settings.max_runs} runs"
           + (f"; continuing after generation {done - 1}" if done else ""))
    began = time.perf_counter()
    while done < settings.generations:
        remaining = settings.max_runs - (history.total_nr_simulations if done else 0)
        if remaining < population:
            report(f"ABC-SMC: stopped, the budget of {settings.max_runs} runs is spent")
            break
        # pyabc bounds a generation's runs only through its acceptance floor: a floor of population/remaining keeps
        # the generation inside the budget (it is dropped, unfinished, when the runs are spent).
        floor = max(settings.min_acceptance, population / remaining)
        history = smc(first=done == 0).run(max_nr_populations=1, min_acceptance_rate=floor)
        if history.n_populations == done:
            report(f"ABC-SMC: stopped, generation {done} would accept fewer than {floor:.1%} of its runs "
                   "(the budget or the acceptance floor)")
            break
        done = history.n_populations
        row = generations(history).iloc[-1]
        report(f"ABC-SMC: generation {int(row['t'])}: epsilon {row['epsilon']:.2f}, {int(row['samples'])} runs, "
               f"{row['acceptance']:.0%} accepted, effective sample size {row['effective_sample_size']:.0f} "
               f"(floor {ESS_FLOOR_PER_PARAMETER * dimension}), {time.perf_counter() - began:.0f} s")
        if row["effective_sample_size"] < ESS_FLOOR_PER_PARAMETER * dimension:
            report("ABC-SMC: stopped, the weights have degenerated (a next generation would perturb a few sets)")
            break
    if not done:
        raise ConfigError("--max-runs", settings.max_runs, f"enough runs for a first generation of {population} sets "
                          f"(at {FIRST_QUANTILE:.0%} accepted, about {round(2 * population / FIRST_QUANTILE)})")
    report(f"ABC-SMC: {history.n_populations} generations, {history.total_nr_simulations} runs, "
           f"{time.perf_counter() - began:.0f} s")
    return history


def generations(history) -> pd.DataFrame:
    """Per generation: its epsilon, runs, acceptance and effective sample size."""
    from passend.experiments.ensemble import effective_sample_size

    table = history.get_all_populations()
    table = table[table["t"] >= 0].reset_index(drop=True)
    ess = []
    for t in table["t"]:
        _, w = history.get_distribution(t=int(t))
        ess.append(round(effective_sample_size(np.asarray(w, dtype=float)), 1))
    table["effective_sample_size"] = ess
    table["acceptance"] = (table["particles"] / table["samples"]).round(4)
    return table[["t", "epsilon", "samples", "particles", "acceptance", "effective_sample_size"]]


def chosen_generation(table: pd.DataFrame, dimension: int) -> int:
    """The last generation whose effective sample size reaches the floor (the first generation if none does)."""
    floor = ESS_FLOOR_PER_PARAMETER * dimension
    good = table[table["effective_sample_size"] >= floor]
    return int(good["t"].iloc[-1]) if len(good) else int(table["t"].iloc[0])


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / np.sum(weights)
    return float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)])


def knowledge(hm, members: pd.DataFrame) -> pd.DataFrame:
    """What the data know, per parameter: its prior range, the range the waves keep, its posterior 5-95% and median,
    and whether the data pin it down (posterior 5-95% at most :data:`PINNED_WIDTH` of the prior range)."""
    box_low, box_high = hm.last_box()
    weights = members["weight"].to_numpy(dtype=float)
    rows = []
    for k, name in enumerate(hm.names):
        lo, hi = hm.low[k], hm.high[k]
        values = members[name].to_numpy(dtype=float)
        q05, q50, q95 = (weighted_quantile(values, weights, q) for q in (0.05, 0.5, 0.95))
        kept_lo, kept_hi = lo + (hi - lo) * box_low[k], lo + (hi - lo) * box_high[k]
        width = (q95 - q05) / (hi - lo) if hi > lo else 0.0
        rows.append({"parameter": name, "prior_low": lo, "prior_high": hi, "kept_low": kept_lo, "kept_high": kept_hi,
                     "posterior_5": q05, "posterior_50": q50, "posterior_95": q95,
                     "posterior_width_share": round(width, 4), "pinned": bool(width <= PINNED_WIDTH)})
    return pd.DataFrame(rows)


def summarise(hm, history, settings: PosteriorSettings, scale: float, seconds: float,
              record: dict) -> tuple[pd.DataFrame, dict, pd.DataFrame, pd.DataFrame]:
    """(the posterior as an ensemble: a set per row with its weight; its description; the generations; what the data
    know)."""
    from passend.engine import __version__
    from passend.experiments.ensemble import effective_sample_size
    from passend.experiments.output import data_file_hashes, package_versions, source_revision

    table = generations(history)
    t = chosen_generation(table, len(hm.names))
    params, weights = history.get_distribution(t=t)
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    values = [hm.values(params.loc[i, _names(len(hm.names))].to_numpy(dtype=float)) for i in params.index]
    members = pd.DataFrame(values, columns=hm.names).assign(weight=weights)
    known = knowledge(hm, members)
    ess = effective_sample_size(weights)
    meta = {
        "method": "history matching (Gaussian-process emulators, implausibility cutoff 3) then ABC (pyabc) inside "
                  "the space kept: rejection at generation 0, ABC-SMC generations while their effective sample size "
                  "holds; PNormDistance (p=2) on log(simulated/published), weights 1/sd of observation, discrepancy "
                  "and noise",
        "passend_version": __version__, "commit": source_revision(), "made": dt.date.today().isoformat(),
        "targets_through": record["settings"]["targets_through"], "targets": len(hm.targets), "parameters": hm.names,
        "prior": {n: {"uniform": [float(lo), float(hi)]} for n, lo, hi in zip(hm.names, hm.low, hm.high)},
        "history_match": record, "posterior_settings": asdict(settings), "scale": scale,
        "population": settings.size(len(hm.names)), "generations_run": int(history.n_populations),
        "generation_shipped": t, "runs": int(history.total_nr_simulations), "seconds": round(seconds),
        "effective_sample_size": round(ess, 1),
        "effective_sample_size_floor": ESS_FLOOR_PER_PARAMETER * len(hm.names),
        "generations": table.to_dict("records"), "size": len(members),
        "pinned": [r["parameter"] for _, r in known.iterrows() if r["pinned"]],
        "versions": package_versions(), "data_files": data_file_hashes(),
    }
    return members, meta, table, known


def draw_knowledge(path: Path, known: pd.DataFrame) -> None:
    """Per parameter, on the share of its prior range: the range the waves keep (light) and the posterior's 5-95%
    with its median (dark), pinned parameters named in bold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    width = (known["prior_high"] - known["prior_low"]).replace(0, 1.0)

    def share(column: str) -> pd.Series:
        return (known[column] - known["prior_low"]) / width

    y = np.arange(len(known))
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(known) + 1.6))
    ax.barh(y, share("kept_high") - share("kept_low"), left=share("kept_low"), height=0.8, color="#c6dbef",
            label="not ruled out by the waves")
    ax.barh(y, share("posterior_95") - share("posterior_5"), left=share("posterior_5"), height=0.45,
            color="#2171b5", label="posterior 5-95%")
    ax.plot(share("posterior_50"), y, "|", color="black", markersize=9, label="posterior median")
    ax.set_yticks(y, known["parameter"], fontsize=8)
    for label, pinned in zip(ax.get_yticklabels(), known["pinned"]):
        label.set_fontweight("bold" if pinned else "normal")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of the parameter's prior range (0 = lower bound, 1 = upper bound)")
    ax.set_title(f"What the data know: {int(known['pinned'].sum())} of {len(known)} parameters pinned down\n(bold: "
                 f"posterior 5-95% within {PINNED_WIDTH:.0%} of the prior range)", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# --- the parameters the data leave open: do the outcomes users read depend on them? -------------------------------
SCREENING_OUTCOMES = ("so@2024", "sbo@2024", "vso@2024", "exempt_5a@2024", "home_over_3_months@2024",
                      "spend_state_total_eur@2024")
"""What users read of a run: the counts of 1 October 2024, the Leerplichttelling's 2024/25 and the state's spending."""
SCREENING_TRAJECTORIES = 4
"""Morris trajectories: each costs one run per open parameter and one more."""
MATTERS = 0.02
"""An open parameter matters when its Morris mu* on some outcome is above this share of the outcome's mean."""


def screening_spec(path: Path, known: pd.DataFrame, scale: float, seed: int) -> Path:
    """A sensitivity spec (``passend sensitivity``'s format) for a Morris screening of the parameters the data leave
    open, each over the range the waves keep, the rest at their shipped values, to 2025."""
    open_ = known[~known["pinned"]]
    lines = ["# made by passend calibrate --posterior: a Morris screening of the parameters the data leave open",
             "[sweep]", 'scenario = "default"', 'design = "morris"', f"samples = {SCREENING_TRAJECTORIES}",
             "replicates = 1", f"root_seed = {seed}",
             "outcomes = [" + ", ".join(f'"{o}"' for o in SCREENING_OUTCOMES) + "]", "",
             "[settings]", f"scale = {scale}", "end = 2025-07-31", ""]
    for _, row in open_.iterrows():
        low, high = float(row["kept_low"]), float(row["kept_high"])
        if high <= low:
            continue
        lines += [f"[parameters.{row['parameter']}]", f"range = [{low!r}, {high!r}]", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def screen(folder: Path, known: pd.DataFrame, scale: float, seed: int, jobs: int, scheduler: str | None,
           progress: bool) -> pd.DataFrame:
    """Morris on the open parameters (in ``folder``, resumed if it was begun): ``known`` with, per parameter, its
    largest mu* over the outcomes as a share of the outcome's mean, and the decision that follows (``decision``:
    pinned by the data; open and the outcomes depend on it; or open and they do not: fixed at its shipped value)."""
    from passend.experiments.sensitivity import (_outcome_matrix, analyse_screening, read_sensitivity_spec,
                                                 run_sensitivity)

    known = known.copy()
    known["screening_mu_star_share"] = np.nan
    if (~known["pinned"]).sum() >= 2:
        spec_path = folder / "spec.toml"
        resume = (folder / "screening").exists()
        if not resume:
            screening_spec(spec_path, known, scale, seed)
        spec = read_sensitivity_spec(spec_path)
        run_sensitivity(spec, folder, n_jobs=jobs, scheduler=scheduler, resume=resume, progress=progress)
        rows = pd.DataFrame(analyse_screening(spec.screening, folder / "screening"))
        rows.to_csv(folder / "sensitivity.csv", index=False)
        means = dict(zip([o.name for o in spec.screening.outcomes],
                         np.abs(_outcome_matrix(spec.screening, folder / "screening").mean(axis=0))))
        mu = rows[rows["index"] == "mu_star"].assign(share=lambda d: d["value"] / d["outcome"].map(means).clip(1e-9))
        largest = mu.groupby("parameter")["share"].max()
        known["screening_mu_star_share"] = known["parameter"].map(largest).round(4)
    matters = known["screening_mu_star_share"].fillna(np.inf) > MATTERS
    known["decision"] = np.where(known["pinned"], "pinned by the data",
                                 np.where(matters, "open; the outcomes depend on it",
                                          "open; the outcomes do not depend on it: fixed at its shipped value"))
    return known
