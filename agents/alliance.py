"""Alliances (samenwerkingsverbanden: regional partnerships of school boards).

Old system: the primary WSNS alliances ('Weer Samen Naar School') hold the light-care budget and the sbo rule: the
state funds sbo directly up to 2% of the alliance's pupils; above that, referring schools pay part of the cost.

The regions are those of the 77 primary and 75 secondary alliances of passend onderwijs (2014). Simplification,
stated in the manifest: the old-system regions (234 WSNS, 84 secondary light-care alliances, 34 RECs) are not
mapped geographically; WSNS alliances are nested three or four to a primary region, and the secondary regions stand
in for the old secondary alliances. Why: the reform's equalisation is computed per new alliance, so the spread of
special-school use must live on those regions from 2003 on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from passend.agents.base import RowValue, TableAgent
from passend.model.columns import Column, ColumnTable
from passend.model.groups import total_by
from passend.model.population import Setting

if TYPE_CHECKING:
    from passend.model.model import PassendModel

N_PRIMARY_ALLIANCES = 77
N_SECONDARY_ALLIANCES = 75
N_WSNS = 234


class AreaTable(ColumnTable):
    """One row per region (= primary alliance area)."""

    COLUMNS = (
        Column("weight", "float64", 1.0, "share of the country's pupils living here"),
        Column("culture", "float32", 0.0, "referral culture: log-odds added to referral and to choosing special", "logit"),
        Column("secondary_alliance", "int16", 0, "secondary alliance the area belongs to", "index"),
    )


class WsnsTable(ColumnTable):
    COLUMNS = (
        Column("area", "int16", 0, "region", "index"),
        Column("sbo_share", "float64", 0.0, "sbo pupils per primary pupil on the last count date", "fraction"),
        Column("cost_to_school_eur", "float64", 0.0, "what a school pays per year for one more sbo referral", "EUR"),
    )


class Alliance(mesa.Agent):
    """A primary (po) or secondary (vo) alliance region; in the old system it reports, it does not decide."""

    def __init__(self, model: "PassendModel", sector: str, idx: int):
        super().__init__(model)
        self.sector = sector
        self.idx = idx

    @property
    def name(self) -> str:
        return f"{self.sector}{self.idx + 1:02d}"


class WsnsAlliance(TableAgent):
    """A WSNS alliance of primary schools (old system, light care)."""

    area = RowValue()
    sbo_share = RowValue()
    cost_to_school_eur = RowValue()

    def apply_sbo_rule(self, direct_share: float, sbo_eur: float, pays_fraction: float) -> None:
        """Above the directly funded share, a referring school pays part of the sbo amount from its care budget."""
        self.cost_to_school_eur = pays_fraction * sbo_eur if self.sbo_share > direct_share else 0.0


def update_wsns(model: "PassendModel") -> None:
    """On the count date: each WSNS alliance's sbo share, and what referral costs its schools this year."""
    p = model.pupils
    wsns_of_pupil = model.schools.wsns[p.school]
    primary = (p.grade(model.school_year) < 8) & (wsns_of_pupil >= 0)
    n = len(model.wsns)
    pupils = total_by(wsns_of_pupil[primary], n)
    sbo = total_by(wsns_of_pupil[primary & (p.registered == Setting.SBO)], n)
    model.wsns.sbo_share = np.divide(sbo, pupils, out=np.zeros(n), where=pupils > 0)
    direct, sbo_eur, pays = (model.law(k) for k in ("sbo_direct_share", "sbo_eur", "sbo_school_pays_fraction"))
    for alliance in model.agents_by_type[WsnsAlliance]:
        alliance.apply_sbo_rule(direct, sbo_eur, pays)
