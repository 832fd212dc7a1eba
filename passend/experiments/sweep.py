"""Sweeps: a design of parameter values x replicate seeds, run in parallel, streamed to disk, resumable.

A sweep spec (TOML) names a scenario, a design and the parameters it varies::

    [sweep]
    scenario = "default"           # registered scenario or reform, or a scenario file
    design = "factorial"           # factorial | latin_hypercube | sobol | morris
    replicates = 2                 # seeds per design point (the same seeds at every point: common random numbers)
    root_seed = 1                  # seeds are spawned from this one; sampled designs draw their points from it too
    samples = 8                    # latin_hypercube: points; sobol: base sample (a power of 2); morris: trajectories
    outcomes = ["so@2016", "inflow_sbo@2014-2018"]   # see passend.experiments.outcomes (default: a standard set)

    [settings]                     # override the scenario's: scale, start, end
    scale = 0.05

    [parameters.apply_reward]      # a behaviour parameter (engine/data/behaviour.toml)
    values = [0.1, 0.2]            # factorial: the values; other designs: range = [low, high]

    [parameters.policy.rugzak_school_eur]   # a legislation parameter (engine/legislation/*.toml)
    values = [8000, 12000]
    from = 2003-08-01              # the date from which the value holds (default: the law's first date)

Every run appends its row to ``runs.jsonl`` the moment it finishes (a crash loses no finished run; the journal of
:mod:`passend.experiments.journal`, with the spec as its identity in ``journal.json``); the tidy table
``runs.parquet`` (and ``runs.csv`` on request) is rewritten from it at the end, sorted by run, with the data
dictionary ``data_dictionary.csv`` and ``manifest.json`` (the spec's hash, package and data versions). ``--resume``
checks that the spec is the same, skips finished runs, and reruns failed or missing ones, so each run appears in the
table once. Runs go through the one executor of :mod:`passend.experiments.runner` (joblib or Dask).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import math
import json
import os
import platform
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from passend.experiments.journal import IDENTITY, ROWS, Journal
from passend.experiments.outcomes import Outcome, default_outcomes, parse_outcome
from passend.experiments.runner import Executor
from passend.experiments.scenarios import Scenario, check_keys, parse_date, read_settings, read_toml, resolve_scenario
from passend.engine import __version__
from passend.engine.behaviour import SPECS
from passend.engine.errors import ConfigError
from passend.engine.policy import PolicyTimeline
from passend.engine.settings import RunSettings
from passend.engine.streams import RandomStreams

DESIGNS = ("factorial", "latin_hypercube", "sobol", "morris")
TOP_KEYS = {"sweep": dict, "settings": dict, "parameters": dict}
SWEEP_KEYS = {"description": str, "scenario": str, "design": str, "samples": int, "replicates": int,
              "root_seed": int, "levels": int, "outcomes": list}
PARAMETER_KEYS = {"values": list, "range": list, "from": (dt.date, str)}
RUN_COLUMNS = ("run_id", "point", "replicate", "seed")
JOURNAL, TABLE, CSV, DICTIONARY, MANIFEST = "runs.jsonl", "runs.parquet", "runs.csv", "data_dictionary.csv", "manifest.json"
MAX_DESIGN = 10_000_000
"""The largest ``samples`` or ``replicates`` read: the runs they make are at most runner.MAX_RUNS anyway, and a number
this large is refused before SALib is asked to draw it."""


@dataclass(frozen=True)
class Parameter:
    """One varied parameter: a behaviour name, or ``policy.<name>`` for a legislation value from ``start`` on."""

    name: str
    values: tuple[float, ...]  # factorial
    bounds: tuple[float, float] | None  # sampled designs
    start: dt.date | None  # policy parameters
    whole: bool  # whole numbers only: sampled values are rounded

    @property
    def is_policy(self) -> bool:
        return self.start is not None

    def describe(self) -> tuple[str, str, str]:
        """(unit, definition, source) for the data dictionary."""
        if self.is_policy:
            law = PolicyTimeline.baseline()[self.name.removeprefix("policy.")]
            return law.unit, f"legislation value from {self.start.isoformat()} on: {law.description}", law.reference
        spec = SPECS[self.name]
        return spec.unit, f"behaviour parameter {self.name}", spec.source


@dataclass(frozen=True)
class RunTask:
    run_id: int
    point: int
    replicate: int
    seed: int
    values: dict[str, float]


@dataclass(frozen=True)
class SweepSpec:
    path: str
    description: str
    scenario: Scenario
    design: str
    parameters: tuple[Parameter, ...]
    samples: int
    replicates: int
    root_seed: int
    levels: int
    settings: RunSettings
    outcomes: tuple[Outcome, ...]

    def problem(self) -> dict:
        """The parameter space in SALib's form."""
        return {"num_vars": len(self.parameters), "names": [p.name for p in self.parameters],
                "bounds": [list(p.bounds) for p in self.parameters]}

    def points(self) -> list[dict[str, float]]:
        """The design points, in a fixed order (the same spec always gives the same points)."""
        if self.design == "factorial":
            grid = list(itertools.product(*(p.values for p in self.parameters)))
        else:
            grid = self.sample_matrix().tolist()
        return [{p.name: (int(round(v)) if p.whole else float(v)) for p, v in zip(self.parameters, row)} for row in grid]

    def sample_matrix(self) -> np.ndarray:
        """SALib's sample for the sampled designs (rows = points)."""
        from SALib.sample import latin, morris, sobol

        problem = self.problem()
        if self.design == "latin_hypercube":
            return latin.sample(problem, self.samples, seed=self.root_seed)
        if self.design == "sobol":
            return sobol.sample(problem, self.samples, calc_second_order=False, seed=self.root_seed)
        return morris.sample(problem, self.samples, num_levels=self.levels, seed=self.root_seed)

    def seeds(self) -> list[int]:
        return RandomStreams.replicate_seeds(self.root_seed, self.replicates)

    def n_points(self) -> int:
        """The design points, counted without drawing them (a Latin hypercube of 4e9 samples is counted, not built):
        SALib's Sobol sample without second-order indices has samples x (parameters + 2) points, Morris's
        trajectories x (parameters + 1)."""
        d = len(self.parameters)
        return {"factorial": math.prod(len(p.values) for p in self.parameters), "latin_hypercube": self.samples,
                "sobol": self.samples * (d + 2), "morris": self.samples * (d + 1)}[self.design]

    def n_runs(self) -> int:
        """The runs the spec asks for (design points x replicates), counted without building the task list."""
        return self.n_points() * self.replicates

    def tasks(self) -> list[RunTask]:
        seeds = self.seeds()
        return [RunTask(i * self.replicates + r, i, r, seeds[r], point)
                for i, point in enumerate(self.points()) for r in range(self.replicates)]

    def canonical(self) -> dict:
        """Everything that determines the results, as plain data (file locations left out)."""
        return {
            "design": self.design, "samples": self.samples, "replicates": self.replicates,
            "root_seed": self.root_seed, "levels": self.levels,
            "parameters": [{"name": p.name, "values": list(p.values), "bounds": p.bounds,
                            "from": p.start.isoformat() if p.start else None} for p in self.parameters],
            "settings": self.settings.to_dict(),
            "outcomes": [o.text for o in self.outcomes],
            "scenario": {"reforms": [{"name": r.name, "overlays": {k: {d.isoformat(): v for d, v in o.items()}
                                                                    for k, o in r.overlays.items()}}
                                     for r in self.scenario.reforms],
                         "behaviour_changes": self.scenario.behaviour_changes},
        }

    def hash(self) -> str:
        return hashlib.sha256(json.dumps(self.canonical(), sort_keys=True, default=str).encode()).hexdigest()


