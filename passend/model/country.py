"""A synthetic Netherlands on 1 October 2003.

Built from the published counts (``data/published``): the number of pupils per setting on 1 October 2003 (scaled),
the cluster split of special education, the counts of schools and municipalities. Which pupils start where follows
the same quantities the agents decide on later (need, learning delay, parents' preference, the area's culture), so
that the starting state is one the mechanisms could have produced. Participation after the start is never read from
data: it is what the agents do.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from passend.agents.alliance import AllianceTable, AreaTable, N_PRIMARY_ALLIANCES, N_SECONDARY_ALLIANCES, N_WSNS, WsnsTable
from passend.agents.municipality import N_MUNICIPALITIES, MunicipalityTable, needs_transport
from passend.agents.school import PRIMARY, SBO_REFERRAL_GRADES, SECONDARY, SchoolTable
from passend.agents.special_school import CLUSTER_REGION_SIZE, SBO_CLUSTER, ProviderTable, choose_sbo_school
from passend.engine import demography
from passend.engine.behaviour import Behaviour
from passend.engine.groups import WeightedChoice, choose_within
from passend.engine.population import PRIMARY_GRADES, Pupils, Route, Setting
from passend.engine.streams import RandomStreams

START_YEAR = demography.START_YEAR
N_PRIMARY_SCHOOLS = 6970  # institutions.toml [primary_schools] 2006 (CBS)
MEAN_PRIMARY_SCHOOL = 219  # institutions.toml average_size_2010 (Zoontjens 2010)
N_SECONDARY_SCHOOLS = 660  # institutions.toml [secondary_schools] 2009
N_SBO_SCHOOLS = 304  # institutions.toml [sbo_schools] 2011 (NJI), the earliest count there
N_SPECIAL_SCHOOLS = 327  # institutions.toml [special_schools] 2010 ((v)so schools, NJI / CBS), the earliest count there
SCHOOL_SIZE_SIGMA = 0.55  # assumption: lognormal spread of school sizes (small village schools, large city schools)

# Shares used to split published totals where the 2003 table has no split (pupil_counts_2011_2014.csv, 2011).
SO_CLUSTER_SHARES_2011 = np.array([503, 6870, 25801]) / (503 + 6870 + 25801)  # cl1, cl2, cl3+4
VSO_CLUSTER_SHARES_2011 = np.array([249, 2283, 32993]) / (249 + 2283 + 32993)
PRO_SHARE_OF_LWOO_PRO_2011 = 26665 / (101206 + 26665)
RUGZAK_2003 = 11000  # system_facts.toml rugzak_pupils_2003 (kst_31497_31)
RUGZAK_PRIMARY_SHARE = 0.45  # labelling_old_system.toml: 17,000 of ~39,000 rugzak pupils were in regular primary (ar13)
EXEMPT_2003 = 1978  # attendance_2004_2014.csv exempt_5a 2004-2005, the earliest year
HOME_2003 = 2269  # attendance_2004_2014.csv: stock of long relative absence at the start of 2009/10
CULTURE_IN_START_SCORE = 0.45
"""Weight of the area's culture (a log-odds shift in the monthly rules) in the start-up selection scores. Selecting
the top few per cent by need + w * culture multiplies an area's share by about exp(w * culture * m), with m ~ 2.2
the inverse Mills ratio at those tails; w = 1/m makes the 2003 spread between areas match the ratio exp(culture)
that the referral and choice rules sustain afterwards."""
SBO_REFERRAL_TIMESCALE_MONTHS = 36.0  # see sbo_grade_profile


@dataclass
class Country:
    """Everything the model starts from."""

    pupils: Pupils
    areas: AreaTable
    wsns: WsnsTable
    schools: SchoolTable
    providers: ProviderTable
    provider_index: np.ndarray  # [indication cluster 0-4, area] -> provider (-1 for cluster 0)
    municipalities: MunicipalityTable
    alliances: AllianceTable
    next_uid: int


class _Reads:
    """A behaviour that notes which of its values were read (the building of a country reads a dozen of its 80)."""

    def __init__(self, behaviour: Behaviour):
        self._behaviour, self.names = behaviour, set()

    def __getattr__(self, name: str):
        self.names.add(name)
        return getattr(self._behaviour, name)


_BUILT: list[tuple[float, int, dict, Country]] = []  # (scale, seed, behaviour values read, country), newest last
COUNTRIES_KEPT = 2
"""Countries a process keeps for reuse. Why few: a national one holds some 120 MB; a sweep or comparison works through
its seeds in turn, and a worker meets the same (scale, seed) again for every point of the design."""


def country_for(behaviour: Behaviour, scale: float, streams: RandomStreams) -> Country:
    """The country of 1 October 2003 for this scale, seed and behaviour: built once per process and handed out as a
    fresh copy after that, so that the runs of a sweep that share a seed (common random numbers) and the behaviour
    values the start depends on pay for the build once. The key is exactly the values the build read, so a parameter
    that only acts later (most of them) does not cause a rebuild, and one that shapes the start always does."""
    for i, (kept_scale, seed, read, country) in enumerate(_BUILT):
        if (kept_scale == scale and seed == streams.seed
                and all(_same(getattr(behaviour, name), value) for name, value in read.items())):
            _BUILT.append(_BUILT.pop(i))
            return copy.deepcopy(country)
    reads = _Reads(behaviour)
    country = build_country(reads, scale, streams)
    _BUILT.append((scale, streams.seed, {name: getattr(behaviour, name) for name in reads.names}, country))
    del _BUILT[:-COUNTRIES_KEPT]
    return copy.deepcopy(country)


def _same(a, b) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


def build_country(behaviour: Behaviour, scale: float, streams: RandomStreams) -> Country:
    areas = _build_areas(behaviour, streams.generator("country.areas"))
    wsns = _build_wsns(areas)
    schools = _build_schools(areas, wsns, behaviour, scale, streams.generator("country.schools"))
    municipalities = _build_municipalities(areas, streams.generator("country.municipalities"))
    pupils = Pupils(0)
    cohorts = np.arange(START_YEAR - PRIMARY_GRADES - 5, START_YEAR + 1)
    next_uid = 0
    choose_school = SchoolChoice(schools)
    for cohort in cohorts:
        fresh = new_cohort(cohort, scale, behaviour, areas, choose_school, municipalities, streams, next_uid)
        next_uid += len(fresh["uid"])
        pupils.append(**fresh)
    grade = pupils.grade(START_YEAR)
    pupils.keep(grade < PRIMARY_GRADES + pupils.secondary_years)
    providers, provider_index = _build_providers(areas, scale, streams.generator("country.providers"))
    # a stream of its own, so that the draws of everything else stay as they were
    providers.quality = streams.generator("country.provider_quality").standard_normal(len(providers))
    _place_at_start(pupils, areas, providers, behaviour, scale, streams.generator("country.start_settings"))
    _set_provider_capacity(pupils, providers, provider_index, behaviour)
    in_special = np.isin(pupils.setting, [Setting.SBO, Setting.SO, Setting.VSO])
    u = streams.generator("country.transport").random(len(pupils))
    pupils.transported = in_special & needs_transport(pupils.setting == Setting.SBO, u)
    alliances = _build_alliances(behaviour, streams.generator("country.alliances"))
    sigma = behaviour.youth_care_spread
    youth_rng = streams.generator("country.youth_care")
    municipalities.youth_care_capacity = youth_rng.lognormal(-sigma**2 / 2, sigma, len(municipalities))
    municipalities.agreement_with_alliance = youth_rng.random(len(municipalities)) < behaviour.agreement_share
    return Country(pupils, areas, wsns, schools, providers, provider_index, municipalities, alliances, next_uid)


def new_cohort(cohort, scale, behaviour, areas, choose_school, municipalities, streams, first_uid,
               need_shift: float = 0.0) -> dict[str, np.ndarray]:
    """Columns of the pupils of one entering cohort (grade 0 in ``cohort``); also used for the 2003 age groups.
    ``need_shift``: how far needs lie above their 2015 level (the complex problems of the year it enters)."""
    rng = streams.generator(f"cohort.{cohort}")
    n = int(round(demography.entering_cohort_size(cohort, scale)))
    z_need, z_other = rng.standard_normal(n), rng.standard_normal(n)
    rho = behaviour.need_learning_correlation
    need = behaviour.need_sd * z_need + need_shift
    learning = behaviour.need_sd * (rho * z_need + np.sqrt(1 - rho**2) * z_other)
    cluster = rng.choice(np.arange(1, 5), size=n, p=np.asarray(behaviour.cluster_shares) / sum(behaviour.cluster_shares))
    onset = np.where(cluster == 4, rng.integers(4, behaviour.behaviour_onset_max_age + 1, size=n), 4)
    area = rng.choice(len(areas), size=n, p=areas.weight / areas.weight.sum())
    grade = START_YEAR - cohort
    sector = PRIMARY if grade < PRIMARY_GRADES else SECONDARY
    return dict(
        uid=np.arange(first_uid, first_uid + n),
        cohort=np.full(n, cohort),
        secondary_years=rng.choice(demography.SECONDARY_YEARS, size=n, p=demography.secondary_year_shares()),
        need=need,
        learning_delay=learning,
        cluster=cluster,
        onset_age=onset,
        push=rng.standard_normal(n),
        prefers_special=rng.standard_normal(n),
        area=area,
        municipality=choose_within(municipalities.area, municipalities.weight, area, rng.random(n)),
        school=choose_school(sector, area, rng.random(n)),
        setting=np.full(n, Setting.BAO if sector == PRIMARY else Setting.VO),
        registered=np.full(n, Setting.BAO if sector == PRIMARY else Setting.VO),
    )


class SchoolChoice:
    """Where a pupil registers: a regular school of a sector in the pupil's area, with probability proportional to
    school size (sizes are fixed in a run, so the weights are summed once)."""

    def __init__(self, schools: SchoolTable):
        self.rows = [np.flatnonzero(schools.sector == sector) for sector in (PRIMARY, SECONDARY)]
        self.draws = [WeightedChoice(schools.area[rows], schools.size_weight[rows]) for rows in self.rows]

    def __call__(self, sector: int, area: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A school row of ``sector`` for each pupil (``area``: the pupils' areas; ``u``: one uniform each)."""
        return self.rows[sector][self.draws[sector](area, u)]


