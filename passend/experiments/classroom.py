"""A baseline and a variant stepped side by side on one seed, with levers a class can pull: the engine behind
``passend dashboard`` (issue 13), usable without a browser.

Both runs are built from the same seed, scale and starting country, so they draw the same random numbers for every
named decision (common random numbers): until a lever is pulled they are identical, and every difference after is
the rules. A lever sets a law value (from the month it is pulled on, in the variant only) or a behaviour value. The
runs are the same :class:`PassendModel` that ``passend run`` drives, and their rows go through the same
:meth:`~passend.model.model.WorldModel.recorded` and :func:`output.write_run`, so the same seed and levers give the same numbers here as on
the command line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib
from importlib import resources

from passend.experiments.levers import LEVERS, pull
from passend.experiments.output import write_run
from passend.experiments.scenarios import get_scenario
from passend.engine.errors import ConfigError
from passend.model.recorder import RunOutput

CLASSROOM_SCALE = 0.02
"""Default scale: a school year of both runs takes 0.2 s on average here (0.4 s at most; 2 cores, 2026-12)."""


SCALES = (0.005, 0.01, 0.02, 0.05)
"""The scales the dashboard offers: a school year of both runs takes well under a second up to 0.02 here."""


class PairedRuns:
    """A baseline and a variant on the same seed and scale, stepped together month by month.

    Args:
        base: a registered scenario or reform for both runs to start from (as ``passend run --scenario``).
        variant: a registered scenario or reform for the variant (default: the same as ``base``).
        seed, scale, end: run settings, as for ``passend run``.
    """

    def __init__(self, base: str = "default", variant: str | None = None, seed: int = 1,
                 scale: float = CLASSROOM_SCALE, end: dt.date | None = None):
        self.base_name, self.variant_name = base, variant or base
        self._scenarios = (get_scenario(self.base_name), get_scenario(self.variant_name, "variant"))
        self.settings = self._scenarios[0].run_settings(seed=seed, scale=scale, end=end)
        self.levers: dict[str, Any] = {}
        self.reset()

    def reset(self) -> None:
        """Both runs back to 1 October 2003, with the levers pulled so far undone."""
        from passend.experiments.one_run import PassendModel  # mesa is imported only when a run is built

        self.runs = []
        for name, scenario in zip((self.base_name, self.variant_name), self._scenarios):
            policy, behaviour = scenario.build()
            self.runs.append(PassendModel.from_parts(self.settings, behaviour, policy, name))
        self._variant_start = self.variant.policy  # what a path lever scales, however often it is pulled
        self.levers = {}
        self._seconds = [0.0, 0.0]
        self._pupil_months = [0, 0]

    @property
    def base(self):
        return self.runs[0]

    @property
    def variant(self):
        return self.runs[1]

    @property
    def today(self) -> dt.date:
        """The month the runs simulate next."""
        return self.base.today

    @property
    def finished(self) -> bool:
        return self.base.step_index >= self.base.n_steps

    def regime(self) -> tuple[str, str]:
        """The funding regime in force in each run this month."""
        return self.base.law["regime"], self.variant.law["regime"]

    def pull(self, lever: str, value: Any) -> None:
        """Set a lever in the variant from the current month on (law) or at once (behaviour)."""
        run = self.variant
        run.policy, run.behaviour, self.levers[lever] = pull(run.policy, run.behaviour, lever, value, self.today,
                                                             self._variant_start)

    def step_month(self) -> bool:
        """Both runs one month on; False (and nothing done) when they have reached the end."""
        if self.finished:
            return False
        for i, run in enumerate(self.runs):
            began = time.perf_counter()
            run.step()
            self._seconds[i] += time.perf_counter() - began
            self._pupil_months[i] += len(run.world.pupils)
        return True

    def step_school_year(self) -> int:
        """Both runs on to the next 1 August (or the end); returns the months simulated."""
        months = 0
        while self.step_month():
            months += 1
            if self.today.month == 8:
                break
        return months

    def outputs(self) -> tuple[RunOutput, RunOutput]:
        """What each run has recorded so far, as ``passend run`` reports it."""
        return tuple(run.recorded(self._seconds[i], self._pupil_months[i]) for i, run in enumerate(self.runs))

    def write(self, folder: Path, figures: bool = True) -> tuple[Path, Path]:
        """Both runs so far as results folders ``folder/baseline`` and ``folder/variant`` (the contract of
        ``passend run``); the variant's manifest holds its policy timeline with the levers pulled, and each manifest's
        settings end on the last day simulated so far."""
        if folder.exists():
            raise ConfigError("folder", str(folder), "a folder that does not exist yet")
        simulated_to = min(self.settings.end, self.today - dt.timedelta(days=1))
        written = []
        for name, run, output in zip(("baseline", "variant"), self.runs, self.outputs()):
            if simulated_to > self.settings.start:
                output = dataclasses.replace(output, settings=dataclasses.replace(output.settings, end=simulated_to))
            written.append(write_run(folder / name, output, run.scenario_name, run.policy, run.behaviour, figures))
        return written[0], written[1]


LESSON_SECTIONS = ("What it is", "The question", "How it works", "How to use it", "Things to notice", "Things to try",
                   "Afterwards")
"""The sections of a lesson's Markdown page, in order (after NetLogo's Info tab); *Afterwards* explains what the class
saw and is shown when the teacher asks for it."""
CHARTS = ("pupils", "money", "thuiszitters", "alliances")
"""The dashboard's charts a lesson may open on."""


