"""Named scenarios: a policy timeline (the law, possibly reformed) plus behaviour changes.

A scenario is a small function over a copy of the baseline; the baseline is the identity. Issue 4 grows this into a
registry of reforms read from TOML files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from passend.model.behaviour import Behaviour
from passend.model.errors import ConfigError
from passend.model.policy import PolicyTimeline


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    build: Callable[[PolicyTimeline, Behaviour], tuple[PolicyTimeline, Behaviour]]


def _baseline(policy: PolicyTimeline, behaviour: Behaviour) -> tuple[PolicyTimeline, Behaviour]:
    return policy, behaviour


def _capped_heavy_care(policy: PolicyTimeline, behaviour: Behaviour) -> tuple[PolicyTimeline, Behaviour]:
    # The rugzak budget of 2003 (~11,000 pupils x ~24,000 EUR) held fixed: the open-ended rule replaced by a ceiling.
    return policy.with_values("heavy_care_budget_cap_eur", {dt.date(2003, 8, 1): 265_000_000.0}), behaviour


def _no_reform(policy: PolicyTimeline, behaviour: Behaviour) -> tuple[PolicyTimeline, Behaviour]:
    # Pupil-bound funding carries on after 1 August 2014: the baseline against which the reform is measured.
    return policy.with_values("regime", {dt.date(2014, 8, 1): "pupil_bound"}), behaviour


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("default", "the law as it was: pupil-bound funding (rugzak) to July 2014, then passend onderwijs", _baseline),
        Scenario("no_reform", "pupil-bound funding (rugzak, national indication) carries on after July 2014", _no_reform),
        Scenario(
            "capped_heavy_care",
            "as default, but the national rugzak budget is capped at its 2003 size (EUR 265 M a year)",
            _capped_heavy_care,
        ),
    )
}


def get_scenario(name: str) -> Scenario:
    if name not in SCENARIOS:
        raise ConfigError("--scenario", name, "one of: " + ", ".join(SCENARIOS))
    return SCENARIOS[name]


def build_scenario(name: str) -> tuple[PolicyTimeline, Behaviour]:
    return get_scenario(name).build(PolicyTimeline.baseline(), Behaviour())