# --- reading a spec -----------------------------------------------------------------------------------------------
def read_spec(path: Path, designs: tuple[str, ...] = DESIGNS, extra_keys: dict | None = None) -> SweepSpec:
    """A sweep spec, checked whole: keys, types, names, ranges, dates and outcomes (``extra_keys``: top-level
    tables another command reads from the same file)."""
    where = str(path)
    data = read_toml(path, where)
    check_keys(data, TOP_KEYS | (extra_keys or {}), "", where)
    sweep = data.get("sweep", {})
    check_keys(sweep, SWEEP_KEYS, "sweep.", where)
    # a scenario file is found next to the spec
    scenario = resolve_scenario(sweep.get("scenario", "default"), Path(where).parent, None, field=f"{where}: sweep.scenario")
    design = sweep.get("design", "factorial")
    if design not in designs:
        raise ConfigError("sweep.design", design, "one of: " + ", ".join(designs), where)
    counts = {k: sweep.get(k, default) for k, default in (("samples", 8), ("replicates", 1), ("root_seed", 1), ("levels", 4))}
    for key, value in counts.items():
        if value < (0 if key == "root_seed" else 1):
            raise ConfigError(f"sweep.{key}", value, "a whole number >= " + ("0" if key == "root_seed" else "1"), where)
    if design == "sobol" and counts["samples"] & (counts["samples"] - 1):
        raise ConfigError("sweep.samples", counts["samples"], "a power of 2 for the sobol design (8, 16, 32, ...)", where)
    if counts["levels"] < 2:  # SALib's Morris grid steps by levels / (2 (levels - 1)): one level has no step
        raise ConfigError("sweep.levels", counts["levels"], "a whole number >= 2 (Morris's grid levels; an even "
                          "number such as 4 gives symmetric steps)", where)
    for key in ("samples", "replicates"):  # counted before anything is drawn; the work's size is checked later
        if counts[key] > MAX_DESIGN:
            raise ConfigError(f"sweep.{key}", counts[key], f"a whole number of at most {MAX_DESIGN:,}", where)
    settings_table = read_settings(data.get("settings", {}), where)
    if "seed" in settings_table:
        raise ConfigError("settings.seed", settings_table["seed"], "no seed here: seeds come from sweep.root_seed", where)
    try:
        settings = scenario.run_settings(**settings_table)
    except ConfigError as err:
        raise ConfigError(f"settings.{err.field}", err.value, err.allowed, where) from None
    parameters = read_parameters(data.get("parameters", {}), design, scenario, where)
    outcome_texts = sweep.get("outcomes")
    if outcome_texts is None:
        outcomes = default_outcomes(settings)
    else:
        outcomes = [parse_outcome(t, settings, f"sweep.outcomes[{i}]", where) for i, t in enumerate(outcome_texts)]
        if not outcomes:
            raise ConfigError("sweep.outcomes", outcome_texts, "at least one outcome", where)
        check_distinct_outcomes(outcomes, "sweep.outcomes", where)
    return SweepSpec(where, sweep.get("description", ""), scenario, design, tuple(parameters), counts["samples"],
                     counts["replicates"], counts["root_seed"], counts["levels"], settings, tuple(outcomes))


