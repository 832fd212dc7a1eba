"""``passend compare BASE REFORM``: paired runs on common random numbers and a report a reader can quote.

Each seed runs twice, once as the base and once with the reform. Every named random decision draws from its own
stream keyed by (decision, pupil, month) (``passend.engine.streams``), so the two runs of a pair differ only where the
reform's mechanism makes a decision come out differently. The effect is alternative minus base, per seed; the report
gives its mean over the seed pairs and a 90% interval for that mean (t distribution over the pairs).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from passend.experiments.dictionary import COUNT_COLUMNS, label
from passend.experiments.intervals import INTERVAL, MIN_PAIRS, effect_columns, interval_shown, mean_interval, too_few_note
from passend.experiments.output import source_revision, written_whole
from passend.experiments.runner import Executor, open_kept_runs, run_all
from passend.model.recorder import RunOutput
from passend.experiments.scenarios import Scenario
from passend.experiments.who_gains import markdown as who_gains_markdown
from passend.experiments.costing import (DISCOUNT_RATE, INDEX_SOURCE, MODEL_PRICE_YEAR, PRICE_YEAR, PROJECTED_RATE,
                                         STRUCTURAL_YEARS, announced_for, costing, last_sourced_year)
from passend.experiments.costing import markdown as costing_markdown
from passend.experiments.who_gains import who_gains
from passend.engine import __version__
from passend.engine.behaviour import history_match_names
from passend.engine.calendar import school_year_of
from passend.engine.ledger import PAYERS
from passend.engine.settings import RunSettings
from passend.engine.errors import ConfigError

SPENDING = ["public_spending_net_eur"] + [f"pay_{payer}_eur" for payer in PAYERS]
SETTINGS = ["bao", "sbo", "so", "vso", "lwoo", "pro", "vo_other", "rugzak", "arrangements", "home", "exempt"]
THUISZITTERS = ["long_relative_absence", "home_over_3_months", "absolute_absence", "exempt_5a", "sent_on",
                "true_long_relative_absence", "true_home_over_3_months", "true_absolute_absence", "exemptions_granted"]
INFLOWS = ["inflow_sbo", "inflow_so", "inflow_vso", "indications_granted"]
RESERVES = ["alliance_reserves_eur"]
GROUPS = {"spending": SPENDING, "pupils": SETTINGS, "thuiszitters": THUISZITTERS, "inflow": INFLOWS,
          "reserves": RESERVES}
"""Measures of the report, by group. Spending and the school-year flows per school year; pupils and the alliances'
reserves per 1 October count."""


@dataclass
class Comparison:
    base: Scenario
    alternative: Scenario
    settings: list[RunSettings]
    pairs: list[tuple[RunOutput, RunOutput]]
    first_year: int  # the school year in which the policies first differ
    seconds: float
    backend: str
    parameter_sets: list[dict] | None = None  # --uncertainty parameters: the sets drawn from the ensemble
    ensemble: dict | None = None  # and the ensemble's description
    decomposed: bool = False  # --decompose: each base run kept the reform's mechanical books (RunOutput.mechanical)

    def by_set(self, values: list[float]) -> list[np.ndarray]:
        """Per-pair values grouped by parameter set (pairs run set by set, the same seeds in each)."""
        n_sets = len(self.parameter_sets or [None])
        return list(np.asarray(values, dtype=float).reshape(n_sets, len(self.settings)))


def _simulate_scenario(scenario: Scenario, settings: RunSettings, values: dict | None = None,
                       mechanical: Scenario | None = None) -> RunOutput:
    """One run of ``scenario`` (with behaviour ``values`` from the ensemble, if given); ``mechanical``: the scenario
    whose law the run also books on its own decisions (:mod:`passend.model.mechanical`)."""
    policy, behaviour = scenario.build()
    if values:
        behaviour = behaviour.replace("the ensemble", **values)
    books = None if mechanical is None else mechanical.build()[0]
    from passend.experiments.one_run import simulate_rows

    return simulate_rows(settings, behaviour, policy, scenario.name, mechanical=books)


def check_comparable(base: Scenario, alternative: Scenario, settings: RunSettings) -> None:
    """Refuse, before any run, a comparison whose two scenarios cannot differ in the simulated period: the same law
    and behaviour, or law that first differs after the period ends (a ConfigError naming the first date they differ)."""
    base_policy, base_behaviour = base.build()
    alt_policy, alt_behaviour = alternative.build()
    if base_behaviour.to_dict() != alt_behaviour.to_dict():
        return  # behaviour acts from the first month
    differs = base_policy.first_difference(alt_policy)
    if differs is None:
        raise ConfigError("REFORM", alternative.name, f"a scenario or reform that differs from {base.name} (the two "
                          "have the same law and behaviour, so every effect would be zero)")
    if differs > settings.end:
        raise ConfigError("--end", settings.end.isoformat(), f"a date on or after {differs.isoformat()}, when "
                          f"{alternative.name} first differs from {base.name} (before it the two runs are the same)")


def run_pairs(base: Scenario, alternative: Scenario, settings: list[RunSettings], n_jobs: int = 2,
              scheduler: str | None = None, progress: bool = False, out: Path | None = None,
              resume: bool = False, parameter_sets: list[dict] | None = None,
              ensemble: dict | None = None, decompose: bool = False) -> Comparison:
    """Both scenarios on every seed, on ``n_jobs`` local processes or a Dask ``scheduler``
    (:class:`passend.experiments.runner.Executor`), with a progress bar on standard error if asked.

    ``out``: the folder the report will be written to; until then every finished run is kept in ``<out>.runs`` as
    it finishes (so that an interrupted comparison loses none); with ``resume`` the runs kept there are read back
    instead of run again (the journal must be of this same comparison). Runs are the same whatever order they
    finish in, so a resumed comparison equals an uninterrupted one.
    ``parameter_sets``: behaviour values (drawn from the ensemble) each pair of every seed runs with, set by set.
    ``decompose``: each base run also books the alternative's rules on its own decisions, for the mechanical and
    behavioural effects (:func:`decomposition`).
    """
    base_policy, _ = base.build()
    alt_policy, _ = alternative.build()
    differs = base_policy.first_difference(alt_policy)
    books = alternative if decompose else None
    tasks = [task for values in (parameter_sets or [None]) for s in settings
             for task in ((base, s, values, books), (alternative, s, values))]
    identity = {"command": "compare", "base": base.to_dict(), "alternative": alternative.to_dict(),
                "settings": [s.to_dict() for s in settings], "parameter_sets": parameter_sets, "decompose": decompose}
    expected = [{"run_id": i, "settings": task[1].to_dict()} for i, task in enumerate(tasks)]
    began = time.perf_counter()
    with Executor(n_jobs, scheduler) as executor:  # a scheduler that cannot be reached stops us before any writing
        journal = open_kept_runs(out, resume, identity, expected, "scenarios, seeds and period") if out else None
        outputs = run_all(_simulate_scenario, tasks, executor, "compare" if progress else None, journal)
    first_year = school_year_of(differs) if differs else school_year_of(settings[0].start)
    pairs = list(zip(outputs[0::2], outputs[1::2]))
    return Comparison(base, alternative, settings, pairs, first_year, time.perf_counter() - began, executor.label,
                      parameter_sets, ensemble, decompose)


# --- effects ------------------------------------------------------------------------------------------------------
def _series(run: RunOutput, column: str, first_year: int) -> dict[int, float]:
    """Year -> value: 1 October counts by their year, school-year columns by the year the school year starts."""
    if column in COUNT_COLUMNS:
        return {int(r["date"][:4]): float(r[column]) for r in run.counts if int(r["date"][:4]) >= first_year}
    return {int(r["school_year"][:4]): float(r[column]) for r in run.school_years if int(r["school_year"][:4]) >= first_year}


def effects_by_year(c: Comparison) -> list[dict]:
    """Tidy rows: group, measure, year, base mean, effect mean and its interval, relative effect."""
    rows = []
    for group, measures in GROUPS.items():
        for measure in measures:
            base = [_series(b, measure, c.first_year) for b, _ in c.pairs]
            alt = [_series(a, measure, c.first_year) for _, a in c.pairs]
            for year in sorted(set.intersection(*(set(s) for s in base + alt))):
                b = np.array([s[year] for s in base])
                d = np.array([s[year] for s in alt]) - b
                rows.append({"group": group, "measure": measure, "year": year, "base_mean": b.mean(),
                             **_effect(c, d, b.mean()), "pairs": len(d)})
    return rows


def _effect(c: Comparison, d: np.ndarray, base_mean: float) -> dict:
    """The effect columns of a measure: mean and interval over seed pairs; with parameter sets, the interval over sets
    and seeds, the seed-only interval beside it and the share of the variance that comes from the parameters."""
    return effect_columns(d, base_mean, None if c.parameter_sets is None else c.by_set(d))


def effects_cumulated(c: Comparison) -> list[dict]:
    """Per measure, summed over the years from the reform on (pupil counts: pupil-years)."""
    rows = []
    for group, measures in GROUPS.items():
        for measure in measures:
            base = np.array([sum(_series(b, measure, c.first_year).values()) for b, _ in c.pairs])
            alt = np.array([sum(_series(a, measure, c.first_year).values()) for _, a in c.pairs])
            years = sorted(_series(c.pairs[0][0], measure, c.first_year))
            rows.append({"group": group, "measure": measure, "first_year": years[0] if years else None,
                         "last_year": years[-1] if years else None, "base_total": base.mean(),
                         **_effect(c, alt - base, base.mean())})
    return rows


PARTS = ("total", "mechanical", "behavioural")
"""The decomposition of an effect on spending: total = alternative - base; mechanical = the alternative's rules on the
base's decisions - base; behavioural = alternative - the alternative's rules on the base's decisions."""


