"""The dashboard's charts: a baseline and a variant in one figure where the comparison is the point, with their
difference below, drawn from the rows the runs have recorded so far (the same rows ``passend run`` writes). Each
function returns a matplotlib figure; :func:`png` turns it into the bytes the page shows and offers for download.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # figures are drawn to images for the page; no display
import matplotlib.pyplot as plt

# The page shows a chart about 800 pixels wide: larger type than a results folder's figures
plt.rcParams.update({"font.size": 11, "axes.labelsize": 11})
import numpy as np
from matplotlib.ticker import MaxNLocator

from passend.experiments.figures import ROUTE_LABELS, published_counts
from passend.experiments.runner import RunOutput
from passend.experiments.targets import _published_file

FIRST_YEAR, LAST_YEAR = 2003, 2024
"""The years on the charts' axes (count years; the runs end in July 2025)."""
REFORM_YEAR = 2014
BASE_STYLE, VARIANT_STYLE = dict(ls="-"), dict(ls="--")
LEGEND_RUNS = "baseline (solid) and variant (dashed)"

SETTINGS_SHOWN = (("sbo", "sbo", "sbo"), ("so", "so", "so"), ("vso", "vso", "vso"), ("rugzak", "rugzak", "rugzak"),
                  ("arrangements", "with an arrangement", None), ("home", "at home", None),
                  ("exempt", "exempt (5a)", None))
"""Count columns drawn: column, label, the published series drawn as points (None: no published count)."""

PAYERS_SHOWN = (("pay_state_eur", "state"), ("pay_alliances_eur", "alliances"),
                ("pay_school_lump_sums_eur", "schools' lump sums"), ("pay_alliance_reserves_eur", "alliances' reserves"),
                ("pay_municipalities_eur", "municipalities"), ("pay_provinces_eur", "provinces"))

ATTENDANCE_SHOWN = (("long_relative_absence", "long_relative_absence", "registered at a school, home over 4 weeks"),
                    ("absolute_absence", "absolute_absence", "registered at no school"),
                    ("home_over_3_months", "over_3_months", "at home over 3 months"),
                    ("exempt_5a", "exempt_5a", "exempt (art. 5 onder a)"))
"""Leerplichttelling columns (registered): column, published column, title."""


def png(fig) -> bytes:
    """The figure as PNG bytes (and the figure closed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def _years_axis(ax) -> None:
    ax.set_xlim(FIRST_YEAR - 0.5, LAST_YEAR + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.axvline(REFORM_YEAR + 7 / 12, color="0.5", lw=0.8, ls=":")  # August 2014: passend onderwijs
    ax.grid(alpha=0.3)


def _full_years(output: RunOutput) -> list[dict]:
    return [r for r in output.school_years if int(r["months_simulated"]) == 12]


def pupils_figure(base: RunOutput, variant: RunOutput):
    """Pupils per setting on 1 October, with the published counts as points; below, the variant minus the baseline."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 6.4), sharex=True, height_ratios=(2, 1))
    published = published_counts()
    x = [int(r["date"][:4]) for r in base.counts]
    for i, (column, label, series) in enumerate(SETTINGS_SHOWN):
        colour = f"C{i}"
        y_base = [r[column] / 1000 for r in base.counts]
        y_variant = [r[column] / 1000 for r in variant.counts]
        top.plot(x, y_base, color=colour, lw=2, marker="o", ms=3, label=label, **BASE_STYLE)
        top.plot(x, y_variant, color=colour, lw=2, marker="o", ms=3, **VARIANT_STYLE)
        if series:
            points = [(year, value / 1000) for year, value, _ in published[series] if year <= LAST_YEAR]
            top.plot(*zip(*points), "D", color=colour, ms=6, mec="black", mew=0.8)
        bottom.plot(x, [v - b for v, b in zip(y_variant, y_base)], color=colour, lw=1.5, marker="o", ms=3)
    top.plot([], [], "D", color="white", mec="black", label="published count")
    top.set_ylabel("pupils (x 1,000)")
    top.set_title(f"Pupils on 1 October: {LEGEND_RUNS}", fontsize=12)
    top.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    top.set_ylim(bottom=0)
    bottom.axhline(0, color="0.3", lw=0.8)
    bottom.set_ylabel("variant - baseline\n(x 1,000)")
    for ax in (top, bottom):
        _years_axis(ax)
    fig.tight_layout()
    return fig


