"""How fast the dashboard's runs are: the time to build the paired runs and to step both a school year, at each
scale the dashboard offers; prints a table (the dashboard's targets: a school year of both runs under 1 s at the
classroom scale). The page's own timings (page to controls, to the first chart) are printed by the browser test:

    .venv/bin/python scripts/classroom_speed.py
    .venv/bin/python -m pytest tests/test_dashboard_browser.py -s -k loads
"""

from __future__ import annotations

import time

from passend.experiments.classroom import CLASSROOM_SCALE, SCALES, PairedRuns


def main() -> None:
    print(f"{'scale':>6} {'build s':>8} {'school year of both runs, s':>28}   (classroom default: {CLASSROOM_SCALE})")
    for scale in SCALES:
        began = time.perf_counter()
        paired = PairedRuns("no_reform", "default", seed=1, scale=scale)
        build = time.perf_counter() - began
        years = []
        while True:
            began = time.perf_counter()
            if not paired.step_school_year():
                break
            years.append(time.perf_counter() - began)
        print(f"{scale:>6} {build:>8.2f}   mean {sum(years) / len(years):.2f}, max {max(years):.2f} over {len(years)}")


if __name__ == "__main__":
    main()
