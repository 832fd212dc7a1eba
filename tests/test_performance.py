"""The shortcuts that make a run fast give what the plain computation gives (issue 14): institutions deciding together
decide as each would alone, a country reused is the country built, and what is kept between months is refreshed when
what it derives from changes. Speed itself is measured by ``passend benchmark``, not here."""

import datetime as dt

import mesa
import numpy as np
from hypothesis import given, settings, strategies as st

from passend.agents import parents, school
from passend.agents.alliance import Alliance, AllianceTable, category_savings_eur
from passend.engine.behaviour import SPECS, Behaviour
from passend.engine.groups import WeightedChoice, count_values
from passend.engine.population import Pupils, Setting
from passend.engine.settings import RunSettings
from passend.engine.streams import RandomStreams
from passend.model import country, home, phases
from passend.model.model import WorldModel
from passend.model.placement import enrol, wsns_primary_pupils

B = Behaviour()
LAW = {"reserve_signal_share": 0.035, "reserve_signal_minimum_eur": 250_000.0, "indication_criterion": 2.0,
       "tlv_category_need": [0.6, 1.3], "tlv_category_factor": [0.75, 1.0, 1.9], "special_school_eur": 20_000.0,
       "special_supplement_share": 0.5, "arrangement_eur": 12_000.0, "arrangement_level_price_factor": [0.25, 0.55, 1.0]}


def _alliances(n: int, rng: np.random.Generator) -> AllianceTable:
    """Alliances in varied states, with the corner cases the rules branch on: no budget base, no lwoo budget, a
    planned deficit, reserves below zero."""
    table = AllianceTable(n)
    table.gatekeeping = rng.normal(0.1, 0.1, n)
    table.base_deduction_share = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0.2, 0.6, n))
    table.lwoo_budget_eur = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(1e6, 5e6, n))
    table.reserves_eur = rng.normal(0.0, 2e6, n)
    table.base_eur_per_pupil = rng.uniform(150, 300, n)
    table.pupils = rng.uniform(1e3, 6e4, n)
    table.school_model, table.expertise_model, table.pupil_model = rng.dirichlet([1, 1, 1], n).T
    return table


def test_alliances_deciding_together_decide_as_each_alone():
    rng = np.random.default_rng(3)
    n = 40
    together, alone = _alliances(n, rng), None
    alone = AllianceTable(n)
    for column in AllianceTable.column_names():
        setattr(alone, column, getattr(together, column))
    model = mesa.Model()
    agents = [Alliance(model, alone, i) for i in range(n)]
    every = Alliance.every_row(together)

    income = together.pupils * rng.uniform(100, 400, n)
    deductions, arrangements = rng.uniform(0, 8e6, n), rng.uniform(0, 2e6, n)
    lwoo, tlvs = rng.uniform(0, 6e6, n), rng.integers(0, 30, n).astype(float)
    savings = category_savings_eur(LAW, B)
    every.set_amount(np.full(n, 250.0), 0.4, 12.0)
    every.plan_reserves(income, LAW, B)
    every.plan_budget(income, deductions, arrangements, income * 0.9)
    every.plan_arrangements(B)
    every.set_tlv_policy(savings, 10_000.0, B)
    every.plan_lwoo_criteria(lwoo, B.tlv_budget_response)
    every.review_month(deductions * 1.1, B)
    settled = every.settle_month(deductions * 1.1, arrangements, lwoo, tlvs, True)
    for i, agent in enumerate(agents):
        agent.set_amount(250.0, 0.4, 12.0)
        agent.plan_reserves(income[i], LAW, B)
        agent.plan_budget(income[i], deductions[i], arrangements[i], income[i] * 0.9)
        agent.plan_arrangements(B)
        agent.set_tlv_policy(savings, 10_000.0, B)
        agent.plan_lwoo_criteria(lwoo[i], B.tlv_budget_response)
        agent.review_month(deductions[i] * 1.1, B)
        own = agent.settle_month(deductions[i] * 1.1, arrangements[i], lwoo[i], tlvs[i], True)
        assert [float(v) for v in own] == [float(v[i]) for v in settled], f"alliance {i} settles differently"
    for column in AllianceTable.column_names():
        assert np.array_equal(getattr(together, column), getattr(alone, column), equal_nan=True), column


