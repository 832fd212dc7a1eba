"""The simulation: a Mesa model whose institutions are agents and whose pupils are arrays.

One step is one month. The order of events is written once, in :attr:`PassendModel.PHASES`:

=====================  ===========  ===================================================================================
phase                  when         what happens
=====================  ===========  ===================================================================================
new_school_year        August       leavers go; pupils enter secondary (vso or rugzak, lwoo/pro by the RVC); a new
                                    cohort enters primary; the state sets the rugzak amounts; schools learn indication
                                    practice; providers plan capacity; alliances set budgets and admission policy
                                    (passend onderwijs); yearly flags restart
count                  October      the 1 October count (before anything moves that month); WSNS sbo rule; how common
                                    indications are per area; in 2011 the alliances' budget base
attendance             every month  youth care for found children at home; officers find pupils at home; returns to
                                    school (faster under zorgplicht, doorzettingsmacht, the pact, youth care);
                                    exemptions (5a)
detection              every month  schools notice manifest needs
indications            every month  schools/parents apply; the CvI judges; parents choose rugzak or (v)so; admission
waiting_lists          every month  free (v)so places go to waiting pupils
sbo_referral           every month  primary schools refer to sbo (WSNS rule)
breakdowns             every month  places that cannot carry the need break down: the child is at home
months_at_home         every month  spells at home get a month longer
money                  every month  payments per funding stream, payer and receiver; alliances settle their month
                                    (passend onderwijs)
close_school_year      July         the school year's record
=====================  ===========  ===================================================================================
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import mesa
import numpy as np

from passend.agents import municipality, parents, school, special_school
from passend.agents import alliance as alliances
from passend.agents.alliance import Alliance, WsnsAlliance, update_wsns
from passend.agents.municipality import Municipality
from passend.agents.school import RegularSchool
from passend.agents.special_school import SpecialSchoolProvider
from passend.agents.state import IndicationCommittee, State
from passend.model.behaviour import Behaviour
from passend.model.calendar import month_of_step, school_year_of, steps_until
from passend.model.country import build_country, choose_school, new_cohort
from passend.model.groups import total_by
from passend.model.policy import PolicyTimeline
from passend.model.population import PRIMARY_GRADES, Setting
from passend.model.recorder import Flows, Recorder
from passend.model.settings import RunSettings
from passend.model.streams import RandomStreams

SUPPORTED_REGIMES = ("pupil_bound", "passend")


class PassendModel(mesa.Model):
    """Extra support in Dutch education, from 1 October 2003.

    Args:
        settings: seed, scale and period.
        behaviour: behaviour parameters (defaults: the calibrated values).
        policy: the legislation timeline (default: the law as it was); a reform passes a modified copy.
        scenario: name recorded with the results.
    """

    def __init__(
        self,
        settings: RunSettings,
        behaviour: Behaviour | None = None,
        policy: PolicyTimeline | None = None,
        scenario: str = "default",
    ):
        self.streams = RandomStreams(settings.seed)
        super().__init__(rng=self.streams.generator("mesa"))
        self.settings = settings
        self.behaviour = behaviour or Behaviour()
        self.policy = policy or PolicyTimeline.baseline()
        self.scenario_name = scenario
        self.step_index = 0
        self.n_steps = steps_until(settings.end)

        country = build_country(self.behaviour, settings.scale, self.streams)
        self.pupils = country.pupils
        self.areas, self.wsns, self.schools = country.areas, country.wsns, country.schools
        self.providers, self.provider_index = country.providers, country.provider_index
        self.municipalities = country.municipalities
        self._next_uid = country.next_uid
        self.n_areas = len(self.areas)

        for i in range(len(self.schools)):
            RegularSchool(self, self.schools, i)
        for i in range(len(self.providers)):
            SpecialSchoolProvider(self, self.providers, i)
        for i in range(len(self.municipalities)):
            Municipality(self, self.municipalities, i)
        for i in range(len(self.wsns)):
            WsnsAlliance(self, self.wsns, i)
        self.alliances = country.alliances
        for i in range(len(self.alliances)):
            Alliance(self, self.alliances, i)
        self.national_eur_per_pupil = np.full(2, np.nan)  # [po, vo], set on the base count (2011)
        self.youth_care_places = (None, np.zeros(0))  # ((school year, municipal?), places per pool), see youth_care
        self.state = State(self)
        self.committee = IndicationCommittee(self)

        self.area_indication_rate = np.zeros(self.n_areas)
        self.reference_indication_rate = 1.0
        self.flows = Flows()
        self.recorder = Recorder(self)
        self.months_in_school_year = 0

    # --- time and law -------------------------------------------------------------------------------------------
    @property
    def today(self) -> dt.date:
        """First day of the month being simulated."""
        return month_of_step(self.step_index)

    @property
    def school_year(self) -> int:
        return school_year_of(self.today)

    def law(self, name: str):
        """The legislation value in force this month."""
        return self.policy.at(name, self.today)

    @property
    def passend(self) -> bool:
        """Passend onderwijs in force this month (else pupil-bound funding)."""
        return self.law("regime") == "passend"

    # --- phases ---------------------------------------------------------------------------------------------------
    def new_school_year(self) -> None:
        if self.today.month != 8:
            return
        self._leavers_go()
        self._enter_secondary()
        self._new_cohort_enters()
        last = self.recorder.last_count
        self.state.set_amounts(last["indications"], last["rugzak"])
        school.schools_learn(self)
        special_school.providers_plan(self, self.months_in_school_year)
        if self.passend:
            if np.isnan(self.national_eur_per_pupil).any():
                raise RuntimeError(f"passend onderwijs from {self.today} needs the budget base count of "
                                   f"{self.law('budget_base_year')}, which this run has not passed")
            alliances.plan_alliances(self)
        p = self.pupils
        at_home = p.setting == Setting.HOME
        p.home_long_this_year = at_home & ~p.unregistered & (p.months_home > self.law("long_absence_months"))
        p.home_3m_this_year = at_home & (p.months_home > 3)
        p.exempt_this_year = p.setting == Setting.EXEMPT
        p.unregistered_this_year = p.unregistered.copy()

    def count(self) -> None:
        if self.today.month != 10:
            return
        update_wsns(self)
        p = self.pupils
        pupils = total_by(p.area, self.n_areas)
        indicated = total_by(p.area[p.indication > 0], self.n_areas)
        self.area_indication_rate = np.divide(indicated, pupils, out=np.zeros(self.n_areas), where=pupils > 0)
        if self.step_index == 0:
            self.reference_indication_rate = max(indicated.sum() / max(pupils.sum(), 1.0), 1e-9)
        if self.today.year == self.law("budget_base_year"):
            alliances.record_base(self)
        if self.today.year == self.law("lwoo_budget_base_year"):
            alliances.record_lwoo_base(self)
        self.recorder.record_count()

    def attendance(self) -> None:
        municipality.youth_care(self)
        municipality.attend_to_pupils_at_home(self)

    def detection(self) -> None:
        school.detect_needs(self)

    def indications(self) -> None:
        applicants = school.apply_for_indications(self)
        granted = applicants[self.committee.assess(applicants)]
        wants_special = parents.choose_special(self, granted)
        special_school.admit(self, granted[wants_special])

    def waiting_lists(self) -> None:
        special_school.admit_from_waiting_lists(self)

    def sbo_referral(self) -> None:
        school.refer_to_sbo(self)

    def breakdowns(self) -> None:
        parents.places_break_down(self)

    def months_at_home(self) -> None:
        municipality.count_months_at_home(self)

    def money(self) -> None:
        settled = alliances.alliances_settle_month(self) if self.passend else None
        self.recorder.record_month(settled)

    def close_school_year(self) -> None:
        if self.today.month == 7 or self.step_index == self.n_steps - 1:
            self.recorder.record_school_year()
            self.flows.start_year()

    PHASES: tuple[Callable[["PassendModel"], None], ...] = (
        new_school_year,
        count,
        attendance,
        detection,
        indications,
        waiting_lists,
        sbo_referral,
        breakdowns,
        months_at_home,
        money,
        close_school_year,
    )

    def step(self) -> None:
        """One month: walk the phases in order."""
        regime = self.law("regime")
        if regime not in SUPPORTED_REGIMES:
            raise NotImplementedError(f"funding regime {regime!r} (in force from {self.today}) is not modelled yet")
        if self.today.month == 8:
            self.months_in_school_year = 0
        self.months_in_school_year += 1
        for phase in self.PHASES:
            phase(self)
        self.step_index += 1
        self.running = self.step_index < self.n_steps

    def run(self, progress: Callable[[int, int], None] | None = None) -> Recorder:
        """Simulate every month from the start to ``settings.end``; ``progress(done, total)`` after each month."""
        while self.step_index < self.n_steps:
            self.step()
            if progress:
                progress(self.step_index, self.n_steps)
        return self.recorder

    # --- yearly movements of pupils ----------------------------------------------------------------------------------
    def _leavers_go(self) -> None:
        p = self.pupils
        p.keep(p.grade(self.school_year) < PRIMARY_GRADES + p.secondary_years)

    def _enter_secondary(self) -> None:
        """Pupils starting grade 8 move to a secondary school; with an indication the parents choose vso or a rugzak;
        the others may get lwoo/pro from the regional committee."""
        p = self.pupils
        entrants = np.flatnonzero(p.grade(self.school_year) == PRIMARY_GRADES)
        from_sbo = p.registered[entrants] == Setting.SBO
        u = self.streams.uniform("pupil.secondary_school", p.uid[entrants], self.step_index)
        p.school[entrants] = choose_school(self.schools, 1, p.area[entrants], u)
        in_school = (p.setting[entrants] != Setting.HOME) & (p.setting[entrants] != Setting.EXEMPT)
        indicated = entrants[(p.indication[entrants] > 0) & in_school]
        wants_special = parents.choose_special(self, indicated)
        # Everyone registers at the secondary school first; those choosing vso then ask for a place.
        was_home = p.setting[entrants] == Setting.HOME
        p.registered[entrants] = Setting.VO
        p.setting[entrants[in_school]] = Setting.VO
        p.waiting[entrants] = False
        p.provider[entrants] = -1
        p.detected[entrants] &= p.indication[entrants] > 0
        special_school.admit(self, indicated[wants_special])
        going_regular = (p.setting[entrants] == Setting.VO) | was_home
        school.apply_for_lwoo_pro(self, entrants[going_regular], from_sbo[going_regular])

    def _new_cohort_enters(self) -> None:
        fresh = new_cohort(
            self.school_year, self.settings.scale, self.behaviour, self.areas, self.schools, self.municipalities,
            self.streams, self._next_uid,
        )
        self._next_uid += len(fresh["uid"])
        self.pupils.append(**fresh)

