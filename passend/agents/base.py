"""Mesa agents backed by a row of a column table."""

from __future__ import annotations

import mesa

from passend.engine.columns import ColumnTable


class TableAgent(mesa.Agent):
    """An institution whose attributes are stored in ``table`` at row ``idx``.

    Why: the pupil rules need institution attributes as arrays (``table.know_how[pupils.school]``), while the
    institution's own decisions read best as methods on one agent. Declaring an attribute with :class:`RowValue`
    gives both views of the same numbers.
    """

    def __init__(self, model: mesa.Model, table: ColumnTable, idx: int):
        super().__init__(model)
        self.table = table
        self.idx = idx

    @classmethod
    def every_row(cls, table: ColumnTable):
        """All the institutions of ``table`` as one agent whose attributes are whole columns: each one's decision, made
        for all of them in one call. Why: a decision every alliance takes every month costs a Python call per alliance
        when taken one by one, which at a small scale is most of a run. The methods are written elementwise (``np.where``,
        ``np.maximum``), so that one method serves one agent and all rows alike. Not registered with the model."""
        view = cls.__new__(cls)
        view.table, view.idx = table, slice(None)
        return view


class RowValue:
    """Attribute of a :class:`TableAgent` that reads and writes the agent's row in its table."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, agent: TableAgent | None, owner: type):
        if agent is None:
            return self
        return getattr(agent.table, self.name)[agent.idx]

    def __set__(self, agent: TableAgent, value) -> None:
        getattr(agent.table, self.name)[agent.idx] = value
