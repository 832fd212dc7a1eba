"""Figures drawn from results files (never from a live model): simulated series against the published ones.

Each function takes rows as written to the CSV files; with several runs (seeds) it draws their mean and the band
between the lowest and highest run.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Sequence

import matplotlib
import matplotlib.ticker
from matplotlib.figure import Figure
import numpy as np

from passend.experiments.dictionary import label as series_label
from passend.experiments.intervals import MIN_PAIRS, interval_shown
from passend.experiments.targets import CALIBRATION_LAST_YEAR, _published_file, labelling
from passend.engine.ledger import FINAL_RECEIVERS, INTERMEDIARIES, PAYERS

SIM_COLOUR, PUB_COLOUR, OUT_COLOUR = "#1f5fa8", "#222222", "#c0392b"


def _subplots(*grid, figsize, **options):
    """A figure for a file, drawn without pyplot: pyplot's global backend and figure list are the caller's (a notebook
    that writes a results folder keeps showing its own plots), and nothing has to be closed."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*grid, **options)


def _wrapped(text: str, width: int) -> str:
    """A title broken into lines of at most ``width`` characters, so that it stays over its own panel."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def draw_run_figures(folder: Path) -> list[Path]:
    """All figures of one results folder, written into it; those per school year only when a whole school year was
    simulated."""
    counts = read_csv(folder / "counts.csv")
    years = read_csv(folder / "school_years.csv")
    alliances = read_csv(folder / "alliances.csv")
    drawn = [counts_figure([counts], folder / "counts_vs_published.png")]
    if any(int(r["months_simulated"]) == 12 for r in years):
        drawn += [attendance_figure([years], folder / "attendance_vs_published.png"),
                  home_routes_figure(years, folder / "home_routes.png"),
                  spending_figure(years, folder / "spending.png")]
    return drawn + [
        alliances_figure(alliances, folder / "alliances.png"),
        regular_placement_figure([counts], folder / "regular_placement.png"),
        alliance_money_figure(alliances, folder / "alliance_money.png"),
    ]


def _series(runs: Sequence[list[dict]], key: str, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Years (from the first four characters of ``key``) and values (runs x years) summed over ``columns``."""
    x = np.array([int(str(r[key])[:4]) for r in runs[0]])
    y = np.array([[sum(float(r[c]) for c in columns) for r in run] for run in runs])
    return x, y


BAND_FROM_RUNS = 20
"""From this many runs (a posterior's sets x seeds) a figure draws the median and the 5-95% band, not the mean and
the range: the range of many runs is its two most extreme ones."""


def _draw(ax, x, y, label="simulated"):
    if len(y) >= BAND_FROM_RUNS:
        ax.plot(x, np.median(y, axis=0), color=SIM_COLOUR, lw=2, label=f"{label}, median of {len(y)} runs")
        ax.fill_between(x, *np.percentile(y, [5, 95], axis=0), color=SIM_COLOUR, alpha=0.25, lw=0,
                        label="5-95% of the runs")
        return
    ax.plot(x, y.mean(axis=0), color=SIM_COLOUR, lw=2, label=label if len(y) == 1 else f"simulated, mean of {len(y)}")
    if len(y) > 1:
        ax.fill_between(x, y.min(axis=0), y.max(axis=0), color=SIM_COLOUR, alpha=0.2, lw=0, label="range over seeds")


def published_counts() -> dict[str, list[tuple[int, float, bool]]]:
    """Published points per panel: (year, value, is a calibration target). Every shipped count up to
    CALIBRATION_LAST_YEAR is a target, some only as a part or a sum (so and vso of 2011-2012 as their sum, lwoo and
    pro each on its own); later ones, if a data file holds them, show as out of sample."""
    pub: dict[str, list[tuple[int, float, bool]]] = {k: [] for k in ("sbo", "so", "vso", "lwoo+pro")}

    def add(panel: str, year: int, value: float) -> None:
        pub[panel].append((year, value, year <= CALIBRATION_LAST_YEAR))

    for r in _published_file("pupil_counts_2003_2009.csv"):
        y = int(r["year"])
        for panel, column in (("sbo", "sbao"), ("so", "so"), ("vso", "vso"), ("lwoo+pro", "lwoo_pro")):
            add(panel, y, float(r[column]) * 1000)
    for r in _published_file("pupil_counts_2011_2014.csv") + _published_file("pupil_counts_2015_2016.csv"):
        y = int(r["date"][:4])
        add("sbo", y, float(r["sbo"]))
        for panel in ("so", "vso"):
            clusters = [r.get(f"{panel}_cl{c}", "") for c in ("1", "2", "34")]
            total = sum(float(v) for v in clusters) if all(clusters) else float(r[f"{panel}_total"])
            add(panel, y, total)
        if r.get("lwoo"):
            add("lwoo+pro", y, float(r["lwoo"]) + float(r["pro"]))
    lab = labelling()["labels"]
    pub["rugzak"] = [(2003, 11000.0, True), (2010, 39000.0, True)]
    pub["indications"] = [(2003, float(lab["heavy_indications_2003"]), True), (2009, float(lab["heavy_indications_2009"]), True)]
    return pub


