"""Regular schools (basisscholen and vo-scholen).

A school notices support needs (faster with more skilled teachers), gives basic support, asks for heavy-care
indications (more when an indication brings money to the school and the more practised it is with indication
files), learns that practice from schools nearby, refers to sbo (under the WSNS rule, or asking the alliance for a
TLV), and asks the regional committee (RVC) for lwoo/pro when pupils enter secondary school. It reports absence to
the municipality, sends home a pupil who costs it too much, and decides on the registration (aanmelding) of a child
at home: admit, decline, or, under zorgplicht, dodge the duty by treating the intake talk as no registration; a
school bound by zorgplicht that declines offers the child a place at a partner school of its alliance, which decides
in turn.

There are thousands of schools, so their decisions are functions vectorised over the pupils (or schools) they
concern; each takes the rows, money and law it reads as named arguments and returns what the schools decided.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from passend.agents.base import RowValue, TableAgent
from passend.agents.rules import monthly_probability, sigmoid
from passend.engine.population import IS_REGULAR, IS_SPECIAL
from passend.engine.behaviour import Behaviour
from passend.engine.columns import Column, ColumnTable
from passend.engine.population import Setting

PRIMARY, SECONDARY = 0, 1
# Grades (0 = age 4) in which a primary school refers to sbo: after the two infant years, and not in the final
# year, when the pupil moves to secondary anyway. Assumption; the WSNS rules set no age limits.
SBO_REFERRAL_GRADES = (2, 6)
SBO_SEVERITY_CENTRE = 1.5
"""Severity (mean of need and learning delay) at which the yearly referral log-odds are the intercept."""
FROM_SBO_LWOO_LOGIT = 2.0
"""Log-odds added to asking for lwoo/pro for a pupil who comes from sbo (the file is already there)."""
PUPILS_PER_TEACHER_POST = (15.4, 16.3)
"""Pupils per teacher fte, [primary, secondary]: 1,414,261 bao pupils (1 October 2017, pupil_counts_2017_2018.csv) over
91.7k primary teacher fte (DUO, onderwijsincijfers.nl 'Personeelssterkte' 2017: 121.2k staff fte x 75.7% teachers);
about a million vo pupils over 60.9k secondary teacher fte (84.3k x 72.3%; the vo count is an assumption of the order
the 2017 count gives). A school's posts follow its pupils, so that a run at a smaller scale (fewer, larger schools)
finds the same share of posts unfilled."""
SUPPORT_POSTS_PER_TEACHER_POST = 0.07
"""Support staff (intern begeleider, remedial teacher, zorgcoördinator) per teacher post: about one in a primary school
of 14 teacher fte (assumption: every primary school has an intern begeleider; the same ratio in secondary)."""


class SchoolTable(ColumnTable):
    COLUMNS = (
        Column("sector", "int8", PRIMARY, "0 primary (bao), 1 secondary (vo)"),
        Column("area", "int16", 0, "region", "index"),
        Column("wsns", "int16", -1, "WSNS alliance (primary only)", "index, -1 none"),
        Column("size_weight", "float32", 1.0, "relative size, for where pupils register"),
        Column("skill", "float32", 0.5, "teachers' skill at noticing and meeting needs", "0-1"),
        Column("know_how", "float32", 0.3, "practice with indication files", "0-1"),
        Column("support_time_lost", "float32", 0.0, "share of its support staff's time that covers classes it could not staff this school year", "0-1"),
    )


class RegularSchool(TableAgent):
    """A regular primary or secondary school (its row in :class:`SchoolTable`)."""

    sector = RowValue()
    area = RowValue()
    skill = RowValue()
    know_how = RowValue()
    support_time_lost = RowValue()


def cover_unstaffed_classes(pupils: np.ndarray, sector: np.ndarray, unfilled_share: np.ndarray,
                            u: np.ndarray) -> np.ndarray:
    """Each August: how much of its support staff's time each school gives to classes it could not staff.

    A school finds as many of its teacher posts unfilled as chance gives at the year's share of unfilled posts (an
    outside condition, ``conditions/outside.toml``), and keeps every class taught by putting its support staff in front
    of it (sending a class home is the last resort the Inspectorate allows only briefly): the time they then cannot
    give to pupils with support needs.

    Args:
        pupils: each school's pupils now.
        sector: each school's sector (PRIMARY, SECONDARY).
        unfilled_share: the share of teacher posts unfilled, [primary, secondary].
        u: one uniform per school.

    Returns:
        The share of each school's support time lost (0-1).
    """
    posts = np.maximum(np.round(pupils / np.asarray(PUPILS_PER_TEACHER_POST)[sector]), 1.0)
    unfilled = binom.ppf(u, posts, np.asarray(unfilled_share, dtype=np.float64)[sector])
    return np.minimum(1.0, unfilled / (SUPPORT_POSTS_PER_TEACHER_POST * posts)).astype(np.float32)


def notice_needs(skill: np.ndarray, detect_rate: float, u: np.ndarray) -> np.ndarray:
    """Teachers notice a manifest need this month, more often when skilled.

    Args:
        skill: teachers' skill at each candidate's school (0-1).
        detect_rate: chance a month at skill 1.
        u: one uniform per candidate.

    Returns:
        Boolean mask over the candidates: noticed.
    """
    return u < detect_rate * skill


def support_reward_eur(arrangement_price_eur: np.ndarray, pupil_model_share: np.ndarray,
                       referral_charge_eur: np.ndarray) -> np.ndarray:
    """What asking the alliance for support brings the school a year (EUR): the part of the arrangement that follows
    the pupil (the alliance's pupil-model share; under the school and expertise models the money reaches the school
    whatever it asks), less the charge its alliance puts on a TLV when its budget falls short. (In the old system the
    reward is the rugzak's school part.)"""
    return pupil_model_share * arrangement_price_eur - referral_charge_eur


def ask_for_indication(need_above_criterion: np.ndarray, know_how: np.ndarray, reward_eur: np.ndarray,
                       push: np.ndarray, awareness: np.ndarray, b: Behaviour, u: np.ndarray,
                       support_time_lost: np.ndarray | float = 0.0) -> np.ndarray:
    """Whether the school and parents of each eligible pupil apply for an indication (or TLV) this month.

    The yearly log-odds add the need above the criterion, the school's practice, the money an indication brings the
    school (per EUR 1,000), the parents' push, and how common indications have become in the area relative to 2003
    (``awareness``: parents hear of them). A school whose support staff cover unstaffed classes weighs a need as
    heavier by the support it can no longer give (``shortage_support_loss`` times the share of support time lost).
    """
    logit = (
        b.apply_intercept
        + b.apply_need * (need_above_criterion + b.shortage_support_loss * support_time_lost)
        + b.apply_know_how * know_how
        + b.apply_reward * (reward_eur / 1000.0)
        + b.apply_push * push
        + b.apply_awareness * awareness
    )
    return u < monthly_probability(logit)


def refer_to_sbo(severity: np.ndarray, cost_to_school_eur: np.ndarray, culture: np.ndarray,
                 alliance_strictness: np.ndarray | None, b: Behaviour, u: np.ndarray,
                 support_time_lost: np.ndarray | float = 0.0) -> np.ndarray:
    """Whether a primary school refers each candidate to sbo this month: more for heavier light-care needs and in
    areas with a referral culture, less when referral costs the school (the WSNS rule above 2%) and, when the
    alliance grants the TLV for sbo, the stricter the alliance (None: no alliance judges). Like an application, a
    need weighs heavier by the support time the school has lost to unstaffed classes."""
    severity = severity + b.shortage_support_loss * support_time_lost
    logit = b.sbo_intercept + b.sbo_need * (severity - SBO_SEVERITY_CENTRE) - b.sbo_cost * (cost_to_school_eur / 1000.0) + culture
    if alliance_strictness is not None:
        logit -= b.sbo_need * alliance_strictness
    return u < monthly_probability(logit)


def ask_for_lwoo_pro(learning_delay: np.ndarray, know_how: np.ndarray, from_sbo: np.ndarray, lwoo_pro_eur: float,
                     b: Behaviour, u: np.ndarray) -> np.ndarray:
    """At entry to secondary school, whether the school asks the committee for lwoo/pro for each pupil whose learning
    delay it has flagged: more readily for pupils from sbo, and the more practised and the better paid it is."""
    logit = b.lwoo_intercept + b.lwoo_know_how * know_how + b.apply_reward * (lwoo_pro_eur / 1000.0) + FROM_SBO_LWOO_LOGIT * from_sbo
    return u < sigmoid(logit)


def flag_learning_delay(learning_delay: np.ndarray, b: Behaviour) -> np.ndarray:
    """Entrants whose learning delay the school sees (candidates for lwoo/pro)."""
    return learning_delay > b.lwoo_apply_threshold


def peer_know_how(know_how: np.ndarray, sector: np.ndarray) -> np.ndarray:
    """Per school: the know-how of the better-practised schools of its sector (the sector's mean + 1 sd).

    Over the whole sector, not each area: schools are fewer at a smaller scale (a secondary area holds one or two at
    scale 0.02), so an area's own mean would be mostly the school itself and a school would keep learning from itself
    at a small scale and stop at a large one, a difference that comes from the sample size only.
    """
    know_how = know_how.astype(np.float64)
    level = np.zeros(2)
    for s in (PRIMARY, SECONDARY):
        mine = know_how[sector == s]
        if len(mine):
            level[s] = mine.mean() + mine.std(ddof=1 if len(mine) > 1 else 0)
    return np.minimum(1.0, level)[sector]


def learn_indication_practice(know_how: np.ndarray, peer_level: np.ndarray, reward_ratio: float, rate: float) -> np.ndarray:
    """Each school's yearly update of its indication practice: it closes part of the gap to the better-practised
    schools nearby, faster when an indication pays more.

    Args:
        know_how: each school's practice with indication files (0-1, float32).
        peer_level: know-how of the better-practised schools in its area (0-1).
        reward_ratio: money an indication brings now, relative to 2003.
        rate: fraction of the gap closed per year at the 2003 reward.

    Returns:
        The new know-how, same dtype.
    """
    dtype = know_how.dtype.type
    gap = np.maximum(dtype(0.0), peer_level.astype(know_how.dtype) - know_how)
    return np.minimum(dtype(1.0), know_how + dtype(min(1.0, rate * reward_ratio)) * gap)


def professionalise(skill: np.ndarray, budget_eur_per_pupil: float, gain_per_100_eur: float,
                    support_time_lost: np.ndarray | float = 0.0) -> np.ndarray:
    """Teachers' skill after a year's professionalisation budget: every school's share per pupil is the same, so skill
    rises by the same fraction of what is left to learn, less where the school could not staff its classes (its
    teachers cannot be freed for training while support staff cover classes: the share of support time lost)."""
    gain = min(1.0, gain_per_100_eur * (budget_eur_per_pupil / 100.0)) * (1.0 - np.asarray(support_time_lost))
    return (skill + gain * (1.0 - skill)).astype(skill.dtype)


def basic_support(skill: np.ndarray, money_per_pupil_eur: np.ndarray | None, b: Behaviour,
                  support_time_lost: np.ndarray | float = 0.0) -> np.ndarray:
    """The need a regular school carries in basic support: more with skilled teachers, and more with the money its
    alliance passes to it a year per pupil (net of lump-sum deductions; None where no alliance passes any); less by
    ``shortage_support_loss`` at all of its support time given to classes it could not staff."""
    support = b.support_regular + b.support_skill * (skill - 0.5) - b.shortage_support_loss * support_time_lost
    if money_per_pupil_eur is not None:
        support = support + b.school_money_support * (money_per_pupil_eur / 100.0)
    return support


def support_carried(setting: np.ndarray, skill: np.ndarray, rugzak: np.ndarray, arranged: np.ndarray,
                    expertise_share: np.ndarray | None, money_per_pupil_eur: np.ndarray | None,
                    b: Behaviour, support_time_lost: np.ndarray | float = 0.0) -> np.ndarray:
    """How much need each pupil's place can carry (latent need scale): a regular school's basic support, more with a
    rugzak (pupil-bound funding) or with the alliance's arrangement, more where the alliance's central
    expertise reaches the classroom (``expertise_share``: its expertise-model share; None where no alliance spends a
    budget); sbo and (v)so carry more.

    Args:
        setting: each pupil's setting.
        skill: teachers' skill at the pupil's regular school (of registration or catchment).
        rugzak: the pupil's indication brings pupil-bound funding.
        arranged: the need the pupil's arrangement carries (0 without one).
        expertise_share: the expertise-model share of the pupil's alliance, or None.
        money_per_pupil_eur: what the pupil's alliance passes to its schools per pupil a year, or None.
        b: behaviour parameters.
        support_time_lost: the share of the support time of the pupil's regular school that covers unstaffed classes.
    """
    regular = IS_REGULAR[setting]
    support = basic_support(skill, money_per_pupil_eur, b, support_time_lost)
    support = support + b.support_rugzak * (rugzak & regular)
    support = support + arranged * regular
    if expertise_share is not None:
        support = support + b.expertise_support * expertise_share * regular
    support = support + 0.5 * b.support_special * (setting == Setting.SBO)
    return support + b.support_special * IS_SPECIAL[setting]


def cost_of_taking_eur(unmet_need: np.ndarray, b: Behaviour) -> np.ndarray:
    """What taking in (or keeping) a child costs the school a year beyond the support its place can give: the need left
    unmet, at what the school would spend to carry it (``school_eur_per_unmet_need``)."""
    return b.school_eur_per_unmet_need * np.maximum(unmet_need, 0.0)


def suspension_chance(cost_eur: np.ndarray, b: Behaviour) -> np.ndarray:
    """The monthly chance that the school sends a pupil home (a suspension that lasts, or an informal exclusion):
    small, and larger the more the pupil costs the school beyond the support its place can give; none for a pupil
    who costs it nothing."""
    return monthly_probability(b.suspend_intercept + b.suspend_cost * (cost_eur / 1000.0)) * (cost_eur > 0)


def dodge_zorgplicht(cost_eur: np.ndarray, school_model_share: np.ndarray, b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Under zorgplicht, whether the school treats the parents' intake talk as no registration and steers them
    elsewhere, so that its duty of care never starts: more when the child would cost it, and more under a school model
    (the alliance's money reaches the school whatever pupils it takes in, so a costly pupil is its own loss)."""
    logit = b.dodge_intercept + b.dodge_cost * (cost_eur / 1000.0) + b.dodge_school_model * school_model_share
    return u < sigmoid(logit)


def admit(cost_eur: np.ndarray, declining_cost_eur: np.ndarray | float, b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Whether the school admits (or takes back) a child at home who asks for a place: it weighs what the child costs
    it a year against what declining costs it (``declining_cost_eur``, from :func:`declining_cost_eur`)."""
    logit = b.admit_intercept - b.admit_cost * ((cost_eur - declining_cost_eur) / 1000.0)
    return u < sigmoid(logit)


def declining_cost_eur(duty: np.ndarray, consultant: np.ndarray | bool, b: Behaviour) -> np.ndarray:
    """What declining a child at home costs the school a year. Under zorgplicht (``duty``: the child is registered
    with the school, which did not dodge) a school that declines must itself find the child a fitting place elsewhere
    or answer to the disputes committee (``refusal_cost_eur``); it may decline only a burden larger than that. A child
    an onderwijsconsulent brings (``consultant``) comes with advice the school must answer to
    (``consultant_weight_eur``)."""
    return b.refusal_cost_eur * np.asarray(duty, dtype=bool) + b.consultant_weight_eur * np.asarray(consultant, dtype=bool)


def best_carrying(asked: np.ndarray, asked_skill: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Of the schools asked for each child (``asked``: rows, one column per school asked; ``asked_skill``: their
    teachers' skill), the one that best carries a support need: the most skilled, never ``excluded`` (a school that
    declined the child looking for a partner). Returns a school row per child, -1 where only the excluded one was
    asked. Used by a school bound by zorgplicht that seeks a partner school, and by an onderwijsconsulent."""
    skill = np.where(asked == excluded[:, None], -np.inf, asked_skill)
    best = np.argmax(skill, axis=1)
    rows = np.arange(len(asked))
    return np.where(np.isfinite(skill[rows, best]), asked[rows, best], -1)


def advise_exemption(cost_eur: np.ndarray, b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Under zorgplicht, whether the school advises the parents of a pupil whose need a doctor's or psychologist's
    statement would cover to ask for an exemption (art. 5 onder a), which ends the school's duty: the more the pupil
    costs it beyond the support its place gives (EUR a year), the more often; never for one who costs it nothing."""
    return (u < sigmoid(b.advise_intercept + b.advise_cost * (cost_eur / 1000.0))) & (cost_eur > 0)


def take_off_register(bound: np.ndarray) -> np.ndarray:
    """Whether the school takes a pupil at home off its register when the parents ask. Under zorgplicht a school may
    let a pupil it is bound to go only once another school has admitted it (passend onderwijs made the old duty to try
    for eight weeks to find another school a duty of result), so it keeps such a child registered."""
    return ~bound


def report_absence(b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Whether the school reports a pupil's absence to the attendance officer this month (the law asks it to; not
    every school does at once)."""
    return u < b.report_rate


def write_file(need: np.ndarray, know_how: np.ndarray, b: Behaviour) -> np.ndarray:
    """The need an indication file shows: a school practised in writing files presents the same need as heavier."""
    return need + b.file_know_how * know_how
