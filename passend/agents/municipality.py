"""Municipalities (gemeenten): compulsory-attendance officers (leerplichtambtenaren) register, find and follow the
children at home; the municipality exempts children from compulsory attendance (art. 5 onder a Leerplichtwet) and
reviews the exemptions; it keeps a register (the Leerplichttelling counts what it records, not what is true); youth
care for children at home is regional (provincial) until 2015, then each municipality's own, bought from a budget;
municipalities decide on and pay pupil transport to special schools throughout: stricter transport rules save money
and can keep a child from the place it was given.

Each municipality's capacity and practice are its row's attributes; its decisions are functions vectorised over the
children at home of every municipality at once, with the municipality's attributes broadcast to its children.
"""

from __future__ import annotations

import numpy as np

from passend.agents.base import RowValue, TableAgent
from passend.agents.rules import rank_within, sigmoid
from passend.engine.behaviour import Behaviour
from passend.engine.columns import Column, ColumnTable
from passend.engine.groups import total_by

N_MUNICIPALITIES = 415
"""1 January 2012 (institutions.toml, CBS). Mergers are not modelled: one set of municipalities for the whole run."""

TRANSPORTED_SHARE_SPECIAL = 0.66 * 79_000 / 68_927
TRANSPORTED_SHARE_SBO = 0.25 * 79_000 / 39_929
"""Shares of the pupils of (v)so and of sbo who are transported: of the 79,000 transported pupils of 2012/13
(labelling_old_system.toml [transport], mlv) about two thirds go to (v)so and a quarter to sbo (mlv, as read for issue
32; the rest, about a tenth, to regular schools, are not in the model), over the (v)so and the sbo pupils of
1 October 2012 (pupil_counts_2011_2014.csv)."""


class MunicipalityTable(ColumnTable):
    COLUMNS = (
        Column("area", "int16", 0, "region", "index"),
        Column("weight", "float64", 1.0, "share of the area's pupils living here"),
        Column("officer_capacity", "float32", 1.0, "attendance officers per pupil relative to the average municipality"),
        Column("exempt_propensity", "float32", 1.0, "readiness to grant 5a exemptions relative to the average"),
        Column("registration", "float32", 1.0, "share of the absences reported to it that its register records", "0-1"),
        Column("transport_strictness", "float32", 0.0, "how strict its pupil-transport rules are (distance, own contribution)", "0-1"),
        Column("transport_reviewed", "bool", False, "reviewed its transport rules when youth care became its own with less money (2015)"),
        Column("youth_care_capacity", "float32", 1.0, "youth-care capacity relative to the average, once municipal (2015)"),
        Column("agreement_with_alliance", "bool", False, "pools youth care for children at home with the alliance's region (OOGO)"),
    )


class Municipality(TableAgent):
    """One municipality: its attendance officers, its register, its practice with exemptions, its youth care."""

    area = RowValue()
    officer_capacity = RowValue()
    exempt_propensity = RowValue()
    registration = RowValue()
    youth_care_capacity = RowValue()
    transport_strictness = RowValue()
    transport_reviewed = RowValue()

    def youth_care_funded(self, pupils_living_here: np.ndarray, municipal: bool, budget_factor: float) -> np.ndarray:
        """How much youth care the municipality funds for the year, in pupils served at the national average rate:
        once youth care is municipal (Jeugdwet, 2015) its own capacity relative to the average, times the budget the
        state passes on relative to the provinces' (``budget_factor``), times the pupils living here; before, the
        province's average for each pupil."""
        if not municipal:
            return pupils_living_here
        return pupils_living_here * np.asarray(self.youth_care_capacity, dtype=np.float64) * budget_factor

    def review_transport_rules(self, decentralised: bool, budget_factor: float, u: float, b: Behaviour) -> None:
        """Once, when youth care becomes the municipality's with less money than the provinces had (the Jeugdwet of
        2015, ``budget_factor`` < 1), it reviews what it spends on care for children: with the chance
        ``transport_tighten_chance`` it makes its pupil-transport rules stricter by ``transport_tighten_step`` (over
        half of the municipalities applied stricter rules in 2015, vgr9 as read for issue 32)."""
        review = decentralised & (budget_factor < 1.0) & ~self.transport_reviewed
        tightens = review & (u < b.transport_tighten_chance)
        self.transport_strictness = np.minimum(self.transport_strictness + b.transport_tighten_step * tightens, 1.0)
        self.transport_reviewed = self.transport_reviewed | review

    def improve_registration(self, asked: bool, b: Behaviour) -> None:
        """Each August: once the Thuiszitterspact asks municipalities to register every child at home, the municipality
        closes part of the gap between what its register records and what is reported to it."""
        if asked:
            self.registration = self.registration + b.registration_catch_up * (1.0 - self.registration)