REFORM_YEAR = 2014
"""Passend onderwijs starts on 1 August of this year (dashed line in the figures)."""


def counts_figure(runs: Sequence[list[dict]], path: Path) -> Path:
    """Six panels: sbo, so, vso, lwoo+pro, rugzak, all heavy indications (1 October, national)."""
    panels = [
        ("sbo", ("sbo",), "special primary (sbo)"),
        ("so", ("so",), "special education, primary age (so)"),
        ("vso", ("vso",), "special secondary (vso)"),
        ("lwoo+pro", ("lwoo", "pro"), "learning support + practical (lwoo+pro)"),
        ("rugzak", ("rugzak", "arrangements"), "rugzak, from 2014 + arrangement: heavy needs in a regular school"),
        ("indications", ("indications",), "heavy-care indications / TLVs (regular + (v)so)"),
    ]
    published = published_counts()
    fig, axes = _subplots(2, 3, figsize=(14, 7.5), sharex=True)
    for ax, (key, columns, title) in zip(axes.flat, panels):
        x, y = _series(runs, "date", columns)
        _draw(ax, x, y / 1000)
        pts = published[key]
        px = np.array([p[0] for p in pts])
        py = np.array([p[1] for p in pts]) / 1000
        calib = np.array([p[2] for p in pts])
        ax.plot(px[calib], py[calib], "o", color=PUB_COLOUR, ms=5, label="published, calibration target")
        if (~calib).any():
            ax.plot(px[~calib], py[~calib], "s", color=OUT_COLOUR, ms=5, label="published, out of sample")
        if x.size and x.max() >= REFORM_YEAR:
            ax.axvline(REFORM_YEAR + 7 / 12, color="0.4", lw=0.8, ls="--")
            ax.text(REFORM_YEAR + 0.8, 0.03, "passend onderwijs", transform=ax.get_xaxis_transform(), fontsize=7,
                    color="0.35", rotation=90, va="bottom")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("pupils (x 1,000)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8, loc="lower left")
    fig.suptitle("Pupils on 1 October: simulated against published", fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def attendance_figure(runs: Sequence[list[dict]], path: Path) -> Path:
    """The Leerplichttelling's four counts per school year as registered (solid, against the published points) and as
    they were (dashed: children at home whom no officer knew of are in it)."""
    pub = _published_file("attendance_2004_2014.csv") + _published_file("attendance_2014_2017.csv")
    fig, axes = _subplots(1, 4, figsize=(17, 4))
    for ax, (column, true, published, title) in zip(axes, (
        ("long_relative_absence", "true_long_relative_absence", "long_relative_absence",
         "at home over 4 weeks, registered at a school"),
        ("absolute_absence", "true_absolute_absence", "absolute_absence", "registered at no school"),
        ("home_over_3_months", "true_home_over_3_months", "over_3_months", "at home over 3 months"),
        ("exempt_5a", None, "exempt_5a", "exempt under art. 5 onder a"),
    )):
        x, y = _series(runs, "school_year", (column,))
        _draw(ax, x, y, label="simulated, registered" if true else "simulated")
        if true and true in runs[0][0]:
            xt, yt = _series(runs, "school_year", (true,))
            ax.plot(xt, yt.mean(axis=0), color=SIM_COLOUR, lw=1.5, ls="--", label="simulated, true")
        pts = sorted({int(r["school_year"][:4]): float(r[published]) for r in pub if r.get(published)}.items())
        if pts:
            ax.plot(*zip(*pts), "o", color=PUB_COLOUR, ms=5, label="published (Leerplichttelling)")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("school year starting")
        ax.set_ylabel("pupils in the school year")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


ROUTE_LABELS = {
    "in": {"breakdown": "place broke down", "suspension": "sent home by the school",
           "outside_cause": "outside education (move, arrival)", "exemption_ended": "exemption ended"},
    "out": {"back_to_own_school": "back to own school", "admitted_elsewhere": "admitted at another school",
            "placed_at_partner_school": "at a partner school (zorgplicht)", "placed_by_alliance": "placed by the alliance",
            "placed_by_consultant": "brought by an onderwijsconsulent", "special_place": "a (v)so place",
            "exemption": "exempted (5a)"},
}


def home_routes_figure(years: list[dict], path: Path) -> Path:
    """Spells at home begun and ended per route and school year: true (solid) and as the attendance officer knew
    them (dashed); full school years only."""
    full = [r for r in years if int(r["months_simulated"]) == 12]
    x = np.array([int(r["school_year"][:4]) for r in full])
    fig, axes = _subplots(1, 2, figsize=(14, 5.6), sharex=True)
    colours = matplotlib.colormaps["tab10"].colors
    for ax, way, title in ((axes[0], "in", "into home"), (axes[1], "out", "out of home")):
        for colour, (route, label) in zip(colours, ROUTE_LABELS[way].items()):
            column = f"home_{way}_{route}"
            if column not in full[0]:
                continue
            ax.plot(x, [float(r[column]) for r in full], color=colour, lw=2, label=label)
            ax.plot(x, [float(r[column + "_registered"]) for r in full], color=colour, lw=1.2, ls="--")
        ax.plot([], [], color="grey", lw=2, label="true")
        ax.plot([], [], color="grey", lw=1.2, ls="--", label="known to the officer")
        ax.axvline(2014, color="grey", lw=0.8, ls=":")
        ax.set_title(f"Spells at home: {title}, per school year", fontsize=10)
        ax.set_xlabel("school year starting (dotted: passend onderwijs)")
        ax.set_ylabel("pupils (national)")
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def spending_figure(years: list[dict], path: Path) -> Path:
    """Extra-support money per full school year (EUR bn), each euro counted once: left, where it ends up (stacked by
    final receiver) against the consolidated public spending (the gap between them is what the alliances received
    and did not pass on: the light-support money and what went into reserves); right, who pays, with the alliances
    and their reserves apart (they pass on what they received)."""
    full = [r for r in years if int(r["months_simulated"]) == 12]
    x = np.array([int(r["school_year"][:4]) for r in full])
    fig, (left, right) = _subplots(1, 2, figsize=(14, 6.2))
    receivers = [r for r in FINAL_RECEIVERS if any(float(row[f"receive_{r}_eur"]) for row in full)]
    left.stackplot(x, [[float(row[f"receive_{r}_eur"]) / 1e9 for row in full] for r in receivers],
                   labels=[series_label(f"receive_{r}_eur").removeprefix("received by ") for r in receivers], alpha=0.85)
    left.plot(x, [float(r["public_spending_net_eur"]) / 1e9 for r in full], "k-", lw=1.5,
              label="consolidated public spending (above the stack: kept by the alliances)")
    left.set_title("Where the money ends up (each euro once)")
    for payer in PAYERS:
        y = [float(row[f"pay_{payer}_eur"]) / 1e9 for row in full]
        if any(y):
            right.plot(x, y, lw=2, ls=":" if payer in INTERMEDIARIES else "-",
                       label=series_label(f"pay_{payer}_eur").removeprefix("paid by ")
                       + (" (passes on transfers)" if payer in INTERMEDIARIES else ""))
    right.set_title("Who pays (dotted: alliances and reserves pass on what they received)")
    for ax in (left, right):
        ax.set_ylabel("EUR bn per school year")
        ax.set_xlabel("school year starting")
        ax.axvline(REFORM_YEAR + 7 / 12, color="0.5", lw=0.8, ls=":")
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3)  # below: the data fill the axes
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def alliances_figure(alliances: list[dict], path: Path) -> Path:
    """Special-school participation per alliance over time: each alliance a thin line, the median thick."""
    fig, axes = _subplots(1, 2, figsize=(12, 4.2), sharex=True)
    for ax, sector, columns, title in (
        (axes[0], "po", ("sbo_share", "so_share"), "primary alliances: sbo + so share"),
        (axes[1], "vo", ("vso_share",), "secondary alliances: vso share"),
    ):
        rows = [r for r in alliances if r["sector"] == sector]
        names = sorted({r["alliance"] for r in rows})
        dates = sorted({r["date"] for r in rows})
        x = np.array([int(d[:4]) for d in dates])
        table = {(r["alliance"], r["date"]): sum(float(r[c]) for c in columns) * 100 for r in rows}
        y = np.array([[table[(n, d)] for d in dates] for n in names])
        for line in y:
            ax.plot(x, line, color="#999999", lw=0.6, alpha=0.6)
        ax.plot(x, np.median(y, axis=0), color=SIM_COLOUR, lw=2.5, label="median alliance")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("% of the alliance's pupils")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def regular_placement_figure(runs: Sequence[list[dict]], path: Path) -> Path:
    """Pupils with extra support in a regular school on 1 October, by what carries it: the rugzak of the old system,
    and from 2014 the alliance's arrangement by level (stacked; primary and secondary side by side)."""
    fig, axes = _subplots(1, 2, figsize=(13, 4.4), sharey=True)
    colours = ("#9ecae1", "#4292c6", "#08519c")
    for ax, school_type, rugzak in ((axes[0], "primary", "rugzak_primary"), (axes[1], "secondary", "rugzak_secondary")):
        x, rz = _series(runs, "date", (rugzak,))
        levels = [_series(runs, "date", (f"arrangements_{level}_{school_type}",))[1].mean(axis=0)
                  for level in ("light", "medium", "intensive")]
        reform = x >= REFORM_YEAR  # arrangements exist from the reform on; drawn from there, not ramped up to it
        ax.stackplot(x[reform], [level[reform] for level in levels],
                     labels=[f"arrangement, {lvl}" for lvl in ("light", "medium", "intensive")], colors=colours, alpha=0.9)
        ax.plot(x, rz.mean(axis=0), color="#e6550d", lw=2, label="rugzak (pupil-bound; from 2014 clusters 1-2 only)")
        if x.size and x.max() >= REFORM_YEAR:
            ax.axvline(REFORM_YEAR, color="#888888", lw=1, ls="--")
            ax.text(REFORM_YEAR + 0.2, 0.02, "passend onderwijs", transform=ax.get_xaxis_transform(), fontsize=8,
                    color="#555555")
        ax.set_title(f"{school_type} schools", fontsize=10)
        ax.set_xlabel("1 October of")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("pupils")
    axes[0].legend(fontsize=8, loc="upper left")
    fig.suptitle("Heavy support needs carried in a regular school, by what pays for the support", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


ALLIANCE_USES = (  # (column, label, colour): where an alliance's money goes, stacked
    ("deductions_eur", "DUO deductions: (v)so and sbo", "#c0392b"),
    ("arrangements_eur", "arrangements in regular schools", "#2980b9"),
    ("expertise_eur", "central expertise", "#8e44ad"),
    ("to_schools_eur", "passed to the schools", "#27ae60"),
    ("lwoo_pro_eur", "lwoo and pro (from 2016)", "#f39c12"),
)


def _equalisation_extremes(alliances: list[dict], sector: str) -> tuple[str, str] | None:
    """The alliance of ``sector`` that gains most under equalisation (relative to its base) and the one that loses
    most; None before the base count."""
    gain = {}
    for r in alliances:
        if r["sector"] == sector and r["base_eur_per_pupil"] not in ("", "nan") and float(r["income_eur"]) > 0:
            gain[r["alliance"]] = float(r["amount_eur_per_pupil"]) / max(float(r["base_eur_per_pupil"]), 1.0)
    if len(gain) < 2:
        return None
    return max(gain, key=gain.get), min(gain, key=gain.get)


def alliance_money_figure(alliances: list[dict], path: Path) -> Path:
    """For the primary and the secondary alliance that gain most and lose most under equalisation: income against
    what the money is spent on, per year to 1 October, with the lump-sum deductions from its schools and the reserves
    (M EUR, national). Income plus the lump-sum deductions pays the bars and the change in reserves."""
    fig, axes = _subplots(2, 2, figsize=(13, 8), sharex=True)
    for row, sector in enumerate(("po", "vo")):
        pair = _equalisation_extremes(alliances, sector)
        for col, side in enumerate(("gains most", "loses most")):
            ax = axes[row, col]
            if pair is None:
                ax.text(0.5, 0.5, "no alliance budgets in this run", ha="center", transform=ax.transAxes)
                continue
            rows = [r for r in alliances if r["alliance"] == pair[col] and float(r["income_eur"]) > 0][1:]  # the
            # first count after the reform closes a book year of two months only
            if not rows:
                ax.text(0.5, 0.5, "no full book year of alliance budgets in this run", ha="center",
                        transform=ax.transAxes)
                continue
            x = np.array([int(r["date"][:4]) for r in rows])
            bottom = np.zeros(len(rows))
            for column, label, colour in ALLIANCE_USES:
                y = np.array([float(r[column]) for r in rows]) / 1e6
                ax.bar(x, y, bottom=bottom, color=colour, width=0.7, label=label)
                bottom += y
            lump = np.array([float(r["lump_sum_deductions_eur"]) for r in rows]) / 1e6
            ax.bar(x, -lump, color="#7f8c8d", width=0.7, hatch="//", label="taken from the schools' lump sums")
            ax.plot(x, [float(r["income_eur"]) / 1e6 for r in rows], "k-o", lw=2, ms=4, label="income")
            ax.plot(x, [float(r["reserves_eur"]) / 1e6 for r in rows], "k--", lw=1.5, label="reserves (end)")
            change = float(rows[-1]["amount_eur_per_pupil"]) / max(float(rows[-1]["base_eur_per_pupil"]), 1.0) - 1
            ax.set_title(f"{'primary' if sector == 'po' else 'secondary'}: {pair[col]}, {side} "
                         f"({change * 100:+.0f}% per pupil against its base)", fontsize=9)
            ax.axhline(0, color="#444444", lw=0.8)
            ax.grid(alpha=0.3, axis="y")
            ax.set_ylabel("M EUR in the year to 1 October")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    fig.suptitle("An alliance's money under equalisation: a gainer and a loser", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    return path


# --- compare: effects of a reform ----------------------------------------------------------------------------------
EFFECT_PANELS = (
    ("spending", "spending per payer, M EUR a year", 1e-6),
    ("pupils", "pupils per setting (1 October)", 1.0),
    ("thuiszitters", "thuiszitters and absence per school year", 1.0),
    ("inflow", "inflow per school year", 1.0),
)


def comparison_figures(by_year: list[dict], alliances: list[dict], folder: Path) -> list[str]:
    """effects.png (each measure's effect per year with its interval) and alliance_effects.png; returns file names."""
    fig, axes = _subplots(2, 2, figsize=(13, 8.5), sharex=True)
    banded = all(interval_shown(int(r.get("pairs", MIN_PAIRS))) for r in by_year)
    for ax, (group, title, factor) in zip(axes.flat, EFFECT_PANELS):
        rows = [r for r in by_year if r["group"] == group]
        measures = list(dict.fromkeys(r["measure"] for r in rows))
        # only measures the reform moves: an effect whose interval excludes zero in some year
        moved = [m for m in measures if any(r["effect_low"] > 0 or r["effect_high"] < 0
                                            for r in rows if r["measure"] == m)] or measures[:4]
        if not banded:  # no trustworthy interval: the measures whose mean moves
            moved = [m for m in measures if any(abs(r["effect_mean"]) > 0 for r in rows if r["measure"] == m)][:8] \
                or measures[:4]
        for k, m in enumerate(moved):
            series = [r for r in rows if r["measure"] == m]
            x = [r["year"] for r in series]
            line, = ax.plot(x, [r["effect_mean"] * factor for r in series], marker="o", ms=3,
                            ls="--" if k >= 10 else "-",  # the colour cycle repeats after ten
                            label=series_label(m))
            if banded:  # an interval from fewer pairs than MIN_PAIRS would look surer than it is
                ax.fill_between(x, [r["effect_low"] * factor for r in series],
                                [r["effect_high"] * factor for r in series], color=line.get_color(), alpha=0.15, lw=0)
        ax.axhline(0, color="#888888", lw=0.8)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, ncol=2, frameon=False)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("year (count year, or the year the school year starts)")
    pairs = int(by_year[0].get("pairs", 0)) if by_year else 0
    fig.suptitle("Effect of the alternative against the base: mean over seed pairs, band = 90% interval" if banded else
                 f"Effect of the alternative against the base: mean over {pairs} seed pairs (no interval from fewer "
                 f"than {MIN_PAIRS})", fontsize=11)
    fig.tight_layout()
    fig.savefig(folder / "effects.png", dpi=110)

    ordered = sorted(alliances, key=lambda r: r["special_share_pp_effect"])
    fig, ax = _subplots(figsize=(13, 4.5))
    colours = {"gain": "#2e8b57", "lose": "#c0392b"}
    for i, r in enumerate(ordered):
        c = colours.get(r["equalisation_sign"], SIM_COLOUR)
        ax.errorbar(i, r["special_share_pp_effect"], fmt="o", ms=3, color=c, lw=0.8,
                    yerr=[[r["special_share_pp_effect"] - r["special_share_pp_low"]],
                          [r["special_share_pp_high"] - r["special_share_pp_effect"]]])
    for sign, c in colours.items():
        ax.plot([], [], "o", color=c, label=f"alliance {sign}s under equalisation")
    ax.axhline(0, color="#888888", lw=0.8)
    ax.set_xlabel(f"alliances, sorted by effect (count of {ordered[0]['count_date']})")
    ax.set_ylabel("percentage points")
    ax.set_title("Effect on each alliance's share of pupils in sbo, so and vso (mean, 90% interval over seed pairs)",
                 fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(folder / "alliance_effects.png", dpi=110)
    return ["effects.png", "alliance_effects.png"]


# --- sensitivity ----------------------------------------------------------------------------------------------------
def sensitivity_figure(indices: list[dict], path: Path) -> Path:
    """One panel per outcome: Morris mu* (or Sobol S1 and ST) per parameter with its 95% interval."""
    outcomes = list(dict.fromkeys(r["outcome"] for r in indices))
    shown = [i for i in ("mu_star", "S1", "ST") if any(r["index"] == i for r in indices)]
    cols = min(3, len(outcomes))
    rows_n = math.ceil(len(outcomes) / cols)
    fig, axes = _subplots(rows_n, cols, figsize=(4.6 * cols, 0.6 + 2.8 * rows_n), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes):
        rows = [r for r in indices if r["outcome"] == outcome]
        names = list(dict.fromkeys(r["parameter"] for r in rows))
        height = 0.8 / len(shown)
        for k, index in enumerate(shown):
            vals = {r["parameter"]: r for r in rows if r["index"] == index}
            y = np.arange(len(names)) + k * height
            ax.barh(y, [vals[n]["value"] for n in names], height, xerr=[vals[n]["conf_95"] for n in names],
                    label=index, alpha=0.8, error_kw={"lw": 0.8})
        ax.set_yticks(np.arange(len(names)) + height * (len(shown) - 1) / 2, names, fontsize=7)
        ax.set_title(_wrapped(series_label(outcome), 40), fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, frameon=False)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.axis("off")
    method = "Morris mu* (mean absolute elementary effect)" if "mu_star" in shown else "Sobol first-order and total"
    fig.suptitle(f"Sensitivity: {method}, with 95% bootstrap intervals", fontsize=10)
    fig.set_layout_engine("constrained")  # keeps the suptitle and long titles inside the figure
    fig.savefig(path, dpi=110)
    return path


def response_figure(curves: list[dict], path: Path) -> Path:
    """Change of each outcome against the first value of its parameter, with the 90% interval over paired seeds."""
    keys = list(dict.fromkeys((r["parameter"], r["outcome"]) for r in curves))
    cols = min(3, len(keys))
    rows_n = math.ceil(len(keys) / cols)
    fig, axes = _subplots(rows_n, cols, figsize=(max(4.6 * cols, 7.5), 0.9 + 3.2 * rows_n), squeeze=False)
    for ax, (parameter, outcome) in zip(axes.flat, keys):
        rows = [r for r in curves if r["parameter"] == parameter and r["outcome"] == outcome]
        x = [r["value"] for r in rows]
        ax.plot(x, [r["change_vs_first"] for r in rows], marker="o", color=SIM_COLOUR)
        ax.fill_between(x, [r["change_low"] for r in rows], [r["change_high"] for r in rows], color=SIM_COLOUR, alpha=0.2, lw=0)
        ax.axhline(0, color="#888888", lw=0.8)
        ax.set_xlabel(parameter, fontsize=8)
        ax.set_title(_wrapped(f"{series_label(outcome)}: change against {x[0]:g}", 38 if cols > 1 else 70), fontsize=9)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    fig.suptitle("Incentive response curves: paired runs on the same seeds (band: 90% interval)", fontsize=10)
    fig.set_layout_engine("constrained")  # tight_layout left the suptitle clipped on one narrow panel (issue 35)
    fig.savefig(path, dpi=110)
    return path


def discovery_figure(trajectory, chosen: int, box, where: str, path: Path) -> Path:
    """``passend discover``: left, PRIM's peeling trajectory (coverage against density, each box coloured by how many
    parameters it restricts, the chosen one ringed); right, the chosen box's limits on each parameter it restricts,
    within the range swept, with their quasi-p values."""
    fig, (left, right) = _subplots(1, 2, figsize=(13, 4.8), width_ratios=(1, 1.2))
    dims = trajectory["res_dim"].astype(int)
    points = left.scatter(trajectory["coverage"], trajectory["density"], c=dims, cmap="viridis", s=28, zorder=2)
    left.plot(trajectory["coverage"], trajectory["density"], color="#bbbbbb", linewidth=0.8, zorder=1)
    pick = trajectory.iloc[chosen]
    left.scatter([pick["coverage"]], [pick["density"]], s=160, facecolors="none", edgecolors=OUT_COLOUR, linewidths=2,
                 zorder=3, label=f"chosen: box {chosen}")
    left.set_xlabel("coverage (share of the runs of interest inside the box)")
    left.set_ylabel("density (share of the runs inside the box that are of interest)")
    left.set_title("PRIM's peeling trajectory")
    left.set_xlim(0, 1.02)
    left.set_ylim(0, 1.02)
    left.grid(alpha=0.3)
    left.legend(frameon=False, loc="lower left")
    fig.colorbar(points, ax=left, label="parameters restricted", ticks=sorted(set(dims)))
    if box.empty:
        right.text(0.5, 0.5, "the box restricts no parameter", ha="center", va="center")
        right.set_axis_off()
    else:
        for i, r in enumerate(box.itertuples()):
            span = (r.range_max - r.range_min) or 1.0
            low, high = (r.box_min - r.range_min) / span, (r.box_max - r.range_min) / span
            right.barh(i, 1.0, height=0.5, color="#eeeeee", edgecolor="#999999")
            right.barh(i, high - low, left=low, height=0.5, color=SIM_COLOUR, alpha=0.8)
            for at, value in ((low, r.box_min), (high, r.box_max)):  # under the bar (the axis runs downwards)
                right.text(at, i + 0.3, f"{value:.3g}", ha="center", va="top", fontsize=9)
            qp = ", ".join("-" if math.isnan(p) else f"{p:.1g}" for p in (r.quasi_p_min, r.quasi_p_max))
            right.text(1.02, i, f"qp {qp}", va="center", fontsize=8)
        right.set_yticks(range(len(box)), box["parameter"])
        right.set_xlim(0, 1.25)
        right.set_xticks([0, 1], ["lowest swept", "highest swept"])
        right.tick_params(axis="x", pad=16)  # below the limits written under the last bar
        right.set_title(f"the box (density {pick['density']:.0%}, coverage {pick['coverage']:.0%})")
        right.invert_yaxis()
    fig.suptitle(f"Where {where}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def who_gains_figure(summary: list[dict], path: Path) -> Path:
    """Who gains and who loses: for each group, the share of its pupils worse off (to the left) and better off (to
    the right), on months at home and on a fitting place, with the unchanged share written beside each bar (most
    pupils are not touched by a reform, so drawing them would hide the rest)."""
    outcomes = (("months_at_home", "months at home"), ("fitting_place", "a fitting place"))
    groups = list(dict.fromkeys((r["dimension"], r["group"]) for r in summary))
    fig, axes = _subplots(1, 2, figsize=(14, 1.2 + 0.3 * len(groups)), sharey=True)
    for ax, (outcome, title) in zip(axes, outcomes):
        rows = {(r["dimension"], r["group"]): r for r in summary if r["outcome"] == outcome}
        worse = 100 * np.array([rows[g]["worse"] for g in groups])
        better = 100 * np.array([rows[g]["better"] for g in groups])
        y = np.arange(len(groups))
        ax.barh(y, -worse, color=OUT_COLOUR, height=0.7, label="worse off")
        ax.barh(y, better, color="#2e8b57", height=0.7, label="better off")
        reach = max(worse.max(), better.max(), 0.1) * 1.1
        # the unchanged share is written right of the longest bar, in room of its own, so no bar covers it
        ax.set_xlim(-reach, reach * 1.9)
        for k, g in enumerate(groups):
            ax.text(reach * 1.05, k, f"no change {100 * rows[g]['no_change']:.1f}%", ha="left", va="center",
                    fontsize=7, color="#666666")
        ax.axvline(0, color="#888888", lw=0.8)
        ax.set_title(f"{title}: share of the group's pupils (%)", fontsize=10)
        ax.set_xticks([t for t in matplotlib.ticker.MaxNLocator(6).tick_values(-reach, reach) if abs(t) <= reach])
        ax.set_xlim(-reach, reach * 1.9)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):g}"))
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.35 / len(groups) * 4), ncol=2)
    axes[0].set_yticks(range(len(groups)), [g for _, g in groups], fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle("Who gains and who loses: pupils with a support need, pupil by pupil (mean over seed pairs)",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def decomposition_figure(by_year: list[dict], path: Path) -> Path:
    """Mechanical and behavioural effects per school year (decomposition_by_year.csv rows): for consolidated public
    spending and each payer the reform moves, the two parts as bars stacked away from zero (a saving below, a cost
    above) and the total as a point with its interval."""
    measures = list(dict.fromkeys(r["measure"] for r in by_year))
    cell = {(r["measure"], r["year"], r["part"]): r for r in by_year}
    moved = [m for m in measures if any(abs(r["effect_mean"]) >= 0.05e6 for r in by_year if r["measure"] == m)]
    shown = (["public_spending_net_eur"] + [m for m in moved if m != "public_spending_net_eur"])[:6]
    columns = min(len(shown), 3)
    rows = math.ceil(len(shown) / columns)
    fig, axes = _subplots(rows, columns, figsize=(4.6 * columns, 3.4 * rows + 0.6), squeeze=False, sharex=True)
    colours = {"mechanical": "#8c6bb1", "behavioural": "#e6a532"}
    for ax, measure in zip(axes.flat, shown):
        years = np.array(sorted({r["year"] for r in by_year if r["measure"] == measure}))
        below, above = np.zeros(len(years)), np.zeros(len(years))
        for part, colour in colours.items():
            v = np.array([cell[measure, y, part]["effect_mean"] for y in years]) / 1e6
            base = np.where(v < 0, below, above)
            ax.bar(years, v, bottom=base, width=0.7, color=colour, label=f"{part} (the reform's rules on the base's "
                   "decisions)" if part == "mechanical" else f"{part} (the response)")
            below, above = below + np.minimum(v, 0), above + np.maximum(v, 0)
        total = [cell[measure, y, "total"] for y in years]
        mean = np.array([r["effect_mean"] for r in total]) / 1e6
        if all(interval_shown(int(r.get("pairs", MIN_PAIRS))) for r in total):
            ax.errorbar(years, mean, yerr=[mean - np.array([r["effect_low"] for r in total]) / 1e6,
                                           np.array([r["effect_high"] for r in total]) / 1e6 - mean],
                        fmt="o", ms=4, color=PUB_COLOUR, lw=1, label="total, 90% interval")
        else:
            ax.plot(years, mean, "o", ms=4, color=PUB_COLOUR, label=f"total (no interval from fewer than {MIN_PAIRS} "
                    "seed pairs)")
        ax.axhline(0, color="#888888", lw=0.8)
        ax.set_title(series_label(measure), fontsize=10)
        ax.set_ylabel("M EUR per school year")
        ax.grid(axis="y", alpha=0.3)
    for ax in axes.flat[len(shown):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("school year (the year it starts)")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle("Effect on spending, mechanical and behavioural (mean over seed pairs)", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=110)
    return path


# --- the ensemble (passend calibrate --ensemble) ---------------------------------------------------------------------
def ensemble_figures(ensemble, meta: dict, fit, folder: Path) -> list[Path]:
    """ensemble_marginals.png (each parameter's weighted histogram within its prior, the shipped default marked),
    ensemble_pairs.png (the six parameters the data narrowed most, pair by pair), ensemble_fit.png (each target: the
    ensemble's 5-95% band and median against the published value, within the target's tolerance)."""
    names = meta["parameters"]
    w = ensemble["weight"].to_numpy()
    prior = {n: meta["prior"][n]["uniform"] for n in names}
    cols = 6
    rows_n = math.ceil(len(names) / cols)
    fig, axes = _subplots(rows_n, cols, figsize=(3.0 * cols, 0.8 + 2.1 * rows_n), squeeze=False)
    for ax, name in zip(axes.flat, names):
        low, high = prior[name]
        ax.hist(ensemble[name], bins=np.linspace(low, high, 16), weights=w, color=SIM_COLOUR, alpha=0.8)
        ax.axvline(meta["prior"][name]["default"], color=OUT_COLOUR, lw=1.2)
        ax.set_xlim(low, high)
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(names):]:
        ax.set_axis_off()
    fig.suptitle(f"Ensemble: weighted marginals over the uniform prior (x range); red: the shipped default. "
                 f"{meta['size']} sets, effective sample size {meta['effective_sample_size']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(folder / "ensemble_marginals.png", dpi=100)

    def narrowing(name: str) -> float:  # weighted sd over the prior's (uniform) sd
        mean = np.average(ensemble[name], weights=w)
        sd = math.sqrt(np.average((ensemble[name] - mean) ** 2, weights=w))
        return sd / ((prior[name][1] - prior[name][0]) / math.sqrt(12))

    top = sorted(names, key=narrowing)[:6]
    fig, axes = _subplots(len(top), len(top), figsize=(13, 13))
    for i, a in enumerate(top):
        for j, b in enumerate(top):
            ax = axes[i, j]
            if i == j:
                ax.hist(ensemble[a], bins=15, weights=w, color=SIM_COLOUR, alpha=0.8)
                ax.set_yticks([])
            elif i > j:
                ax.scatter(ensemble[b], ensemble[a], s=6 + 400 * w, color=SIM_COLOUR, alpha=0.5)
            else:
                ax.set_axis_off()
            if i == len(top) - 1:
                ax.set_xlabel(b, fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(a, fontsize=8)
            ax.tick_params(labelsize=6)
    fig.suptitle("Ensemble: the six parameters the targets narrowed most, pair by pair (dot size: weight)", fontsize=11)
    fig.tight_layout()
    fig.savefig(folder / "ensemble_pairs.png", dpi=90)

    fig, ax = _subplots(figsize=(14, 0.8 + 0.13 * len(fit)))
    y = np.arange(len(fit))
    ratio = fit["simulated_median"] / fit["published"]
    ax.barh(y, 2 * fit["tolerance"], left=1 - fit["tolerance"], color="#e8e8e8", height=0.8, label="tolerance")
    ax.errorbar(ratio, y, xerr=[ratio - fit["simulated_low"] / fit["published"],
                                fit["simulated_high"] / fit["published"] - ratio],
                fmt="o", ms=2.5, color=SIM_COLOUR, lw=0.8, label="ensemble: median, 5-95%")
    ax.axvline(1, color=PUB_COLOUR, lw=0.8)
    ax.set_yticks(y, fit["target"], fontsize=5)
    ax.invert_yaxis()
    ax.set_xlabel("simulated / published")
    ax.set_title(f"Ensemble: fit of each target through {meta['targets_through']} (runs at scale {meta['scale']})",
                 fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.tight_layout()
    fig.savefig(folder / "ensemble_fit.png", dpi=100)
    return [folder / "ensemble_marginals.png", folder / "ensemble_pairs.png", folder / "ensemble_fit.png"]
