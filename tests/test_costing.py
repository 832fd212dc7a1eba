"""The costing table of a compare report (issue 35): the announced amount beside the mechanical, behavioural and total
effect, per budget year and school year, in constant and nominal prices of a sourced index, the structural amount and
the present value at the Dutch standard discount rate. Checked on hand-made runs whose arithmetic is known."""

import math

import pytest

from passend.engine.errors import ConfigError
from passend.engine.settings import RunSettings
from passend.experiments import costing
from passend.experiments.compare import Comparison
from passend.experiments.scenarios import alternative, get_scenario
from passend.model.recorder import RunOutput


def test_the_price_index_follows_the_published_cpi_and_then_the_stated_rate():
    assert costing.price_index(2011) == 1.0
    assert costing.price_index(2012) == pytest.approx(1.025)  # CBS: CPI +2.5% in 2012
    assert costing.price_index(2010) == pytest.approx(1 / 1.023)  # +2.3% in 2011
    assert costing.last_sourced_year() == 2018  # no later year from data
    assert costing.price_index(2021) / costing.price_index(2020) == pytest.approx(1 + costing.PROJECTED_RATE)
    assert costing.DISCOUNT_RATE == 0.0225  # Werkgroep discontovoet 2020


def test_the_announced_cut_is_read_with_its_source_and_a_bad_file_names_its_field(tmp_path):
    cut = costing.announced("cut_2012_300m")
    assert cut["amount_eur_per_year"] == -300e6 and cut["first_budget_year"] == 2012
    assert "31 497" in cut["source"]
    assert costing.announced("no_equalisation") is None
    bad = tmp_path / "x.toml"
    bad.write_text('measure = "public_spending_net_eur"\namount_eur_per_year = "a lot"\nfirst_budget_year = 2012\n'
                   'price_year = 2011\nsource = "s"\n')
    with pytest.raises(ConfigError, match="amount_eur_per_year"):
        costing.read_announced(bad, "x")
    bad.write_text('measure = "public_spending_net_eur"\nfirst_budget_year = 2012\nprice_year = 2011\nsource = "s"\n')
    with pytest.raises(ConfigError, match="amount_eur_per_year"):
        costing.read_announced(bad, "x")


def _months(first: str, last: str, special: float, changed_from: str | None = None, changed: float = 0.0) -> list[dict]:
    """Monthly rows from ``first`` to ``last`` (YYYY-MM) in which the state pays ``special`` EUR for (v)so places (and
    ``changed`` from ``changed_from`` on)."""
    rows, (y, m) = [], map(int, first.split("-"))
    while f"{y:04d}-{m:02d}" <= last:
        month = f"{y:04d}-{m:02d}"
        eur = changed if changed_from and month >= changed_from else special
        rows.append({"date": f"{month}-01", "spend_special_schools_eur": eur})
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return rows


def _school_years(months: list[dict]) -> list[dict]:
    years: dict[str, dict] = {}
    for row in months:
        y, m = int(row["date"][:4]), int(row["date"][5:7])
        start = y if m >= 8 else y - 1
        r = years.setdefault(f"{start}-{start + 1}", {"school_year": f"{start}-{start + 1}", "months_simulated": 0,
                                                      "public_spending_net_eur": 0.0, "pay_state_eur": 0.0})
        r["months_simulated"] += 1
        r["public_spending_net_eur"] += row["spend_special_schools_eur"]
        r["pay_state_eur"] += row["spend_special_schools_eur"]
    return list(years.values())


def _run(months, mechanical=None, seed=1):
    settings = RunSettings(seed=seed, scale=0.02)
    return RunOutput(settings, [], _school_years(months), months, [], 0.0, 0, mechanical=mechanical)


def _comparison(pairs, decomposed=True):
    base = get_scenario("default")
    return Comparison(base, alternative(base, "cut_2012_300m"), [p[0].settings for p in pairs], pairs, 2012, 0.0,
                      "test", decomposed=decomposed)


