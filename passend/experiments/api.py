"""The Python interface: what ``import passend`` offers, and what the command line is a thin layer over.

* :class:`PassendModel`: the model as a Mesa user expects it. Keyword arguments (``scenario``, ``seed``, ``scale``,
  ``start``, ``end`` and any lever or behaviour parameter), ``step()`` one month, ``run_model()`` to the end, a
  ``datacollector``. So ``mesa.batch_run(PassendModel, ...)`` works, and Mesa's SolaraViz can rebuild it as
  ``type(model)(**params)``.
* :func:`simulate` runs one scenario and returns a :class:`Run` with pandas tables; ``run.save(folder)`` writes the
  results folder of ``passend run``.
* :func:`validate` runs several seeds against the published targets (``passend validate``); :func:`compare` runs a
  reform against its base on paired seeds (``passend compare``); :func:`sweep` and :func:`sensitivity` run a spec file
  (``passend sweep``, ``passend sensitivity``); :func:`calibrate` and :func:`calibrate_ensemble` fit the calibrated
  behaviour parameters (``passend calibrate``, ``passend calibrate --ensemble``); :func:`discover` finds where in a
  sweep an outcome holds (``passend discover``). Each returns its tables.

Runs of the commands of many runs go through one executor (:class:`passend.experiments.runner.Executor`: ``jobs``
local processes or a Dask ``scheduler``), and the finished ones are kept in one kind of journal
(:mod:`passend.experiments.journal`) so that an interrupted command resumes (``resume=True``): Ctrl-C raises
:class:`passend.experiments.runner.Interrupted`, which says what was kept and in which folder to resume.

Every argument is checked as the command line checks it: a bad one raises :class:`passend.engine.errors.ConfigError`
(a ``ValueError``) naming the argument and what is allowed, before anything runs or is written.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator, Sequence

import pandas as pd

from passend.engine.errors import ConfigError
from passend.experiments.one_run import PassendModel, Run, ScenarioLike, parse_dates, setup, simulate  # noqa: F401
from passend.experiments.output import new_results_folder
from passend.experiments.runner import (DISK_FULL_ERRORS, DiskFull, Interrupted, check_parallel, check_run_count,
                                       check_work_size, kept_runs_folder)
from passend.experiments.scenarios import Scenario, get_scenario
from passend.model.recorder import RunOutput


# --- checks the commands of many runs share -------------------------------------------------------------------------
def _check_whole(**values: tuple[Any, int]) -> None:
    """Each ``name=(value, lowest)`` a whole number >= lowest (ConfigError naming it otherwise)."""
    for name, (value, low) in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(name, value, f"a whole number >= {low}")


def _check_flags(**values: Any) -> None:
    """Each ``name=value`` True or False (ConfigError naming it otherwise: ``progress="x"`` is not a yes or no)."""
    for name, value in values.items():
        if not isinstance(value, bool):
            raise ConfigError(name, value, "True or False")


def _results_folder(out: str | Path | None, resume: bool, name: str) -> Path:
    """The folder a command writes once its runs are done (``out``, default ``results/<name>-<time>``): it must not
    exist yet. Resuming names it: the runs kept for it are in ``<out>.runs``."""
    if resume and out is None:
        raise ConfigError("--resume", True, "together with --out FOLDER (out=...), the results folder of the command "
                          "to continue")
    return new_results_folder(out, name)


def _lines_on_stderr(progress: bool):
    """What reports a long command's progress: a line on standard error each, or nothing."""

    def report(line: str) -> None:
        if progress:
            print(line, file=sys.stderr, flush=True)

    return report


@contextmanager
def _resumable_in(folder: Path) -> Iterator[None]:
    """Ctrl-C during the runs, or a full disk during the runs or the writing of the results: the Interrupted or
    DiskFull that comes up names ``folder``, to resume in (the finished runs stay kept)."""
    try:
        yield
    except Interrupted as stop:
        stop.folder = folder
        raise
    except OSError as error:
        if error.errno in DISK_FULL_ERRORS:
            raise DiskFull(error, folder) from error
        raise


# --- many runs ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonResult:
    """A reform against its base on paired seeds: the tables of ``passend compare``'s report."""

    comparison: Any  # passend.experiments.compare.Comparison: the paired runs
    folder: Path | None = None  # where compare(out=...) wrote the report

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
        return write_report(self.comparison, new_results_folder(folder or None, name, "folder"))