def money_figure(base: RunOutput, variant: RunOutput):
    """What each payer pays per school year (EUR M) in both runs; below, the variant minus the baseline; right, the
    difference per funding stream in the last full school year."""
    fig = plt.figure(figsize=(12, 6.4))
    grid = fig.add_gridspec(2, 2, width_ratios=(1.5, 1), height_ratios=(2, 1))
    top, bottom, streams = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[:, 1])
    years_base, years_variant = _full_years(base), _full_years(variant)
    x = [int(r["school_year"][:4]) for r in years_base]
    for i, (column, label) in enumerate(PAYERS_SHOWN):
        colour = f"C{i}"
        y_base = [r[column] / 1e6 for r in years_base]
        y_variant = [r[column] / 1e6 for r in years_variant]
        top.plot(x, y_base, color=colour, lw=2, marker="o", ms=3, label=label, **BASE_STYLE)
        top.plot(x, y_variant, color=colour, lw=2, marker="o", ms=3, **VARIANT_STYLE)
        bottom.plot(x, [v - b for v, b in zip(y_variant, y_base)], color=colour, lw=1.5, marker="o", ms=3)
    top.set_ylabel("EUR M per school year")
    top.set_title(f"Who pays: {LEGEND_RUNS}", fontsize=12)
    top.legend(fontsize=10, ncol=2, loc="best")
    bottom.axhline(0, color="0.3", lw=0.8)
    bottom.set_ylabel("variant - baseline\n(EUR M)")
    for ax in (top, bottom):
        _years_axis(ax)
    if years_base:
        last_base, last_variant = years_base[-1], years_variant[-1]
        names = [k for k in last_base if k.startswith("spend_") and k.endswith("_eur") and k != "spend_state_total_eur"]
        change = {k[6:-4].replace("_", " "): (last_variant[k] - last_base[k]) / 1e6 for k in names}
        shown = sorted((item for item in change.items() if abs(item[1]) >= 0.5), key=lambda kv: kv[1])
        if shown:
            labels, values = zip(*shown)
            streams.barh(labels, values, color=["#c0392b" if v < 0 else "#2e86c1" for v in values])
            streams.axvline(0, color="0.3", lw=0.8)
        else:
            streams.text(0.5, 0.5, "no stream differs", ha="center", va="center", transform=streams.transAxes)
        streams.set_title(f"per funding stream, {last_base['school_year']}:\nvariant - baseline (EUR M)", fontsize=12)
        streams.tick_params(axis="y", labelsize=10)
        streams.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def thuiszitters_figure(base: RunOutput, variant: RunOutput):
    """The Leerplichttelling's four counts per school year in both runs (registered, with the published points) and,
    right, the spells at home that ended per route in the last full school year."""
    fig = plt.figure(figsize=(13, 7.2), layout="constrained")
    grid = fig.add_gridspec(2, 3, width_ratios=(1, 1, 1.1))
    published = _published_file("attendance_2004_2014.csv") + _published_file("attendance_2014_2017.csv")
    years_base, years_variant = _full_years(base), _full_years(variant)
    x = [int(r["school_year"][:4]) for r in years_base]
    for k, (column, source, title) in enumerate(ATTENDANCE_SHOWN):
        ax = fig.add_subplot(grid[k // 2, k % 2])
        ax.plot(x, [r[column] for r in years_base], color="C0", lw=2, label="baseline", **BASE_STYLE)
        ax.plot(x, [r[column] for r in years_variant], color="C3", lw=2, label="variant", **VARIANT_STYLE)
        points = sorted({int(r["school_year"][:4]): float(r[source]) for r in published if r.get(source)}.items())
        if points:
            ax.plot(*zip(*points), "D", color="white", mec="black", ms=5, label="published")
        ax.set_title(title, fontsize=11)
        ax.set_ylim(bottom=0)
        _years_axis(ax)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))  # a small panel: fewer years on the axis
        if k == 0:
            ax.legend(fontsize=9)
    routes = fig.add_subplot(grid[:, 2])
    if years_base:
        labels = list(ROUTE_LABELS["out"].values())
        values = [[row[f"home_out_{route}"] for route in ROUTE_LABELS["out"]] for row in (years_base[-1], years_variant[-1])]
        at = np.arange(len(labels))
        routes.barh(at + 0.2, values[0], height=0.4, color="C0", label="baseline")
        routes.barh(at - 0.2, values[1], height=0.4, color="C3", label="variant")
        routes.set_yticks(at, labels, fontsize=10)
        routes.set_title(f"spells at home ended, by route,\n{years_base[-1]['school_year']}", fontsize=11)
        routes.legend(fontsize=10)
        routes.grid(alpha=0.3, axis="x")
    fig.suptitle("Children at home (as the attendance count registers them)", fontsize=12)
    return fig


