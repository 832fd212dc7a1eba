"""Does the scale change the money? National money per payer and per funding stream, per school year, at several
scales (mean over seeds), each against the largest scale; prints a table and writes it as CSV.

    .venv/bin/python scripts/money_by_scale.py --scales 0.02 0.05 0.1 --seeds 3 --reference 1.0 --reference-seeds 3

A run at scale s stands for the country with each simulated pupil counting 1/s; money that is defined per pupil
agrees across scales up to seed noise. A heavy check (a national run), so a script, not a test.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys

import numpy as np

from passend.experiments.runner import simulate_many
from passend.engine.settings import RunSettings


def money_by_year(scale: float, seeds: list[int], end: dt.date, first_year: int, jobs: int) -> dict[tuple[str, str], float]:
    """(school year, column) -> mean over seeds of the pay_*/spend_* columns of full school years from ``first_year``,
    and the net change of the alliances' reserves."""
    runs = simulate_many([RunSettings(seed=s, scale=scale, end=end) for s in seeds], n_jobs=jobs)
    table: dict[tuple[str, str], list[float]] = {}
    for run in runs:
        for row in run.school_years:
            if int(row["school_year"][:4]) < first_year or int(row["months_simulated"]) != 12:
                continue
            for column, value in row.items():
                if column.startswith(("pay_", "spend_")):
                    table.setdefault((row["school_year"], column), []).append(float(value))
            # the reserves' gross flows hold each alliance's chance surpluses and deficits; their net is the change
            net = float(row["spend_reserves_kept_eur"]) - float(row["spend_reserves_drawn_eur"])
            table.setdefault((row["school_year"], "net_reserve_change_eur"), []).append(net)
    return {key: float(np.mean(values)) for key, values in table.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[0.02, 0.05, 0.1])
    ap.add_argument("--seeds", type=int, default=3, help="seeds per scale (1..N)")
    ap.add_argument("--reference", type=float, default=1.0, help="the scale the others are compared with")
    ap.add_argument("--reference-seeds", type=int, default=1,
                    help="seeds at the reference scale (1..N); with as many as --seeds only the scale differs, since "
                         "each seed also draws the alliances' own policies (distribution mix, gatekeeping)")
    ap.add_argument("--first-year", type=int, default=2014)
    ap.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2020, 7, 31))
    ap.add_argument("--tolerance", type=float, default=0.05)
    ap.add_argument("--min-eur", type=float, default=10e6, help="leave out streams smaller than this a year")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=None, help="CSV file to write")
    args = ap.parse_args(argv)

    print(f"reference: scale {args.reference}, {args.reference_seeds} seeds", file=sys.stderr)
    reference = money_by_year(args.reference, list(range(1, args.reference_seeds + 1)), args.end, args.first_year, 1)
    results = {}
    for scale in args.scales:
        print(f"scale {scale}: {args.seeds} seeds", file=sys.stderr)
        results[scale] = money_by_year(scale, list(range(1, args.seeds + 1)), args.end, args.first_year, args.jobs)
    rows = []
    for (year, column), ref in sorted(reference.items()):
        if abs(ref) < args.min_eur:
            continue
        row = {"school_year": year, "column": column, f"scale_{args.reference}_meur": ref / 1e6}
        for scale in args.scales:
            value = results[scale].get((year, column), float("nan"))
            row[f"scale_{scale}_meur"] = value / 1e6
            row[f"scale_{scale}_rel"] = value / ref - 1.0
        rows.append(row)
    columns = sorted({r["column"] for r in rows})
    print(f"\nworst relative difference over school years {args.first_year}/.. against scale {args.reference} "
          f"(streams of at least EUR {args.min_eur / 1e6:.0f} M a year)")
    print(f"{'column':42s} {'M EUR/yr':>9s} " + " ".join(f"{'s=' + str(s):>9s}" for s in args.scales))
    outside = 0
    for column in columns:
        mine = [r for r in rows if r["column"] == column]
        worst = [max((r[f"scale_{s}_rel"] for r in mine), key=abs) for s in args.scales]
        outside += sum(abs(w) > args.tolerance for w in worst)
        mean_ref = np.mean([r[f"scale_{args.reference}_meur"] for r in mine])
        flags = " ".join(f"{w * 100:+8.1f}%{'*' if abs(w) > args.tolerance else ' '}" for w in worst)
        print(f"{column:42s} {mean_ref:9.0f} {flags}")
    print(f"\n{outside} of {len(columns) * len(args.scales)} (column, scale) pairs outside {args.tolerance:.0%} (marked *)")
    if args.out:
        with open(args.out, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
