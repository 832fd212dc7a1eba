"""The regression baseline: key outputs of one small fixed run, stored in the repository and compared by a test.

Why: a change that should not move the numbers (a refactoring, a faster phase) must be shown not to, and a change
that should (a bug fix, a new mechanism) must say which series moved, from when and by how much. The stored file is
tidy CSV (``table, key, series, value``) so that its diff in a pull request reads as a list of changed numbers.

    passend baseline            compare a fresh run with the stored baseline, print what moved (exit 1 if anything)
    passend baseline --update   the same, then store the fresh run as the new baseline

The run: the default scenario, seed 1, scale 0.02, 1 October 2003 to 31 July 2018 (through the reform, equalisation
and lwoo/pro joining the alliances), a few seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from passend.engine.ledger import PAYERS
from passend.engine.settings import RunSettings
from passend.model.recorder import FLOW_NAMES

BASELINE_SETTINGS = RunSettings(seed=1, scale=0.02, end=dt.date(2018, 7, 31))
SOURCE_CHECKOUT = Path(__file__).resolve().parents[2]
BASELINE_FILE = SOURCE_CHECKOUT / "tests" / "baseline" / "regression_baseline.csv"
"""In the source tree (a developer's tool): tests/baseline/regression_baseline.csv."""


def in_source_checkout() -> bool:
    """Whether passend runs from a source checkout (with its tests), where the regression baseline lives; an installed
    wheel has none, and ``--update`` must not write a ``tests`` folder into site-packages."""
    return (SOURCE_CHECKOUT / "pyproject.toml").is_file() and (SOURCE_CHECKOUT / "tests").is_dir()

SCHOOL_YEAR_SERIES = (*FLOW_NAMES, "long_relative_absence", "home_over_3_months", "exempt_5a", "absolute_absence",
                      "spend_state_total_eur", "transport_eur", *(f"pay_{payer}_eur" for payer in PAYERS))
ALLIANCE_SERIES = ("sbo_share", "so_share", "vso_share", "indication_share", "reserves_eur")
RELATIVE_TOLERANCE = 1e-9
"""Floating-point noise only: the run is deterministic, so any real change is far larger."""

Key = tuple[str, str, str]  # (table, key, series)


def key_outputs(output) -> dict[Key, float]:
    """The baseline's numbers from a run: every 1-October count, the school-year flows and money per payer, and each
    alliance's special-school shares and reserves."""
    values: dict[Key, float] = {}
    for row in output.counts:
        values.update({("counts", row["date"], k): float(v) for k, v in row.items() if k != "date"})
    for row in output.school_years:
        values.update({("school_years", row["school_year"], k): float(row.get(k, 0.0)) for k in SCHOOL_YEAR_SERIES})
    for row in output.alliances:
        values.update({("alliances", f"{row['date']} {row['alliance']}", k): float(row[k]) for k in ALLIANCE_SERIES})
    return values


def simulate_baseline() -> dict[Key, float]:
    from passend.experiments.one_run import simulate_rows

    return key_outputs(simulate_rows(BASELINE_SETTINGS))


def read_baseline(path: Path = BASELINE_FILE) -> dict[Key, float]:
    with path.open(newline="") as f:
        return {(r["table"], r["key"], r["series"]): float(r["value"]) for r in csv.DictReader(f)}


def write_baseline(values: dict[Key, float], path: Path = BASELINE_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["table", "key", "series", "value"])
        for (table, key, series), value in values.items():
            writer.writerow([table, key, series, f"{value:.12g}"])  # 12 digits: far below the tolerance
    partial.replace(path)


@dataclass
class Moved:
    """One series that differs from the baseline."""

    table: str
    series: str
    first_key: str
    n_changed: int
    largest_change: float
    largest_relative: float
    at_key: str


def differences(stored: dict[Key, float], fresh: dict[Key, float]) -> tuple[list[Moved], list[Key], list[Key]]:
    """Series that moved (first key that differs, how many values, the largest change), and the keys only one side
    has (missing from the fresh run, new in it)."""
    changed: dict[tuple[str, str], list[tuple[str, float, float]]] = defaultdict(list)
    for k in stored.keys() & fresh.keys():
        a, b = stored[k], fresh[k]
        if not math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9):
            changed[(k[0], k[2])].append((k[1], a, b))
    moved = []
    for (table, series), items in changed.items():
        items.sort()
        at = max(items, key=lambda i: abs(i[2] - i[1]))
        relative = [abs(b - a) / abs(a) for _, a, b in items if a != 0]
        moved.append(Moved(table, series, items[0][0], len(items), at[2] - at[1], max(relative, default=math.inf), at[0]))
    moved.sort(key=lambda m: (m.first_key, m.table, m.series))
    return moved, sorted(stored.keys() - fresh.keys()), sorted(fresh.keys() - stored.keys())


def report(moved: list[Moved], missing: list[Key], new: list[Key], n_values: int) -> str:
    if not (moved or missing or new):
        return f"baseline: all {n_values} values as stored (relative tolerance {RELATIVE_TOLERANCE:g})"
    lines = [f"baseline: {len(moved)} series moved, {len(missing)} values missing, {len(new)} new "
             f"(of {n_values} stored); first change per series:"]
    lines.append(f"  {'table':13s} {'series':28s} {'from':24s} {'values':>6s} {'largest change':>16s} {'rel.':>8s}  at")
    for m in moved:
        lines.append(f"  {m.table:13s} {m.series:28s} {m.first_key:24s} {m.n_changed:6d} {m.largest_change:16.6g} "
                     f"{m.largest_relative:8.2%}  {m.at_key}")
    for label, keys in (("missing", missing), ("new", new)):
        for k in keys[:20]:
            lines.append(f"  {label}: {' / '.join(k)}")
        if len(keys) > 20:
            lines.append(f"  ... and {len(keys) - 20} more {label}")
    return "\n".join(lines)
