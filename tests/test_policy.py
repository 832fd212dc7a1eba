import datetime as dt

import pytest

from passend.engine.errors import ConfigError
from passend.engine.policy import PolicyTimeline


def test_a_legal_value_holds_from_its_date_until_the_next():
    policy = PolicyTimeline.baseline().with_values(
        "sbo_eur", {dt.date(2005, 8, 1): 4000.0, dt.date(2008, 8, 1): 5000.0}
    )
    assert policy.at("sbo_eur", dt.date(2005, 7, 31)) == 3400.0
    assert policy.at("sbo_eur", dt.date(2005, 8, 1)) == 4000.0
    assert policy.at("sbo_eur", dt.date(2008, 7, 31)) == 4000.0
    assert policy.at("sbo_eur", dt.date(2013, 1, 1)) == 5000.0


def test_a_reform_changes_a_copy_and_leaves_the_baseline_as_it_was():
    baseline = PolicyTimeline.baseline()
    reformed = baseline.with_values("sbo_direct_share", {dt.date(2006, 8, 1): 0.03})
    assert reformed.at("sbo_direct_share", dt.date(2010, 1, 1)) == 0.03
    assert baseline.at("sbo_direct_share", dt.date(2010, 1, 1)) == 0.02


def test_every_legislation_parameter_has_a_reference_and_a_unit():
    policy = PolicyTimeline.baseline()
    for name in policy.names:
        assert policy[name].reference.strip(), name
        assert policy[name].unit.strip(), name


def test_the_old_system_is_in_force_from_august_2003():
    assert PolicyTimeline.baseline().at("regime", dt.date(2003, 10, 1)) == "pupil_bound"


def test_asking_for_an_unknown_rule_names_it_and_lists_the_known_ones():
    with pytest.raises(ConfigError) as err:
        PolicyTimeline.baseline().at("rugzak_eur", dt.date(2005, 1, 1))
    assert "rugzak_eur" in str(err.value) and "rugzak_school_eur" in str(err.value)


def test_a_date_before_the_first_value_is_refused():
    with pytest.raises(ConfigError, match="2003-08-01"):
        PolicyTimeline.baseline().at("sbo_eur", dt.date(2001, 1, 1))
