"""Scenarios and reforms as data: the registry loads, every reform changes the law, and bad files are refused
before anything is written, with a message naming the file, the key and what is allowed."""

import datetime as dt

import pytest

from passend.experiments.cli import main
from passend.experiments.scenarios import REFORM_FILES, SCENARIO_FILES, alternative, get_scenario, registry_listing
from passend.engine.policy import PolicyTimeline

ISSUE_REFORMS = ("cut_2012_300m", "no_equalisation", "equalisation_twice_as_fast", "school_model_everywhere",
                 "expertise_model_everywhere", "doorzettingsmacht_everywhere", "professionalisation",
                 "keep_pupil_bound_funding")


def test_the_registry_holds_the_reforms_and_every_name_is_unique():
    reforms, scenarios = registry_listing()
    assert set(ISSUE_REFORMS) <= set(REFORM_FILES)
    assert not set(REFORM_FILES) & set(SCENARIO_FILES)
    assert all(description for _, description in reforms + scenarios)


@pytest.mark.parametrize("name", sorted(REFORM_FILES))
def test_every_reform_changes_the_law_from_a_date_on(name):
    base = get_scenario("default")
    policy, _ = alternative(base, name).build()
    first = PolicyTimeline.baseline().first_difference(policy)
    assert first is not None and dt.date(2003, 8, 1) <= first <= dt.date(2025, 7, 31)


def test_a_scenario_file_stacks_base_reforms_behaviour_and_settings(tmp_path):
    (tmp_path / "mine.toml").write_text(
        'base = "no_reform"\nreforms = ["professionalisation"]\n[behaviour]\ntlv_budget_response = 0.5\n'
        "[settings]\nscale = 0.02\nend = 2010-07-31\n")
    scenario = get_scenario(str(tmp_path / "mine.toml"))
    policy, behaviour = scenario.build()
    assert [r.name for r in scenario.reforms] == ["keep_pupil_bound_funding", "professionalisation"]
    assert policy.at("regime", dt.date(2016, 1, 1)) == "pupil_bound"
    assert policy.at("professionalisation_eur", dt.date(2014, 1, 1)) == 150e6
    assert behaviour.tlv_budget_response == 0.5
    settings = scenario.run_settings(seed=4, end=dt.date(2009, 7, 31))  # the command line wins over the file
    assert (settings.scale, settings.end, settings.seed) == (0.02, dt.date(2009, 7, 31), 4)


BAD_SCENARIOS = {
    "unknown key": ("refroms = []\n", ["refroms", "one of the keys", "reforms"]),
    "unknown settings key": ("[settings]\nscael = 0.1\n", ["settings.scael", "scale"]),
    "wrong type": ('[settings]\nscale = "big"\n', ["settings.scale", "a number"]),
    "reforms not a list": ('reforms = "no_equalisation"\n', ["reforms", "a list"]),
    "scale out of range": ("[settings]\nscale = 5\n", ["settings.scale", "[0.001, 1.0]"]),
    "behaviour out of bounds": ("[behaviour]\napply_need = 99\n", ["behaviour.apply_need", "[0.0, 5.0]"]),
    "unknown behaviour name": ("[behaviour]\napply_greed = 1\n", ["behaviour parameter", "apply_need"]),
    "unknown reform": ('reforms = ["cut_2013"]\n', ["reforms", "cut_2013", "cut_2012_300m"]),
    "date that does not exist": ('[settings]\nend = "2014-02-30"\n', ["settings.end", "a date that exists"]),
    "date after the period": ("[settings]\nend = 2030-07-31\n", ["settings.end", "2025-07-31"]),
    "unknown base": ('base = "utopia"\n', ["base", "utopia", "default"]),
}

BAD_REFORMS = {
    "unknown policy parameter": ('[policy.rugzak_eur]\nvalues = { "2014-08-01" = 1.0 }\n', ["rugzak_eur", "rugzak_school_eur"]),
    "share out of range": ('[policy.equalisation_progress]\nvalues = { "2016-08-01" = 1.5 }\n',
                           ["policy.equalisation_progress", "[0.0, 1.0]"]),
    "name not allowed": ('[policy.regime]\nvalues = { "2014-08-01" = "anarchy" }\n', ["policy.regime", "pupil_bound, passend"]),
    "wrong type": ('[policy.thuiszitterspact]\nvalues = { "2016-08-01" = "yes" }\n', ["policy.thuiszitterspact", "true or false"]),
    "date before the law": ('[policy.sbo_eur]\nvalues = { "1999-08-01" = 3000.0 }\n', ["policy.sbo_eur", "2003-08-01"]),
    "date that does not exist": ('[policy.sbo_eur]\nvalues = { "2014-13-01" = 3000.0 }\n', ["policy.sbo_eur.values", "YYYY-MM-DD"]),
    "unknown key": ('[policy.sbo_eur]\nvalues = { "2014-08-01" = 3000.0 }\nwhen = 1\n', ["policy.sbo_eur.when", "values"]),
}


def _refused(argv, capsys, tmp_path, expected):
    out = tmp_path / "out"
    before = set(tmp_path.iterdir())
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--out", str(out)])
    assert exit_.value.code == 2
    message = capsys.readouterr().err
    for text in expected:
        assert text in message, (text, message)
    assert not out.exists() and set(tmp_path.iterdir()) == before


@pytest.mark.parametrize("text, expected", BAD_SCENARIOS.values(), ids=BAD_SCENARIOS.keys())
def test_a_bad_scenario_file_is_refused_naming_file_and_key(text, expected, capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    _refused(["run", "--scenario", str(path), "--quiet"], capsys, tmp_path, [str(path), *expected])


@pytest.mark.parametrize("text, expected", BAD_REFORMS.values(), ids=BAD_REFORMS.keys())
def test_a_bad_reform_file_is_refused_naming_file_and_key(text, expected, capsys, tmp_path):
    path = tmp_path / "bad_reform.toml"
    path.write_text('description = "a reform with a mistake"\n' + text)
    _refused(["compare", "default", str(path), "--seeds", "2"], capsys, tmp_path, [str(path), *expected])


def test_compare_refuses_an_unknown_reform_before_running(capsys, tmp_path):
    _refused(["compare", "default", "cut_2099", "--seeds", "2"], capsys, tmp_path, ["REFORM", "cut_2099", "cut_2012_300m"])
