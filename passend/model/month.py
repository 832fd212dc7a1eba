"""The context of one month: today, the school year, the law in force and the rule set of its regime, behaviour, the
random streams, the run's scale and the clock. A phase of the month is ``phase(world, month)``: the World is what it
may change, the Month what it may only read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np

from passend.engine.behaviour import Behaviour
from passend.engine.calendar import month_of_step, school_year_of
from passend.engine.policy import Law, PolicyTimeline
from passend.engine.regimes import RuleSet, rule_sets
from passend.engine.streams import RandomStreams
from passend.engine.timing import Clock


@dataclass(frozen=True)
class Month:
    """One month of a run (the month that starts on :attr:`today`), as every phase reads it.

    Attributes:
        step: the month's number in the run (0 = October 2003); with a pupil's id it keys the pupil's random draws.
        today: the first day of the month.
        school_year: the calendar year in which the school year began (August).
        months_into_school_year: months simulated in this school year, this one included (the first school year,
            2003-2004, starts in October).
        last: this is the run's last month.
        policy: the law's timeline (what is announced for later years too).
        law: the law in force this month.
        rules: the rule set of the regime in force (who judges, who pays).
        behaviour: behaviour parameters.
        streams: the run's random streams.
        scale: the share of the national pupils simulated.
        clock: where the run's time goes, per phase and decision.
    """

    step: int
    today: dt.date
    school_year: int
    months_into_school_year: int
    last: bool
    policy: PolicyTimeline
    law: Law
    rules: RuleSet
    behaviour: Behaviour
    streams: RandomStreams
    scale: float
    clock: Clock

    @classmethod
    def at(cls, step: int, n_steps: int, policy: PolicyTimeline, behaviour: Behaviour, streams: RandomStreams,
           scale: float, clock: Clock) -> "Month":
        """Month ``step`` of a run of ``n_steps`` months under ``policy``."""
        today = month_of_step(step)
        law = policy.in_force(today)
        return cls(step, today, school_year_of(today), min(step + 1, (today.month - 8) % 12 + 1), step == n_steps - 1,
                   policy, law, rule_sets()[law["regime"]], behaviour, streams, scale, clock)

    def under(self, policy: PolicyTimeline) -> "Month":
        """The same month under another law (for the books a reform's rules keep on this run's pupils)."""
        law = policy.in_force(self.today)
        return dataclasses.replace(self, policy=policy, law=law, rules=rule_sets()[law["regime"]])

    def uniform(self, decision: str, uids: np.ndarray) -> np.ndarray:
        """One uniform draw per pupil id for the named decision this month (common random numbers)."""
        return self.streams.uniform(decision, uids, self.step)

    def normal(self, decision: str, uids: np.ndarray) -> np.ndarray:
        """One standard normal draw per pupil id for the named decision this month."""
        return self.streams.normal(decision, uids, self.step)

    def decision(self, name: str) -> AbstractContextManager[None]:
        """Time a decision within the phase that runs (``with month.decision("school.refer_to_sbo"): ...``)."""
        return self.clock.decision(name)
