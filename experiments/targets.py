"""Published series as calibration and validation targets (never inputs to a run).

Each :class:`Target` names a simulated quantity, the published value, where it is published, and the tolerance the
project holds itself to (issue 2). :func:`compare` lines simulated results up against them.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable, Sequence

import numpy as np

CALIBRATION_LAST_YEAR = 2013
"""Calibration uses count dates and school years up to 2013 only; later years are out of sample."""


@dataclass(frozen=True)
class Target:
    """One published number the model should reproduce.

    Attributes:
        name: e.g. 'sbo 2005'.
        year: count year (1 October) or first year of the school year.
        published: the published value.
        tolerance: allowed relative error (0.07 = 7%).
        source: file and column.
        simulate: function of (counts rows by year, school-year rows by first year) -> simulated value.
    """

    name: str
    year: int
    published: float
    tolerance: float
    source: str
    simulate: Callable[[dict, dict], float]


def _published_file(name: str) -> list[dict]:
    text = (resources.files("passend.model") / "data" / "published" / name).read_text()
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


@lru_cache(maxsize=None)
def labelling() -> dict:
    return tomllib.loads((resources.files("passend.model") / "data" / "published" / "labelling_old_system.toml").read_text())


def _count(column: str | tuple[str, ...], year: int) -> Callable[[dict, dict], float]:
    columns = (column,) if isinstance(column, str) else column
    return lambda counts, years: float(sum(counts[year][c] for c in columns))


def _school_year(column: str, year: int) -> Callable[[dict, dict], float]:
    return lambda counts, years: float(years[year][column])


def _ratio(column: str, later: int, earlier: int) -> Callable[[dict, dict], float]:
    return lambda counts, years: float(counts[later][column]) / max(float(counts[earlier][column]), 1.0)


def _light_care(year: int) -> Callable[[dict, dict], float]:
    return lambda counts, years: float(counts[year]["sbo"] + counts[year]["lwoo"] + counts[year]["pro"])


def _later_counts(keep: Callable[[int], bool]) -> list[Target]:
    """Counts of the 2011-2014 table for the years ``keep`` accepts. Its so/vso split moved (so pupils aged 14+
    counted as vso in 2011-2012), so so and vso are one target; pupils in judicial institutions (*_jji) are left out,
    as the model has none. A looser tolerance than the issue's 7% promise for 2003-2009."""
    targets = []
    src = "pupil_counts_2011_2014.csv"
    for row in _published_file(src):
        year = int(row["date"][:4])
        if not keep(year):
            continue
        special = sum(float(row[f"{s}_{c}"]) for s in ("so", "vso") for c in ("cl1", "cl2", "cl34"))
        for name, column, published in (
            ("sbo", "sbo", float(row["sbo"])),
            ("so+vso", ("so", "vso"), special),
            ("lwoo+pro", ("lwoo", "pro"), float(row["lwoo"]) + float(row["pro"])),
        ):
            targets.append(Target(f"{name} {year}", year, published, 0.10, src, _count(column, year)))
    return targets


def out_of_sample_checks() -> tuple[Target, ...]:
    """Published figures the calibration never saw: the 1 October 2014 count, the first under passend onderwijs."""
    checks = _later_counts(lambda year: year > CALIBRATION_LAST_YEAR)
    for row in _published_file("pupil_counts_2011_2014.csv"):  # from 2013 the so/vso split is clean again
        year = int(row["date"][:4])
        if year > CALIBRATION_LAST_YEAR:
            for name in ("so", "vso"):
                published = sum(float(row[f"{name}_{c}"]) for c in ("cl1", "cl2", "cl34"))
                checks.append(Target(f"{name} {year}", year, published, 0.10, "pupil_counts_2011_2014.csv", _count(name, year)))
    return tuple(checks)


