"""``passend benchmark``: how fast and how large a run is, per scale, and where the time goes (per phase of the month
and per decision, from the model's clock). Each scale runs in a fresh Python process so that its peak memory is its
own.

Targets (issue 14, on a 2-core machine): national scale (1.0), the whole period (2003-2025), in at most 20 s and 1 GB
peak memory (or half the time before issue 14); a sweep at scale 0.05 of at least 120 runs a minute on 2 processes,
a speed-up of at least 1.9 from 1 to 2, and Dask within 5% of loky. ``--profile`` writes a profile of one run.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

_CHILD = """
import json, resource, sys, time, datetime as dt
began = time.perf_counter()
from passend.experiments.one_run import PassendModel
from passend.engine.settings import RunSettings
imported = time.perf_counter()
model = PassendModel.from_parts(RunSettings(seed={seed}, scale={scale}, end=dt.date.fromisoformat("{end}")))
built = time.perf_counter()
model.run()
ran = time.perf_counter()
print(json.dumps(dict(import_s=imported - began, build_s=built - imported, run_s=ran - built,
                      pupils_start=None, pupil_months=model.pupil_months, months=model.n_steps, phases=model.clock.table(),
                      peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


MAX_SWEEP_RUNS = 10_000
"""The most runs ``--sweep`` times (each is a run at --sweep-scale, three times over)."""


def check_benchmark(scales: list[float], end: dt.date, seed: int, runs: int) -> None:
    """The settings of every run the benchmark would make, checked before the first (an --end before any month, a
    scale out of range), and the size of a --sweep benchmark."""
    from passend.engine.errors import ConfigError
    from passend.engine.settings import RunSettings

    for scale in scales:
        try:
            RunSettings(seed=seed, scale=scale, end=end)
        except ConfigError as error:
            raise ConfigError(f"--{error.field}", error.value, error.allowed) from None
    if isinstance(runs, bool) or not isinstance(runs, int) or not 2 <= runs <= MAX_SWEEP_RUNS:
        raise ConfigError("--runs", runs, f"a whole number from 2 to {MAX_SWEEP_RUNS:,}")


def check_profile_out(out: Path) -> None:
    """Where a profile goes: a new file (never overwritten) whose folder can be created and written, checked before
    the profiling."""
    from passend.engine.errors import ConfigError
    from passend.experiments.output import _check_writable, check_new_path

    check_new_path(Path(out), "--profile-out", "file")
    _check_writable(Path(out), "--profile-out")
    if not str(out).endswith((".html", ".htm")):
        raise ConfigError("--profile-out", str(out), "a file name ending in .html (the report is a web page)")


def benchmark(scale: float, end: dt.date, seed: int = 1) -> dict:
    """Run one scale in a child process and print its figures."""
    code = _CHILD.format(seed=seed, scale=scale, end=end.isoformat())
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    total = r["build_s"] + r["run_s"]
    print(
        f"scale {scale:<5} 2003-10..{end:%Y-%m}: build {r['build_s']:.1f} s + run {r['run_s']:.1f} s = {total:.1f} s "
        f"(+ {r['import_s']:.1f} s imports); {r['pupil_months'] / r['run_s'] / 1e6:.1f} M pupil-months/s; "
        f"peak memory {r['peak_mb']:.0f} MB",
        flush=True,
    )
    print(phase_table(r["phases"], r["months"]), flush=True)
    return r


def phase_table(rows: list[dict], months: int) -> str:
    """Time per phase of the month and per decision timed inside it (ms per simulated month, share of the run)."""
    lines = [f"  {'phase':18s} {'decision':36s} {'ms/month':>9s} {'share':>7s}"]
    for r in rows:
        indent = "" if not r["decision"] else "  "
        lines.append(f"  {r['phase'] if not r['decision'] else '':18s} {indent + r['decision']:36s} "
                     f"{1000 * r['seconds'] / months:9.2f} {r['share']:7.1%}")
    return "\n".join(lines)


SWEEP_SPEC = """
[sweep]
description = "benchmark: one behaviour parameter over {runs} values, one seed each"
replicates = 1
[settings]
scale = {scale}
end = {end}
[parameters.apply_reward]
values = {values}
"""


def _warm_worker() -> int:
    import os

    from passend.experiments import one_run

    assert one_run.PassendModel  # the ~1.7 s mesa import, paid once per worker process
    return os.getpid()


def sweep_benchmark(runs: int, scale: float, end: dt.date) -> dict:
    """Runs per minute of a small sweep with 1 process, 2 local joblib (loky) processes and a 2-worker Dask
    LocalCluster, the speed-up from 1 to 2 processes, and the Dask path's overhead per run against loky.

    The worker processes are started and have imported the model before the clock starts (joblib keeps its worker
    processes between calls; the Dask workers are warmed the same way), as in any sweep longer than a few runs; the
    1-process sweep runs in this process, which has imported the model too. Every sweep must give the same table."""
    import tempfile
    import time
    from pathlib import Path

    import pyarrow.parquet as pq
    from dask.distributed import Client
    from joblib import Parallel, delayed

    from passend.experiments.runner import local_cluster
    from passend.experiments.sweep import TABLE, read_spec, run_sweep

    _warm_worker()
    Parallel(n_jobs=2)(delayed(_warm_worker)() for _ in range(4))
    values = [round(0.1 + 0.2 * i / max(runs - 1, 1), 4) for i in range(runs)]
    figures, seconds = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.toml"
        path.write_text(SWEEP_SPEC.format(runs=runs, scale=scale, end=end.isoformat(), values=values))
        spec = read_spec(path)

        def timed(label: str, n_jobs: int, scheduler: str | None = None) -> None:
            result = run_sweep(spec, Path(tmp) / label, n_jobs=n_jobs, scheduler=scheduler, progress=False)
            seconds[label], figures[label] = result.seconds, 60 * result.runs / result.seconds
            print(f"sweep of {runs} runs at scale {scale}, 2003-10..{end:%Y-%m}, {label}: {result.seconds:.1f} s, "
                  f"{figures[label]:.1f} runs per minute ({result.failed} failed)", flush=True)

        timed("1 process", 1)
        timed("2 processes (loky)", 2)
        began = time.perf_counter()
        with local_cluster(2) as cluster, Client(cluster) as client:
            client.run(_warm_worker)
            print(f"Dask LocalCluster of 2 workers started and warmed in {time.perf_counter() - began:.1f} s "
                  "(not counted below)", flush=True)
            timed("2 Dask workers", 2, cluster.scheduler_address)
        tables = {label: pq.read_table(Path(tmp) / label / TABLE) for label in seconds}
        same = all(t.equals(tables["1 process"]) for t in tables.values())
    speedup = figures["2 processes (loky)"] / figures["1 process"]
    overhead = seconds["2 Dask workers"] / seconds["2 processes (loky)"] - 1.0
    print(f"speed-up from 1 to 2 processes: {speedup:.2f}x (target >= 1.9x); Dask against loky: {overhead:+.1%} "
          f"(target within 5%); tables identical across the three: {same}", flush=True)
    return {"runs_per_minute": figures, "speedup": speedup, "dask_overhead": overhead, "identical": same}


def profile(scale: float, end: dt.date, seed: int, out: Path) -> Path:
    """One run profiled with pyinstrument (a sampling profiler: the call tree with the time spent under each call):
    an interactive HTML report in ``out`` and the tree, down to 2% of the run, on stdout."""
    from pyinstrument import Profiler

    from passend.engine.settings import RunSettings
    from passend.experiments.one_run import PassendModel

    check_profile_out(out)
    profiler = Profiler(interval=0.002)
    with profiler:
        model = PassendModel.from_parts(RunSettings(seed=seed, scale=scale, end=end))
        model.run()
    from passend.experiments.output import write_file_whole

    out.parent.mkdir(parents=True, exist_ok=True)
    write_file_whole(out, profiler.output_html().encode(), overwrite=False)
    print(profiler.output_text(unicode=True, color=False, show_all=False, time="percent_of_total",
                               processor_options={"filter_threshold": 0.02}), flush=True)
    print(f"the interactive report: {out}", flush=True)
    return out
