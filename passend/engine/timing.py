"""Where a run spends its time: seconds per phase of the month, and per decision within a phase.

The model walks its phases under :meth:`Clock.phase`; a phase times a decision with ``with clock.decision(name):``.
The cost is a pair of ``perf_counter`` calls, so it is always on: ``passend benchmark`` prints the table.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Iterator


class Clock:
    def __init__(self) -> None:
        self.phase_seconds: dict[str, float] = defaultdict(float)
        self.decision_seconds: dict[tuple[str, str], float] = defaultdict(float)
        self._phase = ""

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._phase, began = name, time.perf_counter()
        try:
            yield
        finally:
            self.phase_seconds[name] += time.perf_counter() - began
            self._phase = ""

    @contextmanager
    def decision(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.decision_seconds[(self._phase, name)] += time.perf_counter() - began

    def table(self) -> list[dict]:
        """Rows (phase, decision, seconds, share of the run): each phase, then the decisions timed inside it."""
        total = sum(self.phase_seconds.values()) or 1.0
        rows = []
        for phase, seconds in sorted(self.phase_seconds.items(), key=lambda kv: -kv[1]):
            rows.append({"phase": phase, "decision": "", "seconds": seconds, "share": seconds / total})
            inside = [(d, s) for (p, d), s in self.decision_seconds.items() if p == phase]
            for decision, s in sorted(inside, key=lambda kv: -kv[1]):
                rows.append({"phase": phase, "decision": decision, "seconds": s, "share": s / total})
        return rows
