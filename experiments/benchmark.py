"""``passend benchmark``: how fast and how large a run is, per scale, and where the time goes (per phase of the month
and per decision, from the model's clock). Each scale runs in a fresh Python process so that its peak memory is its
own.

Targets (issues 2 and 3, on a 2-core machine): national scale (1.0), the whole period (now 2003-2025), in at most
60 s and 1.5 GB peak memory.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

_CHILD = """
import json, resource, sys, time, datetime as dt
began = time.perf_counter()
from passend.simulation.model import PassendModel
from passend.model.settings import RunSettings
imported = time.perf_counter()
model = PassendModel(RunSettings(seed={seed}, scale={scale}, end=dt.date.fromisoformat("{end}")))
built = time.perf_counter()
pupil_months = 0
def tick(done, total):
    global pupil_months
    pupil_months += len(model.pupils)
model.run(tick)
ran = time.perf_counter()
print(json.dumps(dict(import_s=imported - began, build_s=built - imported, run_s=ran - built,
                      pupils_start=None, pupil_months=pupil_months, months=model.n_steps, phases=model.clock.table(),
                      peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


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

    import passend.simulation.model  # noqa: F401  the ~1.7 s mesa import, paid once per worker process

    return os.getpid()


def sweep_benchmark(runs: int, scale: float, end: dt.date) -> dict:
    """Runs per minute of a small sweep with 1 and with 2 local worker processes, and the speed-up.

    The 2-process pool is started and has imported the model before the clock starts (joblib keeps its worker
    processes between calls), as in any sweep longer than a few runs; the 1-process sweep runs in this process,
    which has imported the model too. Both sweeps must give the same table."""
    import tempfile
    from pathlib import Path

    import pyarrow.parquet as pq
    from joblib import Parallel, delayed

    from passend.experiments.sweep import TABLE, read_spec, run_sweep

    _warm_worker()
    Parallel(n_jobs=2)(delayed(_warm_worker)() for _ in range(4))
    values = [round(0.1 + 0.2 * i / max(runs - 1, 1), 4) for i in range(runs)]
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.toml"
        path.write_text(SWEEP_SPEC.format(runs=runs, scale=scale, end=end.isoformat(), values=values))
        spec = read_spec(path)
        for jobs in (1, 2):
            result = run_sweep(spec, Path(tmp) / f"jobs{jobs}", n_jobs=jobs, progress=False)
            figures[jobs] = 60 * result.runs / result.seconds
            print(f"sweep of {runs} runs at scale {scale}, 2003-10..{end:%Y-%m}, {jobs} process{'es' if jobs > 1 else ''}: "
                  f"{result.seconds:.1f} s, {figures[jobs]:.1f} runs per minute ({result.failed} failed)", flush=True)
        same = pq.read_table(Path(tmp) / "jobs1" / TABLE).equals(pq.read_table(Path(tmp) / "jobs2" / TABLE))
    speedup = figures[2] / figures[1]
    print(f"speed-up from 1 to 2 processes: {speedup:.2f}x (target >= 1.8x); tables identical: {same}", flush=True)
    return {"runs_per_minute": figures, "speedup": speedup, "identical": same}
