"""Special-school providers ((v)so, clusters 1-4): admit within capacity, keep waiting lists, grow when lists
persist.

Each provider's decisions are methods of :class:`SpecialSchoolProvider`, written elementwise so that
:meth:`~passend.agents.base.TableAgent.every_row` takes them for all providers in one call.

One provider agent stands for the (v)so schools of one cluster in one region (clusters 3 and 4 per area, cluster 2
per group of areas, cluster 1 nationally in four regions), with a capacity for so (primary age) and for vso. sbo
schools are providers too (cluster 0), one or more per area; in the old system they have no capacity limit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from passend.agents.base import RowValue, TableAgent
from passend.agents.rules import rank_within
from passend.engine.columns import Column, ColumnTable
from passend.engine.groups import choose_within, total_by
from passend.engine.population import Setting

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
        Column("merged_into", "int16", -1, "provider that took over its pupils and places when it closed (-1: open)", "index"),
        Column("schools", "float64", 1.0, "(v)so schools it stands for; one closes when their average size falls below the closure norm", "schools"),
        Column("quality", "float64", 0.0, "quality of its education, as the Inspectorate judges it (0: the average at the start)", "standard deviations"),
        Column("under_supervision", "bool", False, "under the Inspectorate's intensified supervision this school year"),
    )


class SpecialSchoolProvider(TableAgent):
    """The (v)so schools of one cluster in one region."""

    cluster = RowValue()
    capacity_so = RowValue()
    capacity_vso = RowValue()
    waiting_so_sum = RowValue()
    waiting_vso_sum = RowValue()

    merged_into = RowValue()
    quality = RowValue()
    under_supervision = RowValue()
    schools = RowValue()

    def improve_under_supervision(self, gain: float) -> None:
        """A provider under intensified supervision works on its quality (a plan of improvement the Inspectorate
        follows): ``gain`` standard deviations a year; the others keep theirs."""
        self.quality = self.quality + gain * self.under_supervision

    def plan_capacity(self, months: int, occupied_so: np.ndarray, occupied_vso: np.ndarray, growth: float,
                      shrink: float, slack: float) -> None:
        """Once a year: add places for part of the average waiting list, give up part of the empty places beyond the
        slack it keeps (a school lives on its numbers: empty places cost it staff it is not paid for), then start
        counting afresh. ``occupied_*``: seats taken now (simulated pupils). sbo schools are funded by rule, without a
        limit on places, so they give none up."""
        if months > 0:
            self.capacity_so = self.capacity_so + growth * self.waiting_so_sum / months
            self.capacity_vso = self.capacity_vso + growth * self.waiting_vso_sum / months
        with np.errstate(invalid="ignore"):  # an sbo school's capacity is infinite: inf - inf, then not used
            so = self.capacity_so - shrink * np.maximum(self.capacity_so - (1.0 + slack) * occupied_so - 1.0, 0.0)
            vso = self.capacity_vso - shrink * np.maximum(self.capacity_vso - (1.0 + slack) * occupied_vso - 1.0, 0.0)
        special = self.cluster != SBO_CLUSTER
        self.capacity_so = np.where(special, so, self.capacity_so)
        self.capacity_vso = np.where(special, vso, self.capacity_vso)
        self.waiting_so_sum = 0.0
        self.waiting_vso_sum = 0.0

    def below_closure_norm(self, pupils_so: np.ndarray, pupils_vso: np.ndarray, norm: Mapping) -> np.ndarray:
        """Whether its schools fall below the opheffingsnorm (national pupils), judged on their average size, since the
        norm is set per school (vgr9): so+vso together where they offer both levels, else the norm of the level they
        offer. sbo schools, and providers already closed, are not judged here."""
        pupils_so, pupils_vso = pupils_so / self.schools, pupils_vso / self.schools
        single = np.where(pupils_so > 0, norm["so"], norm["vso"])
        total = pupils_so + pupils_vso
        below = np.where((pupils_so > 0) & (pupils_vso > 0), total < norm["sovso"], total < single)
        return below & (self.cluster != SBO_CLUSTER) & (self.merged_into < 0)

    def close_schools(self, pupils_so: np.ndarray, pupils_vso: np.ndarray, norm: Mapping) -> np.ndarray:
        """A provider whose schools fall below the closure norm closes as many as it must for the rest to meet it
        (their pupils and places go to its sister schools); returns where not even one school would meet it, so that
        the provider itself closes and merges into the nearest provider of its cluster."""
        below = self.below_closure_norm(pupils_so, pupils_vso, norm)
        both = (pupils_so > 0) & (pupils_vso > 0)
        applies = np.where(both, norm["sovso"], np.where(pupils_so > 0, norm["so"], norm["vso"]))
        with np.errstate(divide="ignore", invalid="ignore"):
            allowed = np.floor((pupils_so + pupils_vso) / np.maximum(applies, 1e-12))
        last = below & (allowed < 1)
        self.schools = np.where(below & ~last, np.minimum(self.schools, np.maximum(allowed, 1.0)), self.schools)
        return last


def merge_target(providers: ProviderTable, closing: int) -> int:
    """The open provider of the same cluster in the nearest region that takes over a closing one (-1: none left)."""
    open_same = np.flatnonzero((providers.cluster == providers.cluster[closing]) & (providers.merged_into < 0)
                               & (np.arange(len(providers)) != closing))
    if len(open_same) == 0:
        return -1
    distance = np.abs(providers.region[open_same].astype(np.int64) - int(providers.region[closing]))
    return int(open_same[np.argmin(distance)])


def choose_sbo_school(providers: ProviderTable, area: np.ndarray, u: np.ndarray) -> np.ndarray:
    """An sbo school in each pupil's area, with probability proportional to its size (u: uniforms)."""
    sbo = np.flatnonzero(providers.cluster == SBO_CLUSTER)
    return sbo[choose_within(providers.region[sbo], providers.size_weight[sbo], area, u)]