def _parts(c: Comparison, measure: str) -> list[tuple[dict[int, float], dict[int, float], dict[int, float]]]:
    """Per pair: (base, the base's decisions under the alternative's rules, alternative), year -> value."""
    def books(run: RunOutput) -> dict[int, float]:
        return {int(r["school_year"][:4]): float(r[measure]) for r in run.mechanical
                if int(r["school_year"][:4]) >= c.first_year}

    return [(_series(b, measure, c.first_year), books(b), _series(a, measure, c.first_year)) for b, a in c.pairs]


def _part_effects(c: Comparison, base: np.ndarray, books: np.ndarray, alt: np.ndarray) -> dict[str, np.ndarray]:
    return {"total": alt - base, "mechanical": books - base, "behavioural": alt - books}


def decomposition(c: Comparison) -> tuple[list[dict], list[dict]]:
    """With --decompose: each payer's effect per school year, and summed over the years from the reform on, split
    into its mechanical and behavioural parts (:data:`PARTS`), each with its interval. Tidy rows (measure, year or
    first and last year, part, effect columns as in :func:`effects_by_year`)."""
    by_year, cumulated = [], []
    for measure in SPENDING:
        series = _parts(c, measure)
        years = sorted(set.intersection(*(set(s) for pair in series for s in pair)))
        for year in years:
            base, books, alt = (np.array([pair[k][year] for pair in series]) for k in range(3))
            for part, d in _part_effects(c, base, books, alt).items():
                by_year.append({"measure": measure, "year": year, "part": part, "base_mean": base.mean(),
                                **_effect(c, d, base.mean()), "pairs": len(d)})
        base, books, alt = (np.array([sum(pair[k][y] for y in years) for pair in series]) for k in range(3))
        for part, d in _part_effects(c, base, books, alt).items():
            cumulated.append({"measure": measure, "first_year": years[0], "last_year": years[-1], "part": part,
                              "base_total": base.mean(), **_effect(c, d, base.mean())})
    return by_year, cumulated


