"""A baseline and a variant stepped side by side on one seed, with levers a class can pull: the engine behind
``passend dashboard`` (issue 13), usable without a browser.

Both runs are built from the same seed, scale and starting country, so they draw the same random numbers for every
named decision (common random numbers): until a lever is pulled they are identical, and every difference after is
the rules. A lever sets a law value (from the month it is pulled on, in the variant only) or a behaviour value. The
runs are the same :class:`PassendModel` that ``passend run`` drives, and their rows go through the same
:func:`runner.output_of` and :func:`output.write_run`, so the same seed and levers give the same numbers here as on
the command line.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passend.experiments.output import write_run
from passend.experiments.runner import RunOutput, output_of
from passend.experiments.scenarios import get_scenario
from passend.model.errors import ConfigError

CLASSROOM_SCALE = 0.02
"""Default scale: a school year of both runs takes 0.2 s on average here (0.4 s at most; 2 cores, 2026-12)."""


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


LEVERS: dict[str, Lever] = {lever.name: lever for lever in (
    Lever("rugzak_amount", "rugzak amount (school part)", "EUR per pupil per year", "law", "rugzak_school_eur",
          0.0, 20_000.0, acts="from the next August, when the state sets the amounts (old system)"),
    Lever("alliance_budget_cut", "national cut on the alliances' budgets", "EUR per year (national)", "law",
          "alliance_budget_cut_eur", 0.0, 1.0e9, acts="from the next August plan of the alliances"),
    Lever("professionalisation", "professionalisation budget for teachers", "EUR per year (national)", "law",
          "professionalisation_eur", 0.0, 1.0e9, acts="each August"),
    Lever("distribution_model", "distribution model of every alliance", "name", "law", "distribution_model",
          choices=("own", "school", "expertise", "pupil"), acts="from the next August plan of the alliances"),
    Lever("doorzettingsmacht_everywhere", "doorzettingsmacht in every alliance", "on/off", "law",
          "doorzettingsmacht_share", choices=("on", "off"), acts="from the next month",
          sets=(("on", [1.0, 1.0]), ("off", [0.0, 0.0]))),  # every alliance of both sectors, or none
    Lever("alliance_strictness", "how strictly alliances admit to special education", "latent need", "behaviour",
          "tlv_gatekeeping", 0.0, 1.5, acts="from the next August plan of the alliances"),
)}
"""The levers of the first dashboard step; more follow with issue 13 (equalisation speed, attendance officers)."""


class PairedRuns:
    """A baseline and a variant on the same seed and scale, stepped together month by month.

    Args:
        base: a registered scenario or reform for both runs to start from (as ``passend run --scenario``).
        variant: a registered scenario or reform for the variant (default: the same as ``base``).
        seed, scale, end: run settings, as for ``passend run``.
    """

    def __init__(self, base: str = "default", variant: str | None = None, seed: int = 1,
                 scale: float = CLASSROOM_SCALE, end: dt.date | None = None):
        self.base_name, self.variant_name = base, variant or base
        self._scenarios = (get_scenario(self.base_name), get_scenario(self.variant_name, "variant"))
        self.settings = self._scenarios[0].run_settings(seed=seed, scale=scale, end=end)
        self.levers: dict[str, Any] = {}
        self.reset()

    def reset(self) -> None:
        """Both runs back to 1 October 2003, with the levers pulled so far undone."""
        from passend.simulation.model import PassendModel  # mesa is imported only when a run is built

        self.runs = []
        for name, scenario in zip((self.base_name, self.variant_name), self._scenarios):
            policy, behaviour = scenario.build()
            self.runs.append(PassendModel(self.settings, behaviour, policy, name))
        self.levers = {}
        self._seconds = [0.0, 0.0]
        self._pupil_months = [0, 0]

    @property
    def base(self):
        return self.runs[0]

    @property
    def variant(self):
        return self.runs[1]

    @property
    def today(self) -> dt.date:
        """The month the runs simulate next."""
        return self.base.today

    @property
    def finished(self) -> bool:
        return self.base.step_index >= self.base.n_steps

    def regime(self) -> tuple[str, str]:
        """The funding regime in force in each run this month."""
        return self.base.law["regime"], self.variant.law["regime"]

    def pull(self, lever: str, value: Any) -> None:
        """Set a lever in the variant from the current month on (law) or at once (behaviour)."""
        if lever not in LEVERS:
            raise ConfigError("lever", lever, "one of: " + ", ".join(LEVERS))
        spec = LEVERS[lever]
        value = spec.check(value)
        target = spec.parameter_value(value)
        run = self.variant
        if spec.target == "law":
            run.policy = run.policy.with_values(spec.parameter, {self.today: target}, f"lever {lever}")
        else:
            run.behaviour = run.behaviour.replace(f"lever {lever}", **{spec.parameter: target})
        self.levers[lever] = value

    def step_month(self) -> bool:
        """Both runs one month on; False (and nothing done) when they have reached the end."""
        if self.finished:
            return False
        for i, run in enumerate(self.runs):
            began = time.perf_counter()
            run.step()
            self._seconds[i] += time.perf_counter() - began
            self._pupil_months[i] += len(run.pupils)
        return True

    def step_school_year(self) -> int:
        """Both runs on to the next 1 August (or the end); returns the months simulated."""
        months = 0
        while self.step_month():
            months += 1
            if self.today.month == 8:
                break
        return months

    def outputs(self) -> tuple[RunOutput, RunOutput]:
        """What each run has recorded so far, as ``passend run`` reports it."""
        return tuple(output_of(run, self._seconds[i], self._pupil_months[i]) for i, run in enumerate(self.runs))

    def write(self, folder: Path, figures: bool = True) -> tuple[Path, Path]:
        """Both runs so far as results folders ``folder/baseline`` and ``folder/variant`` (the contract of
        ``passend run``); the variant's manifest holds its policy timeline with the levers pulled."""
        if folder.exists():
            raise ConfigError("folder", str(folder), "a folder that does not exist yet")
        written = []
        for name, run, output in zip(("baseline", "variant"), self.runs, self.outputs()):
            written.append(write_run(folder / name, output, run.scenario_name, run.policy, run.behaviour, figures))
        return written[0], written[1]

