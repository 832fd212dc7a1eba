"""The journal of finished runs (passend.experiments.journal): a run's output comes back exactly as it was, a record
torn by a kill is ignored, and a corrupt, foreign or planted record is refused with one line naming the file before
anything runs; nothing in a journal is ever unpickled."""

import datetime as dt
import gzip
import json
import math
import pickle

import numpy as np
import pytest

from passend.engine.errors import ConfigError
from passend.engine.settings import RunSettings
from passend.experiments import compare as compare_module
from passend.experiments.api import compare
from passend.experiments.cli import main
from passend.experiments.journal import ROWS, RUN_OUTPUTS, Journal, read_records
from passend.experiments.one_run import simulate_rows
from passend.experiments.runner import Interrupted
from passend.experiments.scenarios import get_scenario

SMALL = ["--seeds", "2", "--scale", "0.002", "--end", "2012-10-31"]


def same_value(a, b) -> bool:
    """Equal and of the same kind (numpy's scalars count as the Python numbers they equal); NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    kind = type(a.item()) if isinstance(a, np.generic) else type(a)
    return kind is type(b) and a == b


def same_output(a, b) -> bool:
    tables = ("counts", "school_years", "months", "alliances", "mechanical")
    if (a.settings, a.wall_seconds, a.pupil_months) != (b.settings, b.wall_seconds, b.pupil_months):
        return False
    for name in tables:
        rows_a, rows_b = getattr(a, name), getattr(b, name)
        if len(rows_a) != len(rows_b) or any(list(x) != list(y) or not all(same_value(x[k], y[k]) for k in x)
                                             for x, y in zip(rows_a, rows_b)):
            return False
    return list(a.pupils) == list(b.pupils) and all(
        a.pupils[k].dtype == b.pupils[k].dtype and np.array_equal(a.pupils[k], b.pupils[k]) for k in a.pupils)


@pytest.fixture(scope="module")
def output():
    """A short run with every part a RunOutput can have: NaN in the alliances' rows, the pupils' arrays, the books."""
    policy, behaviour = get_scenario("default").build()
    reform = get_scenario("cut_2012_300m").build()[0]
    return simulate_rows(RunSettings(seed=3, scale=0.002, end=dt.date(2012, 10, 31)), behaviour, policy,
                         mechanical=reform)


def expected(output, n=2):
    return [{"run_id": i, "settings": output.settings.to_dict()} for i in range(n)]


def test_a_run_written_and_read_back_is_the_run_exactly_arrays_with_their_dtypes(tmp_path, output):
    assert {a.dtype.name for a in output.pupils.values()} == {"float32", "int16", "int8", "bool", "int64"}
    assert any(isinstance(v, float) and math.isnan(v) for row in output.alliances for v in row.values())
    journal = Journal.start(tmp_path / "runs" / RUN_OUTPUTS.file_name, {"work": 1}, RUN_OUTPUTS, expected(output))
    journal.record(1, output)
    back = Journal.resume(journal.records, {"work": 1}, RUN_OUTPUTS, expected(output), "work").finished
    assert list(back) == [1] and same_output(output, back[1])
    assert not same_output(output, simulate_rows(RunSettings(seed=4, scale=0.002, end=dt.date(2004, 10, 31))))
    with gzip.open(journal.records) as file:  # a plain gzip file of JSON: readable without passend
        assert json.loads(file.readline())["settings"]["seed"] == 3


def test_a_record_torn_by_a_kill_is_ignored_and_the_next_one_starts_on_a_boundary(tmp_path, output):
    runs = {ROWS: lambda i: {"run_id": i, "status": "ok"}, RUN_OUTPUTS: lambda i: output}
    for kind, run in runs.items():
        records, two = tmp_path / kind.file_name, [{"run_id": 0}, {"run_id": 1}]
        journal = Journal.start(records, {"work": 1}, kind, two)
        journal.record(0, run(0))
        whole = records.read_bytes()
        journal.record(1, run(1))
        both = records.read_bytes()
        records.write_bytes(both[:(len(whole) + len(both)) // 2])  # the second record cut short
        again = Journal.resume(records, {"work": 1}, kind, two, "work")
        assert list(again.finished) == [0] and records.read_bytes() == whole
        again.record(1, run(1))
        assert sorted(read_records(records, kind)) == [0, 1]


BAD_RECORDS = {
    "not JSON": (b"this is not json\n", (ROWS, RUN_OUTPUTS)),
    "a run id that is not a number": (b'{"run_id": "0"}\n', (ROWS, RUN_OUTPUTS)),
    "a run the work does not have": (b'{"run_id": 7}\n', (ROWS, RUN_OUTPUTS)),
    "deeply nested": (b"[" * 100_000 + b"\n", (ROWS, RUN_OUTPUTS)),
    "a number, not a record": (b"42\n", (ROWS, RUN_OUTPUTS)),
    "bytes that are not UTF-8": (b'{"run_id": 0, "status": "\xff\xfe"}\n', (ROWS, RUN_OUTPUTS)),
    "a null": (b"null\n", (ROWS, RUN_OUTPUTS)),
    "a row where a run's output belongs": (b'{"run_id": 0, "status": "ok"}\n', (RUN_OUTPUTS,)),
    "an array that is code": (b'{"run_id": 0, "pupils": {"uid": {"dtype": "object", "length": 1, "base64": ""}}}\n',
                              (RUN_OUTPUTS,)),
}


@pytest.mark.parametrize("content, kinds", BAD_RECORDS.values(), ids=BAD_RECORDS.keys())
def test_a_corrupt_record_is_refused_in_one_line_naming_the_file(tmp_path, content, kinds):
    for kind in kinds:
        records = tmp_path / kind.file_name
        Journal.start(records, {"work": 1}, kind, [{"run_id": 0}])
        records.write_bytes(gzip.compress(content) if kind.compressed else content)
        with pytest.raises(ConfigError) as error:
            Journal.resume(records, {"work": 1}, kind, [{"run_id": 0}], "work")
        assert str(records) in str(error.value) and "\n" not in str(error.value)


def test_resuming_another_work_is_refused_naming_where_it_differs(tmp_path):
    records = tmp_path / ROWS.file_name
    Journal.start(records, {"settings": [{"seed": 1}, {"seed": 2}]}, ROWS, [{"run_id": 0}])
    with pytest.raises(ConfigError, match=r"differs at settings\[1\]\.seed"):
        Journal.resume(records, {"settings": [{"seed": 1}, {"seed": 3}]}, ROWS, [{"run_id": 0}], "work")


@pytest.fixture
def interrupted(tmp_path, monkeypatch):
    """A comparison stopped by Ctrl-C after its first run: its folder, and a list that counts the runs made since."""
    real, calls = compare_module._simulate_scenario, []

    def first_then_ctrl_c(*task):
        calls.append(task)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(*task)

    monkeypatch.setattr(compare_module, "_simulate_scenario", first_then_ctrl_c)
    out = tmp_path / "cmp"
    with pytest.raises(Interrupted) as stop:
        compare("default", "cut_2012_300m", seeds=2, scale=0.002, end="2012-10-31", out=out)
    assert (stop.value.kept, stop.value.total, stop.value.folder) == (1, 4, out)
    calls.clear()
    monkeypatch.setattr(compare_module, "_simulate_scenario", lambda *task: calls.append(task) or real(*task))
    return out, calls


def refused_by_the_cli(out, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(["compare", "default", "cut_2012_300m", *SMALL, "--jobs", "1", "--out", str(out), "--resume"])
    assert exit_.value.code == 2
    message = capsys.readouterr().err
    assert "Traceback" not in message and len(message.strip().splitlines()[-1]) > 40
    return message


def test_a_corrupt_record_in_a_comparisons_journal_ends_with_exit_2_and_runs_nothing(interrupted, capsys):
    out, calls = interrupted
    records = out.with_name("cmp.runs") / RUN_OUTPUTS.file_name
    damaged = bytearray(records.read_bytes())
    damaged[len(damaged) // 2:len(damaged) // 2 + 8] = bytes(8)  # bytes damaged on disk
    records.write_bytes(damaged + gzip.compress(b'{"run_id": 1}\n'))
    message = refused_by_the_cli(out, capsys)
    assert str(records) in message and calls == [] and not out.exists()


def test_a_foreign_record_is_refused_and_runs_nothing(interrupted, capsys):
    out, calls = interrupted
    records = out.with_name("cmp.runs") / RUN_OUTPUTS.file_name
    record = json.loads(gzip.decompress(records.read_bytes()))
    record["settings"]["seed"] += 1  # the run of another comparison, with this one's identity beside it
    records.write_bytes(gzip.compress(json.dumps(record).encode() + b"\n"))
    message = refused_by_the_cli(out, capsys)
    assert "run 0 has settings" in message and calls == []


def test_a_planted_pickle_is_never_unpickled_and_the_resume_runs_only_the_rest(interrupted, tmp_path):
    out, calls = interrupted
    marker = tmp_path / "code_ran"

    class Planted:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (out.with_name("cmp.runs") / "run-00001.pkl").write_bytes(pickle.dumps(Planted()))
    assert main(["compare", "default", "cut_2012_300m", *SMALL, "--jobs", "1", "--out", str(out), "--resume"]) == 0
    assert not marker.exists() and len(calls) == 3 and (out / "report.md").exists()
    assert not out.with_name("cmp.runs").exists()


@pytest.mark.parametrize("identity", [b"42", b"\xff\xfe not UTF-8", b"[" * 100_000])
def test_an_identity_that_is_not_the_works_is_refused_in_one_line(tmp_path, identity):
    records = tmp_path / ROWS.file_name
    Journal.start(records, {"work": 1}, ROWS, [{"run_id": 0}])
    (tmp_path / "journal.json").write_bytes(identity)
    with pytest.raises(ConfigError) as error:
        Journal.resume(records, {"work": 1}, ROWS, [{"run_id": 0}], "work")
    assert error.value.field == "--resume" and "\n" not in str(error.value)


def test_a_sweep_journal_line_42_or_not_utf8_ends_with_exit_2_naming_the_file(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text('[settings]\nscale = 0.002\nend = 2004-07-31\n[parameters.tlv_gatekeeping]\nvalues = [0.1, 0.2]\n')
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--jobs", "1", "--out", str(out), "--quiet"]) == 0
    for line in (b"42\n", b"\xff\xfe\n"):
        (out / "runs.jsonl").write_bytes((out / "runs.jsonl").read_bytes().split(b"\n")[0] + b"\n" + line)
        with pytest.raises(SystemExit) as exit_:
            main(["sweep", str(spec), "--jobs", "1", "--out", str(out), "--resume", "--quiet"])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and "line 2 of runs.jsonl" in err and "Traceback" not in err


@pytest.mark.parametrize("planted", ["fifo", "dev_zero"])
def test_a_journal_that_is_a_fifo_or_a_link_to_dev_zero_is_refused_not_read(tmp_path, planted):
    import os

    for name in (ROWS.file_name, "journal.json"):
        folder = tmp_path / f"{planted}-{name}"
        records = folder / ROWS.file_name
        Journal.start(records, {"work": 1}, ROWS, [{"run_id": 0}])
        (folder / name).unlink()
        if planted == "fifo":
            os.mkfifo(folder / name)  # reading it would wait for a writer forever
        else:
            (folder / name).symlink_to("/dev/zero")  # reading it would fill the memory
        with pytest.raises(ConfigError, match="regular file") as error:
            Journal.resume(records, {"work": 1}, ROWS, [{"run_id": 0}], "work")
        assert error.value.field == "--resume"
