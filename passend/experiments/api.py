"""The Python interface: what ``import passend`` offers, and what the command line is a thin layer over.

* :class:`PassendModel`: the model as a Mesa user expects it. Keyword arguments (``scenario``, ``seed``, ``scale``,
  ``start``, ``end`` and any lever or behaviour parameter), ``step()`` one month, ``run_model()`` to the end, a
  ``datacollector``. So ``mesa.batch_run(PassendModel, ...)`` works, and Mesa's SolaraViz can rebuild it as
  ``type(model)(**params)``.
* :func:`simulate` runs one scenario and returns a :class:`Run` with pandas tables; ``run.save(folder)`` writes the
  results folder of ``passend run``.
* :func:`compare` runs a reform against its base on paired seeds (``passend compare``); :func:`sweep` and
  :func:`sensitivity` run a spec file (``passend sweep``, ``passend sensitivity``); :func:`discover` finds where in a
  sweep an outcome holds (``passend discover``). Each returns its tables.

Every argument is checked as the command line checks it: a bad one raises :class:`passend.engine.errors.ConfigError`
(a ``ValueError``) naming the argument and what is allowed, before anything runs or is written.
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
from passend.experiments.levers import LEVERS, pull
from passend.experiments.output import write_run
from passend.experiments.runner import RunOutput, new_results_folder, output_of
from passend.experiments.scenarios import Scenario, get_scenario, parse_date
from passend.engine.behaviour import SPECS, Behaviour
from passend.engine.errors import ConfigError
from passend.engine.ledger import PAYERS
from passend.engine.policy import PolicyTimeline
from passend.engine.settings import FIRST_START, RunSettings
from passend.model import model as engine
from passend.model.recorder import COUNT_COLUMNS

ScenarioLike = str | Path | Scenario
"""A registered scenario or reform (``passend scenarios``, ``passend reforms``), a scenario file, or a Scenario."""


@dataclass(frozen=True)
class RunSetup:
    """What a run is, resolved from keyword arguments: the scenario, settings, law and behaviour, and the levers and
    behaviour values the keywords set (``changes``)."""

    scenario: Scenario
    settings: RunSettings
    policy: PolicyTimeline
    behaviour: Behaviour
    changes: dict[str, Any] = field(default_factory=dict)


def setup(scenario: ScenarioLike = "default", seed: int | None = 1, scale: float | None = None,
          start: dt.date | str | None = None, end: dt.date | str | None = None, **changes: Any) -> RunSetup:
    """Resolve and check a run's keyword arguments (see :class:`PassendModel`)."""
    chosen = scenario if isinstance(scenario, Scenario) else get_scenario(str(scenario), "scenario")
    if seed is None:  # Mesa's meaning: a fresh seed, kept in the settings so that the run can be repeated
        seed = secrets.randbelow(2**31)
    elif isinstance(seed, np.integer):  # as Mesa's seeds may come
        seed = int(seed)
    dates = _dates(start, end)
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
    return RunSetup(chosen, settings, policy, behaviour, values)


def _dates(start: dt.date | str | None, end: dt.date | str | None) -> dict[str, dt.date]:
    """The dates given, checked (a date or ``"YYYY-MM-DD"``)."""
    return {name: parse_date(value, name, None) for name, value in (("start", start), ("end", end)) if value is not None}


# --- the Mesa model -------------------------------------------------------------------------------------------------
def _last_count(model: "PassendModel", column: str) -> float:
    counts = model.recorder.counts
    return counts[-1][column] if counts else float("nan")


def _this_month(model: "PassendModel", column: str) -> float:
    return model.recorder.months[-1][column]


