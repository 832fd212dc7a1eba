"""Regular schools (basisscholen and vo-scholen).

A school notices support needs (faster with more skilled teachers), gives basic support, asks for heavy-care
indications (more when an indication brings money to the school and the more practised it is with indication
files), learns that practice from schools nearby, refers to sbo within the WSNS rule, and asks the regional
committee (RVC) for lwoo/pro when pupils enter secondary school.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from passend.agents.alliance import ALLIANCE_CLUSTERS, alliance_of, count_tlvs, lwoo_with_own_criteria
from passend.agents.base import RowValue, TableAgent
from passend.agents.rules import IS_REGULAR, monthly_probability, sigmoid
from passend.agents.special_school import choose_sbo_school
from passend.model.columns import Column, ColumnTable
from passend.model.groups import mean_by, total_by
from passend.model.population import Setting

if TYPE_CHECKING:
    from passend.model.model import PassendModel

PRIMARY, SECONDARY = 0, 1
# Grades (0 = age 4) in which a primary school refers to sbo: after the two infant years, and not in the final
# year, when the pupil moves to secondary anyway. Assumption; the WSNS rules set no age limits.
SBO_REFERRAL_GRADES = (2, 6)


class SchoolTable(ColumnTable):
    COLUMNS = (
        Column("sector", "int8", PRIMARY, "0 primary (bao), 1 secondary (vo)"),
        Column("area", "int16", 0, "region", "index"),
        Column("wsns", "int16", -1, "WSNS alliance (primary only)", "index, -1 none"),
        Column("size_weight", "float32", 1.0, "relative size, for where pupils register"),
        Column("skill", "float32", 0.5, "teachers' skill at noticing and meeting needs", "0-1"),
        Column("know_how", "float32", 0.3, "practice with indication files", "0-1"),
        Column("dodges_zorgplicht", "bool", False, "steers parents away before they register (passend onderwijs)"),
    )


class RegularSchool(TableAgent):
    """A regular primary or secondary school."""

    sector = RowValue()
    area = RowValue()
    skill = RowValue()
    know_how = RowValue()

    def learn_indication_practice(self, peer_level: float, reward_ratio: float, rate: float) -> None:
        """Close part of the gap to better-practised schools nearby; faster when an indication pays more.

        Args:
            peer_level: know-how of the better-practised schools in the area (0-1).
            reward_ratio: money an indication brings now, relative to 2003.
            rate: fraction of the gap closed per year at the 2003 reward.
        """
        gap = max(0.0, peer_level - self.know_how)
        self.know_how = min(1.0, self.know_how + min(1.0, rate * reward_ratio) * gap)


def peer_know_how(model: "PassendModel") -> np.ndarray:
    """Per school: the know-how of the better-practised schools of its sector in its area (area mean + 1 sd).

    The sd is the spread between schools of one area pooled over all areas of the sector (unbiased, with n - 1), not
    each area's own: at a small scale an area has one or two schools, its own sd is about zero, and schools would
    stop learning for a reason that is only the sample size.
    """
    s = model.schools
    know_how = s.know_how.astype(np.float64)
    group = s.area.astype(np.int64) * 2 + s.sector
    n_groups = model.n_areas * 2
    size = total_by(group, n_groups)
    mean = mean_by(group, n_groups, know_how)
    squares = total_by(group, n_groups, (know_how - mean[group]) ** 2)
    sd = np.zeros(n_groups)
    for sector in (PRIMARY, SECONDARY):
        in_sector = np.arange(n_groups) % 2 == sector
        degrees = (size[in_sector] - 1).clip(min=0).sum()
        if degrees > 0:
            sd[in_sector] = np.sqrt(squares[in_sector].sum() / degrees)
        else:  # no area holds two schools of this sector: the spread between all its schools
            sd[in_sector] = know_how[s.sector == sector].std()
    return np.minimum(1.0, mean + sd)[group]


def detect_needs(model: "PassendModel") -> None:
    """Teachers notice manifest needs above the detection threshold, more often when skilled."""
    p, b = model.pupils, model.behaviour
    age = p.age(model.school_year)
    idx = np.flatnonzero(IS_REGULAR[p.setting] & ~p.detected & (p.need > b.detect_threshold) & (age >= p.onset_age))
    prob = b.detect_rate * model.schools.skill[p.school[idx]]
    hit = model.streams.uniform("school.detect", p.uid[idx], model.step_index) < prob
    p.detected[idx[hit]] = True


def indication_reward_eur(model: "PassendModel", idx: np.ndarray) -> np.ndarray:
    """What asking for heavy support brings the school a year. Old system: the rugzak school part. Passend onderwijs,
    clusters 3/4: the part of an arrangement that follows the pupil, i.e. the alliance's pupil-model share (under the
    school and expertise models the money reaches the school whatever it asks); clusters 1/2 keep the rugzak."""
    rugzak = np.full(len(idx), model.state.rugzak_school_eur)
    if not model.passend:
        return rugzak
    arrangement = model.alliances.pupil_model[alliance_of(model, idx)] * model.law("arrangement_eur")
    return np.where(np.isin(model.pupils.cluster[idx], ALLIANCE_CLUSTERS), arrangement, rugzak)


def apply_for_indications(model: "PassendModel") -> np.ndarray:
    """Pupils for whom the school and parents ask the national committee for an indication this month.

    The yearly log-odds add the need above the criterion, the school's practice, the money an indication brings the
    school, the parents' push, and how common indications have become in the area (parents hear of them).
    """
    p, b = model.pupils, model.behaviour
    eligible = (
        (IS_REGULAR[p.setting] | (p.setting == Setting.SBO))
        & p.detected
        & (p.indication == 0)
        & (model.step_index - p.last_assessed >= 12)
    )
    idx = np.flatnonzero(eligible)
    criterion = model.law("indication_criterion")
    reward_k = indication_reward_eur(model, idx) / 1000.0
    awareness = model.area_indication_rate[p.area[idx]] / model.reference_indication_rate - 1.0
    logit = (
        b.apply_intercept
        + b.apply_need * (p.need[idx] - criterion)
        + b.apply_know_how * model.schools.know_how[p.school[idx]]
        + b.apply_reward * reward_k
        + b.apply_push * p.push[idx]
        + b.apply_awareness * awareness
    )
    hit = model.streams.uniform("school.apply_indication", p.uid[idx], model.step_index) < monthly_probability(logit)
    return idx[hit]


def refer_to_sbo(model: "PassendModel") -> None:
    """Primary schools refer pupils with light-care needs to sbo; the WSNS rule makes referral cost the school when
    its alliance is above the directly funded share."""
    p, b = model.pupils, model.behaviour
    grade = p.grade(model.school_year)
    idx = np.flatnonzero(
        (p.setting == Setting.BAO) & p.detected & (p.indication == 0) & ~p.waiting
        & (grade >= SBO_REFERRAL_GRADES[0]) & (grade <= SBO_REFERRAL_GRADES[1])
    )
    severity = 0.5 * (p.need[idx] + p.learning_delay[idx])
    cost_k = model.wsns.cost_to_school_eur[model.schools.wsns[p.school[idx]]] / 1000.0
    logit = b.sbo_intercept + b.sbo_need * (severity - 1.5) - b.sbo_cost * cost_k + model.areas.culture[p.area[idx]]
    if model.passend:  # the alliance grants the TLV for sbo, as strictly as for (v)so
        logit -= b.sbo_need * model.alliances.strictness[alliance_of(model, idx)]
    hit = model.streams.uniform("school.refer_sbo", p.uid[idx], model.step_index) < monthly_probability(logit)
    moved = idx[hit]
    if model.passend:
        count_tlvs(model, alliance_of(model, moved), None)
    u = model.streams.uniform("school.sbo_school", p.uid[moved], model.step_index)
    p.provider[moved] = choose_sbo_school(model.providers, p.area[moved], u)
    p.setting[moved] = Setting.SBO
    p.registered[moved] = Setting.SBO
    model.flows.add("inflow_sbo", len(moved))


def apply_for_lwoo_pro(model: "PassendModel", entrants: np.ndarray, from_sbo: np.ndarray) -> None:
    """At entry to secondary school: for pupils whose learning delay shows, the school asks the RVC for lwoo/pro (more
    readily for pupils from sbo, and the more practised and the better paid it is); the RVC judges the delay against
    the national criteria, with assessment error. Funding is open-ended; from 2016 under passend onderwijs the
    secondary alliance pays from a budget frozen on 2012, and alliances with their own criteria judge lwoo against
    the national criterion plus their lwoo strictness (pro stays national)."""
    p, b = model.pupils, model.behaviour
    flagged = p.learning_delay[entrants] > b.lwoo_apply_threshold
    entrants, from_sbo = entrants[flagged], from_sbo[flagged]
    kh = model.schools.know_how[p.school[entrants]]
    reward_k = model.law("lwoo_pro_eur") / 1000.0
    logit = b.lwoo_intercept + b.lwoo_know_how * kh + b.apply_reward * reward_k + 2.0 * from_sbo
    asks = model.streams.uniform("school.apply_lwoo", p.uid[entrants], model.step_index) < sigmoid(logit)
    noise = b.rvc_noise * model.streams.normal("rvc.assess", p.uid[entrants], model.step_index)
    judged = p.learning_delay[entrants] + b.file_know_how * kh + noise
    # pro is judged on the learning delay itself (an IQ test), lwoo on a file the school writes
    is_pro = asks & (p.learning_delay[entrants] + noise > model.law("pro_criterion"))
    pro = entrants[is_pro]
    criterion = np.full(len(entrants), float(model.law("lwoo_criterion")))
    if model.passend and model.law("lwoo_pro_in_alliances"):
        alliance = alliance_of(model, entrants)
        own = lwoo_with_own_criteria(model, alliance)
        criterion[own] += model.alliances.lwoo_strictness[alliance[own]]
    lwoo = entrants[asks & ~is_pro & (judged > criterion)]
    for group, setting in ((lwoo, Setting.LWOO), (pro, Setting.PRO)):
        in_school = p.setting[group] == Setting.VO
        p.registered[group] = setting
        p.setting[group[in_school]] = setting


def schools_learn(model: "PassendModel") -> None:
    """Each school's yearly update of its indication practice (a Mesa agent step per school), and of its teachers'
    skill when there is a national professionalisation budget."""
    peers = peer_know_how(model)
    reward_ratio = model.state.rugzak_school_eur / model.state.reference_rugzak_school_eur
    rate = model.behaviour.know_how_imitation
    for school in model.agents_by_type[RegularSchool]:
        school.learn_indication_practice(float(peers[school.idx]), reward_ratio, rate)
    budget = model.law("professionalisation_eur")
    if budget > 0:
        # every school's share per pupil is the same, so skill rises by the same fraction of what is left to learn
        per_100_eur = budget * model.settings.scale / len(model.pupils) / 100.0
        gain = min(1.0, model.behaviour.professionalisation_skill_gain * per_100_eur)
        s = model.schools
        s.skill = (s.skill + gain * (1.0 - s.skill)).astype(s.skill.dtype)

