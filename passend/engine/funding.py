"""The law's arithmetic: what the funding rules compute from counts and the law in force, as pure formulas.

Every amount, price, deduction and payment of the funding law lives here, as a function of (numbers of pupils or
yearly costs, the law); nothing here decides and nothing here reads a model. The month
(:mod:`passend.model.money`) calls these formulas with the law in force, and the mechanical books of a reform
(:mod:`passend.model.mechanical`) call the same formulas with the reform's law on the same pupils, so a rule is
written once. The actors keep their decisions in ``passend.agents``; the formulas they face are these.

Money is in national euros a year unless a name says a month: simulated numbers of pupils are divided by the run's
``scale``. A ``law`` is anything that maps the legislation parameters' names to their values in force
(:class:`passend.engine.policy.Law`, or a plain dict in a test).

=============================  ======================================================================================
rule                           formulas
=============================  ======================================================================================
pupil-bound funding (rugzak)   :func:`rugzak_amounts` (the state lowers the amount as indications grow, and caps it)
(v)so places                   :func:`special_supplement_eur` (by TLV category), :func:`tlv_category`
arrangements                   :func:`arrangement_prices_eur`
the 2% rules for sbo           :func:`wsns_sbo_shares`, :func:`sbo_referral_cost_eur`, :func:`wsns_sbo_over_direct`,
                               :func:`sbo_above_direct_share`
what pupils cost an alliance   :func:`support_costs`, :func:`lwoo_pro_costs`
budget base and equalisation   :func:`budget_base`, :func:`amount_per_pupil`, :func:`amount_before_budget_financing`,
                               :func:`light_support_eur_per_pupil`
reserves                       :func:`reserve_signal_eur` (the Inspectorate's signalling value)
an alliance's month            :func:`settle_month`, :data:`SETTLEMENT_STREAMS`
payments per payer             :func:`state_month_payments`, :func:`wsns_month_payments`,
                               :func:`municipal_month_payments`, :func:`consultant_month_payments`,
                               :func:`yearly_amounts`
=============================  ======================================================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol

import numpy as np

from passend.engine.groups import total_by
from passend.engine.population import IS_REGULAR, Setting


# --- pupil-bound funding (the old system) -------------------------------------------------------------------------
def rugzak_amounts(law: Mapping, reference_indications: float, counted_indications: float,
                   counted_rugzak: float) -> tuple[float, float]:
    """This school year's rugzak amounts (school part, ambulant support; EUR a year per pupil) from DUO's last count.

    Funding is open-ended (every indication is paid), and as numbers grew the state lowered the amount per pupil:
    the legal amount times (first count / last count) ** ``amount_response_to_count``, then scaled down to fit a
    heavy-care budget cap if one is in force (``counted_rugzak`` pupils at those amounts may not exceed it).
    """
    factor = (reference_indications / max(counted_indications, 1.0)) ** law["amount_response_to_count"]
    school, ambulant = law["rugzak_school_eur"] * factor, law["rugzak_ambulant_eur"] * factor
    cap = float(law["heavy_care_budget_cap_eur"])
    spend = counted_rugzak * (school + ambulant)
    if math.isfinite(cap) and spend > cap:
        school, ambulant = school * cap / spend, ambulant * cap / spend
    return school, ambulant


# --- (v)so places and arrangements ---------------------------------------------------------------------------------
def tlv_category(need_above_criterion: np.ndarray, category_need: Sequence[float]) -> np.ndarray:
    """TLV category by the weight of the need: 0 low, 1 medium, 2 high."""
    medium, high = category_need
    return (need_above_criterion >= medium).astype(np.int8) + (need_above_criterion >= high)


def special_supplement_eur(need: np.ndarray, law: Mapping) -> np.ndarray:
    """Yearly supplementary funding of a (v)so place by TLV category, on top of its basic funding (the part DUO
    deducts from the alliance)."""
    category = tlv_category(need - law["indication_criterion"], law["tlv_category_need"])
    factor = np.asarray(law["tlv_category_factor"], dtype=np.float64)[category]
    return law["special_school_eur"] * law["special_supplement_share"] * factor


def arrangement_prices_eur(law: Mapping) -> np.ndarray:
    """Yearly price of an arrangement by level, index 0 (none) to 3 (light, medium, intensive)."""
    return np.concatenate(([0.0], law["arrangement_eur"] * np.asarray(law["arrangement_level_price_factor"],
                                                                        dtype=np.float64)))


# --- the 2% rules for sbo ------------------------------------------------------------------------------------------
def wsns_sbo_shares(wsns_of_pupil: np.ndarray, in_sbo: np.ndarray, n_wsns: int) -> np.ndarray:
    """Each WSNS alliance's sbo pupils per primary pupil (``wsns_of_pupil``: its primary pupils' alliances)."""
    pupils = total_by(wsns_of_pupil, n_wsns)
    return np.divide(total_by(wsns_of_pupil[in_sbo], n_wsns), pupils, out=np.zeros(n_wsns), where=pupils > 0)


def sbo_referral_cost_eur(sbo_share: np.ndarray, law: Mapping) -> np.ndarray:
    """What one more sbo referral costs a school a year under the WSNS rule: above the directly funded share of its
    WSNS alliance's pupils, the referring school pays part of the sbo amount from its care budget."""
    return np.where(sbo_share > law["sbo_direct_share"], law["sbo_school_pays_fraction"] * law["sbo_eur"], 0.0)


