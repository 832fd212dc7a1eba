"""The dashboard page rendered without a browser (solara.render, as Mesa's own SolaraViz tests do): the buttons step
both runs, a lever moves the variant only, and reset starts again."""

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import datetime as dt

import ipyvuetify as v
import numpy as np
import pytest
import solara

from passend.dashboard import app

SCALE = 0.003


@solara.component
def InLayout():
    """The page as the server shows it: inside Solara's app layout, which holds the sidebar."""
    with solara.AppLayout():
        app.Page()


@pytest.fixture
def page():
    app.scale.value, app.seed.value, app.runs.value = SCALE, 2, None
    box, rc = solara.render(InLayout(), handle_error=False)
    yield rc
    rc.close()
    app.runs.value = None


def shown(rc) -> str:
    """The text of the page's text blocks (Markdown rendered to HTML by the page, and any template)."""
    html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
    return " ".join(html + [t.template for t in rc.find(v.VuetifyTemplate).widgets if isinstance(t.template, str)])


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).assert_single()
    rc.find(v.Btn, children=[label]).widget.click()


def test_the_page_shows_the_date_and_the_regime_and_steps_both_runs(page):
    assert "October 2003" in shown(page) and "first count" in shown(page)
    click(page, "Step a month")
    assert app.runs.value.today.isoformat() == "2003-11-01" and "November 2003" in shown(page)
    click(page, "Step a school year")
    paired = app.runs.value
    assert paired.today.isoformat() == "2004-08-01"
    assert paired.base.world.record.counts == paired.variant.world.record.counts  # no lever pulled: the same run
    assert "August 2004" in shown(page) and "first count" not in shown(page)  # the charts replace the hint


def test_the_cut_slider_moves_the_variant_and_not_the_baseline(page):
    paired = app.runs.value
    while paired.today.year < 2014 or paired.today.month < 9:
        paired.step_month()
    sliders = page.find(v.Slider).widgets
    cut = next(s for s in sliders if "cut" in s.label)
    cut.v_model = 300.0
    assert paired.levers["alliance_budget_cut"] == pytest.approx(300e6)
    click(page, "Step a school year")
    click(page, "Step a school year")
    base, variant = paired.outputs()
    assert base.school_years[-1]["spend_alliance_budget_eur"] > variant.school_years[-1]["spend_alliance_budget_eur"]
    click(page, "Reset")
    assert app.runs.value is not paired and app.runs.value.levers == {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_passend_dashboard_serves_the_page_on_this_machine_and_stops_on_ctrl_c():
    port = free_port()
    passend = Path(sys.executable).with_name("passend")
    server = subprocess.Popen([str(passend), "dashboard", "--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        status, deadline = None, time.monotonic() + 60
        while status != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).status
            except OSError:
                pass
        assert status == 200
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=20) == 0
        assert f"http://127.0.0.1:{port}/" in server.stdout.read()
    finally:
        if server.poll() is None:
            server.kill()


def test_a_bad_port_is_refused_with_what_is_allowed(capsys):
    from passend.experiments.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["dashboard", "--port", "70000"])
    assert stop.value.code == 2 and "a port from 1 to 65535" in capsys.readouterr().err


def test_every_lever_has_a_control_and_a_slider_left_alone_pulls_nothing(page):
    from passend.experiments.levers import LEVERS

    text = shown(page)
    assert all(lever.label in text for lever in LEVERS.values())
    click(page, "Step a month")
    assert app.runs.value.levers == {}  # a slider's snapped start is not a pull
    assert "Levers pulled on the variant: none" in shown(page)


def test_a_lesson_sets_both_runs_its_levers_and_its_chart_and_explains_on_request(page):
    app.open_lesson("budget_cut")
    paired = app.runs.value
    assert (paired.base_name, paired.variant_name) == ("default", "default")
    assert paired.levers == {"alliance_budget_cut": 300e6} and app.chart.value == "money"
    assert app.stop_at.value.isoformat() == "2017-08-01"
    assert "Who pays it" in shown(page) and "The state's saving is real" not in shown(page)
    click(page, "Explain what happened")
    assert "The state's saving is real" in shown(page)
    click(page, "Step a month")
    click(page, "Reset")  # during a lesson: the lesson's start again, with its levers
    assert app.runs.value is not paired and app.runs.value.levers == {"alliance_budget_cut": 300e6}
    assert app.runs.value.today.isoformat() == "2003-10-01"
    click(page, "Apply (starts both runs again)")  # the setup's runs: no lesson, no levers
    assert app.lesson_name.value is None and app.runs.value.levers == {}


