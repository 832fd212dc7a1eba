"""Small shared pieces of the decision rules."""

from __future__ import annotations

import numpy as np

def monthly_probability(annual_logit: np.ndarray) -> np.ndarray:
    """Probability per month of an event whose probability per year is ``sigmoid(annual_logit)``."""
    p_year = 1.0 / (1.0 + np.exp(-annual_logit))
    return -np.expm1(np.log1p(-np.minimum(p_year, 1 - 1e-12)) / 12.0)

def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))

def rank_within(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Rank (0, 1, ...) of each row within its group, ordered by ``keys`` (smallest first)."""
    order = np.lexsort((keys, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_groups[1:] != sorted_groups[:-1])))
    run_start = np.repeat(starts, np.diff(np.append(starts, len(order))))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - run_start
    return ranks