def wsns_sbo_over_direct(wsns_pupils: np.ndarray, wsns_sbo: np.ndarray, direct_share: float) -> tuple[float, float]:
    """sbo pupils funded directly by the state (up to ``direct_share`` of each WSNS alliance's pupils) and those
    above it, summed over the alliances."""
    direct = np.minimum(wsns_sbo, direct_share * wsns_pupils).sum()
    return direct, wsns_sbo.sum() - direct


def sbo_above_direct_share(sbo_alliance: np.ndarray, primary_pupils: np.ndarray, law: Mapping) -> np.ndarray:
    """Each alliance's sbo pupils above the share of its primary pupils (``primary_pupils``, simulated) that the state
    funds directly, from the alliance of each sbo pupil; DUO deducts the sbo amount for each of them."""
    sbo = total_by(sbo_alliance, len(primary_pupils))
    return np.maximum(sbo - law["sbo_direct_share"] * primary_pupils, 0.0)


# --- what pupils cost an alliance -------------------------------------------------------------------------------------
class SupportCosts(NamedTuple):
    """Yearly costs per alliance (national EUR) of the extra support its pupils use now."""

    deductions: np.ndarray  # (v)so supplements of the alliance's clusters and sbo above the directly funded 2%
    arrangements: np.ndarray  # support in regular schools: arrangements (or, on the base count, the rugzak)
    lwoo_pro: np.ndarray  # lwoo and pro pupils at the national amount


def support_costs(alliance: np.ndarray, setting: np.ndarray, indication: np.ndarray, need: np.ndarray,
                  clusters: tuple[int, ...], regular_support_eur: np.ndarray, sbo_base_pupils: np.ndarray | None,
                  law: Mapping, n_alliances: int, scale: float) -> SupportCosts:
    """What the pupils of each alliance cost it a year, from the alliance, counted setting, indication and need of
    the pupils given (any set that holds every pupil who costs an alliance something): the supplements of (v)so
    places for indications of ``clusters``, sbo above the directly funded share of ``sbo_base_pupils`` (each
    alliance's primary pupils, simulated; None: sbo is not the alliances'), the support of pupils in regular schools
    (``regular_support_eur``: each pupil's yearly cost, 0 for most) and lwoo/pro."""
    n = n_alliances
    special = np.isin(indication, clusters) & ((setting == Setting.SO) | (setting == Setting.VSO))
    deductions = total_by(alliance[special], n, special_supplement_eur(need[special], law))
    if sbo_base_pupils is not None:
        deductions += sbo_above_direct_share(alliance[setting == Setting.SBO], sbo_base_pupils, law) * law["sbo_eur"]
    supported = IS_REGULAR[setting] & (regular_support_eur > 0)
    arrangements = total_by(alliance[supported], n, regular_support_eur[supported])
    inv = 1.0 / scale
    lwoo_pro = lwoo_pro_costs(alliance, setting, law["lwoo_pro_eur"], n, scale)
    return SupportCosts(deductions * inv, arrangements * inv, lwoo_pro)


