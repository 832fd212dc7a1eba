"""Sweeps: the same table whatever the backend, every run exactly once after a kill and a resume, failures
recorded without stopping the sweep, bad specs refused before anything is written."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from passend.experiments.cli import main
from passend.experiments.journal import read_records
from passend.experiments.sweep import JOURNAL, TABLE, read_spec, run_sweep

SPEC = """
[sweep]
design = "factorial"
replicates = 2
outcomes = ["rugzak@2005", "inflow_sbo@2004-2005", "so@2004-2005"]
[settings]
scale = 0.004
end = {end}
[parameters.apply_reward]
values = [0.1, 0.3]
[parameters.policy.rugzak_school_eur]
values = {rewards}
"""


def write_spec(folder: Path, end="2006-07-31", rewards="[8000, 12000]") -> Path:
    path = folder / "spec.toml"
    path.write_text(SPEC.format(end=end, rewards=rewards))
    return path


def table(folder: Path) -> list[dict]:
    return pq.read_table(folder / TABLE).to_pylist()


def test_the_same_table_with_one_or_two_processes_and_on_a_local_dask_cluster(tmp_path):
    spec = read_spec(write_spec(tmp_path))
    runs = {
        "one": run_sweep(spec, tmp_path / "one", n_jobs=1, csv=True, progress=False),
        "two": run_sweep(spec, tmp_path / "two", n_jobs=2, csv=True, progress=False),
        "dask": run_sweep(spec, tmp_path / "dask", n_jobs=2, scheduler="local", csv=True, progress=False),
    }
    assert all(r.ok == 8 and r.failed == 0 for r in runs.values())
    reference = table(tmp_path / "one")
    assert [r["run_id"] for r in reference] == list(range(8))
    for name in ("two", "dask"):
        assert table(tmp_path / name) == reference, name
        assert (tmp_path / name / "runs.csv").read_bytes() == (tmp_path / "one" / "runs.csv").read_bytes()
    # replicate r has the same seed at every point (common random numbers), and the reward moves the outcome
    assert len({r["seed"] for r in reference if r["replicate"] == 0}) == 1
    assert len({r["rugzak_2005"] for r in reference}) > 1


def test_a_sweep_killed_halfway_and_resumed_has_every_run_exactly_once(tmp_path):
    spec_path = write_spec(tmp_path, end="2008-07-31", rewards="[6000, 8000, 10000, 12000]")
    folder = tmp_path / "sweep"
    process = subprocess.Popen([sys.executable, "-m", "passend.experiments.cli", "sweep", str(spec_path),
                                "--out", str(folder), "--jobs", "1", "--quiet"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    journal = folder / JOURNAL
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or len(journal.read_text().splitlines()) < 3):
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished_before = len(read_records(journal))
    spec = read_spec(spec_path)
    assert 3 <= finished_before < 16, "the kill must land halfway for this test to mean anything"

    result = run_sweep(spec, folder, n_jobs=2, resume=True, progress=False)
    assert result.ran_now == 16 - finished_before  # finished runs were skipped
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert sorted(row["run_id"] for row in lines) == list(range(16))  # none lost, none repeated
    assert [r["run_id"] for r in table(folder)] == list(range(16))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_ok"] == 16


def test_resume_refuses_a_folder_made_from_another_spec(tmp_path, capsys):
    spec = read_spec(write_spec(tmp_path))
    run_sweep(spec, tmp_path / "done", progress=False)
    other = write_spec(tmp_path, rewards="[9000, 12000]")
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", str(other), "--out", str(tmp_path / "done"), "--resume", "--quiet"])
    assert exit_.value.code == 2
    assert "--resume" in capsys.readouterr().err


def test_a_failing_run_is_recorded_with_its_traceback_and_the_sweep_goes_on(tmp_path, monkeypatch):
    spec = read_spec(write_spec(tmp_path))
    from passend.experiments import one_run

    real = one_run.simulate_rows
    bad_seed = spec.seeds()[1]

    def flaky(settings, *args, **kwargs):
        if settings.seed == bad_seed:
            raise FloatingPointError("a run that breaks")
        return real(settings, *args, **kwargs)

    monkeypatch.setattr(one_run, "simulate_rows", flaky)
    result = run_sweep(spec, tmp_path / "flaky", n_jobs=1, progress=False)
    rows = table(tmp_path / "flaky")
    assert (result.ok, result.failed, len(rows)) == (4, 4, 8)
    failed = [r for r in rows if r["status"] == "failed"]
    assert all(r["replicate"] == 1 and r["rugzak_2005"] is None for r in failed)
    assert all("FloatingPointError: a run that breaks" in r["error"] and "Traceback" in r["traceback"] for r in failed)
    # resuming reruns only the failed runs
    monkeypatch.setattr(one_run, "simulate_rows", real)
    again = run_sweep(spec, tmp_path / "flaky", n_jobs=1, resume=True, progress=False)
    assert (again.ran_now, again.ok) == (4, 8)


def test_the_data_dictionary_describes_every_column(tmp_path):
    spec = read_spec(write_spec(tmp_path))
    run_sweep(spec, tmp_path / "out", progress=False)
    import csv

    with open(tmp_path / "out" / "data_dictionary.csv") as f:
        described = {row["column"]: row for row in csv.DictReader(f)}
    columns = pq.read_table(tmp_path / "out" / TABLE).column_names
    assert set(columns) == set(described)
    assert all(described[c]["unit"] and described[c]["definition"] and described[c]["source"] for c in columns)
    assert "1 October 2005" in described["rugzak_2005"]["definition"]


@pytest.mark.parametrize("design, samples, points", [("latin_hypercube", 5, 5), ("sobol", 4, 4 * (2 + 2)),
                                                     ("morris", 3, 3 * (2 + 1))])
def test_sampled_designs_stay_in_their_ranges_and_repeat_exactly(tmp_path, design, samples, points):
    path = tmp_path / "spec.toml"
    path.write_text(f'[sweep]\ndesign = "{design}"\nsamples = {samples}\n[settings]\nscale = 0.004\nend = 2005-07-31\n'
                    "[parameters.apply_reward]\nrange = [0.1, 0.3]\n[parameters.behaviour_onset_max_age]\nrange = [10, 17]\n")
    spec = read_spec(path)
    drawn = spec.points()
    assert len(drawn) == points and drawn == read_spec(path).points()
    assert all(0.1 <= p["apply_reward"] <= 0.3 and isinstance(p["behaviour_onset_max_age"], int) for p in drawn)


BAD_SPECS = {
    "unknown key": ('[sweep]\ndesing = "factorial"\n', ["sweep.desing", "design"]),
    "unknown design": ('[sweep]\ndesign = "random"\n[parameters.apply_reward]\nvalues = [0.1]\n', ["sweep.design", "morris"]),
    "wrong type": ('[sweep]\nreplicates = "two"\n', ["sweep.replicates", "a number"]),
    "value out of bounds": ("[parameters.apply_reward]\nvalues = [0.1, 99]\n", ["behaviour.apply_reward", "allowed"]),
    "unknown parameter": ("[parameters.apply_greed]\nvalues = [0.1]\n", ["parameters.apply_greed", "apply_reward"]),
    "sobol sample not a power of 2": ('[sweep]\ndesign = "sobol"\nsamples = 6\n[parameters.apply_reward]\nrange = [0.1, 0.2]\n',
                                      ["sweep.samples", "power of 2"]),
    "outcome outside the period": ('[sweep]\noutcomes = ["so@2030"]\n[parameters.apply_reward]\nvalues = [0.1]\n',
                                   ["sweep.outcomes[0]", "years 2003 to 2024"]),
    "impossible date": ('[parameters.policy.sbo_eur]\nvalues = [3000.0]\nfrom = "2014-02-30"\n',
                        ["parameters.policy.sbo_eur.from", "a date that exists"]),
    "unknown scenario": ('[sweep]\nscenario = "utopia"\n[parameters.apply_reward]\nvalues = [0.1]\n', ["sweep.scenario", "default"]),
}


@pytest.mark.parametrize("text, expected", BAD_SPECS.values(), ids=BAD_SPECS.keys())
def test_a_bad_spec_is_refused_naming_file_and_key_and_nothing_is_written(text, expected, capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    for command in ("sweep", "sensitivity"):
        with pytest.raises(SystemExit) as exit_:
            main([command, str(path), "--out", str(out), "--quiet"])
        assert exit_.value.code == 2
        message = capsys.readouterr().err
        assert str(path) in message
        if command == "sweep":
            for text_ in expected:
                assert text_ in message, (text_, message)
        assert not out.exists() and sorted(tmp_path.iterdir()) == [path]
