"""One run: what it is (:func:`setup` resolves a scenario and keyword arguments into a :class:`RunSetup`), the Mesa
model a user builds (:class:`PassendModel`), what it recorded (:class:`Run`), and running it (:func:`simulate` with
keywords, :func:`simulate_rows` from a setup's parts, which every command of many runs uses).

There is one model class: :class:`PassendModel` is the Mesa model of ``passend.model.model`` (which holds the country
and walks its months) with the keyword arguments a Mesa user expects and a ``mesa.DataCollector``. It lives here,
above the model, because its keywords name scenarios, reforms and levers, which the experiments own.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any, Callable

import mesa
import numpy as np
import pandas as pd

from passend.agents.alliance import Alliance, alliance_name
from passend.engine.behaviour import SPECS, Behaviour
from passend.engine.errors import ConfigError
from passend.engine.ledger import PAYERS
from passend.engine.policy import PolicyTimeline
from passend.engine.settings import FIRST_START, RunSettings
from passend.experiments.levers import LEVERS, pull
from passend.experiments.output import new_results_folder, write_run
from passend.experiments.scenarios import Scenario, get_scenario, parse_date
from passend.model.model import WorldModel
from passend.model.recorder import COUNT_COLUMNS, RunOutput

ScenarioLike = str | Path | Scenario
"""A registered scenario or reform (``passend scenarios``, ``passend reforms``), a scenario file, or a Scenario."""


@dataclass(frozen=True)
class RunSetup:
    """What a run is: the scenario's name (recorded with the results), settings, law and behaviour; the scenario's
    definition when the run was set up from one, and the levers and behaviour values keywords set (``changes``)."""

    name: str
    settings: RunSettings
    policy: PolicyTimeline
    behaviour: Behaviour
    scenario: Scenario | None = None
    changes: dict[str, Any] = field(default_factory=dict)


def setup(scenario: ScenarioLike = "default", seed: int | None = 1, scale: float | None = None,
          start: dt.date | str | None = None, end: dt.date | str | None = None, **changes: Any) -> RunSetup:
    """Resolve and check a run's keyword arguments (see :class:`PassendModel`)."""
    chosen = scenario if isinstance(scenario, Scenario) else get_scenario(str(scenario), "scenario")
    if seed is None:  # Mesa's meaning: a fresh seed, kept in the settings so that the run can be repeated
        seed = secrets.randbelow(2**31)
    elif isinstance(seed, np.integer):  # as Mesa's seeds may come
        seed = int(seed)
    dates = parse_dates(start, end)
    settings = chosen.run_settings(seed=seed, scale=scale, **dates)
    policy, behaviour = chosen.build()
    start_policy, values = policy, {}
    for name, value in changes.items():
        if name in LEVERS:  # pulled at the first month, so for the whole run
            policy, behaviour, values[name] = pull(policy, behaviour, name, value, FIRST_START, start_policy)
        elif name in SPECS:
            behaviour = behaviour.replace("keyword arguments", **{name: value})
            values[name] = behaviour[name]
        else:
            raise ConfigError(name, value, "scenario, seed, scale, start, end, a lever (" + ", ".join(LEVERS) +
                              ") or a behaviour parameter (" + ", ".join(SPECS) + ")")
    return RunSetup(chosen.name, settings, policy, behaviour, chosen, values)


def parse_dates(start: dt.date | str | None, end: dt.date | str | None) -> dict[str, dt.date]:
    """The dates given, checked (a date or ``"YYYY-MM-DD"``)."""
    given = (("start", start), ("end", end))
    return {name: parse_date(value, name, None) for name, value in given if value is not None}


# --- the Mesa model -------------------------------------------------------------------------------------------------
def _last_count(model: "PassendModel", column: str) -> float:
    counts = model.world.record.counts
    return counts[-1][column] if counts else float("nan")


def _this_month(model: "PassendModel", column: str) -> float:
    return model.world.record.months[-1][column]


