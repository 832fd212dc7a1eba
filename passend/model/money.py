"""The month's money: what the law's formulas (:mod:`passend.engine.funding`) make of where the World's pupils are and
what its institutions decided, booked in a set of :class:`~passend.model.world.Books`.

Every function here takes the books it writes to and reads the law from the Month it is given, and decides nothing:
the run calls them with its own books and the month's law, and the mechanical books of a reform
(:mod:`passend.model.mechanical`) with theirs and ``month.under(reform's law)``, on the same pupils and decisions.

=========================  ==========  ==============================================================================
step                       when        what
=========================  ==========  ==============================================================================
:func:`take_money_count`   1 October   the budget base (2011) and the lwoo/pro participation (2012) in their years;
                                       DUO's count of indications and rugzak pupils, which sets the next rugzak amounts
:func:`new_book_year`      1 October   the alliances' tallies of the twelve months restart
:func:`set_budgets`        August      each alliance's amount per pupil (equalisation, a cut), its income, and what its
                                       pupils cost it now
:func:`plan_budgets`       August      the arithmetic of each alliance's plan from its income, costs and decisions
:func:`book_month`         every month every payer's payments by the law; alliances in charge settle their month
=========================  ==========  ==============================================================================
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from passend.agents.alliance import TALLIES, Alliance
from passend.engine import funding
from passend.engine.groups import count_values, total_by
from passend.engine.population import IS_REGULAR, N_INDICATIONS, N_SETTINGS, Setting, in_settings
from passend.model.month import Month
from passend.model.world import Books, World

COSTING_SETTINGS = np.array([Setting.SO, Setting.VSO, Setting.SBO, Setting.LWOO, Setting.PRO], dtype=np.int8)
"""Counted settings in which a pupil may cost an alliance money (besides support in a regular school)."""


# --- who the money follows --------------------------------------------------------------------------------------------
def rows_money_follows(world: World) -> np.ndarray:
    """The pupils whose place or support the money and the counts depend on: those outside a regular primary or plain
    secondary school (sbo, (v)so, lwoo/pro, at home, exempt), with an indication or with an arrangement. Every other
    pupil counts, and costs, as a plain bao or vo pupil, so money and counts are taken over these few."""
    p = world.pupils
    return np.flatnonzero(((p.setting != Setting.BAO) & (p.setting != Setting.VO)) | (p.indication > 0)
                          | (p.arrangement > 0))


def pupils_by_setting_and_indication(world: World, rows: np.ndarray, setting: np.ndarray) -> np.ndarray:
    """Pupils by counted setting (rows of the result) and indication (columns: 0 none, clusters 1-4), from the pupils
    money follows (``rows``, with their counted ``setting``); every other pupil is in bao or vo with no indication."""
    p = world.pupils
    n_by = np.bincount(setting.astype(np.intp) * N_INDICATIONS + p.indication[rows],
                       minlength=N_SETTINGS * N_INDICATIONS).reshape(N_SETTINGS, N_INDICATIONS)
    plain = np.bincount(p.setting[rows], minlength=N_SETTINGS)  # the rows' own settings, counted in the full column
    for regular in (Setting.BAO, Setting.VO):
        n_by[regular, 0] += np.count_nonzero(p.setting == regular) - plain[regular]
    return n_by


def alliance_pupils(world: World, month: Month) -> np.ndarray:
    """Pupils per alliance (national) on a school's register: exempted children and children registered nowhere do
    not count ("tellen ... niet mee in de bekostiging", valk_2019; the count is of registered pupils)."""
    p = world.pupils
    counted = (p.setting != Setting.EXEMPT) & ~p.unregistered
    return total_by(world.alliance_of(month.school_year)[counted], len(world.alliances)) / month.scale


# --- what the alliances' pupils cost them -----------------------------------------------------------------------------
def _support_costs(world: World, month: Month, books: Books, idx: np.ndarray, setting: np.ndarray, clusters,
                   regular_support_eur: np.ndarray, include_sbo: bool) -> funding.SupportCosts:
    """Support costs per alliance from pupils ``idx`` (all who may cost an alliance something), their counted
    ``setting`` and the yearly support in a regular school of each of them; sbo above 2% of the alliances' primary
    pupils (their count of this school year) if ``include_sbo``."""
    p = world.pupils
    sbo_base = books.alliances.pupils * month.scale if include_sbo else None
    return funding.support_costs(world.alliance_of(month.school_year, idx), setting, p.indication[idx], p.need[idx],
                                 tuple(clusters), regular_support_eur, sbo_base, month.law, len(books.alliances),
                                 month.scale)


def alliance_costs_now(world: World, month: Month, books: Books, rows: np.ndarray,
                       setting: np.ndarray) -> funding.SupportCosts:
    """What the alliances' pupils cost them a year at this month's numbers: (v)so supplements of their clusters, sbo
    above 2% when they grant the sbo TLVs, arrangements by level, lwoo/pro. ``rows``: the pupils money follows
    (:func:`rows_money_follows`), ``setting``: their counted settings."""
    p = world.pupils
    costing = in_settings(setting, COSTING_SETTINGS) | (p.arrangement[rows] > 0)
    idx = rows[costing]
    prices = funding.arrangement_prices_eur(month.law)[p.arrangement[idx]]
    costs = _support_costs(world, month, books, idx, setting[costing], month.rules.alliance_clusters, prices,
                           include_sbo=month.rules.alliance_judges_sbo)
    if not month.law["budget_financing"]:  # 2014/15: the state still pays the places, DUO deducts nothing
        costs = costs._replace(deductions=np.zeros_like(costs.deductions))
    return costs


# --- 1 October --------------------------------------------------------------------------------------------------------
def take_money_count(world: World, month: Month, books: Books) -> None:
    """What the law counts on 1 October for the money: the budget base (2011) and the lwoo/pro base (2012) in their
    years, and, while the rugzak exists, DUO's count for the state's amounts."""
    p, law = world.pupils, month.law
    if month.today.year == law["budget_base_year"]:
        _record_budget_base(world, month, books)
    if month.today.year == law["lwoo_budget_base_year"]:  # the participation of that count, per pupil
        costs = funding.lwoo_pro_costs(world.alliance_of(month.school_year), p.counted_setting(), law["lwoo_pro_eur"],
                                       len(books.alliances), month.scale)
        pupils = alliance_pupils(world, month)
        books.alliances.lwoo_budget_eur_per_pupil = np.divide(costs, pupils, out=np.zeros(len(pupils)),
                                                              where=pupils > 0)
    if not month.rules.pupil_bound_funding:  # the rugzak is abolished: no amount to set from a count
        return
    inv = 1.0 / month.scale
    rows = rows_money_follows(world)  # every pupil with an indication is among them
    indication = p.indication[rows]
    rugzak = month.rules.pupil_bound(indication) & IS_REGULAR[p.counted_setting(rows)]
    books.state.take_count(indications=int(round(float(np.count_nonzero(indication > 0) * inv))),
                           rugzak_pupils=int(round(float(np.count_nonzero(rugzak) * inv))))


def _record_budget_base(world: World, month: Month, books: Books) -> None:
    """On the base count (1 October 2011): each alliance's own cost per pupil under the old amounts (a rugzak in a
    regular school, the supplement of a (v)so place, for the budget's clusters, and sbo above 2%), which sets its
    starting budget; the national average is where equalisation ends. Kept for every set of budget clusters the
    timeline names, so that a reform that changes the set later budgets on the same count."""
    a = books.alliances
    pupils = alliance_pupils(world, month)
    rugzak_eur = books.state.rugzak_school_eur + books.state.rugzak_ambulant_eur
    setting = world.pupils.counted_setting()
    named = sorted({tuple(clusters) for _, clusters in month.policy["budget_base_clusters"].values})
    indication = world.pupils.indication
    a.pupils = pupils

    def base(clusters: tuple[int, ...]) -> funding.BudgetBase:
        rugzak = np.where(np.isin(indication, clusters), rugzak_eur, 0.0)
        idx = np.flatnonzero(in_settings(setting, COSTING_SETTINGS) | (rugzak > 0))
        costs = _support_costs(world, month, books, idx, setting[idx], clusters, rugzak[idx], include_sbo=True)
        return funding.budget_base(costs, pupils, a.sector)

    books.budgets.bases = {clusters: base(clusters) for clusters in named}
    a.base_eur_per_pupil, books.budgets.national_eur_per_pupil, _ = books.budgets.bases[
        tuple(month.law["budget_base_clusters"])]


def new_book_year(books: Books) -> None:
    """The count has read the twelve months to it: the alliances start a new book year."""
    for column in TALLIES:
        setattr(books.alliances, column, np.zeros(len(books.alliances)))


# --- August -----------------------------------------------------------------------------------------------------------
class YearBudget(NamedTuple):
    """What the law gives the alliances for a school year, and what their pupils cost them now (national EUR)."""

    income: np.ndarray  # this year's amount per pupil x pupils, with the light-support budget
    planning_income: np.ndarray  # the heavy-support part over the announced equalisation path
    costs: funding.SupportCosts
    coming_fall: np.ndarray  # how far the yearly income will fall by the end of the announced path (0: no fall)


def set_budgets(world: World, month: Month, books: Books) -> YearBudget:
    """Each alliance's amount per pupil (equalisation from its base towards the national amount, less a national cut
    spread evenly per pupil; the distribution model the law prescribes, if it does), its income, and what its pupils
    cost it now. ``books.alliances.pupils`` must hold this year's count."""
    a, law, b = books.alliances, month.law, month.behaviour
    if not books.budgets.bases:
        raise RuntimeError(f"the alliances hold budgets from {month.today}, which needs the budget base count of "
                           f"{law['budget_base_year']}; this run has not passed it")
    a.base_eur_per_pupil, books.budgets.national_eur_per_pupil, a.base_deduction_share = books.budgets.bases[
        tuple(law["budget_base_clusters"])]
    cut_per_pupil = law["alliance_budget_cut_eur"] / max(a.pupils.sum(), 1.0)
    # lwoo/pro: the participation of the base count ("deelnamepercentage van 2012", vgr9) times today's pupils
    a.lwoo_budget_eur = a.lwoo_budget_eur_per_pupil * a.pupils
    rows = rows_money_follows(world)
    costs = alliance_costs_now(world, month, books, rows, world.pupils.counted_setting(rows))
    path = [month.policy.at("equalisation_progress", month.today.replace(year=month.today.year + k))
            for k in range(b.planning_horizon_years)]  # equalisation is announced years ahead
    national = books.budgets.national_eur_per_pupil[a.sector]
    a.amount_eur_per_pupil = funding.amount_per_pupil(a.base_eur_per_pupil, national, [law["equalisation_progress"]],
                                                      cut_per_pupil)
    if not law["budget_financing"]:
        a.amount_eur_per_pupil = funding.amount_before_budget_financing(a.amount_eur_per_pupil, a.base_eur_per_pupil,
                                                                        a.base_deduction_share)
    alliance = Alliance.every_row(a)
    if law["distribution_model"] != "own":
        alliance.follow_prescribed_model(law["distribution_model"])
    planning_income = a.pupils * alliance.planning_amount(national, path, cut_per_pupil)
    equalised_now, equalised_then = (alliance.planning_amount(national, [progress], cut_per_pupil)
                                     for progress in (law["equalisation_progress"], path[-1]))
    coming_fall = a.pupils * np.maximum(equalised_now - equalised_then, 0.0)
    light = funding.light_support_eur_per_pupil(a.sector, law)
    return YearBudget(a.pupils * (a.amount_eur_per_pupil + light), planning_income, costs, coming_fall)