def test_a_country_is_built_once_per_seed_and_start_and_handed_out_as_a_copy():
    country._BUILT.clear()
    streams = RandomStreams(5)
    first = country.country_for(B, 0.002, streams)
    first.pupils.need[:] = 99.0  # a run changes its country; the kept one must not change with it
    again = country.country_for(B.replace(apply_reward=B.apply_reward * 1.5), 0.002, RandomStreams(5))
    assert len(country._BUILT) == 1, "a value the start does not read caused a rebuild"
    fresh = country.build_country(B, 0.002, RandomStreams(5))
    assert np.array_equal(again.pupils.need, fresh.pupils.need) and np.array_equal(again.pupils.setting,
                                                                                  fresh.pupils.setting)
    other_start = country.country_for(B.replace(need_sd=B.need_sd * 1.2), 0.002, RandomStreams(5))
    assert len(country._BUILT) == 2 and not np.array_equal(other_start.pupils.need, fresh.pupils.need)
    country.country_for(B, 0.002, RandomStreams(6))  # another seed is another country; only the newest are kept
    assert len(country._BUILT) == country.COUNTRIES_KEPT


def test_a_run_on_a_reused_country_is_the_run_on_a_fresh_one():
    settings = RunSettings(seed=11, scale=0.003, end=dt.date(2005, 7, 31))
    country._BUILT.clear()
    fresh = WorldModel(settings)
    fresh.run()
    assert len(country._BUILT) == 1
    reused = WorldModel(settings)
    reused.run()
    assert reused.recorder.counts == fresh.recorder.counts
    assert reused.recorder.school_years == fresh.recorder.school_years


def test_weighted_choice_draws_in_the_row_group_by_weight():
    group = np.array([0, 0, 1, 1, 1])
    weight = np.array([1.0, 3.0, 1.0, 1.0, 2.0])
    rows = np.repeat([0, 1], 40_000)
    u = np.random.default_rng(0).random(len(rows))
    item = WeightedChoice(group, weight)(rows, u)
    assert np.array_equal(group[item], rows)
    shares = np.bincount(item, minlength=5) / 40_000
    assert np.allclose(shares, [0.25, 0.75, 0.25, 0.25, 0.5], atol=0.01)


def test_counting_and_counted_settings_of_a_few_rows_match_the_whole():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 9, 10_000).astype(np.int8)
    assert np.array_equal(count_values(values, 9), np.bincount(values, minlength=9))
    pupils = Pupils(1000)
    pupils.setting = rng.integers(0, 9, 1000)
    pupils.registered = rng.choice([Setting.BAO, Setting.SO, Setting.VO], 1000)
    pupils.unregistered = (pupils.setting == Setting.HOME) & (rng.random(1000) < 0.5)
    whole = pupils.counted_setting()
    home = pupils.setting == Setting.HOME
    assert np.array_equal(whole[home & ~pupils.unregistered], pupils.registered[home & ~pupils.unregistered])
    assert np.array_equal(whole[~home | pupils.unregistered], pupils.setting[~home | pupils.unregistered])
    rows = rng.choice(1000, 200, replace=False)
    assert np.array_equal(pupils.counted_setting(rows), whole[rows])


def test_wsns_pupils_kept_between_months_follow_a_change_of_school():
    model = WorldModel(RunSettings(seed=2, scale=0.003, end=dt.date(2004, 7, 31)))
    p, schools = model.pupils, model.schools

    def fresh_counts() -> np.ndarray:
        wsns_of = schools.wsns[p.school]
        primary = (model.school_year - p.cohort < 8) & (wsns_of >= 0)
        return np.bincount(wsns_of[primary], minlength=len(model.wsns)).astype(float)

    assert np.array_equal(wsns_primary_pupils(model)[2], fresh_counts())
    pupil = int(np.flatnonzero((model.school_year - p.cohort < 8) & (schools.wsns[p.school] >= 0))[0])
    other = int(np.flatnonzero((schools.wsns >= 0) & (schools.wsns != schools.wsns[p.school[pupil]]))[0])
    enrol(model, np.array([pupil]), np.array([other]))
    assert np.array_equal(wsns_primary_pupils(model)[2], fresh_counts())


def test_a_school_is_every_setting_but_home_and_exemption():
    from passend.engine.population import in_a_school

    settings = np.arange(len(Setting), dtype=np.int8)
    assert np.array_equal(in_a_school(settings), ~np.isin(settings, [Setting.HOME, Setting.EXEMPT]))


_END_PLACE = ("breakdown_rate", "breakdown_unmet", "breakdown_waiting", "school_eur_per_unmet_need",
              "suspend_intercept", "suspend_cost")


@settings(max_examples=60, deadline=None)
@given(st.tuples(*(st.floats(*SPECS[name].bounds) for name in _END_PLACE)), st.integers(0, 2**32 - 1))
def test_no_place_ends_with_a_chance_above_the_highest_its_need_allows(values, seed):
    """Breakdowns judge the place only of pupils whose draw falls below ``highest_end_chance``: for any behaviour values
    within their bounds, the chance that a place ends (breakdown, or suspension in a regular school) is never above it
    for a place that leaves less need unmet."""
    b = B.replace(**dict(zip(_END_PLACE, values)))
    rng = np.random.default_rng(seed)
    most_unmet = rng.normal(0.0, 2.0, 2000)
    unmet = most_unmet - rng.exponential(1.0, 2000) * (rng.random(2000) < 0.8)
    waiting, regular = rng.random(2000) < 0.3, rng.random(2000) < 0.7
    chance = parents.breakdown_chance(unmet, waiting, b)
    suspension = np.minimum(school.suspension_chance(school.cost_of_taking_eur(unmet, b) * regular, b),
                            parents.MAX_BREAKDOWN_CHANCE - chance)
    assert np.all(chance + suspension <= home.highest_end_chance(most_unmet, b))


