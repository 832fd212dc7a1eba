"""The policy timeline: legislation, and the conditions outside the system, as dated, cited values.

Each parameter lives in a TOML file under ``engine/legislation/`` or ``engine/conditions/`` (see the READMEs
there). A value takes effect on its date and holds until the next one. Reforms change a copy of the timeline
(:meth:`PolicyTimeline.with_values`), so the baseline is never modified in place.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from collections.abc import Mapping
from typing import Any

from passend.engine.errors import ConfigError
from passend.engine.regimes import rule_sets
from passend.engine.settings import LAST_END


@dataclass(frozen=True)
class DatedParameter:
    """One rule or amount and its values over time.

    Attributes:
        name: the key used in code and in the manifest.
        description: one sentence.
        unit: unit of the values.
        reference: source key(s) or 'assumption: ...'.
        values: (date, value) pairs sorted by date.
        bounds: what a number (or each number of a list) may be.
        allowed: the names a text value may take (empty: not a text parameter).
        any_length: a list value may have any length (a set of clusters), not only that of the law's own lists.
    """

    name: str
    description: str
    unit: str
    reference: str
    values: tuple[tuple[dt.date, Any], ...]
    bounds: tuple[float, float] = (0.0, math.inf)
    allowed: tuple[str, ...] = ()
    any_length: bool = False

    def check(self, value: Any, where: str | None = None) -> Any:
        """``value`` if a reform may give it to this parameter: of the kind the law uses, within bounds or allowed."""
        field, first = f"policy.{self.name}", self.values[0][1]
        lo, hi = self.bounds
        if isinstance(first, bool):
            if not isinstance(value, bool):
                raise ConfigError(field, value, "true or false", where)
        elif isinstance(first, str):
            if value not in self.allowed:
                raise ConfigError(field, value, "one of: " + ", ".join(self.allowed), where)
        elif isinstance(first, list):
            allowed = f"a list of {'numbers' if self.any_length else f'{len(first)} numbers'} in [{lo}, {hi}] ({self.unit})"
            length_ok = isinstance(value, list) and (self.any_length or len(value) == len(first))
            if not length_ok or not all(_number_within(v, lo, hi) for v in value):
                raise ConfigError(field, value, allowed, where)
        else:
            whole = isinstance(first, int)
            if not _number_within(value, lo, hi) or (whole and float(value) != int(value)):
                raise ConfigError(field, value, f"a {'whole ' if whole else ''}number in [{lo}, {hi}] ({self.unit})", where)
            return int(value) if whole else float(value)
        return value

    def at(self, when: dt.date) -> Any:
        """Value in force on ``when``; raises if ``when`` lies before the first date."""
        current = None
        for start, value in self.values:
            if start <= when:
                current = (start, value)
            else:
                break
        if current is None:
            raise ConfigError(self.name, when.isoformat(), f"dates from {self.values[0][0].isoformat()} on")
        return current[1]


class Law(Mapping):
    """The legislation in force on one day: ``law["sbo_eur"]``. What a decision is handed instead of the timeline, so
    that a test can hand it a plain dict of the few values it reads."""

    def __init__(self, timeline: "PolicyTimeline", when: dt.date):
        self._timeline, self.when = timeline, when
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        value = self._values.get(name, _MISSING)
        if value is _MISSING:
            value = self._values[name] = self._timeline.at(name, self.when)
        return value

    def __iter__(self):
        return iter(self._timeline.names)

    def __len__(self) -> int:
        return len(self._timeline.names)


_MISSING = object()


TIMELINE_FOLDERS = ("legislation", "conditions")
"""The folders of ``passend.engine`` whose dated parameters make the timeline: the law, and the conditions outside the
system that no actor sets (the teacher labour market, children's complex problems; ``conditions/README.md``). One
timeline, so that a reform or scenario overlays a condition as it overlays a rule."""


class PolicyTimeline:
    """All legislation parameters and outside conditions, keyed by name."""

    def __init__(self, parameters: dict[str, DatedParameter]):
        self._parameters = dict(parameters)

    @classmethod
    def baseline(cls) -> "PolicyTimeline":
        """The law as it was, read from the package's ``legislation`` folder."""
        parameters: dict[str, DatedParameter] = {}
        for kind in TIMELINE_FOLDERS:
            folder = resources.files("passend.engine") / kind
            for entry in sorted(folder.iterdir(), key=lambda e: e.name):
                if not entry.name.endswith(".toml"):
                    continue
                for name, table in tomllib.loads(entry.read_text()).items():
                    if name in parameters:
                        raise ValueError(f"timeline parameter {name!r} is defined twice ({kind}/{entry.name})")
                    parameters[name] = _parse_parameter(name, table, f"{kind}/{entry.name}")
        # the regimes that exist are the rule sets in legislation/regimes/: one list, not two to keep in step
        parameters["regime"] = dataclasses.replace(parameters["regime"], allowed=tuple(rule_sets()))
        for when, value in parameters["regime"].values:
            parameters["regime"].check(value, f"legislation/regime.toml ({when})")
        return cls(parameters)

    def __getitem__(self, name: str) -> DatedParameter:
        return self._parameters[name]

    def __contains__(self, name: str) -> bool:
        return name in self._parameters

    @property
    def names(self) -> list[str]:
        return sorted(self._parameters)

    def at(self, name: str, when: dt.date) -> Any:
        """Value of parameter ``name`` in force on ``when``."""
        if name not in self._parameters:
            raise ConfigError("policy parameter", name, ", ".join(self.names))
        return self._parameters[name].at(when)

    def in_force(self, when: dt.date) -> Law:
        """The law on ``when``."""
        return Law(self, when)

    def with_values(self, name: str, values: dict[dt.date, Any], where: str | None = None) -> "PolicyTimeline":
        """A copy in which ``name`` takes the given values from their dates (a reform overlay).

        Values dated before the first new date are kept; the new dates replace everything from there on. Each value
        is checked against the parameter's kind and bounds, each date against the simulated period; ``where`` names
        the file they came from in the error.
        """
        if name not in self._parameters:
            raise ConfigError("policy parameter", name, "one of: " + ", ".join(self.names), where)
        if not values:
            raise ConfigError(f"policy.{name}", values, "at least one date with a value", where)
        old = self._parameters[name]
        first_date = old.values[0][0]
        for when, value in values.items():
            if not first_date <= when <= LAST_END:
                raise ConfigError(f"policy.{name}", when.isoformat(),
                                  f"a date from {first_date.isoformat()} to {LAST_END.isoformat()}", where)
        checked = {when: old.check(value, where) for when, value in values.items()}
        first_new = min(checked)
        kept = [(d, v) for d, v in old.values if d < first_new]
        clone = copy.copy(self._parameters)
        clone[name] = dataclasses.replace(old, values=tuple(sorted(kept + list(checked.items()))))
        return PolicyTimeline(clone)

    def first_difference(self, other: "PolicyTimeline") -> dt.date | None:
        """The first date on which ``other`` sets a value different from this timeline (None: the same law)."""
        dates = [
            when
            for name in self.names
            for when in sorted({d for d, _ in self[name].values} | {d for d, _ in other[name].values})
            if self.at(name, when) != other.at(name, when)
        ]
        return min(dates, default=None)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the manifest: every parameter with its dated values and reference."""
        return {
            name: {
                "description": p.description,
                "unit": p.unit,
                "reference": p.reference,
                "values": {d.isoformat(): _jsonable(v) for d, v in p.values},
            }
            for name, p in sorted(self._parameters.items())
        }


UNSTATED_BOUND_FACTOR = 100
"""A number parameter whose file states no bounds may take values from 0 to this many times the largest value the law
itself sets: a reform may scale a rule far beyond anything enacted, but not to an amount no budget could hold (a value
of 1e15 EUR gave reports of trillions, 1e308 an overflow)."""


def _default_bounds(name: str, values: list, filename: str) -> tuple[float, float]:
    numbers = [n for _, v in values if not isinstance(v, (bool, str))
               for n in (v if isinstance(v, list) else [v])]
    if not numbers:
        return (0.0, math.inf)  # a text or true/false parameter: its values are checked by kind, not bounds
    top = max(numbers)
    if not 0 < top < math.inf:
        raise ValueError(f"{filename}: {name} needs explicit bounds (its largest value is {top}, so "
                         f"{UNSTATED_BOUND_FACTOR} times it bounds nothing)")
    return (0.0, float(UNSTATED_BOUND_FACTOR * top))


def _parse_parameter(name: str, table: dict, filename: str) -> DatedParameter:
    missing = {"description", "unit", "reference", "values"} - set(table)
    if missing:
        raise ValueError(f"{filename}: parameter {name!r} lacks {sorted(missing)}")
    values = []
    for key, value in table["values"].items():
        try:
            when = dt.date.fromisoformat(key)
        except ValueError as exc:
            raise ValueError(f"{filename}: {name}.values has {key!r}, not an ISO date") from exc
        values.append((when, value))
    return DatedParameter(name, table["description"], table["unit"], table["reference"], tuple(sorted(values)),
                          bounds=tuple(table.get("bounds") or _default_bounds(name, values, filename)),
                          allowed=tuple(table.get("allowed", ())),
                          any_length=bool(table.get("any_length", False)))


def _number_within(value: Any, lo: float, hi: float) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and lo <= value <= hi


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return value
