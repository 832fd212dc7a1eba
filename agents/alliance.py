"""Alliances (samenwerkingsverbanden: regional partnerships of school boards).

Old system: the primary WSNS alliances ('Weer Samen Naar School') hold the light-care budget and the sbo rule: the
state funds sbo directly up to 2% of the alliance's pupils; above that, referring schools pay part of the cost.

The regions are those of the 77 primary and 75 secondary alliances of passend onderwijs (2014). Simplification,
stated in the manifest: the old-system regions (234 WSNS, 84 secondary light-care alliances, 34 RECs) are not
mapped geographically; WSNS alliances are nested three or four to a primary region, and the secondary regions stand
in for the old secondary alliances. Why: the reform's equalisation is computed per new alliance, so the spread of
special-school use must live on those regions from 2003 on.

Passend onderwijs (from 1 August 2014): each alliance owns the extra-support budget of its region. Income is a
normative amount per pupil: from the alliance's own 1 October 2011 cost per pupil it moves stepwise to the national
average by 2020 (verevening). DUO deducts the supplementary funding of its (v)so pupils (clusters 3/4, by TLV
category) and of sbo above 2%; the alliance pays arrangements for pupils with heavy needs in regular schools, keeps
a little of any surplus as reserve and passes the rest to its schools; a deficit comes out of the reserves and then
out of the schools' lump sums. Its TLV threshold (gatekeeping) rises as its amount per pupil falls below what its
own practice cost per pupil in 2011, so alliances that lose under equalisation tighten and gainers ease a little.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from passend.agents.base import RowValue, TableAgent
from passend.agents.rules import IS_REGULAR
from passend.model.columns import Column, ColumnTable
from passend.model.groups import total_by
from passend.model.population import PRIMARY_GRADES, Setting

if TYPE_CHECKING:
    from passend.model.model import PassendModel

N_PRIMARY_ALLIANCES = 77
N_SECONDARY_ALLIANCES = 75
N_WSNS = 234


class AreaTable(ColumnTable):
    """One row per region (= primary alliance area)."""

    COLUMNS = (
        Column("weight", "float64", 1.0, "share of the country's pupils living here"),
        Column("culture", "float32", 0.0, "referral culture: log-odds added to referral and to choosing special", "logit"),
        Column("secondary_alliance", "int16", 0, "secondary alliance the area belongs to", "index"),
    )


class WsnsTable(ColumnTable):
    COLUMNS = (
        Column("area", "int16", 0, "region", "index"),
        Column("sbo_share", "float64", 0.0, "sbo pupils per primary pupil on the last count date", "fraction"),
        Column("cost_to_school_eur", "float64", 0.0, "what a school pays per year for one more sbo referral", "EUR"),
    )


class AllianceTable(ColumnTable):
    """One row per alliance: the 77 primary (po) first, then the 75 secondary (vo). Money in national euros."""

    COLUMNS = (
        Column("sector", "int8", 0, "0 primary (po), 1 secondary (vo)"),
        Column("gatekeeping", "float64", 0.0, "the alliance's own TLV threshold above the national criterion", "latent need"),
        Column("strictness", "float64", 0.0, "gatekeeping plus the response to the foreseen shortfall", "latent need"),
        Column("doorzettingsmacht_rank", "float64", 0.0, "has doorzettingsmacht while below the share in force", "0-1"),
        Column("school_model", "float64", 1 / 3, "share of the budget passed to schools by a key (little regional policy)", "fraction"),
        Column("expertise_model", "float64", 1 / 3, "share spent on central expertise services", "fraction"),
        Column("pupil_model", "float64", 1 / 3, "share spent on arrangements that follow the pupil", "fraction"),
        Column("lwoo_opt_out_rank", "float64", 1.0, "sets its own lwoo criteria while below the opt-out share in force", "0-1"),
        Column("lwoo_budget_eur", "float64", 0.0, "yearly lwoo/pro budget, frozen on the base count (secondary)", "EUR/year"),
        Column("lwoo_strictness", "float64", 0.0, "added to the lwoo criterion by an alliance with its own criteria", "latent"),
        Column("base_eur_per_pupil", "float64", np.nan, "own extra-support cost per pupil on the base count (2011)", "EUR/year"),
        Column("amount_eur_per_pupil", "float64", 0.0, "budget per pupil this school year (after equalisation)", "EUR/year"),
        Column("pupils", "float64", 0.0, "pupils on the last count (national)", "pupils"),
        Column("shortfall", "float64", 0.0, "base-year cost per pupil over this year's amount per pupil, minus 1", "fraction"),
        Column("reserves_eur", "float64", 0.0, "reserves", "EUR"),
        # Tallies of the twelve months up to the last count date (TALLIES):
        Column("year_income_eur", "float64", 0.0, "income", "EUR"),
        Column("year_deductions_eur", "float64", 0.0, "(v)so supplements and sbo above 2% deducted by DUO", "EUR"),
        Column("year_arrangements_eur", "float64", 0.0, "arrangements in regular schools", "EUR"),
        Column("year_to_schools_eur", "float64", 0.0, "passed to the schools by the alliance's key", "EUR"),
        Column("year_lump_sum_eur", "float64", 0.0, "deducted from the schools' lump sums", "EUR"),
        Column("year_lwoo_pro_eur", "float64", 0.0, "paid to schools for lwoo/pro pupils (from 2016)", "EUR"),
        Column("tlv_low", "float64", 0.0, "TLVs for (v)so granted, category low (national)", "pupils"),
        Column("tlv_medium", "float64", 0.0, "the same, category medium", "pupils"),
        Column("tlv_high", "float64", 0.0, "the same, category high", "pupils"),
        Column("tlv_sbo", "float64", 0.0, "TLVs for sbo granted (national)", "pupils"),
    )


MAX_LOOSENING = 0.25
"""Largest shortfall below zero an alliance acts on (latent need per unit of response): room in the budget eases
admission a little, it does not open the doors."""


class Alliance(TableAgent):
    """A primary (po) or secondary (vo) alliance: reports in the old system, owns the budget from 2014."""

    sector = RowValue()
    gatekeeping = RowValue()
    strictness = RowValue()
    base_eur_per_pupil = RowValue()
    amount_eur_per_pupil = RowValue()
    shortfall = RowValue()
    reserves_eur = RowValue()

    @property
    def name(self) -> str:
        return alliance_name(self.idx)

    def set_amount(self, national_eur_per_pupil: float, progress: float, cut_eur_per_pupil: float = 0.0) -> None:
        """Verevening: from the own base level towards the national amount per pupil; less any national cut."""
        equalised = (1.0 - progress) * self.base_eur_per_pupil + progress * national_eur_per_pupil
        self.amount_eur_per_pupil = max(0.0, equalised - cut_eur_per_pupil)

    def plan_admissions(self, response: float) -> None:
        """Set the TLV threshold for the year from the budget: an alliance whose amount per pupil falls below what its
        own practice cost per pupil in the base year raises the bar in proportion to the gap, one that gains lowers
        it (by at most MAX_LOOSENING per unit of response).

        Why the base-year cost and not this year's spending: the alliance plans on what it knows it will lose or gain
        under equalisation; this year's special-school costs of one alliance are noisy, the more so at small scales,
        and a rule that chased them would make the reform's effect depend on the scale of the run."""
        self.shortfall = self.base_eur_per_pupil / self.amount_eur_per_pupil - 1.0 if self.amount_eur_per_pupil > 0 else 0.0
        self.strictness = self.gatekeeping + response * max(self.shortfall, -MAX_LOOSENING)


