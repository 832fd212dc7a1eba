"""Faults (issue 35, part A): workers and servers that die with their parent, a full disk that ends a command in one
line with its finished runs kept and nothing half-written, stale partial folders, and resume commands that keep every
option."""

import errno
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from passend.experiments.cli import DISK_FULL, build_parser, main, resume_command

PASSEND = str(Path(sys.executable).with_name("passend"))


# --- processes -------------------------------------------------------------------------------------------------------
def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process from /proc, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def descendants(root: int) -> set[int]:
    """Every living process below ``root``, from /proc (no psutil needed)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None and stat[0] != "Z":
            children.setdefault(stat[1], []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids) -> set[int]:
    """Those of ``pids`` still running (a zombie waiting for its new parent to reap it has ended)."""
    return {pid for pid in pids if (stat := _stat(pid)) is not None and stat[0] != "Z"}


def wait_for(condition, seconds: float) -> float:
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > seconds:
            break
        time.sleep(0.2)
    return time.monotonic() - began


@pytest.mark.parametrize("backend", [[], ["--scheduler", "local"]], ids=["loky", "dask-local"])
def test_a_sigkill_of_compare_jobs_2_leaves_no_process_after_30_seconds(tmp_path, backend):
    out = tmp_path / "cmp"
    command = [PASSEND, "compare", "default", "cut_2012_300m", "--seeds", "10", "--scale", "0.01", "--end",
               "2012-10-31", "--jobs", "2", *backend, "--out", str(out)]
    main_process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)  # its own session: the kill reaches it alone
    try:
        records = out.with_name("cmp.runs") / "runs.jsonl.gz"
        # killed once a run has come back, so that the workers are warm and in the middle of the next runs
        waited = wait_for(lambda: records.exists() and records.stat().st_size > 0, 120)
        workers = descendants(main_process.pid)
        assert len(workers) >= 2, "the comparison never started its workers"
        os.kill(main_process.pid, signal.SIGKILL)
        main_process.wait()
        gone_after = wait_for(lambda: not alive(workers), 30)
        left = alive(workers)
        print(f"\nSIGKILL of passend compare --jobs 2 {' '.join(backend)} (pid {main_process.pid}) {waited:.1f} s "
              f"after its start, with "
              f"{len(workers)} processes below it {sorted(workers)}; none left after {gone_after:.1f} s"
              if not left else f"\n{len(left)} processes left 30 s after the SIGKILL: {sorted(left)}")
        assert not left
    finally:  # whatever the test found, it leaves nothing behind (the workers may have been adopted by now)
        kill_all(alive(descendants(main_process.pid)) | alive(locals().get("workers", set())) | {main_process.pid})


def kill_all(pids) -> None:
    """SIGKILL every process of ``pids`` still there: a test leaves nothing behind, whatever it found."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_the_dashboards_server_dies_with_the_command_however_it_is_stopped(how):
    dashboard = subprocess.Popen([PASSEND, "dashboard", "--port", str(free_port())], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)  # signals reach it alone
    try:
        wait_for(lambda: any(b"solara" in Path(f"/proc/{pid}/cmdline").read_bytes()
                             for pid in alive(descendants(dashboard.pid))), 60)
        server = alive(descendants(dashboard.pid))
        assert server, "the dashboard started no server"
        dashboard.send_signal(how)
        dashboard.wait(timeout=30)
        gone_after = wait_for(lambda: not alive(server), 20)
        assert not alive(server), f"the server outlived a {how.name} of passend dashboard by {gone_after:.0f} s"
    finally:  # whatever the test found, it leaves nothing behind (an orphaned server is no descendant any more)
        kill_all(alive(descendants(dashboard.pid)) | alive(locals().get("server", set())) | {dashboard.pid})


# --- a full disk -----------------------------------------------------------------------------------------------------
def full_disk_on(monkeypatch, module, name: str, when) -> None:
    """``module.name`` raises ENOSPC, as a full disk does, when ``when(*args)`` says so."""
    real = getattr(module, name)

    def write(*args, **kwargs):
        if when(*args):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, write)


def one_line(err: str) -> str:
    """The message that ends the command: one line after the progress lines, no traceback."""
    assert "Traceback" not in err, err
    return err.strip().splitlines()[-1]


def continue_with(line: str) -> list[str]:
    words = shlex.split(line.split("continue with: ")[1])
    assert words[0] == "passend"
    return words[1:]


def test_a_full_disk_while_the_report_is_written_ends_in_one_line_and_the_printed_command_finishes_it(
        tmp_path, monkeypatch, capsys):
    from passend.experiments import output

    out = tmp_path / "cmp"
    args = ["compare", "default", "cut_2012_300m", "--seeds", "2", "--scale", "0.002", "--end", "2012-10-31",
            "--decompose", "--jobs", "1", "--out", str(out)]
    full_disk_on(monkeypatch, output, "write_csv", lambda path, rows: path.name == "who_gains.csv")
    assert main(args) == DISK_FULL
    line = one_line(capsys.readouterr().err)
    assert "the disk is full" in line and "No space left on device" in line and "--decompose" in line
    assert not out.exists() and not out.with_name("cmp.partial").exists()  # nothing half-written
    assert out.with_name("cmp.runs").exists()  # the runs are kept
    monkeypatch.undo()
    out.with_name("cmp.partial").mkdir()  # a stale partial folder, as a kill during the writing leaves
    (out.with_name("cmp.partial") / "effects.png").write_bytes(b"\x89PNG half")
    assert main(continue_with(line)) == 0
    assert (out / "report.md").exists() and (out / "decomposition_by_year.csv").exists()
    assert not out.with_name("cmp.runs").exists() and not out.with_name("cmp.partial").exists()