MONTH_MONEY = ["public_spending_net_eur"] + [f"pay_{payer}_eur" for payer in PAYERS]
"""Money of the month just simulated, per payer and consolidated (as in ``months.csv``)."""
MODEL_REPORTERS: dict[str, Callable] = {
    "date": lambda m: m.recorder.months[-1]["date"],
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


class PassendModel(engine.PassendModel):
    """The model with keyword arguments, as Mesa models take them, and a ``mesa.DataCollector``.

    Args:
        scenario: a registered scenario or reform (``passend scenarios``, ``passend reforms``) or a scenario file.
        seed: a whole number >= 0; None draws a fresh one (Mesa's meaning), kept in ``model.settings.seed``.
            The default is 1, as ``passend run``'s (a scenario file's own [settings] seed is the command line's default;
            here pass it).
        scale: fraction of the national population, 0.001 to 1.0 (default: the scenario's, else 0.1).
        start, end: first day reported and last day simulated, dates or ``"YYYY-MM-DD"`` (default: the scenario's, else
            2003-10-01 and 2025-07-31).
        **changes: levers (``passend.experiments.levers.LEVERS``: e.g. ``alliance_budget_cut=300e6``, set from the
            first month, as a lever pulled at the start in the dashboard) and behaviour parameters by name (e.g.
            ``apply_reward=0.2``; ``engine/data/behaviour.toml`` lists them with their bounds).

    ``step()`` simulates one month and collects; ``run_model()`` runs to the end (``running`` turns False there).
    ``datacollector.get_model_vars_dataframe()`` has a row per month (:data:`MODEL_REPORTERS`);
    ``datacollector.get_agenttype_vars_dataframe(Alliance)`` a row per alliance and month (:data:`ALLIANCE_REPORTERS`).
    ``output()`` is the run so far as a :class:`Run`. The numbers are those of ``passend run`` with the same arguments.
    """

    def __init__(self, scenario: ScenarioLike = "default", seed: int | None = 1, scale: float | None = None,
                 start: dt.date | str | None = None, end: dt.date | str | None = None, **changes: Any):
        run = setup(scenario, seed, scale, start, end, **changes)
        super().__init__(run.settings, run.behaviour, run.policy, run.scenario.name)
        self.setup = run
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS,
                                                agenttype_reporters={Alliance: ALLIANCE_REPORTERS})
        self._began, self._pupil_months = time.perf_counter(), 0

    # Mesa 3.5 calls its own (experimental) parameter object ``scenario`` too, and its SolaraViz, when a model has one,
    # resets the model with a new Mesa scenario in place of ours. Ours is the passend scenario (an argument), so the model
    # keeps Mesa's as ``mesa_scenario`` and shows none: SolaraViz then rebuilds it as type(model)(**model_params).
    @property
    def scenario(self) -> None:
        return None

    @scenario.setter
    def scenario(self, mesa_scenario) -> None:
        self.mesa_scenario = mesa_scenario
        mesa_scenario.model = self

    def step(self) -> None:
        self._pupil_months += len(self.pupils)
        super().step()
        self.datacollector.collect(self)

    def output(self) -> "Run":
        """What the run has recorded so far, as :func:`simulate` returns it."""
        return Run(output_of(self, time.perf_counter() - self._began, self._pupil_months), self.setup)


# --- one run ---------------------------------------------------------------------------------------------------------
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
        path = new_results_folder(Path(folder) if folder is not None else None, self.setup.scenario.name, "folder")
        return write_run(path, self.output, self.setup.scenario.name, self.setup.policy, self.setup.behaviour,
                         figures=figures, scenario_definition=self.setup.scenario, parquet=parquet)


def simulate(scenario: ScenarioLike = "default", seed: int | None = 1, scale: float | None = None,
             start: dt.date | str | None = None, end: dt.date | str | None = None,
             progress: Callable[[int, int], None] | None = None, **changes: Any) -> Run:
    """One run, as ``passend run`` makes it (the arguments are :class:`PassendModel`'s); ``progress(done, total)``
    is called after each month."""
    from passend.experiments.runner import simulate as run_engine

    run = setup(scenario, seed, scale, start, end, **changes)
    return Run(run_engine(run.settings, run.behaviour, run.policy, run.scenario.name, progress), run)


