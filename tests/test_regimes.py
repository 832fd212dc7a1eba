"""Regimes are rule sets: the dated 'regime' picks one, and a new regime is a file and a reform, not a code branch."""

import datetime as dt

import numpy as np
import pytest

from passend.experiments.one_run import simulate_rows
from passend.experiments.scenarios import get_scenario
from passend.engine.ledger import Ledger
from passend.engine.policy import PolicyTimeline
from passend.engine.population import Pupils, Setting
from passend.engine.regimes import _parse, rule_sets
from passend.engine.settings import RunSettings


def test_the_regimes_a_reform_may_name_are_the_rule_sets_on_file():
    assert set(PolicyTimeline.baseline()["regime"].allowed) == set(rule_sets()) >= {"pupil_bound", "passend", "cluster4_pupil_bound"}


def test_in_the_old_system_every_indication_is_pupil_bound_and_under_passend_none():
    indication = np.array([0, 1, 2, 3, 4])
    assert list(rule_sets()["pupil_bound"].pupil_bound(indication)) == [False, True, True, True, True]
    # the rugzak is abolished under passend onderwijs: clusters 1/2 are supported by the national institutions
    assert list(rule_sets()["passend"].pupil_bound(indication)) == [False] * 5
    assert list(rule_sets()["passend"].supported_by_institutions(indication)) == [False, True, True, False, False]
    assert list(rule_sets()["passend"].judged_by_alliance(indication)) == [False, False, False, True, True]


RULES = dict(description="d", reference="r", alliance_clusters=[3], alliances_in_charge=True,
             sbo_admission="alliance_tlv", pupil_bound_funding=False, zorgplicht=True)


@pytest.mark.parametrize("change, message", [
    ({"alliance_clusters": [5]}, "alliance_clusters"),
    ({"sbo_admission": "parents"}, "sbo_admission"),
    ({"zorgplicht": "yes"}, "zorgplicht"),
    ({"alliances_in_charge": False}, "alliances_in_charge must be true"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_rule_set_names_the_field_and_what_is_allowed(change, message):
    with pytest.raises(ValueError, match=message):
        _parse("x", RULES | change, "x.toml")


def test_the_ledger_refuses_a_stream_outside_the_chart_of_accounts_and_a_negative_or_missing_amount():
    ledger = Ledger()
    with pytest.raises(KeyError, match="rugzak_school"):
        ledger.pay("bribes", 1.0)
    for amount in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="non-negative"):
            ledger.pay("transport", amount)


def test_the_ledger_books_each_move_from_where_the_pupil_was():
    pupils = Pupils(3)
    pupils.setting = np.array([Setting.BAO, Setting.HOME, Setting.SBO])
    ledger = Ledger()
    ledger.move(pupils, np.array([0, 1]), Setting.SO, "admission")
    book = ledger.close_month()
    assert list(pupils.setting) == [Setting.SO, Setting.SO, Setting.SBO]
    assert book.moves[:, Setting.BAO, Setting.SO].sum() == 1 and book.moves[:, Setting.HOME, Setting.SO].sum() == 1
    assert book.moved("admission", Setting.SO) == 2 and book.moved("back_to_own_school") == 0
    assert ledger.close_month().moves.sum() == 0  # a new month starts empty


def test_a_third_regime_returns_cluster_4_to_pupil_bound_funding_from_its_date():
    """The reform cluster4_back_to_pupil_bound selects the rule set cluster4_pupil_bound in August 2016: the runs
    agree before, and after it cluster 4 pupils in regular schools bring a rugzak again."""
    settings = RunSettings(seed=2, scale=0.01, end=dt.date(2017, 12, 31))
    runs = {}
    for name in ("default", "cluster4_back_to_pupil_bound"):
        policy, behaviour = get_scenario(name).build()
        runs[name] = simulate_rows(settings, behaviour, policy, name)
    rugzak = {name: {r["date"][:4]: r["rugzak"] for r in run.counts} for name, run in runs.items()}
    before = [r for r in runs["default"].months if r["date"] < "2016-08-01"]
    assert before == [r for r in runs["cluster4_back_to_pupil_bound"].months if r["date"] < "2016-08-01"]
    assert rugzak["cluster4_back_to_pupil_bound"]["2017"] > 1.5 * rugzak["default"]["2017"]


def test_no_agent_asks_which_regime_is_in_force():
    """Agents read the rule set they are handed; 'model.passend' or a regime name in agents/ would be a branch."""
    from pathlib import Path

    import passend.agents

    for path in Path(passend.agents.__file__).parent.glob("*.py"):
        text = path.read_text()
        assert "model.passend" not in text and '"passend"' not in text and '"pupil_bound"' not in text, path.name
