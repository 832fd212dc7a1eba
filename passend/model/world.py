"""The state of a run: the World the phases of a month read and write.

A :class:`World` holds the tables (pupils with their parents, regular schools, alliances, WSNS alliances, special-school
providers, municipalities, areas), the state's books and the ledger, and what one part of the month keeps for another:

=====================  ==============================================================================================
part                   what it is, who writes it, who reads it
=====================  ==============================================================================================
pupils, schools, ...   the tables; a pupil's place changes only through the doors of :mod:`passend.model.moves`
state, alliances,      the money the law computes (:attr:`World.books`): the state's rugzak amounts and count, the
ledger, budget         alliances' budgets and reserves, the budget base of 2011, every payment and move of the month
labels                 how common labels are, taken on each 1 October count; read by applications and exemptions
this_month             what one phase hands another within the month (TLVs granted, seats taken, cases followed),
                       started afresh by :meth:`World.start_month`
rows                   the pupils the phases start from, kept between months (:class:`PupilRows`)
record                 the rows the recorder wrote (:mod:`passend.model.recorder`); no decision reads them
other_books            books kept under another law on this world's pupils (:mod:`passend.model.mechanical`)
=====================  ==============================================================================================
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from passend.agents.alliance import AllianceTable, AreaTable, WsnsTable, alliance_of
from passend.agents.municipality import MunicipalityTable
from passend.agents.school import SchoolTable
from passend.agents.special_school import ProviderTable
from passend.agents.state import State
from passend.engine.columns import Kept
from passend.engine.funding import BudgetBase
from passend.engine.groups import total_by
from passend.engine.ledger import Ledger
from passend.engine.policy import PolicyTimeline
from passend.engine.population import PRIMARY_GRADES, Pupils, Setting
from passend.model.country import Country, SchoolChoice


@dataclass(eq=False)
class Budgets:
    """What the base count (1 October 2011) fixed: per set of budget clusters the law names, each alliance's own cost
    per pupil and the national amounts equalisation ends at (set by the count, read each August)."""

    bases: dict[tuple[int, ...], BudgetBase] = field(default_factory=dict)
    national_eur_per_pupil: np.ndarray = field(default_factory=lambda: np.full(2, np.nan))  # [po, vo]


@dataclass(eq=False)
class Books:
    """One set of books: the money the law computes on a world's pupils and decisions, and the payments it books.

    A run keeps its own (:attr:`World.books`); a run asked for a reform's mechanical effect keeps a second set under
    the reform's law (``policy``), which books that law's money on the run's own pupils and decisions
    (:mod:`passend.model.mechanical`). ``policy`` is None for the run's own books: they follow the month's law.
    """

    state: State
    alliances: AllianceTable
    ledger: Ledger
    budgets: Budgets
    policy: PolicyTimeline | None = None
    school_years: list[dict] = field(default_factory=list)  # books kept under another law: a row per school year
    year: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # ... and this school year's so far


@dataclass(eq=False)
class Labels:
    """How common labels (indications, TLVs, arrangements) are in each area and in the country, taken on each
    1 October count (:func:`passend.model.phases.count`) and relative to the first count (2003)."""

    area_rate: np.ndarray
    reference_rate: float = 1.0
    national_rate: float = 1.0


@dataclass(eq=False)
class ThisMonth:
    """What one phase hands another within a month; a new month starts with a fresh one (:meth:`World.start_month`).

    Attributes:
        tlvs_granted: TLVs the alliances granted this month (national, per alliance): written by the indications and
            the sbo referrals, read by the money (referral charges).
        seats_taken: (v)so seats taken per provider (so, vso), counted by the indications phase's admissions and kept
            up to date through them for the waiting lists, which come next; None until counted.
        cases_followed: children at home the attendance officers followed (attendance -> money: their time).
        consultant_cases: children at home an onderwijsconsulent took on (attendance -> money: their time).
    """

    tlvs_granted: np.ndarray
    seats_taken: tuple[np.ndarray, np.ndarray] | None = None
    cases_followed: int = 0
    consultant_cases: int = 0


@dataclass(eq=False)
class Record:
    """The rows a run recorded (:mod:`passend.model.recorder` writes them; nothing in the month reads them)."""

    counts: list[dict] = field(default_factory=list)
    months: list[dict] = field(default_factory=list)
    school_years: list[dict] = field(default_factory=list)
    alliances: list[dict] = field(default_factory=list)
    year_spend: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    year_flows: dict[str, float] = field(default_factory=lambda: defaultdict(float))


class PupilRows:
    """The pupils the month's phases start from, kept from month to month instead of found by a scan of every pupil
    each month. Each set is owned by the pupils table: found again when its rows change (in August, when pupils leave
    and a cohort enters) or what it is keyed by changes, and in between kept true by the doors of
    :mod:`passend.model.moves` (what enters a set) and by filtering when read (what left it).
    ``tests/test_performance.py`` checks every set against a scan.

    ==================================  ===============================================================================
    set                                 kept true by
    ==================================  ===============================================================================
    ``with_need_above``                 needs change only in August, with the children's complex problems
                                        (``needs_changed``): found once per rows and threshold in between
    ``unnoticed_needs``                 narrowed when read (a need once noticed stays noticed until August)
    ``detected_without_indication``     detection adds the needs it notices (``add_detected``); a granted indication is
                                        dropped when read (an indication is never taken away)
    ``at_home``                         :func:`~passend.model.moves.send_home`, the only way home, adds
                                        (``add_at_home``); a child who left is dropped when read
    ``wsns_primary``                    :func:`~passend.model.moves.change_school`, the only change of school, updates
                                        it (``change_school``)
    ``by_municipality``                 pupils move house only as rows change
    ==================================  ===============================================================================
    """

    def __init__(self, pupils: Pupils, schools: SchoolTable, n_wsns: int, n_municipalities: int):
        self._pupils, self._schools, self._n_wsns, self._n_municipalities = pupils, schools, n_wsns, n_municipalities
        self._needs: dict[float, Kept] = {}
        self._unnoticed, self._detected, self._home = Kept(pupils), Kept(pupils), Kept(pupils)
        self._wsns, self._municipalities = Kept(pupils), Kept(pupils)
        self._derived: dict[str, Kept] = {}

    def needs_changed(self) -> None:
        """Children's needs changed (an outside condition, in August): what was found by need is found again."""
        self._needs.clear()
        self._unnoticed = Kept(self._pupils)

    def with_need_above(self, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the pupils whose need is above ``threshold``, and their ids (which key their draws)."""
        p = self._pupils

        def find():
            rows = np.flatnonzero(p.need > threshold)
            return rows, p.uid[rows]

        return self._needs.setdefault(threshold, Kept(p)).get((), find)

    def unnoticed_needs(self, school_year: int, threshold: float) -> np.ndarray:
        """Rows of the pupils with a need above the detection ``threshold``, of an age at which it shows, that no
        school has noticed."""
        p = self._pupils

        def find():
            rows = self.with_need_above(threshold)[0]
            return rows[p.age(school_year, rows) >= p.onset_age[rows]]

        rows = self._unnoticed.get((school_year, threshold), find)
        rows = rows[~p.detected[rows]]
        self._unnoticed.set(rows)
        return rows

    def detected_without_indication(self, school_year: int) -> np.ndarray:
        """Rows of the pupils whose need a school has noticed and who have no indication."""
        p = self._pupils
        rows = self._detected.get(school_year, lambda: np.flatnonzero(p.detected & (p.indication == 0)))
        rows = rows[p.indication[rows] == 0]
        self._detected.set(rows)
        return rows

    def add_detected(self, idx: np.ndarray) -> None:
        """Needs just noticed (no school had noticed them, so none has an indication)."""
        if self._detected.current:
            rows = self._detected.value
            self._detected.set(np.insert(rows, np.searchsorted(rows, idx), idx))

    def at_home(self, school_year: int) -> np.ndarray:
        """Rows of the children at home."""
        p = self._pupils
        rows = self._home.get(school_year, lambda: np.flatnonzero(p.setting == Setting.HOME))
        rows = rows[p.setting[rows] == Setting.HOME]
        self._home.set(rows)
        return rows

    def add_at_home(self, idx: np.ndarray) -> None:
        """Children whose spell at home just began."""
        if self._home.current:
            self._home.set(np.union1d(self._home.value, idx))

    def wsns_primary(self, school_year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each pupil's WSNS alliance (-1 none: secondary schools), whether the pupil is of primary age at a school of a
        WSNS alliance, and those pupils per WSNS alliance."""
        p = self._pupils

        def find():
            wsns_of = self._schools.wsns[p.school]
            in_wsns = (p.cohort > school_year - PRIMARY_GRADES) & (wsns_of >= 0)
            return wsns_of, in_wsns, total_by(wsns_of[in_wsns], self._n_wsns)

        return self._wsns.get(school_year, find)

    def change_school(self, school_year: int, idx: np.ndarray, school_rows: np.ndarray) -> None:
        """Pupils ``idx`` are about to register at ``school_rows``: the WSNS counts follow the few who move."""
        if not self._wsns.current:
            return
        wsns_of, in_wsns, pupils = self._wsns.value
        n = self._n_wsns
        pupils -= total_by(wsns_of[idx[in_wsns[idx]]], n)
        wsns_of[idx] = self._schools.wsns[school_rows]
        in_wsns[idx] = (self._pupils.cohort[idx] > school_year - PRIMARY_GRADES) & (wsns_of[idx] >= 0)
        pupils += total_by(wsns_of[idx[in_wsns[idx]]], n)

    def by_municipality(self, school_year: int) -> np.ndarray:
        """Pupils living in each municipality (simulated)."""
        p = self._pupils
        return self._municipalities.get(school_year, lambda: total_by(p.municipality, self._n_municipalities))

    def derived(self, name: str, key, find: Callable):
        """Another value derived from the pupils' rows and ``key`` (what else it depends on), kept under ``name`` while
        both stay the same (for example the youth-care places of the year, or the pupils whose place may end)."""
        return self._derived.setdefault(name, Kept(self._pupils)).get(key, find)


@dataclass(eq=False)
class World:
    """The state of a run (see the module docstring for its parts)."""

    pupils: Pupils
    schools: SchoolTable
    alliances: AllianceTable
    wsns: WsnsTable
    providers: ProviderTable
    provider_index: np.ndarray  # [indication cluster 0-4, area] -> the (v)so provider serving it (-1 for cluster 0)
    municipalities: MunicipalityTable
    areas: AreaTable
    choose_school: SchoolChoice
    next_uid: int
    state: State
    ledger: Ledger
    budgets: Budgets
    labels: Labels
    rows: PupilRows
    this_month: ThisMonth
    record: Record = field(default_factory=Record)
    other_books: list[Books] = field(default_factory=list)
    need_shift: float = 0.0  # how far every child's need lies above its 2015 level (complex problems; from August 2016)

    @classmethod
    def of(cls, country: Country, state: State) -> "World":
        """The world of a run that starts from ``country`` (its own copy) with the state ``state``; from now on a
        pupil's place changes only through the doors of :mod:`passend.model.moves`."""
        country.pupils.guard()
        n_alliances, n_areas = len(country.alliances), len(country.areas)
        return cls(country.pupils, country.schools, country.alliances, country.wsns, country.providers,
                   country.provider_index, country.municipalities, country.areas, SchoolChoice(country.schools),
                   country.next_uid, state, Ledger(), Budgets(), Labels(np.zeros(n_areas)),
                   PupilRows(country.pupils, country.schools, len(country.wsns), len(country.municipalities)),
                   ThisMonth(np.zeros(n_alliances)))

    @property
    def books(self) -> Books:
        """The run's own books (the state, the alliances, the ledger and the budget bases), under the month's law."""
        return Books(self.state, self.alliances, self.ledger, self.budgets)

    def start_month(self) -> None:
        """A new month: nothing has been handed from one phase to another yet."""
        self.this_month = ThisMonth(np.zeros(len(self.alliances)))

    def alliance_of(self, school_year: int, idx: np.ndarray | None = None) -> np.ndarray:
        """Alliance row of pupils ``idx`` (all pupils if None): primary below secondary age, else secondary."""
        p = self.pupils
        area, cohort = (p.area, p.cohort) if idx is None else (p.area[idx], p.cohort[idx])
        return alliance_of(area, school_year - cohort < PRIMARY_GRADES, self.areas.secondary_alliance)
