import datetime as dt
from pathlib import Path

from passend.experiments.cli import main
from passend.experiments.runner import simulate_many
from passend.engine.settings import RunSettings


def _run(folder: Path, seed: int) -> Path:
    assert main(["run", "--seed", str(seed), "--scale", "0.005", "--end", "2015-12-31", "--out", str(folder),
                 "--no-figures", "--quiet"]) == 0
    return folder


def test_the_same_seed_gives_identical_output_files(tmp_path):
    a, b = _run(tmp_path / "a", 4), _run(tmp_path / "b", 4)
    for name in ("counts.csv", "school_years.csv", "alliances.csv", "months.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_another_seed_gives_another_run(tmp_path):
    a, b = _run(tmp_path / "a", 4), _run(tmp_path / "b", 5)
    assert (a / "counts.csv").read_bytes() != (b / "counts.csv").read_bytes()


def test_results_do_not_depend_on_the_number_of_worker_processes():
    settings = [RunSettings(seed=s, scale=0.005, end=dt.date(2015, 12, 31)) for s in (1, 2)]  # through the reform
    serial = simulate_many(settings, n_jobs=1)
    parallel = simulate_many(settings, n_jobs=2)
    for a, b in zip(serial, parallel):
        assert a.counts == b.counts and a.school_years == b.school_years and a.months == b.months


def test_validate_gives_the_same_files_on_joblibs_processes_and_on_a_two_worker_dask_cluster(tmp_path):
    from passend.experiments.api import validate

    common = dict(seeds=3, scale=0.003, end="2012-10-31", jobs=2)
    loky = validate(out=tmp_path / "loky", **common)
    dask = validate(out=tmp_path / "dask", scheduler="local", **common)
    assert loky.backend.startswith("joblib") and dask.backend.startswith("dask.distributed")
    for name in ("targets.csv", "bands.csv", "counts_by_seed.csv", "school_years_by_seed.csv"):
        assert (loky.folder / name).read_bytes() == (dask.folder / name).read_bytes(), name
    assert loky.targets.equals(dask.targets) and len(loky.targets) > 50
