"""Do alliances that gain under equalisation raise special participation more often than those that lose? Per seed and
sector: the share of gainers and of losers whose special participation (primary: sbo + so, secondary: vso, as shares
of the alliance's pupils) rose from one count to another, and the mean change, with what the alliances decided.

    .venv/bin/python scripts/equalisation_differential.py --scale 0.2 --seeds 3 --first 2011 --last 2015

A heavy check (runs at scale 0.2), so a script, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np

from passend.experiments.runner import simulate_many
from passend.engine.settings import RunSettings

PARTICIPATION = {"po": ("sbo_share", "so_share"), "vo": ("vso_share",)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first", type=int, default=2011, help="count year of the start (1 October)")
    ap.add_argument("--last", type=int, default=2015, help="count year of the end")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    runs = simulate_many([RunSettings(seed=s, scale=args.scale, end=dt.date(args.last, 10, 31))
                          for s in range(1, args.seeds + 1)], n_jobs=args.jobs)
    first, last = f"{args.first}-10-01", f"{args.last}-10-01"
    print(f"special participation {args.first} -> {args.last}, scale {args.scale}; rose = share of alliances whose "
          f"participation rose; change in percentage points; strictness, referral charge and deductions per pupil: "
          f"mean over the school years from 2014 (the alliances' decisions)")
    print(f"{'seed':>4} {'sector':>6} {'side':>5} {'n':>3} {'rose':>6} {'change pp':>10} {'strictness':>10} "
          f"{'charge EUR':>10} {'deduct/pupil':>12}")
    holds = True
    for seed, run in enumerate(runs, start=1):
        rows = run.alliances
        for sector, columns in PARTICIPATION.items():
            share = {(r["alliance"], r["date"]): sum(float(r[c]) for c in columns) for r in rows if r["sector"] == sector}
            sign = {r["alliance"]: r["equalisation_sign"] for r in rows if r["date"] == last and r["sector"] == sector}
            decided = [r for r in rows if r["sector"] == sector and r["date"] >= "2014-10-01"]
            rose = {}
            for side in ("gain", "lose"):
                names = [a for a, s in sign.items() if s == side]
                change = np.array([share[(a, last)] - share[(a, first)] for a in names]) * 100
                mine = [r for r in decided if r["alliance"] in names]
                strict = np.mean([float(r["strictness"]) for r in mine])
                charge = np.mean([float(r["referral_charge_eur"]) for r in mine])
                per_pupil = np.mean([float(r["deductions_eur"]) / max(float(r["pupils"]), 1.0) for r in mine])
                rose[side] = float(np.mean(change > 0))
                print(f"{seed:>4} {sector:>6} {side:>5} {len(names):>3} {rose[side]:6.0%} {change.mean():+10.3f} "
                      f"{strict:10.3f} {charge:10.0f} {per_pupil:12.0f}")
            holds &= rose["gain"] > rose["lose"]
    print("gainers raise special participation more often than losers in every seed and sector:", holds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