def plan_budgets(books: Books, budget: YearBudget) -> None:
    """Each alliance's ondersteuningsplan from its income and costs, with the reserve change it has planned."""
    Alliance.every_row(books.alliances).plan_budget(budget.income, budget.costs.deductions, budget.costs.arrangements,
                                                    budget.planning_income)


# --- every month ------------------------------------------------------------------------------------------------------
def book_month(world: World, month: Month, books: Books) -> funding.SupportCosts | None:
    """Every payer's payments of the month by the law, from where the pupils are and what the institutions decided,
    booked in ``books``; alliances in charge settle their month by their plan. Returns the alliances' support costs
    while they are in charge (None otherwise)."""
    p, law, rules, scale = world.pupils, month.law, month.rules, month.scale
    rows = rows_money_follows(world)
    setting = p.counted_setting(rows)
    n_by = pupils_by_setting_and_indication(world, rows, setting)
    indications = np.arange(N_INDICATIONS)
    special = n_by[[Setting.SO, Setting.VSO]]
    n_lwoo_pro = int(n_by[[Setting.LWOO, Setting.PRO]].sum())
    holds_lwoo_pro = rules.alliances_in_charge and bool(law["lwoo_pro_in_alliances"])
    wsns_pupils, wsns_sbo = _wsns_pupils(world, month, rows, setting)
    direct, over = funding.wsns_sbo_over_direct(wsns_pupils, wsns_sbo, law["sbo_direct_share"])
    if rules.alliance_judges_sbo and not law["budget_financing"]:
        direct, over = direct + over, 0.0  # 2014/15: the state still pays every sbo place, DUO deducts nothing
    payments = funding.state_month_payments(
        books.state.rugzak_eur,
        n_rugzak=int(n_by[IS_REGULAR][:, rules.pupil_bound(indications)].sum()),
        n_by_institutions=int(n_by[IS_REGULAR][:, rules.supported_by_institutions(indications)].sum()),
        n_special=int(special.sum()),
        n_special_of_alliances=int(special[:, rules.judged_by_alliance(indications)].sum()),
        n_sbo_direct=direct, n_wsns_pupils=0.0 if rules.alliances_in_charge else wsns_pupils.sum(),
        n_lwoo_pro_national=0 if holds_lwoo_pro else n_lwoo_pro, law=law, scale=scale)
    if not rules.alliance_judges_sbo:  # under the WSNS rule; otherwise DUO deducts it from the alliance
        payments |= funding.wsns_month_payments(over, law, scale)
    # a transported pupil is in sbo or (v)so, so among the rows
    transported = count_values(setting[p.transported[rows]], N_SETTINGS)[[Setting.SBO, Setting.SO, Setting.VSO]]
    passed = world.this_month
    payments |= funding.municipal_month_payments(int(transported.sum()), np.count_nonzero(p.in_youth_care),
                                                 passed.cases_followed, month.behaviour.officer_eur_per_case_year,
                                                 law, scale)
    payments |= funding.consultant_month_payments(passed.consultant_cases, month.behaviour.consultant_eur_per_case,
                                                  scale)
    for stream, eur in payments.items():
        books.ledger.pay(stream, eur)
    if not rules.alliances_in_charge:
        return None
    with month.decision("alliance.settle_month"):
        return _settle_alliances(world, month, books, rows, setting, holds_lwoo_pro)


