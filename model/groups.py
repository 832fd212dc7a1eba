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


def choose_within(item_group: np.ndarray, item_weight: np.ndarray, row_group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each row, an item of the row's group drawn with probability proportional to weight (u: uniforms).

    Every group that occurs in ``row_group`` must have at least one item with positive weight.
    """
    order = np.argsort(item_group, kind="stable")
    cum = np.cumsum(item_weight[order].astype(np.float64))
    n_groups = int(max(item_group.max(), row_group.max() if len(row_group) else 0)) + 1
    totals = np.bincount(item_group, weights=item_weight, minlength=n_groups)
    before = np.concatenate([[0.0], np.cumsum(totals)[:-1]])
    target = before[row_group] + u * totals[row_group]
    pos = np.minimum(np.searchsorted(cum, target, side="right"), len(cum) - 1)
    return order[pos]
