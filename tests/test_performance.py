"""The shortcuts that make a run fast give what the plain computation gives (issue 14): institutions deciding together
decide as each would alone, a country reused is the country built, and what is kept between months is refreshed when
what it derives from changes. Speed itself is measured by ``passend benchmark``, not here."""

import datetime as dt

import mesa
import numpy as np
from hypothesis import given, settings, strategies as st

from passend.agents import parents, school
from passend.agents.alliance import Alliance, AllianceTable, category_savings_eur
from passend.agents.municipality import Municipality, MunicipalityTable
from passend.agents.special_school import ProviderTable, SpecialSchoolProvider
from passend.engine.behaviour import SPECS, Behaviour
from passend.engine.groups import WeightedChoice, count_values
from passend.engine.population import Pupils, Setting
from passend.engine.settings import RunSettings
from passend.engine.streams import RandomStreams
from passend.model import country, home, moves, phases
from passend.model.model import WorldModel
from passend.model.support import carried_where_they_are, least_carried

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
    deductions = rng.uniform(0, 8e6, n)
    lwoo = rng.uniform(0, 6e6, n)
    savings = category_savings_eur(LAW, B)
    planning = every.planning_amount(np.full(n, 250.0), [0.4, 0.6], 12.0)
    every.plan_reserves(income, LAW, B)
    every.plan_budget(income, deductions, rng.uniform(0, 2e6, n), income * 0.9)
    every.plan_arrangements(B)
    every.set_tlv_policy(savings, 10_000.0, B)
    every.plan_lwoo_criteria(lwoo, B.tlv_budget_response)
    every.review_month(deductions * 1.1, B)
    arrangements = together.plan_arrangements_eur
    for i, agent in enumerate(agents):
        assert float(agent.planning_amount(250.0, [0.4, 0.6], 12.0)) == float(planning[i])
        agent.plan_reserves(income[i], LAW, B)
        agent.plan_budget(income[i], deductions[i], arrangements[i], income[i] * 0.9)
        agent.plan_arrangements(B)
        agent.set_tlv_policy(savings, 10_000.0, B)
        agent.plan_lwoo_criteria(lwoo[i], B.tlv_budget_response)
        agent.review_month(deductions[i] * 1.1, B)
    for column in AllianceTable.column_names():
        assert np.array_equal(getattr(together, column), getattr(alone, column), equal_nan=True), column


def test_providers_and_municipalities_deciding_together_decide_as_each_alone():
    """Every institution decides in its own methods, and the month takes them for all rows in one call: the same as
    each deciding alone, sbo schools (infinite capacity) and closed schools included."""
    rng = np.random.default_rng(5)
    n = 30
    together = ProviderTable(n)
    together.cluster = rng.integers(0, 5, n)
    together.capacity_so = np.where(together.cluster == 0, np.inf, rng.uniform(0, 40, n))
    together.capacity_vso = np.where(together.cluster == 0, 0.0, rng.uniform(0, 40, n))
    together.waiting_so_sum, together.waiting_vso_sum = rng.uniform(0, 30, n), rng.uniform(0, 30, n)
    together.merged_into = np.where(rng.random(n) < 0.2, 0, -1)
    alone = ProviderTable(n)
    for column in ProviderTable.column_names():
        setattr(alone, column, getattr(together, column))
    so, vso = rng.integers(0, 30, n).astype(float), rng.integers(0, 30, n).astype(float)
    so[:5], vso[5:10] = 0.0, 0.0
    norm = {"so": 25, "vso": 29, "sovso": 33}
    every = SpecialSchoolProvider.every_row(together)
    closing = every.below_closure_norm(so, vso, norm)
    every.plan_capacity(11, so, vso, 0.3, 0.2, 0.1)
    model = mesa.Model()
    for i in range(n):
        agent = SpecialSchoolProvider(model, alone, i)
        assert bool(agent.below_closure_norm(so[i], vso[i], norm)) == bool(closing[i])
        agent.plan_capacity(11, so[i], vso[i], 0.3, 0.2, 0.1)
    for column in ProviderTable.column_names():
        assert np.array_equal(getattr(together, column), getattr(alone, column), equal_nan=True), column
    assert closing.any() and not closing[together.cluster == 0].any() and not closing[together.merged_into >= 0].any()

    towns, single = MunicipalityTable(n), MunicipalityTable(n)
    for table in (towns, single):
        table.registration = np.linspace(0.5, 0.95, n)
        table.youth_care_capacity = np.linspace(0.3, 2.0, n)
    living = rng.uniform(100, 1000, n)
    funded = Municipality.every_row(towns).youth_care_funded(living, True, 0.9)
    Municipality.every_row(towns).improve_registration(True, B)
    for i in range(n):
        town = Municipality(model, single, i)
        assert float(town.youth_care_funded(living[i], True, 0.9)) == funded[i]
        town.improve_registration(True, B)
    assert np.array_equal(towns.registration, single.registration)


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
    assert reused.world.record.counts == fresh.world.record.counts
    assert reused.world.record.school_years == fresh.world.record.school_years


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
    world, month = model.world, model.month
    p, schools = world.pupils, world.schools

    def fresh_counts() -> np.ndarray:
        wsns_of = schools.wsns[p.school]
        primary = (month.school_year - p.cohort < 8) & (wsns_of >= 0)
        return np.bincount(wsns_of[primary], minlength=len(world.wsns)).astype(float)

    assert np.array_equal(world.rows.wsns_primary(month.school_year)[2], fresh_counts())
    pupil = int(np.flatnonzero((month.school_year - p.cohort < 8) & (schools.wsns[p.school] >= 0))[0])
    other = int(np.flatnonzero((schools.wsns >= 0) & (schools.wsns != schools.wsns[p.school[pupil]]))[0])
    moves.change_school(world, month, np.array([pupil]), np.array([other]))
    assert np.array_equal(world.rows.wsns_primary(month.school_year)[2], fresh_counts())


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
    """``least_carried`` is below what every pupil's place carries, under the rugzak and with the alliances in
    charge."""
    model = WorldModel(RunSettings(seed=4, scale=0.003, end=dt.date(2015, 12, 31)))
    checked = 0
    while model.running and model.step_index < model.n_steps:
        model.step()
        world, month = model.world, model.month
        if month.today.month == 3:
            in_school = np.flatnonzero(world.pupils.setting < Setting.HOME)
            assert least_carried(world, month) <= carried_where_they_are(world, month, in_school).min()
            checked += 1
    assert checked >= 12 and model.rules.alliances_in_charge