MONTH_MONEY = ["public_spending_net_eur"] + [f"pay_{payer}_eur" for payer in PAYERS]
"""Money of the month just simulated, per payer and consolidated (as in ``months.csv``)."""
MODEL_REPORTERS: dict[str, Callable] = {
    "date": lambda m: m.world.record.months[-1]["date"],
    "seed": lambda m: m.settings.seed,
    "count_date": partial(_last_count, column="date"),
    **{column: partial(_last_count, column=column) for column in COUNT_COLUMNS if column != "date"},
    **{column: partial(_this_month, column=column) for column in MONTH_MONEY},
}
"""The DataCollector's columns after each month: the month, the seed, the last 1 October count (``counts.csv``'s
columns, national numbers) and the month's money per payer (``months.csv``'s). Aggregates only: cheap at any scale."""
ALLIANCE_REPORTERS: dict[str, Any] = {
    "alliance": lambda a: alliance_name(a.idx), "sector": "sector", "pupils": "pupils",
    "amount_eur_per_pupil": "amount_eur_per_pupil", "reserves_eur": "reserves_eur", "strictness": "strictness",
    "budget_pressure": "shortfall",
}
"""The DataCollector's columns per alliance (samenwerkingsverband) and month: its budget per pupil, reserves, how
strictly it admits to special education, and its budget pressure (``alliances.csv`` has the rest, per count)."""


class PassendModel(WorldModel):
    """The model with keyword arguments, as Mesa models take them, and a ``mesa.DataCollector``.

    Args:
        scenario: a registered scenario or reform (``passend scenarios``, ``passend reforms``) or a scenario file.
        seed: a whole number >= 0; None draws a fresh one (Mesa's meaning), kept in ``model.settings.seed``.
            The default is 1, as ``passend run``'s (a scenario file's own [settings] seed is the command line's default;
            here pass it).
        scale: fraction of the national population, 0.001 to 1.0 (default: the scenario's, else 0.1).
        start, end: first day reported and last day simulated, dates or ``"YYYY-MM-DD"`` (default: the scenario's, else
            2003-10-01 and 2025-07-31).
        run: a setup already resolved (:func:`setup`, or built from its parts by a command of many runs), in place of
            the keyword arguments above.
        mechanical: a reform's policy whose rules the run also books on its own decisions
            (:mod:`passend.model.mechanical`, for ``passend compare --decompose``).
        collect: keep the DataCollector (about 1.3 ms a month); the commands that only read the recorded rows do not.
        **changes: levers (``passend.experiments.levers.LEVERS``: e.g. ``alliance_budget_cut=300e6``, set from the
            first month, as a lever pulled at the start in the dashboard) and behaviour parameters by name (e.g.
            ``apply_reward=0.2``; ``engine/data/behaviour.toml`` lists them with their bounds).

    ``step()`` simulates one month and collects; ``run_model()`` runs to the end (``running`` turns False there).
    ``datacollector.get_model_vars_dataframe()`` has a row per month (:data:`MODEL_REPORTERS`);
    ``datacollector.get_agenttype_vars_dataframe(Alliance)`` a row per alliance and month (:data:`ALLIANCE_REPORTERS`).
    ``output()`` is the run so far as a :class:`Run`. The numbers are those of ``passend run`` with the same arguments.
    """

    def __init__(self, scenario: ScenarioLike = "default", seed: int | None = 1, scale: float | None = None,
                 start: dt.date | str | None = None, end: dt.date | str | None = None, *, run: RunSetup | None = None,
                 mechanical: PolicyTimeline | None = None, collect: bool = True, **changes: Any):
        if run is None:
            run = setup(scenario, seed, scale, start, end, **changes)
        elif changes:
            raise ConfigError("run", run.name, "a setup on its own: its changes are part of it (here also "
                              + ", ".join(changes) + ")")
        super().__init__(run.settings, run.behaviour, run.policy, run.name, mechanical)
        self.setup = run
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS,
                                                agenttype_reporters={Alliance: ALLIANCE_REPORTERS}) if collect else None
        self._began, self._pupil_months = time.perf_counter(), 0

    # Mesa 3.5 calls its own (experimental) parameter object ``scenario`` too, and its SolaraViz, when a model has one,
    # resets the model with a new Mesa scenario in place of ours. Ours is the passend scenario (an argument), so the
    # model keeps Mesa's as ``mesa_scenario`` and shows none: SolaraViz then rebuilds it as type(model)(**model_params).
    @property
    def scenario(self) -> None:
        return None

    @scenario.setter
    def scenario(self, mesa_scenario) -> None:
        self.mesa_scenario = mesa_scenario
        mesa_scenario.model = self

    @classmethod
    def from_parts(cls, settings: RunSettings, behaviour: Behaviour | None = None, policy: PolicyTimeline | None = None,
                   scenario: str = "default", mechanical: PolicyTimeline | None = None,
                   collect: bool = False) -> "PassendModel":
        """The model of a run given by its parts (a scenario's name, settings, behaviour and law), as the commands of
        many runs, the classroom and the benchmark build it: without a DataCollector unless ``collect``."""
        run = RunSetup(scenario, settings, policy or PolicyTimeline.baseline(), behaviour or Behaviour())
        return cls(run=run, mechanical=mechanical, collect=collect)

    @property
    def pupil_months(self) -> int:
        """Pupils simulated, summed over the months so far (what ``passend benchmark`` divides the time by)."""
        return self._pupil_months

    def step(self) -> None:
        """Simulate one month and collect. Past ``end`` there is no month to simulate (the law, the data and the
        recorder stop there): ``running`` is False and a step raises a ConfigError naming ``end``."""
        if self.step_index >= self.n_steps:
            self.running = False
            self.steps = self.step_index  # Mesa counted this step before calling us: the months simulated stay
            raise ConfigError("end", self.settings.end.isoformat(), f"steps up to the run's end: this model has "
                              f"simulated all its {self.n_steps} months (running is False); build a new model with a "
                              "later end (at most 2025-07-31) to simulate further")
        self._pupil_months += len(self.world.pupils)
        super().step()
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def output(self) -> "Run":
        """What the run has recorded so far, as :func:`simulate` returns it."""
        return Run(self.recorded(time.perf_counter() - self._began, self._pupil_months), self.setup)


