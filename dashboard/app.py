"""``passend dashboard``: a baseline and a variant side by side in the browser, on Solara as Mesa's SolaraViz uses
it. First step (issue 13): step a month or a school year, reset, two levers, the date and the regime in force, and
pupils per setting and state spending for both runs with their difference. The runs are
:class:`passend.experiments.classroom.PairedRuns`; this module only draws them and passes clicks on.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures are drawn to images for the page; no display
import matplotlib.pyplot as plt
import solara
from matplotlib.ticker import MaxNLocator

from passend.experiments.classroom import CLASSROOM_SCALE, LEVERS, PairedRuns
from passend.experiments.runner import RunOutput

SETTINGS_SHOWN = (("sbo", "sbo"), ("so", "so"), ("vso", "vso"), ("rugzak", "rugzak"),
                  ("arrangements", "arrangement"), ("home", "at home"))
"""Count columns drawn, with their labels."""

FIRST_YEAR, LAST_YEAR = 2003, 2024
"""The years on the charts' axes (count years; the runs end in July 2025)."""

runs: solara.Reactive[PairedRuns | None] = solara.reactive(None)
version = solara.reactive(0)  # bumped after every change to the runs, so that the page redraws
scale = solara.reactive(CLASSROOM_SCALE)
seed = solara.reactive(1)


def _new_runs() -> PairedRuns:
    return PairedRuns("default", seed=seed.value, scale=scale.value)


def _paired() -> PairedRuns:
    if runs.value is None:
        runs.value = _new_runs()
    return runs.value


def _changed() -> None:
    version.value += 1


def pupils_figure(base: RunOutput, variant: RunOutput):
    """Pupils per setting on 1 October: baseline solid, variant dashed; below, the variant minus the baseline."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, height_ratios=(2, 1))
    for i, (column, label) in enumerate(SETTINGS_SHOWN):
        colour = f"C{i}"
        x = [int(r["date"][:4]) for r in base.counts]
        y_base = [r[column] / 1000 for r in base.counts]
        y_variant = [r[column] / 1000 for r in variant.counts]
        top.plot(x, y_base, color=colour, lw=2, marker="o", ms=3, label=label)
        top.plot(x, y_variant, color=colour, lw=2, ls="--", marker="o", ms=3)
        bottom.plot(x, [v - b for v, b in zip(y_variant, y_base)], color=colour, lw=1.5, marker="o", ms=3)
    top.set_ylabel("pupils (x 1,000)")
    top.set_title("Pupils on 1 October: baseline (solid) and variant (dashed)", fontsize=10)
    top.legend(fontsize=8, ncol=3)
    bottom.axhline(0, color="0.3", lw=0.8)
    bottom.set_ylabel("variant - baseline\n(x 1,000)")
    top.set_ylim(bottom=0)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.set_xlim(FIRST_YEAR - 0.5, LAST_YEAR + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def spending_figure(base: RunOutput, variant: RunOutput):
    """What the state pays per school year in each run (EUR bn)."""
    fig, ax = plt.subplots(figsize=(8, 3))
    for output, style, label in ((base, "-", "baseline"), (variant, "--", "variant")):
        years = [r for r in output.school_years if int(r["months_simulated"]) == 12]
        ax.plot([int(r["school_year"][:4]) for r in years], [r["pay_state_eur"] / 1e9 for r in years], "k" + style,
                lw=2, marker="o", ms=3, label=label)
    ax.set_xlim(FIRST_YEAR - 0.5, LAST_YEAR + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("EUR bn per school year")
    ax.set_title("The state's spending on extra support", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


@solara.component
def Controls():
    paired = _paired()
    _ = version.value  # redraw on every change

    def step_month():
        paired.step_month()
        _changed()

    def step_year():
        paired.step_school_year()
        _changed()

    def reset():
        runs.value = _new_runs()
        _changed()

    def set_cut(million: float):
        paired.pull("alliance_budget_cut", million * 1e6)
        _changed()

    def set_strictness(value: float):
        paired.pull("alliance_strictness", value)
        _changed()

    regime_base, regime_variant = paired.regime()
    solara.Markdown(f"**{paired.today:%B %Y}**, regime: baseline *{regime_base}*, variant *{regime_variant}*")
    with solara.Row():
        solara.Button("Step a month", on_click=step_month, disabled=paired.finished)
        solara.Button("Step a school year", on_click=step_year, disabled=paired.finished)
        solara.Button("Reset", on_click=reset)
    # the lever's words above its slider: a long label inside the slider leaves the slider itself no width
    cut = LEVERS["alliance_budget_cut"]
    solara.Markdown(f"Variant: **{cut.label}**, M EUR a year ({cut.acts})")
    solara.SliderFloat("cut", min=0.0, max=600.0, step=10.0,
                       value=paired.levers.get("alliance_budget_cut", 0.0) / 1e6, on_value=set_cut)
    strict = LEVERS["alliance_strictness"]
    solara.Markdown(f"Variant: **{strict.label}**, {strict.unit} ({strict.acts})")
    solara.SliderFloat("strictness", min=strict.low, max=strict.high, step=0.05,
                       value=paired.levers.get("alliance_strictness", paired.variant.behaviour.tlv_gatekeeping),
                       on_value=set_strictness)
    solara.Markdown(f"Seed {paired.settings.seed}, scale {paired.settings.scale}: both runs draw the same random "
                    "numbers, so every difference is the levers.")


@solara.component
def Charts():
    paired = _paired()
    _ = version.value
    if not paired.base.recorder.counts:
        solara.Markdown("Step the runs to see the first count (1 October).")
        return
    outputs = paired.outputs()
    solara.FigureMatplotlib(pupils_figure(*outputs), format="png")
    solara.FigureMatplotlib(spending_figure(*outputs), format="png")
    plt.close("all")


@solara.component
def Page():
    solara.Title("passend: a reform and its baseline")
    with solara.Sidebar():
        Controls()
    Charts()
