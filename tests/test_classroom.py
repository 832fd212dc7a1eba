"""The engine of the dashboard (issue 13), without a browser: a baseline and a variant on one seed, stepped together,
with levers; the same numbers as ``passend run`` for the same settings."""

import datetime as dt
import json

import pytest

from passend.experiments.classroom import PairedRuns
from passend.experiments.levers import LEVERS
from passend.experiments.one_run import simulate_rows
from passend.experiments.scenarios import get_scenario
from passend.engine.errors import ConfigError

SCALE = 0.005
END = dt.date(2016, 7, 31)


def test_the_paired_runs_give_the_numbers_of_passend_run_and_agree_until_a_lever_is_pulled():
    paired = PairedRuns("default", "no_reform", seed=3, scale=SCALE, end=END)
    while paired.step_school_year():
        pass
    base, variant = paired.outputs()
    for name, output in (("default", base), ("no_reform", variant)):
        policy, behaviour = get_scenario(name).build()
        alone = simulate_rows(paired.settings, behaviour, policy, name)
        assert output.counts == alone.counts and output.school_years == alone.school_years
    before = [c for c in base.counts if c["date"] < "2014-08-01"]
    assert before == [c for c in variant.counts if c["date"] < "2014-08-01"]  # common random numbers


def test_a_cut_pulled_mid_run_changes_the_variant_and_not_the_baseline():
    paired = PairedRuns(seed=2, scale=SCALE, end=dt.date(2016, 10, 31))
    untouched = PairedRuns(seed=2, scale=SCALE, end=dt.date(2016, 10, 31))
    for runs in (paired, untouched):
        while runs.today < dt.date(2014, 9, 1):
            runs.step_month()
    paired.pull("alliance_budget_cut", 300e6)  # acts from the next August plan
    assert paired.levers == {"alliance_budget_cut": 300e6}
    for runs in (paired, untouched):
        while runs.step_school_year():
            pass
    (base, variant), (same_base, _) = paired.outputs(), untouched.outputs()
    assert base.school_years == same_base.school_years  # the baseline never saw the lever
    year = {r["school_year"]: r for r in variant.school_years}["2015-2016"]
    base_year = {r["school_year"]: r for r in base.school_years}["2015-2016"]
    assert year["spend_alliance_budget_eur"] < base_year["spend_alliance_budget_eur"] - 250e6


def test_a_behaviour_lever_and_a_reset():
    paired = PairedRuns(seed=1, scale=SCALE, end=dt.date(2004, 7, 31))
    paired.pull("alliance_strictness", 0.9)
    assert paired.variant.behaviour.tlv_gatekeeping == 0.9 and paired.base.behaviour.tlv_gatekeeping != 0.9
    paired.step_month()
    paired.reset()
    assert paired.levers == {} and paired.variant.behaviour.tlv_gatekeeping == paired.base.behaviour.tlv_gatekeeping
    assert paired.today == dt.date(2003, 10, 1)


def test_bad_levers_are_refused_with_what_is_allowed():
    paired = PairedRuns(seed=1, scale=SCALE, end=dt.date(2004, 7, 31))
    with pytest.raises(ConfigError, match="lever = 'rugzak'.*alliance_budget_cut"):
        paired.pull("rugzak", 1.0)
    with pytest.raises(ConfigError, match="lever alliance_budget_cut.*from 0 to"):
        paired.pull("alliance_budget_cut", -5.0)
    with pytest.raises(ConfigError, match="one of: own, school, expertise, pupil"):
        paired.pull("distribution_model", "mixed")
    assert paired.levers == {}
    assert all(lever.unit and lever.label and lever.acts for lever in LEVERS.values())


def test_the_two_runs_are_written_as_results_folders(tmp_path):
    paired = PairedRuns(seed=1, scale=SCALE)
    paired.step_month()
    paired.pull("rugzak_amount", 5000.0)  # from November 2003 in the variant
    while paired.today < dt.date(2005, 8, 1):
        paired.step_month()
    base, variant = paired.write(tmp_path / "class", figures=False)
    assert (base / "counts.csv").exists() and (variant / "school_years.csv").exists()
    assert json.loads((variant / "manifest.json").read_text())["settings"]["end"] == "2005-07-31"
    timelines = [json.loads((folder / "manifest.json").read_text())["policy_timeline"]["rugzak_school_eur"]["values"]
                 for folder in (base, variant)]
    assert "2003-11-01" not in timelines[0] and timelines[1]["2003-11-01"] == 5000.0
    with pytest.raises(ConfigError, match="does not exist yet"):
        paired.write(tmp_path / "class", figures=False)


def test_the_shipped_lessons_load_with_their_sections_and_a_bad_lesson_is_refused(tmp_path):
    from passend.experiments.classroom import LESSON_SECTIONS, lessons, load_lesson

    shipped = lessons()
    assert len(shipped) >= 4
    for lesson in shipped.values():
        titles = [t for t, _ in lesson.sections]
        assert titles == [t for t in LESSON_SECTIONS if t in titles]  # in the order of the page template
        assert {"What it is", "The question", "Afterwards"} <= set(titles)
    page = "## What it is\nx\n## The question\ny\n## Afterwards\nz\n"
    cases = [('title = "t"\nbase = "default"\nvariant = "default"\ncolour = 1\n', page, "lesson.colour"),
             ('title = "t"\nbase = "default"\nvariant = "nonsense"\n', page, "variant"),
             ('title = "t"\nbase = "default"\nvariant = "default"\n[levers]\nalliance_budget_cut = -1.0\n', page,
              "lever alliance_budget_cut"),
             ('title = "t"\nbase = "default"\nvariant = "default"\nscale = 0.3\n', page, "lesson.scale"),
             ('title = "t"\nbase = "default"\nvariant = "default"\n', "## What it is\nx\n## The question\ny\n",
              "Afterwards")]
    for i, (toml, md, field) in enumerate(cases):
        (tmp_path / f"l{i}.toml").write_text(toml)
        (tmp_path / f"l{i}.md").write_text(md)
        with pytest.raises(ConfigError, match=field):
            load_lesson(tmp_path / f"l{i}.toml")


def test_a_speed_lever_scales_the_law_s_path_from_now_on():
    paired = PairedRuns(seed=1, scale=SCALE, end=dt.date(2004, 7, 31))
    paired.pull("equalisation_speed", 2.0)
    paired.pull("equalisation_speed", 2.0)  # pulled twice: still twice the law's path, not four times
    path = dict(paired.variant.policy["equalisation_progress"].values)
    assert path[dt.date(2016, 8, 1)] == 0.2 and path[dt.date(2017, 8, 1)] == 0.5 and path[dt.date(2018, 8, 1)] == 1.0
    assert dict(paired.base.policy["equalisation_progress"].values)[dt.date(2016, 8, 1)] == 0.1