def lwoo_pro_costs(alliance: np.ndarray, setting: np.ndarray, lwoo_pro_eur: float, n_alliances: int,
                   scale: float) -> np.ndarray:
    """What the lwoo and pro pupils of each alliance cost a year at the national amount (national EUR)."""
    lwoo_pro = total_by(alliance[(setting == Setting.LWOO) | (setting == Setting.PRO)], n_alliances) * lwoo_pro_eur
    return lwoo_pro * (1.0 / scale)


# --- the budget base and equalisation (verevening) -----------------------------------------------------------------
class BudgetBase(NamedTuple):
    """What the base count (1 October 2011) fixes for one set of budget clusters."""

    own_eur_per_pupil: np.ndarray  # each alliance's own extra-support cost per pupil: its starting budget
    national_eur_per_pupil: np.ndarray  # [po, vo]: where equalisation ends
    deduction_share: np.ndarray  # each alliance's share of that cost taken by (v)so and sbo (what DUO will deduct)


def budget_base(costs: SupportCosts, pupils: np.ndarray, sector: np.ndarray) -> BudgetBase:
    """On the base count: each alliance's own extra-support cost per pupil under the old amounts, the national average
    per sector, and the share of the cost in special schools."""
    total = costs.deductions + costs.arrangements  # arrangements here: the rugzak of the budget's clusters
    own = np.divide(total, pupils, out=np.zeros(len(pupils)), where=pupils > 0)
    national = np.array([total[sector == s].sum() / max(pupils[sector == s].sum(), 1.0) for s in (0, 1)])
    share = np.divide(costs.deductions, total, out=np.zeros(len(total)), where=total > 0)
    return BudgetBase(own, national, share)


def amount_per_pupil(base_eur_per_pupil: np.ndarray, national_eur_per_pupil: np.ndarray,
                     progress_path: Sequence[float], cut_eur_per_pupil: float) -> np.ndarray:
    """Verevening: the amount per pupil from the alliance's own base level towards the national amount, at the mean
    progress of ``progress_path`` (this year alone for the amount in force; the coming years of an announced path for
    what an alliance plans on: the amount is linear in the progress), less a national cut spread evenly per pupil,
    never below zero."""
    progress = float(np.mean(progress_path))
    equalised = (1.0 - progress) * base_eur_per_pupil + progress * national_eur_per_pupil
    cut = equalised - cut_eur_per_pupil
    return np.where(cut > 0.0, cut, 0.0)  # max(0, cut), and 0 where cut is NaN (an alliance with no base)


def light_support_eur_per_pupil(sector: np.ndarray, law: Mapping) -> np.ndarray:
    """The light-support budget an alliance holds per pupil a year besides the heavy support: in primary the former
    WSNS budget (``wsns_eur``), which passend onderwijs puts in the alliance's budget for extra support ("lichte en
    zware ondersteuning", kst_31497_113); the alliance spends it by its plan. Secondary: none in the model (the
    former regional care budget of the secondary alliances has no figure in the shared data)."""
    return np.where(sector == 0, float(law["wsns_eur"]), 0.0)


def amount_before_budget_financing(amount_eur_per_pupil: np.ndarray, base_eur_per_pupil: np.ndarray,
                                   base_deduction_share: np.ndarray) -> np.ndarray:
    """The amount per pupil of the school year before budget financing (2014/15): the alliance already judges the
    TLVs, but the state still pays the (v)so and sbo places whole, so its budget lacks the part of its base that paid
    for them (the base count's share of deductions), never below zero."""
    return np.maximum(amount_eur_per_pupil - np.nan_to_num(base_eur_per_pupil * base_deduction_share), 0.0)


def reserve_signal_eur(income_eur: np.ndarray, law: Mapping) -> np.ndarray:
    """The Inspectorate's signalling value of an alliance's reserves: a share of its income, at least a minimum;
    reserves above it are flagged."""
    return np.maximum(law["reserve_signal_share"] * income_eur, law["reserve_signal_minimum_eur"])


# --- an alliance's month ---------------------------------------------------------------------------------------------
class AlliancePlan(Protocol):
    """What :func:`settle_month` reads of the alliances (the columns of ``passend.agents.alliance.AllianceTable``)."""

    plan_income_eur: np.ndarray
    plan_to_schools_eur: np.ndarray
    plan_expertise_eur: np.ndarray
    lwoo_budget_eur: np.ndarray
    referral_charge_eur: np.ndarray
    expertise_model: np.ndarray
    reserves_eur: np.ndarray