SECTORS = ("po", "vo")
"""Sector codes by AllianceTable.sector: primary (primair onderwijs), secondary (voortgezet onderwijs)."""


def alliance_name(idx: int) -> str:
    """'po01'..'po77' for the primary alliances, 'vo01'..'vo75' for the secondary ones."""
    return f"po{idx + 1:02d}" if idx < N_PRIMARY_ALLIANCES else f"vo{idx - N_PRIMARY_ALLIANCES + 1:02d}"


def alliance_of(model: "PassendModel", idx: np.ndarray | None = None) -> np.ndarray:
    """Each pupil's alliance row: the primary alliance of the area below secondary age, else the secondary one."""
    p = model.pupils
    area, cohort = (p.area, p.cohort) if idx is None else (p.area[idx], p.cohort[idx])
    primary = model.school_year - cohort < PRIMARY_GRADES
    return np.where(primary, area, N_PRIMARY_ALLIANCES + model.areas.secondary_alliance[area]).astype(np.int64)


class WsnsAlliance(TableAgent):
    """A WSNS alliance of primary schools (old system, light care)."""

    area = RowValue()
    sbo_share = RowValue()
    cost_to_school_eur = RowValue()

    def apply_sbo_rule(self, direct_share: float, sbo_eur: float, pays_fraction: float) -> None:
        """Above the directly funded share, a referring school pays part of the sbo amount from its care budget."""
        self.cost_to_school_eur = pays_fraction * sbo_eur if self.sbo_share > direct_share else 0.0


