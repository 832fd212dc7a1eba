"""Scalar outcomes of a run, for sweep tables and sensitivity analysis.

An outcome is written ``COLUMN@YEAR`` or ``COLUMN@FIRST-LAST``:

- a column of the 1 October counts (``so``, ``rugzak``, ...): YEAR is the count's year; over a range, the mean;
- a column of the school years (``inflow_sbo``, ``pay_state_eur``, ...): YEAR is the year the school year starts
  in (2014 = 2014/15); over a range, the sum.

In a table the outcome is a column named ``COLUMN_YEAR`` or ``COLUMN_FIRST_LAST``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from passend.experiments.dictionary import COUNT_COLUMNS, SCHOOL_YEAR_COLUMNS
from passend.model.recorder import RunOutput
from passend.engine.errors import ConfigError
from passend.engine.settings import RunSettings

PATTERN = re.compile(r"^(?P<column>[a-z0-9_]+)@(?P<first>\d{4})(?:-(?P<last>\d{4}))?$")
ALLOWED = "COLUMN@YEAR or COLUMN@FIRST-LAST with a column of the counts or school years (see the data dictionary)"


@dataclass(frozen=True)
class Outcome:
    column: str
    first: int
    last: int

    @property
    def is_count(self) -> bool:
        return self.column in COUNT_COLUMNS

    @property
    def name(self) -> str:
        years = f"{self.first}" if self.first == self.last else f"{self.first}_{self.last}"
        return f"{self.column}_{years}"

    @property
    def text(self) -> str:
        return f"{self.column}@{self.first}" + ("" if self.first == self.last else f"-{self.last}")

    def describe(self) -> tuple[str, str]:
        """(unit, definition) for a data dictionary."""
        unit, definition = (COUNT_COLUMNS if self.is_count else SCHOOL_YEAR_COLUMNS)[self.column]
        if self.is_count:
            when = f"1 October {self.first}" if self.first == self.last else f"mean of 1 October {self.first}-{self.last}"
        else:
            years = f"{self.first}/{self.first + 1}"
            when = years if self.first == self.last else f"sum of school years {years} to {self.last}/{self.last + 1}"
        return unit, f"{definition}; {when}"

    def value(self, run: RunOutput) -> float:
        if self.is_count:
            values = [r[self.column] for r in run.counts if self.first <= int(r["date"][:4]) <= self.last]
            return float(sum(values)) / len(values)
        return float(sum(r[self.column] for r in run.school_years if self.first <= int(r["school_year"][:4]) <= self.last))


def parse_outcome(text: object, settings: RunSettings, field: str = "outcomes", where: str | None = None) -> Outcome:
    """An outcome the run with ``settings`` can deliver; ConfigError naming ``field`` otherwise."""
    match = PATTERN.match(text) if isinstance(text, str) else None
    if not match:
        raise ConfigError(field, text, ALLOWED, where)
    column, first = match["column"], int(match["first"])
    last = int(match["last"] or first)
    if column not in COUNT_COLUMNS and column not in SCHOOL_YEAR_COLUMNS:
        raise ConfigError(field, text, ALLOWED, where)
    outcome = Outcome(column, first, last)
    first_year, last_year = covered_years(settings, outcome.is_count)
    if not first_year <= first <= last <= last_year:
        kind = "1 October counts" if outcome.is_count else "complete school years (by the year they start)"
        raise ConfigError(field, text, f"years {first_year} to {last_year}, the {kind} the run's period covers", where)
    return outcome


def covered_years(settings: RunSettings, counts: bool) -> tuple[int, int]:
    """First and last year of the counts (or complete school years) inside the run's reported period."""
    if counts:
        first = settings.start.year + (settings.start > dt.date(settings.start.year, 10, 1))
        last = settings.end.year - (settings.end < dt.date(settings.end.year, 10, 1))
        return first, last
    first = settings.start.year if settings.start.month >= 8 else settings.start.year - 1
    last = settings.end.year - 1 if settings.end >= dt.date(settings.end.year, 7, 31) else settings.end.year - 2
    return first, last


def default_outcomes(settings: RunSettings) -> list[Outcome]:
    """The last count's pupils per setting, and flows and spending summed over every complete school year."""
    _, last_count = covered_years(settings, True)
    first_year, last_year = covered_years(settings, False)
    counts = [Outcome(c, last_count, last_count) for c in ("sbo", "so", "vso", "lwoo", "pro", "rugzak", "home")]
    flows = [Outcome(c, first_year, last_year) for c in
             ("inflow_sbo", "inflow_so", "inflow_vso", "long_relative_absence", "pay_state_eur")]
    return counts + (flows if first_year <= last_year else [])
