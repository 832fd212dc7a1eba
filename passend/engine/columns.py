"""Tables of numpy columns, declared once, for populations too large for one Python object each.

A table class lists its columns (dtype, default, label, unit). Instances hold one array per column, all of the same
length, and refuse attributes that are not declared: a typo such as ``pupils.setings = ...`` raises instead of
silently creating a new attribute.

Columns never share memory. Setting a column stores a copy of the value, so ``table.b = table.a`` gives ``b`` the
numbers of ``a`` and not ``a`` itself. Why: ``np.asarray`` does not copy, and once two columns were one array
(``alliances.strictness = alliances.gatekeeping``), every write to one rewrote the other; each alliance's TLV
threshold then grew year on year and a cut of EUR 90 M looked like a saving of over 500 M. In-place writes into a
column (``table.a[rows] = x``) stay cheap and are the way to change part of a column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class Column:
    """Declaration of one column.

    Attributes:
        name: attribute name.
        dtype: numpy dtype.
        default: value of new rows.
        label: one-line meaning.
        unit: unit or coding of the values.
    """

    name: str
    dtype: str
    default: object
    label: str
    unit: str = ""


class ColumnTable:
    """Base class: subclasses set ``COLUMNS``; rows are added with :meth:`append` and dropped with :meth:`keep`."""

    COLUMNS: ClassVar[tuple[Column, ...]] = ()

    def __init__(self, n: int = 0):
        object.__setattr__(self, "_n", int(n))
        object.__setattr__(self, "_rows_version", 0)
        for col in self.COLUMNS:
            object.__setattr__(self, col.name, np.full(n, col.default, dtype=col.dtype))

    def __len__(self) -> int:
        return self._n

    @property
    def rows_version(self) -> int:
        """Changes whenever rows are added or dropped, so that what is kept about rows knows when it is stale."""
        return self._rows_version

    def __setattr__(self, name: str, value) -> None:
        declared = {c.name: c for c in self.COLUMNS}
        if name not in declared:
            raise AttributeError(f"{type(self).__name__} has no column {name!r}; declared: {', '.join(declared)}")
        array = np.array(value, dtype=declared[name].dtype, copy=True)
        if array.shape != (self._n,):
            raise ValueError(f"{type(self).__name__}.{name} must have shape ({self._n},), got {array.shape}")
        object.__setattr__(self, name, array)

    @classmethod
    def column_names(cls) -> list[str]:
        return [c.name for c in cls.COLUMNS]

    def append(self, **columns: np.ndarray) -> None:
        """Add rows; columns not given take their default."""
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"append: columns of different lengths {sorted(lengths)}")
        unknown = set(columns) - set(self.column_names())
        if unknown:
            raise AttributeError(f"{type(self).__name__} has no column(s) {sorted(unknown)}")
        added = lengths.pop() if lengths else 0
        for col in self.COLUMNS:
            new = columns.get(col.name)
            if new is None:
                new = np.full(added, col.default, dtype=col.dtype)
            object.__setattr__(self, col.name, np.concatenate([getattr(self, col.name), np.asarray(new, col.dtype)]))
        object.__setattr__(self, "_n", self._n + added)
        object.__setattr__(self, "_rows_version", self._rows_version + 1)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where ``mask`` is False. The rows before the first dropped one and after the last are copied
        as blocks: rows that leave together usually stand together (pupils leave by age and are added by cohort),
        and a block copy is many times cheaper than picking rows one by one."""
        dropped = np.flatnonzero(~mask)
        if len(dropped) == 0:
            return
        first, end = int(dropped[0]), int(dropped[-1]) + 1
        between = first + np.flatnonzero(mask[first:end])  # found once, not again for every column
        for col in self.COLUMNS:
            values = getattr(self, col.name)
            object.__setattr__(self, col.name, np.concatenate((values[:first], values[between], values[end:])))
        object.__setattr__(self, "_n", self._n - len(dropped))
        object.__setattr__(self, "_rows_version", self._rows_version + 1)

    def nbytes(self) -> int:
        return sum(getattr(self, c.name).nbytes for c in self.COLUMNS)