def check_distinct_outcomes(outcomes: list[Outcome], field: str, where: str | None) -> None:
    """Each outcome its own column: ``so@2016`` and ``so@2016-2016`` are both ``so_2016``, and a table with one column
    name twice is one that pandas and pyarrow cannot read."""
    seen: dict[str, int] = {}
    for i, outcome in enumerate(outcomes):
        if outcome.name in seen:
            raise ConfigError(f"{field}[{i}]", outcome.text, f"an outcome not already asked for ({field}"
                              f"[{seen[outcome.name]}] is the same column, {outcome.name})", where)
        seen[outcome.name] = i


def read_parameters(table: dict, design: str, scenario: Scenario, where: str) -> list[Parameter]:
    entries = []  # in the file's order, [parameters.policy.<name>] as "policy.<name>"
    for key, value in table.items():
        if key == "policy" and isinstance(value, dict):
            entries += [(f"policy.{k}", v) for k, v in value.items()]
        else:
            entries.append((key, value))
    if not entries:
        raise ConfigError("parameters", table, "at least one [parameters.<behaviour name>] or "
                                               "[parameters.policy.<legislation name>] table", where)
    law = PolicyTimeline.baseline()
    parameters = []
    for name, entry in entries:
        prefix = f"parameters.{name}."
        if not isinstance(entry, dict):
            raise ConfigError(f"parameters.{name}", entry, "a table with values (factorial) or range", where)
        check_keys(entry, PARAMETER_KEYS, prefix, where)
        start = None
        if name.startswith("policy."):
            short = name.removeprefix("policy.")
            if short not in law:
                raise ConfigError(f"parameters.{name}", short, "a legislation parameter: " + ", ".join(law.names), where)
            first = law[short].values[0]
            start = parse_date(entry.get("from", first[0]), f"{prefix}from", where)

            def check(value, short=short, start=start):
                return law.with_values(short, {start: value}, where)[short].at(start)
            kind = first[1]
        else:
            if name not in SPECS or "from" in entry:
                allowed = "a behaviour parameter: " + ", ".join(SPECS) if name not in SPECS else "values or range (no 'from')"
                raise ConfigError(f"parameters.{name}" if name not in SPECS else f"{prefix}from", name, allowed, where)

            def check(value, name=name):
                return SPECS[name].check(value, where)
            kind = SPECS[name].default
        if isinstance(kind, (bool, str, list)):
            raise ConfigError(f"parameters.{name}", kind, "a parameter whose value is one number", where)
        # whole numbers only: a behaviour parameter whose value and bounds are whole (years, ages), a law value that
        # is a whole number (a count); sampled designs round such a parameter's draws
        whole = SPECS[name].whole if name in SPECS else isinstance(kind, int)
        values, bounds = (), None
        if design == "factorial":
            if "values" not in entry or not entry["values"]:
                raise ConfigError(f"{prefix}values", entry.get("values"), "a non-empty list of values (factorial design)", where)
            for i, v in enumerate(entry["values"]):
                if whole and isinstance(v, float) and not v.is_integer():  # a value 2.5 would run as 2
                    raise ConfigError(f"{prefix}values[{i}]", v, "a whole number (this parameter takes no fractions)",
                                      where)
            values = tuple(check(v) for v in entry["values"])
        else:
            rng = entry.get("range")
            if not isinstance(rng, list) or len(rng) != 2 or not all(isinstance(v, (int, float)) for v in rng) or not rng[0] < rng[1]:
                raise ConfigError(f"{prefix}range", rng, f"[low, high] with low < high ({design} design)", where)
            bounds = (float(check(rng[0])), float(check(rng[1])))
        parameters.append(Parameter(name, values, bounds, start, whole))
    return parameters


