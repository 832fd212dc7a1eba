"""Writing a run's results folder: tidy CSV files, a manifest, figures; and where a command's results go
(:func:`new_results_folder`).

The folder is written under a temporary name and renamed when complete, so a failed run leaves no half-written
results behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import dataclasses
import functools
import hashlib
import json
import os
import platform
import shutil
import tempfile
from contextlib import contextmanager
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from passend.model.recorder import RunOutput
from passend.engine import __version__
from passend.engine.behaviour import SPECS, Behaviour
from passend.engine.errors import ConfigError
from passend.engine.policy import PolicyTimeline
from passend.engine.regimes import rule_sets

if TYPE_CHECKING:
    from passend.experiments.scenarios import Scenario

SIMPLIFICATIONS = [
    "Regions: the 77 primary and 75 secondary alliance regions of passend onderwijs are used from 2003 on; the "
    "old-system regions (234 WSNS alliances, 84 secondary light-care alliances, 34 RECs) are not mapped "
    "geographically: WSNS alliances are nested three or four to a primary region. Why: the reform's equalisation is "
    "computed per new alliance, so the spread of special-school use must live on those regions from the start.",
    "Special schools: one provider agent stands for the (v)so schools of one cluster in one region (clusters 3 and 4 "
    "per region, cluster 2 per eight regions, cluster 1 per twenty), with one capacity for so and one for vso.",
    "so is primary age (4-11) and vso secondary age (12+); the published so counts before 2013 include some pupils "
    "aged 12-13.",
    "Municipalities: the 415 of 2012, no mergers.",
    "Time: monthly steps; 'over 4 weeks' at home is modelled as more than one month.",
    "Years in secondary school (4, 5 or 6) are drawn per pupil independent of the track (lwoo, pro, vso).",
    "Money: per-pupil amounts in nominal euro of the year; no indexation except the state's lowering of rugzak "
    "amounts as indications grow.",
    "Start: the 1 October 2003 state is built to match the published counts; who starts where is chosen by need, "
    "learning delay, parents' preference and the area's culture (the same drivers as the agents' decisions). The "
    "first school year (2003-2004) is simulated from October only.",
    "Passend onderwijs: an alliance's budget is the extra support its pupils cost on 1 October 2011 under the old "
    "amounts (rugzak of clusters 3/4, (v)so supplements by TLV category, sbo above 2%), per pupil; the light-support "
    "(WSNS) money stays a separate stream. Why: the published equalisation is about the heavy-support budget.",
    "Passend onderwijs: an alliance's mix of the school, expertise and pupil models is fixed for the whole run and "
    "acts through the school's reward for asking support, the support a regular place can give, and cooperation in "
    "finding a place; the money itself is booked as deductions, arrangements, reserves and the rest to schools.",
    "Youth care: only for children at home, as a number of places per pupil (regional until 2015, per municipality "
    "after), which carries part of the need a school taking the child faces.",
    "Absolute absence for causes outside education (moves, arrivals from abroad) enters as a documented rate of "
    "children who leave their school and are registered nowhere until their parents register them; families who "
    "leave the country unannounced are not modelled (they are not in the simulated population).",
    "Children at home: a school's and an alliance's decisions on them are weighed in euros a year of need left unmet "
    "(the school) or of the arrangement it pays (the alliance); the inspectorate is not modelled as a decider. The "
    "onderwijsconsulenten's start (2009) and caseload are assumptions, and a school that seeks a partner place or a "
    "consultant picks the most skilled of three schools of the area (schools' support profiles are not modelled).",
    "Pupil transport: the published 2012/13 share of sbo and (v)so pupils ask for it (about 73%); municipalities "
    "refuse some by their rules (an assumption in level and spread) and pay EUR 2,900 a year for each pupil they "
    "transport, in every year.",
]


RUN_TABLES = ("counts", "school_years", "months", "alliances")
"""The tables of a run's results folder, each a CSV (and with ``parquet``, a Parquet file beside it)."""