def alliance_effects(c: Comparison) -> list[dict]:
    """Per alliance, on the last count: effect on the special share (sbo + so + vso per pupil) and on thuiszitters
    per 1,000 pupils, mean over the seed pairs with the interval."""
    last = c.pairs[0][0].alliances[-1]["date"]

    def by_alliance(run: RunOutput) -> dict[str, dict]:
        return {r["alliance"]: r for r in run.alliances if r["date"] == last}

    per_seed = [(by_alliance(b), by_alliance(a)) for b, a in c.pairs]
    rows = []
    for name, first in per_seed[0][0].items():
        special = np.array([sum(a[name][k] - b[name][k] for k in ("sbo_share", "so_share", "vso_share")) for b, a in per_seed])
        home = np.array([1000 * (a[name]["thuiszitters"] / max(a[name]["pupils"], 1) -
                                 b[name]["thuiszitters"] / max(b[name]["pupils"], 1)) for b, a in per_seed])
        s_mean, s_lo, s_hi = mean_interval(100 * special)
        h_mean, h_lo, h_hi = mean_interval(home)
        rows.append({"alliance": name, "sector": first["sector"], "equalisation_sign": first["equalisation_sign"],
                     "pupils": first["pupils"], "count_date": last, "special_share_pp_effect": s_mean,
                     "special_share_pp_low": s_lo, "special_share_pp_high": s_hi,
                     "thuiszitters_per_1000_effect": h_mean, "thuiszitters_per_1000_low": h_lo,
                     "thuiszitters_per_1000_high": h_hi})
    return rows