def _run_checking(settings: RunSettings, phase, check, after: bool = False) -> WorldModel:
    """A run with ``check(world, month)`` called every month just before ``phase`` (or just after it)."""

    def checked(world, month):
        if not after:
            check(world, month)
        phase(world, month)
        if after:
            check(world, month)

    model = WorldModel(settings)
    model.phases = tuple(checked if ph is phase else ph for ph in model.phases)
    model.run()
    return model


def test_the_seats_kept_from_the_indications_to_the_waiting_lists_are_the_seats_taken():
    """The indications phase keeps the (v)so seats taken per provider up to date for the waiting lists, which come
    next: what they find kept is what a count of every pupil gives, under the rugzak and with the alliances in
    charge."""
    months = []

    def seats_as_counted(world, month):
        for kept, counted in zip(world.this_month.seats_taken, phases._occupancy(world)):
            assert np.array_equal(kept, counted)
        months.append(month.step)

    model = _run_checking(RunSettings(seed=6, scale=0.005, end=dt.date(2015, 12, 31)), phases.waiting_lists,
                          seats_as_counted)
    assert len(months) == model.n_steps


def test_the_detected_pupils_kept_without_an_indication_are_those_a_scan_finds():
    """The applications and the sbo referrals start from the detected pupils without an indication, kept from month
    to month: before every month's indications they are exactly what a scan of the whole table finds, under both
    regimes."""
    months = []

    def kept_as_scanned(world, month):
        p = world.pupils
        assert np.array_equal(world.rows.detected_without_indication(month.school_year),
                              np.flatnonzero(p.detected & (p.indication == 0)))
        months.append(month.step)

    model = _run_checking(RunSettings(seed=8, scale=0.005, end=dt.date(2015, 12, 31)), phases.indications,
                          kept_as_scanned)
    assert len(months) == model.n_steps


def test_the_needs_kept_as_unnoticed_hold_every_need_no_school_has_noticed():
    """Detection narrows the unnoticed needs month by month instead of scanning every pupil: after each month's
    detection the kept rows are exactly the pupils with such a need, of an age at which it shows, whom no school has
    noticed."""
    months = []

    def unnoticed_as_scanned(world, month):
        p, threshold = world.pupils, month.behaviour.detect_threshold
        kept = world.rows.unnoticed_needs(month.school_year, threshold)
        showing = p.age(month.school_year) >= p.onset_age
        assert np.array_equal(kept, np.flatnonzero((p.need > threshold) & showing & ~p.detected))
        months.append(month.step)

    model = _run_checking(RunSettings(seed=9, scale=0.005, end=dt.date(2009, 12, 31)), phases.detection,
                          unnoticed_as_scanned, after=True)
    assert len(months) == model.n_steps


def test_the_children_kept_at_home_are_those_a_scan_finds():
    """The children at home are kept from month to month (spells that start add theirs, those who left are dropped):
    at the end of every month they are exactly what a scan of the whole table finds."""
    months = []

    def kept_as_scanned(world, month):
        assert np.array_equal(world.rows.at_home(month.school_year),
                              np.flatnonzero(world.pupils.setting == Setting.HOME))
        months.append(month.step)

    model = _run_checking(RunSettings(seed=10, scale=0.005, end=dt.date(2015, 12, 31)), phases.months_at_home,
                          kept_as_scanned)
    assert len(months) == model.n_steps
