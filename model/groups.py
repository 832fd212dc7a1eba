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
