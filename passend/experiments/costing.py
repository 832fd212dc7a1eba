"""The costing table of ``passend compare``, as a budget office reads a measure: the announced amount beside the
mechanical, behavioural and total effect, per budget (calendar) year and per school year, the structural amount, in
constant prices of a named year and in nominal prices, and a present value.

Prices. The model holds every amount at the value in its law files throughout the run (EUR 21,400 a (v)so place from
2003 to 2025): it does not index. Most of those amounts are figures of 2011 (kst_31497_31, the 2011 money tables), so
the model's euros are read as prices of :data:`MODEL_PRICE_YEAR`. *Constant prices of* :data:`PRICE_YEAR` multiply
them by the index of that year over the index of 2011; *nominal* prices multiply each year's amount by that year's
index over 2011's, i.e. as if the budgets had followed the index (as the yearly wage and price adjustment of the
budgets does). The index is the CBS consumer price index (``registry/prices/cpi_cbs.csv``, published changes
2003-2018), projected after its last sourced year at :data:`PROJECTED_RATE` a year.

Budget years are calendar years: the sum of the months (August-December of one school year and January-July of the
next). The mechanical books keep school years only, so the mechanical part of a budget year takes 5/12 of the school
year that starts in it and 7/12 of the one that ends in it (the behavioural part is the total less that).

The structural amount is the yearly effect once the reform has worked through: the mean over the last
:data:`STRUCTURAL_YEARS` full school years of the run (in the default period, after equalisation is complete in
2020), with the change per year over those years beside it, so that a reader sees whether it has settled.

The present value discounts the effects in constant prices at :data:`DISCOUNT_RATE` real a year, the standard rate
for Dutch cost-benefit analysis since 2021 (Werkgroep discontovoet 2020, adopted by the cabinet:
https://www.rwseconomie.nl/discontovoet), to the first budget year in which the policies differ.

Every amount is computed pair by pair (common random numbers) and summarised as the other effects of the report are:
the mean over pairs with its interval.
"""

from __future__ import annotations

import csv
import math
import tomllib
from collections import defaultdict
from functools import lru_cache
from importlib import resources
from typing import Any, Callable

import numpy as np

from passend.engine.errors import ConfigError
from passend.experiments.intervals import effect_columns, interval_shown
from passend.model.recorder import by_payer_and_receiver

Comparison = Any
"""A :class:`passend.experiments.compare.Comparison` (not imported: compare imports this module)."""

MODEL_PRICE_YEAR = 2011
"""The year whose prices the model's (unindexed) amounts are read in."""
PRICE_YEAR = 2018
"""Constant prices of this year: the last year of the sourced index (``passend compare`` has no option for it yet)."""
PROJECTED_RATE = 0.02
"""The index's yearly change after its last sourced year: the ECB's medium-term inflation target of 2%."""
DISCOUNT_RATE = 0.0225
"""Real discount rate: the standard rate of Dutch cost-benefit analysis (Werkgroep discontovoet 2020)."""
STRUCTURAL_YEARS = 3
"""The structural amount: the mean effect over this many last full school years."""
MEASURES = ("public_spending_net_eur", "pay_state_eur")
"""What the costing table costs: consolidated public spending, and the state (where a national budget cut lands)."""
PARTS = ("mechanical", "behavioural", "total")
COLUMN_TITLES = {"announced": "announced", "announced_in_model": "announced, with a counterpart in the model",
                 "mechanical": "mechanical", "behavioural": "behavioural", "total": "total"}
INDEX_SOURCE = ("CBS consumer price index (CPI, all households), yearly change 2003-2018 as published "
                "(registry/prices/cpi_cbs.csv)")
ANNOUNCED_KEYS = {"reform": str, "measure": str, "amount_eur_per_year": (int, float), "first_budget_year": int,
                  "price_year": int, "in_model_eur_per_year": (int, float), "source": str, "note": str}