def runs_by_seed(c: Comparison) -> list[dict]:
    """The school-year rows of every run, with its seed and role (``base`` or ``alternative``); with --decompose also
    the money of the base's decisions under the alternative's rules (role ``mechanical``, money columns only)."""
    rows = [{"seed": b.settings.seed, "scenario": role, **row}
            for b, a in c.pairs for role, run in (("base", b), ("alternative", a)) for row in run.school_years]
    if c.decomposed:
        rows += [{"seed": b.settings.seed, "scenario": "mechanical", **row} for b, _ in c.pairs for row in b.mechanical]
    return rows


# --- the report ---------------------------------------------------------------------------------------------------
def _money(v: float) -> str:
    return f"{v / 1e6:+,.1f}"


def _pupils(v: float) -> str:
    return f"{v:+,.0f}"


def _held_at_shipped(sets: list[dict]) -> str:
    """Which of the parameters a calibration speaks to (calibrated, or marked for history matching) the sets leave
    out: they keep their shipped values (fixed by the calibration as ones the outcomes do not depend on, or
    calibrated after an older ensemble was made)."""
    held = [name for name in history_match_names() if name not in sets[0]]
    varied = len([name for name in sets[0] if name != "weight"])
    return (f" The sets vary {varied} parameters" + (
        "; " + ", ".join(f"`{m}`" for m in held) + " keep their shipped values" if held else "") + ".")


def _fmt(measure: str, v: float) -> str:
    return _money(v) if measure.endswith("_eur") else _pupils(v)


def _label(measure: str) -> str:
    """What the report calls a measure (passend.experiments.dictionary.LABELS), never its column name."""
    return label(measure)


def _bracket(measure: str, low: float, high: float, pairs: int) -> str:
    """An effect's interval as the report prints it: [low, high], or no interval with too few pairs to mean anything
    (``MIN_PAIRS``)."""
    if not interval_shown(pairs) or math.isnan(low):
        return f"no interval ({pairs})"
    return f"[{_fmt(measure, low)}, {_fmt(measure, high)}]"


