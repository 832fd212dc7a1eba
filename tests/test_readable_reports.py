"""Reports and figures a newcomer can read (issue 35): every series has a human label, used by the compare report's
tables; intervals from too few seed pairs are withheld with the number of pairs said; the costing table and its CSV
are written beside the report."""

import csv
import json
import re

import pytest

import passend
from passend.experiments.dictionary import COUNT_COLUMNS, LABELS, SCHOOL_YEAR_COLUMNS, label
from passend.experiments.intervals import MIN_PAIRS, interval_shown


def test_every_series_has_a_label_in_words():
    for column in list(COUNT_COLUMNS) + list(SCHOOL_YEAR_COLUMNS):
        assert column in LABELS, column
        assert "_" not in LABELS[column] and LABELS[column] != column, (column, LABELS[column])
    assert label("exempt_5a") == "exempt (5a) in the year" and label("sent_on") == "sent on without a place"
    assert label("home_over_3_months_2016_2018") == "home over 3 months, registered, 2016-2018"  # a sweep outcome
    assert label("so@2016") == "special, primary age (so), 2016"


def test_an_interval_needs_enough_pairs():
    assert MIN_PAIRS == 5 and not interval_shown(2) and interval_shown(5)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    result = passend.compare("default", "cut_2012_300m", seeds=2, scale=0.003, end="2016-07-31", decompose=True)
    return result.save(tmp_path_factory.mktemp("compare") / "report")


def test_the_report_names_series_in_words_and_withholds_intervals_from_two_pairs(report):
    text = report.read_text()
    table_lines = [line for line in text.splitlines() if line.startswith(("|", "#"))]
    # names of more than one word (single words such as so, vso, home are the terms people use)
    raw = [c for c in LABELS if "_" in c and any(re.search(rf"(^|[|\s]){re.escape(c)}([|\s]|$)", line) for line in table_lines)]
    assert raw == [], f"column names in the report's tables: {raw}"
    assert "Too few seed pairs for intervals" in text and "no interval (2)" in text
    assert not re.search(r"\[\+?-?[\d,.]+, \+?-?[\d,.]+\]", "\n".join(table_lines)), "an interval from 2 pairs"


def test_the_costing_table_is_in_the_report_and_beside_it_as_csv(report):
    folder = report.parent
    text = report.read_text()
    assert "## Costing" in text and "per budget year" in text and "per school year" in text
    assert "present value" in text and "structural" in text and "announced" in text
    rows = list(csv.DictReader(open(folder / "costing.csv")))
    assert {"measure", "basis", "year", "part", "prices", "effect_mean", "effect_low", "effect_high"} <= set(rows[0])
    assert {r["basis"] for r in rows} >= {"budget_year", "school_year", "structural", "sum", "present_value"}
    assert {r["part"] for r in rows} >= {"announced", "mechanical", "behavioural", "total"}
    assert {r["prices"] for r in rows} >= {"model", "constant_2018", "nominal"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["costing"]["discount_rate"] == 0.0225 and manifest["costing"]["announced"][0]["amount_eur_per_year"] == -300e6
    # the effects' CSVs keep every column and gain one: whether the interval means anything
    effects = list(csv.DictReader(open(folder / "effects_by_year.csv")))
    assert {"effect_low", "effect_high", "interval_meaningful"} <= set(effects[0])
    assert {r["interval_meaningful"] for r in effects} == {"False"}


def _renderer(fig):
    """The figure drawn as it was saved, to measure where its texts and bars fall."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_response_curves_keep_their_titles_inside_the_figure(tmp_path, monkeypatch):
    """One panel used to clip the suptitle (issue 35): every title and the suptitle lie inside the saved figure."""
    from matplotlib.figure import Figure

    from passend.experiments import figures

    made = []
    monkeypatch.setattr(figures, "_subplots", lambda *grid, figsize, **options: made.append(Figure(figsize=figsize))
                        or (made[-1], made[-1].subplots(*grid, **options)))
    curves = [{"parameter": "policy.rugzak_school_eur", "outcome": "indications_2010", "value": v,
               "change_vs_first": v / 1000, "change_low": v / 1200, "change_high": v / 800} for v in (6000, 8000)]
    figures.response_figure(curves, tmp_path / "response_curves.png")
    fig = made[-1]
    renderer = _renderer(fig)
    box = fig.bbox
    texts = [fig._suptitle] + [ax.title for ax in fig.axes]
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and extent.y1 <= box.y1, text.get_text()
    assert texts[1].get_text().startswith("with an indication or TLV, 2010")  # the label, not indications_2010


def test_who_gains_writes_each_unchanged_share_where_no_bar_reaches(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from passend.experiments import figures

    made = []
    monkeypatch.setattr(figures, "_subplots", lambda *grid, figsize, **options: made.append(Figure(figsize=figsize))
                        or (made[-1], made[-1].subplots(*grid, **options)))
    summary = [{"dimension": "all", "group": g, "outcome": o, "better": b, "no_change": 1 - b - w, "worse": w}
               for g, b, w in (("all pupils", 0.004, 0.002), ("need 5 (highest)", 0.009, 0.001))
               for o in ("months_at_home", "fitting_place")]
    figures.who_gains_figure(summary, tmp_path / "who_gains.png")
    fig = made[-1]
    renderer = _renderer(fig)
    for ax in fig.axes:
        bars = [p.get_window_extent(renderer) for p in ax.patches]
        notes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().startswith("no change")]
        assert notes and bars
        assert all(not note.overlaps(bar) for note in notes for bar in bars)
        assert all(note.x1 <= ax.get_window_extent(renderer).x1 for note in notes)  # inside its panel