def _build_areas(behaviour: Behaviour, rng: np.random.Generator) -> AreaTable:
    areas = AreaTable(N_PRIMARY_ALLIANCES)
    weight = rng.lognormal(0.0, 0.35, N_PRIMARY_ALLIANCES)
    areas.weight = weight / weight.sum()
    areas.culture = rng.normal(0.0, behaviour.area_culture_sd, N_PRIMARY_ALLIANCES)
    # 75 secondary alliances from 77 areas: the last two areas join the two before them.
    areas.secondary_alliance = np.where(
        np.arange(N_PRIMARY_ALLIANCES) < N_SECONDARY_ALLIANCES,
        np.arange(N_PRIMARY_ALLIANCES),
        np.arange(N_PRIMARY_ALLIANCES) - 2,
    )
    return areas


def _build_alliances(behaviour: Behaviour, rng: np.random.Generator) -> AllianceTable:
    """The 77 primary and 75 secondary alliances of passend onderwijs; they only act from August 2014."""
    alliances = AllianceTable(N_PRIMARY_ALLIANCES + N_SECONDARY_ALLIANCES)
    alliances.sector = np.r_[np.zeros(N_PRIMARY_ALLIANCES), np.ones(N_SECONDARY_ALLIANCES)]
    alliances.gatekeeping = behaviour.tlv_gatekeeping + behaviour.tlv_gatekeeping_sd * rng.standard_normal(len(alliances))
    alliances.strictness = alliances.gatekeeping
    alliances.doorzettingsmacht_rank = rng.random(len(alliances))
    # only secondary alliances take part in lwoo/pro; drawn last so that the draws above stay as they were
    alliances.lwoo_opt_out_rank = np.where(alliances.sector == 1, rng.random(len(alliances)), 1.0)
    mix = rng.dirichlet(behaviour.distribution_mix_alpha, len(alliances))
    alliances.school_model, alliances.expertise_model, alliances.pupil_model = mix.T
    return alliances


