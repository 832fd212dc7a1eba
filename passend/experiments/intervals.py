"""The interval every report of paired runs gives: a t interval for the mean over seeds."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

INTERVAL = 0.90


def mean_interval(x: np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high): the mean of ``x`` (one value per seed or seed pair) and its INTERVAL t interval; the bounds
    are NaN with fewer than two values."""
    x = np.asarray(x, dtype=float)
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    half = stats.t.ppf(0.5 + INTERVAL / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return mean, mean - half, mean + half


def effect_interval(by_set: list[np.ndarray]) -> dict[str, float]:
    """The effect over parameter sets (``by_set``: one array per set of the effect on each of its seeds, the same number
    of seeds per set), split into the part of its variance that comes from the parameters and the part from seeds.

    Per set i: the mean m_i over its M seeds and the variance s_i^2 between them. The seed variance is the mean
    s_i^2; the parameter variance is the variance between the m_i less what seeds alone would give it (s^2 / M),
    never below zero (the one-way ANOVA estimate). The interval is where the effect at a set drawn from the ensemble
    lies, as M seeds estimate it: mean +- t(N - 1) * sqrt(parameter variance + seed variance / M). With one set it is
    :func:`mean_interval` over the seeds, today's seed-only interval. ``seed_low``, ``seed_high``: the interval seeds
    alone would give at one set (t(M - 1) on the pooled seed variance), for comparison."""
    sets = [np.asarray(d, dtype=float) for d in by_set]
    if len(sets) == 1:
        mean, low, high = mean_interval(sets[0])
        return {"mean": mean, "low": low, "high": high, "seed_low": low, "seed_high": high,
                "parameter_variance": 0.0, "seed_variance": float(np.var(sets[0], ddof=1)) if len(sets[0]) > 1 else math.nan,
                "parameter_share": 0.0}
    m = len(sets[0])
    means = np.array([d.mean() for d in sets])
    seed_var = float(np.mean([d.var(ddof=1) for d in sets])) if m > 1 else 0.0
    parameter_var = max(float(means.var(ddof=1)) - seed_var / m, 0.0)
    mean = float(means.mean())
    half = stats.t.ppf(0.5 + INTERVAL / 2, len(sets) - 1) * math.sqrt(parameter_var + seed_var / m)
    seed_half = stats.t.ppf(0.5 + INTERVAL / 2, m - 1) * math.sqrt(seed_var / m) if m > 1 else math.nan
    total = parameter_var + seed_var
    return {"mean": mean, "low": mean - half, "high": mean + half, "seed_low": mean - seed_half,
            "seed_high": mean + seed_half, "parameter_variance": parameter_var, "seed_variance": seed_var,
            "parameter_share": parameter_var / total if total > 0 else 0.0}


MIN_PAIRS = 5
"""Fewest seed pairs (or seeds) for which a report shows an interval. With fewer the t quantile is large and the
spread between so few values says little (two pairs that happen to agree give an interval of zero width, as if the
effect were certain), so reports print the mean with "no interval" and this number instead (issue 35)."""


def interval_shown(n: int) -> bool:
    """Whether an interval over ``n`` seed pairs is meaningful enough to print."""
    return n >= MIN_PAIRS


def too_few_note(n: int, what: str = "seed pairs") -> str:
    """The sentence a report prints when its intervals are not shown."""
    return (f"**Too few {what} for intervals**: {n} {what}; a {INTERVAL:.0%} interval from fewer than {MIN_PAIRS} is "
            f"not meaningful, so the tables show the mean with \"no interval ({n})\". Run with --seeds {MIN_PAIRS} or "
            "more for intervals (the CSV files keep the computed bounds).")


def effect_columns(d, base_mean: float, by_set: list[np.ndarray] | None = None) -> dict:
    """The columns a report's table gives an effect (``d``: one value per seed pair): mean and interval over the
    pairs; with ``by_set`` (the same values grouped by parameter set) the interval over sets and seeds, the seed-only
    interval beside it and the share of the variance that comes from the parameters; and whether the interval means
    anything (:data:`MIN_PAIRS`)."""
    d = np.asarray(d, dtype=float)
    if by_set is None:
        mean, lo, hi = mean_interval(d)
        return {"effect_mean": mean, "effect_low": lo, "effect_high": hi,
                "effect_relative": mean / base_mean if base_mean else math.nan,
                "interval_meaningful": interval_shown(len(d))}
    e = effect_interval(by_set)
    return {"effect_mean": e["mean"], "effect_low": e["low"], "effect_high": e["high"],
            "effect_relative": e["mean"] / base_mean if base_mean else math.nan, "seed_only_low": e["seed_low"],
            "seed_only_high": e["seed_high"], "parameter_variance_share": e["parameter_share"],
            "interval_meaningful": interval_shown(len(d))}