ANNOUNCED_REQUIRED = ("measure", "amount_eur_per_year", "first_budget_year", "price_year", "source")


# --- prices -------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _sourced_changes() -> dict[int, float]:
    path = resources.files("passend.experiments") / "registry" / "prices" / "cpi_cbs.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    changes = {int(r["year"]): float(r["cpi_change_percent"]) / 100 for r in rows}
    years = sorted(changes)
    if years != list(range(years[0], years[-1] + 1)):
        raise ValueError(f"{path}: the years must follow each other without a gap, found {years}")
    return changes


def last_sourced_year() -> int:
    return max(_sourced_changes())


def price_index(year: int) -> float:
    """The index of ``year`` relative to :data:`MODEL_PRICE_YEAR` (= 1): sourced changes through the last sourced year,
    :data:`PROJECTED_RATE` a year after it."""
    changes = _sourced_changes()
    first, last = min(changes), max(changes)
    if year < first - 1:
        raise ValueError(f"no price index before {first - 1} (registry/prices/cpi_cbs.csv starts in {first})")

    def level(y: int) -> float:  # relative to the year before the first change
        value = 1.0
        for t in range(first, min(y, last) + 1):
            value *= 1 + changes[t]
        return value * (1 + PROJECTED_RATE) ** max(y - last, 0)

    return level(year) / level(MODEL_PRICE_YEAR)


def school_year_index(year: int) -> float:
    """The index of school year ``year``/``year + 1``: 5 months in ``year``, 7 in the next."""
    return (5 * price_index(year) + 7 * price_index(year + 1)) / 12


# --- the announcement ---------------------------------------------------------------------------------------------
def announced(reform_name: str) -> dict | None:
    """The announced amount for a registered reform (``registry/announced/<name>.toml``), checked; None if there is
    none. Kept beside the reform file, not in it, so that reform files keep the format every version reads."""
    path = resources.files("passend.experiments") / "registry" / "announced" / f"{reform_name}.toml"
    return read_announced(path, reform_name) if path.is_file() else None


