"""``passend dashboard``: a baseline and a variant side by side in the browser, on Solara as Mesa's SolaraViz uses
it. The runs are :class:`passend.experiments.classroom.PairedRuns` (the same model and outputs as ``passend run``);
this module draws them (the charts are in :mod:`passend.dashboard.charts`) and passes clicks on.

The page has two columns of its own (not Solara's app layout, whose side drawer is as wide as its widest content and
covers the page below 960 pixels): on the left the open lesson, the lessons, the levers, the runs' setup and the
downloads, scrolling on their own; on the right the clock (play, pause, step, reset, speed), the chart tabs, the chart
and the key numbers. It is laid out for the projectors a teacher meets (1024 x 768, 1280 x 720) as well as a laptop:
the columns narrow with the window, a chart is drawn about 900 pixels wide and shown as wide as its column allows
without sliding below the window's bottom edge, and below 900 pixels the two columns stack, the charts first
(tests/test_dashboard_browser.py checks the layout in Chromium and saves screenshots).

Text is rendered from Markdown on the server (:func:`Md`), not with ``solara.Markdown``, whose front end fetches
mermaid from a CDN on every block (28 failed loads a session with no internet). Playing steps the runs in a thread of
the page's session; a lock keeps a redraw from reading a run while it steps.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import tempfile
import threading
import time
import warnings
import zipfile
from pathlib import Path

import markdown
import solara
import solara.lab
import solara.server.settings

from passend.dashboard import charts
from passend.experiments.classroom import CHARTS, CLASSROOM_SCALE, SCALES, PairedRuns, lessons
from passend.experiments.levers import LEVERS, Lever
from passend.experiments.scenarios import REFORM_FILES, SCENARIO_FILES

RUN_CHOICES = sorted(SCENARIO_FILES) + sorted(REFORM_FILES)
"""What a run can be: a registered scenario, or a registered reform applied to the default scenario."""
SPEEDS = ("a month", "a school year")
"""How far one tick of play steps both runs."""
PLAY_PAUSE_SECONDS = 0.3
"""Pause between ticks of play, so that a class can follow the charts."""
CHART_TITLES = {"pupils": "Pupils", "money": "Money", "thuiszitters": "Children at home", "alliances": "Alliances"}
CHART_FUNCTIONS = {"pupils": charts.pupils_figure, "money": charts.money_figure,
                   "thuiszitters": charts.thuiszitters_figure, "alliances": charts.alliances_figure}

runs: solara.Reactive[PairedRuns | None] = solara.reactive(None)
version = solara.reactive(0)  # bumped after every change to the runs, so that the page redraws
base_name = solara.reactive("default")
variant_name = solara.reactive("default")
scale = solara.reactive(CLASSROOM_SCALE)
seed = solara.reactive(1)
playing = solara.reactive(False)
speed = solara.reactive(SPEEDS[1])
chart = solara.reactive("pupils")
lesson_name: solara.Reactive[str | None] = solara.reactive(None)
explained = solara.reactive(False)
stop_at: solara.Reactive[dt.date | None] = solara.reactive(None)  # a lesson's date, where play pauses
wide = solara.reactive(False)  # the left column hidden: the chart takes the whole window (a projector of 1024 x 768)
_lock = threading.Lock()

# Solara's "This website runs on Solara" banner sits over the page's bottom right corner, where the numbers are
solara.server.settings.theme.show_banner = False
# Solara warns on every page load from 127.0.0.1 (not "localhost") over http that it sets its session cookie with
# samesite=lax rather than none. Lax is right for a page that is not embedded in another site's frame, and no setting
# of Solara's changes the check (it reads the request's scheme and host), so the warning says nothing here.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)

CSS = """
.passend-page { display: grid; grid-template-columns: 320px minmax(0, 1fr); height: 100vh; overflow: hidden; }
.passend-side { overflow-y: auto; overflow-x: hidden; padding: 8px 12px; border-right: 1px solid #ddd;
                background: #fafafa; min-width: 0; }
.passend-main { overflow-y: auto; overflow-x: hidden; padding: 6px 16px; min-width: 0; }
.passend-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; }
.passend-controls h2 { margin: 0 8px 0 0; font-size: 1.5rem; }
.passend-small p { margin: 2px 0; font-size: 0.9rem; }
.passend-tabs .v-btn-toggle { flex-wrap: wrap; max-width: 100%; }
.passend-chart img { display: block; width: 100%; max-width: 1100px; height: auto;
                     max-height: calc(100vh - 225px); object-fit: contain; object-position: left top; }
