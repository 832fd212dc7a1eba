"""Running many runs: the one executor of the project's commands of many runs (compare, validate, sweep,
sensitivity, calibrate), and the results folder they write. One run is :mod:`passend.experiments.one_run`; the
journal that keeps finished runs is :mod:`passend.experiments.journal`.

An :class:`Executor` sends runs to joblib's local (loky) processes, or to dask.distributed through joblib's dask
backend, and hands back each result as its run finishes. A run's result depends only on its task (its seed, settings,
law and behaviour), never on the worker or the order, so the same work gives the same results on any backend and any
number of workers, and a resumed command gives what an uninterrupted one would.

``passend calibrate --ensemble`` is the one command whose runs do not go through here: pyabc evaluates its parameter
sets through its own samplers (``passend.experiments.ensemble``).
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from passend.engine.behaviour import Behaviour
from passend.engine.errors import ConfigError
from passend.engine.policy import PolicyTimeline
from passend.engine.settings import RunSettings
from passend.model.recorder import RunOutput

DASK_WORKER_CONFIG = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
                      "distributed.worker.memory.monitor-interval": "1s"}
"""What a Dask worker for passend runs with. Why: a worker's threads beside the task take the GIL whenever they wake,
and a run is many short numpy calls that each need it back. Its statistical profiler samples the task's stack every
10 ms (runs were 10-40% slower than in a loky process, measured with ``passend benchmark --sweep``); its event loop
checks itself every 20 ms and its memory every 100 ms (once a second is plenty for runs of seconds). For
``dask worker`` on a cluster the same are the environment variables ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False
DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL=1s DASK_DISTRIBUTED__WORKER__MEMORY__MONITOR_INTERVAL=1s``."""


def local_cluster(n_workers: int):
    """A Dask LocalCluster of ``n_workers`` single-threaded worker processes, configured for passend's runs."""
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set(DASK_WORKER_CONFIG):  # the nannies hand the config to the worker processes they start
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                            silence_logs=logging.ERROR)


def check_parallel(jobs: object, scheduler: object) -> None:
    """Where runs may go, checked before anything is written: ``jobs`` a whole number >= 1, ``scheduler`` None, a
    Dask scheduler's address or ``"local"`` (reaching it is tried when the executor starts)."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ConfigError("--jobs", jobs, "a whole number >= 1 (jobs=...)")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ConfigError("--scheduler", scheduler, "the address of a dask scheduler (tcp://host:8786) or 'local'")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while runs were under way: what was kept, so that the command can say how to continue.

    Attributes:
        kept: runs finished and kept in the journal (those of earlier sessions included).
        total: runs the work has.
        journal: the journal's records file.
        folder: the results folder to name when resuming (set by the Python interface, which chose it).
    """

    def __init__(self, kept: int, total: int, journal: Path, folder: Path | None = None):
        super().__init__(f"{kept} of {total} runs kept in {journal}")
        self.kept, self.total, self.journal, self.folder = kept, total, journal, folder


DISK_FULL_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
"""The errors of a disk (or a quota, or a file size limit) that is full: the command ends in one line and can continue
once there is room."""


class DiskFull(OSError):
    """The disk filled while a command of many runs worked: its finished runs are kept, nothing half-written is left,
    and the same command with ``--out FOLDER --resume`` continues once there is room. An OSError with the errno,
    message and file of the error it stands for, so ``except OSError`` still catches it.

    Attributes:
        error: the OSError (ENOSPC, EDQUOT or EFBIG) with the file it was writing.
        folder: the results folder to name when resuming.
    """

    def __init__(self, error: OSError, folder: Path | None = None):
        super().__init__(error.errno, error.strerror or str(error), error.filename)
        self.error, self.folder = error, folder

    def __str__(self) -> str:
        return f"{self.strerror}{f' writing {self.filename}' if self.filename else ''}"


