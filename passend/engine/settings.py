"""Run settings: what to simulate (period, scale, seed), kept apart from legislation and behaviour."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from passend.engine.errors import ConfigError

FIRST_START = dt.date(2003, 10, 1)
"""The synthetic country is built as it was on the 1 October 2003 count date."""

LAST_END = dt.date(2025, 7, 31)
"""The last day simulated: the end of school year 2024-2025. The demography input (births up to 2021) covers every
cohort that enters primary school by then."""

MIN_SCALE, MAX_SCALE = 0.001, 1.0


@dataclass(frozen=True)
class RunSettings:
    """One run's settings.

    Attributes:
        seed: non-negative integer; determines the run exactly.
        scale: fraction of the national population simulated (1.0 = ~2.6 million pupils); counts are reported
            scaled back to national numbers.
        start: first day reported. The simulation always starts from the country built for 1 October 2003 (the only
            state the published data describe); a later start only leaves the earlier years out of the results.
        end: last day simulated (inclusive), at most 2025-07-31.
    """

    seed: int = 1
    scale: float = 0.1
    start: dt.date = FIRST_START
    end: dt.date = LAST_END

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError("seed", self.seed, "a whole number >= 0")
        if isinstance(self.scale, bool) or not isinstance(self.scale, (int, float)):
            raise ConfigError("scale", self.scale, f"a number in [{MIN_SCALE}, {MAX_SCALE}]")
        if not MIN_SCALE <= self.scale <= MAX_SCALE:
            raise ConfigError("scale", self.scale, f"a number in [{MIN_SCALE}, {MAX_SCALE}]")
        if not FIRST_START <= self.start < LAST_END:
            raise ConfigError("start", self.start.isoformat(), f"a date from {FIRST_START.isoformat()} (the synthetic country's count date) to before {LAST_END.isoformat()}")
        if not self.start < self.end <= LAST_END:
            raise ConfigError("end", self.end.isoformat(), f"a date after {self.start.isoformat()} and at most {LAST_END.isoformat()}")
        first_count = dt.date(self.start.year if self.start <= dt.date(self.start.year, 10, 1) else self.start.year + 1,
                              10, 1)
        if first_count > self.end:  # every results table and figure starts from a 1 October count
            raise ConfigError("start", self.start.isoformat(), f"a date with a 1 October count (the pupil census) "
                              f"between it and the end, {self.end.isoformat()}: at most "
                              f"{dt.date(self.end.year - (self.end < dt.date(self.end.year, 10, 1)), 10, 1).isoformat()}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["start"], d["end"] = self.start.isoformat(), self.end.isoformat()
        return d
