"""The dashboard's charts: a baseline and a variant in one figure where the comparison is the point, with their
difference below, drawn from the rows the runs have recorded so far (the same rows ``passend run`` writes). Each
function returns a matplotlib figure; :func:`png` turns it into the bytes the page shows and offers for download.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # figures are drawn to images for the page; no display
import matplotlib.pyplot as plt

# The page shows a chart 650 (a 1024 x 768 projector) to 1,000 pixels wide; the figures are about 900 pixels wide at
# 100 dpi, so that 12-point type stays about 12 pixels high or more on a projector at the back of a classroom
plt.rcParams.update({"font.size": 12, "axes.labelsize": 12, "axes.titlesize": 13, "legend.fontsize": 11,
                     "xtick.labelsize": 11, "ytick.labelsize": 11})
import numpy as np
from matplotlib.ticker import MaxNLocator

from passend.experiments.dictionary import label as series_label
from passend.experiments.figures import ROUTE_LABELS, published_counts
from passend.model.recorder import RunOutput
from passend.experiments.targets import _published_file

FIRST_YEAR, LAST_YEAR = 2003, 2024
"""The years on the charts' axes (count years; the runs end in July 2025)."""
REFORM_YEAR = 2014
BASE_STYLE, VARIANT_STYLE = dict(ls="-"), dict(ls="--")
LEGEND_RUNS = "baseline (solid) and variant (dashed)"

SETTINGS_SHOWN = (("sbo", "sbo", "sbo"), ("so", "so", "so"), ("vso", "vso", "vso"),
                  ("rugzak", "rugzak (after 2014: clusters 1-2 only)", "rugzak"),
                  ("arrangements", "with an arrangement (passend)", None), ("home", "at home on 1 October", None),
                  ("exempt", "exempt (5a) on 1 October", None))
"""Count columns drawn: column, label, the published series drawn as points (None: no published count)."""

PAYERS_SHOWN = (("pay_state_eur", "state"), ("pay_alliances_eur", "alliances"),
                ("pay_school_lump_sums_eur", "schools' lump sums"), ("pay_alliance_reserves_eur", "alliances' reserves"),
                ("pay_municipalities_eur", "municipalities"), ("pay_provinces_eur", "provinces"))

ATTENDANCE_SHOWN = (("long_relative_absence", "long_relative_absence", "at home over 4 weeks, registered at a school"),
                    ("absolute_absence", "absolute_absence", "registered at no school"),
                    ("home_over_3_months", "over_3_months", "at home over 3 months"),
                    ("exempt_5a", "exempt_5a", "exempt (5a) in the school year"))
"""Leerplichttelling columns (registered; the true count is ``true_<column>`` where there is one): column, published
column, title."""


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


def full_years(output: RunOutput) -> list[dict]:
    """The school years a run has simulated whole (the last may be under way)."""
    return [r for r in output.school_years if int(r["months_simulated"]) == 12]