# --- one run --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunContext:
    """What every run of a sweep shares (sent with each task, small enough to pickle)."""

    scenario: Scenario
    settings: RunSettings
    parameters: tuple[Parameter, ...]
    outcomes: tuple[Outcome, ...]


def execute_run(task: RunTask, context: RunContext) -> dict:
    """One run of the sweep, in whatever process the backend chose; a failure is returned, not raised."""
    began = time.perf_counter()
    row: dict[str, Any] = {"run_id": task.run_id, "point": task.point, "replicate": task.replicate, "seed": task.seed,
                           **task.values}
    try:
        policy, behaviour = context.scenario.build()
        behaviour = behaviour.replace(**{p.name: task.values[p.name] for p in context.parameters if not p.is_policy})
        for p in context.parameters:
            if p.is_policy:
                policy = policy.with_values(p.name.removeprefix("policy."), {p.start: task.values[p.name]})
        from passend.experiments.one_run import simulate_rows

        output = simulate_rows(dataclasses.replace(context.settings, seed=task.seed), behaviour, policy, context.scenario.name)
        row.update({"status": "ok", **{o.name: o.value(output) for o in context.outcomes}, "error": "", "traceback": ""})
    except Exception as err:  # recorded with its traceback; the sweep goes on
        row.update({"status": "failed", **{o.name: None for o in context.outcomes},
                    "error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()})
    row["wall_seconds"] = round(time.perf_counter() - began, 3)
    row["worker"] = f"{platform.node()}:{os.getpid()}"
    return row


# --- the folder -----------------------------------------------------------------------------------------------------
def write_table(folder: Path, spec: SweepSpec, rows: dict[int, dict], csv: bool) -> int:
    """runs.parquet (and runs.csv) from the journal's rows, one per run, sorted by run; returns the row count."""
    import pyarrow as pa
    import pyarrow.csv
    import pyarrow.parquet as pq

    fields = [pa.field(c, pa.int64()) for c in RUN_COLUMNS]
    fields += [pa.field(p.name, pa.int64() if p.whole else pa.float64()) for p in spec.parameters]
    fields += [pa.field("status", pa.string())]
    fields += [pa.field(o.name, pa.float64()) for o in spec.outcomes]
    fields += [pa.field("error", pa.string()), pa.field("traceback", pa.string())]
    schema = pa.schema(fields)
    ordered = [{c: rows[i].get(c) for c in schema.names} for i in sorted(rows)]
    table = pa.Table.from_pylist(ordered, schema=schema)
    pq.write_table(table, folder / (TABLE + ".tmp"))
    os.replace(folder / (TABLE + ".tmp"), folder / TABLE)
    if csv:
        pyarrow.csv.write_csv(table, folder / (CSV + ".tmp"))
        os.replace(folder / (CSV + ".tmp"), folder / CSV)
    return table.num_rows


def write_dictionary(folder: Path, spec: SweepSpec) -> None:
    import csv as csv_module

    source = f"simulated: passend {__version__}, scenario {spec.scenario.name}"
    rows = [
        ("run_id", "index", "the run: point * replicates + replicate", "sweep"),
        ("point", "index", f"the design point ({spec.design} design), in the order the design gives", "sweep"),
        ("replicate", "index", "the replicate seed's number; replicate r has the same seed at every point", "sweep"),
        ("seed", "integer", "the run's random seed (spawned from sweep.root_seed)", "sweep"),
        *((p.name, *p.describe()) for p in spec.parameters),
        ("status", "ok/failed", "whether the run finished; a failed run has empty outcomes", "sweep"),
        *((o.name, *o.describe(), source) for o in spec.outcomes),
        ("error", "text", "exception type and message of a failed run", "sweep"),
        ("traceback", "text", "traceback of a failed run", "sweep"),
    ]
    with open(folder / (DICTIONARY + ".tmp"), "w", newline="") as f:  # whole or not at all, as the table
        writer = csv_module.writer(f)
        writer.writerow(["column", "unit", "definition", "source"])
        writer.writerows(rows)
    os.replace(folder / (DICTIONARY + ".tmp"), folder / DICTIONARY)


def write_manifest(folder: Path, spec: SweepSpec, status: str, extra: dict) -> None:
    from passend.experiments.output import data_file_hashes, package_versions, source_revision

    manifest = {
        "kind": "sweep", "status": status, "spec_file": spec.path, "spec_hash": spec.hash(),
        "description": spec.description, "passend_version": __version__, "commit": source_revision(),
        "spec": spec.canonical(),
        "scenario": spec.scenario.to_dict(), "seeds": spec.seeds(),
        "runs_planned": len(spec.points()) * spec.replicates, "points": len(spec.points()),
        "table": TABLE, "journal": JOURNAL, "journal_identity": IDENTITY, "data_dictionary": DICTIONARY,
        "data_files": data_file_hashes(), "environment": package_versions(), **extra,
    }
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str))
    os.replace(tmp, folder / MANIFEST)


