"""The pupils (with their parents' attributes) as a table of numpy columns: one row per pupil.

Settings are small integers (see :class:`Setting`). A pupil is in exactly one setting each month. A pupil at home
keeps the registration at the school (type) they were in before, in ``registered``: published 1-October counts
include registered pupils who are absent.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from passend.engine.columns import Column, ColumnTable


class Setting(np.int8, Enum):
    """Where a pupil is. Names follow the published tables.

    The members are numpy int8 scalars, the type of the ``setting`` column: numpy promotes an ``IntEnum`` member to
    int64, so ``setting == Setting.HOME`` would first copy a column of millions to int64 (ten times slower)."""

    BAO = 0  # regular primary school (basisonderwijs)
    SBO = 1  # special primary school for light care (speciaal basisonderwijs)
    SO = 2  # special education, primary age (speciaal onderwijs, clusters 1-4)
    VO = 3  # regular secondary school without lwoo/pro ('vo_other')
    LWOO = 4  # regular secondary with learning support (leerwegondersteunend onderwijs)
    PRO = 5  # practical education (praktijkonderwijs)
    VSO = 6  # special secondary education (voortgezet speciaal onderwijs)
    HOME = 7  # at home without leave: relative absence ('thuiszitter' once it lasts)
    EXEMPT = 8  # exempt from compulsory attendance, art. 5 onder a Leerplichtwet


def in_a_school(setting: np.ndarray) -> np.ndarray:
    """Whether each pupil is at a school (regular, sbo or (v)so): the settings numbered below HOME, so one
    comparison."""
    return setting < Setting.HOME


N_SETTINGS = len(Setting)
N_INDICATIONS = 5
"""Values of a pupil's indication: 0 none, clusters 1-4."""
REGULAR = np.array([Setting.BAO, Setting.VO, Setting.LWOO, Setting.PRO])
SPECIAL = np.array([Setting.SO, Setting.VSO])
PRIMARY_GRADES = 8
"""Grades 0-7 are primary (age 4 to 11 on 1 October), from grade 8 on secondary."""
COMPULSORY_AGE = 5
"""Compulsory attendance starts at 5 (Leerplichtwet 1969); the youngest grade (age 4) is voluntary."""

NO_PROVIDER = -1


def _lookup(settings) -> np.ndarray:
    table = np.zeros(N_SETTINGS, dtype=bool)
    table[np.asarray(settings, dtype=np.int64)] = True
    return table


IS_REGULAR = _lookup(REGULAR)
IS_SPECIAL = _lookup(SPECIAL)
"""Whether a setting is a regular school type, a (v)so type: lookup tables for the rows of a few pupils."""


def in_settings(setting: np.ndarray, settings) -> np.ndarray:
    """Whether each of ``setting`` is one of ``settings``. Over a whole column one comparison per setting is several
    times faster than a lookup table (whose gather touches every row's entry); for a few rows the tables serve."""
    found = setting == settings[0]
    for s in settings[1:]:
        found |= setting == s
    return found


class Route(np.int8, Enum):
    """How a pupil's current spell at home began (``home_route``); the routes out are the ledger's move reasons."""

    NONE = 0  # not at home
    BREAKDOWN = 1  # a place that could not carry the need broke down; the parents kept the child at home
    SUSPENSION = 2  # the school sent the pupil home (suspended) because keeping it cost the school too much
    OUTSIDE = 3  # between schools for reasons outside education (a move, an arrival from abroad)
    EXEMPTION_ENDED = 4  # an exemption (5a) ended at its review and the child has no school yet


ROUTES_INTO_HOME = {Route.BREAKDOWN: "breakdown", Route.SUSPENSION: "suspension", Route.OUTSIDE: "outside_cause",
                    Route.EXEMPTION_ENDED: "exemption_ended"}
"""Route of a spell and the ledger's reason for the move into home."""
ROUTES_OUT_OF_HOME = {"back_to_own_school": "back_to_own_school", "admitted_elsewhere": "admitted_elsewhere",
                      "placed_at_partner_school": "placed_at_partner_school", "placed_by_alliance": "placed_by_alliance",
                      "placed_by_consultant": "placed_by_consultant", "special_place": "admission",
                      "exemption": "exemption"}
"""Routes out of home and the ledger's reason for the move: the school of registration takes the child back, another
school admits it after the parents registered it there (aanmelding), a partner school admits it at the request of a
school bound by zorgplicht that declined it, the alliance places it (doorzettingsmacht), a school admits it that an
onderwijsconsulent brought it to, a (v)so school admits it (an admission from home), the municipality exempts it. (Leaving school age ends a spell too,
outside the ledger.)"""


