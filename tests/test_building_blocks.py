import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from passend.agents.rules import rank_within
from passend.engine.groups import broadcast, mean_by, total_by
from passend.engine.population import Pupils
from passend.engine.streams import RandomStreams


def test_a_pupil_table_refuses_an_undeclared_column():
    pupils = Pupils(3)
    with pytest.raises(AttributeError, match="setings"):
        pupils.setings = np.zeros(3)


def test_a_pupil_table_refuses_a_column_of_the_wrong_length():
    with pytest.raises(ValueError, match="shape"):
        Pupils(3).need = np.zeros(4)


def test_appending_fills_missing_columns_with_their_defaults():
    pupils = Pupils(0)
    pupils.append(uid=np.array([5, 6]))
    assert len(pupils) == 2 and list(pupils.provider) == [-1, -1]


def test_totals_have_one_entry_per_group_even_when_the_last_groups_are_empty():
    totals = total_by(np.array([0, 0, 1]), 5, np.array([1.0, 2.0, 3.0]))
    assert list(totals) == [3.0, 3.0, 0.0, 0.0, 0.0]
    assert list(mean_by(np.array([0, 0, 1]), 3, np.array([1.0, 3.0, 5.0]), empty=-1)) == [2.0, 5.0, -1.0]
    assert list(broadcast(np.array([10.0, 20.0]), np.array([1, 0, 1]))) == [20.0, 10.0, 20.0]


@given(st.lists(st.integers(0, 4), min_size=1, max_size=60))
def test_rank_within_numbers_each_group_from_zero(groups):
    groups = np.array(groups)
    keys = np.arange(len(groups))[::-1].astype(float)
    ranks = rank_within(groups, keys)
    for g in np.unique(groups):
        assert sorted(ranks[groups == g]) == list(range(np.count_nonzero(groups == g)))


def test_a_pupil_gets_the_same_draw_whoever_else_faces_the_decision():
    """Common random numbers: the draw depends on (seed, decision, pupil, month), not on the subset."""
    streams = RandomStreams(11)
    everyone = streams.uniform("cvi.assess", np.arange(1000), step=5)
    some = streams.uniform("cvi.assess", np.array([3, 500, 999]), step=5)
    assert np.array_equal(some, everyone[[3, 500, 999]])


def test_decisions_and_months_have_their_own_streams():
    streams = RandomStreams(11)
    ids = np.arange(5000)
    a = streams.uniform("cvi.assess", ids, 5)
    assert abs(np.corrcoef(a, streams.uniform("parents.keep_home", ids, 5))[0, 1]) < 0.05
    assert abs(np.corrcoef(a, streams.uniform("cvi.assess", ids, 6))[0, 1]) < 0.05
    assert not np.array_equal(a, RandomStreams(12).uniform("cvi.assess", ids, 5))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 500))
def test_uniform_draws_lie_in_the_unit_interval(seed, step):
    u = RandomStreams(seed).uniform("x", np.arange(2000), step)
    assert u.min() >= 0.0 and u.max() < 1.0 and 0.4 < u.mean() < 0.6


def test_replicate_seeds_come_from_seed_sequence_spawn_and_differ():
    seeds = RandomStreams.replicate_seeds(1, 5)
    assert len(set(seeds)) == 5 and seeds == RandomStreams.replicate_seeds(1, 5)