# --- the sweep ------------------------------------------------------------------------------------------------------
@dataclass
class SweepResult:
    folder: Path
    runs: int
    ok: int
    failed: int
    ran_now: int
    seconds: float
    backend: str


def run_sweep(spec: SweepSpec, folder: Path, n_jobs: int = 1, scheduler: str | None = None, resume: bool = False,
              csv: bool = False, progress: bool = True) -> SweepResult:
    """Run every task of ``spec`` not yet finished in ``folder`` on ``n_jobs`` local processes or a Dask
    ``scheduler`` (:class:`passend.experiments.runner.Executor`); see the module docstring."""
    tasks = spec.tasks()
    identity = {"command": "sweep", "spec": spec.canonical()}
    expected = [{"run_id": t.run_id, "point": t.point, "replicate": t.replicate, "seed": t.seed} for t in tasks]
    journal = None
    if resume:
        journal = Journal.resume(folder / JOURNAL, identity, ROWS, expected, "spec")
    elif folder.exists():
        raise ConfigError("--out", str(folder), "a folder that does not exist yet (or add --resume to continue the "
                                                "sweep in it)")
    done = {i for i, row in (journal.finished if journal else {}).items() if row.get("status") == "ok"}
    context = RunContext(spec.scenario, spec.settings, spec.parameters, spec.outcomes)
    todo = {t.run_id: (t, context) for t in tasks if t.run_id not in done}
    began, ran, failed, status, label = time.perf_counter(), 0, 0, "interrupted", ""
    try:
        with Executor(n_jobs, scheduler) as executor:  # a scheduler that cannot be reached stops us here
            label = executor.label
            journal = journal or Journal.start(folder / JOURNAL, identity, ROWS, expected)
            write_dictionary(folder, spec)
            write_manifest(folder, spec, "running", {"backend": label})
            for _, row in executor.run(execute_run, todo, "sweep" if progress else None, journal, len(done),
                                       failed=lambda row: row["status"] != "ok"):
                ran += 1
                failed += row["status"] != "ok"
        status = "complete"
    finally:
        if journal is not None:  # else the backend failed before anything was written, and stays so
            seconds = time.perf_counter() - began
            n_ok, n_failed = _close(folder, spec, journal.finished, status, csv, {
                "backend": label, "n_jobs": n_jobs, "runs_this_session": ran,
                "seconds_this_session": round(seconds, 1),
                "runs_per_minute_this_session": round(60 * ran / seconds, 2) if seconds > 0 else None,
            })
    return SweepResult(folder, len(tasks), n_ok, n_failed, ran, seconds, label)


def _close(folder: Path, spec: SweepSpec, rows: dict[int, dict], status: str, csv: bool,
           session: dict) -> tuple[int, int]:
    """The table and the final manifest from the journal's rows, after a sweep ended or was interrupted;
    (ok, failed)."""
    n_ok = sum(r["status"] == "ok" for r in rows.values())
    if rows:  # a runs.csv from an earlier session is kept up to date too, never left stale beside runs.parquet
        write_table(folder, spec, rows, csv or (folder / CSV).exists())
    if status == "complete" and n_ok < len(spec.tasks()):
        status = "complete with failures"
    write_manifest(folder, spec, status, {**session, "runs_ok": n_ok, "runs_failed": len(rows) - n_ok})
    return n_ok, len(rows) - n_ok