def write_report(c: Comparison, folder: Path) -> Path:
    """report.md with its tables (CSV) and figures; ``folder`` must not exist yet. Returns the report's path."""
    from passend.experiments.figures import comparison_figures, decomposition_figure, who_gains_figure
    from passend.experiments.output import data_file_hashes, package_versions, write_csv

    with written_whole(folder) as partial:
        by_year, cumulated, alliances = effects_by_year(c), effects_cumulated(c), alliance_effects(c)
        write_csv(partial / "effects_by_year.csv", by_year)
        write_csv(partial / "effects_cumulated.csv", cumulated)
        write_csv(partial / "alliance_effects.csv", alliances)
        write_csv(partial / "runs_by_seed.csv", runs_by_seed(c))
        gains, bands = who_gains(c.pairs)
        write_csv(partial / "who_gains.csv", gains)
        write_csv(partial / "who_gains_bands.csv", bands)
        figures = comparison_figures(by_year, alliances, partial)
        figures.append(who_gains_figure(gains, partial / "who_gains.png").name)
        parts = decomposition(c) if c.decomposed else None
        if parts:
            write_csv(partial / "decomposition_by_year.csv", parts[0])
            write_csv(partial / "decomposition_cumulated.csv", parts[1])
            figures.append(decomposition_figure(parts[0], partial / "decomposition.png").name)
        costs = costing(c, lambda d, base_mean: _effect(c, d, base_mean))
        write_csv(partial / "costing.csv", costs)
        (partial / "report.md").write_text(_markdown(c, by_year, cumulated, alliances, figures, gains, parts, costs))
        (partial / "manifest.json").write_text(json.dumps({
            "kind": "compare", "passend_version": __version__, "base": c.base.to_dict(),
            "alternative": c.alternative.to_dict(), "seeds": [s.seed for s in c.settings],
            "settings": c.settings[0].to_dict() | {"seed": None}, "first_school_year": c.first_year,
            "interval": f"{INTERVAL:.0%} t interval of the mean effect over seed pairs", "backend": c.backend,
            "seconds": round(c.seconds, 1), "commit": source_revision(), "data_files": data_file_hashes(),
            "environment": package_versions(),
            "uncertainty": "seeds" if c.parameter_sets is None else "parameters", "parameter_sets": c.parameter_sets,
            "ensemble": c.ensemble, "decompose": c.decomposed,
            "costing": {"prices_of_the_model": MODEL_PRICE_YEAR, "constant_prices": PRICE_YEAR,
                        "price_index": INDEX_SOURCE, "projected_after": last_sourced_year(),
                        "projected_rate": PROJECTED_RATE, "discount_rate": DISCOUNT_RATE,
                        "discounted_to": c.first_year, "structural_years": STRUCTURAL_YEARS,
                        "announced": announced_for(c)},
            "min_pairs_for_intervals": MIN_PAIRS,
        }, indent=2, default=str))
    return folder / "report.md"


def _uncertainty_note(c: Comparison) -> list[str]:
    if c.parameter_sets is None:
        return []
    e = c.ensemble or {}
    return [f"- **Parameter uncertainty**: the {len(c.pairs)} seed pairs are {len(c.parameter_sets)} parameter sets "
            f"drawn from the ensemble ({e.get('size', '?')} sets, effective sample size "
            f"{e.get('effective_sample_size', '?')}, made {e.get('made', '?')} by {e.get('method', 'ABC-SMC')}) x "
            f"{len(c.settings)} seeds, each pair on common random numbers. The interval is where the effect at a set "
            f"drawn from the ensemble lies (mean +- t x sqrt(parameter variance + seed variance / seeds)); the "
            f"seed-only interval beside it is what seeds alone would give at one set."]


def _parameters_against_seeds(c: Comparison, cumulated: list[dict]) -> list[str]:
    """With parameter sets: each headline measure's interval beside the seed-only one, and how much of the effect's
    variance comes from the parameters."""
    if c.parameter_sets is None:
        return []
    lines = ["", "### How sure: parameters against seeds", "",
             "| measure | effect | interval (parameters and seeds) | seed-only interval | variance from parameters |",
             "|---|---:|---:|---:|---:|"]
    for r in cumulated:
        if r["group"] == "pupils":
            continue
        m = r["measure"]
        lines.append(f"| {_label(m)} | {_fmt(m, r['effect_mean'])} | {_bracket(m, r['effect_low'], r['effect_high'], len(c.pairs))} | "
                     f"{_bracket(m, r['seed_only_low'], r['seed_only_high'], len(c.settings))} | "
                     f"{r['parameter_variance_share']:.0%} |")
    return lines