def pupils_figure(base: RunOutput, variant: RunOutput):
    """Pupils per setting on 1 October, with the published counts as points; below, the variant minus the baseline."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.2), sharex=True, height_ratios=(2, 1), layout="constrained")
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
    top.set_title(f"Pupils on 1 October: {LEGEND_RUNS}")
    fig.legend(*top.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=10, frameon=False)
    top.set_ylim(bottom=0)
    bottom.axhline(0, color="0.3", lw=0.8)
    bottom.set_ylabel("variant - baseline\n(x 1,000)")
    for ax in (top, bottom):
        _years_axis(ax)
    return fig


def money_figure(base: RunOutput, variant: RunOutput):
    """What each payer pays per school year (EUR M) in both runs: the state on its own scale, the others below it, then
    the variant minus the baseline; right, the difference per funding stream in the last full school year."""
    fig = plt.figure(figsize=(9.6, 6.6), layout="constrained")
    grid = fig.add_gridspec(3, 2, width_ratios=(1.45, 1), height_ratios=(1, 1.3, 1))
    state, others, bottom = (fig.add_subplot(grid[k, 0]) for k in range(3))
    streams = fig.add_subplot(grid[:, 1])
    years_base, years_variant = full_years(base), full_years(variant)
    x = [int(r["school_year"][:4]) for r in years_base]
    for i, (column, label) in enumerate(PAYERS_SHOWN):
        colour = f"C{i}"
        y_base = [r[column] / 1e6 for r in years_base]
        y_variant = [r[column] / 1e6 for r in years_variant]
        ax = state if column == "pay_state_eur" else others
        ax.plot(x, y_base, color=colour, lw=2, marker="o", ms=3, label=label, **BASE_STYLE)
        ax.plot(x, y_variant, color=colour, lw=2, marker="o", ms=3, **VARIANT_STYLE)
        bottom.plot(x, [v - b for v, b in zip(y_variant, y_base)], color=colour, lw=1.5, marker="o", ms=3)
    state.set_title(f"Who pays (EUR M per school year):\n{LEGEND_RUNS}")
    state.set_ylabel("the state")
    others.set_ylabel("the others")
    others.legend(fontsize=9, ncol=2, loc="upper left", frameon=False)
    bottom.axhline(0, color="0.3", lw=0.8)
    bottom.set_ylabel("variant - baseline")
    for ax in (state, others, bottom):
        _years_axis(ax)
    if years_base:
        last_base, last_variant = years_base[-1], years_variant[-1]
        names = [k for k in last_base if k.startswith("spend_") and k.endswith("_eur") and k != "spend_state_total_eur"]
        change = {series_label(k): (last_variant[k] - last_base[k]) / 1e6 for k in names}
        shown = sorted((item for item in change.items() if abs(item[1]) >= 0.5), key=lambda kv: kv[1])
        if shown:
            labels, values = zip(*shown)
            streams.barh(labels, values, color=["#c0392b" if v < 0 else "#2e86c1" for v in values])
            streams.axvline(0, color="0.3", lw=0.8)
        else:
            streams.text(0.5, 0.5, "no stream differs", ha="center", va="center", transform=streams.transAxes)
            streams.set_axis_off()
        streams.set_title(f"per funding stream, {last_base['school_year']}:\nvariant - baseline (EUR M)")
        streams.tick_params(axis="y", labelsize=11)
        streams.grid(alpha=0.3, axis="x")
    return fig


def thuiszitters_figure(base: RunOutput, variant: RunOutput):
    """The Leerplichttelling's four counts per school year in both runs: as registered (thick, with the published
    points) and as they were (thin, where the register misses children); below, the spells at home that began and
    that ended per route in the last full school year (routes neither run used are left out). The route bars sit in a
    row of their own, the full width of the figure, so that their labels are never squeezed out of it."""
    fig = plt.figure(figsize=(9.6, 8.4), layout="constrained")
    # two subfigures, so that the long route labels below do not push the count panels above to the right
    counts, routes = fig.subfigures(2, 1, height_ratios=(2, 1.05))
    grid = counts.add_gridspec(2, 2)
    published = _published_file("attendance_2004_2014.csv") + _published_file("attendance_2014_2017.csv")
    years_base, years_variant = full_years(base), full_years(variant)
    x = [int(r["school_year"][:4]) for r in years_base]
    for k, (column, source, title) in enumerate(ATTENDANCE_SHOWN):
        ax = counts.add_subplot(grid[k // 2, k % 2])
        for years, colour, style, run in ((years_base, "C0", BASE_STYLE, "baseline"),
                                          (years_variant, "C3", VARIANT_STYLE, "variant")):
            ax.plot(x, [r[column] for r in years], color=colour, lw=2.2, label=f"{run}, registered", **style)
            if years and f"true_{column}" in years[0]:
                ax.plot(x, [r[f"true_{column}"] for r in years], color=colour, lw=1, alpha=0.7,
                        label=f"{run}, true", **style)
        points = sorted({int(r["school_year"][:4]): float(r[source]) for r in published if r.get(source)}.items())
        if points:
            ax.plot(*zip(*points), "D", color="white", mec="black", ms=5, label="published")
        ax.set_title(title, fontsize=11)
        ax.set_ylim(bottom=0)
        _years_axis(ax)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))  # a small panel: fewer years on the axis
        if k == 1:
            ax.legend(fontsize=9, loc="lower left", frameon=False)
    if years_base:
        for column, way, title in ((0, "in", "began"), (1, "out", "ended")):
            ax = routes.add_subplot(1, 2, column + 1)
            pairs = [(name, years_base[-1][f"home_{way}_{route}"], years_variant[-1][f"home_{way}_{route}"])
                     for route, name in ROUTE_LABELS[way].items()]
            pairs = [p for p in pairs if p[1] or p[2]]
            at = np.arange(len(pairs))
            ax.barh(at + 0.2, [p[1] for p in pairs], height=0.4, color="C0", label="baseline")
            ax.barh(at - 0.2, [p[2] for p in pairs], height=0.4, color="C3", label="variant")
            ax.set_yticks(at, [p[0] for p in pairs], fontsize=10)
            ax.set_title(f"spells at home that {title},\n{years_base[-1]['school_year']}", fontsize=11)
            ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
            ax.grid(alpha=0.3, axis="x")
            if column == 0:
                ax.legend(fontsize=9, frameon=False)
    fig.suptitle("Children at home: registered (thick) and true (thin); baseline solid, variant dashed", fontsize=13)
    return fig


def alliances_figure(base: RunOutput, variant: RunOutput):
    """Each alliance, paired across the two runs (same seed, same alliance). Up: how much more its share of pupils in
    special education changed since 2014 in the variant than in the baseline. Across: how much more budget per pupil
    the variant gives it than the baseline at the last count, with a least-squares line. Where every alliance has the
    same difference in budget (a uniform lever such as a national cut: each loses the same amount per pupil), that
    axis would put every alliance on one vertical line and a fitted slope would mean nothing; the chart then puts each
    alliance at its 2011 cost per pupil (what equalisation moves it from) and says the uniform difference in its
    title, and fits no line. Both runs need alliance budgets (passend onderwijs, from August 2014)."""
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 5.0), layout="constrained")
    for ax, sector, columns, title in ((axes[0], "po", ("sbo_share", "so_share"), "primary alliances: sbo + so"),
                                       (axes[1], "vo", ("vso_share",), "secondary alliances: vso")):
        budget, change, cost_2011 = _paired_alliance_points(base, variant, sector, columns)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.grid(alpha=0.3)
        ax.set_ylabel("change in special share since 2014,\nvariant - baseline (points)")
        if len(budget) == 0:
            ax.set_title(title, fontsize=12)
            ax.set_xlabel("budget per pupil, variant - baseline (EUR a year)")
            ax.text(0.5, 0.5, "both runs need alliance budgets\n(passend onderwijs, from the 2014 count on)",
                    ha="center", va="center", transform=ax.transAxes)
            continue
        uniform = np.ptp(budget) < UNIFORM_EUR
        x = cost_2011 if uniform else budget
        if uniform:
            ax.set_title(f"{title}\nbudget per pupil {budget.mean():+,.0f} EUR a year in every alliance", fontsize=11)
            ax.set_xlabel("the alliance's 2011 cost per pupil (EUR a year)")
        else:
            ax.set_title(title, fontsize=12)
            ax.axvline(0, color="0.3", lw=0.8)
            ax.set_xlabel("budget per pupil, variant - baseline (EUR a year)")
        ax.scatter(x, change, s=30, color="C3", alpha=0.8, label="an alliance")
        if np.ptp(x) > 0 and len(x) > 2 and np.ptp(change) > 0:
            slope, intercept = np.polyfit(x, change, 1)
            line = np.linspace(x.min(), x.max(), 2)
            ax.plot(line, slope * line + intercept, color="black", lw=1.5,
                    label=f"fitted: {slope * 100:+.2f} points per EUR 100" + (" of 2011 cost" if uniform else ""))
        ax.legend(fontsize=9, frameon=False)
    fig.suptitle("The alliances: what the variant's rules did to each alliance's special-school share", fontsize=13)
    return fig


UNIFORM_EUR = 1.0
"""Differences in budget per pupil that all lie within this many euros count as one (a uniform lever)."""


def _alliance_state(output: RunOutput, sector: str, columns: tuple[str, ...]) -> dict[str, tuple[float, float, float]]:
    """Per alliance of ``sector`` with a budget at the last count: its budget per pupil, the change in its share of
    pupils in ``columns`` since the 2014 count (percentage points) and its 2011 cost per pupil (the base equalisation
    starts from); empty before then or without budgets."""
    rows = [r for r in output.alliances if r["sector"] == sector]
    dates = sorted({r["date"] for r in rows})
    first = next((d for d in dates if d >= "2014-10-01"), None)
    if first is None or dates[-1] == first:
        return {}
    start = {r["alliance"]: sum(float(r[c]) for c in columns) for r in rows if r["date"] == first}
    return {r["alliance"]: (float(r["amount_eur_per_pupil"]),
                            (sum(float(r[c]) for c in columns) - start[r["alliance"]]) * 100,
                            float(r.get("base_eur_per_pupil") or 0.0))
            for r in rows if r["date"] == dates[-1] and float(r["amount_eur_per_pupil"] or 0) > 0}


def _paired_alliance_points(base: RunOutput, variant: RunOutput, sector: str,
                            columns: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Variant minus baseline per alliance that has a budget in both runs: budget per pupil, change in share; and
    each alliance's 2011 cost per pupil in the baseline."""
    in_base, in_variant = _alliance_state(base, sector, columns), _alliance_state(variant, sector, columns)
    both = sorted(set(in_base) & set(in_variant))
    budget = np.array([in_variant[a][0] - in_base[a][0] for a in both])
    change = np.array([in_variant[a][1] - in_base[a][1] for a in both])
    cost_2011 = np.array([in_base[a][2] for a in both])
    return budget, change, cost_2011