def follow_chances(staffing: np.ndarray, known_per_10000: float, long_share: float, pact: bool,
                   b: Behaviour) -> tuple[np.ndarray, np.ndarray]:
    """The monthly chance that the attendance officers of each municipality follow a known case (one home up to 3
    months, one home longer).

    Officers can follow ``officer_cases_per_10000`` cases per 10,000 pupils at the average staffing (times each
    municipality's ``staffing``: its own officers and the law's factor); when more cases are known (nationally, per
    10,000 pupils: ``known_per_10000``) each is followed less often. They spread their time over all known cases; once
    the Thuiszitterspact asks it, over the cases home over 3 months first (``long_share`` of the known cases), and the
    rest on the others. The caseload is the country's, not the municipality's own count, so that a small run (a
    municipality holds a case or none) gives the same chances as a national one.
    """
    share = np.minimum(1.0, b.officer_cases_per_10000 * staffing / max(known_per_10000, 1e-12))
    if not pact or long_share <= 0.0:
        return share, share
    long = np.minimum(1.0, share / long_share)
    short = np.maximum(0.0, share - long_share * long) / max(1.0 - long_share, 1e-12)
    return short, long


def needs_transport(sbo: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Of the children who take up a place at a special school, those whose parents ask the municipality for
    transport: the published share of transported pupils of (v)so, or of sbo where ``sbo``."""
    return u < np.where(sbo, TRANSPORTED_SHARE_SBO, TRANSPORTED_SHARE_SPECIAL)


def refuse_transport(strictness: np.ndarray, b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Whether the municipality refuses transport to a child who asks for it: the stricter its rules (each refusal
    saves it the yearly cost of transport), the more often."""
    return u < sigmoid(b.transport_refusal_intercept + b.transport_refusal_strictness * strictness)


def register_reports(reported: np.ndarray, registration: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Of the absences schools report this month, those the municipality's register records (its officer then knows
    of the case); an unrecorded report is lost and must be made again."""
    return reported & (u < registration)


def find_unregistered(officer_capacity: np.ndarray, officers_factor: float, registration: np.ndarray, b: Behaviour,
                      u: np.ndarray) -> np.ndarray:
    """Officers find children registered at no school (matching the population register against the schools'), more
    where there are more officers and the register is kept better."""
    return u < np.minimum(1.0, b.find_rate * officer_capacity * officers_factor * registration)


def grant_exemption(asked: np.ndarray, no_place: np.ndarray, exempt_propensity: np.ndarray, allowed: bool,
                    b: Behaviour, u: np.ndarray) -> np.ndarray:
    """The municipality decides on the parents' request for an exemption (art. 5 onder a, with a doctor's or
    psychologist's statement): more readily when there is no place to offer (schools declined the child, or it waits
    for a (v)so place), and the more its practice leans that way; never where the law allows no exemptions."""
    if not allowed:
        return np.zeros(len(asked), dtype=bool)
    logit = b.grant_intercept + b.grant_no_place * no_place + np.log(exempt_propensity)
    return asked & (u < sigmoid(logit))


def review_exemptions(b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Each August the municipality reviews the exemptions in force: those whose statement is not renewed end, and the
    child must be registered at a school again."""
    return u < b.exemption_end_rate


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
