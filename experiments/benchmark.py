"""``passend benchmark``: how fast and how large a run is, per scale. Each scale runs in a fresh Python process so
that its peak memory is its own.

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
from passend.model.model import PassendModel
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
                      pupils_start=None, pupil_months=pupil_months,
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
    return r
