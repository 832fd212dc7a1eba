"""Paired default vs no_reform runs (5 seeds at scale 0.1, common random numbers): the numbers quoted in the issue-3
closing note. A stopgap until `passend compare` (issue 4) does this properly, with a report.

    .venv/bin/python scripts/reform_vs_baseline.py
"""
import numpy as np
from passend.experiments.runner import simulate_many
from passend.experiments.scenarios import build_scenario
from passend.model.settings import RunSettings
from passend.model.streams import RandomStreams
seeds = RandomStreams.replicate_seeds(1, 5)
res = {}
for sc in ("default", "no_reform"):
    pol, beh = build_scenario(sc)
    res[sc] = simulate_many([RunSettings(seed=s, scale=0.1) for s in seeds], beh, pol, sc, n_jobs=2)
def ysum(run, cols, lo="2014", hi="2099"):
    return sum(sum(y[c] for c in cols) for y in run.school_years if lo <= y["school_year"] < hi)
for cols in (("inflow_sbo",), ("inflow_so",), ("inflow_vso",), ("long_relative_absence",), ("home_over_3_months",), ("sent_on",), ("absolute_absence",), ("exempt_5a",)):
    d = [ysum(a, cols) for a in res["default"]]; n = [ysum(b, cols) for b in res["no_reform"]]
    diff = np.array(d) - np.array(n)
    print(f"{cols[0]:24s} 2014/15-2024/25 default {np.mean(d):9.0f} no_reform {np.mean(n):9.0f} diff {diff.mean():8.0f} [{diff.min():.0f}, {diff.max():.0f}]")
for c in ("pay_state_eur", "pay_alliances_eur", "pay_school_lump_sums_eur", "pay_municipalities_eur"):
    d = [ysum(a, (c,)) / 11e6 for a in res["default"]]; n = [ysum(b, (c,)) / 11e6 for b in res["no_reform"]]
    print(f"{c:26s} mean per year 2014-2025, M EUR: default {np.mean(d):8.1f} no_reform {np.mean(n):8.1f}")
# sent on before/after in default
for lo, hi in (("2009", "2014"), ("2016", "2021")):
    print("sent_on per year", lo, hi, np.mean([ysum(a, ("sent_on",), lo, hi) / 5 for a in res["default"]]).round(), "no_reform", np.mean([ysum(a, ("sent_on",), lo, hi) / 5 for a in res["no_reform"]]).round())
# losers vs gainers DiD 2013 -> 2020
eff = {"lose": [], "gain": []}
for a, b in zip(res["default"], res["no_reform"]):
    by = lambda rows, y: {r["alliance"]: r for r in rows if r["date"].startswith(str(y))}
    base, after, without = by(a.alliances, 2013), by(a.alliances, 2020), by(b.alliances, 2020)
    sh = lambda r: r["sbo_share"] + r["so_share"] + r["vso_share"]
    for sign in eff:
        names = [k for k, r in base.items() if r["equalisation_sign"] == sign]
        w = np.array([base[k]["pupils"] for k in names], float)
        eff[sign].append(100 * float((np.array([sh(after[k]) - sh(without[k]) for k in names]) * w).sum() / w.sum()))
    counts = {s: sum(1 for r in base.values() if r["equalisation_sign"] == s) for s in eff}
print("reform effect on special share 2020 (pp), losers", np.round(eff["lose"], 2), "gainers", np.round(eff["gain"], 2), counts)
# equalisation size (first seed)
rows = [r for r in res["default"][0].alliances if r["date"].startswith("2015")]
for sector in ("po", "vo"):
    rs = [r for r in rows if r["sector"] == sector]
    nat = [r for r in res["default"][0].alliances if r["date"].startswith("2020") and r["sector"] == sector][0]["amount_eur_per_pupil"]
    shift = np.array([(nat - r["base_eur_per_pupil"]) * r["pupils"] for r in rs])
    print(sector, "gainers", (shift > 0).sum(), "losers", (shift < 0).sum(), "shift M each way", round(shift[shift > 0].sum() / 1e6, 1), "national EUR/pupil", round(nat))
# forecast table default
for y in ("2014", "2016", "2018", "2020", "2022", "2024"):
    vals = {c: [next(r[c] for r in run.counts if r["date"].startswith(y)) for run in res["default"]] for c in ("sbo", "so", "vso", "lwoo", "pro")}
    print(y, " ".join(f"{c} {np.mean(v):.0f} [{min(v):.0f}-{max(v):.0f}]" for c, v in vals.items()))
flag = [r for r in res["default"][0].alliances if r["date"].startswith("2019")]
print("alliances with reserves flagged 2019:", sum(r["reserves_flagged"] for r in flag), "of", len(flag))
