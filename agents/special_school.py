"""Special-school providers ((v)so, clusters 1-4): admit within capacity, keep waiting lists, grow when lists
persist.

One provider agent stands for the (v)so schools of one cluster in one region (clusters 3 and 4 per area, cluster 2
per group of areas, cluster 1 nationally in four regions), with a capacity for so (primary age) and for vso. sbo
schools are providers too (cluster 0), one or more per area; in the old system they have no capacity limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from passend.agents.base import RowValue, TableAgent
from passend.agents.rules import rank_within
from passend.model.columns import Column, ColumnTable
from passend.model.groups import choose_within, total_by
from passend.model.population import PRIMARY_GRADES, Setting

if TYPE_CHECKING:
    from passend.model.model import PassendModel

CLUSTER_REGION_SIZE = {1: 20, 2: 8, 3: 1, 4: 1}
"""Cluster c is organised in regions of this many areas (1 = per area)."""
SBO_CLUSTER = 0
"""Providers with cluster 0 are sbo schools (light care, primary; one region = one area)."""


class ProviderTable(ColumnTable):
    COLUMNS = (
        Column("cluster", "int8", 3, "cluster served; 0 = an sbo school", "0-4"),
        Column("region", "int16", 0, "region served (areas // region size); the area for an sbo school", "index"),
        Column("size_weight", "float32", 1.0, "relative size, for which sbo school of an area a pupil goes to"),
        Column("capacity_so", "float64", 0.0, "places for primary-age pupils", "pupils"),
        Column("capacity_vso", "float64", 0.0, "places for secondary-age pupils", "pupils"),
        Column("waiting_so_sum", "float64", 0.0, "waiting so pupils summed over the months of this year", "pupil-months"),
        Column("waiting_vso_sum", "float64", 0.0, "waiting vso pupils summed over the months of this year", "pupil-months"),
    )


class SpecialSchoolProvider(TableAgent):
    """The (v)so schools of one cluster in one region."""

    cluster = RowValue()
    capacity_so = RowValue()
    capacity_vso = RowValue()
    waiting_so_sum = RowValue()
    waiting_vso_sum = RowValue()

    def plan_capacity(self, months: int, growth: float) -> None:
        """Once a year: add places for part of the average waiting list, then start counting afresh."""
        if months > 0:
            self.capacity_so = self.capacity_so + growth * self.waiting_so_sum / months
            self.capacity_vso = self.capacity_vso + growth * self.waiting_vso_sum / months
        self.waiting_so_sum = 0.0
        self.waiting_vso_sum = 0.0


def choose_sbo_school(providers: ProviderTable, area: np.ndarray, u: np.ndarray) -> np.ndarray:
    """An sbo school in each pupil's area, with probability proportional to its size (u: uniforms)."""
    sbo = np.flatnonzero(providers.cluster == SBO_CLUSTER)
    return sbo[choose_within(providers.region[sbo], providers.size_weight[sbo], area, u)]


def provider_of(model: "PassendModel", idx: np.ndarray) -> np.ndarray:
    """The provider that serves each pupil's cluster and area."""
    p = model.pupils
    return model.provider_index[p.indication[idx], p.area[idx]]


def occupancy(model: "PassendModel") -> tuple[np.ndarray, np.ndarray]:
    """Seats taken per provider in so and in vso. A pupil at home keeps the seat of the school registered at."""
    p = model.pupils
    counted = p.counted_setting()
    n_prov = len(model.providers)
    return total_by(p.provider[counted == Setting.SO], n_prov), total_by(p.provider[counted == Setting.VSO], n_prov)


def admit(model: "PassendModel", idx: np.ndarray) -> np.ndarray:
    """Pupils ``idx`` (with an indication) ask for a (v)so place; admit within free capacity, the rest wait.

    Returns:
        Boolean mask over ``idx``: admitted.
    """
    p = model.pupils
    if len(idx) == 0:
        return np.zeros(0, dtype=bool)
    provider = provider_of(model, idx)
    secondary = p.grade(model.school_year)[idx] >= PRIMARY_GRADES
    n_prov = len(model.providers)
    # Seats are per provider and level; a group is (provider, level).
    group = provider.astype(np.int64) * 2 + secondary
    occupied = np.zeros(2 * n_prov)
    occupied[0::2], occupied[1::2] = occupancy(model)
    capacity = np.empty(2 * n_prov)
    capacity[0::2] = model.providers.capacity_so
    capacity[1::2] = model.providers.capacity_vso
    free = np.floor(np.maximum(capacity - occupied, 0.0))
    keys = model.streams.uniform("provider.queue", p.uid[idx], model.step_index) - p.waiting[idx]  # waiting first
    admitted = rank_within(group, keys) < free[group]
    entered = idx[admitted]
    new_setting = np.where(secondary[admitted], Setting.VSO, Setting.SO).astype(np.int8)
    model.flows.add("inflow_so", int(np.count_nonzero(new_setting == Setting.SO)))
    model.flows.add("inflow_vso", int(np.count_nonzero(new_setting == Setting.VSO)))
    p.setting[entered] = new_setting
    p.registered[entered] = new_setting
    p.provider[entered] = provider[admitted]
    p.waiting[entered] = False
    p.months_home[entered] = 0
    p.found[entered] = False
    p.unregistered[entered] = False
    queued = idx[~admitted]
    p.waiting[queued] = True
    p.provider[queued] = provider[~admitted]
    return admitted


def admit_from_waiting_lists(model: "PassendModel") -> None:
    """Monthly: free places go to waiting pupils; record the waiting lists for capacity planning."""
    p = model.pupils
    admit(model, np.flatnonzero(p.waiting))
    waiting = np.flatnonzero(p.waiting)
    secondary = p.grade(model.school_year)[waiting] >= PRIMARY_GRADES
    n_prov = len(model.providers)
    model.providers.waiting_so_sum += total_by(p.provider[waiting[~secondary]], n_prov)
    model.providers.waiting_vso_sum += total_by(p.provider[waiting[secondary]], n_prov)


def providers_plan(model: "PassendModel", months: int) -> None:
    for provider in model.agents_by_type[SpecialSchoolProvider]:
        provider.plan_capacity(months, model.behaviour.capacity_growth)
