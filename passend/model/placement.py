"""Shared pieces of the phases about a pupil's place: the regular school type of an age, the support a regular school
gives and the money its alliance passes on, the alliance's arrangements, and the rows of pupils with a given need."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from passend.agents import school
from passend.agents import alliance as alliances
from passend.engine.groups import total_by
from passend.engine.population import N_INDICATIONS, N_SETTINGS, PRIMARY_GRADES, Setting

if TYPE_CHECKING:
    from passend.model.model import WorldModel


def rows_key(m: "WorldModel") -> tuple[int, int]:
    """What rows kept from month to month are keyed by: the school year (ages and school types follow it) and the
    pupils' rows version (rows come and go in August)."""
    return m.school_year, m.pupils.rows_version


def regular_setting(m: "WorldModel", idx: np.ndarray) -> np.ndarray:
    """The regular school type of pupils ``idx`` by their age: primary (bao) or secondary (vo)."""
    secondary = m.pupils.grade(m.school_year, idx) >= PRIMARY_GRADES
    return np.where(secondary, Setting.VO, Setting.BAO).astype(np.int8)


def enrol(m: "WorldModel", idx: np.ndarray, school_rows: np.ndarray) -> None:
    """Pupils ``idx`` register at the regular schools ``school_rows``. Every change of school goes through here, so
    that what is derived from the pupils' schools (:func:`wsns_primary_pupils`) follows the few who move."""
    p = m.pupils
    p.school[idx] = school_rows
    if m.wsns_pupils[0] == rows_key(m):
        _, wsns_of, in_wsns, pupils = m.wsns_pupils
        n = len(m.wsns)
        pupils -= total_by(wsns_of[idx[in_wsns[idx]]], n)
        wsns_of[idx] = m.schools.wsns[school_rows]
        in_wsns[idx] = (p.cohort[idx] > m.school_year - PRIMARY_GRADES) & (wsns_of[idx] >= 0)
        pupils += total_by(wsns_of[idx[in_wsns[idx]]], n)


def wsns_primary_pupils(m: "WorldModel") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pupil's WSNS alliance (-1 none: secondary schools), whether the pupil is of primary age at a school of a
    WSNS alliance, and those pupils per alliance: found once a school year (pupils come and go only in August) and
    kept up to date by :func:`enrol` for the few who change school, instead of every month."""
    key = rows_key(m)
    if m.wsns_pupils[0] != key:
        p = m.pupils
        wsns_of = m.schools.wsns[p.school]
        in_wsns = (p.cohort > m.school_year - PRIMARY_GRADES) & (wsns_of >= 0)
        m.wsns_pupils = (key, wsns_of, in_wsns, total_by(wsns_of[in_wsns], len(m.wsns)))
    return m.wsns_pupils[1:]


def grant_arrangements(m: "WorldModel", idx: np.ndarray) -> None:
    """The alliance arranges support in the regular school for pupils ``idx``: the level the need asks above the
    school's basic support (a pupil already arranged keeps the higher level)."""
    if len(idx) == 0:
        return
    p = m.pupils
    level = alliances.arrangement_level(p.need[idx] - basic_support(m, idx), m.behaviour)
    p.arrangement[idx] = np.maximum(p.arrangement[idx], level)


def basic_support(m: "WorldModel", idx: np.ndarray) -> np.ndarray:
    """The need the regular school of pupils ``idx`` carries in basic support."""
    p = m.pupils
    per_pupil = school_money_per_pupil(m, idx)
    return school.basic_support(m.schools.skill[p.school[idx]], per_pupil, m.behaviour)


def school_money_per_pupil(m: "WorldModel", idx: np.ndarray,
                            alliance: np.ndarray | None = None) -> np.ndarray | None:
    """What the alliance of each pupil passes to its schools a year per pupil (net of a planned lump-sum deduction);
    None while no alliance holds a budget. ``alliance``: the pupils' alliance rows, if the caller has them."""
    if not m.rules.alliances_in_charge:
        return None
    return alliance_money_per_pupil(m)[m.alliance_of_pupils(idx) if alliance is None else alliance]


def alliance_money_per_pupil(m: "WorldModel") -> np.ndarray:
    """What each alliance passes to its schools a year per pupil (net of a planned lump-sum deduction)."""
    a = m.alliances
    return np.divide(a.plan_to_schools_eur, a.pupils, out=np.zeros(len(a)), where=a.pupils > 0)


def with_need_above(m: "WorldModel", threshold: float) -> np.ndarray:
    """Rows of the pupils whose need is above ``threshold``. Needs do not change and pupils come and go only in
    August, so the rows are found once a school year instead of scanning every pupil every month."""
    return need_rows_and_ids(m, threshold)[0]


def need_rows_and_ids(m: "WorldModel", threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`with_need_above` and the ids of those pupils (which key their random draws), kept together."""
    key = (*rows_key(m), threshold)
    if key not in m.need_rows:
        m.need_rows = {k: v for k, v in m.need_rows.items() if k[:2] == key[:2]}
        rows = np.flatnonzero(m.pupils.need > threshold)
        m.need_rows[key] = (rows, m.pupils.uid[rows])
    return m.need_rows[key]


def rows_money_follows(m: "WorldModel") -> np.ndarray:
    """The pupils whose place or support the money and the counts depend on: those outside a regular primary or plain
    secondary school (sbo, (v)so, lwoo/pro, at home, exempt), with an indication or with an arrangement. Every other
    pupil counts, and costs, as a plain bao or vo pupil, so money and counts are taken over these few."""
    p = m.pupils
    return np.flatnonzero(((p.setting != Setting.BAO) & (p.setting != Setting.VO)) | (p.indication > 0)
                          | (p.arrangement > 0))


def pupils_by_setting_and_indication(m: "WorldModel", rows: np.ndarray, setting: np.ndarray) -> np.ndarray:
    """Pupils by counted setting (rows of the result) and indication (columns: 0 none, clusters 1-4), from the pupils
    money follows (``rows``, with their counted ``setting``); every other pupil is in bao or vo with no indication."""
    p = m.pupils
    n_by = np.bincount(setting.astype(np.intp) * N_INDICATIONS + p.indication[rows],
                       minlength=N_SETTINGS * N_INDICATIONS).reshape(N_SETTINGS, N_INDICATIONS)
    plain = np.bincount(p.setting[rows], minlength=N_SETTINGS)  # the rows' own settings, counted in the full column
    for regular in (Setting.BAO, Setting.VO):
        n_by[regular, 0] += np.count_nonzero(p.setting == regular) - plain[regular]
    return n_by