def _die_with_parent(parent: int) -> None:
    """In each local worker process, as it starts: a thread that ends the worker when the process that started it
    is gone. Why: a SIGKILL of ``passend compare --jobs 2`` left its loky workers alive (deadlocked, about 250 MB
    each, for minutes) with nobody to read their results. A worker's parent changes only when the parent dies (the
    orphan is adopted by init or a subreaper), so an ``os.getppid()`` other than ``parent`` (the pid of the command,
    passed in rather than read here, so that a parent killed before this ran is noticed too) means it is time to go."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)  # no cleanup to wait for: nobody is left to receive this worker's results

    threading.Thread(target=watch, name="passend-parent-watch", daemon=True).start()


PARENT_CHECK_SECONDS = 1.0
"""How often a worker checks that the process that started it is still there."""


class Executor:
    """Where runs go: this process, joblib's local processes or a Dask cluster. Use it as a context manager (it
    starts or reaches the cluster on entry and lets it go on exit), then :meth:`run` as often as needed (a
    calibration's evaluations reuse one cluster).

    Args:
        jobs: local worker processes, or the workers of a local Dask cluster (``scheduler="local"``).
        scheduler: None for joblib's local processes; a Dask scheduler's address (``tcp://host:8786``), or
            ``"local"`` for a local cluster of ``jobs`` single-threaded worker processes.
    """

    def __init__(self, jobs: int = 1, scheduler: str | None = None):
        check_parallel(jobs, scheduler)
        self.jobs, self.scheduler = jobs, scheduler
        self.label = f"joblib, {jobs} local process{'es' if jobs > 1 else ''}"
        self._resources = ExitStack()

    def __enter__(self) -> "Executor":
        if self.scheduler is None:
            return self
        from dask.distributed import Client
        from joblib import parallel_config

        with ExitStack() as opened:
            if self.scheduler == "local":
                cluster = opened.enter_context(local_cluster(self.jobs))
                client = opened.enter_context(Client(cluster))
                self.label = f"dask.distributed, local cluster of {self.jobs} workers"
            else:
                try:
                    client = Client(self.scheduler, timeout="10s")
                except (OSError, TimeoutError, ValueError) as err:
                    raise ConfigError("--scheduler", self.scheduler, "the address of a running dask scheduler "
                                      f"(tcp://host:8786) or 'local' ({type(err).__name__}: {err})") from None
                opened.enter_context(client)
                self.label = f"dask.distributed at {self.scheduler}"
            opened.enter_context(parallel_config(backend="dask"))  # joblib's Parallel now sends tasks to the client
            self._resources = opened.pop_all()
        return self

    def __exit__(self, *exc) -> None:
        self._resources.close()

    def run(self, function: Callable, tasks: Mapping[int, tuple], progress: str | None = None,
            journal=None, done: int = 0, failed: Callable[[Any], bool] | None = None) -> Iterator[tuple[int, Any]]:
        """``function(*tasks[i])`` for every task, yielding ``(i, result)`` as each finishes (in any order).

        Args:
            function: a module-level function (it is sent to other processes).
            tasks: the arguments of each run, by run id.
            progress: a label for a progress bar on standard error (runs done, time left), or None for none.
            journal: a :class:`passend.experiments.journal.Journal` in which each result is recorded the moment it
                comes back, before it is yielded.
            done: runs of the same work finished before (counted in the progress bar).
            failed: tells a failed result (counted beside the progress bar).

        Ctrl-C raises :class:`Interrupted` when there is a journal (its kept runs stay; a run under way is lost).
        """
        if self.scheduler is None and (self.jobs == 1 or len(tasks) <= 1):
            # one process: no workers to start (and a test can watch the runs); one run gains nothing from them
            results = ((i, function(*args)) for i, args in tasks.items())
        else:
            from joblib import Parallel, delayed

            local = {} if self.scheduler is not None else {"initializer": _die_with_parent,  # loky's workers
                                                           "initargs": (os.getpid(),)}
            jobs = -1 if self.scheduler is not None else self.jobs  # -1: all of the cluster's workers
            results = Parallel(n_jobs=jobs, return_as="generator_unordered", **local)(
                delayed(_numbered)(function, i, args) for i, args in tasks.items())
        try:
            yield from _recorded(results, journal, _progress_bar(progress, done, done + len(tasks)), failed)
        except KeyboardInterrupt:
            if journal is None:
                raise
            raise Interrupted(len(journal.finished), len(journal.expected), journal.records) from None


def _numbered(function: Callable, i: int, args: tuple) -> tuple[int, Any]:
    """In the worker: the run and its id (results come back in the order runs finish)."""
    return i, function(*args)


def _recorded(results: Iterator[tuple[int, Any]], journal, bar, failed) -> Iterator[tuple[int, Any]]:
    n_failed = 0
    with bar:
        for i, result in results:
            if journal is not None:
                journal.record(i, result)
            if failed is not None and failed(result):
                n_failed += 1
                bar.set_postfix(failed=n_failed, refresh=False)
            bar.update()
            yield i, result


def _progress_bar(label: str | None, done: int, total: int):
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="run", desc=label, file=sys.stderr, dynamic_ncols=True,
                disable=label is None)


def run_all(function: Callable, tasks: Sequence[tuple], executor: Executor, progress: str | None = None,
            journal=None) -> list:
    """Every task's result, in the order of ``tasks``: those ``journal`` kept are read back, the rest run on
    ``executor`` (and recorded in ``journal`` as they finish)."""
    results = dict(journal.finished) if journal is not None else {}
    todo = {i: task for i, task in enumerate(tasks) if i not in results}
    for i, result in executor.run(function, todo, progress, journal, done=len(results)):
        results[i] = result
    return [results[i] for i in range(len(tasks))]


def simulate_many(settings_list: Sequence[RunSettings], behaviour: Behaviour | None = None,
                  policy: PolicyTimeline | None = None, scenario: str = "default", n_jobs: int = 1,
                  scheduler: str | None = None, progress: str | None = None, executor: Executor | None = None,
                  journal=None) -> list[RunOutput]:
    """One run per settings (the same law and behaviour), in the order of ``settings_list``: on ``executor``, or on
    one of ``n_jobs`` processes or a Dask ``scheduler`` started for the call. ``progress``: a label for a progress
    bar; ``journal``: see :func:`run_all` (its records are RunOutputs)."""
    from passend.experiments.one_run import simulate_rows  # imported here: workers pay for mesa only when running

    tasks = [(settings, behaviour, policy, scenario) for settings in settings_list]
    if executor is not None:
        return run_all(simulate_rows, tasks, executor, progress, journal)
    with Executor(n_jobs, scheduler) as started:
        return run_all(simulate_rows, tasks, started, progress, journal)


# --- the size of the work ----------------------------------------------------------------------------------------
MAX_RUNS = 10_000_000
"""More runs than this are refused outright: their journal and table would not fit a machine's memory or disk."""
LONG_WORK_HOURS = 8.0
"""Work estimated to take longer than this (on the processes asked for) starts only with --yes."""
MEASURE_ABOVE_RUNS = 500
"""Below this many runs the work is not measured first (it is minutes at most)."""
PROBE_END = dt.date(2003, 12, 31)
"""The short run that is timed: the first three months."""


def check_run_count(n_runs: int, what: str) -> None:
    """Refuse work of more than :data:`MAX_RUNS` runs, from its count alone: called before anything of the work (a
    list of its seeds or settings) is allocated, so that a hundred million seeds are refused at once."""
    if n_runs > MAX_RUNS:
        raise ConfigError(what, f"{n_runs:,} runs", f"at most {MAX_RUNS:,} runs (their journal and table would not "
                          "fit)")


def check_work_size(n_runs: int, settings: RunSettings, jobs: int, yes: bool, what: str) -> None:
    """Refuse work that cannot fit, and ask --yes for work estimated to run for hours: a short run (three months at the
    work's scale) is timed and scaled to the period and the number of runs."""
    check_run_count(n_runs, what)
    if n_runs <= MEASURE_ABOVE_RUNS:
        return
    from passend.engine.calendar import steps_until
    from passend.experiments.one_run import simulate_rows

    began = time.perf_counter()
    simulate_rows(RunSettings(seed=1, scale=settings.scale, end=PROBE_END))  # with the country's build: an overestimate
    per_run = (time.perf_counter() - began) * steps_until(settings.end) / steps_until(PROBE_END)
    hours = n_runs * per_run / max(jobs, 1) / 3600
    print(f"passend: {n_runs:,} runs, about {per_run:.1f} s each, so about {hours:,.1f} hours on {jobs} processes "
          "(measured on a short run here)", file=sys.stderr)
    if hours > LONG_WORK_HOURS and not yes:
        raise ConfigError("--yes", False, f"--yes to start work estimated at {hours:,.0f} hours ({n_runs:,} runs on "
                          f"{jobs} processes); or fewer runs, a smaller scale or more processes (--jobs, --scheduler)")


def kept_runs_folder(folder: Path) -> Path:
    """Where a command keeps its finished runs until its results folder is written: ``<folder>.runs``."""
    return folder.with_name(folder.name + ".runs")


def open_kept_runs(folder: Path, resume: bool, identity: dict, expected: Sequence[dict], what: str, kind=None):
    """The journal of a command that writes ``folder`` once its runs are done (compare, validate, calibrate), kept in
    :func:`kept_runs_folder` until then: new, or with ``resume`` the one an interrupted command left, its finished
    runs read back. ``identity``, ``expected``, ``what``: see :class:`passend.experiments.journal.Journal`;
    ``kind``: its records (default: whole RunOutputs)."""
    from passend.experiments.journal import RUN_OUTPUTS, Journal

    kind = kind or RUN_OUTPUTS
    records = kept_runs_folder(folder) / kind.file_name
    if resume:
        return Journal.resume(records, identity, kind, expected, what)
    if os.path.lexists(records.parent):  # a dangling link there too: it would fail the first write
        raise ConfigError("--out", str(folder), f"a folder whose runs folder {records.parent} does not exist yet (or "
                          "add --resume to continue the command that left it)")
    return Journal.start(records, identity, kind, expected)
