"""Municipalities (gemeenten): compulsory-attendance officers find pupils at home and work on their return; the
municipality may exempt a child under art. 5 onder a Leerplichtwet, which takes the child out of the absence count.
Youth care for children at home: a regional (provincial) system until 2015, then each municipality's own, with its
own capacity and so its own waiting list. Municipalities pay pupil transport to special schools throughout.

Their decisions are functions vectorised over the pupils at home (of every municipality at once), with the
municipality's own attributes (officers, readiness to exempt, youth-care pool) broadcast to its pupils.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from passend.agents.base import RowValue, TableAgent
from passend.agents.rules import rank_within
from passend.model.behaviour import Behaviour
from passend.model.columns import Column, ColumnTable
from passend.model.groups import total_by

N_MUNICIPALITIES = 415
"""1 January 2012 (institutions.toml, CBS). Mergers are not modelled: one set of municipalities for the whole run."""

TRANSPORTED_SHARE = 79_000 / (39_929 + 68_927)
"""Share of the pupils of sbo and (v)so who are transported: 79,000 transported pupils in 2012/13
(labelling_old_system.toml [transport], mlv) over the sbo + (v)so pupils of 1 October 2012 (pupil_counts_2011_2014.csv)."""


class MunicipalityTable(ColumnTable):
    COLUMNS = (
        Column("area", "int16", 0, "region", "index"),
        Column("weight", "float64", 1.0, "share of the area's pupils living here"),
        Column("officer_capacity", "float32", 1.0, "attendance officers relative to the average municipality"),
        Column("exempt_propensity", "float32", 1.0, "readiness to grant 5a exemptions relative to the average"),
        Column("youth_care_capacity", "float32", 1.0, "youth-care capacity relative to the average, once municipal (2015)"),
        Column("agreement_with_alliance", "bool", False, "pools youth care for children at home with the alliance's region"),
    )


class Municipality(TableAgent):
    """One municipality: its attendance officers, its practice with exemptions, its youth care."""

    area = RowValue()
    officer_capacity = RowValue()
    exempt_propensity = RowValue()
    youth_care_capacity = RowValue()

    def youth_care_funded(self, pupils_living_here: float, municipal: bool) -> float:
        """How much youth care the municipality funds for the year, in pupils served at the national average rate:
        once youth care is municipal (Jeugdwet, 2015) its own capacity relative to the average times the pupils living
        here; before, the province's average for each pupil."""
        return pupils_living_here * (float(self.youth_care_capacity) if municipal else 1.0)


def officers_find(found: np.ndarray, officer_capacity: np.ndarray, b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Attendance officers find children at home they did not know of yet, more where there are more officers.
    Returns the mask of the newly found."""
    return ~found & (u < b.find_rate * officer_capacity)


def grant_exemption(found: np.ndarray, need: np.ndarray, allowed: bool, exempt_propensity: np.ndarray, b: Behaviour,
                    u: np.ndarray) -> np.ndarray:
    """The municipality exempts a found child with a severe need from compulsory attendance (art. 5 onder a), where the
    law allows it and the more readily the more its practice leans that way."""
    exempt = found & (need > b.exempt_threshold) & allowed
    return exempt & (u < b.exempt_rate * exempt_propensity)


def return_boost(found: np.ndarray, months_home: np.ndarray, in_youth_care: np.ndarray,
                 zorgplicht_binds: np.ndarray | None, cooperation: np.ndarray | None, decides: np.ndarray | None,
                 pact: bool, b: Behaviour) -> np.ndarray:
    """Factor on the monthly chance that a child at home returns to school, from what works on the case.

    Args:
        found: an attendance officer knows the case.
        months_home: length of the spell so far.
        in_youth_care: the child is in a youth-care trajectory.
        zorgplicht_binds: the school of registration must find a fitting place (it does not dodge, and the child is
            registered); None where no zorgplicht is in force.
        cooperation: how readily the alliance's schools find a place elsewhere (1 - its school-model share); with
            ``zorgplicht_binds``.
        decides: the alliance has doorzettingsmacht (someone who can decide a stuck case); None where no alliance is in
            charge.
        pact: the Thuiszitterspact is in force (cases home over 3 months get priority).
        b: behaviour parameters.
    """
    boost = np.ones(len(found))
    if zorgplicht_binds is not None:
        boost *= 1.0 + b.zorgplicht_return * cooperation * zorgplicht_binds
    if decides is not None:
        boost *= 1.0 + b.doorzettingsmacht_return * (found & decides)
    boost *= 1.0 + b.youth_care_return * in_youth_care
    if pact:
        boost *= 1.0 + b.pact_return * (months_home > 3)
    return boost


def return_to_school(found: np.ndarray, boost: np.ndarray, exempted: np.ndarray, b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Children at home who go back to school this month: found ones at the officers' rate, others on their own,
    each times what works on the case; an exempted child does not return."""
    rate = np.where(found, b.return_found, b.return_unfound) * boost
    return ~exempted & (u < np.minimum(rate, 1.0))


def youth_care_pool(municipality: np.ndarray, area: np.ndarray, municipal: bool, pooled: np.ndarray,
                    n_municipalities: int) -> np.ndarray:
    """The youth-care pool of each pupil: one per region before 2015; from 2015 each municipality's own, or its
    region's where the municipality has an agreement with its alliance (``pooled``, per municipality). Pools are
    numbered municipalities first, then regions."""
    regional = n_municipalities + area.astype(np.int64)
    if not municipal:
        return regional
    return np.where(pooled[municipality], regional, municipality.astype(np.int64))


def youth_care_places(pool_of_municipality: np.ndarray, funded: np.ndarray, n_pools: int,
                      places_per_1000: float) -> np.ndarray:
    """Places per pool: so many per 1,000 pupils of what the municipalities in the pool fund
    (:meth:`Municipality.youth_care_funded`)."""
    return total_by(pool_of_municipality, n_pools, funded) * places_per_1000 / 1000.0


def admit_to_youth_care(pool: np.ndarray, months_home: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Of the children seeking youth care, those who get a free place of their pool, longest at home first."""
    return rank_within(pool, -months_home.astype(np.float64)) < free[pool]


def month_payments(n_sbo_and_special: int, n_in_youth_care: int, law: Mapping, scale: float) -> dict[str, float]:
    """What municipalities (and, before the Jeugdwet of 2015, the provinces) pay this month (national EUR): transport
    of the sbo and (v)so pupils who need it, and youth care per case."""
    month = (1.0 / scale) / 12.0
    transported = TRANSPORTED_SHARE * n_sbo_and_special
    youth_care = "youth_care_municipalities" if law["youth_care_municipal"] else "youth_care_provinces"
    return {
        "transport": transported * law["transport_eur_per_pupil"] * month,
        youth_care: n_in_youth_care * law["youth_care_eur_per_case"] * month,
    }