def update_wsns(model: "PassendModel") -> None:
    """On the count date: each WSNS alliance's sbo share, and what referral costs its schools this year."""
    p = model.pupils
    wsns_of_pupil = model.schools.wsns[p.school]
    primary = (p.grade(model.school_year) < 8) & (wsns_of_pupil >= 0)
    n = len(model.wsns)
    pupils = total_by(wsns_of_pupil[primary], n)
    sbo = total_by(wsns_of_pupil[primary & (p.registered == Setting.SBO)], n)
    model.wsns.sbo_share = np.divide(sbo, pupils, out=np.zeros(n), where=pupils > 0)
    direct, sbo_eur, pays = (model.law(k) for k in ("sbo_direct_share", "sbo_eur", "sbo_school_pays_fraction"))
    for alliance in model.agents_by_type[WsnsAlliance]:
        alliance.apply_sbo_rule(direct, sbo_eur, pays)


# --- passend onderwijs: money and admissions ---------------------------------------------------------------------
ALLIANCE_CLUSTERS = (3, 4)
"""Clusters 1 and 2 keep national funding and indication outside the alliances (system_facts.toml [new_system])."""


def tlv_category(model: "PassendModel", need: np.ndarray) -> np.ndarray:
    """TLV category by the weight of the need: 0 low, 1 medium, 2 high."""
    medium, high = model.law("tlv_category_need")
    above = need - model.law("indication_criterion")
    return (above >= medium).astype(np.int8) + (above >= high)


def special_supplement_eur(model: "PassendModel", need: np.ndarray) -> np.ndarray:
    """Yearly supplementary funding of a (v)so place by TLV category (the part DUO deducts from the alliance)."""
    factor = np.asarray(model.law("tlv_category_factor"), dtype=np.float64)[tlv_category(model, need)]
    return model.law("special_school_eur") * model.law("special_supplement_share") * factor


class SupportCosts(NamedTuple):
    """Yearly costs per alliance (national EUR) of the extra support its pupils use now, at passend rules."""

    deductions: np.ndarray  # (v)so supplements of clusters 3/4 and sbo above the directly funded 2%
    arrangements: np.ndarray  # pupils with a cluster 3/4 indication in regular schools
    lwoo_pro: np.ndarray  # lwoo and pro pupils at the national amount


def support_costs(model: "PassendModel", per_regular_pupil_eur: float) -> SupportCosts:
    """One pass over the pupils for every cost an alliance carries; arrangements at ``per_regular_pupil_eur``."""
    p = model.pupils
    setting = p.counted_setting()
    alliance = alliance_of(model)
    n = len(model.alliances)
    heavy = np.isin(p.indication, ALLIANCE_CLUSTERS)
    special = heavy & ((setting == Setting.SO) | (setting == Setting.VSO))
    regular = heavy & IS_REGULAR[setting]
    deductions = total_by(alliance[special], n, special_supplement_eur(model, p.need[special]))
    in_school = setting != Setting.EXEMPT
    primary_pupils = total_by(alliance[in_school & (alliance < N_PRIMARY_ALLIANCES)], n)
    sbo = total_by(alliance[setting == Setting.SBO], n)
    deductions += np.maximum(sbo - model.law("sbo_direct_share") * primary_pupils, 0.0) * model.law("sbo_eur")
    arrangements = total_by(alliance[regular], n) * per_regular_pupil_eur
    lwoo_pro = total_by(alliance[(setting == Setting.LWOO) | (setting == Setting.PRO)], n) * model.law("lwoo_pro_eur")
    inv = 1.0 / model.settings.scale
    return SupportCosts(deductions * inv, arrangements * inv, lwoo_pro * inv)


def alliance_pupils(model: "PassendModel") -> np.ndarray:
    p = model.pupils
    in_school = p.setting != Setting.EXEMPT
    return total_by(alliance_of(model)[in_school], len(model.alliances)) / model.settings.scale


def record_base(model: "PassendModel") -> None:
    """On the base count (1 October 2011): each alliance's own cost per pupil under the old amounts, which sets its
    starting budget; the national average is where equalisation ends."""
    costs = support_costs(model, model.state.rugzak_school_eur + model.state.rugzak_ambulant_eur)
    pupils = alliance_pupils(model)
    total = costs.deductions + costs.arrangements  # arrangements here: the rugzak of clusters 3/4
    model.alliances.base_eur_per_pupil = np.divide(total, pupils, out=np.zeros(len(pupils)), where=pupils > 0)
    model.alliances.pupils = pupils
    sector = model.alliances.sector
    model.national_eur_per_pupil = np.array([total[sector == s].sum() / max(pupils[sector == s].sum(), 1.0) for s in (0, 1)])


def record_lwoo_base(model: "PassendModel") -> None:
    """On the lwoo base count (2012): each secondary alliance's lwoo/pro budget, frozen from 2016 on."""
    model.alliances.lwoo_budget_eur = support_costs(model, 0.0).lwoo_pro


def lwoo_with_own_criteria(model: "PassendModel", alliance: np.ndarray) -> np.ndarray:
    """Whether each alliance (row) has left the national lwoo criteria."""
    return model.alliances.lwoo_opt_out_rank[alliance] < model.law("lwoo_opt_out_share")


