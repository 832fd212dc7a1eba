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
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from passend.engine.errors import ConfigError
from passend.experiments.one_run import PassendModel, Run, ScenarioLike, parse_dates, setup, simulate  # noqa: F401
from passend.experiments.output import new_results_folder
from passend.experiments.scenarios import Scenario, get_scenario


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
    dates = parse_dates(start, end)
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
