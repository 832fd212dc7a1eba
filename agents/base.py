"""Mesa agents backed by a row of a column table."""

from __future__ import annotations

import mesa

from passend.model.columns import ColumnTable


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