.passend-md table { border-collapse: collapse; margin: 4px 0; }
.passend-md strong { font-weight: 700; }
.passend-md th, .passend-md td { padding: 2px 10px; border-bottom: 1px solid #e5e5e5; }
.passend-md td:not(:first-child), .passend-md th:not(:first-child) { text-align: right; }
.passend-side .v-expansion-panel-content__wrap { padding: 0 8px 8px; }
.passend-side .v-card__title { word-break: normal; font-size: 1.15rem; line-height: 1.4; }
@media (min-width: 1500px) { .passend-page { grid-template-columns: 380px minmax(0, 1fr); } }
.passend-page.passend-wide { grid-template-columns: minmax(0, 1fr); }
.passend-wide .passend-side { display: none; }
@media (max-width: 900px) {
  .passend-page { grid-template-columns: minmax(0, 1fr); height: auto; overflow: visible; }
  .passend-main { order: -1; overflow: visible; }
  .passend-side { overflow: visible; border-right: none; border-top: 1px solid #ddd; }
}
"""
"""The page's own layout (see the module's docstring)."""


@solara.component
def Md(text: str, classes: list[str] | None = None):
    """Markdown rendered to HTML here, shown without any script (``solara.Markdown`` loads mermaid from a CDN). The
    text is the package's own: labels, numbers and the registry's lessons."""
    solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text, extensions=["tables"]),
                classes=["passend-md", *(classes or [])])


@solara.component
def Layout(children=[]):
    """No app bar and no drawer: :func:`Page` lays itself out (Solara uses a module's ``Layout`` in place of its own)."""
    return solara.Div(children=children)


def _new_runs() -> PairedRuns:
    return PairedRuns(base_name.value, variant_name.value, seed=seed.value, scale=scale.value)


def _paired() -> PairedRuns:
    if runs.value is None:
        runs.value = _new_runs()
    return runs.value


def _changed() -> None:
    version.value += 1


def _advance(paired: PairedRuns, by: str, stop: dt.date | None = None) -> None:
    """Both runs on by ``by`` (one of ``SPEEDS``): a month, or to the next 1 August or ``stop``, whichever is first;
    then the page redraws."""
    with _lock:
        paired.step_month()
        while by == "a school year" and paired.today.month != 8 and paired.today != stop and paired.step_month():
            pass
    _changed()


def reset() -> None:
    """Both runs back to October 2003: an open lesson sets them up again with its levers; otherwise new runs from the
    setup, with the levers cleared."""
    if lesson_name.value is not None:
        open_lesson(lesson_name.value)
        return
    apply_setup()


def apply_setup() -> None:
    """New runs from the setup (scenarios, seed, scale), with no lesson and no levers."""
    playing.value = False
    lesson_name.value = None
    with _lock:
        runs.value = _new_runs()
    stop_at.value = None
    _changed()


def open_lesson(name: str) -> None:
    """Set both runs up as the lesson says (scenarios, seed, scale, levers) and open its page."""
    lesson = lessons()[name]
    playing.value = False
    base_name.value, variant_name.value, seed.value, scale.value = lesson.base, lesson.variant, lesson.seed, lesson.scale
    with _lock:
        runs.value = lesson.runs()
    lesson_name.value, explained.value, chart.value = name, False, lesson.chart
    stop_at.value = dt.date.fromisoformat(lesson.step_to) if lesson.step_to else None
    _changed()


def pull(lever: str, value) -> None:
    with _lock:
        _paired().pull(lever, value)
    _changed()


@solara.component
def Clock():
    paired = _paired()
    _ = version.value  # redraw on every change

    def play():
        while playing.value and not paired.finished:
            _advance(paired, speed.value, stop_at.value)
            if stop_at.value is not None and paired.today >= stop_at.value:
                stop_at.value = None  # the lesson's date reached: pause there once
                break
            time.sleep(PLAY_PAUSE_SECONDS)
        playing.value = False

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    regime_base, regime_variant = paired.regime()
    with solara.Div(classes=["passend-controls"]):
        solara.HTML(tag="h2", unsafe_innerHTML=f"{paired.today:%B %Y}")
        solara.Button("Pause" if playing.value else "Play", color="primary",
                      on_click=lambda: playing.set(not playing.value), disabled=paired.finished)
        solara.Button("Step a month", on_click=lambda: _advance(paired, "a month"),
                      disabled=playing.value or paired.finished)
        solara.Button("Step a school year", on_click=lambda: _advance(paired, "a school year"),
                      disabled=playing.value or paired.finished)
        solara.Button("Reset", on_click=reset)
        solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), dense=True)
    pulled = ", ".join(f"{LEVERS[name].label} = {_shown(LEVERS[name], value)}" for name, value in paired.levers.items())
    Md(f"Baseline *{paired.base_name}* (regime in force: *{regime_base}*), variant *{paired.variant_name}* "
       f"(*{regime_variant}*). Play steps *{speed.value}* at a time"
       + (f", pausing at {stop_at.value:%B %Y} (the lesson's date)." if stop_at.value else ".")
       + f"\n\nLevers pulled on the variant: {pulled or 'none'}", classes=["passend-small"])