class Pupils(ColumnTable):
    """All pupils of the simulated country. Where a pupil is (``GUARDED``) changes only through the doors of
    ``passend.model.moves`` once a run has started."""

    GUARDED = ("setting", "registered", "provider", "waiting", "school", "unregistered")

    COLUMNS = (
        Column("uid", "int64", -1, "pupil id, never reused (keys the pupil's random numbers)"),
        Column("cohort", "int16", 0, "year the pupil turned 4 and entered primary school", "calendar year"),
        Column("secondary_years", "int8", 4, "years the pupil will spend in secondary school", "years"),
        Column("need", "float32", 0.0, "severity of support need", "latent, standard normal in the population"),
        Column("learning_delay", "float32", 0.0, "learning delay (lwoo/pro, sbo)", "latent, standard normal"),
        Column("cluster", "int8", 3, "type of need: 1 visual, 2 hearing/language, 3 intellectual/physical/chronic, 4 behavioural/psychiatric", "1-4"),
        Column("onset_age", "int8", 4, "age from which the need shows", "years"),
        Column("push", "float32", 0.0, "parents' resources and assertiveness", "latent, standard normal"),
        Column("prefers_special", "float32", 0.0, "parents' preference for a special over a regular school", "latent, standard normal"),
        Column("area", "int16", 0, "region (one primary alliance area)", "index"),
        Column("municipality", "int16", 0, "home municipality", "index"),
        Column("school", "int32", 0, "regular school of registration or, when in special education, of the catchment", "index"),
        Column("setting", "int8", int(Setting.BAO), "where the pupil is this month", "Setting"),
        Column("registered", "int8", int(Setting.BAO), "setting counted on 1 October (differs from setting only at home)", "Setting"),
        Column("provider", "int16", NO_PROVIDER, "special-school provider attended (sbo, so, vso) or waited for", "index, -1 none"),
        Column("indication", "int8", 0, "heavy-care indication: cluster 1-4, 0 none", "0-4"),
        Column("arrangement", "int8", 0, "arrangement in a regular school granted by the alliance: 1 light, 2 medium, 3 intensive, 0 none", "0-3"),
        Column("detected", "bool", False, "the school has noticed the support need"),
        Column("waiting", "bool", False, "on a (v)so waiting list"),
        Column("last_assessed", "int16", -999, "step of the last indication assessment", "step"),
        Column("months_home", "int16", 0, "months of the current spell at home", "months"),
        Column("months_home_total", "int16", 0, "months at home since the run began, over every spell", "months"),
        Column("found", "bool", False, "the attendance officer knows of the current spell at home (the school reported it, or the officer found the child)"),
        Column("home_route", "int8", int(Route.NONE), "how the current spell at home began", "Route"),
        Column("refusals", "int8", 0, "schools that declined or dodged the child in the current spell at home", "count"),
        Column("home_long_this_year", "bool", False, "at home over 4 weeks while registered at a school, at some time this school year"),
        Column("home_long_known_this_year", "bool", False, "the same, and known to the attendance officer (what the Leerplichttelling counts)"),
        Column("home_3m_this_year", "bool", False, "at home over 3 months at some time this school year"),
        Column("home_3m_known_this_year", "bool", False, "the same, and known to the attendance officer"),
        Column("exempt_this_year", "bool", False, "exempt (5a) at some time this school year"),
        Column("unregistered", "bool", False, "at home and registered at no school (absolute absence)"),
        Column("unregistered_this_year", "bool", False, "registered at no school at some time this school year"),
        Column("unregistered_known_this_year", "bool", False, "the same, and found by the attendance officer"),
        Column("in_youth_care", "bool", False, "at home and in a youth-care trajectory"),
        Column("transported", "bool", False, "the municipality transports the pupil to its special school (sbo, (v)so)"),
        Column("youth_care_waiting", "bool", False, "at home, found, and waiting for youth care"),
    )

    def counted_setting(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Where each pupil counts (on 1 October, and for funding): a pupil at home at the school registered at, one
        registered nowhere at home (of pupils ``idx`` only, if given)."""
        counted = self.setting.copy() if idx is None else self.setting[idx]
        home = np.flatnonzero(counted == Setting.HOME)  # the few whose count differs from where they are
        rows = home if idx is None else idx[home]
        registered = ~self.unregistered[rows]
        counted[home[registered]] = self.registered[rows[registered]]
        return counted

    def grade(self, school_year: int, idx: np.ndarray | None = None) -> np.ndarray:
        """Grade in the school year starting in August of ``school_year`` (0 = age 4), of pupils ``idx`` only, if
        given."""
        cohort = self.cohort if idx is None else self.cohort[idx]
        return (school_year - cohort).astype(np.int16)

    def regular_setting(self, school_year: int, idx: np.ndarray) -> np.ndarray:
        """The regular school type of pupils ``idx`` by their age in ``school_year``: primary (bao) or secondary (vo)."""
        secondary = self.grade(school_year, idx) >= PRIMARY_GRADES
        return np.where(secondary, Setting.VO, Setting.BAO).astype(np.int8)

    def age(self, school_year: int, idx: np.ndarray | None = None) -> np.ndarray:
        """Age on 1 October of ``school_year`` (of pupils ``idx`` only, if given)."""
        cohort = self.cohort if idx is None else self.cohort[idx]
        return (school_year - cohort).astype(np.int16) + 4
