"""Demography as an input: cohorts entering primary school and their years in secondary.

Entering cohort in school year Y = live births in Y-4 (CBS, ``data/demography.csv``) times a migration uplift fitted
so that the 1 October 2003 primary population matches the published total. Years in secondary school (4, 5 or 6:
vmbo, havo, vwo) are drawn per pupil with shares fitted so that the 2003 secondary population matches too.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

import numpy as np
from scipy.stats import norm

from passend.engine.population import PRIMARY_GRADES

START_YEAR = 2003
SECONDARY_YEARS = np.array([4, 5, 6])
SIXTH_YEAR_SHARE = 0.20
"""Share of pupils in a sixth secondary year (vwo); assumption, the 2003 total fixes the fifth-year share given it."""


@lru_cache(maxsize=None)
def births() -> dict[int, int]:
    text = (resources.files("passend.engine") / "data" / "demography.csv").read_text()
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {int(r["year"]): int(r["births"]) for r in rows}


@lru_cache(maxsize=None)
def published_2003() -> dict[str, float]:
    """The 1 October 2003 counts (x 1,000 in the source; returned in pupils)."""
    text = (resources.files("passend.engine") / "data" / "published" / "pupil_counts_2003_2009.csv").read_text()
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    first = next(r for r in rows if r["year"] == "2003")
    return {k: float(v) * 1000 for k, v in first.items() if k != "year"}


def cohort_births(cohort: int) -> int:
    """Births of the cohort that turns 4 in ``cohort``."""
    table = births()
    year = cohort - 4
    if year not in table:
        raise ValueError(f"no births for {year} in demography.csv (needed for the cohort entering in {cohort})")
    return table[year]


@lru_cache(maxsize=None)
def migration_uplift() -> float:
    """Ratio of the 2003 primary population to the births of its cohorts."""
    counts = published_2003()
    primary = counts["bao"] + counts["sbao"] + counts["so"]
    cohorts = [START_YEAR - g for g in range(PRIMARY_GRADES)]
    return primary / sum(cohort_births(c) for c in cohorts)


@lru_cache(maxsize=None)
def secondary_year_shares() -> np.ndarray:
    """Shares of pupils with 4, 5 and 6 secondary years, matching the 2003 secondary population."""
    counts = published_2003()
    secondary = counts["vo_regular"] + counts["lwoo_pro"] + counts["vso"]
    uplift = migration_uplift()
    size = {g: cohort_births(START_YEAR - g) * uplift for g in range(PRIMARY_GRADES, PRIMARY_GRADES + 6)}
    four_years = sum(size[PRIMARY_GRADES + k] for k in range(4))
    sixth = size[PRIMARY_GRADES + 5] * SIXTH_YEAR_SHARE
    fifth_or_more = (secondary - four_years - sixth) / size[PRIMARY_GRADES + 4]
    if not SIXTH_YEAR_SHARE <= fifth_or_more <= 1:
        raise ValueError(f"demography does not fit the 2003 secondary total (fifth-year share {fifth_or_more:.2f})")
    return np.array([1 - fifth_or_more, fifth_or_more - SIXTH_YEAR_SHARE, SIXTH_YEAR_SHARE])


def entering_cohort_size(cohort: int, scale: float) -> float:
    """Expected number of simulated pupils entering primary school in ``cohort`` at ``scale``."""
    return cohort_births(cohort) * migration_uplift() * scale


def complex_needs_shift(index: float, base_share: float, need_sd: float) -> float:
    """How far every child's need lies above its level of 2015 when the number of children with complex problems is
    ``index`` (2015 = 100) of what it was: the shift of the normal scale of need that puts ``base_share`` x index / 100
    of the children above the need that ``base_share`` of them exceeded in 2015 (the youth-care level; an outside
    condition, ``conditions/outside.toml``). A shift keeps the spread of needs as it is and moves all of it."""
    share = min(base_share * index / 100.0, 0.999)
    return float(need_sd * (norm.isf(base_share) - norm.isf(share)))
