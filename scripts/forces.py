"""What each force of the years after 2016 contributes: the default against the same world with that force switched
off (issue 33), on paired seeds, for the counts of special education, the Leerplichttelling's series and the
alliances' reserves. Writes forces.csv (the effect of each force: default minus force off, with its 90% interval),
forces.md (the table for docs/long-run.md) and one figure per force.

    .venv/bin/python scripts/forces.py --seeds 10 --scale 0.1 --out results/forces

Heavy (two runs per seed and force, 2003-2025), so a script, not a test. Each comparison is kept in its own folder
under --out (passend compare's report), so an interrupted script is started again with --resume.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from passend.experiments import api  # noqa: E402
from passend.experiments.dictionary import label  # noqa: E402
from passend.experiments.targets import calibration_targets  # noqa: E402

FORCES = {
    "teacher shortage": "without_teacher_shortage",
    "complex problems": "without_complex_needs_growth",
    "youth care with the municipalities (Jeugdwet)": "without_jeugdwet",
    "Thuiszitterspact": "without_thuiszitterspact",
    "lwoo/pro in the alliances": "without_lwoo_in_alliances",
    "equalisation (verevening)": "no_equalisation",
    "alliances' precautionary reserves": "without_reserve_precaution",
}
"""Each force, and the registered scenario or reform that switches it off."""
MEASURES = ("so", "sbo", "vso", "exempt_5a", "absolute_absence", "long_relative_absence", "home_over_3_months",
            "alliance_reserves_eur")
PUBLISHED_NAME = {"so": "so", "sbo": "sbo", "vso": "vso", "exempt_5a": "exemptions 5a",
                  "absolute_absence": "absolute absence", "long_relative_absence": "long relative absence",
                  "home_over_3_months": "home over 3 months"}
YEARS = (2018, 2024)
"""The years the table reports: the 1 October counts of 2018 and 2024, and the school years 2018/19 and 2024/25."""


def published() -> dict[str, dict[int, float]]:
    """The calibration targets (2003-2018) of the measures drawn, by year."""
    out: dict[str, dict[int, float]] = {m: {} for m in PUBLISHED_NAME}
    for t in calibration_targets():
        for measure, name in PUBLISHED_NAME.items():
            if t.name in (f"{name} {t.year}", f"{name} {t.year}-{t.year + 1}"):  # a count, a school year
                out[measure][t.year] = t.published
    return out


def effect_rows(force: str, effects) -> list[dict]:
    """The force's effect: the default minus the world without it (compare's effect is without minus default)."""
    rows = []
    for r in effects[effects.measure.isin(MEASURES)].itertuples():
        rows.append({"force": force, "measure": r.measure, "year": int(r.year), "default": r.base_mean,
                     "without_force": r.base_mean + r.effect_mean, "effect": -r.effect_mean,
                     "effect_low": -r.effect_high, "effect_high": -r.effect_low, "pairs": int(r.pairs)})
    return rows


def draw(force: str, rows: list[dict], data: dict[str, dict[int, float]], path: Path) -> None:
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.5), sharex=True)
    for ax, measure in zip(axes.ravel(), MEASURES):
        mine = sorted((r for r in rows if r["measure"] == measure and r["year"] >= 2010), key=lambda r: r["year"])
        years = np.array([r["year"] for r in mine])
        scale = 1e6 if measure.endswith("_eur") else 1.0
        default = np.array([r["default"] for r in mine]) / scale
        without = np.array([r["without_force"] for r in mine]) / scale
        low = default - np.array([r["effect_high"] for r in mine]) / scale
        high = default - np.array([r["effect_low"] for r in mine]) / scale
        ax.plot(years, default, color="#1f4e79", lw=2, label="default")
        ax.plot(years, without, color="#c0504d", lw=2, ls="--", label=f"without {force}")
        ax.fill_between(years, low, high, color="#c0504d", alpha=0.2, lw=0, label="90% interval of the difference")
        pub = {y: v for y, v in data.get(measure, {}).items() if y >= 2010}
        if pub:
            ax.scatter(list(pub), [v / scale for v in pub.values()], color="black", s=14, zorder=3,
                       label="published (calibration window)")
        ax.axvspan(2018.5, 2025, color="0.93", zorder=0)
        ax.set_title(label(measure) + (" (M EUR)" if scale > 1 else ""), fontsize=10)
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, frameon=False)
    fig.suptitle(f"The default against the same world without {force} (mean of the seeds; grey: after the "
                 "calibration window)", fontsize=12)
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    fig.savefig(path, dpi=90)
    plt.close(fig)


def table(rows: list[dict]) -> list[str]:
    """Markdown: per force and measure, the effect in 2018 and 2024 with its interval."""
    def cell(r):
        unit = 1e6 if r["measure"].endswith("_eur") else 1.0
        return f"{r['effect'] / unit:+,.0f} [{r['effect_low'] / unit:+,.0f}, {r['effect_high'] / unit:+,.0f}]"

    lines = ["| force | measure | " + " | ".join(str(y) for y in YEARS) + " |", "|---|---|" + "---:|" * len(YEARS)]
    for force in FORCES:
        for measure in MEASURES:
            got = {r["year"]: r for r in rows if r["force"] == force and r["measure"] == measure}
            unit = " (M EUR)" if measure.endswith("_eur") else ""
            lines.append(f"| {force} | {label(measure)}{unit} | "
                         + " | ".join(cell(got[y]) if y in got else "" for y in YEARS) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("results/forces"))
    ap.add_argument("--resume", action="store_true", help="keep the comparisons already in --out")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=args.resume)
    data, rows = published(), []
    for force, off in FORCES.items():
        folder = args.out / off
        if not (args.resume and (folder / "effects_by_year.csv").is_file()):
            print(f"{force}: default against {off}, {args.seeds} seed pairs at scale {args.scale}", flush=True)
            api.compare("default", off, seeds=args.seeds, scale=args.scale, jobs=args.jobs, out=folder,
                        resume=args.resume and folder.exists())
        mine = effect_rows(force, pd.read_csv(folder / "effects_by_year.csv"))
        draw(force, mine, data, args.out / f"{off}.png")
        rows += mine
    with open(args.out / "forces.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (args.out / "forces.md").write_text("\n".join(table(rows)) + "\n")
    print(f"written to {args.out}: forces.csv, forces.md and one figure per force")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
