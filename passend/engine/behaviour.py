"""Behaviour parameters: how pupils, parents and institutions act (calibrated or assumed, never legislation).

Defaults, units, bounds and sources live in ``engine/data/behaviour.toml``. :class:`Behaviour` is an immutable set of
values; :meth:`Behaviour.replace` validates changes (unknown names, wrong types, values out of bounds) and returns a
new object, so a run never starts with a half-applied change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterator, Mapping

from passend.engine.errors import ConfigError


@dataclass(frozen=True)
class ParameterSpec:
    """What the model accepts for one behaviour parameter."""

    name: str
    default: Any
    unit: str
    bounds: tuple[float, float]
    source: str
    calibrate: bool
    group: str = "counts"
    history_match: bool = False  # an assumption the targets can speak to, searched by history matching too

    @property
    def whole(self) -> bool:
        """Whole numbers only (years, ages): the default and both bounds are written as whole numbers in
        behaviour.toml. A fraction there would crash a run mid-way or be cut silently, so it is refused."""
        return all(isinstance(v, int) and not isinstance(v, bool) for v in (self.default, *self.bounds))

    def check(self, value: Any, where: str | None = None) -> Any:
        field = f"behaviour.{self.name}"
        lo, hi = self.bounds
        allowed = f"a {'whole number' if self.whole else 'number'} in [{lo}, {hi}] ({self.unit})"
        if isinstance(self.default, list):
            allowed = f"a list of {len(self.default)} numbers in [{lo}, {hi}] ({self.unit})"
            if not isinstance(value, (list, tuple)) or len(value) != len(self.default):
                raise ConfigError(field, value, allowed, where)
            items = [self._number(field, v, allowed, where) for v in value]
            if any(not lo <= v <= hi for v in items):
                raise ConfigError(field, value, allowed, where)
            return items
        number = self._number(field, value, allowed, where)
        if not lo <= number <= hi or self.whole and not number.is_integer():
            raise ConfigError(field, value, allowed, where)
        return int(number) if isinstance(self.default, int) and float(number).is_integer() else number

    @staticmethod
    def _number(field: str, value: Any, allowed: str, where: str | None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(field, value, allowed, where)
        return float(value)


def _load_specs() -> dict[str, ParameterSpec]:
    text = (resources.files("passend.engine") / "data" / "behaviour.toml").read_text()
    specs = {}
    for name, table in tomllib.loads(text).items():
        specs[name] = ParameterSpec(
            name=name,
            default=table["value"],
            unit=table["unit"],
            bounds=tuple(table["bounds"]),
            source=table["source"],
            calibrate=bool(table.get("calibrate", False)),
            group=table.get("group", "counts"),
            history_match=bool(table.get("history_match", False)),
        )
    return specs


SPECS: dict[str, ParameterSpec] = _load_specs()


class Behaviour(Mapping[str, Any]):
    """Immutable behaviour values with attribute access (``behaviour.cvi_noise``)."""

    def __init__(self, values: Mapping[str, Any] | None = None, where: str | None = None):
        merged = {name: spec.default for name, spec in SPECS.items()}
        for name, value in (values or {}).items():
            if name not in SPECS:
                raise ConfigError("behaviour parameter", name, "one of: " + ", ".join(sorted(SPECS)), where)
            merged[name] = SPECS[name].check(value, where)
        shares = merged["cluster_shares"]
        if abs(sum(shares) - 1.0) > 1e-6:
            raise ConfigError("behaviour.cluster_shares", shares, "four shares that sum to 1", where)
        object.__setattr__(self, "_values", merged)
        self.__dict__.update(merged)  # plain attributes: a decision reads them thousands of times a month

    def replace(self, where: str | None = None, **changes: Any) -> "Behaviour":
        """A copy with some values changed; validates them."""
        return Behaviour({**self._values, **changes}, where)

    def __reduce__(self):
        # pickled for parallel workers; rebuilt (and so re-validated) from its values
        return (Behaviour, (self._values,))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no behaviour parameter {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Behaviour is immutable; use .replace(...)")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def to_dict(self) -> dict[str, Any]:
        return dict(self._values)


CALIBRATION_GROUPS = ("counts", "attendance")
"""What a calibrated parameter is fitted to: the pupil counts, intake and labelling (``counts``), or the
Leerplichttelling's attendance counts (``attendance``; key ``group`` in behaviour.toml)."""


def history_match_names() -> list[str]:
    """What history matching searches over its whole bounds: every calibrated parameter, and the assumptions the
    targets can speak to (``history_match = true``)."""
    return [name for name, spec in SPECS.items() if spec.calibrate or spec.history_match]


def calibrated_names(group: str | None = None) -> list[str]:
    """Names of the parameters that ``passend calibrate`` fits (of one group only, if given)."""
    return [name for name, spec in SPECS.items() if spec.calibrate and group in (None, spec.group)]