def write_run(folder: Path, output: RunOutput, scenario: str, policy: PolicyTimeline, behaviour: Behaviour,
              figures: bool = True, scenario_definition: "Scenario | None" = None, parquet: bool = False) -> Path:
    """Write the results of ``output`` to ``folder`` (which must not exist yet); ``parquet``: each table as Parquet
    too (see :func:`write_parquet`)."""
    partial = folder.with_name(folder.name + ".partial")
    _clear_stale(partial)
    partial.mkdir(parents=True)
    try:
        for table in RUN_TABLES:
            write_csv(partial / f"{table}.csv", getattr(output, table))
            if parquet:
                write_parquet(partial / f"{table}.parquet", getattr(output, table), scenario, output.settings)
        manifest = build_manifest(output, scenario, policy, behaviour)
        if scenario_definition is not None:
            manifest["scenario_definition"] = scenario_definition.to_dict()
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        if figures:
            from passend.experiments.figures import draw_run_figures

            draw_run_figures(partial)
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return folder


def build_manifest(output: RunOutput, scenario: str, policy: PolicyTimeline, behaviour: Behaviour) -> dict:
    return {
        "passend_version": __version__,
        "commit": source_revision(),
        "scenario": scenario,
        "settings": output.settings.to_dict(),
        "seed": output.settings.seed,
        "scale": output.settings.scale,
        "run_seconds": round(output.wall_seconds, 3),
        "pupil_months": output.pupil_months,
        "counts_are_national": "simulated numbers divided by the scale",
        "behaviour": {
            name: {"value": behaviour[name], "unit": SPECS[name].unit, "source": SPECS[name].source,
                   "calibrated": SPECS[name].calibrate}
            for name in behaviour
        },
        "policy_timeline": policy.to_dict(),
        "rule_sets": rule_sets_named(policy),
        "simplifications": SIMPLIFICATIONS,
        "data_files": data_file_hashes(),
        "environment": package_versions(),
    }


def rule_sets_named(policy: PolicyTimeline) -> dict[str, dict]:
    """The rule set of every regime the timeline puts in force (who judges, who pays), by name."""
    names = dict.fromkeys(value for _, value in policy["regime"].values)
    return {name: dataclasses.asdict(rule_sets()[name]) for name in names}


def package_versions() -> dict[str, str]:
    """Python, the versions of the packages results depend on, and the source's commit (:func:`source_revision`)."""
    packages = ("mesa", "numpy", "scipy", "matplotlib", "joblib", "SALib", "pyarrow", "dask", "distributed",
                "scikit-learn", "pyabc")
    return {"python": platform.python_version(), **{pkg: _version(pkg) for pkg in packages},
            "passend_commit": source_revision()}


@functools.cache
def source_revision() -> str:
    """The commit of the code that made a result: ``git rev-parse HEAD`` of the checkout passend runs from, with
    ``-dirty`` when its tracked files have changes; else (an installed package, or no git on this machine) the
    package's version as ``passend <version>``; never an error. Asked once per process."""
    import subprocess

    root = Path(__file__).resolve().parents[2]  # the checkout's root when passend runs from a source tree
    if (root / ".git").exists():
        try:
            git = dict(cwd=root, capture_output=True, text=True, timeout=10)
            head = subprocess.run(["git", "rev-parse", "HEAD"], **git)
            if head.returncode == 0 and head.stdout.strip():
                dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], **git)
                return head.stdout.strip() + ("-dirty" if dirty.returncode == 0 and dirty.stdout.strip() else "")
        except (OSError, subprocess.SubprocessError):  # no git, or it hung: the version says what it can
            pass
    return f"passend {__version__} (no git checkout)"


def data_file_hashes() -> dict[str, str]:
    """SHA-256 of each shipped data and legislation file, so results can be tied to the data they used."""
    root = resources.files("passend.engine")
    out = {}
    for folder in ("data", "data/published", "legislation", "legislation/regimes", "conditions"):
        for entry in sorted((root / folder).iterdir(), key=lambda e: e.name):
            if entry.is_file() and entry.name.endswith((".csv", ".toml")):
                out[f"{folder}/{entry.name}"] = hashlib.sha256(entry.read_bytes()).hexdigest()
    return out


def write_csv(path: Path, rows: list[dict]) -> None:
    """Rows as a CSV with a header. No rows, no file: a CSV without its header is not one another tool can load, so
    a caller that may have none decides what to write instead."""
    if not rows:
        raise ValueError(f"no rows to write to {path.name}; a results table always has at least one")
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _plain(v) for k, v in row.items()})


