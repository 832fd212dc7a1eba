"""History matching (issue 34): rule out the parameter values the published series cannot have come from, wave by
wave, before estimating anything.

A **wave** is a space-filling design (a Latin hypercube) over what is still plausible, one run per design point, and
an **emulator** per target: a Gaussian process (scikit-learn's ``GaussianProcessRegressor``, on a linear mean) that
predicts the target, with its own variance, at parameter values never run. The **implausibility** of values ``x`` for
target ``i`` is

    I_i(x) = |z_i - E[f_i(x)]| / sqrt(Var_emulator_i(x) + Var_observation_i + Var_discrepancy_i + Var_noise_i)

with ``z_i`` the published value, the observation and discrepancy variances stated per target family
(:data:`FAMILIES`, a judgement written down) and the noise the model's own randomness (the emulator's white-noise
term: one run per point, so the seed's spread shows as noise). Values whose second largest implausibility exceeds 3
(Pukelsheim's three-sigma rule, with one badly emulated target forgiven) are ruled out. The next wave samples only
the values the emulators keep (rejection from a Latin hypercube over their bounding box, cheap: the emulators, not
the model, are asked). It stops when a wave no longer shrinks the space or when the emulators are more certain than
observation and discrepancy together: then the data, not the emulators, limit what is known (Vernon, Goldstein &
Bower 2010; Andrianakis et al. 2015).

Why Gaussian processes from scikit-learn: the standard emulator of the literature, with an anisotropic kernel whose
length scales are fitted per parameter and a white-noise term for the model's randomness; no hand-written
optimisation of hyperparameters to keep.

The first half of this module is the machinery on arrays (a design, emulators, implausibility, the space kept, the
diagnostics), tested on a toy simulator whose answer is known. The second runs it on passend: :func:`history_match`
(waves over every calibrated parameter and the assumptions marked ``history_match = true`` in behaviour.toml, one run
per design point, kept in a journal as they finish and resumable), with the targets on the log scale
(:func:`targets_matching`) and the stated uncertainties per family (:data:`FAMILIES`).

Cost: a wave's emulators are fitted per published series (:func:`fit_emulators`: the years of a series share their
kernel), so 127 targets cost what 22 series cost, about a minute for 255 runs in 37 dimensions on 2 cores; asking
100,000 points of a wave's space costs seconds (:meth:`Matching.evaluate` stops asking a point once it is ruled out).
The command is ``passend calibrate --history-match`` (:func:`passend.experiments.api.calibrate_history_match`); the
posterior inside the last wave is :mod:`passend.experiments.posterior`.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from scipy.stats import qmc
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.linear_model import RidgeCV

CUTOFF = 3.0
"""Implausibility above which values are ruled out (Pukelsheim's three-sigma rule for a unimodal distribution)."""
REPLICATES = 5
"""Runs of each anchor point (the shipped values) per wave, with different seeds: the model's own noise."""
EMULATOR_JOBS = 2
"""Processes that fit a wave's emulators (this machine's cores)."""
FORGIVEN = 1
"""How many of the largest implausibilities are passed over before the cutoff applies (the second largest decides):
one target an emulator predicts badly should not rule out values alone."""


@dataclass(frozen=True)
class Uncertainty:
    """What a published value of a family leaves open, as a relative standard deviation of the value: how exactly it
    was observed, and how far the model may stand from the real system even at its best values (discrepancy)."""

    observation: float
    discrepancy: float


@dataclass
class Emulator:
    """A Gaussian process for one output over the unit cube of the parameters, on a linear (ridge) mean."""

    mean: RidgeCV
    gp: GaussianProcessRegressor
    scale: float  # the output's standard deviation in the design, by which the residuals are divided
    inflation: float = 1.0  # the emulator's variance times this matches its leave-one-out errors (at least 1)

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, seed: int = 0, kernel=None, noise: float = 0.0) -> "Emulator":
        """Fitted to runs ``x`` (unit cube) and their output ``y``. ``noise``: the model's own variance of the output
        at one point (from replicate runs), below which the white-noise term may not go: with a few hundred runs in
        dozens of dimensions a Gaussian process can otherwise explain the seed's noise as signal and claim to know
        the output better than one run can tell it. With ``kernel`` given (fitted on a sibling output), its length
        scales and amplitude are kept and only the runs are conditioned on.

        The emulator's variance is then inflated until its leave-one-out errors are standard (mean square 1), so
        that it is no surer away from its runs than it proved to be on them."""
        mean = _linear_mean(x, y)
        residual = y - mean.predict(x)
        scale = float(np.std(residual)) or 1.0
        floor = max(noise / scale ** 2, 1e-6)
        d = x.shape[1]
        if kernel is None:
            # length scales at most a few times the cube's side: a longer one would let far runs vouch for each
            # other, and an emulator of few runs in many dimensions would then claim to know what it has not seen
            kernel = (ConstantKernel(1.0, (1e-2, 10.0)) * RBF(np.full(d, 0.5), (0.05, 3.0))
                      + WhiteKernel(max(0.1, floor), (floor, max(1.0, 2 * floor))))
            gp = GaussianProcessRegressor(kernel, normalize_y=False, n_restarts_optimizer=0, random_state=seed)
        else:
            level = max(float(kernel.k2.noise_level), floor)
            gp = GaussianProcessRegressor(kernel.k1 + WhiteKernel(level, "fixed"), normalize_y=False, optimizer=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(x, residual / scale)
        emulator = cls(mean, gp, scale)
        errors = leave_one_out(emulator, x, y)
        emulator.inflation = max(1.0, float(np.mean(errors ** 2)))
        return emulator

    @property
    def noise_variance(self) -> float:
        """The model's own randomness at one run per point, on the output's scale (the white-noise term)."""
        return float(self.gp.kernel_.k2.noise_level) * self.scale ** 2

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected output and the emulator's variance of it (without the model's noise) at ``x``."""
        m, sd = self.gp.predict(x, return_std=True)
        latent = np.maximum(sd ** 2 - self.gp.kernel_.k2.noise_level, 0.0)
        return self.mean.predict(x) + m * self.scale, self.inflation * latent * self.scale ** 2


def fit_emulators(x: np.ndarray, outputs: np.ndarray, seed: int = 0, jobs: int | None = None,
                  groups: Sequence[str] | None = None, noise: np.ndarray | None = None) -> list[Emulator]:
    """An emulator per output column, fitted on ``jobs`` processes (default :data:`EMULATOR_JOBS`).

    ``groups`` names a group per output (a published series: its years): the kernel's hyperparameters (length
    scales, amplitude, noise) are fitted once per group, on the group's middle output, and the others of the group
    are conditioned on their own runs with that kernel. The years of one series answer to the parameters alike, and
    fitting a kernel is the whole cost (about 8 s for 300 runs in 37 dimensions, against 0.05 s to condition), so
    127 targets cost what their 22 series cost. ``noise``: each output's variance between replicate runs (see
    :meth:`Emulator.fit`)."""
    noise = np.zeros(outputs.shape[1]) if noise is None else noise
    jobs = EMULATOR_JOBS if jobs is None else jobs
    groups = list(range(outputs.shape[1])) if groups is None else list(groups)
    members: dict = {}
    for column, group in enumerate(groups):
        members.setdefault(group, []).append(column)
    leaders = [columns[len(columns) // 2] for columns in members.values()]
    if jobs == 1 or len(leaders) < 4:
        fitted = [Emulator.fit(x, outputs[:, i], seed, noise=noise[i]) for i in leaders]
    else:
        from joblib import Parallel, delayed

        fitted = Parallel(n_jobs=jobs)(delayed(Emulator.fit)(x, outputs[:, i], seed, noise=noise[i])
                                       for i in leaders)
    emulators: list[Emulator | None] = [None] * outputs.shape[1]
    for leader, columns, emulator in zip(leaders, members.values(), fitted):
        for column in columns:
            emulators[column] = emulator if column == leader else \
                Emulator.fit(x, outputs[:, column], seed, kernel=emulator.gp.kernel_, noise=noise[column])
    return emulators


def _linear_mean(x: np.ndarray, y: np.ndarray) -> RidgeCV:
    """The emulator's mean: linear in the parameters, shrunk towards a constant by ridge regression with its penalty
    chosen by five-fold cross-validation (not the leave-one-out shortcut, which favours a plane through every run when
    there are about as many runs as coefficients), so that a wave with few runs for its dimensions does not fit a plane through noise
    (an unpenalised plane with as many coefficients as runs extrapolates anywhere)."""
    return RidgeCV(alphas=np.logspace(-3, 4, 15), cv=min(5, len(y))).fit(x, y)


def latin_hypercube(n: int, low: np.ndarray, high: np.ndarray, seed: int) -> np.ndarray:
    """``n`` points of a Latin hypercube in the box [low, high] (unit coordinates)."""
    return low + (high - low) * qmc.LatinHypercube(d=len(low), seed=seed).random(n)


def implausibility(observed: np.ndarray, mean: np.ndarray, emulator_var: np.ndarray,
                   other_var: np.ndarray) -> np.ndarray:
    """Per point and target: |z - E| over the square root of all the variances (points x targets)."""
    return np.abs(observed - mean) / np.sqrt(emulator_var + other_var)


def kept(implausibilities: np.ndarray, cutoff: float = CUTOFF, forgiven: int = FORGIVEN) -> np.ndarray:
    """Which points are not ruled out: their (forgiven + 1)-th largest implausibility is within the cutoff."""
    ordered = -np.sort(-implausibilities, axis=1)
    return ordered[:, min(forgiven, ordered.shape[1] - 1)] <= cutoff


@dataclass
class Wave:
    """One wave: its design (unit coordinates), the outputs of its runs, the emulators fitted on them, and what
    they keep of a large sample of the space (the non-implausible share)."""

    number: int
    design: np.ndarray
    outputs: np.ndarray
    emulators: list[Emulator]
    low: np.ndarray  # the box sampled in this wave
    high: np.ndarray
    kept_share: float = 1.0  # of the previous waves' space, the share this wave's emulators keep
    space_share: float = 1.0  # of the whole prior box, the share still not ruled out after this wave
    kept_low: np.ndarray | None = None  # the bounding box of what this wave keeps
    kept_high: np.ndarray | None = None
    kept_sample: np.ndarray | None = None  # points it keeps (the next wave's design): where inside the box they lie
    emulator_to_data: float = np.inf  # median over targets of emulator sd / sd of observation + discrepancy
    order: np.ndarray | None = None  # targets from the one whose runs stand farthest from its published value


@dataclass
class Matching:
    """What the waves compare with: published values and the variances stated for them."""

    observed: np.ndarray
    other_var: np.ndarray  # observation + discrepancy variance per target (the model's noise is the emulator's)

    def evaluate(self, waves: Sequence[Wave], x: np.ndarray, cutoff: float = CUTOFF,
                 forgiven: int = FORGIVEN) -> np.ndarray:
        """Points of ``x`` that no wave so far rules out (each wave's emulators judge the space it was fitted in).

        The same verdict as :func:`kept` on every implausibility, reached sooner: targets are asked in the order that
        rules out most (:attr:`Wave.order`), and a point is asked no more once more than ``forgiven`` of them have
        ruled it out. Most of a first wave's probe is gone after a few targets, so a probe of 100,000 points costs
        seconds instead of minutes."""
        keep = np.ones(len(x), dtype=bool)
        for wave in waves:
            alive = np.flatnonzero(keep & np.all((x >= wave.low) & (x <= wave.high), axis=1))
            exceeded = np.zeros(len(alive), dtype=int)
            for i in wave.order if wave.order is not None else range(len(wave.emulators)):
                if not len(alive):
                    break
                emulator = wave.emulators[i]
                mean, variance = emulator.predict(x[alive])
                far = implausibility(self.observed[i], mean, variance,
                                     self.other_var[i] + emulator.noise_variance) > cutoff
                exceeded += far
                survive = exceeded <= forgiven
                alive, exceeded = alive[survive], exceeded[survive]
            keep[:] = False
            keep[alive] = True
        return keep

    def implausibility(self, wave: Wave, x: np.ndarray) -> np.ndarray:
        means, variances = zip(*(e.predict(x) for e in wave.emulators))
        noise = np.array([e.noise_variance for e in wave.emulators])
        return implausibility(self.observed, np.column_stack(means), np.column_stack(variances),
                              self.other_var + noise)


EXPLORE_SPREAD = 0.05
"""When rejection finds too few points kept, new ones are proposed around those found, with each parameter's spread
among them but at least this share of the box sampled."""


BOX_MARGIN = 0.05
"""The margin, as a share of a wave's box, by which the next wave's box extends beyond the points kept."""


def sample_kept(matching: Matching, waves: Sequence[Wave], n: int, low: np.ndarray, high: np.ndarray, seed: int,
                batch: int = 20_000, tries: int = 5, rounds: int = 40) -> tuple[np.ndarray, float]:
    """``n`` points the waves keep, and the share of the box [low, high] they keep.

    First by rejection from Latin hypercubes over the box (``tries`` x ``batch`` points), which also measures the
    share kept (the acceptance rate). When the space kept is too small for rejection to find ``n`` points, the points
    found seed a search around them: proposals from a normal distribution around a found point, with each
    parameter's spread among the points found (at least :data:`EXPLORE_SPREAD` of the box), kept if the waves keep
    them, until there are ``n`` (as hmer and Andrianakis et al. 2015 fill a small non-implausible space). Fewer than
    ``n`` only if none is found at all, or the search runs out of ``rounds``."""
    rng = np.random.default_rng(seed)
    found, drawn, accepted = [], 0, 0
    for k in range(tries):
        candidates = latin_hypercube(batch, low, high, seed + k)
        keep = matching.evaluate(waves, candidates)
        drawn, accepted = drawn + batch, accepted + int(keep.sum())
        found.append(candidates[keep])
        if accepted >= n:
            break
    points = np.concatenate(found)
    share = accepted / max(drawn, 1)
    if len(points) >= n:
        return points[:n], share
    searched = [points]
    for _ in range(rounds):
        pool = np.concatenate(searched)
        if not len(pool) or len(pool) >= n:
            break
        spread = np.maximum(pool.std(axis=0) if len(pool) > 1 else 0.0, EXPLORE_SPREAD * (high - low))
        centres = pool[rng.integers(len(pool), size=batch // 4)]
        proposals = np.clip(centres + rng.normal(size=centres.shape) * spread, low, high)
        searched.append(proposals[matching.evaluate(waves, proposals)])
    pool = np.concatenate(searched)
    if len(pool) > n:  # what rejection found first (uniform over the space kept), then a random choice of the rest
        rest = pool[len(points):]
        pool = np.concatenate([points, rest[rng.choice(len(rest), n - len(points), replace=False)]])
    return pool, share


def run_waves(simulate: Callable[[np.ndarray, int], np.ndarray], matching: Matching, dimension: int,
              runs_per_wave: int, max_waves: int, seed: int = 1, report: Callable[[str], None] = print,
              min_shrink: float = 0.9, finished: Callable[[Wave], None] | None = None,
              groups: Sequence[str] | None = None, anchors: np.ndarray | None = None,
              replicates: int | None = None) -> list[Wave]:
    """History matching from the whole unit cube: each wave runs ``simulate(design, wave number)`` (design points ->
    outputs, one row per point; a row of NaN for a run that failed) on a design over what the earlier waves keep,
    fits an emulator per output (``groups``: see :func:`fit_emulators`), and measures what it keeps. ``anchors``
    (points such as the shipped values) join each design ``replicates`` times while no wave rules them out: the
    emulators then know the neighbourhood of a known good fit, and the spread between the replicates measures the
    model's own noise, below which no emulator may claim to know an output. ``finished(wave)`` is told each wave as it ends. Stops after ``max_waves``,
    when a wave keeps more than ``min_shrink`` of the space before it, when the emulators' sd is below that of
    observation and discrepancy for most targets, or when nothing is kept."""
    waves: list[Wave] = []
    replicates = REPLICATES if replicates is None else replicates
    anchors = np.empty((0, dimension)) if anchors is None else np.atleast_2d(anchors)
    low, high = np.zeros(dimension), np.ones(dimension)
    design = latin_hypercube(runs_per_wave, low, high, seed)
    spreads: list[np.ndarray] = []
    for number in range(1, max_waves + 1):
        inside = anchors[np.all((anchors >= low) & (anchors <= high), axis=1)]
        inside = inside[matching.evaluate(waves, inside)] if len(inside) else inside
        design = np.concatenate([design, np.repeat(inside, replicates, axis=0)])
        outputs = simulate(design, number)
        if len(inside) and replicates > 1:
            repeated = outputs[len(design) - len(inside) * replicates:].reshape(len(inside), replicates, -1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an anchor whose runs all failed
                spreads.append(np.nanmean(np.nanvar(repeated, axis=1, ddof=1), axis=0))
        noise = np.nan_to_num(np.nanmean(spreads, axis=0)) if spreads else None
        ran = np.isfinite(outputs).all(axis=1)
        if not ran.all():
            report(f"wave {number}: {int((~ran).sum())} of {len(design)} runs failed; the emulators leave them out")
        design, outputs = design[ran], outputs[ran]
        emulators = fit_emulators(design, outputs, seed, groups=groups, noise=noise)
        wave = Wave(number, design, outputs, emulators, low.copy(), high.copy())
        distance = np.abs(outputs - matching.observed) / np.sqrt(matching.other_var)
        wave.order = np.argsort(-np.median(distance, axis=0), kind="stable")
        previous = waves[-1].space_share if waves else 1.0
        following, share = sample_kept(matching, waves + [wave], runs_per_wave, low, high, seed + 1000 * number)
        wave.space_share = float(np.prod(high - low) * share)  # of the whole prior box (the unit cube)
        wave.kept_share = wave.space_share / previous if previous else 0.0
        probe = following if len(following) else latin_hypercube(500, low, high, seed)
        if len(following):
            # the box of the next wave: around the points found and the anchors still kept, widened by a margin,
            # since a few hundred points of a thin space do not reach its edges (and what falls outside the box
            # counts as ruled out from then on)
            kept_anchors = inside[matching.evaluate(waves + [wave], inside)] if len(inside) else inside
            found = np.concatenate([following, kept_anchors])
            margin = BOX_MARGIN * (high - low)
            wave.kept_low = np.maximum(found.min(axis=0) - margin, low)
            wave.kept_high = np.minimum(found.max(axis=0) + margin, high)
            wave.kept_sample = following
        sd_emulator = np.array([np.sqrt(np.median(e.predict(probe[:500])[1])) for e in emulators])
        wave.emulator_to_data = float(np.median(sd_emulator / np.sqrt(matching.other_var)))
        waves.append(wave)
        if finished is not None:
            finished(wave)
        report(f"wave {number}: {len(design)} runs, keeps {wave.kept_share:.3%} of the space before it "
               f"({wave.space_share:.3g} of the prior box); emulator sd / data sd {wave.emulator_to_data:.2f}")
        if len(following) < max(dimension + 2, runs_per_wave // 4):
            report(f"wave {number}: the space kept is too small to sample ({len(following)} points found); stopping")
            break
        if wave.kept_share > min_shrink or wave.emulator_to_data < 1.0:
            break
        low, high, design = wave.kept_low, wave.kept_high, following
    return waves


def leave_one_out(emulator: Emulator, x: np.ndarray, y: np.ndarray, points: np.ndarray | None = None) -> np.ndarray:
    """Standardised leave-one-out errors of an emulator on the runs it was fitted on, (y_i - E_-i) / sd_-i with the
    noise, at ``points`` (indices; default all). Most should lie within +-3 for an emulator to be trusted.

    In closed form (Rasmussen & Williams 2006, eq. 5.12): with K the kernel matrix of the runs (noise included) and
    r the residuals from the mean, the prediction without run i misses by [K^-1 r]_i / [K^-1]_ii with variance
    1 / [K^-1]_ii, the kernel and the mean held as fitted on all runs. One inversion instead of a refit per run."""
    points = np.arange(len(y)) if points is None else points
    residual = (y - emulator.mean.predict(x)) / emulator.scale
    inverse = np.linalg.inv(emulator.gp.kernel_(x))
    alpha = inverse @ residual
    diagonal = np.diag(inverse)
    return (alpha / np.sqrt(diagonal))[points]


# --- passend's runs ----------------------------------------------------------------------------------------------------
FAMILIES = {
    "counts": Uncertainty(observation=0.01, discrepancy=0.04),
    "intake": Uncertainty(observation=0.03, discrepancy=0.10),
    "labelling": Uncertainty(observation=0.05, discrepancy=0.08),
    "attendance": Uncertainty(observation=0.05, discrepancy=0.10),
}
"""The stated judgements, per family of targets, as relative standard deviations of the published value.
Observation: DUO's 1 October counts are complete registers (1%, for rounding and the model's definitions of a
setting); the intake flows are derived from them (3%); the old system's labelling figures are rounded figures of
ministers' letters (5%); the Leerplichttelling counts what municipalities registered, which changed with their
practice (5%). Discrepancy: what a model of national mechanisms on synthetic regions may miss at its best values:
counts 4% (below the calibration's 5-7% tolerance), intake and attendance 10% (flows and registrations the model
derives from decisions it simplifies), labelling 8%."""


def series_of(name: str) -> str:
    """The published series of a target: its name without its year ('intake sbo 2016/2014' -> 'intake sbo')."""
    return re.sub(r"\s*\d{4}(?:[-/]\d{4})?-?$", "", name)


def family_of(source: str) -> str:
    """The family of a calibration target, from its source file."""
    if source.startswith("pupil_counts"):
        return "counts"
    if source.startswith("intake"):
        return "intake"
    if source.startswith("attendance"):
        return "attendance"
    return "labelling"


FLOOR = 1e-3
"""A simulated value below this share of the published one counts as this share (its logarithm stays finite)."""


def targets_matching():
    """The calibration targets (2003-2018) and what the waves compare with, on the log scale: over the whole box the
    model's outputs span orders of magnitude (children at home from a thousand to a hundred thousand), which a
    Gaussian process on the values themselves extrapolates into negative counts; on the log scale a relative
    standard deviation is a standard deviation, as the families state them."""
    from passend.experiments.targets import calibration_targets

    targets = calibration_targets()
    observed = np.array([t.published for t in targets])
    relative = np.array([FAMILIES[family_of(t.source)].observation ** 2 + FAMILIES[family_of(t.source)].discrepancy ** 2
                         for t in targets])
    return targets, Matching(np.log(observed), relative)


def log_outputs(values: np.ndarray, published: np.ndarray) -> np.ndarray:
    """Simulated target values on the log scale of :func:`targets_matching` (NaN stays NaN: a failed run)."""
    with np.errstate(invalid="ignore"):
        return np.log(np.maximum(values, FLOOR * published))


def target_values(settings, values: dict[str, float]) -> list[float]:
    """In a worker: one run at ``values`` (the rest at the shipped defaults), and its value of every calibration
    target; NaN for each if the run fails (its point is left out of the emulators, and said so)."""
    from passend.engine.behaviour import Behaviour
    from passend.experiments.one_run import simulate_rows
    from passend.experiments.targets import calibration_targets, compare, mean_results

    targets = calibration_targets()
    try:
        run = simulate_rows(settings, Behaviour().replace(**values))
    except (ArithmeticError, ValueError, IndexError) as error:  # a corner of the box the model cannot run
        warnings.warn(f"a run at {values} failed: {type(error).__name__}: {error}")
        return [float("nan")] * len(targets)
    counts, years = mean_results([(run.counts, run.school_years)])
    return [float(row["simulated"]) for row in compare(counts, years, targets)]


def _wave_run(run_id: int, settings, values: dict[str, float]) -> dict:
    """In a worker: the journal's row of one design point."""
    return {"run_id": run_id, "seed": settings.seed, "values": values, "targets": target_values(settings, values)}


