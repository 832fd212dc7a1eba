"""Running the model: one run in this process, or several in parallel (joblib), and writing a results folder."""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from joblib import Parallel, delayed

from passend.model.behaviour import Behaviour
from passend.model.policy import PolicyTimeline
from passend.model.settings import RunSettings


@dataclass
class RunOutput:
    """Rows a run recorded, plus what it took."""

    settings: RunSettings
    counts: list[dict]
    school_years: list[dict]
    months: list[dict]
    alliances: list[dict]
    wall_seconds: float
    pupil_months: int


def simulate(
    settings: RunSettings,
    behaviour: Behaviour | None = None,
    policy: PolicyTimeline | None = None,
    scenario: str = "default",
    progress: Callable[[int, int], None] | None = None,
) -> RunOutput:
    """Build the country and run it; rows before ``settings.start`` are left out of the output."""
    from passend.simulation.model import PassendModel  # imported here so joblib workers pay for mesa only when running

    began = time.perf_counter()
    model = PassendModel(settings, behaviour, policy, scenario)
    pupil_months = 0

    def tick(done: int, total: int) -> None:
        nonlocal pupil_months
        pupil_months += len(model.pupils)
        if progress:
            progress(done, total)

    model.run(tick)
    return output_of(model, time.perf_counter() - began, pupil_months)


def output_of(model, wall_seconds: float, pupil_months: int) -> RunOutput:
    """The rows a model has recorded so far, as a run's output; rows before its ``settings.start`` are left out."""
    settings = model.settings
    start = settings.start.isoformat()
    first_year = settings.start.year if settings.start.month >= 8 else settings.start.year - 1
    rec = model.recorder
    return RunOutput(
        settings=settings,
        counts=[r for r in rec.counts if r["date"] >= start],
        school_years=[r for r in rec.school_years if int(r["school_year"][:4]) >= first_year],
        months=[r for r in rec.months if r["date"] >= start[:8] + "01"],
        alliances=[r for r in rec.alliances if r["date"] >= start],
        wall_seconds=wall_seconds,
        pupil_months=pupil_months,
    )


def simulate_many(
    settings_list: Sequence[RunSettings],
    behaviour: Behaviour | None = None,
    policy: PolicyTimeline | None = None,
    scenario: str = "default",
    n_jobs: int = 1,
    progress: str | None = None,
) -> list[RunOutput]:
    """Several runs, in parallel processes when ``n_jobs`` > 1; results in the order of ``settings_list``.
    ``progress``: a label for a progress bar on standard error (runs done, time left), or None for none."""
    if n_jobs == 1 or len(settings_list) == 1:
        runs = (simulate(s, behaviour, policy, scenario) for s in settings_list)
    else:
        runs = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(simulate)(s, behaviour, policy, scenario)
                                                              for s in settings_list)
    return list(with_progress(runs, len(settings_list), progress))


def with_progress(items, total: int, label: str | None):
    """``items`` as they come, with a progress bar on standard error (runs done, time left) when ``label`` is set."""
    if label is None:
        yield from items
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="run", desc=label, file=sys.stderr, dynamic_ncols=True) as bar:
        for item in items:
            bar.update()
            yield item


def default_results_folder(root: Path, scenario: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"{scenario}-{stamp}"