class Settlement(NamedTuple):
    """The alliances' money in one month (national EUR, one entry per alliance)."""

    income: np.ndarray
    lwoo_pro_income: np.ndarray
    deductions: np.ndarray
    arrangements: np.ndarray  # paid to the regular schools
    ambulant: np.ndarray  # arrangements bought as ambulant support from (v)so providers
    expertise: np.ndarray
    lwoo_pro: np.ndarray
    to_schools: np.ndarray
    reserves_kept: np.ndarray
    reserves_drawn: np.ndarray
    lump_sum: np.ndarray  # planned deficit and overspending, deducted from the schools' lump sums
    referral_charges: np.ndarray
    overspent: np.ndarray  # of ``lump_sum``: what the reserves could not cover, which DUO settles with the schools


SETTLEMENT_STREAMS = {"alliance_budget": "income", "alliance_deductions": "deductions", "arrangements": "arrangements",
                      "ambulant_support": "ambulant", "central_expertise": "expertise",
                      "alliance_to_schools": "to_schools", "reserves_kept": "reserves_kept",
                      "reserves_drawn": "reserves_drawn", "lump_sum_deductions": "lump_sum",
                      "referral_charges": "referral_charges", "lwoo_pro_budget": "lwoo_pro_income",
                      "lwoo_pro_by_alliances": "lwoo_pro"}
"""The ledger's stream (``passend.engine.ledger.STREAMS``) of each part of a :class:`Settlement`."""


def settle_month(plan: AlliancePlan, costs: SupportCosts, tlvs_granted: np.ndarray,
                 holds_lwoo_pro: bool) -> Settlement:
    """The alliances' money of one month by the plans they set in August (costs are yearly rates, national EUR;
    ``tlvs_granted`` this month's TLVs, national).

    In: a twelfth of the income (and of the lwoo/pro budget once the alliance holds it) and the referral charges.
    Out: a twelfth of DUO's deductions, of the arrangements, of lwoo/pro, and the plan's twelfth to the schools and to
    central expertise. The alliance buys the expertise-model share of its arrangements as hours of ambulant support
    from the (v)so providers, where the expertise sits (the former REC services), and pays the rest to the regular
    school. A planned deficit is a planned lump-sum deduction. What the plan did not foresee goes to the reserves or
    comes from them (``reserves_kept``, ``reserves_drawn``); what the reserves cannot cover, DUO settles "met de
    reguliere lumpsum bekostiging van de scholen van het samenwerkingsverband" (kst_31497_31), so reserves never run
    below zero and an overspending reaches the schools (``overspent``, part of ``lump_sum``). The reserves absorb
    the chance surprises of a month first, so that the schools do not pay for every dip while an alliance has a
    buffer.
    """
    income = plan.plan_income_eur / 12.0
    deductions, arrangements = costs.deductions / 12.0, costs.arrangements / 12.0
    lwoo_income = np.where(holds_lwoo_pro, plan.lwoo_budget_eur / 12.0, 0.0)
    lwoo_cost = np.where(holds_lwoo_pro, costs.lwoo_pro / 12.0, 0.0)
    charges = tlvs_granted * plan.referral_charge_eur
    to_schools, expertise = np.maximum(plan.plan_to_schools_eur, 0.0) / 12.0, plan.plan_expertise_eur / 12.0
    planned_lump_sum = np.maximum(-plan.plan_to_schools_eur, 0.0) / 12.0
    balance = (income + lwoo_income + charges + planned_lump_sum
               - deductions - arrangements - lwoo_cost - to_schools - expertise)
    kept, short = np.maximum(balance, 0.0), np.maximum(-balance, 0.0)
    drawn = np.minimum(short, np.maximum(plan.reserves_eur, 0.0))
    overspent = short - drawn
    ambulant = arrangements * plan.expertise_model
    return Settlement(income, lwoo_income, deductions, arrangements - ambulant, ambulant, expertise, lwoo_cost,
                      to_schools, kept, drawn, planned_lump_sum + overspent, charges, overspent)