def _build_wsns(areas: AreaTable) -> WsnsTable:
    """234 WSNS alliances: three per area, a fourth in the three largest areas."""
    per_area = np.full(len(areas), 3)
    per_area[np.argsort(-areas.weight)[: N_WSNS - 3 * len(areas)]] += 1
    wsns = WsnsTable(N_WSNS)
    wsns.area = np.repeat(np.arange(len(areas)), per_area)
    return wsns


def _build_schools(areas, wsns, behaviour, scale, rng) -> SchoolTable:
    """Regular schools, at least one per WSNS alliance (primary) and per area (secondary), sizes lognormal."""
    n_po = max(N_WSNS, int(round(N_PRIMARY_SCHOOLS * scale)))
    n_vo = max(len(areas), int(round(N_SECONDARY_SCHOOLS * scale)))
    wsns_weight = areas.weight[wsns.area] / np.bincount(wsns.area)[wsns.area]
    po_wsns = np.r_[np.arange(N_WSNS), rng.choice(N_WSNS, size=n_po - N_WSNS, p=wsns_weight)]
    vo_area = np.r_[np.arange(len(areas)), rng.choice(len(areas), size=n_vo - len(areas), p=areas.weight)]
    schools = SchoolTable(n_po + n_vo)
    schools.sector = np.r_[np.full(n_po, PRIMARY), np.full(n_vo, SECONDARY)]
    schools.wsns = np.r_[po_wsns, np.full(n_vo, -1)]
    schools.area = np.r_[wsns.area[po_wsns], vo_area]
    schools.size_weight = rng.lognormal(-SCHOOL_SIZE_SIGMA**2 / 2, SCHOOL_SIZE_SIGMA, n_po + n_vo)
    m = behaviour.teacher_skill_mean
    schools.skill = rng.beta(4 * m, 4 * (1 - m), n_po + n_vo)
    k = min(max(behaviour.know_how_initial, 0.01), 0.99)
    schools.know_how = rng.beta(3 * k, 3 * (1 - k), n_po + n_vo)
    return schools