def compare(base: ScenarioLike, reform: str | Path | Scenario, seeds: int = 10, scale: float | None = None,
            start: dt.date | str | None = None, end: dt.date | str | None = None, root_seed: int = 1, jobs: int = 1,
            scheduler: str | None = None, progress: bool = False, out: str | Path | None = None,
            resume: bool = False, uncertainty: str = "seeds", parameter_sets: int = 10,
            ensemble: str | Path | None = None, decompose: bool = False, yes: bool = True) -> ComparisonResult:
    """``reform`` against ``base`` on ``seeds`` paired seeds spawned from ``root_seed`` (common random numbers), as
    ``passend compare`` runs them: ``reform`` is a registered reform or reform file applied to the base, or another
    scenario. ``jobs`` processes, or a Dask ``scheduler`` (an address or ``"local"``). ``out``: write the report
    there (a folder that does not exist yet), keeping every finished run in ``<out>.runs`` until it is written;
    ``resume``: read back the runs an interrupted comparison kept there and run only the rest (``passend compare
    --resume``). ``uncertainty="parameters"``: the pairs run on ``parameter_sets`` sets drawn from the ensemble (the
    package's, or the one in the folder ``ensemble``) x ``seeds`` seeds, and the intervals cover both (see
    ``passend.experiments.intervals.effect_interval``). ``decompose``: split each effect on spending into the
    mechanical effect (the reform's rules on the base's decisions) and the behavioural one
    (:attr:`ComparisonResult.decomposition`, ``passend compare --decompose``). ``progress``: say on standard error
    what runs, with a progress bar. ``yes``: start work estimated above 8 hours (the command line asks ``--yes``)."""
    from passend.experiments.compare import check_comparable, run_pairs, write_report
    from passend.experiments.scenarios import alternative
    from passend.engine.streams import RandomStreams

    _check_whole(seeds=(seeds, 2), root_seed=(root_seed, 0), jobs=(jobs, 1), parameter_sets=(parameter_sets, 1))
    check_parallel(jobs, scheduler)
    _check_flags(progress=progress, resume=resume, decompose=decompose, yes=yes)
    if uncertainty not in UNCERTAINTIES:
        raise ConfigError("uncertainty", uncertainty, "one of: " + ", ".join(UNCERTAINTIES))
    # the size first, from the counts alone: 100 million seeds are refused before a list of them is made
    check_run_count(2 * seeds * (parameter_sets if uncertainty == "parameters" else 1), "--seeds")
    base_scenario = base if isinstance(base, Scenario) else get_scenario(str(base), "base")
    alt = reform if isinstance(reform, Scenario) else alternative(base_scenario, str(reform), "reform")
    dates = parse_dates(start, end)
    settings = [base_scenario.run_settings(seed=s, scale=scale, **dates)
                for s in RandomStreams.replicate_seeds(root_seed, seeds)]
    check_comparable(base_scenario, alt, settings[0])
    sets, description = _parameter_sets(uncertainty, parameter_sets, ensemble, root_seed)
    check_work_size(2 * seeds * len(sets or [None]), settings[0], jobs, yes, "--seeds")
    folder = _results_folder(out, resume, "compare") if out is not None or resume else None
    if progress:
        print(f"passend compare: {alt.name} against {base_scenario.name}, {seeds} seed pairs at scale "
              f"{settings[0].scale}", file=sys.stderr)
    with _resumable_in(folder):
        comparison = run_pairs(base_scenario, alt, settings, jobs, scheduler, progress, folder, resume, sets,
                               description, decompose)
        if folder is None:
            return ComparisonResult(comparison)
        write_report(comparison, folder)  # a report that fails (a full disk) leaves the kept runs: --resume writes it
    shutil.rmtree(kept_runs_folder(folder))
    return ComparisonResult(comparison, folder)


UNCERTAINTIES = ("seeds", "parameters")


def _parameter_sets(uncertainty: str, n: int, folder: str | Path | None, seed: int) -> tuple[list[dict] | None, dict | None]:
    """For ``uncertainty="parameters"``: ``n`` sets drawn from the ensemble, and its description."""
    from passend.experiments import ensemble

    if uncertainty not in UNCERTAINTIES:
        raise ConfigError("uncertainty", uncertainty, "one of: " + ", ".join(UNCERTAINTIES))
    if uncertainty == "seeds":
        return None, None
    if folder is not None and not isinstance(folder, (str, Path)):
        raise ConfigError("ensemble", folder, "the path of an ensemble's folder, or None for the one shipped")
    members, description = ensemble.load(Path(folder) if folder else None)
    return ensemble.draw(members, n, seed), description


def _spec_path(spec: str | Path) -> Path:
    if not isinstance(spec, (str, Path)):
        raise ConfigError("spec", spec, "the path of a spec file (TOML; docs/experiments.md shows the format); a "
                          "dict is not read as a spec: write it to a .toml file")
    path = Path(spec)
    if not path.exists():  # anything else that is not a TOML file is refused reading it, saying what it is
        raise ConfigError("spec", str(spec), "the path of a spec file (TOML; docs/experiments.md shows the format)")
    return path