def read_announced(path, reform_name: str) -> dict:
    """An announcement file (format: ``registry/README.md``), checked: a ConfigError names the key and the file."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError("TOML syntax", str(err), "a valid TOML file", where) from None
    for key, value in data.items():
        if key not in ANNOUNCED_KEYS:
            raise ConfigError(key, value, "one of the keys: " + ", ".join(ANNOUNCED_KEYS), where)
        kinds = ANNOUNCED_KEYS[key] if isinstance(ANNOUNCED_KEYS[key], tuple) else (ANNOUNCED_KEYS[key],)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise ConfigError(key, value, "a number" if int in kinds else "text", where)
    for key in ANNOUNCED_REQUIRED:
        if key not in data:
            raise ConfigError(key, None, "a value (required)", where)
    if data["measure"] not in MEASURES:
        raise ConfigError("measure", data["measure"], "one of: " + ", ".join(MEASURES), where)
    if data.get("reform", reform_name) != reform_name:
        raise ConfigError("reform", data["reform"], f"the name of the file's reform, {reform_name}", where)
    return data


def announced_for(c: Comparison) -> list[dict]:
    """The announcements of the reforms the alternative adds to the base."""
    names = [r.name for r in c.alternative.reforms if r not in c.base.reforms]
    return [a | {"reform": name} for name in names if (a := announced(name)) is not None]


# --- per pair -----------------------------------------------------------------------------------------------------
def _budget_years(run, measure: str) -> tuple[dict[int, float], dict[int, int]]:
    """Calendar year -> the measure summed over its months, and the number of months simulated in it."""
    values, months = defaultdict(float), defaultdict(int)
    for row in run.months:
        year = int(row["date"][:4])
        streams = {k[6:-4]: float(v) for k, v in row.items() if k.startswith("spend_") and k.endswith("_eur")}
        values[year] += by_payer_and_receiver(streams)[measure]
        months[year] += 1
    return dict(values), dict(months)


def _school_years(rows: list[dict], measure: str) -> dict[int, float]:
    return {int(r["school_year"][:4]): float(r[measure]) for r in rows}


def costing(c: Comparison, effect: Callable[[np.ndarray, float], dict] | None = None) -> list[dict]:
    """Tidy rows of the costing table (``costing.csv``): per measure (:data:`MEASURES`), basis (``budget_year``,
    ``school_year``, ``structural``, ``sum``, ``present_value``), year, part (``announced``, ``mechanical``,
    ``behavioural``, ``total``) and prices (``model`` = the model's unindexed euros, ``constant_<PRICE_YEAR>``,
    ``nominal``): the effect's mean over pairs with its interval. Mechanical and behavioural parts only with
    --decompose. ``effect``: how the report summarises an effect over the pairs (compare passes its own, which knows
    parameter sets); by default the mean and interval over the pairs."""
    _effect = effect or (lambda d, base_mean: effect_columns(d, base_mean))
    rows: list[dict] = []
    first = c.first_year
    constant = f"constant_{PRICE_YEAR}"
    to_constant = price_index(PRICE_YEAR)
    notes = {a["measure"]: a for a in announced_for(c)}
    for measure in MEASURES:
        # per pair: school years (base, alternative, books) and budget years (base, alternative)
        sy_base = [_school_years(b.school_years, measure) for b, _ in c.pairs]
        sy_alt = [_school_years(a.school_years, measure) for _, a in c.pairs]
        full = {int(r["school_year"][:4]) for r in c.pairs[0][0].school_years if int(r["months_simulated"]) == 12}
        school_years = sorted(y for y in set.intersection(*(set(s) for s in sy_base + sy_alt)) if y >= first)
        total_sy = np.array([[alt[y] - base[y] for y in school_years] for base, alt in zip(sy_base, sy_alt)])
        parts_sy = {"total": total_sy}
        if c.decomposed:
            sy_books = [_school_years(b.mechanical or [], measure) for b, _ in c.pairs]
            mech = np.array([[books.get(y, base[y]) - base[y] for y in school_years]
                             for base, books in zip(sy_base, sy_books)])
            parts_sy |= {"mechanical": mech, "behavioural": total_sy - mech}
        budget = [(_budget_years(b, measure), _budget_years(a, measure)) for b, a in c.pairs]
        months = budget[0][0][1]
        budget_years = sorted(y for y in months if y >= first)
        total_by = np.array([[a[0][y] - b[0][y] for y in budget_years] for b, a in budget])
        parts_by = {"total": total_by}
        if c.decomposed:
            at = {y: i for i, y in enumerate(school_years)}
            mech_by = np.zeros_like(total_by)
            for j, y in enumerate(budget_years):  # 5/12 of the school year starting in y, 7/12 of the one ending in it
                if y in at:
                    mech_by[:, j] += 5 / 12 * parts_sy["mechanical"][:, at[y]]
                if y - 1 in at:
                    mech_by[:, j] += 7 / 12 * parts_sy["mechanical"][:, at[y - 1]]
            parts_by |= {"mechanical": mech_by, "behavioural": total_by - mech_by}
        base_sy = np.array([[base[y] for y in school_years] for base in sy_base])
        base_by = np.array([[b[0][y] for y in budget_years] for b, _ in budget])

        def add(basis: str, year, part: str, values: np.ndarray, base_mean: float, prices: str, index: float,
                months_in: int | None = None, note: str = "") -> None:
            summary = _effect(values * index, base_mean * index)
            rows.append({"measure": measure, "basis": basis, "year": year, "months": months_in, "part": part,
                         "prices": prices, "price_index": index, **summary, "pairs": len(values), "note": note})

        for part, table in parts_by.items():
            for j, y in enumerate(budget_years):
                base_mean = float(base_by[:, j].mean())
                add("budget_year", y, part, table[:, j], base_mean, "model", 1.0, months[y])
                add("budget_year", y, part, table[:, j], base_mean, constant, to_constant, months[y])
                add("budget_year", y, part, table[:, j], base_mean, "nominal", price_index(y), months[y])
        for part, table in parts_sy.items():
            for j, y in enumerate(school_years):
                base_mean = float(base_sy[:, j].mean())
                add("school_year", y, part, table[:, j], base_mean, "model", 1.0, 12 if y in full else None)
                add("school_year", y, part, table[:, j], base_mean, constant, to_constant, 12 if y in full else None)
                add("school_year", y, part, table[:, j], base_mean, "nominal", school_year_index(y),
                    12 if y in full else None)
        # structural: the mean of the last full school years
        last_full = [j for j, y in enumerate(school_years) if y in full][-STRUCTURAL_YEARS:]
        if last_full:
            years = [school_years[j] for j in last_full]
            label = f"{years[0]}/{years[0] + 1}-{years[-1]}/{years[-1] + 1}"
            for part, table in parts_sy.items():
                values = table[:, last_full].mean(axis=1)
                trend = float(np.polyfit(years, table[:, last_full].mean(axis=0), 1)[0]) if len(years) > 1 else 0.0
                note = (f"mean of the school years {label}; the effect changes by {trend / 1e6:+,.1f} M a year over "
                        "them (model prices)")
                base_mean = float(base_sy[:, last_full].mean())
                add("structural", label, part, values, base_mean, constant, to_constant, note=note)
                add("structural", label, part, values, base_mean, f"nominal_{years[-1] + 1}",
                    price_index(years[-1] + 1), note=note)
        # sums and present value over the full budget years, in constant prices
        whole = [j for j, y in enumerate(budget_years) if months[y] == 12]
        if whole:
            years = np.array([budget_years[j] for j in whole])
            discount = (1 + DISCOUNT_RATE) ** -(years - first)
            label = f"{years[0]}-{years[-1]}"
            for part, table in parts_by.items():
                base_sum = float(base_by[:, whole].sum(axis=1).mean())
                add("sum", label, part, table[:, whole].sum(axis=1), base_sum, constant, to_constant,
                    note=f"budget years {label} added up")
                add("present_value", label, part, (table[:, whole] * discount).sum(axis=1),
                    float((base_by[:, whole] * discount).sum(axis=1).mean()), constant, to_constant,
                    note=f"budget years {label} discounted at {DISCOUNT_RATE:.2%} a year to {first}")
        announcement = notes.get(measure)
        if announcement:
            rows += _announced_rows(announcement, budget_years, school_years, months, measure, first)
    return rows


def _announced_rows(a: dict, budget_years: list[int], school_years: list[int], months: dict[int, int],
                    measure: str, first: int) -> list[dict]:
    """The announcement in the bases of the table: its amount (in prices of its year) in every budget year from its
    first, and in each school year (a budget year's amount per twelve months)."""
    constant = f"constant_{PRICE_YEAR}"
    to_model = price_index(MODEL_PRICE_YEAR) / price_index(a["price_year"])
    amounts = {"announced": a["amount_eur_per_year"] * to_model}
    if "in_model_eur_per_year" in a:
        amounts["announced_in_model"] = a["in_model_eur_per_year"] * to_model
    rows = []

    def row(part, basis, year, value_model, prices, index, months_in=None):
        rows.append({"measure": measure, "basis": basis, "year": year, "months": months_in, "part": part,
                     "prices": prices, "price_index": index, "effect_mean": value_model * index, "effect_low": math.nan,
                     "effect_high": math.nan, "pairs": 0, "note": f"{a['reform']}: {a['source']}"})

    for part, amount in amounts.items():
        for y in budget_years:
            share = months[y] / 12 if y >= a["first_budget_year"] else 0.0
            for prices, index in (("model", 1.0), (constant, price_index(PRICE_YEAR)), ("nominal", price_index(y))):
                row(part, "budget_year", y, amount * share, prices, index, months[y])
        for y in school_years:
            share = 1.0 if y >= a["first_budget_year"] else 7 / 12 if y + 1 == a["first_budget_year"] else 0.0
            for prices, index in (("model", 1.0), (constant, price_index(PRICE_YEAR)),
                                  ("nominal", school_year_index(y))):
                row(part, "school_year", y, amount * share, prices, index)
    return rows


# --- the report's section -----------------------------------------------------------------------------------------
def _m(v: float) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v / 1e6:+,.1f}"


