"""Column tables never share memory between columns: writing one column can never rewrite another.

The bug this guards against: ``alliances.strictness = alliances.gatekeeping`` once made the two one array, so every
August's ``strictness = gatekeeping + response`` raised the gatekeeping too, and each alliance's TLV threshold grew
year on year."""

import datetime as dt

import numpy as np
from hypothesis import given, settings, strategies as st

from passend.agents.alliance import AllianceTable
from passend.engine.columns import ColumnTable
from passend.model.model import WorldModel
from passend.engine.settings import RunSettings


def columns_of(name: str, table: ColumnTable) -> list[tuple[str, np.ndarray]]:
    return [(f"{name}.{column}", getattr(table, column)) for column in table.column_names()]


def all_columns(model) -> list[tuple[str, np.ndarray]]:
    """Every column of every table the model's World holds."""
    return [c for name, table in vars(model.world).items() if isinstance(table, ColumnTable)
            for c in columns_of(name, table)]


def overlapping(columns: list[tuple[str, np.ndarray]]) -> list[tuple[str, str]]:
    return [(a, b) for i, (a, x) in enumerate(columns) for b, y in columns[i + 1:]
            if x.size and y.size and np.may_share_memory(x, y)]


def test_setting_a_column_to_another_column_stores_a_copy():
    alliances = AllianceTable(3)
    alliances.gatekeeping = np.array([0.1, 0.2, 0.3])
    alliances.strictness = alliances.gatekeeping
    alliances.strictness[0] = 9.0
    assert alliances.gatekeeping[0] == 0.1
    assert overlapping(columns_of("alliances", alliances)) == []


def test_a_column_set_from_an_outside_array_does_not_follow_that_array():
    alliances = AllianceTable(2)
    outside = np.array([1.0, 2.0])
    alliances.pupils = outside
    outside[0] = 5.0
    assert alliances.pupils[0] == 1.0


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.sampled_from([0.003, 0.005]))
def test_no_two_columns_of_any_table_share_memory_in_any_month(seed, scale):
    """Through the reform (August 2014), lwoo/pro joining the alliances (2016) and the pact (June 2016)."""
    model = WorldModel(RunSettings(seed=seed, scale=scale, end=dt.date(2016, 10, 31)))
    assert len(all_columns(model)) > 60
    while model.running:
        model.step()
        assert overlapping(all_columns(model)) == [], model.today


@settings(max_examples=80, deadline=None)
@given(st.lists(st.booleans(), max_size=60))
def test_keeping_rows_keeps_exactly_those_rows_in_their_order(kept):
    """``keep`` copies the rows outside the dropped span as blocks; what remains is the rows the mask keeps, in order,
    in every column, whether none, some or all are dropped."""
    mask = np.array(kept, dtype=bool)
    table = AllianceTable(len(mask))
    table.pupils = np.arange(len(mask), dtype=float)
    table.strictness = np.arange(len(mask), dtype=float) * 2.0
    table.keep(mask)
    assert len(table) == int(mask.sum())
    assert np.array_equal(table.pupils, np.flatnonzero(mask).astype(float))
    assert np.array_equal(table.strictness, 2.0 * np.flatnonzero(mask))
    assert all(len(getattr(table, name)) == len(table) for name in AllianceTable.column_names())


def test_adding_or_dropping_rows_changes_the_rows_version_and_nothing_else_does():
    """What is kept about rows between months (rows of pupils with a need, at home, ...) is keyed by the rows
    version: it must change when rows come or go, and only then."""
    table = AllianceTable(4)
    start = table.rows_version
    table.pupils = np.arange(4.0)
    table.pupils[1] = 7.0
    assert table.rows_version == start
    table.keep(np.array([True, False, True, True]))
    dropped = table.rows_version
    assert dropped != start
    table.append(pupils=np.array([1.0, 2.0]))
    assert table.rows_version not in (start, dropped)