def _spec_folder(out: str | Path | None, resume: bool, name: str) -> Path:
    """Where a sweep writes: ``out`` to continue with ``resume`` (its journal is there), else a new folder
    (``results/<name>-<time>``)."""
    if resume:
        if out is None:
            raise ConfigError("--resume", True, "together with --out FOLDER (out=...), the folder of the sweep to "
                              "continue")
        if not isinstance(out, (str, Path)):
            raise ConfigError("--out", out, "the path of the sweep's folder")
        return Path(out)
    return new_results_folder(out, name)


def sweep(spec: str | Path, out: str | Path | None = None, jobs: int = 1, scheduler: str | None = None,
          resume: bool = False, csv: bool = False, progress: bool = True, yes: bool = True) -> pd.DataFrame:
    """Run a sweep spec (``passend sweep``) into ``out`` (default: ``results/sweep-<spec>-<time>``) and return its
    table, one row per run (``runs.parquet``). ``table.attrs`` holds the ``folder`` it was written to, and of this
    session the runs ``ran_now``, their ``seconds`` and the ``backend``. ``resume``: continue the sweep in ``out``.
    ``yes``: start work estimated above 8 hours (the command line asks ``--yes``)."""
    from passend.experiments.sweep import TABLE, read_spec, run_sweep

    _check_whole(jobs=(jobs, 1))
    check_parallel(jobs, scheduler)
    _check_flags(resume=resume, csv=csv, progress=progress, yes=yes)
    path = _spec_path(spec)
    parsed = read_spec(path)
    n = parsed.n_runs()
    check_work_size(n, parsed.settings, jobs, yes, "sweep: points x replicates")
    folder = _spec_folder(out, resume, f"sweep-{path.stem}")
    if progress:
        print(f"passend sweep: {parsed.design} design, {n // parsed.replicates} points x {parsed.replicates} "
              f"replicates = {n} runs at scale {parsed.settings.scale}", file=sys.stderr)
    with _resumable_in(folder):
        result = run_sweep(parsed, folder, jobs, scheduler, resume, csv, progress)
        table = pd.read_parquet(folder / TABLE)
    table.attrs.update(folder=str(folder), ran_now=result.ran_now, seconds=result.seconds, backend=result.backend)
    return table


class RunsFailed(RuntimeError):
    """Some runs of a sensitivity analysis failed (each is a row with its error in its sweep's ``runs.parquet``): the
    analysis needs every run. Resume to rerun them."""


def sensitivity(spec: str | Path, out: str | Path | None = None, jobs: int = 1, scheduler: str | None = None,
                resume: bool = False, csv: bool = False, progress: bool = True, yes: bool = True) -> pd.DataFrame:
    """Run a sensitivity spec (``passend sensitivity``: a Morris or Sobol design, and any response curves) into ``out``
    and return the indices (``sensitivity.csv``: outcome, parameter, method, index, value, conf_95);
    ``indices.attrs`` holds the ``folder`` and the files ``written`` (figures and response tables too). Raises
    :class:`RunsFailed` when a run failed."""
    from passend.experiments.sensitivity import read_sensitivity_spec, run_sensitivity, write_analysis

    _check_whole(jobs=(jobs, 1))
    check_parallel(jobs, scheduler)
    _check_flags(resume=resume, csv=csv, progress=progress, yes=yes)
    path = _spec_path(spec)
    parsed = read_sensitivity_spec(path)
    check_work_size(sum(s.n_runs() for s in (parsed.screening, *parsed.responses)), parsed.screening.settings, jobs,
                    yes, "sensitivity: points x replicates")
    folder = _spec_folder(out, resume, f"sensitivity-{path.stem}")
    with _resumable_in(folder):
        results = run_sensitivity(parsed, folder, n_jobs=jobs, scheduler=scheduler, resume=resume, csv=csv,
                                  progress=progress)
    failed = sum(r.failed for r in results)
    if failed:
        raise RunsFailed(f"{failed} runs failed; the analysis needs every run (see runs.parquet in {folder}, then "
                         "resume)")
    with _resumable_in(folder):  # a full disk here: --resume reads every run back and writes the analysis again
        written = write_analysis(parsed, folder)
    indices = pd.read_csv(folder / "sensitivity.csv")
    indices.attrs.update(folder=str(folder), written=[str(p) for p in written])
    return indices