# --- payments per payer ----------------------------------------------------------------------------------------------
def state_month_payments(rugzak_eur: tuple[float, float], n_rugzak: int, n_by_institutions: int, n_special: int,
                         n_special_of_alliances: int, n_sbo_direct: float, n_wsns_pupils: float,
                         n_lwoo_pro_national: int, law: Mapping, scale: float) -> dict[str, float]:
    """What the state pays this month per stream (national EUR), from the simulated numbers of pupils it funds:
    rugzak pupils at this year's amounts (``rugzak_eur``: school part, ambulant support); once the rugzak is
    abolished, the national cluster 1/2 institutions for the pupils they support in regular schools
    (``n_by_institutions``) at the amounts last set, since the money stayed ("het geld blijft beschikbaar",
    kst_31497_113); (v)so places (for the
    alliances' clusters, from budget financing on, only the basic part; DUO takes the supplement from the alliance),
    sbo up to the direct share, the WSNS light-care budget, lwoo and pro while the state funds them directly, and the professionalisation
    budget."""
    month = (1.0 / scale) / 12.0
    place_eur = law["special_school_eur"]
    deducted = n_special_of_alliances if law["budget_financing"] else 0  # before it, the state pays places whole
    # every place gets its basic funding and, unless DUO takes it from an alliance, its supplement
    special_eur = place_eur * (n_special * (1.0 + law["special_supplement_share"])
                               - law["special_supplement_share"] * deducted)
    school_eur, ambulant_eur = rugzak_eur
    return {
        "rugzak_school": n_rugzak * school_eur * month,
        "rugzak_ambulant": n_rugzak * ambulant_eur * month,
        "national_institutions": n_by_institutions * (school_eur + ambulant_eur) * month,
        "special_schools": special_eur * month,
        "sbo_direct": n_sbo_direct * law["sbo_eur"] * month,
        "wsns": n_wsns_pupils * law["wsns_eur"] * month,
        "lwoo_pro": n_lwoo_pro_national * law["lwoo_pro_eur"] * month,
        "professionalisation": law["professionalisation_eur"] / 12.0,
    }


def wsns_month_payments(sbo_over_direct: float, law: Mapping, scale: float) -> dict[str, float]:
    """Under the WSNS rule, sbo pupils above the directly funded share are paid this month (national EUR) partly by
    the referring schools (from their lump sums) and the rest by their WSNS alliance."""
    month = (1.0 / scale) / 12.0
    sbo_eur, pays = law["sbo_eur"], law["sbo_school_pays_fraction"]
    return {"sbo_referring_schools": sbo_over_direct * sbo_eur * pays * month,
            "sbo_wsns": sbo_over_direct * sbo_eur * (1 - pays) * month}


def municipal_month_payments(n_transported: int, n_in_youth_care: int, n_followed: int,
                             officer_eur_per_case_year: float, law: Mapping, scale: float) -> dict[str, float]:
    """What municipalities (and, before the Jeugdwet of 2015, the provinces) pay this month (national EUR): transport
    of the sbo and (v)so pupils they transport, youth care per case, and the attendance officers' time on the cases
    they follow."""
    month = (1.0 / scale) / 12.0
    youth_care = "youth_care_municipalities" if law["youth_care_municipal"] else "youth_care_provinces"
    return {
        "transport": n_transported * law["transport_eur_per_pupil"] * month,
        youth_care: n_in_youth_care * law["youth_care_eur_per_case"] * month,
        "attendance_officers": n_followed * officer_eur_per_case_year * month,
    }


def consultant_month_payments(n_cases: int, eur_per_case: float, scale: float) -> dict[str, float]:
    """What the state pays the onderwijsconsulenten this month (national EUR): their time on the cases taken on."""
    return {"onderwijsconsulenten": n_cases * eur_per_case / scale}


def yearly_amounts(rugzak: np.ndarray, special: np.ndarray, sbo: np.ndarray, lwoo_pro: np.ndarray,
                   rugzak_eur: tuple[float, float], law: Mapping) -> np.ndarray:
    """The extra-support money each pupil brings a year at this month's amounts (EUR): a rugzak, a (v)so place, an
    sbo place or lwoo/pro (masks over the pupils)."""
    cost = np.zeros(len(rugzak))
    cost[rugzak] = rugzak_eur[0] + rugzak_eur[1]
    cost[special] = law["special_school_eur"] * (1.0 + law["special_supplement_share"])  # basic and supplement
    cost[sbo] = law["sbo_eur"]
    cost[lwoo_pro] = law["lwoo_pro_eur"]
    return cost