def test_a_choice_the_law_holds_in_between_reads_as_a_person_would_say_it(page):
    from passend.experiments.levers import LEVERS

    words = app._law_in_words(LEVERS["doorzettingsmacht_everywhere"], [0.2857, 0.48])
    assert words == "as the law has it, 29% of the primary and 48% of the secondary alliances have it"
    while app.runs.value.today < dt.date(2015, 12, 1):  # doorzettingsmacht in part of the alliances from Nov 2015
        app.runs.value.step_month()
    click(page, "Step a month")
    text = shown(page)
    assert "of the secondary alliances have it" in text and "now: the law's [" not in text and "0.2857" not in text


def test_the_page_loads_nothing_from_a_cdn_and_draws_no_markdown_with_scripts(page):
    """solara.Markdown's front end loads mermaid from a CDN for every block; the page renders its text itself."""
    assert page.find(v.VuetifyTemplate, template=lambda t: "mermaid" in str(t)).widgets == []


def test_the_alliances_chart_for_a_uniform_cut_plots_each_alliance_at_its_2011_cost_and_fits_no_line():
    from passend.dashboard import charts
    from passend.experiments.classroom import PairedRuns

    runs = PairedRuns(seed=2, scale=SCALE)
    while runs.today < dt.date(2014, 9, 1):
        runs.step_month()
    runs.pull("alliance_budget_cut", 300e6)  # the same amount off every alliance's budget per pupil
    while runs.today < dt.date(2016, 11, 1):
        runs.step_month()
    budget, change, cost_2011 = charts._paired_alliance_points(*runs.outputs(), "po", ("sbo_share", "so_share"))
    assert np.ptp(budget) < charts.UNIFORM_EUR and budget.mean() < -50  # uniform: one x for every alliance
    fig = charts.alliances_figure(*runs.outputs())
    for ax in fig.axes:
        assert ax.get_xlabel() == "the alliance's 2011 cost per pupil (EUR a year)"
        assert "in every alliance" in ax.get_title()
        fitted = [t.get_text() for t in ax.get_legend().get_texts() if "fitted" in t.get_text()]
        assert all("of 2011 cost" in t for t in fitted)  # a slope, if any, against what the axis shows
        xs = ax.collections[0].get_offsets()[:, 0]
        assert np.ptp(xs) > 100  # the alliances spread over their 2011 costs
    charts.plt.close(fig)


def test_no_line_is_fitted_when_every_alliance_has_the_same_x():
    from passend.dashboard import charts
    from passend.engine.settings import RunSettings
    from passend.model.recorder import RunOutput

    def run(amount: float, so_share_2015: list[float]) -> RunOutput:
        rows = [{"date": date, "alliance": f"PO{i}", "sector": "po", "sbo_share": 0.02, "so_share": share,
                 "amount_eur_per_pupil": amount, "base_eur_per_pupil": 300.0}
                for date, shares in (("2014-10-01", [0.01] * 4), ("2015-10-01", so_share_2015))
                for i, share in enumerate(shares)]
        return RunOutput(RunSettings(seed=1, scale=SCALE), [], [], [], rows, 0.0, 0)

    fig = charts.alliances_figure(run(500.0, [0.01] * 4), run(400.0, [0.011, 0.012, 0.009, 0.01]))
    primary = fig.axes[0]
    assert "-100 EUR a year in every alliance" in primary.get_title()
    assert not any("fitted" in t.get_text() for t in primary.get_legend().get_texts())  # x has no variance
    charts.plt.close(fig)


def test_chart_only_hides_the_left_column_and_shows_it_again(page):
    click(page, "Step a school year")  # the button sits beside the chart tabs
    click(page, "Chart only")
    assert app.wide.value and "Show the controls" in [b.children[0] for b in page.find(v.Btn).widgets if b.children]
    click(page, "Show the controls")
    assert not app.wide.value