def test_no_place_in_a_school_carries_less_than_the_least_the_breakdowns_assume():
    """``_least_carried`` is below what every pupil's place carries, under the rugzak and with the alliances in
    charge."""
    model = WorldModel(RunSettings(seed=4, scale=0.003, end=dt.date(2015, 12, 31)))
    checked = 0
    while model.running and model.step_index < model.n_steps:
        model.step()
        if model.today.month == 3:
            in_school = np.flatnonzero(model.pupils.setting < Setting.HOME)
            assert home._least_carried(model) <= home._carried_where_they_are(model, in_school).min()
            checked += 1
    assert checked >= 12 and model.rules.alliances_in_charge


def _run_checking(monkeypatch, settings: RunSettings, phase, check, after: bool = False) -> WorldModel:
    """A run with ``check(model)`` called every month just before ``phase`` (or just after it)."""

    def checked(m):
        if not after:
            check(m)
        phase(m)
        if after:
            check(m)

    monkeypatch.setattr(phases, "PHASES", tuple(checked if ph is phase else ph for ph in phases.PHASES))
    model = WorldModel(settings)
    model.run()
    return model


def test_the_seats_kept_from_the_indications_to_the_waiting_lists_are_the_seats_taken(monkeypatch):
    """The indications phase keeps the (v)so seats taken per provider up to date for the waiting lists, which come
    next: what they find kept is what a count of every pupil gives, under the rugzak and with the alliances in
    charge."""
    months = []

    def seats_as_counted(m):
        kept_in, seats = m.seats_taken
        assert kept_in == m.step_index
        for kept, counted in zip(seats, phases._occupancy(m)):
            assert np.array_equal(kept, counted)
        months.append(m.step_index)

    model = _run_checking(monkeypatch, RunSettings(seed=6, scale=0.005, end=dt.date(2015, 12, 31)),
                          phases.waiting_lists, seats_as_counted)
    assert len(months) == model.n_steps


def test_the_detected_pupils_kept_without_an_indication_are_those_a_scan_finds(monkeypatch):
    """The applications and the sbo referrals start from the detected pupils without an indication, kept from month
    to month: before every month's indications they are exactly what a scan of the whole table finds, under both
    regimes."""
    months = []

    def kept_as_scanned(m):
        p = m.pupils
        assert np.array_equal(phases._detected_without_indication(m), np.flatnonzero(p.detected & (p.indication == 0)))
        months.append(m.step_index)

    model = _run_checking(monkeypatch, RunSettings(seed=8, scale=0.005, end=dt.date(2015, 12, 31)),
                          phases.indications, kept_as_scanned)
    assert len(months) == model.n_steps


def test_the_needs_kept_as_unnoticed_hold_every_need_no_school_has_noticed(monkeypatch):
    """Detection narrows the unnoticed needs month by month instead of scanning every pupil: after each month's
    detection the kept rows are exactly the pupils with such a need, of an age at which it shows, whom no school has
    noticed."""
    months = []

    def unnoticed_as_scanned(m):
        p = m.pupils
        kept = phases._unnoticed_needs(m)
        showing = p.age(m.school_year) >= p.onset_age
        assert np.array_equal(kept, np.flatnonzero((p.need > m.behaviour.detect_threshold) & showing & ~p.detected))
        months.append(m.step_index)

    model = _run_checking(monkeypatch, RunSettings(seed=9, scale=0.005, end=dt.date(2009, 12, 31)),
                          phases.detection, unnoticed_as_scanned, after=True)
    assert len(months) == model.n_steps


def test_the_children_kept_at_home_are_those_a_scan_finds(monkeypatch):
    """The children at home are kept from month to month (spells that start add theirs, those who left are dropped):
    at the end of every month they are exactly what a scan of the whole table finds."""
    months = []

    def kept_as_scanned(m):
        assert np.array_equal(home.children_at_home(m), np.flatnonzero(m.pupils.setting == Setting.HOME))
        months.append(m.step_index)

    model = _run_checking(monkeypatch, RunSettings(seed=10, scale=0.005, end=dt.date(2015, 12, 31)),
                          phases.months_at_home, kept_as_scanned)
    assert len(months) == model.n_steps
