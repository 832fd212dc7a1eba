"""Municipalities (gemeenten): compulsory-attendance officers find pupils at home and work on their return; the
municipality may exempt a child under art. 5 onder a Leerplichtwet, which takes the child out of the absence count.
Youth care for children at home: a regional (provincial) system until 2015, then each municipality's own, with its
own capacity and so its own waiting list. Pupil transport to special schools is theirs throughout (see recorder)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from passend.agents.alliance import alliance_of
from passend.agents.base import RowValue, TableAgent
from passend.agents.rules import rank_within
from passend.model.columns import Column, ColumnTable
from passend.model.groups import total_by
from passend.model.population import Setting

if TYPE_CHECKING:
    from passend.model.model import PassendModel

N_MUNICIPALITIES = 415
"""1 January 2012 (institutions.toml, CBS). Mergers are not modelled: one set of municipalities for the whole run."""


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
    area = RowValue()
    officer_capacity = RowValue()
    exempt_propensity = RowValue()


def attend_to_pupils_at_home(model: "PassendModel") -> None:
    """Monthly: officers find pupils at home; found pupils return to school or, with severe needs, are exempted;
    some return without an officer. Waiting pupils go back to the regular place they wait in."""
    p, b = model.pupils, model.behaviour
    idx = np.flatnonzero(p.setting == Setting.HOME)
    if len(idx) == 0:
        return
    muni = model.municipalities
    uid, step = p.uid[idx], model.step_index
    newly_found = ~p.found[idx] & (model.streams.uniform("municipality.find", uid, step) < b.find_rate * muni.officer_capacity[p.municipality[idx]])
    p.found[idx[newly_found]] = True
    found = p.found[idx]
    exempt = found & (p.need[idx] > b.exempt_threshold) & bool(model.law("exemption_5a_allowed"))
    exempt &= model.streams.uniform("municipality.exempt", uid, step) < b.exempt_rate * muni.exempt_propensity[p.municipality[idx]]
    back_rate = np.where(found, b.return_found, b.return_unfound) * return_boost(model, idx, found)
    back = ~exempt & (model.streams.uniform("municipality.return", uid, step) < np.minimum(back_rate, 1.0))
    # 'Van het kastje naar de muur': parents who asked a school for a place this month and were sent on.
    seeking = model.streams.uniform("parents.seek_place", uid, step) < b.parents_seek
    model.flows.add("sent_on", int(np.count_nonzero(seeking & ~back & ~exempt)))

    exempted = idx[exempt]
    p.setting[exempted] = Setting.EXEMPT
    p.waiting[exempted] = False
    p.exempt_this_year[exempted] = True
    returned = idx[back]
    p.setting[returned] = p.registered[returned]
    ended = np.r_[exempted, returned]
    p.months_home[ended] = 0
    p.found[ended] = False
    p.unregistered[ended] = False  # back at school means registered again; an exemption is a registered status
    model.flows.add("returned_home_spells", len(returned))
    model.flows.add("exemptions_granted", len(exempted))


def youth_care_unit(model: "PassendModel", municipal: bool):
    """The youth-care pool of a pupil, from its municipality and area: one per region before 2015; from 2015 each
    municipality's own, or its region's where the municipality has an agreement with its alliance."""
    n_muni = len(model.municipalities)
    pooled = model.municipalities.agreement_with_alliance

    def unit_of(municipality: np.ndarray, area: np.ndarray) -> np.ndarray:
        regional = n_muni + area.astype(np.int64)
        if not municipal:
            return regional
        return np.where(pooled[municipality], regional, municipality.astype(np.int64))

    return unit_of


def youth_care(model: "PassendModel") -> None:
    """Monthly: found children at home with a manifest need get a youth-care place while there is one in their
    region (before 2015) or municipality (from 2015; pooled over the region where the municipality has an agreement
    with its alliance); the others wait. Care ends when the child is back or exempt."""
    p, b = model.pupils, model.behaviour
    at_home = p.setting == Setting.HOME
    p.in_youth_care &= at_home
    p.youth_care_waiting[:] = False
    municipal = bool(model.law("youth_care_municipal"))
    unit_of = youth_care_unit(model, municipal)
    n_units = len(model.municipalities) + model.n_areas
    key = (model.school_year, municipal)
    if model.youth_care_places[0] != key:  # places follow the pupils, who move only in August
        weight = model.municipalities.youth_care_capacity[p.municipality] if municipal else None
        places = total_by(unit_of(p.municipality, p.area), n_units, weight) * b.youth_care_places_per_1000 / 1000.0
        model.youth_care_places = (key, places)
    home = np.flatnonzero(at_home)
    unit = unit_of(p.municipality[home], p.area[home])
    in_care = p.in_youth_care[home]
    # Places are whole: round the free capacity up or down at random so that a small-scale run has the right number
    # on average (a municipality of a 1% sample holds a few hundredths of a place).
    u = model.streams.uniform("youth_care.places", np.arange(n_units), model.step_index)
    free = np.floor(np.maximum(model.youth_care_places[1] - total_by(unit[in_care], n_units), 0.0) + u)
    seeking = ~in_care & p.found[home] & (p.need[home] > b.detect_threshold)
    candidates, their_unit = home[seeking], unit[seeking]
    # longest at home first
    admitted = rank_within(their_unit, -p.months_home[candidates].astype(np.float64)) < free[their_unit]
    p.in_youth_care[candidates[admitted]] = True
    p.youth_care_waiting[candidates[~admitted]] = True
    model.flows.add("youth_care_starts", int(np.count_nonzero(admitted)))
    model.flows.add("youth_care_waiting_months", int(np.count_nonzero(~admitted)))


def return_boost(model: "PassendModel", idx: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Factor on the monthly return rate of pupils ``idx`` at home, from the policies in force:
    zorgplicht (passend onderwijs: the school of registration must find a fitting place, unless it dodges; the less
    the alliance runs on the school model, the more its schools cooperate in finding one),
    doorzettingsmacht (a found case in an alliance where someone can decide), youth care, and the Thuiszitterspact
    (cases home over 3 months get priority)."""
    p, b = model.pupils, model.behaviour
    boost = np.ones(len(idx))
    if model.passend:
        alliance = alliance_of(model, idx)
        # schools in an alliance run on the school model look inward: they find a place elsewhere less readily
        cooperation = 1.0 - model.alliances.school_model[alliance]
        # zorgplicht binds the school of registration: a child registered nowhere has none
        bound = ~model.schools.dodges_zorgplicht[p.school[idx]] & ~p.unregistered[idx]
        boost *= 1.0 + b.zorgplicht_return * cooperation * bound
        share = np.asarray(model.law("doorzettingsmacht_share"))[model.alliances.sector[alliance]]
        decides = model.alliances.doorzettingsmacht_rank[alliance] < share
        boost *= 1.0 + b.doorzettingsmacht_return * (found & decides)
    boost *= 1.0 + b.youth_care_return * p.in_youth_care[idx]
    if model.law("thuiszitterspact"):
        boost *= 1.0 + b.pact_return * (p.months_home[idx] > 3)
    return boost


def count_months_at_home(model: "PassendModel") -> None:
    """End of month: spells at home get one month longer; flag the durations the attendance counts use."""
    p = model.pupils
    home = np.flatnonzero(p.setting == Setting.HOME)
    p.months_home[home] += 1
    over = model.law("long_absence_months")
    # relative absence is absence from the school registered at; children registered nowhere count as absolute
    registered = ~p.unregistered[home]
    p.home_long_this_year[home[registered & (p.months_home[home] > over)]] = True
    p.home_3m_this_year[home[p.months_home[home] > 3]] = True
