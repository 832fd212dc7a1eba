import pytest

from passend.engine.behaviour import SPECS, Behaviour, calibrated_names
from passend.engine.errors import ConfigError


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


def test_a_calibration_group_fits_its_own_parameters_on_its_own_targets():
    from passend.experiments.targets import targets_of_group

    attendance, counts = calibrated_names("attendance"), calibrated_names("counts")
    assert "admit_intercept" in attendance and "apply_intercept" in counts
    assert not set(attendance) & set(counts) and set(attendance) | set(counts) == set(calibrated_names())
    assert all(t.source.startswith("attendance_") for t in targets_of_group("attendance"))
    assert not any(t.source.startswith("attendance_") for t in targets_of_group("counts"))
    assert len(targets_of_group("attendance")) + len(targets_of_group("counts")) == len(targets_of_group(None))
