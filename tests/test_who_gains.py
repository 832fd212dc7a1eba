"""Who gains and who loses (issue 15): pupil by pupil on common random numbers, in bands with the no-change band
named. Checked on a run compared with itself and with planted changes, so that the bands and shares are known."""

import dataclasses

import numpy as np
import pytest

import passend
from passend.experiments.who_gains import MONTHS_BANDS, who_gains


@pytest.fixture(scope="module")
def run():
    return passend.simulate(seed=2, scale=0.005, end="2016-10-31").output


def by_key(rows):
    return {(r["dimension"], r["group"], r["outcome"]): r for r in rows}


def test_a_run_against_itself_puts_every_pupil_in_the_no_change_band(run):
    summary, bands = who_gains([(run, run)])
    assert all(r["no_change"] == 1.0 and r["better"] == 0.0 and r["worse"] == 0.0 and r["mean_change"] == 0.0
               for r in summary)
    assert all(r["share"] == (1.0 if r["band"] == "no change" else 0.0) for r in bands)


def test_planted_changes_land_in_their_bands_and_every_group_adds_up(run):
    pupils = dict(run.pupils)
    n = len(pupils["uid"])
    months = pupils["months_home_total"].copy()
    months[: n // 2] += 2  # half the pupils: two months more at home
    months[n // 2: n // 2 + n // 10] += 5  # a tenth: five months more
    fitting = pupils["fitting"].copy()
    fitting[::4] = ~fitting[::4]  # a quarter change their place's fit
    changed = dataclasses.replace(run, pupils={**pupils, "months_home_total": months, "fitting": fitting})
    summary, bands = who_gains([(run, changed), (run, changed)])
    everyone = by_key(summary)[("all", "all pupils with a support need", "months_at_home")]
    assert everyone["worse"] == pytest.approx((n // 2 + n // 10) / n)
    assert everyone["mean_change"] == pytest.approx((2 * (n // 2) + 5 * (n // 10)) / n)
    band = {r["band"]: r["share"] for r in bands if r["group"] == "all pupils with a support need"
            and r["outcome"] == "months_at_home"}
    assert list(band) == [label for label, _, _ in MONTHS_BANDS]
    assert band["1-3 months more"] == pytest.approx((n // 2) / n) and band["4 or more months more"] == pytest.approx((n // 10) / n)
    fit = by_key(summary)[("all", "all pupils with a support need", "fitting_place")]
    assert fit["better"] + fit["worse"] == pytest.approx(len(fitting[::4]) / n)
    for r in summary:  # every group's shares add up; the groups of a dimension hold every pupil
        assert r["better"] + r["no_change"] + r["worse"] == pytest.approx(1.0)
    totals = {}
    for r in summary:
        if r["outcome"] == "months_at_home":
            totals[r["dimension"]] = totals.get(r["dimension"], 0.0) + r["pupils"]
    assert all(t == pytest.approx(n / run.settings.scale) for t in totals.values())