DISTRIBUTION_MODELS = ("school", "expertise", "pupil")
"""How an alliance spends its budget; AllianceTable has a share column '<name>_model' for each."""


def plan_alliances(model: "PassendModel") -> None:
    """Each August under passend onderwijs: this year's amount per pupil (equalisation, less a national cut spread
    evenly per pupil), the admission policy, and a distribution model if the law prescribes one."""
    a = model.alliances
    a.pupils = alliance_pupils(model)
    progress = model.law("equalisation_progress")
    cut_per_pupil = model.law("alliance_budget_cut_eur") / max(a.pupils.sum(), 1.0)
    for alliance in model.agents_by_type[Alliance]:
        alliance.set_amount(model.national_eur_per_pupil[alliance.sector], progress, cut_per_pupil)
        alliance.plan_admissions(model.behaviour.tlv_budget_response)
    prescribed = model.law("distribution_model")
    if prescribed != "own":
        for name in DISTRIBUTION_MODELS:
            setattr(a, f"{name}_model", np.full(len(a), float(name == prescribed)))
    # Alliances with their own lwoo criteria keep lwoo/pro within the frozen budget, as they keep (v)so within theirs.
    budget = a.lwoo_budget_eur
    overrun = np.divide(support_costs(model, 0.0).lwoo_pro, budget, out=np.ones(len(a)), where=budget > 0) - 1.0
    a.lwoo_strictness = model.behaviour.tlv_budget_response * np.maximum(overrun, -MAX_LOOSENING)


TALLIES = ("year_income_eur", "year_deductions_eur", "year_arrangements_eur", "year_to_schools_eur",
           "year_lump_sum_eur", "year_lwoo_pro_eur", "tlv_low", "tlv_medium", "tlv_high", "tlv_sbo")
"""Alliance columns summed over the twelve months up to a count date; reported and restarted on 1 October."""


def restart_tallies(model: "PassendModel") -> None:
    for column in TALLIES:
        setattr(model.alliances, column, np.zeros(len(model.alliances)))


def alliances_settle_month(model: "PassendModel") -> dict[str, float]:
    """One month of the alliances' money (national EUR): income, DUO's deductions, arrangements, and where a surplus
    or a deficit goes. Returns the national totals per flow for the ledger."""
    a = model.alliances
    income = a.pupils * a.amount_eur_per_pupil / 12.0
    costs = support_costs(model, model.law("arrangement_eur"))
    deductions, arrangements = costs.deductions / 12.0, costs.arrangements / 12.0
    lwoo_income = lwoo_cost = np.zeros(len(a))
    if model.law("lwoo_pro_in_alliances"):
        lwoo_income, lwoo_cost = a.lwoo_budget_eur / 12.0, costs.lwoo_pro / 12.0
    surplus = income + lwoo_income - deductions - arrangements - lwoo_cost
    kept = np.where(surplus > 0, model.behaviour.reserve_retention * surplus, 0.0)
    to_schools = np.where(surplus > 0, surplus - kept, 0.0)
    drawn = np.where(surplus < 0, np.minimum(a.reserves_eur, -surplus), 0.0)
    lump_sum = np.where(surplus < 0, -surplus - drawn, 0.0)
    a.reserves_eur = a.reserves_eur + kept - drawn
    a.year_income_eur = a.year_income_eur + income + lwoo_income
    a.year_deductions_eur = a.year_deductions_eur + deductions
    a.year_arrangements_eur = a.year_arrangements_eur + arrangements
    a.year_to_schools_eur = a.year_to_schools_eur + to_schools
    a.year_lump_sum_eur = a.year_lump_sum_eur + lump_sum
    a.year_lwoo_pro_eur = a.year_lwoo_pro_eur + lwoo_cost
    return {
        "income": income.sum(), "lwoo_pro_income": lwoo_income.sum(), "lwoo_pro": lwoo_cost.sum(),
        "deductions": deductions.sum(), "arrangements": arrangements.sum(), "to_schools": to_schools.sum(),
        "reserves_kept": kept.sum(), "reserves_drawn": drawn.sum(), "lump_sum": lump_sum.sum(),
    }


def count_tlvs(model: "PassendModel", alliance: np.ndarray, category: np.ndarray | None) -> None:
    """Add granted TLVs (national numbers) to this school year's tally; ``category`` None for sbo."""
    a, n, inv = model.alliances, len(model.alliances), 1.0 / model.settings.scale
    if category is None:
        a.tlv_sbo = a.tlv_sbo + total_by(alliance, n) * inv
        return
    for c, column in enumerate(("tlv_low", "tlv_medium", "tlv_high")):
        setattr(a, column, getattr(a, column) + total_by(alliance[category == c], n) * inv)