def test_budget_years_school_years_parts_structural_and_present_value_add_up():
    # From August 2012 the reform pays 10 less a month; its rules on the base's decisions would save 8 of it
    base_months = _months("2011-08", "2016-07", 100.0)
    alt_months = _months("2011-08", "2016-07", 100.0, "2012-08", 90.0)
    books = _school_years(_months("2011-08", "2016-07", 100.0, "2012-08", 92.0))
    pairs = [(_run(base_months, books, seed), _run(alt_months, seed=seed)) for seed in (1, 2)]
    rows = costing.costing(_comparison(pairs))
    get = {(r["measure"], r["basis"], str(r["year"]), r["part"], r["prices"]): r for r in rows}
    m = "public_spending_net_eur"
    # budget year 2012 has 5 months of the reform, 2013 twelve; school year 2012/13 twelve
    assert get[m, "budget_year", "2012", "total", "model"]["effect_mean"] == pytest.approx(-50)
    assert get[m, "budget_year", "2013", "total", "model"]["effect_mean"] == pytest.approx(-120)
    assert get[m, "school_year", "2012", "total", "model"]["effect_mean"] == pytest.approx(-120)
    assert get[m, "school_year", "2012", "mechanical", "model"]["effect_mean"] == pytest.approx(-96)
    assert get[m, "school_year", "2012", "behavioural", "model"]["effect_mean"] == pytest.approx(-24)
    # the mechanical part of budget year 2013: 7/12 of school year 2012/13 and 5/12 of 2013/14
    assert get[m, "budget_year", "2013", "mechanical", "model"]["effect_mean"] == pytest.approx(-96)
    assert get[m, "budget_year", "2012", "mechanical", "model"]["effect_mean"] == pytest.approx(-40)
    # constant 2018 prices and nominal prices
    assert get[m, "budget_year", "2013", "total", "constant_2018"]["effect_mean"] == pytest.approx(
        -120 * costing.price_index(2018))
    assert get[m, "budget_year", "2013", "total", "nominal"]["effect_mean"] == pytest.approx(
        -120 * costing.price_index(2013))
    # structural: the mean of the last three full school years (2013/14-2015/16), -120 a year
    structural = get[m, "structural", "2013/2014-2015/2016", "total", "constant_2018"]
    assert structural["effect_mean"] == pytest.approx(-120 * costing.price_index(2018))
    # present value over the full budget years 2012-2015, discounted to 2012 at 2.25%
    expected = sum(v / 1.0225 ** (y - 2012) for y, v in ((2012, -50), (2013, -120), (2014, -120), (2015, -120)))
    pv = get[m, "present_value", "2012-2015", "total", "constant_2018"]
    assert pv["effect_mean"] == pytest.approx(expected * costing.price_index(2018))
    # the announcement: -300 M of 2011 prices in every budget year from 2012, beside the effects
    announced = get[m, "budget_year", "2013", "announced", "constant_2018"]
    assert announced["effect_mean"] == pytest.approx(-300e6 * costing.price_index(2018))
    assert "31 497" in announced["note"]


def test_the_report_section_says_how_each_amount_is_defined_and_withholds_intervals_from_two_pairs():
    base_months = _months("2011-08", "2016-07", 100.0)
    alt_months = _months("2011-08", "2016-07", 100.0, "2012-08", 90.0)
    pairs = [(_run(base_months, seed=s), _run(alt_months, seed=s)) for s in (1, 2)]
    c = _comparison(pairs, decomposed=False)
    text = "\n".join(costing.markdown(c, costing.costing(c)))
    for words in ("Announced", "Constant 2018 prices", "nominal", "Budget years", "Structural", "Present value",
                  "2.25%", "CBS consumer price index", "projected at 2.0%", "no interval (2)", "run with `--decompose`"):
        assert words in text, words
    tables = [line for line in text.splitlines() if line.startswith(("|", "###"))]
    assert tables and not any("_eur" in line for line in tables)  # labels, never column names
    assert not math.isnan(costing.price_index(2025))