@dataclass(frozen=True)
class Lesson:
    """A guided lesson: how to set both runs up, and its page (``registry/lessons/<name>.toml`` and ``<name>.md``).

    Attributes:
        name: the file name.
        title: its title.
        base, variant: the registered scenarios or reforms of the two runs.
        seed, scale: run settings.
        levers: lever values pulled on the variant at the start.
        chart: the chart the lesson opens on (one of ``CHARTS``).
        step_to: the date to step both runs to before the class looks (ISO date; empty: the first count).
        sections: the page's sections, ``LESSON_SECTIONS`` that the page has, in order.
    """

    name: str
    title: str
    base: str
    variant: str
    seed: int = 1
    scale: float = CLASSROOM_SCALE
    levers: dict[str, Any] = field(default_factory=dict)
    chart: str = "pupils"
    step_to: str = ""
    sections: tuple[tuple[str, str], ...] = ()

    def runs(self) -> PairedRuns:
        """The paired runs the lesson sets up: its scenarios, seed and scale, its levers pulled at the start."""
        paired = PairedRuns(self.base, self.variant, seed=self.seed, scale=self.scale)
        for lever, value in self.levers.items():
            paired.pull(lever, value)
        return paired


_LESSON_KEYS = {"title", "base", "variant", "seed", "scale", "levers", "chart", "step_to"}


def lessons() -> dict[str, Lesson]:
    """The lessons shipped in ``registry/lessons``, by name."""
    folder = resources.files("passend.experiments") / "registry" / "lessons"
    names = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))
    return {name: load_lesson(Path(str(folder / f"{name}.toml"))) for name in names}


def load_lesson(path: Path) -> Lesson:
    """A lesson from its TOML file and the Markdown page beside it (same name); every mistake is a ConfigError that
    names the file, the key and what is allowed."""
    where = str(path)
    try:
        table = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("lesson file", path.name, f"valid TOML ({error})", where) from None
    unknown = sorted(set(table) - _LESSON_KEYS)
    if unknown:
        raise ConfigError(f"lesson.{unknown[0]}", table[unknown[0]], "one of the keys " + ", ".join(sorted(_LESSON_KEYS)),
                          where)
    for key in ("title", "base", "variant"):
        if not isinstance(table.get(key), str) or not table[key]:
            raise ConfigError(f"lesson.{key}", table.get(key), "a text (a registered scenario or reform for base and "
                              "variant)", where)
    for key in ("base", "variant"):
        get_scenario(table[key], key)  # raises with the names allowed
    scale = table.get("scale", CLASSROOM_SCALE)
    if scale not in SCALES:
        raise ConfigError("lesson.scale", scale, "one of " + ", ".join(str(s) for s in SCALES), where)
    seed = table.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("lesson.seed", seed, "a whole number >= 0", where)
    chart = table.get("chart", "pupils")
    if chart not in CHARTS:
        raise ConfigError("lesson.chart", chart, "one of " + ", ".join(CHARTS), where)
    step_to = table.get("step_to", "")
    if step_to:
        try:
            dt.date.fromisoformat(str(step_to))
        except ValueError:
            raise ConfigError("lesson.step_to", step_to, "an ISO date, e.g. 2014-08-01", where) from None
    levers = table.get("levers", {})
    if not isinstance(levers, dict):
        raise ConfigError("lesson.levers", levers, "a table of lever = value", where)
    for lever, value in levers.items():
        if lever not in LEVERS:
            raise ConfigError(f"lesson.levers.{lever}", value, "a lever: " + ", ".join(LEVERS), where)
        LEVERS[lever].check(value)
    page = path.with_suffix(".md")
    if not page.exists():
        raise ConfigError("lesson page", page.name, "a Markdown file beside the TOML file", where)
    return Lesson(path.stem, table["title"], table["base"], table["variant"], seed, float(scale), dict(levers), chart,
                  str(step_to), _sections(page.read_text(), str(page)))


def _sections(text: str, where: str) -> tuple[tuple[str, str], ...]:
    """The ``## `` sections of a lesson page, each one of ``LESSON_SECTIONS``; *What it is*, *The question* and
    *Afterwards* are required."""
    parts = re.split(r"^## +(.+?) *$", text, flags=re.MULTILINE)
    sections = tuple((title, body.strip()) for title, body in zip(parts[1::2], parts[2::2]))
    for title, _ in sections:
        if title not in LESSON_SECTIONS:
            raise ConfigError("lesson section", title, "one of: " + ", ".join(LESSON_SECTIONS), where)
    missing = [t for t in ("What it is", "The question", "Afterwards") if t not in dict(sections)]
    if missing:
        raise ConfigError("lesson section", missing[0], "a '## " + missing[0] + "' section in the page", where)
    return sections
