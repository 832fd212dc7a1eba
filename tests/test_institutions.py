"""Institutions under passend onderwijs acting on money, seen in whole (small) runs: (v)so schools that close below
the closure norm, and alliances that weigh an arrangement against a TLV."""

import datetime as dt

import numpy as np

from passend.agents.special_school import SBO_CLUSTER
from passend.engine.policy import PolicyTimeline
from passend.engine.population import Setting
from passend.engine.settings import RunSettings
from passend.model.model import WorldModel
from test_invariants import check_month

SCALE = 0.005


def test_schools_below_the_closure_norm_close_and_every_pupil_ends_up_somewhere():
    """With a norm no school meets, every (v)so provider closes in August 2014: each merges into the next one of its
    cluster until one is left, whose pupils go back to regular schools with an arrangement (checked at the end of
    that month: with no school of a cluster left, later applicants would have nowhere to wait)."""
    policy = PolicyTimeline.baseline().with_values("closure_norm", {dt.date(2014, 8, 1): [10**6, 10**6, 10**6]})
    model = WorldModel(RunSettings(seed=5, scale=SCALE, end=dt.date(2014, 8, 31)), policy=policy)
    special_before = None
    while model.step_index < model.n_steps:
        if model.today == dt.date(2014, 7, 1):
            p = model.world.pupils
            special_before = np.flatnonzero((p.registered == Setting.SO) | (p.registered == Setting.VSO))
            uid_before = p.uid[special_before]
        before = len(model.world.pupils)
        model.step()
        model.step_index -= 1
        check_month(model, before)
        model.step_index += 1
    prov, p = model.world.providers, model.world.pupils
    vso_providers = prov.cluster != SBO_CLUSTER
    assert (prov.merged_into[vso_providers] >= 0).all()  # all closed
    assert (prov.capacity_so[vso_providers] == 0).all() and (prov.capacity_vso[vso_providers] == 0).all()
    assert not np.isin(p.provider, np.flatnonzero(vso_providers)).any()
    assert not ((p.registered == Setting.SO) | (p.registered == Setting.VSO)).any()
    # the pupils who were in (v)so in July are in a school (or at home, registered at one) unless they left
    still_here = np.isin(uid_before, p.uid)
    idx = np.flatnonzero(np.isin(p.uid, uid_before[still_here]))
    assert len(idx) > 0
    assert np.isin(p.registered[idx], [Setting.BAO, Setting.VO, Setting.LWOO, Setting.PRO, Setting.SBO]).all()
    month_flows = [row["moved_by_closure"] for row in model.world.record.months if row["date"] == "2014-08-01"]
    assert month_flows and month_flows[0] > 0


def run_until_2016(arrangement_eur: float) -> dict:
    policy = PolicyTimeline.baseline().with_values("arrangement_eur", {dt.date(2014, 8, 1): arrangement_eur})
    totals = {"special": 0.0, "arranged": 0.0}
    for seed in (1, 2):
        model = WorldModel(RunSettings(seed=seed, scale=0.01, end=dt.date(2016, 10, 31)), policy=policy)
        model.run()
        last = model.world.record.counts[-1]
        totals["special"] += last["so"] + last["vso"]
        totals["arranged"] += last["arrangements"]
    return totals


def test_a_cheaper_arrangement_shifts_placement_from_special_schools_to_regular_ones():
    cheap, dear = run_until_2016(6000.0), run_until_2016(30_000.0)
    assert cheap["special"] < dear["special"]
    assert cheap["arranged"] > dear["arranged"]


def sbo_moves_back(sbo_direct_share: float) -> tuple[float, float]:
    """Pupils placed back from sbo before and after August 2014 at a high return rate, both seeds summed."""
    from passend.engine.behaviour import Behaviour
    behaviour = Behaviour().replace(return_to_regular_rate=0.05)
    policy = PolicyTimeline.baseline().with_values("sbo_direct_share", {dt.date(2003, 8, 1): sbo_direct_share})
    before = after = 0.0
    for seed in (1, 2):
        model = WorldModel(RunSettings(seed=seed, scale=0.01, end=dt.date(2015, 7, 31)), behaviour, policy)
        model.run()
        for row in model.world.record.months:
            if row["date"] >= "2014-08-01":
                after += row["moves_back_from_sbo"]
            else:
                before += row["moves_back_from_sbo"]
    return before, after


def test_sbo_pupils_move_back_under_both_systems_and_under_the_alliances_only_where_it_saves_them_money():
    """Terugplaatsing from sbo: before August 2014 the parents decide (when the regular place carries the need and
    the learning delay); from then on the alliance, which saves money only where DUO deducts sbo from it (above 2% of
    its primary pupils): where the state funds every sbo place (a direct share of 100%), it places nobody back."""
    before, after = sbo_moves_back(0.02)
    assert before > 0.0 and after > 0.0
    before_all_funded, after_all_funded = sbo_moves_back(1.0)
    assert before_all_funded > 0.0 and after_all_funded == 0.0
