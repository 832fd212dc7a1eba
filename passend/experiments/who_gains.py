"""Who gains and who loses by a reform (issue 15): pupil by pupil, as microsimulation reports show it.

A reform and its base run on the same seed simulate the same pupils (common random numbers: the same ids, needs and
parents), so each pupil with a support need at the end of both runs can be compared with itself. Two named outcomes:

* **months at home** since the run began (fewer is better), in bands: 4 or more months fewer, 1-3 fewer, no change,
  1-3 more, 4 or more more;
* **a fitting place** at the end (a school whose place carries the need): gained, no change, lost.

Pupils are grouped by their level of need and their parents' resources (quintiles of the model's ``need`` and
``push`` among these pupils), by the setting they are in in the base run, and by their alliance's group
(gainer or loser under equalisation, and its size in terciles). The synthetic country has no urban/rural
attribute, so there is no such group. Shares are the mean over seed pairs; the mean change per pupil has a 90% interval
over seed pairs.
"""

from __future__ import annotations

import math

import numpy as np

from passend.agents.alliance import alliance_name
from passend.experiments.intervals import interval_shown, mean_interval
from passend.model.recorder import RunOutput
from passend.engine.population import Setting

MONTHS_BANDS = (("4 or more months fewer", -math.inf, -4), ("1-3 months fewer", -3, -1), ("no change", 0, 0),
                ("1-3 months more", 1, 3), ("4 or more months more", 4, math.inf))
"""Bands of the change in a pupil's months at home (reform minus base), each (label, lowest, highest) inclusive."""
FITTING_BANDS = ("gained a fitting place", "no change", "lost a fitting place")
OUTCOMES = {"months_at_home": "months at home", "fitting_place": "a fitting place"}
QUINTILES = ("1 (lowest)", "2", "3", "4", "5 (highest)")


def _quintile(values: np.ndarray) -> np.ndarray:
    """Each value's quintile (0-4) among ``values``."""
    edges = np.quantile(values, [0.2, 0.4, 0.6, 0.8])
    return np.searchsorted(edges, values, side="right")


def _alliance_groups(base: RunOutput, alliance: np.ndarray) -> dict[str, np.ndarray]:
    """Per pupil, its alliance's equalisation sign and size tercile on the base run's last count."""
    last = base.alliances[-1]["date"]
    rows = {r["alliance"]: r for r in base.alliances if r["date"] == last}
    names = np.array([alliance_name(a) for a in range(max(alliance.max() + 1, 1))])[alliance]
    words = {"gain": "alliance that gains by equalisation", "lose": "alliance that loses by equalisation"}
    sign = np.array([words.get(rows[n]["equalisation_sign"], "alliance without a 2011 base") for n in names])
    sizes = np.array([r["pupils"] for r in rows.values()])
    edges = np.quantile(sizes, [1 / 3, 2 / 3])
    size = np.array(["small", "medium", "large"])[np.searchsorted(edges, [rows[n]["pupils"] for n in names], side="right")]
    return {"alliance: equalisation": sign,
            "alliance: size (terciles of pupils)": np.char.add(size, " alliance")}


def _pair(base: RunOutput, alternative: RunOutput) -> dict:
    """The pupils with a need at the end of both runs, with their groups (from the base run) and their changes."""
    b, a = base.pupils, alternative.pupils
    _, ib, ia = np.intersect1d(b["uid"], a["uid"], assume_unique=True, return_indices=True)
    months = a["months_home_total"][ia].astype(np.int64) - b["months_home_total"][ib]
    fitting = a["fitting"][ia].astype(np.int8) - b["fitting"][ib]  # +1 gained, -1 lost
    groups = {
        "all": np.full(len(ib), "all pupils with a support need"),
        "need (quintiles)": np.array([f"need {q}" for q in QUINTILES])[_quintile(b["need"][ib])],
        "parents' resources (quintiles of push)": np.array([f"resources {q}" for q in QUINTILES])[_quintile(b["push"][ib])],
        "setting in the base run": np.array([Setting(s).name.lower() for s in b["setting"][ib]]),
        **_alliance_groups(base, b["alliance"][ib]),
    }
    return {"groups": groups, "months": months, "fitting": fitting, "scale": base.settings.scale}