# --- what a run recorded ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """One run's results as pandas tables (the columns of the CSVs of ``passend run``), and how it was set up."""

    output: RunOutput
    setup: RunSetup

    @cached_property
    def counts(self) -> pd.DataFrame:
        """One row per 1 October count (``counts.csv``)."""
        return pd.DataFrame(self.output.counts)

    @cached_property
    def school_years(self) -> pd.DataFrame:
        """One row per school year (``school_years.csv``)."""
        return pd.DataFrame(self.output.school_years)

    @cached_property
    def months(self) -> pd.DataFrame:
        """One row per month (``months.csv``)."""
        return pd.DataFrame(self.output.months)

    @cached_property
    def alliances(self) -> pd.DataFrame:
        """One row per alliance and count (``alliances.csv``)."""
        return pd.DataFrame(self.output.alliances)

    @property
    def settings(self) -> RunSettings:
        return self.output.settings

    def save(self, folder: str | Path | None = None, figures: bool = True, parquet: bool = False) -> Path:
        """Write the results folder of ``passend run`` (default: ``results/<scenario>-<time>``; it must not exist
        yet); ``parquet``: each table as Parquet too. Returns the folder."""
        path = new_results_folder(folder, self.setup.name, "folder")
        return write_run(path, self.output, self.setup.name, self.setup.policy, self.setup.behaviour,
                         figures=figures, scenario_definition=self.setup.scenario, parquet=parquet)


# --- running it -----------------------------------------------------------------------------------------------------
def simulate(scenario: ScenarioLike = "default", seed: int | None = 1, scale: float | None = None,
             start: dt.date | str | None = None, end: dt.date | str | None = None,
             progress: Callable[[int, int], None] | None = None, **changes: Any) -> Run:
    """One run, as ``passend run`` makes it (the arguments are :class:`PassendModel`'s); ``progress(done, total)``
    is called after each month."""
    if progress is not None and not callable(progress):
        raise ConfigError("progress", progress, "None or a function progress(done, total) called after each month")
    run = setup(scenario, seed, scale, start, end, **changes)
    return Run(simulate_rows(run.settings, run.behaviour, run.policy, run.name, progress), run)


def simulate_rows(settings: RunSettings, behaviour: Behaviour | None = None, policy: PolicyTimeline | None = None,
                  scenario: str = "default", progress: Callable[[int, int], None] | None = None,
                  mechanical: PolicyTimeline | None = None) -> RunOutput:
    """One run from its parts (the scenario's name, settings, behaviour and law), as the commands of many runs make it;
    rows before ``settings.start`` are left out. ``mechanical``: see :class:`PassendModel`."""
    began = time.perf_counter()
    model = PassendModel.from_parts(settings, behaviour, policy, scenario, mechanical)
    model.run(progress)
    return model.recorded(time.perf_counter() - began, model.pupil_months)