def test_a_full_disk_during_the_runs_keeps_the_finished_ones_and_a_resume_runs_the_rest(tmp_path, monkeypatch, capsys):
    from passend.experiments import journal

    spec = tmp_path / "spec.toml"
    spec.write_text('[settings]\nscale = 0.002\nend = 2004-07-31\n[parameters.tlv_gatekeeping]\n'
                    'values = [0.1, 0.2, 0.3, 0.4]\n')
    out = tmp_path / "sweep"
    recorded = []
    full_disk_on(monkeypatch, journal.Journal, "record", lambda self, i, row: recorded.append(i) or len(recorded) > 2)
    assert main(["sweep", str(spec), "--jobs", "1", "--out", str(out), "--csv", "--quiet"]) == DISK_FULL
    line = one_line(capsys.readouterr().err)
    assert "--csv" in line and "--resume" in line
    monkeypatch.undo()
    assert len(pd.read_parquet(out / "runs.parquet")) == 2
    assert main(continue_with(line)) == 0
    assert len(pd.read_parquet(out / "runs.parquet")) == len(pd.read_csv(out / "runs.csv")) == 4
    import json

    assert json.loads((out / "manifest.json").read_text())["commit"]  # the code that made the table


def test_a_full_disk_in_a_single_run_ends_in_one_line_with_nothing_written(tmp_path, monkeypatch, capsys):
    from passend.experiments import output

    full_disk_on(monkeypatch, output, "write_csv", lambda path, rows: path.name == "months.csv")
    out = tmp_path / "run"
    assert main(["run", "--scale", "0.002", "--end", "2004-07-31", "--quiet", "--out", str(out)]) == DISK_FULL
    line = one_line(capsys.readouterr().err)
    assert "the disk is full" in line and "run the command again" in line
    assert not list(tmp_path.iterdir())


# --- resume commands -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["compare", "default", "cut_2012_300m", "--seeds=3", "--dec", "--scale", "0.01", "--end", "2014-07-31",
     "--jobs", "1", "--out", "x", "--uncertainty", "parameters", "--parameter-sets", "2", "--root-seed", "5"],
    ["sweep", "my spec.toml", "--csv", "--quiet", "--out=somewhere", "--jobs", "1", "--yes"],
    ["sensitivity", "s.toml", "--csv", "--scheduler", "local", "--jobs", "3"],
    ["validate", "--seeds", "7", "--scenario", "no_reform", "--start", "2005-01-01", "--resume", "--out", "v"],
])
def test_a_resume_command_keeps_every_option_however_it_was_typed(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    sub = parser._subparsers._group_actions[0].choices[args.command]
    again = parser.parse_args(shlex.split(resume_command(sub, args, Path("kept folder")))[1:])
    assert vars(again) == vars(args) | {"out": Path("kept folder"), "resume": True}


def test_an_interrupted_sweep_with_csv_never_leaves_a_stale_runs_csv(tmp_path, monkeypatch, capsys):
    from passend.experiments import sweep

    spec = tmp_path / "spec.toml"
    spec.write_text('[settings]\nscale = 0.002\nend = 2004-07-31\n[parameters.tlv_gatekeeping]\n'
                    'values = [0.1, 0.2, 0.3]\n')
    real, calls = sweep.execute_run, []

    def ctrl_c_at_the_third(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(sweep, "execute_run", ctrl_c_at_the_third)
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--jobs", "1", "--out", str(out), "--csv", "--quiet"]) == 130
    assert "--csv" in capsys.readouterr().err and len(pd.read_csv(out / "runs.csv")) == 2
    monkeypatch.undo()
    assert main(["sweep", str(spec), "--jobs", "1", "--out", str(out), "--resume", "--quiet"]) == 0  # no --csv
    assert len(pd.read_csv(out / "runs.csv")) == len(pd.read_parquet(out / "runs.parquet")) == 3


def test_what_a_killed_writer_left_under_the_partial_name_or_a_dangling_runs_link_stops_nothing(tmp_path, capsys):
    (tmp_path / "run.partial").symlink_to(tmp_path / "gone")  # a link, which must be removed and never followed
    assert main(["run", "--scale", "0.002", "--end", "2004-07-31", "--quiet", "--no-figures", "--out",
                 str(tmp_path / "run")]) == 0
    assert (tmp_path / "run" / "counts.csv").exists() and not os.path.lexists(tmp_path / "run.partial")
    (tmp_path / "cmp.runs").symlink_to(tmp_path / "nowhere")
    with pytest.raises(SystemExit) as exit_:
        main(["compare", "default", "cut_2012_300m", "--seeds", "2", "--scale", "0.002", "--end", "2012-10-31",
              "--jobs", "1", "--out", str(tmp_path / "cmp")])
    assert exit_.value.code == 2 and "cmp.runs does not exist yet" in capsys.readouterr().err


def test_the_exit_codes_are_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    assert "74   the disk (or a quota) is full" in help_text and "130  interrupted" in help_text


def test_from_python_a_full_disk_is_an_oserror_that_names_the_folder_to_resume(tmp_path, monkeypatch):
    from passend.experiments import api, output
    from passend.experiments.runner import DiskFull

    full_disk_on(monkeypatch, output, "write_csv", lambda path, rows: path.name == "targets.csv")
    with pytest.raises(OSError) as error:  # except OSError still catches it
        api.validate(seeds=1, scale=0.002, end="2004-10-31", out=tmp_path / "val")
    assert isinstance(error.value, DiskFull) and error.value.errno == errno.ENOSPC
    assert error.value.folder == tmp_path / "val" and sorted(p.name for p in tmp_path.iterdir()) == ["val.runs"]
    monkeypatch.undo()
    assert api.validate(seeds=1, scale=0.002, end="2004-10-31", out=tmp_path / "val", resume=True).folder.exists()