def discover(sweep_folder: str | Path, where: str, out: str | Path | None = None, min_coverage: float = 0.5,
             mass_min: float = 0.05):
    """Scenario discovery on a sweep (``passend discover``): PRIM's box of the parameter ranges where ``where`` holds,
    with CART as a check, written to ``out`` (default: ``results/discover-<sweep folder>-<time>``). Returns the
    :class:`passend.experiments.discover.Discovery`: ``trajectory``, ``box``, ``cart`` (DataFrames) and ``summary``."""
    from passend.experiments.discover import check_question, discover as find, write_discovery

    if not isinstance(sweep_folder, (str, Path)):
        raise ConfigError("SWEEP_FOLDER", sweep_folder, "the path of a sweep's folder")
    check_question(sweep_folder, where, min_coverage, mass_min)  # the question first: a bad one creates nothing
    folder = Path(sweep_folder)
    target = new_results_folder(out, f"discover-{folder.name}")
    found = find(folder, where, min_coverage, mass_min)
    write_discovery(found, target)
    return found


# --- validation and calibration -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Validation:
    """Several seeds against the published targets (``passend validate``).

    Attributes:
        targets: per calibration target: published, simulated (the mean over seeds), relative error, tolerance,
            within (``targets.csv``).
        out_of_sample: the same for published figures the calibration never saw (empty when the data hold none).
        bands: per count date and column, the mean, minimum and maximum over the seeds (``bands.csv``).
        folder: where the results were written.
        seconds: the time the runs took (those read back from a journal take none).
        backend: where they ran.
    """

    targets: pd.DataFrame
    out_of_sample: pd.DataFrame
    bands: pd.DataFrame
    folder: Path
    seconds: float
    backend: str


def validate(scenario: ScenarioLike = "default", seeds: int = 5, scale: float | None = None,
             start: dt.date | str | None = None, end: dt.date | str | None = None, root_seed: int = 1, jobs: int = 1,
             scheduler: str | None = None, out: str | Path | None = None, resume: bool = False,
             progress: bool = False, yes: bool = True, posterior: bool = False, parameter_sets: int = 20,
             ensemble: str | Path | None = None) -> Validation:
    """``seeds`` runs of ``scenario`` (seeds spawned from ``root_seed``) against the published targets, as ``passend
    validate`` makes them, written to ``out`` (default: ``results/validate-<time>``): ``targets.csv``,
    ``out_of_sample.csv``, ``bands.csv``, every seed's counts and school years, figures. ``jobs`` processes, or a Dask
    ``scheduler`` (an address or ``"local"``). Finished runs are kept in ``<out>.runs`` until the folder is written;
    ``resume`` reads back those an interrupted validation kept and runs only the rest. ``progress``: say on standard
    error what runs, with a progress bar. ``yes``: start work estimated above 8 hours (the command line asks
    ``--yes``). ``posterior``: every seed runs with each of ``parameter_sets`` sets drawn from the ensemble shipped
    (or the ensemble in ``ensemble``'s folder), and ``bands.csv`` holds the 5/50/95% quantiles over all those runs of
    every count and school-year series (``passend validate --posterior``); ``targets.csv`` then says for each
    target whether its published value lies inside the 90% band."""
    from passend.engine.streams import RandomStreams
    from passend.experiments.one_run import simulate_rows
    from passend.experiments.runner import Executor, open_kept_runs, run_all

    _check_whole(seeds=(seeds, 1), root_seed=(root_seed, 0), jobs=(jobs, 1), parameter_sets=(parameter_sets, 1))
    check_parallel(jobs, scheduler)
    _check_flags(resume=resume, progress=progress, yes=yes, posterior=posterior)
    check_run_count(seeds * (parameter_sets if posterior else 1), "--seeds x --parameter-sets")
    sets, description = _parameter_sets("parameters" if posterior else "seeds", parameter_sets, ensemble, root_seed)
    chosen = scenario if isinstance(scenario, Scenario) else get_scenario(str(scenario), "--scenario")
    dates = parse_dates(start, end)
    settings = [chosen.run_settings(seed=s, scale=scale, **dates) for s in RandomStreams.replicate_seeds(root_seed, seeds)]
    policy, behaviour = chosen.build()
    runs_asked = len(settings) * len(sets or [None])
    check_work_size(runs_asked, settings[0], jobs, yes, "--seeds")
    folder = _results_folder(out, resume, "validate")
    identity = {"command": "validate", "scenario": chosen.name, "settings": [s.to_dict() for s in settings],
                "behaviour": behaviour.to_dict(), "policy": policy.to_dict(), **({"parameter_sets": sets} if sets else {})}
    tasks = [(s, behaviour.replace(**values) if values else behaviour, policy, chosen.name)
             for values in (sets or [None]) for s in settings]
    expected = [{"run_id": i, "settings": task[0].to_dict()} for i, task in enumerate(tasks)]
    began = time.perf_counter()
    with _resumable_in(folder):
        with Executor(jobs, scheduler) as executor:  # a scheduler out of reach stops us here
            journal = open_kept_runs(folder, resume, identity, expected, "scenario, seeds and period")
            if progress:
                print(f"passend validate: {seeds} seeds" + (f" x {len(sets)} parameter sets of the posterior"
                                                            if sets else "")
                      + f" at scale {settings[0].scale}, {executor.label}", file=sys.stderr)
            runs = run_all(simulate_rows, tasks, executor, "validate" if progress else None, journal)
        seconds = time.perf_counter() - began
        fit, unseen, bands = _write_validation(folder, runs, len(settings) if sets else None)
    shutil.rmtree(kept_runs_folder(folder))
    return Validation(pd.DataFrame(fit), pd.DataFrame(unseen), pd.DataFrame(bands), folder, seconds, executor.label)