@dataclass
class HistoryMatch:
    """What a history matching found: its parameters, the published values it matched, and its waves."""

    names: list[str]
    low: np.ndarray  # each parameter's prior bounds (the unit cube's corners in parameter units)
    high: np.ndarray
    targets: list
    matching: Matching
    waves: list[Wave]

    def values(self, point: np.ndarray) -> dict[str, float]:
        """Parameter values of a point of the unit cube (whole-number parameters rounded)."""
        return values_of(self.names, self.low, self.high, point)

    def last_box(self) -> tuple[np.ndarray, np.ndarray]:
        """The box (unit coordinates) of what the last wave keeps."""
        last = self.waves[-1]
        if last.kept_low is None:
            return last.low, last.high
        return last.kept_low, last.kept_high


def values_of(names: Sequence[str], low: np.ndarray, high: np.ndarray, point: np.ndarray) -> dict[str, float]:
    """Parameter values of a point of the unit cube [low, high] (whole-number parameters rounded)."""
    from passend.engine.behaviour import SPECS

    out = {}
    for name, lo, hi, u in zip(names, low, high, point):
        value = float(lo + (hi - lo) * u)
        out[name] = float(round(value)) if SPECS[name].whole else value
    return out


def history_match(out: Path, runs_per_wave: int, max_waves: int, scale: float, executor, resume: bool = False,
                  seed: int = 1, report: Callable[[str], None] = print, progress: bool = False,
                  wave_done: Callable[[Wave], None] | None = None) -> HistoryMatch:
    """Waves over the full bounds of every parameter :func:`passend.engine.behaviour.history_match_names` names, one
    run per design point at ``scale`` to the end of the calibration window, each wave's runs kept in
    ``out/wave_<n>/runs.jsonl`` as they finish (``resume``: an interrupted matching picks up its finished runs: the
    designs are the same given the same runs). After each wave its record is written: ``waves.csv``,
    ``ranges.csv``, ``emulators.csv`` and ``ranges.png``, and ``wave_done(wave)`` is told."""
    import datetime as dt

    from passend.engine.behaviour import SPECS, Behaviour, history_match_names
    from passend.engine.settings import RunSettings
    from passend.engine.streams import RandomStreams
    from passend.experiments.journal import IDENTITY, ROWS, Journal
    from passend.experiments.targets import CALIBRATION_LAST_YEAR

    names = history_match_names()
    targets, matching = targets_matching()
    hm = HistoryMatch(names, np.array([SPECS[n].bounds[0] for n in names], dtype=float),
                      np.array([SPECS[n].bounds[1] for n in names], dtype=float), list(targets), matching, [])
    end = dt.date(CALIBRATION_LAST_YEAR + 1, 7, 31)

    def simulate(design: np.ndarray, number: int) -> np.ndarray:
        seeds = RandomStreams.replicate_seeds(seed * 1000 + number, len(design))
        tasks = {i: (i, RunSettings(seed=s, scale=scale, end=end), hm.values(p))
                 for i, (s, p) in enumerate(zip(seeds, design))}
        records = out / f"wave_{number}" / ROWS.file_name
        identity = {"wave": number, "scale": scale, "seeds": seeds, "parameters": names,
                    "targets": [t.name for t in targets], "design": np.round(design, 9).tolist()}
        expected = [{"run_id": i, "seed": s} for i, s in enumerate(seeds)]
        if resume and (records.parent / IDENTITY).is_file():
            journal = Journal.resume(records, identity, ROWS, expected, "history matching (settings and designs)")
        else:
            journal = Journal.start(records, identity, ROWS, expected)
        todo = {i: task for i, task in tasks.items() if i not in journal.finished}
        for _ in executor.run(_wave_run, todo, f"wave {number}" if progress else None, journal,
                              done=len(journal.finished)):
            pass
        simulated = np.array([journal.finished[i]["targets"] for i in range(len(design))], dtype=float)
        return log_outputs(simulated, np.exp(matching.observed))

    def finished(wave: Wave) -> None:
        hm.waves.append(wave)
        write_record(out, hm)
        if wave_done is not None:
            wave_done(wave)

    shipped = Behaviour()
    anchor = (np.array([shipped[n] for n in names]) - hm.low) / (hm.high - hm.low)
    run_waves(simulate, matching, len(names), runs_per_wave, max_waves, seed, report, finished=finished,
              groups=[series_of(t.name) for t in targets], anchors=np.clip(anchor, 0.0, 1.0))
    return hm


