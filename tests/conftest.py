"""Shared fixtures: small runs built once per session (scale 0.01 is ~26,000 pupils)."""

from __future__ import annotations

import datetime as dt

import pytest

from passend.experiments.one_run import simulate_rows
from passend.engine.settings import RunSettings

SMALL = 0.01


@pytest.fixture(scope="session")
def small_run():
    """The default scenario, 2003-2025 (the reform from August 2014), one seed, 1% scale."""
    return simulate_rows(RunSettings(seed=7, scale=SMALL))


@pytest.fixture(scope="session")
def short_settings():
    return RunSettings(seed=3, scale=SMALL, end=dt.date(2006, 7, 31))


@pytest.fixture
def few_targets(monkeypatch):
    """History matching on six of the calibration targets (emulating all 127 takes minutes), fitted in this
    process."""
    from passend.experiments import history_match as hm

    every = hm.targets_matching

    def six():
        targets, matching = every()
        return targets[:6], hm.Matching(matching.observed[:6], matching.other_var[:6])

    monkeypatch.setattr(hm, "targets_matching", six)
    monkeypatch.setattr(hm, "EMULATOR_JOBS", 1)
    return six
