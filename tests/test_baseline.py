"""The regression baseline: a small fixed run gives the stored key outputs (regenerate with `passend baseline --update`
after a change that is meant to move them, and say in the commit which series moved and why)."""

from passend.experiments.baseline import differences, read_baseline, report, simulate_baseline


def test_the_fixed_run_reproduces_the_stored_baseline():
    stored, fresh = read_baseline(), simulate_baseline()
    moved, missing, new = differences(stored, fresh)
    assert len(stored) > 10_000  # counts, school years and every alliance: the file is not a stub
    assert not (moved or missing or new), report(moved, missing, new, len(stored))


def test_the_comparison_names_a_series_that_moved():
    stored = read_baseline()
    key = next(k for k in stored if k[0] == "counts" and k[1] == "2016-10-01" and k[2] == "sbo")
    tampered = dict(stored) | {key: stored[key] * 1.01}
    moved, missing, new = differences(stored, tampered)
    assert [(m.table, m.series, m.first_key, m.n_changed) for m in moved] == [("counts", "sbo", "2016-10-01", 1)]
    assert "sbo" in report(moved, missing, new, len(stored))