def _shown(lever: Lever, value) -> str:
    if lever.choices:
        return str(value)
    return f"{value / lever.shown_per:g} {lever.shown_unit}"


@solara.component
def Setup():
    """The two runs: which scenario or reform each is, the seed and the scale; they apply on Reset."""
    with solara.Details("Runs: scenarios, seed, scale"):
        solara.Select("baseline", values=RUN_CHOICES, value=base_name)
        solara.Select("variant", values=RUN_CHOICES, value=variant_name)
        solara.Select("scale (share of the country's pupils)", values=list(SCALES), value=scale)
        solara.InputInt("seed", value=seed)
        solara.Button("Apply (starts both runs again)", on_click=apply_setup)
        paired = _paired()
        Md(f"Now: baseline *{paired.base_name}*, variant *{paired.variant_name}*, seed "
           f"{paired.settings.seed}, scale {paired.settings.scale}. Both runs draw the same random "
           "numbers, so every difference is the rules and the levers.")


@solara.component
def Lessons():
    by_title = {lesson.title: name for name, lesson in lessons().items()}
    chosen = solara.use_reactive(next(iter(by_title)))
    solara.Select("lesson", values=list(by_title), value=chosen)
    solara.Button("Open the lesson", color="primary", on_click=lambda: open_lesson(by_title[chosen.value]))


@solara.component
def LeverControl(lever: Lever):
    paired = _paired()
    _ = version.value
    if lever.choices:
        current = paired.levers.get(lever.name, _current_choice(paired, lever))
        now = "" if current is not None else f"; now: {_law_in_words(lever, paired.variant.law[lever.parameter])}"
        Md(f"**{lever.label}** ({lever.acts}{now})")
        solara.Select(lever.name.replace("_", " "), values=list(lever.choices), value=current,
                      on_value=lambda choice: pull(lever.name, choice))
        return
    step = lever.step or (lever.high - lever.low) / lever.shown_per / 100
    shown = float(paired.levers.get(lever.name, _current_value(paired, lever))) / lever.shown_per
    snapped = round(shown / step) * step  # what the slider shows: its position on a step
    Md(f"**{lever.label}**: **{snapped:,.6g}** {lever.shown_unit} ({lever.acts})")

    def moved(value: float) -> None:
        # The slider reports its snapped start as a move; a lever is pulled only when a person moves it
        if lever.name in paired.levers or abs(value - snapped) > step / 2:
            pull(lever.name, value * lever.shown_per)

    solara.SliderFloat(lever.name.replace("_", " "), min=lever.low / lever.shown_per, max=lever.high / lever.shown_per,
                       step=step, value=snapped, on_value=moved)


def _law_in_words(lever: Lever, value) -> str:
    """What the law has now for a choice lever whose value is none of its choices, as a person would say it (the law
    gives doorzettingsmacht to a share of the primary and of the secondary alliances, not 'on' or 'off')."""
    if lever.parameter == "doorzettingsmacht_share" and isinstance(value, (list, tuple)) and len(value) == 2:
        primary, secondary = (float(v) for v in value)
        return (f"as the law has it, {primary:.0%} of the primary and {secondary:.0%} of the secondary alliances "
                "have it")
    if isinstance(value, float) and math.isinf(value):
        return "as the law has it, no cap"
    if isinstance(value, (list, tuple)):
        return "as the law has it: " + ", ".join(f"{float(v):g}" for v in value)
    return f"as the law has it: {value}"


def _current_choice(paired: PairedRuns, lever: Lever) -> str | None:
    """The choice the variant's law is at now for a choice lever not yet pulled (None: none of the choices)."""
    now = paired.variant.law[lever.parameter]
    return next((choice for choice in lever.choices if lever.parameter_value(choice) == now), None)