def _build_municipalities(areas: AreaTable, rng: np.random.Generator) -> MunicipalityTable:
    """415 municipalities, at least one per area, the rest in proportion to the areas' sizes."""
    n_areas = len(areas)
    extra = rng.multinomial(N_MUNICIPALITIES - n_areas, areas.weight)
    table = MunicipalityTable(N_MUNICIPALITIES)
    table.area = np.repeat(np.arange(n_areas), 1 + extra)
    table.weight = rng.lognormal(0.0, 0.9, N_MUNICIPALITIES)
    table.officer_capacity = rng.lognormal(-0.125, 0.5, N_MUNICIPALITIES)
    table.exempt_propensity = rng.lognormal(-0.125, 0.5, N_MUNICIPALITIES)
    table.registration = rng.beta(8.0, 2.0, N_MUNICIPALITIES)  # mean 0.8: assumption, registers differ
    table.transport_strictness = rng.beta(2.0, 6.0, N_MUNICIPALITIES)  # mean 0.25: assumption, rules differ
    return table


def _build_providers(areas: AreaTable, scale: float, rng: np.random.Generator) -> tuple[ProviderTable, np.ndarray]:
    """(v)so providers per cluster and region, then sbo schools (at least one per area, the rest by area size).

    Returns the table and ``index[cluster, area]``: the (v)so provider serving a cluster in an area (row 0 unused).
    """
    n_areas = len(areas)
    index = np.full((5, n_areas), -1, dtype=np.int16)
    clusters, regions = [], []
    for cluster, region_size in CLUSTER_REGION_SIZE.items():
        region_of_area = np.arange(n_areas) // region_size
        for region in range(region_of_area.max() + 1):
            index[cluster, region_of_area == region] = len(clusters)
            clusters.append(cluster)
            regions.append(region)
    n_sbo = max(n_areas, int(round(N_SBO_SCHOOLS * scale)))
    sbo_area = np.r_[np.arange(n_areas), rng.choice(n_areas, size=n_sbo - n_areas, p=areas.weight)]
    table = ProviderTable(len(clusters) + n_sbo)
    table.cluster = np.r_[clusters, np.full(n_sbo, SBO_CLUSTER)]
    table.region = np.r_[regions, sbo_area]
    table.size_weight = np.r_[np.ones(len(clusters)), rng.lognormal(-0.08, 0.4, n_sbo)]
    # sbo was funded by rule, not by places: no capacity limit in the old system
    table.capacity_so = np.r_[np.zeros(len(clusters)), np.full(n_sbo, np.inf)]
    return table, index


