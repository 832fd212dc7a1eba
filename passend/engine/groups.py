"""Moving numbers between levels: pupils -> schools -> alliances, and back down.

Levels are linked by integer index arrays (a pupil's school, a school's alliance). These two helpers are the only
way the model sums up and broadcasts down, so that the ``minlength`` pitfall of ``np.bincount`` (a result silently
shorter than the number of groups when the last groups are empty) is handled once.
"""

from __future__ import annotations

import numpy as np


def total_by(index: np.ndarray, n_groups: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Sum ``weights`` (or count rows) per group.

    Args:
        index: group of each row, integers in [0, n_groups).
        n_groups: number of groups; the result always has this length.
        weights: value of each row; None counts rows.

    Returns:
        float64 array of length ``n_groups``.
    """
    if weights is not None and weights.dtype == bool:
        weights = weights.astype(np.float64)
    return np.bincount(index, weights=weights, minlength=n_groups).astype(np.float64, copy=False)


def count_values(values: np.ndarray, n_values: int) -> np.ndarray:
    """Rows holding each value 0 .. ``n_values`` - 1 of a small-integer column (int64 array of length ``n_values``).
    Why not ``np.bincount``: for a few values over millions of rows, one vectorised comparison per value is several
    times faster than bincount's per-row indexing (and needs no conversion to a wide integer type)."""
    return np.array([np.count_nonzero(values == v) for v in range(n_values)], dtype=np.int64)


def mean_by(index: np.ndarray, n_groups: int, values: np.ndarray, empty: float = 0.0) -> np.ndarray:
    """Mean of ``values`` per group; ``empty`` where a group has no rows."""
    totals = total_by(index, n_groups, values)
    counts = total_by(index, n_groups)
    out = np.full(n_groups, empty, dtype=np.float64)
    np.divide(totals, counts, out=out, where=counts > 0)
    return out


def broadcast(group_values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The value of each row's group: ``group_values[index]``."""
    return group_values[index]


class WeightedChoice:
    """Draws, for each row, an item of the row's group with probability proportional to the item's weight.

    Items and weights are given once and their cumulative weights summed once, so that a draw is a search: the
    institutions a pupil may be sent to (schools by size) do not change in a run, and some are drawn every month.
    Every group that occurs in a draw must have at least one item with positive weight.
    """

    def __init__(self, item_group: np.ndarray, item_weight: np.ndarray):
        self.order = np.argsort(item_group, kind="stable")
        self.cumulative = np.cumsum(item_weight[self.order].astype(np.float64))
        self.totals = np.bincount(item_group, weights=item_weight)
        self.before = np.concatenate([[0.0], np.cumsum(self.totals)[:-1]])

    def __call__(self, row_group: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Item of each row (``u``: one uniform per row)."""
        target = self.before[row_group] + u * self.totals[row_group]
        pos = np.minimum(np.searchsorted(self.cumulative, target, side="right"), len(self.cumulative) - 1)
        return self.order[pos]


def choose_within(item_group: np.ndarray, item_weight: np.ndarray, row_group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each row, an item of the row's group drawn with probability proportional to weight (u: uniforms); a
    one-off :class:`WeightedChoice`."""
    return WeightedChoice(item_group, item_weight)(row_group, u)
