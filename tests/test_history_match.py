"""History matching (issue 34): the machinery on a toy simulator whose answer is known, and its waves over passend's
parameters kept as they finish and resumed without running a finished run again."""

import csv
from pathlib import Path

import numpy as np
import pytest

from passend.experiments import history_match as hm
from passend.experiments.runner import Executor

TRUTH = np.array([0.3, 0.7, 0.5, 0.2])


def toy(x: np.ndarray) -> np.ndarray:
    return np.column_stack([x[:, 0] + 0.5 * x[:, 1], 2 * x[:, 0] * x[:, 1], np.sin(3 * x[:, 2]) + x[:, 3],
                            x[:, 1] ** 2 - x[:, 3]])


def noisy_toy(seed: int = 0):
    rng = np.random.default_rng(seed)
    return lambda x, wave: toy(x) + rng.normal(0.0, 0.01, (len(x), 4))


def test_implausibility_rules_out_a_point_only_when_more_than_one_target_is_far():
    observed, mean = np.zeros(3), np.array([[0.0, 0.0, 10.0], [10.0, 10.0, 0.0], [1.0, 1.0, 1.0]])
    implausible = hm.implausibility(observed, mean, np.zeros((3, 3)), np.ones(3))
    assert hm.kept(implausible).tolist() == [True, False, True]  # one badly emulated target is forgiven
    assert hm.kept(implausible, forgiven=0).tolist() == [False, False, True]


def test_an_emulator_predicts_a_smooth_output_within_its_stated_uncertainty():
    x = hm.latin_hypercube(80, np.zeros(4), np.ones(4), seed=3)
    y = toy(x)[:, 2] + np.random.default_rng(1).normal(0, 0.01, 80)
    emulator = hm.Emulator.fit(x, y)
    errors = hm.leave_one_out(emulator, x, y)
    assert np.mean(np.abs(errors) <= 3.0) >= 0.9
    fresh = hm.latin_hypercube(200, np.zeros(4), np.ones(4), seed=9)
    mean, var = emulator.predict(fresh)
    z = (toy(fresh)[:, 2] - mean) / np.sqrt(var + emulator.noise_variance)
    assert np.mean(np.abs(z) <= 3.0) >= 0.9 and np.abs(toy(fresh)[:, 2] - mean).mean() < 0.05


def test_waves_shrink_the_space_and_never_rule_out_the_values_the_data_came_from():
    observed = toy(TRUTH[None])[0]
    matching = hm.Matching(observed, np.full(4, 0.03 ** 2))
    waves = hm.run_waves(noisy_toy(), matching, 4, 40, max_waves=3, report=lambda _: None, min_shrink=0.95)
    assert waves[0].space_share < 0.2  # the first wave already rules out most of the cube
    assert all(later.space_share <= earlier.space_share * 1.05 for earlier, later in zip(waves, waves[1:]))
    assert matching.evaluate(waves, TRUTH[None])[0]
    far = np.array([[0.9, 0.1, 0.9, 0.9]])
    assert not matching.evaluate(waves, far)[0]


def test_sampling_what_the_waves_keep_returns_only_points_they_keep():
    observed = toy(TRUTH[None])[0]
    matching = hm.Matching(observed, np.full(4, 0.03 ** 2))
    waves = hm.run_waves(noisy_toy(), matching, 4, 40, max_waves=1, report=lambda _: None)
    points, share = hm.sample_kept(matching, waves, 50, np.zeros(4), np.ones(4), seed=5)
    assert len(points) == 50 and matching.evaluate(waves, points).all()
    assert share == pytest.approx(waves[0].space_share, abs=0.03)


# --- passend's waves: kept as they finish, resumed -------------------------------------------------------------------
def fake_targets(calls: list):
    """Target values of a fake model: the published ones moved by the first two parameters (no run of passend)."""
    targets, matching = hm.targets_matching()
    published = np.exp(matching.observed)

    def values(settings, parameters):
        calls.append(settings.seed)
        first, second = list(parameters.values())[:2]
        return list(published * (1.0 + 0.5 * (first - 0.5) + 0.01 * second))

    return values


