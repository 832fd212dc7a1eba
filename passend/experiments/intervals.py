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