def _top(candidates: np.ndarray, score: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` candidates with the highest score."""
    n = int(min(max(n, 0), len(candidates)))
    if n == 0:
        return candidates[:0]
    return candidates[np.argpartition(-score, n - 1)[:n]]


def sbo_grade_profile() -> dict[int, float]:
    """Share of the 1 October 2003 sbo pupils in each grade.

    A pupil in sbo was referred at some month since the referral window opened, so the older the grade, the more
    months of referral lie behind it; the pool of candidates thins as the clearest cases go first, so the profile
    saturates: share ~ 1 - exp(-months / SBO_REFERRAL_TIMESCALE_MONTHS). With 36 months this is the grade profile the
    referral rule itself sustains in the simulated years (tests/test_invariants.py checks that). Spreading the start
    stock evenly over grades instead put too many pupils in the young grades, and their passage through sbo drove a
    rise and then a fall that the rules did not cause. The published tables give no age profile of sbo pupils.
    """
    first, last = SBO_REFERRAL_GRADES
    count_month = 2  # 1 October is two months into the school year
    months = {g: 12 * (min(g, last + 1) - first) + (count_month if g <= last else 0) for g in range(first, PRIMARY_GRADES)}
    weight = {g: 1.0 - np.exp(-m / SBO_REFERRAL_TIMESCALE_MONTHS) for g, m in months.items()}
    total = sum(weight.values())
    return {g: w / total for g, w in weight.items()}


def _place_at_start(pupils: Pupils, areas: AreaTable, providers: ProviderTable, behaviour: Behaviour, scale: float, rng) -> None:
    """Put the published 1 October 2003 numbers of pupils in each setting, choosing who by the model's own drivers:
    heavy indications by need (plus the area's culture), so versus rugzak by the parents' preference, sbo by need and
    learning delay, lwoo/pro by learning delay."""
    counts = demography.published_2003()
    p = pupils
    n = len(p)
    grade = p.grade(START_YEAR)
    primary = grade < PRIMARY_GRADES
    manifest = p.age(START_YEAR) >= p.onset_age
    culture = CULTURE_IN_START_SCORE * areas.culture[p.area]
    noise = rng.standard_normal(n)

    # Exempted children are in no school, so they are chosen first and hold none of the published school places.
    severe = np.flatnonzero(manifest & (p.need > behaviour.exempt_threshold))
    exempt = rng.choice(severe, size=min(len(severe), int(round(EXEMPT_2003 * scale))), replace=False)
    p.setting[exempt] = Setting.EXEMPT
    in_school = p.setting != Setting.EXEMPT

    for is_primary, special_total, cluster_shares, special_setting in (
        (True, counts["so"], SO_CLUSTER_SHARES_2011, Setting.SO),
        (False, counts["vso"], VSO_CLUSTER_SHARES_2011, Setting.VSO),
    ):
        rugzak = RUGZAK_2003 * (RUGZAK_PRIMARY_SHARE if is_primary else 1 - RUGZAK_PRIMARY_SHARE)
        sector = (primary == is_primary) & manifest & in_school
        indicated = _top(np.flatnonzero(sector), (p.need + behaviour.cvi_noise * noise + culture)[sector], (special_total + rugzak) * scale)
        p.indication[indicated] = p.cluster[indicated]
        p.detected[indicated] = True
        # Split the special places by cluster group as published, the rest keep a rugzak.
        choice = p.prefers_special + p.need + culture
        for clusters, share in zip(((1,), (2,), (3, 4)), cluster_shares):
            pool = indicated[np.isin(p.cluster[indicated], clusters)]
            chosen = _top(pool, choice[pool], special_total * share * scale)
            p.setting[chosen] = special_setting
            p.registered[chosen] = special_setting

    severity = 0.5 * (p.need + p.learning_delay) + culture + 0.3 * noise
    eligible = primary & in_school & (p.indication == 0)
    sbo = np.concatenate([
        _top(np.flatnonzero(eligible & (grade == g)), severity[eligible & (grade == g)], counts["sbao"] * share * scale)
        for g, share in sbo_grade_profile().items()
    ])
    p.provider[sbo] = choose_sbo_school(providers, p.area[sbo], rng.random(len(sbo)))
    p.setting[sbo] = Setting.SBO
    p.registered[sbo] = Setting.SBO
    p.detected[sbo] = True

    regular_secondary = np.flatnonzero(~primary & (p.setting == Setting.VO))
    lwoo_pro = _top(regular_secondary, (p.learning_delay + behaviour.rvc_noise * noise)[regular_secondary], counts["lwoo_pro"] * scale)
    pro = _top(lwoo_pro, p.learning_delay[lwoo_pro], len(lwoo_pro) * PRO_SHARE_OF_LWOO_PRO_2011)
    p.setting[lwoo_pro] = Setting.LWOO
    p.setting[pro] = Setting.PRO
    p.registered[lwoo_pro] = p.setting[lwoo_pro]

    in_regular = np.flatnonzero(manifest & np.isin(p.setting, [Setting.BAO, Setting.VO]) & (p.need > behaviour.detect_threshold))
    home = _top(in_regular, (p.need + noise)[in_regular], HOME_2003 * scale)
    p.setting[home] = Setting.HOME
    p.home_route[home] = Route.BREAKDOWN
    p.months_home[home] = rng.integers(1, 12, size=len(home))
    p.found[home] = rng.random(len(home)) < 0.5

    noticed = manifest & (p.need > behaviour.detect_threshold) & (rng.random(n) < 0.6)
    p.detected |= noticed


def _set_provider_capacity(pupils: Pupils, providers: ProviderTable, provider_index: np.ndarray, behaviour: Behaviour) -> None:
    p = pupils
    special = np.flatnonzero((p.setting == Setting.SO) | (p.setting == Setting.VSO))
    p.provider[special] = provider_index[p.indication[special], p.area[special]]
    slack = 1.0 + behaviour.capacity_slack
    n_prov = len(providers)
    is_so = p.setting[special] == Setting.SO
    vso_providers = providers.cluster != SBO_CLUSTER
    so_places = np.ceil(np.bincount(p.provider[special[is_so]], minlength=n_prov) * slack + 1)
    vso_places = np.ceil(np.bincount(p.provider[special[~is_so]], minlength=n_prov) * slack + 1)
    providers.capacity_so = np.where(vso_providers, so_places, providers.capacity_so)
    providers.capacity_vso = np.where(vso_providers, vso_places, 0.0)
    # the (v)so schools each provider stands for, by its share of the pupils (at least one): the closure norm is the
    # law's for a school, not for a region's schools together
    held = np.bincount(p.provider[special], minlength=n_prov).astype(np.float64)
    schools = np.maximum(np.round(N_SPECIAL_SCHOOLS * held / max(held[vso_providers].sum(), 1.0)), 1.0)
    providers.schools = np.where(vso_providers, schools, 1.0)