def test_history_matching_keeps_each_wave_s_runs_and_a_resume_runs_none_of_them_again(tmp_path, monkeypatch,
                                                                                       few_targets):
    calls: list = []
    monkeypatch.setattr(hm, "target_values", fake_targets(calls))
    out = tmp_path / "hm"
    with Executor(1) as executor:
        first = hm.history_match(out, runs_per_wave=45, max_waves=1, scale=0.002, executor=executor,
                                 report=lambda _: None)
    runs_made = 45 + hm.REPLICATES  # the design and the shipped values' replicates
    assert len(calls) == runs_made
    runs = (out / "wave_1" / "runs.jsonl").read_text().splitlines()
    assert len(runs) == runs_made
    with Executor(1) as executor:
        again = hm.history_match(out, runs_per_wave=45, max_waves=1, scale=0.002, executor=executor, resume=True,
                                 report=lambda _: None)
    assert len(calls) == runs_made  # nothing ran again
    np.testing.assert_array_equal(first.waves[0].outputs, again.waves[0].outputs)
    with open(out / "waves.csv") as f:
        wave = next(csv.DictReader(f))
    assert wave["runs"] == str(runs_made) and 0.0 <= float(wave["space_share"]) <= 1.0
    with open(out / "ranges.csv") as f:
        ranges = list(csv.DictReader(f))
    assert {r["parameter"] for r in ranges} == set(first.names)
    assert all(float(r["prior_low"]) <= float(r["kept_low"]) <= float(r["kept_high"]) <= float(r["prior_high"])
               for r in ranges)
    assert Path(out / "ranges.png").stat().st_size > 10_000


def test_a_resume_of_other_work_is_refused(tmp_path, monkeypatch, few_targets):
    from passend.engine.errors import ConfigError

    monkeypatch.setattr(hm, "target_values", fake_targets([]))
    out = tmp_path / "hm"
    with Executor(1) as executor:
        hm.history_match(out, runs_per_wave=45, max_waves=1, scale=0.002, executor=executor, report=lambda _: None)
        with pytest.raises(ConfigError, match="journal.json differs"):
            hm.history_match(out, runs_per_wave=45, max_waves=1, scale=0.003, executor=executor, resume=True,
                             report=lambda _: None)


def test_replicates_of_an_anchor_set_the_noise_no_emulator_may_claim_to_beat():
    rng = np.random.default_rng(4)
    observed = toy(TRUTH[None])[0]
    matching = hm.Matching(observed, np.full(4, 0.05 ** 2))
    waves = hm.run_waves(lambda x, wave: toy(x) + rng.normal(0.0, 0.05, (len(x), 4)), matching, 4, 40, max_waves=1,
                         report=lambda _: None, anchors=TRUTH, replicates=6)
    wave = waves[0]
    assert len(wave.design) == 46 and np.allclose(wave.design[-6:], TRUTH)
    for i, emulator in enumerate(wave.emulators):
        assert emulator.noise_variance >= np.var(wave.outputs[-6:, i], ddof=1) * (1 - 1e-9)


def test_a_small_space_kept_is_filled_by_searching_around_the_points_rejection_found():
    observed = toy(TRUTH[None])[0]
    matching = hm.Matching(observed, np.full(4, 0.01 ** 2))
    waves = hm.run_waves(noisy_toy(), matching, 4, 60, max_waves=1, report=lambda _: None)
    points, share = hm.sample_kept(matching, waves, 300, np.zeros(4), np.ones(4), seed=2, batch=2000, tries=1)
    assert 0 < share * 2000 < 300  # rejection alone found some, not enough
    assert len(points) == 300 and matching.evaluate(waves, points).all()
    assert len(np.unique(points, axis=0)) == 300