def _cell(r: dict | None, interval: bool = False) -> str:
    """The mean, and with ``interval`` its interval, or "no interval (N)" with too few pairs for one."""
    if r is None:
        return ""
    if interval and r["pairs"]:
        if not interval_shown(r["pairs"]) or math.isnan(r["effect_low"]):
            return f"{_m(r['effect_mean'])} no interval ({r['pairs']})"
        return f"{_m(r['effect_mean'])} [{_m(r['effect_low'])}, {_m(r['effect_high'])}]"
    return _m(r["effect_mean"])


def markdown(c: Comparison, rows: list[dict]) -> list[str]:
    """The report's section *Costing*: per measure, the budget years and school years with the announced amount and
    the parts, then the structural amount, the sum and the present value."""
    from passend.experiments.dictionary import label

    constant = f"constant_{PRICE_YEAR}"
    announcements = announced_for(c)
    lines = ["## Costing", ""]
    for a in announcements:
        lines.append(f"- **Announced** ({a['reform']}): {_m(a['amount_eur_per_year'])} M EUR a year on "
                     f"{label(a['measure'])}, in prices of {a['price_year']}, from budget year "
                     f"{a['first_budget_year']}"
                     + (f"; of it {_m(a['in_model_eur_per_year'])} M has a counterpart in the model"
                        if "in_model_eur_per_year" in a else "")
                     + f". Source: {a['source']}." + (f" {a['note']}" if a.get("note") else ""))
    if not announcements:
        lines.append("- **Announced**: no announced amount is registered for this reform "
                     "(`passend/experiments/registry/announced/<reform>.toml`).")
    lines += [
        f"- **Prices**: the model holds every amount at its value in the law files throughout (e.g. EUR 21,400 a (v)so "
        f"place from 2003 to 2025); it does not index. Its euros are read as prices of {MODEL_PRICE_YEAR}, the year "
        f"most of its amounts come from. *Constant {PRICE_YEAR} prices* multiply them by the price index of "
        f"{PRICE_YEAR} over {MODEL_PRICE_YEAR} ({price_index(PRICE_YEAR):.3f}); *nominal* multiplies each year's "
        f"amount by that year's index over {MODEL_PRICE_YEAR}'s, as if the budgets had followed the index. Index: "
        f"{INDEX_SOURCE}; after {last_sourced_year()} projected at {PROJECTED_RATE:.1%} a year.",
        "- **Budget years** are calendar years (the months January to December); school years run August to July. "
        + ("The mechanical part of a budget year takes 5/12 of the school year that starts in it and 7/12 of the one "
           "that ends in it (the mechanical books keep school years); the behavioural part is the rest."
           if c.decomposed else "Mechanical and behavioural parts: run with `--decompose`."),
        f"- **Structural**: the mean yearly effect over the last {STRUCTURAL_YEARS} full school years of the run, "
        "once the reform has worked through (with the default period, after equalisation is complete in 2020); the "
        "change per year over those years says whether it has settled.",
        f"- **Present value**: the budget years' effects in constant {PRICE_YEAR} prices, discounted at "
        f"{DISCOUNT_RATE:.2%} a year (real; the standard discount rate for Dutch cost-benefit analysis, Werkgroep "
        f"discontovoet 2020) to {c.first_year}, the first budget year in which the policies differ.",
        "- All in M EUR; a saving is negative. The total has its interval in brackets; `costing.csv` has every "
        "interval.",
        "",
    ]
    table = {(r["measure"], r["basis"], r["year"], r["part"], r["prices"]): r for r in rows}
    parts = ["announced", "announced_in_model"] + (["mechanical", "behavioural", "total"] if c.decomposed
                                                    else ["total"])
    for measure in MEASURES:
        if not any(r["measure"] == measure for r in rows):
            continue
        present = {r["part"] for r in rows if r["measure"] == measure}
        shown = [p for p in parts if p in present]
        head = " | ".join(COLUMN_TITLES[p] for p in shown)
        for basis, title in (("budget_year", "per budget year"), ("school_year", "per school year")):
            years = sorted({r["year"] for r in rows if r["measure"] == measure and r["basis"] == basis})
            lines += [f"### {label(measure).capitalize()}, {title} (M EUR, constant {PRICE_YEAR} prices; total also "
                      "nominal)", "",
                      f"| {'budget year' if basis == 'budget_year' else 'school year'} | months | {head} | total, nominal |",
                      "|---|---:|" + "---:|" * (len(shown) + 1)]
            for y in years:
                cells = [_cell(table.get((measure, basis, y, p, constant)), p == "total") for p in shown]
                nominal = _cell(table.get((measure, basis, y, "total", "nominal")))
                first_row = table.get((measure, basis, y, "total", constant))
                months = first_row["months"] if first_row else None
                name = str(y) if basis == "budget_year" else f"{y}/{y + 1}"
                lines.append(f"| {name} | {months if months else 'part'} | " + " | ".join(cells) + f" | {nominal} |")
            lines.append("")
        summary = [r for r in rows if r["measure"] == measure and r["basis"] in ("structural", "sum", "present_value")]
        if summary:
            effects = [p for p in shown if not p.startswith("announced")]
            claims = [p for p in shown if p.startswith("announced")]
            lines += [f"### {label(measure).capitalize()}: structural amount, sum and present value (M EUR)", "",
                      "| | prices | " + " | ".join(COLUMN_TITLES[p] for p in claims + effects) + " |",
                      "|---|---|" + "---:|" * len(claims + effects)]
            by_claim = {p: {r["year"]: r["effect_mean"] for r in rows
                            if r["measure"] == measure and r["part"] == p and r["basis"] == "budget_year"
                            and r["prices"] == constant and r["months"] == 12} for p in claims}
            for basis, prices, what in (("structural", constant, "structural"), ("structural", None, "structural"),
                                        ("sum", constant, "sum"), ("present_value", constant, "present value")):
                found = [r for r in summary if r["basis"] == basis and (prices is None and r["prices"].startswith(
                    "nominal_") or r["prices"] == prices)]
                if not found:
                    continue
                year = found[0]["year"]
                by_part = {r["part"]: r for r in found}
                cells = [_cell(by_part.get(p), p == "total") for p in effects]
                claimed = []
                for p in claims:
                    per_year = by_claim[p]
                    if not per_year or prices != constant:
                        claimed.append("")
                    elif basis == "structural":
                        claimed.append(_m(per_year[max(per_year)]))
                    else:
                        first_y, last_y = (int(x) for x in year.split("-"))
                        claimed.append(_m(sum(v * ((1 + DISCOUNT_RATE) ** -(y - c.first_year)
                                                   if basis == "present_value" else 1)
                                              for y, v in per_year.items() if first_y <= y <= last_y)))
                shown_prices = prices or found[0]["prices"]
                lines.append(f"| {what}, {year} | {shown_prices.replace('_', ' ')} | " + " | ".join(claimed + cells)
                             + " |")
            note = next((r["note"] for r in summary if r["basis"] == "structural" and r["part"] == "total"), "")
            lines += ["", f"Structural: {note}." if note else "", ""]
    return lines