# --- many runs ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonResult:
    """A reform against its base on paired seeds: the tables of ``passend compare``'s report."""

    comparison: Any  # passend.experiments.compare.Comparison: the paired runs

    @cached_property
    def effects_by_year(self) -> pd.DataFrame:
        from passend.experiments.compare import effects_by_year

        return pd.DataFrame(effects_by_year(self.comparison))

    @cached_property
    def effects_cumulated(self) -> pd.DataFrame:
        from passend.experiments.compare import effects_cumulated

        return pd.DataFrame(effects_cumulated(self.comparison))

    @cached_property
    def alliance_effects(self) -> pd.DataFrame:
        from passend.experiments.compare import alliance_effects

        return pd.DataFrame(alliance_effects(self.comparison))

    @cached_property
    def runs_by_seed(self) -> pd.DataFrame:
        from passend.experiments.compare import runs_by_seed

        return pd.DataFrame(runs_by_seed(self.comparison))

    @cached_property
    def decomposition(self) -> pd.DataFrame:
        """Each payer's effect per school year split into ``part`` total, mechanical and behavioural (compare with
        ``decompose=True``; see ``passend.experiments.compare.decomposition``)."""
        from passend.experiments.compare import decomposition

        if not self.comparison.decomposed:
            raise ConfigError("decompose", False, "True in compare(...), so that the base runs keep the reform's "
                              "mechanical books")
        return pd.DataFrame(decomposition(self.comparison)[0])

    def save(self, folder: str | Path | None = None) -> Path:
        """Write ``passend compare``'s report folder (default: ``results/compare-<reform>-<time>``); returns the path
        of ``report.md``."""
        from passend.experiments.compare import write_report

        name = f"compare-{Path(self.comparison.alternative.name.split('+')[-1]).stem}"
        return write_report(self.comparison, new_results_folder(Path(folder) if folder else None, name, "folder"))