@lru_cache(maxsize=None)
def calibration_targets() -> tuple[Target, ...]:
    """The issue's acceptance figures for 2003-2009, and the published counts, rugzak and absence up to 2013."""
    targets: list[Target] = []
    for row in _published_file("pupil_counts_2003_2009.csv"):
        year = int(row["year"])
        src = "pupil_counts_2003_2009.csv"
        for name, column, published in (
            ("sbo", "sbo", row["sbao"]),
            ("so", "so", row["so"]),
            ("vso", "vso", row["vso"]),
            ("lwoo+pro", ("lwoo", "pro"), row["lwoo_pro"]),
        ):
            targets.append(Target(f"{name} {year}", year, float(published) * 1000, 0.07, src, _count(column, year)))
    targets += _later_counts(lambda year: year <= CALIBRATION_LAST_YEAR)
    targets.append(Target("rugzak 2003", 2003, 11000, 0.15, "system_facts.toml rugzak_pupils_2003", _count("rugzak", 2003)))
    targets.append(Target("rugzak 2010", 2010, 39000, 0.15, "system_facts.toml rugzak_pupils_2010", _count("rugzak", 2010)))
    lab = labelling()["labels"]
    targets.append(Target(
        "indications growth 2003-2009", 2009, lab["heavy_indications_2009"] / lab["heavy_indications_2003"], 0.10,
        "labelling_old_system.toml heavy_indications_2003/2009", _ratio("indications", 2009, 2003),
    ))
    targets.append(Target(
        "light care 2009/2003", 2009, lab["light_care_2009"] / lab["light_care_2003"], 0.07,
        "labelling_old_system.toml light_care_2003/2009", lambda c, y: _light_care(2009)(c, y) / _light_care(2003)(c, y),
    ))
    for row in _published_file("attendance_2004_2014.csv"):
        year = int(row["school_year"][:4])
        if row["long_relative_absence"] and year <= CALIBRATION_LAST_YEAR:
            targets.append(Target(
                f"long relative absence {row['school_year']}", year, float(row["long_relative_absence"]), 0.25,
                "attendance_2004_2014.csv long_relative_absence", _school_year("long_relative_absence", year),
            ))
    return tuple(targets)


def index_results(counts: Sequence[dict], school_years: Sequence[dict]) -> tuple[dict, dict]:
    """Rows keyed by year: counts by the year of their 1 October date, school years by their first year."""
    by_count = {int(str(r["date"])[:4]): r for r in counts}
    by_year = {int(str(r["school_year"])[:4]): r for r in school_years}
    return by_count, by_year


def mean_results(runs: Sequence[tuple[Sequence[dict], Sequence[dict]]]) -> tuple[dict, dict]:
    """Mean over runs (seeds) of every numeric column, keyed by year."""
    indexed = [index_results(c, y) for c, y in runs]

    def average(tables: list[dict]) -> dict:
        years = set.intersection(*(set(t) for t in tables))
        out = {}
        for year in years:
            rows = [t[year] for t in tables]
            out[year] = {k: (np.mean([float(r[k]) for r in rows]) if not isinstance(rows[0][k], str) else rows[0][k]) for k in rows[0]}
        return out

    return average([c for c, _ in indexed]), average([y for _, y in indexed])


def compare(counts: dict, years: dict, targets: Sequence[Target] | None = None) -> list[dict]:
    """One row per target: published, simulated, relative error, within tolerance."""
    rows = []
    for t in targets or calibration_targets():
        try:
            simulated = t.simulate(counts, years)
        except KeyError:
            continue  # the run did not cover that year
        error = simulated / t.published - 1.0
        rows.append({
            "target": t.name, "year": t.year, "published": t.published, "simulated": simulated,
            "relative_error": error, "tolerance": t.tolerance, "within": abs(error) <= t.tolerance, "source": t.source,
        })
    return rows


def bands_over_seeds(runs_counts: Sequence[Sequence[dict]]) -> list[dict]:
    """Per count date and column: mean, minimum and maximum over the runs (seeds), as tidy rows."""
    rows = []
    for date_rows in zip(*runs_counts):
        for column in date_rows[0]:
            if column == "date":
                continue
            values = np.array([float(r[column]) for r in date_rows])
            rows.append({"date": date_rows[0]["date"], "column": column, "mean": values.mean(),
                         "min": values.min(), "max": values.max(), "seeds": len(values)})
    return rows