def _decomposition_section(c: Comparison, parts: tuple[list[dict], list[dict]] | None) -> list[str]:
    """With --decompose: each payer's effect split into its mechanical and behavioural parts, summed over the years
    and per year for consolidated public spending and the state."""
    if parts is None:
        return []
    by_year, cumulated = parts

    def cell(r: dict) -> str:
        return f"{_money(r['effect_mean'])} {_bracket(r['measure'], r['effect_low'], r['effect_high'], len(c.pairs))}"

    first, last = cumulated[0]["first_year"], cumulated[0]["last_year"]
    lines = ["## Mechanical and behavioural effects", "",
             "The **mechanical** effect is the reform's rules applied to behaviour as it was: each base run also booked "
             "what the alternative's law would pay for its own pupils, placements and decisions (every school's, "
             "alliance's, parent's, provider's and municipality's), on the same seed. The **behavioural** effect is the "
             "rest: what changes because the institutions and parents respond. The two add up to the total effect, "
             "pair by pair. Held as in the base: where every pupil is, their indications and arrangements, the TLVs "
             "granted, and each alliance's planned reserve change, distribution mix and referral charge; computed by "
             "the reform's law: the state's amounts, each alliance's budget (equalisation, cut), DUO's deductions, "
             "the prices of arrangements and places, transport and youth care per pupil. A rule that acts only "
             "through where pupils go has no mechanical effect.", "",
             f"### {first}/{first + 1} to {last}/{last + 1} together (M EUR)", "",
             "| payer | total | mechanical | behavioural |", "|---|---:|---:|---:|"]
    table = {(r["measure"], r["part"]): r for r in cumulated}
    for measure in SPENDING:
        if all(abs(table[measure, part]["effect_mean"]) < 0.05e6 for part in PARTS):
            continue
        lines.append(f"| {_label(measure)} | " + " | ".join(cell(table[measure, part]) for part in PARTS) + " |")
    for measure in ("public_spending_net_eur", "pay_state_eur"):
        lines += ["", f"### {_label(measure)} per school year (M EUR)", "",
                  "| year | total | mechanical | behavioural |", "|---|---:|---:|---:|"]
        cells = {(r["year"], r["part"]): r for r in by_year if r["measure"] == measure}
        for year in sorted({year for year, _ in cells}):
            lines.append(f"| {year}/{year + 1} | " + " | ".join(cell(cells[year, part]) for part in PARTS) + " |")
    return lines + [""]


