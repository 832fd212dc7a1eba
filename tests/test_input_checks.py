"""Every input checked before the work (issue 16): an output folder that cannot be written, a comparison that cannot
differ, files that are not UTF-8 TOML, a period with no count and bad option values end with exit code 2, a message
that names the field and what is allowed, and nothing written; Ctrl-C ends with one line and exit code 130."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from passend.experiments.cli import main
from passend.experiments.journal import IDENTITY, RUN_OUTPUTS, read_records

QUICK = ["--scale", "0.002", "--end", "2004-07-31", "--quiet", "--no-figures"]


def refused(argv, capsys, *expected) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    message = capsys.readouterr().err
    for text in expected:
        assert text in message, (text, message)
    assert "Traceback" not in message
    return message


@pytest.fixture
def unwritable(tmp_path):
    """A folder this user cannot create anything in (a regular file stands where its parent should be)."""
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    return blocker / "results"


def test_an_output_folder_that_cannot_be_written_is_refused_before_the_work(unwritable, capsys):
    began = time.perf_counter()
    refused(["run", *QUICK, "--out", str(unwritable)], capsys, "--out", "can be created and written")
    refused(["compare", "default", "cut_2012_300m", "--seeds", "2", "--scale", "0.002", "--out", str(unwritable)],
            capsys, "--out", "can be created and written")
    refused(["validate", "--seeds", "2", "--scale", "0.002", "--out", str(unwritable)], capsys, "--out")
    assert time.perf_counter() - began < 10  # refused at once, not after simulating


def test_a_comparison_that_cannot_differ_in_its_period_is_refused(tmp_path, capsys):
    out = tmp_path / "e"
    refused(["compare", "default", "cut_2012_300m", "--seeds", "2", "--scale", "0.002", "--end", "2010-07-31",
             "--out", str(out)], capsys, "--end", "2012-08-01", "first differs")
    refused(["compare", "default", "default", "--seeds", "2", "--scale", "0.002", "--out", str(out)], capsys,
            "REFORM", "same law and behaviour")
    assert not list(tmp_path.iterdir())


FILES = {
    "binary": (b"\xff\xfe\x00\x01", ["not UTF-8"]),
    "Latin-1": ('description = "caf\xe9"\n'.encode("latin-1"), ["UTF-8", "byte 18"]),
    "empty": (b"", ["empty"]),
    "a list, not a scenario": (b'reforms = "cut_2012_300m"\n', ["reforms"]),
}


@pytest.mark.parametrize("content, expected", FILES.values(), ids=FILES.keys())
def test_a_scenario_file_that_is_not_utf8_toml_is_refused_naming_it(content, expected, tmp_path, capsys):
    path = tmp_path / "scenario.toml"
    path.write_bytes(content)
    refused(["run", "--scenario", str(path), *QUICK, "--out", str(tmp_path / "out")], capsys, *expected)
    assert not (tmp_path / "out").exists()


def test_a_byte_order_mark_is_read_and_a_folder_is_not_a_file(tmp_path, capsys):
    path = tmp_path / "bom.toml"
    path.write_bytes('\ufeffdescription = "with a BOM"\nreforms = ["cut_2012_300m"]\n'.encode("utf-8"))
    assert main(["run", "--scenario", str(path), *QUICK, "--out", str(tmp_path / "out")]) == 0
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    refused(["run", "--scenario", str(folder), *QUICK, "--out", str(tmp_path / "out2")], capsys, "not a folder")
    refused(["sweep", str(folder), "--out", str(tmp_path / "out3")], capsys, "not a folder")


def test_a_period_without_a_1_october_count_is_refused(tmp_path, capsys):
    refused(["run", "--start", "2025-06-01", "--scale", "0.002", "--out", str(tmp_path / "out")], capsys,
            "start", "1 October", "2024-10-01")


def test_a_calibration_step_must_be_a_fraction(capsys):
    refused(["calibrate", "--step", "-1"], capsys, "--step", "above 0 and at most 1")


def test_ctrl_c_ends_a_run_with_one_line_and_nothing_written(tmp_path):
    out = tmp_path / "out"
    run = subprocess.Popen([str(Path(sys.executable).with_name("passend")), "run", "--scale", "0.1", "--out", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    line = ""
    while "done" not in line and time.monotonic() < deadline:  # interrupt once it simulates
        line = run.stderr.readline()
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert "interrupted; nothing was written" in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_absurd_amounts_in_a_reform_are_refused_and_every_law_number_has_a_finite_bound(tmp_path, capsys):
    from passend.engine.policy import PolicyTimeline

    (tmp_path / "huge.toml").write_text('[policy.special_school_eur]\nvalues = { "2003-08-01" = 1e15 }\n')
    (tmp_path / "scenario.toml").write_text('reforms = ["huge.toml"]\n')
    refused(["run", "--scenario", str(tmp_path / "scenario.toml"), *QUICK, "--out", str(tmp_path / "out")], capsys,
            "special_school_eur", "a number in [0.0, 2140000.0]")
    law = PolicyTimeline.baseline()
    unbounded = [name for name in law.names if law[name].bounds[1] == float("inf") and not law[name].allowed
                 and not isinstance(law[name].values[0][1], bool)]
    assert unbounded == ["heavy_care_budget_cap_eur"]  # inf is the law there: no ceiling


def kept_runs(journal: Path) -> int:
    """Runs an interrupted command kept (a record being written is not one yet)."""
    records = journal / RUN_OUTPUTS.file_name
    return len(read_records(records, RUN_OUTPUTS)) if records.exists() else 0


def test_an_interrupted_comparison_resumes_with_no_run_lost_or_repeated_and_the_same_report(tmp_path, monkeypatch):
    from passend.experiments import compare

    args = ["compare", "default", "cut_2012_300m", "--seeds", "3", "--scale", "0.003"]
    out, journal = tmp_path / "cmp", tmp_path / "cmp.runs"
    run = subprocess.Popen([str(Path(sys.executable).with_name("passend")), *args, "--out", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while kept_runs(journal) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130 and "Traceback" not in err, err
    kept = kept_runs(journal)
    assert 2 <= kept < 6 and "--resume" in err and not out.exists()
    assert f"of 6 runs kept in {journal}" in err and f"--out {out} --resume" in err
    simulated = []
    real = compare._simulate_scenario
    monkeypatch.setattr(compare, "_simulate_scenario", lambda *a: simulated.append(a) or real(*a))
    assert main([*args, "--out", str(out), "--resume", "--jobs", "1"]) == 0  # in this process, so counted
    assert len(simulated) == 6 - kept  # only the runs not kept were run again
    assert not journal.exists()  # the runs folder goes once the report is written
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    for name in ("report.md", "runs_by_seed.csv", "effects_by_year.csv", "effects_cumulated.csv",
                 "alliance_effects.csv", "who_gains.csv", "who_gains_bands.csv"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_resume_needs_the_same_comparison(tmp_path, capsys):
    journal = tmp_path / "cmp.runs"
    journal.mkdir()
    (journal / IDENTITY).write_text('{"base": "something else"}')
    refused(["compare", "default", "cut_2012_300m", "--seeds", "2", "--scale", "0.003", "--out",
             str(tmp_path / "cmp"), "--resume"], capsys, "--resume", "same scenarios, seeds and period")
    refused(["compare", "default", "cut_2012_300m", "--seeds", "2", "--scale", "0.003", "--out",
             str(tmp_path / "cmp")], capsys, "--out", "add --resume")


def test_work_too_large_is_refused_and_long_work_needs_yes(tmp_path, capsys):
    huge = tmp_path / "huge.toml"
    huge.write_text('[sweep]\ndesign = "latin_hypercube"\nsamples = 1000000\nreplicates = 1000000\n'
                    '[settings]\nscale = 0.002\n[parameters.tlv_gatekeeping]\nrange = [0.0, 1.0]\n')
    began = time.perf_counter()
    refused(["sweep", str(huge), "--out", str(tmp_path / "a")], capsys, "1,000,000,000,000 runs", "at most 10,000,000")
    assert time.perf_counter() - began < 30  # refused before building a million-million task list
    levels = ", ".join(str(v / 100) for v in range(100))
    small = ", ".join(str(v / 10000) for v in range(100))
    long = tmp_path / "long.toml"
    long.write_text(f'[sweep]\ndesign = "factorial"\nreplicates = 10\n[settings]\nscale = 0.05\n'
                    f'[parameters.tlv_gatekeeping]\nvalues = [{levels}]\n[parameters.breakdown_rate]\nvalues = [{small}]\n')
    message = refused(["sweep", str(long), "--out", str(tmp_path / "b")], capsys, "--yes", "100,000 runs", "hours")
    assert "about" in message
    assert not list(p for p in tmp_path.iterdir() if p.suffix != ".toml")


def test_an_interrupted_validation_resumes_running_only_what_was_not_kept(tmp_path, monkeypatch):
    from passend.experiments import one_run

    args = ["validate", "--seeds", "3", "--scale", "0.003", "--end", "2012-07-31"]
    out, journal = tmp_path / "val", tmp_path / "val.runs"
    run = subprocess.Popen([str(Path(sys.executable).with_name("passend")), *args, "--jobs", "1", "--out", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not kept_runs(journal) and time.monotonic() < deadline:
        time.sleep(0.1)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    kept = kept_runs(journal)
    assert run.returncode == 130 and 1 <= kept < 3 and "--resume" in err and "Traceback" not in err, err
    simulated = []
    real = one_run.simulate_rows
    monkeypatch.setattr(one_run, "simulate_rows", lambda *a: simulated.append(a) or real(*a))
    assert main([*args, "--jobs", "1", "--out", str(out), "--resume"]) == 0
    assert len(simulated) == 3 - kept and not journal.exists()
    monkeypatch.setattr(one_run, "simulate_rows", real)
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    assert (out / "targets.csv").read_bytes() == (tmp_path / "whole" / "targets.csv").read_bytes()
