import pytest

from passend.model.behaviour import SPECS, Behaviour, calibrated_names
from passend.model.errors import ConfigError


def test_defaults_are_within_their_own_bounds_and_have_sources():
    b = Behaviour()
    for name, spec in SPECS.items():
        assert spec.source.strip(), name
        values = b[name] if isinstance(b[name], list) else [b[name]]
        assert all(spec.bounds[0] <= v <= spec.bounds[1] for v in values), name


def test_an_unknown_behaviour_parameter_is_refused_with_the_allowed_names():
    with pytest.raises(ConfigError) as err:
        Behaviour({"cvi_nosie": 0.3})
    assert "cvi_nosie" in str(err.value) and "cvi_noise" in str(err.value)


def test_a_value_out_of_bounds_names_the_field_and_the_range():
    with pytest.raises(ConfigError) as err:
        Behaviour().replace(cvi_noise=7.0)
    message = str(err.value)
    assert "behaviour.cvi_noise" in message and "[0.0, 1.5]" in message


def test_a_value_of_the_wrong_type_is_refused():
    with pytest.raises(ConfigError, match="behaviour.detect_rate"):
        Behaviour({"detect_rate": "fast"})
    with pytest.raises(ConfigError, match="behaviour.detect_rate"):
        Behaviour({"detect_rate": True})


def test_cluster_shares_must_sum_to_one():
    with pytest.raises(ConfigError, match="cluster_shares"):
        Behaviour({"cluster_shares": [0.5, 0.5, 0.5, 0.5]})


def test_behaviour_is_immutable():
    with pytest.raises(AttributeError):
        Behaviour().cvi_noise = 0.1


def test_calibration_fits_only_parameters_marked_for_it():
    names = calibrated_names()
    assert "apply_intercept" in names and "cluster_shares" not in names
