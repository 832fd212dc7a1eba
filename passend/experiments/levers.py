"""Levers: settings of the law or of behaviour that a class pulls in the dashboard, a lesson sets at its start, and a
Python user passes to :class:`passend.PassendModel` or :func:`passend.simulate` as keywords.

A law lever sets a parameter of the policy timeline from the month it is pulled on (at the start of a run: for the whole
run); a behaviour lever sets a behaviour value at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from passend.engine.behaviour import Behaviour
from passend.engine.errors import ConfigError
from passend.engine.policy import PolicyTimeline


@dataclass(frozen=True)
class Lever:
    """A setting a class can change in the variant run.

    Attributes:
        name: the lever's key.
        label: what a student sees.
        unit: the unit of the value.
        target: ``law`` (a parameter of the policy timeline, set from the current month on) or ``behaviour``.
        parameter: the law or behaviour parameter it sets.
        low, high: the range of a number; ``choices``: the values of a choice (then low and high are unused).
        acts: when the model reads it, in words (most law is read when alliances and the state plan, each August).
        sets: for a choice whose words are not the parameter's values, the value each choice sets.
        scales_path: the value is a factor on the variant's dated path of the parameter from the current month on
            (a speed: 2 reaches each step at twice the value, capped at the parameter's upper bound).
        shown_per: a slider shows the value divided by this (e.g. 1e6 for amounts shown in M EUR).
        step: a slider's step, in the shown unit.
    """

    name: str
    label: str
    unit: str
    target: str
    parameter: str
    low: float = 0.0
    high: float = 0.0
    choices: tuple[str, ...] = ()
    acts: str = "from the next month"
    sets: tuple[tuple[str, Any], ...] = ()
    scales_path: bool = False
    shown_per: float = 1.0
    step: float = 0.0

    def check(self, value: Any) -> Any:
        if self.choices:
            if value not in self.choices:
                raise ConfigError(f"lever {self.name}", value, "one of: " + ", ".join(self.choices))
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not self.low <= value <= self.high:
            raise ConfigError(f"lever {self.name}", value, f"a number from {self.low:g} to {self.high:g} ({self.unit})")
        return float(value)

    def parameter_value(self, value: Any) -> Any:
        """The value the law or behaviour parameter takes for a lever value."""
        return dict(self.sets).get(value, value)

    @property
    def shown_unit(self) -> str:
        return {1e6: "M " + self.unit}.get(self.shown_per, self.unit)


LEVERS: dict[str, Lever] = {lever.name: lever for lever in (
    Lever("rugzak_amount", "rugzak amount (school part)", "EUR per pupil per year", "law", "rugzak_school_eur",
          0.0, 20_000.0, acts="from the next August, when the state sets the amounts (old system)", step=250.0),
    Lever("open_ended_funding", "open-ended rugzak funding", "on/off", "law", "heavy_care_budget_cap_eur",
          choices=("on", "capped at 2003"), acts="from the next August (old system)",
          sets=(("on", float("inf")), ("capped at 2003", 265e6))),  # the 2003 size, as the cap_heavy_care_2003 reform
    Lever("alliance_budget_cut", "national cut on the alliances' budgets", "EUR per year (national)", "law",
          "alliance_budget_cut_eur", 0.0, 1.0e9, acts="from the next August plan of the alliances", shown_per=1e6,
          step=10.0),
    Lever("equalisation_speed", "speed of equalisation (verevening)", "times the law's pace", "law",
          "equalisation_progress", 0.0, 3.0, acts="from the next August plan of the alliances", scales_path=True,
          step=0.25),
    Lever("alliance_strictness", "how strictly alliances admit to special education", "latent need", "behaviour",
          "tlv_gatekeeping", 0.0, 1.5, acts="from the next August plan of the alliances", step=0.05),
    Lever("distribution_model", "distribution model of every alliance", "name", "law", "distribution_model",
          choices=("own", "school", "expertise", "pupil"), acts="from the next August plan of the alliances"),
    Lever("professionalisation", "professionalisation budget for teachers", "EUR per year (national)", "law",
          "professionalisation_eur", 0.0, 1.0e9, acts="each August", shown_per=1e6, step=10.0),
    Lever("doorzettingsmacht_everywhere", "doorzettingsmacht in every alliance", "on/off", "law",
          "doorzettingsmacht_share", choices=("on", "off"), acts="from the next month",
          sets=(("on", [1.0, 1.0]), ("off", [0.0, 0.0]))),  # every alliance of both sectors, or none
    Lever("attendance_officers", "attendance officers (leerplichtambtenaren)", "times the baseline staffing", "law",
          "attendance_officers_factor", 0.0, 5.0, acts="from the next month", step=0.25),
    Lever("onderwijsconsulenten", "onderwijsconsulenten's capacity", "cases a year per 10,000 pupils", "law",
          "onderwijsconsulenten_cases_per_10000", 0.0, 60.0, acts="from the next month", step=1.0),
)}
"""The levers a class can pull in the variant (``passend dashboard``'s sidebar, the lessons' ``[levers]``)."""


def pull(policy: PolicyTimeline, behaviour: Behaviour, lever: str, value: Any, today: dt.date,
         start: PolicyTimeline) -> tuple[PolicyTimeline, Behaviour, Any]:
    """The law and behaviour with ``lever`` set to ``value`` from ``today`` on, and the value as checked. ``start``: the
    run's law before any lever, whose path a speed lever scales (so that pulling it twice does not compound)."""
    if lever not in LEVERS:
        raise ConfigError("lever", lever, "one of: " + ", ".join(LEVERS))
    spec = LEVERS[lever]
    value = spec.check(value)
    target = spec.parameter_value(value)
    if spec.scales_path:
        policy = policy.with_values(spec.parameter, _scaled_path(start, spec.parameter, target, today), f"lever {lever}")
    elif spec.target == "law":
        policy = policy.with_values(spec.parameter, {today: target}, f"lever {lever}")
    else:
        behaviour = behaviour.replace(f"lever {lever}", **{spec.parameter: target})
    return policy, behaviour, value


def _scaled_path(start: PolicyTimeline, parameter: str, factor: float, today: dt.date) -> dict[dt.date, float]:
    """The path of ``parameter`` in ``start`` from ``today`` on, each value times ``factor`` (capped at the parameter's
    upper bound): the value in force today and every later step."""
    path = start[parameter]
    top = path.bounds[1]
    later = {when: value for when, value in path.values if when > today}
    return {when: min(top, factor * value) for when, value in ({today: path.at(today)} | later).items()}