def _markdown(c: Comparison, by_year: list[dict], cumulated: list[dict], alliances: list[dict], figures: list[str],
              gains: list[dict], parts: tuple[list[dict], list[dict]] | None = None,
              costs: list[dict] | None = None) -> str:
    s = c.settings[0]
    n = len(c.pairs)
    first, last = c.first_year, max(r["year"] for r in by_year)
    lines = [
        f"# {c.alternative.name} against {c.base.name}",
        "",
        f"*passend {__version__}, {dt.date.today().isoformat()}. {n} seed pairs at scale {s.scale} "
        f"(national numbers: simulated counts divided by the scale), {s.start} to {s.end}.*",
        "",
        f"- **Base**: {c.base.name}: {c.base.description or '-'}",
        f"- **Alternative**: {c.alternative.name}: {c.alternative.description or '-'}",
    ]
    for reform in c.alternative.reforms:
        if reform not in c.base.reforms:
            lines.append(f"- Reform `{reform.name}` (source: {reform.source}):")
            for k, o in reform.overlays.items():
                values = ", ".join(f"from {d}: {v}" for d, v in o.items())
                why = f" Why: {reform.why[k]}" if reform.why.get(k) else ""
                lines.append(f"  - `{k}` {values}.{why}")
    lines += [
        f"- The policies first differ in school year {first}/{first + 1}; effects are shown from then on.",
        f"- Effect = alternative minus base, per seed pair (common random numbers); the table gives the mean over the "
        f"{n} pairs and, in brackets, a {INTERVAL:.0%} interval for that mean (t distribution). Money in millions of "
        f"euro a year in the model's prices: it keeps every amount at its value in the law files (not indexed), read "
        f"as prices of {MODEL_PRICE_YEAR}; *Costing* below gives constant {PRICE_YEAR} and nominal prices. Pupils as "
        f"national numbers.",
        *_uncertainty_note(c),
        *([f"- {too_few_note(n)}"] if not interval_shown(n) else []),
        "",
        f"## Headline: {first}/{first + 1} to {last}/{last + 1} together",
        "",
        "| measure | base | effect | interval | relative |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in cumulated:
        if r["group"] == "pupils":
            continue
        unit = " (M EUR)" if r["measure"].endswith("_eur") else ""
        lines.append(f"| {_label(r['measure'])}{unit} | {_fmt(r['measure'], r['base_total']).lstrip('+')} | "
                     f"{_fmt(r['measure'], r['effect_mean'])} | "
                     f"{_bracket(r['measure'], r['effect_low'], r['effect_high'], n)} | {r['effect_relative']:+.1%} |")
    lines += _parameters_against_seeds(c, cumulated)
    lines += ["", "Spending by payer is what each payer pays out in total (a payer's payments to another payer, such as "
              "the state's budget to the alliances, count for both). Pupil counts summed over years are pupil-years; "
              "see the per-year tables.", ""]
    lines += _decomposition_section(c, parts)
    lines += costing_markdown(c, costs) if costs else []
    titles = {"spending": "Spending per payer (M EUR per school year)", "pupils": "Pupils per setting (1 October count)",
              "thuiszitters": "Thuiszitters and absence (per school year)", "inflow": "Inflow (per school year)",
              "reserves": "The alliances' reserves (1 October, M EUR)"}
    for group, measures in GROUPS.items():
        years = sorted({r["year"] for r in by_year if r["group"] == group})
        lines += [f"## {titles[group]}", "", "| year | " + " | ".join(_label(m) for m in measures) + " |",
                  "|---|" + "---:|" * len(measures)]
        cell = {(r["measure"], r["year"]): r for r in by_year if r["group"] == group}
        for year in years:
            values = []
            for m in measures:
                r = cell.get((m, year))
                values.append("" if r is None else f"{_fmt(m, r['effect_mean'])} "
                                                    f"{_bracket(m, r['effect_low'], r['effect_high'], r['pairs'])}")
            lines.append(f"| {year} | " + " | ".join(values) + " |")
        lines.append("")
    effects = np.array([r["special_share_pp_effect"] for r in alliances])
    significant_down = sum(r["special_share_pp_high"] < 0 for r in alliances)
    significant_up = sum(r["special_share_pp_low"] > 0 for r in alliances)
    lines += [
        f"## Distribution over the {len(alliances)} alliances (count of {alliances[0]['count_date']})",
        "",
        f"Effect on the share of pupils in sbo, so and vso (percentage points): median {np.median(effects):+.2f}, "
        f"10th percentile {np.percentile(effects, 10):+.2f}, 90th percentile {np.percentile(effects, 90):+.2f}, "
        f"range {effects.min():+.2f} to {effects.max():+.2f}. {significant_down} alliances lower and "
        f"{significant_up} higher with the interval excluding zero.",
        "",
        "| equalisation | alliances | mean effect (pp) | mean thuiszitters effect (per 1,000 pupils) |",
        "|---|---:|---:|---:|",
    ]
    for sign in sorted({r["equalisation_sign"] for r in alliances}):
        group = [r for r in alliances if r["equalisation_sign"] == sign]
        lines.append(f"| {sign or 'n/a'} | {len(group)} | {np.mean([r['special_share_pp_effect'] for r in group]):+.2f} | "
                     f"{np.mean([r['thuiszitters_per_1000_effect'] for r in group]):+.2f} |")
    lines += [""] + who_gains_markdown(gains)
    lines += ["## Figures", ""] + [f"![{f}]({f})" for f in figures] + [
        "",
        "## Read with care",
        "",
        "- The effects are those of the model's mechanisms: alliances that fall short of their 2011 cost per pupil "
        "tighten admission (behaviour.tlv_budget_response), schools respond to what asking for support brings them, "
        "parents to what a place can carry. The sizes of the new-system behaviour parameters are assumptions with "
        "bounds (see engine/data/behaviour.toml and docs/model.md); a sweep over them (`passend sensitivity`) shows "
        "how much the effect depends on them.",
        ("- Intervals cover the randomness of the simulated population and decisions, not the uncertainty of the "
         "parameters (`--uncertainty parameters` adds it)." if c.parameter_sets is None else
         "- Intervals cover the parameter sets drawn from the ensemble (the one in the package, or "
         "--ensemble) and the seeds." + _held_at_shipped(c.parameter_sets))
        + " At small scales an alliance holds few pupils and its effect is noisy.",
        "- Files: effects_by_year.csv, effects_cumulated.csv, alliance_effects.csv, costing.csv, who_gains.csv, "
        "who_gains_bands.csv, runs_by_seed.csv (every school year of every run), "
        + ("decomposition_by_year.csv, decomposition_cumulated.csv, " if parts else "")
        + "manifest.json (scenarios, seeds, versions).",
        "",
    ]
    return "\n".join(lines)