def alliances_figure(base: RunOutput, variant: RunOutput):
    """Each alliance: across, how far its budget per pupil moved from its own 2011 level (equalisation gain or loss);
    up, the change in its share of pupils in special education since 2014. Baseline filled, variant open; a run in the
    old system has no alliance budgets and no points."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for ax, sector, columns, title in ((axes[0], "po", ("sbo_share", "so_share"), "primary alliances: sbo + so"),
                                       (axes[1], "vo", ("vso_share",), "secondary alliances: vso")):
        drawn = False
        for output, run, face, edge in ((base, "baseline", "C0", "C0"), (variant, "variant", "none", "C3")):
            gain, change = _alliance_points(output, sector, columns)
            if len(gain):
                ax.scatter(gain, change, s=30, facecolors=face, edgecolors=edge, label=run)
                drawn = True
        ax.axhline(0, color="0.3", lw=0.8)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_xlabel("budget per pupil minus its own 2011 level (EUR a year)")
        ax.set_ylabel("change in special-education share since 2014 (points)")
        ax.set_title(title, fontsize=12)
        ax.grid(alpha=0.3)
        if drawn:
            ax.legend(fontsize=10)
        else:
            ax.text(0.5, 0.5, "no alliance holds a budget yet\n(under passend onderwijs: from August 2014)",
                    ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    return fig


def _alliance_points(output: RunOutput, sector: str, columns: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per alliance of ``sector`` at the last count: its equalisation gain or loss (its budget per pupil minus its own
    2011 level, EUR a year) and the change in its share of pupils in ``columns`` since the 2014 count (percentage
    points). None where the run's alliances hold no budget (the old system)."""
    rows = [r for r in output.alliances if r["sector"] == sector]
    dates = sorted({r["date"] for r in rows})
    first = next((d for d in dates if d >= "2014-10-01"), None)
    if first is None or dates[-1] == first:
        return np.zeros(0), np.zeros(0)
    start = {r["alliance"]: sum(float(r[c]) for c in columns) for r in rows if r["date"] == first}
    last = [r for r in rows if r["date"] == dates[-1] and float(r["amount_eur_per_pupil"] or 0) > 0
            and float(r["base_eur_per_pupil"] or 0) > 0]
    gain = np.array([float(r["amount_eur_per_pupil"]) - float(r["base_eur_per_pupil"]) for r in last])
    change = np.array([(sum(float(r[c]) for c in columns) - start[r["alliance"]]) * 100 for r in last])
    return gain, change