def compare(base: ScenarioLike, reform: str | Path | Scenario, seeds: int = 10, scale: float | None = None,
            start: dt.date | str | None = None, end: dt.date | str | None = None, root_seed: int = 1, jobs: int = 1,
            scheduler: str | None = None, progress: bool = False, journal: Path | None = None,
            resume: bool = False, uncertainty: str = "seeds", parameter_sets: int = 10,
            ensemble: str | Path | None = None, decompose: bool = False) -> ComparisonResult:
    """``reform`` against ``base`` on ``seeds`` paired seeds spawned from ``root_seed`` (common random numbers), as
    ``passend compare`` runs them: ``reform`` is a registered reform or reform file applied to the base, or another
    scenario. ``jobs`` processes, or a Dask ``scheduler`` (an address or ``"local"``). ``journal``, ``resume``: keep
    finished runs in that folder, and read them back (see ``passend compare --resume``). ``uncertainty="parameters"``:
    the pairs run on ``parameter_sets`` sets drawn from the ensemble (the package's, or the one in the folder
    ``ensemble``) x ``seeds`` seeds, and the intervals cover both (see ``passend.experiments.intervals.effect_interval``).
    ``decompose``: split each effect on spending into the mechanical effect (the reform's rules on the base's
    decisions) and the behavioural one (:attr:`ComparisonResult.decomposition`, ``passend compare --decompose``)."""
    from passend.experiments.compare import check_comparable, run_pairs
    from passend.experiments.scenarios import alternative
    from passend.engine.streams import RandomStreams

    for name, value, low in (("seeds", seeds, 2), ("root_seed", root_seed, 0), ("jobs", jobs, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(name, value, f"a whole number >= {low}")
    if not isinstance(decompose, bool):
        raise ConfigError("decompose", decompose, "True or False")
    base_scenario = base if isinstance(base, Scenario) else get_scenario(str(base), "base")
    alt = reform if isinstance(reform, Scenario) else alternative(base_scenario, str(reform), "reform")
    dates = _dates(start, end)
    settings = [base_scenario.run_settings(seed=s, scale=scale, **dates)
                for s in RandomStreams.replicate_seeds(root_seed, seeds)]
    check_comparable(base_scenario, alt, settings[0])
    sets, description = _parameter_sets(uncertainty, parameter_sets, ensemble, root_seed)
    return ComparisonResult(run_pairs(base_scenario, alt, settings, jobs, scheduler, progress, journal, resume,
                                      sets, description, decompose))


UNCERTAINTIES = ("seeds", "parameters")


def _parameter_sets(uncertainty: str, n: int, folder: str | Path | None, seed: int) -> tuple[list[dict] | None, dict | None]:
    """For ``uncertainty="parameters"``: ``n`` sets drawn from the ensemble, and its description."""
    from passend.experiments import ensemble

    if uncertainty not in UNCERTAINTIES:
        raise ConfigError("uncertainty", uncertainty, "one of: " + ", ".join(UNCERTAINTIES))
    if uncertainty == "seeds":
        return None, None
    members, description = ensemble.load(Path(folder) if folder else None)
    return ensemble.draw(members, n, seed), description


def _spec_path(spec: str | Path) -> Path:
    path = Path(spec)
    if not path.is_file():
        raise ConfigError("spec", str(spec), "the path of a spec file (TOML; docs/experiments.md shows the format)")
    return path


def _spec_folder(out: str | Path | None, resume: bool, name: str) -> Path:
    """Where a sweep writes: ``out`` to continue with ``resume``, else a new folder (``results/<name>-<time>``)."""
    return Path(out) if resume and out else new_results_folder(Path(out) if out else None, name, "out")


def sweep(spec: str | Path, out: str | Path | None = None, jobs: int = 1, scheduler: str | None = None,
          resume: bool = False, csv: bool = False, progress: bool = True) -> pd.DataFrame:
    """Run a sweep spec (``passend sweep``) into ``out`` (default: ``results/sweep-<spec>-<time>``) and return its
    table, one row per run (``runs.parquet``); ``table.attrs["folder"]`` is where it was written."""
    from passend.experiments.sweep import TABLE, read_spec, run_sweep

    path = _spec_path(spec)
    parsed = read_spec(path)
    folder = _spec_folder(out, resume, f"sweep-{path.stem}")
    run_sweep(parsed, folder, jobs, scheduler, resume, csv, progress)
    table = pd.read_parquet(folder / TABLE)
    table.attrs["folder"] = str(folder)
    return table


def sensitivity(spec: str | Path, out: str | Path | None = None, jobs: int = 1, scheduler: str | None = None,
                resume: bool = False, progress: bool = True) -> pd.DataFrame:
    """Run a sensitivity spec (``passend sensitivity``: a Morris or Sobol design, and any response curves) into ``out``
    and return the indices (``sensitivity.csv``: outcome, parameter, method, index, value, conf_95);
    ``indices.attrs["folder"]`` holds the folder, whose figures and response tables are written too."""
    from passend.experiments.sensitivity import read_sensitivity_spec, run_sensitivity, write_analysis

    path = _spec_path(spec)
    parsed = read_sensitivity_spec(path)
    folder = _spec_folder(out, resume, f"sensitivity-{path.stem}")
    results = run_sensitivity(parsed, folder, n_jobs=jobs, scheduler=scheduler, resume=resume, progress=progress)
    failed = sum(r.failed for r in results)
    if failed:
        raise RuntimeError(f"{failed} runs failed; the analysis needs every run (see {folder}, then resume=True)")
    write_analysis(parsed, folder)
    indices = pd.read_csv(folder / "sensitivity.csv")
    indices.attrs["folder"] = str(folder)
    return indices


def discover(sweep_folder: str | Path, where: str, out: str | Path | None = None, min_coverage: float = 0.5,
             mass_min: float = 0.05):
    """Scenario discovery on a sweep (``passend discover``): PRIM's box of the parameter ranges where ``where`` holds,
    with CART as a check, written to ``out`` (default: ``results/discover-<sweep folder>-<time>``). Returns the
    :class:`passend.experiments.discover.Discovery`: ``trajectory``, ``box``, ``cart`` (DataFrames) and ``summary``."""
    from passend.experiments.discover import discover as find, write_discovery

    folder = Path(sweep_folder)
    target = new_results_folder(Path(out) if out else None, f"discover-{folder.name}", "out")
    found = find(folder, where, min_coverage, mass_min)
    write_discovery(found, target)
    return found
