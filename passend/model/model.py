"""The Mesa model of the run: it builds the synthetic country as a :class:`~passend.model.world.World` and walks its
months.

One step is one month: :meth:`WorldModel.step` makes the month's :class:`~passend.model.month.Month` (the law in force,
the rule set of its regime, behaviour, streams, scale) and walks :data:`passend.model.phases.PHASES` over the World
(the order of events, with a table in that module's docstring). Institutions are Mesa agents whose state is a row of
their table in the World, so Mesa's ``agents_by_type`` and data collection see them; pupils are rows of arrays.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import mesa

from passend.agents.alliance import Alliance, WsnsAlliance
from passend.agents.inspectorate import Inspectorate
from passend.agents.municipality import Municipality
from passend.agents.school import RegularSchool
from passend.agents.special_school import SpecialSchoolProvider
from passend.agents.state import IndicationCommittee, State
from passend.engine.behaviour import Behaviour
from passend.engine.calendar import month_of_step, school_year_of, steps_until
from passend.engine.policy import Law, PolicyTimeline
from passend.engine.regimes import RuleSet
from passend.engine.settings import RunSettings
from passend.engine.streams import RandomStreams
from passend.engine.timing import Clock
from passend.model.country import country_for
from passend.model.mechanical import books_under
from passend.model.month import Month
from passend.model.phases import PHASES
from passend.model.recorder import RunOutput, pupils_with_a_need
from passend.model.world import World


class WorldModel(mesa.Model):
    """Extra support in Dutch education, from 1 October 2003: the Mesa model that holds the country (a
    :class:`~passend.model.world.World`) and walks its months. Users build :class:`passend.PassendModel`, which adds
    keyword arguments and a DataCollector.

    Args:
        settings: seed, scale and period.
        behaviour: behaviour parameters (defaults: the calibrated values).
        policy: the legislation timeline (default: the law as it was); a reform passes a modified copy.
        scenario: name recorded with the results.
        mechanical: a reform's policy to keep a second set of books by (:mod:`passend.model.mechanical`): what its
            rules would pay for this run's pupils and decisions (for the mechanical effect of the reform).

    ``policy`` and ``behaviour`` may be replaced between steps (a lever pulled in the classroom): each month reads them
    anew.
    """

    phases: tuple[Callable[[World, Month], None], ...] = PHASES
    """The order of events the model walks each month (a test may wrap one to look at the World around it)."""

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
        self.clock = Clock()
        self.month = self._month()  # the month simulated next (or last, once the run has ended)

        country = country_for(self.behaviour, settings.scale, self.streams)
        for i in range(len(country.schools)):
            RegularSchool(self, country.schools, i)
        for i in range(len(country.providers)):
            SpecialSchoolProvider(self, country.providers, i)
        for i in range(len(country.municipalities)):
            Municipality(self, country.municipalities, i)
        for i in range(len(country.wsns)):
            WsnsAlliance(self, country.wsns, i)
        for i in range(len(country.alliances)):
            Alliance(self, country.alliances, i)
        state = State(self, self.law["rugzak_school_eur"], self.law["rugzak_ambulant_eur"])
        IndicationCommittee(self)
        Inspectorate(self)
        self.world = World.of(country, state)
        if mechanical is not None:
            self.world.other_books.append(books_under(mechanical, self.world, self.month))

    def _month(self) -> Month:
        return Month.at(self.step_index, self.n_steps, self.policy, self.behaviour, self.streams, self.settings.scale,
                        self.clock)

    # --- the month ------------------------------------------------------------------------------------------------
    @property
    def today(self) -> dt.date:
        """First day of the month the model simulates next."""
        return month_of_step(self.step_index)

    @property
    def school_year(self) -> int:
        """The school year of the month the model simulates next."""
        return school_year_of(self.today)

    @property
    def law(self) -> Law:
        """The law in force in the month being simulated (the last one, between steps)."""
        return self.month.law

    @property
    def rules(self) -> RuleSet:
        """The rule set of the regime in force in the month being simulated (the last one, between steps)."""
        return self.month.rules

    def step(self) -> None:
        """One month: walk the phases in order over the World."""
        self.month = month = self._month()
        self.world.start_month()
        for phase in self.phases:
            with self.clock.phase(phase.__name__):
                phase(self.world, month)
        self.step_index += 1
        self.running = self.step_index < self.n_steps

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Simulate every month from the start to ``settings.end``; ``progress(done, total)`` after each month."""
        while self.step_index < self.n_steps:
            self.step()
            if progress:
                progress(self.step_index, self.n_steps)

    def recorded(self, wall_seconds: float, pupil_months: int) -> RunOutput:
        """The rows recorded so far, as a run's output; rows before ``settings.start`` are left out. The pupils with a
        need are taken as the month that would come next finds them (their age and alliance in its school year)."""
        settings = self.settings
        start = settings.start.isoformat()
        first_year = settings.start.year if settings.start.month >= 8 else settings.start.year - 1
        rec = self.world.record

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
            pupils=pupils_with_a_need(self.world, self._month()),
            mechanical=in_period(self.world.other_books[0].school_years) if self.world.other_books else None,
        )
