"""The policy timeline: legislation as dated, cited values.

Each parameter lives in a TOML file under ``model/legislation/`` (see the README there). A value takes effect on
its date and holds until the next one. Reforms change a copy of the timeline (:meth:`PolicyTimeline.with_values`),
so the baseline is never modified in place.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from passend.model.errors import ConfigError


@dataclass(frozen=True)
class DatedParameter:
    """One rule or amount and its values over time.

    Attributes:
        name: the key used in code and in the manifest.
        description: one sentence.
        unit: unit of the values.
        reference: source key(s) or 'assumption: ...'.
        values: (date, value) pairs sorted by date.
    """

    name: str
    description: str
    unit: str
    reference: str
    values: tuple[tuple[dt.date, Any], ...]

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


class PolicyTimeline:
    """All legislation parameters, keyed by name."""

    def __init__(self, parameters: dict[str, DatedParameter]):
        self._parameters = dict(parameters)

    @classmethod
    def baseline(cls) -> "PolicyTimeline":
        """The law as it was, read from the package's ``legislation`` folder."""
        parameters: dict[str, DatedParameter] = {}
        folder = resources.files("passend.model") / "legislation"
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".toml"):
                continue
            for name, table in tomllib.loads(entry.read_text()).items():
                if name in parameters:
                    raise ValueError(f"legislation parameter {name!r} is defined twice ({entry.name})")
                parameters[name] = _parse_parameter(name, table, entry.name)
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

    def with_values(self, name: str, values: dict[dt.date, Any]) -> "PolicyTimeline":
        """A copy in which ``name`` takes the given values from their dates (a reform overlay).

        Values dated before the first new date are kept; the new dates replace everything from there on.
        """
        if name not in self._parameters:
            raise ConfigError("policy parameter", name, ", ".join(self.names))
        old = self._parameters[name]
        first_new = min(values)
        kept = [(d, v) for d, v in old.values if d < first_new]
        merged = tuple(sorted(kept + list(values.items())))
        clone = copy.copy(self._parameters)
        clone[name] = DatedParameter(old.name, old.description, old.unit, old.reference, merged)
        return PolicyTimeline(clone)

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


def _parse_parameter(name: str, table: dict, filename: str) -> DatedParameter:
    missing = {"description", "unit", "reference", "values"} - set(table)
    if missing:
        raise ValueError(f"legislation/{filename}: parameter {name!r} lacks {sorted(missing)}")
    values = []
    for key, value in table["values"].items():
        try:
            when = dt.date.fromisoformat(key)
        except ValueError as exc:
            raise ValueError(f"legislation/{filename}: {name}.values has {key!r}, not an ISO date") from exc
        values.append((when, value))
    return DatedParameter(name, table["description"], table["unit"], table["reference"], tuple(sorted(values)))


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return value