def who_gains(pairs: list[tuple[RunOutput, RunOutput]]) -> tuple[list[dict], list[dict]]:
    """(summary rows, band rows). Summary: per dimension, group and outcome, the pupils (national), the shares better
    off, unchanged and worse off, and the mean change per pupil with its interval. Bands: the share in each band."""
    compared = [_pair(b, a) for b, a in pairs]
    summary, bands = [], []
    for dimension in compared[0]["groups"]:
        labels = sorted(set().union(*(set(c["groups"][dimension]) for c in compared)))
        for group in labels:
            members = [c["groups"][dimension] == group for c in compared]
            pupils = float(np.mean([m.sum() / c["scale"] for m, c in zip(members, compared)]))
            for outcome, key in (("months_at_home", "months"), ("fitting_place", "fitting")):
                changes = [c[key][m] for m, c in zip(members, compared)]
                better_is = -1 if outcome == "months_at_home" else 1  # fewer months at home, a place gained
                shares = np.array([[np.mean(better_is * d > 0), np.mean(d == 0), np.mean(better_is * d < 0)]
                                   if len(d) else [math.nan] * 3 for d in changes])
                mean, low, high = mean_interval([d.mean() if len(d) else math.nan for d in changes])
                better, same, worse = np.nanmean(shares, axis=0)
                summary.append({"dimension": dimension, "group": group, "pupils": pupils, "outcome": outcome,
                                "better": better, "no_change": same, "worse": worse, "mean_change": mean,
                                "mean_change_low": low, "mean_change_high": high, "pairs": len(changes)})
                for band, share in _band_shares(outcome, changes):
                    bands.append({"dimension": dimension, "group": group, "outcome": outcome, "band": band,
                                  "share": share})
    return summary, bands


def _band_shares(outcome: str, changes: list[np.ndarray]) -> list[tuple[str, float]]:
    """Each band's share, the mean over pairs."""
    if outcome == "months_at_home":
        tests = [(label, lambda d, lo=lo, hi=hi: (d >= lo) & (d <= hi)) for label, lo, hi in MONTHS_BANDS]
    else:
        tests = list(zip(FITTING_BANDS, (lambda d: d > 0, lambda d: d == 0, lambda d: d < 0)))
    return [(label, float(np.nanmean([np.mean(test(d)) if len(d) else math.nan for d in changes])))
            for label, test in tests]


def markdown(summary: list[dict]) -> list[str]:
    """The report's section: for each outcome, a table of every group with its shares and mean change."""
    lines = [
        "## Who gains and who loses",
        "",
        "Pupil by pupil: each pupil with a support need at the end of both runs of a seed pair is the same pupil in "
        "both (common random numbers), so the change is the reform's. Groups are taken from the base run. Shares "
        "are the mean over seed pairs; the mean change per pupil has its 90% interval in brackets. The synthetic "
        "country has no urban/rural attribute, so alliances are grouped by equalisation and size only. Files: "
        "`who_gains.csv` (these rows), `who_gains_bands.csv` (finer bands), `who_gains.png`.",
        "",
    ]
    for outcome, title in OUTCOMES.items():
        unit = "months per pupil" if outcome == "months_at_home" else "share of pupils (gained minus lost)"
        better, worse = (("fewer months", "more months") if outcome == "months_at_home"
                         else ("gained a place", "lost a place"))
        lines += [f"### {title.capitalize()}", "",
                  f"| group | pupils | {better} | no change | {worse} | mean change ({unit}) |", "|---|---:|---:|---:|---:|---:|"]
        for r in summary:
            if r["outcome"] != outcome:
                continue
            interval = f" no interval ({r['pairs']})" if math.isnan(r["mean_change_low"]) or not \
                interval_shown(r["pairs"]) else f" [{r['mean_change_low']:+.3f}, {r['mean_change_high']:+.3f}]"
            lines.append(f"| {r['group']} | {r['pupils']:,.0f} | {r['better']:.1%} | {r['no_change']:.1%} | "
                         f"{r['worse']:.1%} | {r['mean_change']:+.3f}{interval} |")
        lines.append("")
    return lines