def _current_value(paired: PairedRuns, lever: Lever) -> float:
    """What the variant has now for a number lever not yet pulled (a path lever: 1, the path as it is)."""
    if lever.scales_path:
        return 1.0
    if lever.target == "law":
        return float(paired.variant.law[lever.parameter])
    return float(getattr(paired.variant.behaviour, lever.parameter))


@solara.component
def Levers():
    with solara.Details("Levers (the variant only, from now on)", expand=True):
        for lever in LEVERS.values():
            LeverControl(lever)


@solara.component
def Downloads():
    paired = _paired()
    _ = version.value

    def results_zip() -> bytes:
        """Both runs so far as results folders (the contract of ``passend run``), zipped."""
        with _lock, tempfile.TemporaryDirectory() as tmp:
            baseline, variant = paired.write(Path(tmp) / "passend-classroom")
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for folder in (baseline, variant):
                    for file in sorted(folder.iterdir()):
                        archive.write(file, f"passend-classroom/{folder.name}/{file.name}")
            return buffer.getvalue()

    solara.FileDownload(results_zip, filename=f"passend-classroom-{paired.today:%Y-%m}.zip",
                        label="Download both runs (results folders)", mime_type="application/zip")


@solara.component
def LessonPage():
    if lesson_name.value is None:
        return
    lesson = lessons()[lesson_name.value]
    with solara.Card(lesson.title):
        for title, body in lesson.sections:
            if title == "Afterwards":
                continue
            Md(f"### {title}\n\n{body}")
        if explained.value:
            Md("### Afterwards: what happened\n\n" + dict(lesson.sections)["Afterwards"])
        else:
            solara.Button("Explain what happened", on_click=lambda: explained.set(True))
        solara.Button("Close the lesson", text=True, on_click=lambda: lesson_name.set(None))


@solara.component
def Charts():
    paired = _paired()
    _ = version.value
    if not paired.base.world.record.counts:
        Md("Press *Play* or step the runs to see the first count (1 October).")
        return
    with _lock:
        outputs = paired.outputs()
    with solara.Div(classes=["passend-tabs", "passend-controls"]):
        with solara.ToggleButtonsSingle(value=chart):
            for name in CHARTS:
                solara.Button(CHART_TITLES[name], value=name)
        solara.Button("Show the controls" if wide.value else "Chart only", text=True,
                      on_click=lambda: wide.set(not wide.value))
    image = charts.png(CHART_FUNCTIONS[chart.value](*outputs))
    with solara.Div(classes=["passend-chart"]):
        solara.Image(image)
    solara.FileDownload(image, filename=f"passend-{chart.value}-{paired.today:%Y-%m}.png",
                        label="Download this chart (PNG)", mime_type="image/png")
    Numbers(outputs)


@solara.component
def Numbers(outputs):
    """The last full school year's key numbers in both runs, and the difference."""
    years = [charts.full_years(o) for o in outputs]
    if not years[0]:
        return
    base, variant = years[0][-1], years[1][-1]
    rows = [("state pays (EUR M)", "pay_state_eur", 1e6), ("at home over 3 months", "home_over_3_months", 1),
            ("registered at no school", "absolute_absence", 1), ("exempt (5a) during the year", "exempt_5a", 1)]
    lines = [f"| {base['school_year']} | baseline | variant | difference |", "|---|---:|---:|---:|"]
    for label, column, per in rows:
        b, v = base[column] / per, variant[column] / per
        lines.append(f"| {label} | {b:,.0f} | {v:,.0f} | {v - b:+,.0f} |")
    count_base, count_variant = outputs[0].counts[-1], outputs[1].counts[-1]
    special = [sum(c[s] for s in ("sbo", "so", "vso")) for c in (count_base, count_variant)]
    lines.append(f"| in sbo, so and vso on 1 October {count_base['date'][:4]} | {special[0]:,.0f} | {special[1]:,.0f} | "
                 f"{special[1] - special[0]:+,.0f} |")
    Md("\n".join(lines))


@solara.component
def Page():
    solara.Title("passend: a reform and its baseline")
    solara.Style(CSS)
    with solara.Div(classes=["passend-page", *(["passend-wide"] if wide.value else [])]):
        with solara.Div(classes=["passend-side"]):
            Md("**passend**: a reform and its baseline, side by side")
            LessonPage()
            with solara.Details("Lessons", expand=lesson_name.value is None):
                Lessons()
            Levers()
            Setup()
            Downloads()
        with solara.Div(classes=["passend-main"]):
            Clock()
            Charts()