def _wsns_pupils(world: World, month: Month, rows: np.ndarray, setting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Primary pupils in school and sbo pupils per WSNS alliance (``rows``: the pupils money follows, ``setting``:
    their counted settings; the exempt and the sbo pupils are among them)."""
    wsns_of, in_wsns, pupils = world.rows.wsns_primary(month.school_year)
    n = len(world.wsns)
    exempt, in_sbo = rows[setting == Setting.EXEMPT], rows[setting == Setting.SBO]
    return (pupils - total_by(wsns_of[exempt[in_wsns[exempt]]], n),
            total_by(wsns_of[in_sbo[in_wsns[in_sbo]]], n))


def _settle_alliances(world: World, month: Month, books: Books, rows: np.ndarray, setting: np.ndarray,
                      holds_lwoo_pro: bool) -> funding.SupportCosts:
    """The alliances' month by their plans: reserves, the tallies of the twelve months to the next count, and every
    stream of their money in the ledger."""
    costs = alliance_costs_now(world, month, books, rows, setting)
    a = books.alliances
    s = funding.settle_month(a, costs, world.this_month.tlvs_granted, holds_lwoo_pro)
    a.reserves_eur = a.reserves_eur + s.reserves_kept - s.reserves_drawn
    a.year_income_eur = a.year_income_eur + s.income + s.lwoo_pro_income
    a.year_deductions_eur = a.year_deductions_eur + s.deductions
    a.year_arrangements_eur = a.year_arrangements_eur + s.arrangements + s.ambulant
    a.year_ambulant_eur = a.year_ambulant_eur + s.ambulant
    a.year_expertise_eur = a.year_expertise_eur + s.expertise
    a.year_to_schools_eur = a.year_to_schools_eur + s.to_schools
    a.year_lump_sum_eur = a.year_lump_sum_eur + s.lump_sum
    a.year_overspent_eur = a.year_overspent_eur + s.overspent
    a.plan_overspent_eur = a.plan_overspent_eur + s.overspent
    a.year_lwoo_pro_eur = a.year_lwoo_pro_eur + s.lwoo_pro
    a.year_referral_charges_eur = a.year_referral_charges_eur + s.referral_charges
    for stream, part in funding.SETTLEMENT_STREAMS.items():
        books.ledger.pay(stream, getattr(s, part).sum())
    return costs