def write_parquet(path: Path, rows: list[dict], scenario: str, settings) -> None:
    """Rows as a Parquet file whose first columns name the run (``scenario``, ``seed``, ``scale``), so that the tables
    of a folder of many runs load as one: ``pandas.read_parquet(paths)``, ``polars.read_parquet("results/*/counts.parquet")``
    or DuckDB's ``read_parquet('results/*/counts.parquet')``. The columns after them are the CSV's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not rows:
        raise ValueError(f"no rows to write to {path.name}; a results table always has at least one")
    run = {"scenario": scenario, "seed": settings.seed, "scale": settings.scale}
    pq.write_table(pa.Table.from_pylist([run | {k: _plain(v) for k, v in row.items()} for row in rows]), path)


def _plain(value):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return round(value, 6)
    return value


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


# --- the results folder -------------------------------------------------------------------------------------------------
def default_folder(name: str) -> Path:
    """The folder a command writes when it is not told where: ``results/<name>-<date>-<time>``."""
    return Path("results") / f"{name}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def new_results_folder(out: Path | None, default_name: str, field: str = "--out") -> Path:
    """The results folder to create (``out``, else :func:`default_folder`): it must not exist yet, and its parent must
    be one this user can create and write in (tried now, so that a bad ``out`` fails before the work, not after it).
    Errors name ``field``."""
    if out is not None and not isinstance(out, (str, os.PathLike)):
        raise ConfigError(field, out, "the path of a folder to create (text or a pathlib.Path)")
    folder = Path(out) if out is not None else default_folder(default_name)
    check_new_path(folder, field, "folder")
    _check_writable(folder, field)
    return folder


LONGEST_SUFFIX = ".partial"
"""The longest ending a command adds to its results folder's name while it works (``.partial``; ``.runs``)."""


def check_new_path(path: Path, field: str, what: str = "folder") -> None:
    """A name to create that is free and can be created: nothing there yet (a link that points nowhere counts: a
    rename onto it fails after the work), and short enough for the file system with the ``.partial`` a command adds
    while it writes. ConfigError naming ``field`` otherwise."""
    if os.path.lexists(path):
        if path.is_symlink() and not path.exists():
            raise ConfigError(field, str(path), f"a {what} that does not exist yet (this is a link to "
                              f"{os.readlink(path)}, which does not exist; remove the link or choose another name)")
        raise ConfigError(field, str(path), f"a {what} that does not exist yet (results are never overwritten)")
    parent = path.absolute().parent
    try:
        limit = os.pathconf(parent if parent.exists() else "/", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    longest = limit - len(LONGEST_SUFFIX)
    if len(os.fsencode(path.name)) > longest:
        raise ConfigError(field, str(path), f"a {what} name of at most {longest} bytes (the file system allows "
                          f"{limit}, and {LONGEST_SUFFIX!r} is added while the results are written; this one has "
                          f"{len(os.fsencode(path.name))})")
    if len(os.fsencode(str(path.absolute()))) > 4000:
        raise ConfigError(field, str(path)[:60] + "...", f"a path of at most 4000 bytes")


def _check_writable(folder: Path, field: str) -> None:
    """Try to create ``folder``'s parent and a file in it; raise a ConfigError for ``field`` saying why not."""
    parent = folder.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".passend-", suffix=".probe"):  # short: any name fits
            pass
    except OSError as error:
        raise ConfigError(field, str(folder), f"a path whose folder can be created and written (writing in {parent} "
                          f"failed: {error.strerror or error})") from None


def _clear_stale(partial: Path) -> None:
    """Remove what a killed writer left under a ``.partial`` name: a folder, a file or a link (a link is removed, never
    followed)."""
    if partial.is_symlink() or partial.is_file():
        partial.unlink()
    elif partial.exists():
        shutil.rmtree(partial)


def write_file_whole(path: Path, data: bytes, overwrite: bool = True) -> None:
    """Write a file whole or not at all: into a temporary file beside it, synced, then renamed over it (or, with
    ``overwrite=False``, linked to its name, which fails if the name was taken meanwhile). A full disk leaves the old
    file (or none), never half of one."""
    part = path.with_name(f".{path.name[:200]}.{os.getpid()}.part")
    try:
        with open(part, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if overwrite:
            os.replace(part, path)
        else:
            os.link(part, path)  # FileExistsError if something took the name since the check
    finally:
        if part.exists():
            part.unlink()


@contextmanager
def written_whole(folder: Path) -> Iterator[Path]:
    """Write a results folder whole or not at all: files go into ``<folder>.partial`` (yielded), renamed to ``folder``
    at the end; if the writing fails or is interrupted, the partial folder goes (and a command's kept runs stay)."""
    partial = folder.with_name(folder.name + ".partial")
    _clear_stale(partial)  # left by a writer killed outright: never part of a result
    partial.mkdir(parents=True)
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(folder)