def write_record(out: Path, hm: HistoryMatch) -> None:
    """The record of the waves so far: per wave its runs, the share kept and how sure its emulators are
    (``waves.csv``); each parameter's range still not ruled out (``ranges.csv``, ``ranges.png``); per target and
    wave, its family, the emulator's noise and leave-one-out check (``emulators.csv``)."""
    import csv

    out.mkdir(parents=True, exist_ok=True)
    with open(out / "waves.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["wave", "runs", "kept_share_of_previous", "space_share", "emulator_sd_over_data_sd"])
        for wave in hm.waves:
            w.writerow([wave.number, len(wave.design), round(wave.kept_share, 6), f"{wave.space_share:.6g}",
                        round(wave.emulator_to_data, 4)])
    with open(out / "ranges.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["wave", "parameter", "prior_low", "prior_high", "kept_low", "kept_high", "kept_width_share",
                    "kept_5", "kept_95"])
        for wave in hm.waves:
            if wave.kept_low is None:
                continue
            q05, q95 = np.percentile(wave.kept_sample, [5, 95], axis=0)
            for k, name in enumerate(hm.names):
                lo, hi = hm.low[k], hm.high[k]
                w.writerow([wave.number, name, lo, hi, lo + (hi - lo) * wave.kept_low[k],
                            lo + (hi - lo) * wave.kept_high[k], round(wave.kept_high[k] - wave.kept_low[k], 4),
                            lo + (hi - lo) * q05[k], lo + (hi - lo) * q95[k]])
    with open(out / "emulators.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["wave", "target", "family", "published", "noise_sd_log", "loo_within_3_share", "loo_points"])
        for wave in hm.waves:
            for i, (target, emulator) in enumerate(zip(hm.targets, wave.emulators)):
                errors = leave_one_out(emulator, wave.design, wave.outputs[:, i])
                w.writerow([wave.number, target.name, family_of(target.source), target.published,
                            round(float(np.sqrt(emulator.noise_variance)), 4),  # relative (log scale)
                            round(float(np.mean(np.abs(errors) <= 3.0)), 4), len(errors)])
    _draw_ranges(out / "ranges.png", hm)


def _draw_ranges(path: Path, hm: HistoryMatch) -> None:
    """Per parameter and wave: the bounding box of the points kept (light) and where 90% of them lie (dark), with
    the shipped value: a space kept can be a thin slice of the box, spanning every parameter's range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from passend.engine.behaviour import Behaviour

    waves = [w for w in hm.waves if w.kept_low is not None]
    fig, ax = plt.subplots(figsize=(9.5, 0.3 * len(hm.names) + 1.8))
    height = 0.8 / max(len(waves), 1)
    colours = plt.get_cmap("viridis")(np.linspace(0.15, 0.85, max(len(waves), 1)))
    for j, (wave, colour) in enumerate(zip(waves, colours)):
        y = np.arange(len(hm.names)) + j * height
        q05, q95 = np.percentile(wave.kept_sample, [5, 95], axis=0)
        ax.barh(y, wave.kept_high - wave.kept_low, left=wave.kept_low, height=height, color=colour, alpha=0.3)
        ax.barh(y, q95 - q05, left=q05, height=height, color=colour,
                label=f"wave {wave.number}: {wave.space_share:.3g} of the prior box kept (dark: 90% of the points)")
    shipped = Behaviour()
    at = (np.array([shipped[n] for n in hm.names]) - hm.low) / np.where(hm.high > hm.low, hm.high - hm.low, 1.0)
    ax.plot(at, np.arange(len(hm.names)) + 0.4 - height / 2, "|", color="black", markersize=10,
            label="shipped value")
    ax.set_yticks(np.arange(len(hm.names)) + 0.4 - height / 2, hm.names, fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the parameter's prior range (0 = lower bound, 1 = upper bound)")
    ax.set_title("What the waves have not ruled out, per parameter")
    ax.invert_yaxis()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.6 / (0.3 * len(hm.names) + 1.8)), fontsize=8, ncol=1)
    fig.tight_layout()
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