def provider_serving(provider_index: np.ndarray, indication: np.ndarray, area: np.ndarray) -> np.ndarray:
    """The provider that serves each pupil's indication cluster in its area."""
    return provider_index[indication, area]


def occupancy(provider: np.ndarray, counted_setting: np.ndarray, n_providers: int) -> tuple[np.ndarray, np.ndarray]:
    """Seats taken per provider in so and in vso, from every pupil's provider and counted setting (a pupil at home
    keeps the seat of the school registered at)."""
    return (total_by(provider[counted_setting == Setting.SO], n_providers),
            total_by(provider[counted_setting == Setting.VSO], n_providers))


def admit_within_capacity(provider: np.ndarray, secondary: np.ndarray, waiting: np.ndarray, capacity_so: np.ndarray,
                          capacity_vso: np.ndarray, occupied_so: np.ndarray, occupied_vso: np.ndarray,
                          u: np.ndarray) -> np.ndarray:
    """Which applicants for a (v)so place each provider admits: within its free seats at the applicant's level (so
    or vso), those already waiting first, the rest in random order. The others go on (or stay on) its waiting list.

    Args:
        provider: the provider each applicant asks.
        secondary: the applicant is of secondary age (asks for vso).
        waiting: the applicant is already on the waiting list.
        capacity_so, capacity_vso, occupied_so, occupied_vso: seats per provider and level.
        u: one uniform per applicant (the order within a queue).

    Returns:
        Boolean mask over the applicants: admitted.
    """
    n_prov = len(capacity_so)
    group = provider.astype(np.int64) * 2 + secondary  # seats are per (provider, level)
    occupied = np.zeros(2 * n_prov)
    occupied[0::2], occupied[1::2] = occupied_so, occupied_vso
    capacity = np.empty(2 * n_prov)
    capacity[0::2], capacity[1::2] = capacity_so, capacity_vso
    free = np.floor(np.maximum(capacity - occupied, 0.0))
    return rank_within(group, u - waiting) < free[group]


def waiting_by_provider(provider: np.ndarray, secondary: np.ndarray, n_providers: int) -> tuple[np.ndarray, np.ndarray]:
    """Waiting pupils per provider for so and for vso (the waiting list a provider plans its capacity on)."""
    return total_by(provider[~secondary], n_providers), total_by(provider[secondary], n_providers)


