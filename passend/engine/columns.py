"""Tables of numpy columns, declared once, for populations too large for one Python object each.

A table class lists its columns (dtype, default, label, unit). Instances hold one array per column, all of the same
length, and refuse attributes that are not declared: a typo such as ``pupils.setings = ...`` raises instead of
silently creating a new attribute.

A table may guard some columns (``GUARDED``): once :meth:`ColumnTable.guard` is called they are read-only arrays,
written only inside ``with table.writing():``, and rows are added or dropped only there. Why: where a pupil is (its
setting, registration, school, provider, waiting list) changes only through the doors of ``passend.model.moves``, each
of which keeps what is kept about the pupils true and books the move; a write anywhere else raises instead of
silently leaving those out.

What is derived from a table's rows and kept between months (:class:`Kept`) is found again whenever the rows change:
the table's rows version tells.

Columns never share memory. Setting a column stores a copy of the value, so ``table.b = table.a`` gives ``b`` the
numbers of ``a`` and not ``a`` itself. Why: ``np.asarray`` does not copy, and once two columns were one array
(``alliances.strictness = alliances.gatekeeping``), every write to one rewrote the other; each alliance's TLV
threshold then grew year on year and a cut of EUR 90 M looked like a saving of over 500 M. In-place writes into a
column (``table.a[rows] = x``) stay cheap and are the way to change part of a column.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterator

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
    GUARDED: ClassVar[tuple[str, ...]] = ()
    """Columns written only inside :meth:`writing` once the table is guarded (see the module docstring)."""

    def __init__(self, n: int = 0):
        object.__setattr__(self, "_n", int(n))
        object.__setattr__(self, "_rows_version", 0)
        object.__setattr__(self, "_guarded", False)
        object.__setattr__(self, "_writing", 0)
        for col in self.COLUMNS:
            object.__setattr__(self, col.name, np.full(n, col.default, dtype=col.dtype))

    def guard(self) -> None:
        """From now on the ``GUARDED`` columns are written, and rows added or dropped, only inside :meth:`writing`."""
        object.__setattr__(self, "_guarded", True)
        self._lock(True)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Allow writes to the guarded columns (and new or dropped rows) inside the block; nested blocks are allowed."""
        object.__setattr__(self, "_writing", self._writing + 1)
        if self._writing == 1:
            self._lock(False)
        try:
            yield
        finally:
            object.__setattr__(self, "_writing", self._writing - 1)
            if self._writing == 0:
                self._lock(self._guarded)

    def _lock(self, locked: bool) -> None:
        for name in self.GUARDED:
            getattr(self, name).flags.writeable = not locked

    def _check_writing(self, what: str) -> None:
        if self._guarded and not self._writing:
            raise PermissionError(f"{type(self).__name__}: {what} only inside 'with table.writing():' (the guarded "
                                  f"columns {', '.join(self.GUARDED)} change only through the doors that keep what "
                                  "is derived from them true)")

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
        if name in self.GUARDED:
            self._check_writing(f"column {name!r} is set")
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
        self._check_writing("rows are added")
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
        self._check_writing("rows are dropped")
        first, end = int(dropped[0]), int(dropped[-1]) + 1
        between = first + np.flatnonzero(mask[first:end])  # found once, not again for every column
        for col in self.COLUMNS:
            values = getattr(self, col.name)
            object.__setattr__(self, col.name, np.concatenate((values[:first], values[between], values[end:])))
        object.__setattr__(self, "_n", self._n - len(dropped))
        object.__setattr__(self, "_rows_version", self._rows_version + 1)


class Kept:
    """Something derived from a table's rows and kept from month to month instead of derived again each time.

    :meth:`get` derives it with ``find`` when first asked, and again whenever the table's rows change (its rows
    version) or the ``key`` it is asked with changes (what else it depends on: the school year, a threshold). In
    between, the code that changes what it was derived from keeps it true (:meth:`set`, when :attr:`current`).
    """

    __slots__ = ("_table", "_stamp", "value")

    def __init__(self, table: ColumnTable):
        self._table = table
        self._stamp: tuple | None = None
        self.value: Any = None

    def get(self, key: Any, find: Callable[[], Any]) -> Any:
        """The value for the table's rows as they are and ``key``, derived by ``find()`` if it is not kept."""
        stamp = (self._table.rows_version, key)
        if self._stamp != stamp:
            self.value, self._stamp = find(), stamp
        return self.value

    @property
    def current(self) -> bool:
        """Whether a value is kept for the table's rows as they are (a change to what it derives from must then keep
        it true; a value that is not current will be derived afresh)."""
        return self._stamp is not None and self._stamp[0] == self._table.rows_version

    def set(self, value: Any) -> None:
        """Replace the kept value (narrowed or added to by the caller) for the same rows and key."""
        self.value = value