def _write_validation(folder: Path, runs: Sequence[RunOutput],
                      seeds_per_set: int | None = None) -> tuple[list[dict], list[dict], list[dict]]:
    """``passend validate``'s folder from its runs (one per seed): ``targets.csv`` (the mean over seeds against each
    calibration target), ``out_of_sample.csv`` (figures never fitted, when the data hold any), ``bands.csv``, every
    seed's counts and school years, and the figures; written whole or not at all (``folder`` must not exist yet).
    Returns (targets rows, out-of-sample rows, bands rows)."""
    from passend.experiments.figures import attendance_figure, counts_figure
    from passend.experiments.output import write_csv, written_whole
    from passend.experiments.targets import bands_of_targets, bands_over_seeds, mean_results, out_of_sample_checks
    from passend.experiments.targets import compare as against_targets

    counts, years = mean_results([(r.counts, r.school_years) for r in runs])
    fit = against_targets(counts, years)
    quantiles = bands_of_targets([(r.counts, r.school_years) for r in runs])
    first_year = min((row["year"] for row in fit), default=None)
    for row in fit:  # the 90% band over the runs (seeds, or the posterior's sets x seeds) and whether it holds the truth
        q05, q50, q95 = quantiles[row["target"]]
        row.update(band_5=q05, band_50=q50, band_95=q95, inside_band=bool(q05 <= row["published"] <= q95),
                   # the first year's counts are the population the runs start from (the published count, rounded
                   # to the scale): every run has the same value, so no band can speak to them
                   starting_state=bool(row["year"] == first_year and q05 == q95 and len(runs) > 1))
    unseen = against_targets(counts, years, out_of_sample_checks())
    # a posterior's bands cover the school-year series too (a plain validation keeps bands.csv's rows as they were)
    bands = bands_over_seeds([r.counts for r in runs], [r.school_years for r in runs] if seeds_per_set else None)
    with written_whole(folder) as partial:
        write_csv(partial / "targets.csv", fit)
        if unseen:
            write_csv(partial / "out_of_sample.csv", unseen)
        write_csv(partial / "bands.csv", bands)
        def run_columns(i: int, run: RunOutput) -> dict:  # a posterior's runs also name their parameter set
            return {"seed": run.settings.seed, **({"parameter_set": i // seeds_per_set} if seeds_per_set else {})}

        write_csv(partial / "counts_by_seed.csv", [{**run_columns(i, r), **row} for i, r in enumerate(runs)
                                                   for row in r.counts])
        write_csv(partial / "school_years_by_seed.csv",
                  [{**run_columns(i, r), **row} for i, r in enumerate(runs) for row in r.school_years])
        counts_figure([r.counts for r in runs], partial / "counts_vs_published.png")
        attendance_figure([r.school_years for r in runs], partial / "attendance_vs_published.png")
    return fit, unseen, bands


@dataclass(frozen=True)
class CalibrationResult:
    """A Nelder-Mead calibration (``passend calibrate``).

    Attributes:
        fitted: the fitted value of each calibrated parameter.
        start: where each started (the shipped defaults).
        fit: per target, as in :attr:`Validation.targets` (``fit.csv``).
        history: every evaluation: its loss and values (``history.csv``).
        folder: where the results were written.
        installed: the behaviour file the fitted values were written into (``install=True``), else None.
    """

    fitted: dict[str, float]
    start: dict[str, float]
    fit: pd.DataFrame
    history: pd.DataFrame
    folder: Path
    installed: Path | None


MAX_EVALUATIONS = 100_000
"""The most evaluations a calibration may ask for (a Nelder-Mead search over the calibrated parameters settles in
hundreds to a few thousand)."""


def calibrate(seeds: int = 4, scale: float = 0.05, max_evaluations: int = 250, jobs: int = 1,
              scheduler: str | None = None, step: float = 0.08, group: str | None = None,
              out: str | Path | None = None, install: bool = False, progress: bool = False,
              yes: bool = True) -> CalibrationResult:
    """Fit the calibrated behaviour parameters (or those of ``group``: ``counts`` or ``attendance``) to the published
    series through 2016 by a bounded Nelder-Mead search, as ``passend calibrate`` does, writing ``out`` (default:
    ``results/calibration-<time>``). Each evaluation runs ``seeds`` seeds at ``scale`` on ``jobs`` processes or a
    Dask ``scheduler``; ``step`` is the starting simplex's size as a fraction of each parameter's range.
    ``install``: write the fitted values into the package's behaviour.toml as the new defaults. ``progress``: a line
    per evaluation on standard error. ``yes``: start a search estimated above 8 hours (the command line asks
    ``--yes``); at most :data:`MAX_EVALUATIONS` evaluations."""
    from passend.engine.behaviour import CALIBRATION_GROUPS
    from passend.engine.settings import RunSettings
    from passend.experiments.calibrate import calibrate as search, install_defaults, write_calibration
    from passend.experiments.runner import Executor
    from passend.experiments.targets import CALIBRATION_LAST_YEAR

    _check_whole(seeds=(seeds, 1), max_evaluations=(max_evaluations, 1), jobs=(jobs, 1))
    check_parallel(jobs, scheduler)
    _check_flags(install=install, progress=progress, yes=yes)
    if max_evaluations > MAX_EVALUATIONS:
        raise ConfigError("--max-evaluations", max_evaluations, f"a whole number from 1 to {MAX_EVALUATIONS:,}")
    check_run_count((max_evaluations + 1) * seeds, "--max-evaluations x --seeds")
    RunSettings(scale=scale)  # checks the scale
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not 0 < step <= 1:
        raise ConfigError("--step", step, "a number above 0 and at most 1")
    if group is not None and group not in CALIBRATION_GROUPS:
        raise ConfigError("--group", group, "one of: " + ", ".join(CALIBRATION_GROUPS))
    # the last evaluation is run again at the fitted values: max_evaluations + 1 evaluations of seeds runs each
    calibration_end = dt.date(CALIBRATION_LAST_YEAR + 1, 7, 31)
    check_work_size((max_evaluations + 1) * seeds, RunSettings(scale=scale, end=calibration_end), jobs, yes,
                    "--max-evaluations")
    folder = new_results_folder(out, "calibration")
    with Executor(jobs, scheduler) as executor:
        fitted, fit, cal = search(seeds, scale, max_evaluations, executor, step, _lines_on_stderr(progress), group)
    write_calibration(folder, fitted, fit, cal)
    installed = install_defaults(fitted) if install else None
    return CalibrationResult(fitted, {name: cal.start[name] for name in fitted}, pd.DataFrame(fit),
                             pd.DataFrame(cal.history), folder, installed)


@dataclass(frozen=True)
class HistoryMatchResult:
    """History matching and, if asked, the posterior inside what it left (``passend calibrate --history-match``,
    ``--posterior``).

    Attributes:
        waves: per wave its runs, the share of the space kept and how sure its emulators are (``waves.csv``).
        ranges: per wave and parameter the range still plausible (``ranges.csv``).
        folder: where everything was written.
        members: the posterior's parameter sets with weights (``posterior/ensemble.csv``), or None.
        description: how the posterior was made (``posterior/ensemble.json``), or None.
        knowledge: what the data know, per parameter (``posterior/knowledge.csv``), or None.
        installed: where the posterior was installed in the package (``install=True``), else None.
    """

    waves: pd.DataFrame
    ranges: pd.DataFrame
    folder: Path
    members: pd.DataFrame | None = None
    description: dict | None = None
    knowledge: pd.DataFrame | None = None
    installed: Path | None = None


HISTORY_MATCH_RECORD = "history_match.json"


def calibrate_history_match(runs_per_wave: int = 250, waves: int = 5, scale: float = 0.02, seed: int = 1,
                            jobs: int = 2, scheduler: str | None = None, out: str | Path | None = None,
                            resume: bool = False, posterior: bool = False, population: int | None = None,
                            generations: int = 8, max_runs: int = 9000, sampler: str = "multicore",
                            install: bool = False, progress: bool = False,
                            command: str | None = None) -> HistoryMatchResult:
    """History matching over the full bounds of every parameter it names (``passend calibrate --history-match``):
    at most ``waves`` waves of ``runs_per_wave`` runs at ``scale`` on ``jobs`` processes or a Dask ``scheduler``,
    each wave's runs kept in ``out`` as they finish (``resume``: continue in ``out``). ``posterior``: then ABC-SMC
    inside what the waves keep (``--posterior``; see :mod:`passend.experiments.posterior` for ``population``,
    ``generations``, ``max_runs`` and ``sampler``), written whole to ``out/posterior``; ``install`` ships it in the
    package for ``compare(uncertainty="parameters")``. ``command``: how it was asked for, kept in the record."""
    import json
    import platform

    from passend.engine.settings import RunSettings
    from passend.experiments import history_match as hm
    from passend.experiments.output import data_file_hashes, package_versions, write_file_whole
    from passend.experiments.posterior import PosteriorSettings
    from passend.experiments.runner import Executor
    from passend.experiments.targets import CALIBRATION_LAST_YEAR

    _check_whole(runs_per_wave=(runs_per_wave, 10), waves=(waves, 1), seed=(seed, 0), jobs=(jobs, 1))
    _check_flags(resume=resume, posterior=posterior, install=install, progress=progress)
    check_parallel(jobs, scheduler)
    if install and not posterior:
        raise ConfigError("--install", True, "together with --posterior (it installs the posterior)")
    RunSettings(scale=scale)  # checks the scale
    check_run_count(runs_per_wave * waves, "--runs-per-wave x --waves")
    post = PosteriorSettings(population, generations, max_runs, seed=seed, jobs=jobs, sampler=sampler)
    if posterior:
        post.check()
    settings = {"runs_per_wave": runs_per_wave, "waves": waves, "scale": scale, "seed": seed,
                "replicates_of_shipped_values": hm.REPLICATES, "cutoff": hm.CUTOFF, "forgiven": hm.FORGIVEN,
                "families": {k: vars(v) for k, v in hm.FAMILIES.items()}, "targets_through": CALIBRATION_LAST_YEAR}
    folder = _spec_folder(out, resume, "history-match")
    record_path = folder / HISTORY_MATCH_RECORD
    if resume:
        if not record_path.is_file():
            raise ConfigError("--out", str(folder), f"the folder of a history matching to continue (with its "
                              f"{HISTORY_MATCH_RECORD})")
        try:  # a user's folder: read as data, refused whole if it is not the record
            kept = json.loads(record_path.read_text())
        except (ValueError, UnicodeDecodeError):
            kept = None
        if not isinstance(kept, dict) or kept.get("settings") != json.loads(json.dumps(settings)):
            raise ConfigError("--resume", str(folder), "the same settings as the history matching kept there "
                              f"({HISTORY_MATCH_RECORD}: runs per wave, waves, scale, seed, stated uncertainties)")
    report = _lines_on_stderr(progress)
    began = time.perf_counter()
    record = {"settings": settings, "command": command or "passend.calibrate_history_match", "machine":
              {"python": platform.python_version(), "processes": jobs, "scheduler": scheduler},
              "versions": package_versions(), "data_files": data_file_hashes(), "wave_seconds": []}
    if resume:
        record["before_resume"] = kept  # the interrupted session's record, with its waves' times
    folder.mkdir(parents=True, exist_ok=True)

    def save_record() -> None:  # whole or not at all: an interrupted write never leaves half a record
        write_file_whole(record_path, json.dumps(record, indent=2).encode())

    save_record()
    wave_began = [time.perf_counter()]

    def wave_done(wave) -> None:
        record["wave_seconds"].append(round(time.perf_counter() - wave_began[0]))
        wave_began[0] = time.perf_counter()
        save_record()

    with _resumable_in(folder):
        with Executor(jobs, scheduler) as executor:
            report(f"passend calibrate --history-match: at most {waves} waves of {runs_per_wave} runs at scale "
                   f"{scale} to {CALIBRATION_LAST_YEAR + 1}-07, {executor.label}")
            matched = hm.history_match(folder, runs_per_wave, waves, scale, executor, resume=resume, seed=seed,
                                       report=report, progress=progress, wave_done=wave_done)
    record["seconds_history_match"] = round(time.perf_counter() - began)
    save_record()
    result = HistoryMatchResult(pd.read_csv(folder / "waves.csv"), pd.read_csv(folder / "ranges.csv"), folder)
    if not posterior:
        return result
    return _posterior(matched, post, scale, folder, record, resume, install, report, scheduler, progress)


def _posterior(matched, settings, scale: float, folder: Path, record: dict, resume: bool, install: bool, report,
               scheduler: str | None, progress: bool) -> HistoryMatchResult:
    import json
    import logging

    from passend.experiments import ensemble, posterior
    from passend.experiments.output import write_csv, written_whole

    logging.getLogger("ABC").setLevel(logging.INFO)  # pyabc's line per generation
    began = time.perf_counter()
    target = folder / "posterior"
    if target.exists():  # a posterior interrupted while written, or one made before: made again whole
        shutil.rmtree(target)
    history = posterior.run(matched, settings, scale, folder / "abc", resume, report)
    members, meta, table, known = posterior.summarise(matched, history, settings, scale,
                                                      time.perf_counter() - began, record)
    report(f"posterior: {len(meta['pinned'])} of {len(known)} parameters pinned down; a Morris screening of the "
           "others on the outcomes users read")
    known = posterior.screen(folder / "screening", known, scale, settings.seed, settings.jobs, scheduler,
                             progress)
    fixed = known.loc[known["decision"].str.startswith("open; the outcomes do not"), "parameter"].tolist()
    members = members.drop(columns=fixed)  # drawn sets leave them at their shipped values
    meta.update(fixed_at_shipped_values=fixed, seconds=round(time.perf_counter() - began),
                screening={"method": "Morris (SALib)", "trajectories": posterior.SCREENING_TRAJECTORIES,
                           "outcomes": list(posterior.SCREENING_OUTCOMES), "matters_above": posterior.MATTERS})
    with written_whole(target) as partial:
        members.to_csv(partial / ensemble.ENSEMBLE_CSV, index=False)
        (partial / ensemble.ENSEMBLE_JSON).write_text(json.dumps(meta, indent=2, default=str))
        write_csv(partial / "generations.csv", table.to_dict("records"))
        write_csv(partial / "knowledge.csv", known.to_dict("records"))
        posterior.draw_knowledge(partial / "knowledge.png", known)
    installed = ensemble.install(target) if install else None
    return HistoryMatchResult(pd.read_csv(folder / "waves.csv"), pd.read_csv(folder / "ranges.csv"), folder,
                              members, meta, known, installed)


@dataclass(frozen=True)
class EnsembleResult:
    """An accepted ensemble of the calibrated parameters by ABC-SMC (``passend calibrate --ensemble``).

    Attributes:
        members: one row per parameter set, with its ``weight`` (``ensemble.csv``).
        description: how it was made, its effective sample size, ... (``ensemble.json``).
        fit: each target's fit over the ensemble, with its band (``ensemble_fit.csv``).
        folder: where the results were written; written: the files.
        installed: where the ensemble was installed in the package (``install=True``), else None.
    """

    members: pd.DataFrame
    description: dict
    fit: pd.DataFrame
    folder: Path
    written: list[Path]
    installed: Path | None


def calibrate_ensemble(population: int = 100, generations: int = 6, scale: float = 0.02, prior_width: float = 0.3,
                       sampler: str = "multicore", jobs: int = 2, seed: int = 1, quantile: float = 0.5,
                       out: str | Path | None = None, install: bool = False, progress: bool = False,
                       command: str | None = None) -> EnsembleResult:
    """An accepted ensemble by ABC-SMC (pyabc), as ``passend calibrate --ensemble`` makes it, written to ``out``
    (default: ``results/ensemble-<time>``); the arguments are :class:`passend.experiments.ensemble.EnsembleSettings`'.
    Its runs go through pyabc's own samplers (``sampler``: ``single``, ``multicore`` on ``jobs`` processes, or a
    Dask scheduler's address), which is how pyabc evaluates, not through the executor of the other commands.
    ``install``: ship it in the package for ``compare(uncertainty="parameters")``. ``command``: how it was asked
    for, kept in ``ensemble.json`` (default: this call)."""
    import tempfile

    from passend.engine.settings import RunSettings
    from passend.experiments import ensemble

    for name, value, low in (("--population", population, 10), ("--generations", generations, 1),
                             ("--jobs", jobs, 1), ("--seed", seed, 0)):  # named as the command line names them
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(name, value, f"a whole number >= {low}")
    _check_flags(install=install, progress=progress)
    for name, value in (("prior_width", prior_width), ("quantile", quantile), ("scale", scale)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(name, value, "a number")
    if not isinstance(sampler, str):
        raise ConfigError("--sampler", sampler, "single, multicore or a Dask scheduler's address (tcp://host:8786)")
    check_run_count(population * generations, "--population x --generations")
    settings = ensemble.EnsembleSettings(population, generations, scale, prior_width, sampler, jobs, seed, quantile)
    settings.check()
    RunSettings(scale=scale)  # checks the scale
    folder = new_results_folder(out, "ensemble")
    report = _lines_on_stderr(progress)
    report(f"passend calibrate --ensemble: ABC-SMC, {population} sets a generation, at most {generations} "
           f"generations, runs at scale {scale} to {ensemble.CALIBRATION_LAST_YEAR + 1}-07, sampler {sampler}")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        history = ensemble.run_abc(settings, Path(tmp) / "abc.db", report=report)
        members, meta, fit = ensemble.summarise(history, settings, time.perf_counter() - began)
        meta["command"] = command or f"passend.calibrate_ensemble({settings})"
        from passend.experiments.output import written_whole

        with written_whole(folder) as partial:  # whole or not at all
            written = [folder / p.name for p in ensemble.write_ensemble(partial, members, meta, fit, history)]
    installed = ensemble.install(folder) if install else None
    return EnsembleResult(members, meta, fit, folder, written, installed)
