"""The simulation: a Mesa model whose institutions are agents and whose pupils are arrays.

One step is one month; :meth:`PassendModel.step` walks :data:`passend.model.phases.PHASES` (the order of events,
with a table in that module's docstring). Each month starts by looking up the law in force and the rule set of the
regime it names; every phase then hands the actors' decisions the rows, money and law they need, books what they
decided in the ledger, and the money phase closes the month for the recorder.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import mesa
import numpy as np

from passend.agents.alliance import Alliance, BudgetBase, WsnsAlliance, alliance_of
from passend.agents.municipality import Municipality
from passend.agents.school import RegularSchool
from passend.agents.special_school import SpecialSchoolProvider
from passend.agents.state import IndicationCommittee, State
from passend.engine.behaviour import Behaviour
from passend.engine.calendar import month_of_step, school_year_of, steps_until
from passend.engine.ledger import Ledger
from passend.engine.policy import Law, PolicyTimeline
from passend.engine.population import PRIMARY_GRADES
from passend.engine.regimes import RuleSet, rule_sets
from passend.engine.settings import RunSettings
from passend.engine.streams import RandomStreams
from passend.engine.timing import Clock
from passend.model import phases
from passend.model.country import SchoolChoice, country_for
from passend.model.mechanical import MechanicalBooks
from passend.model.recorder import Recorder, RunOutput


class WorldModel(mesa.Model):
    """Extra support in Dutch education, from 1 October 2003: the Mesa model that builds the country and walks its
    months. Users build :class:`passend.PassendModel`, which adds keyword arguments and a DataCollector.

    Args:
        settings: seed, scale and period.
        behaviour: behaviour parameters (defaults: the calibrated values).
        policy: the legislation timeline (default: the law as it was); a reform passes a modified copy.
        scenario: name recorded with the results.
        mechanical: a reform's policy to keep :class:`~passend.model.mechanical.MechanicalBooks` by: what its
            rules would pay for this run's pupils and decisions (for the mechanical effect of the reform).
    """

    def __init__(
        self,
        settings: RunSettings,
        behaviour: Behaviour | None = None,
        policy: PolicyTimeline | None = None,
        scenario: str = "default",
        mechanical: PolicyTimeline | None = None,
    ):
        self.streams = RandomStreams(settings.seed)
        super().__init__(rng=self.streams.generator("mesa"))
        self.settings = settings
        self.behaviour = behaviour or Behaviour()
        self.policy = policy or PolicyTimeline.baseline()
        self.scenario_name = scenario
        self.step_index = 0
        self.n_steps = steps_until(settings.end)
        self._enter_month()

        country = country_for(self.behaviour, settings.scale, self.streams)
        self.pupils = country.pupils
        self.areas, self.wsns, self.schools = country.areas, country.wsns, country.schools
        self.providers, self.provider_index = country.providers, country.provider_index
        self.municipalities = country.municipalities
        self.next_uid = country.next_uid
        self.n_areas = len(self.areas)
        self.choose_school = SchoolChoice(self.schools)

        for i in range(len(self.schools)):
            RegularSchool(self, self.schools, i)
        self.provider_agents = [SpecialSchoolProvider(self, self.providers, i) for i in range(len(self.providers))]
        self.municipality_agents = [Municipality(self, self.municipalities, i) for i in range(len(self.municipalities))]
        self.wsns_agents = [WsnsAlliance(self, self.wsns, i) for i in range(len(self.wsns))]
        self.alliances = country.alliances
        self.alliance_agents = [Alliance(self, self.alliances, i) for i in range(len(self.alliances))]
        self.national_eur_per_pupil = np.full(2, np.nan)  # [po, vo], set on the budget base count (2011)
        self.budget_bases: dict[tuple[int, ...], BudgetBase] = {}  # budget clusters -> what the 2011 count fixed
        self.youth_care_places = (None, np.zeros(0))  # ((school year, municipal?, budget), places per pool)
        self.pupils_by_municipality = (None, np.zeros(0))  # (school year, pupils living in each municipality)
        self.cases_followed = 0  # children at home the attendance officers follow this month
        self.consultant_cases = 0  # children at home an onderwijsconsulent took on this month
        self.need_rows: dict[tuple, np.ndarray] = {}  # (school year, pupils, threshold) -> rows with need above it
        self.seats_taken = (None, None)  # (step, (so, vso) seats per provider) from indications to waiting_lists
        self.detected_without_indication = (None, None)  # (key, rows): see phases._detected_without_indication
        self.unnoticed_needs = (None, None)  # (key, rows): see phases._unnoticed_needs
        self.home_rows = (None, None)  # (key, rows): see home.children_at_home
        self.end_place_bounds = (None,)  # (key, rows, ids, highest chance): see home._end_place_candidates
        self.wsns_pupils = (None,)  # (key, ...) see placement.wsns_primary_pupils, kept by placement.enrol
        self.state = State(self, self.law["rugzak_school_eur"], self.law["rugzak_ambulant_eur"])
        self.committee = IndicationCommittee(self)

        self.area_indication_rate = np.zeros(self.n_areas)
        self.reference_indication_rate = 1.0
        self.national_label_rate = 1.0
        self.ledger = Ledger()
        self.clock = Clock()
        self.recorder = Recorder(self)
        self.months_in_school_year = 0
        self.mechanical = None if mechanical is None else MechanicalBooks(self, mechanical)

    # --- time, law and the rules in force -------------------------------------------------------------------------
    @property
    def today(self) -> dt.date:
        """First day of the month being simulated."""
        return month_of_step(self.step_index)

    @property
    def school_year(self) -> int:
        return school_year_of(self.today)

    def _enter_month(self) -> None:
        """The law in force this month, and the rule set of its regime."""
        self.law: Law = self.policy.in_force(self.today)
        self.rules: RuleSet = rule_sets()[self.law["regime"]]

    def alliance_of_pupils(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Alliance row of pupils ``idx`` (all pupils if None): primary below secondary age, else secondary."""
        p = self.pupils
        area, cohort = (p.area, p.cohort) if idx is None else (p.area[idx], p.cohort[idx])
        return alliance_of(area, self.school_year - cohort < PRIMARY_GRADES, self.areas.secondary_alliance)

    # --- the month ----------------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One month: walk the phases in order."""
        self._enter_month()
        if self.today.month == 8:
            self.months_in_school_year = 0
        self.months_in_school_year += 1
        self.alliances.month_tlvs = np.zeros(len(self.alliances))  # a new month: no TLV granted in it yet,
        self.consultant_cases = 0  # and no case taken on by an onderwijsconsulent
        for phase in phases.PHASES:
            with self.clock.phase(phase.__name__):
                phase(self)
            if self.mechanical is not None:
                with self.clock.phase("mechanical_books"):
                    self.mechanical.after(phase)
        self.step_index += 1
        self.running = self.step_index < self.n_steps

    def run(self, progress: Callable[[int, int], None] | None = None) -> Recorder:
        """Simulate every month from the start to ``settings.end``; ``progress(done, total)`` after each month."""
        while self.step_index < self.n_steps:
            self.step()
            if progress:
                progress(self.step_index, self.n_steps)
        return self.recorder

    def recorded(self, wall_seconds: float, pupil_months: int) -> RunOutput:
        """The rows recorded so far, as a run's output; rows before ``settings.start`` are left out."""
        settings = self.settings
        start = settings.start.isoformat()
        first_year = settings.start.year if settings.start.month >= 8 else settings.start.year - 1
        rec = self.recorder

        def in_period(years: list[dict]) -> list[dict]:
            return [r for r in years if int(r["school_year"][:4]) >= first_year]

        return RunOutput(
            settings=settings,
            counts=[r for r in rec.counts if r["date"] >= start],
            school_years=in_period(rec.school_years),
            months=[r for r in rec.months if r["date"] >= start[:8] + "01"],
            alliances=[r for r in rec.alliances if r["date"] >= start],
            wall_seconds=wall_seconds,
            pupil_months=pupil_months,
            pupils=rec.pupils_with_a_need(),
            mechanical=None if self.mechanical is None else in_period(self.mechanical.school_years),
        )
