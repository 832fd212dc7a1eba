"""Alliances (samenwerkingsverbanden: regional partnerships of school boards).

Old system: the primary WSNS alliances ('Weer Samen Naar School') hold the light-care budget and the sbo rule: the
state funds sbo directly up to 2% of the alliance's pupils; above that, referring schools pay part of the cost.

The regions are those of the 77 primary and 75 secondary alliances of passend onderwijs (2014). Simplification,
stated in the manifest: the old-system regions (234 WSNS, 84 secondary light-care alliances, 34 RECs) are not
mapped geographically; WSNS alliances are nested three or four to a primary region, and the secondary regions stand
in for the old secondary alliances. Why: the reform's equalisation is computed per new alliance, so the spread of
special-school use must live on those regions from 2003 on.

When the alliances are in charge (passend onderwijs, from 1 August 2014), each owns the extra-support budget of its
region. Income is a normative amount per pupil: from the alliance's own 1 October 2011 cost per pupil it moves
stepwise to the national average by 2020 (verevening). DUO deducts the supplementary funding of its (v)so pupils (the
rule set's alliance clusters, by TLV category) and of sbo above 2%; the alliance pays arrangements for pupils with
heavy needs in regular schools, keeps a little of any surplus as reserve and passes the rest to its schools; a
deficit comes out of the reserves and then out of the schools' lump sums. Its TLV threshold (gatekeeping) rises as
its amount per pupil falls below what its own practice cost per pupil in 2011, so alliances that lose under
equalisation tighten and gainers ease a little.

The decisions of one alliance are methods of :class:`Alliance` (there are 152); what concerns the pupils of all
alliances at once (what their support costs) is a function over pupil rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from passend.agents.base import RowValue, TableAgent
from passend.agents.rules import IS_REGULAR
from passend.model.columns import Column, ColumnTable
from passend.model.groups import total_by
from passend.model.population import Setting

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


TALLIES = ("year_income_eur", "year_deductions_eur", "year_arrangements_eur", "year_to_schools_eur",
           "year_lump_sum_eur", "year_lwoo_pro_eur", "tlv_low", "tlv_medium", "tlv_high", "tlv_sbo")
"""Alliance columns summed over the twelve months up to a count date; each alliance restarts them on 1 October,
after the count has been taken."""

MAX_LOOSENING = 0.25
"""Largest shortfall below zero an alliance acts on (latent need per unit of response): room in the budget eases
admission a little, it does not open the doors."""

DISTRIBUTION_MODELS = ("school", "expertise", "pupil")
"""How an alliance spends its budget; AllianceTable has a share column '<name>_model' for each."""

SECTORS = ("po", "vo")
"""Sector codes by AllianceTable.sector: primary (primair onderwijs), secondary (voortgezet onderwijs)."""


class Settlement(NamedTuple):
    """One alliance's money in one month (national EUR)."""

    income: float
    lwoo_pro_income: float
    deductions: float
    arrangements: float
    lwoo_pro: float
    to_schools: float
    reserves_kept: float
    reserves_drawn: float
    lump_sum: float


class Alliance(TableAgent):
    """A primary (po) or secondary (vo) alliance: reports in the old system, owns the budget when in charge."""

    sector = RowValue()
    gatekeeping = RowValue()
    strictness = RowValue()
    base_eur_per_pupil = RowValue()
    amount_eur_per_pupil = RowValue()
    pupils = RowValue()
    shortfall = RowValue()
    reserves_eur = RowValue()
    lwoo_budget_eur = RowValue()
    lwoo_strictness = RowValue()
    school_model = RowValue()
    expertise_model = RowValue()
    pupil_model = RowValue()

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

    def follow_prescribed_model(self, name: str) -> None:
        """Spend the whole budget by the distribution model the law prescribes (one of DISTRIBUTION_MODELS)."""
        for model in DISTRIBUTION_MODELS:
            setattr(self, f"{model}_model", float(model == name))

    def plan_lwoo_criteria(self, lwoo_pro_cost_eur: float, response: float) -> None:
        """An alliance with its own lwoo criteria keeps lwoo/pro within its frozen budget, as it keeps (v)so within its
        budget: the criterion rises with this year's overrun."""
        budget = self.lwoo_budget_eur
        overrun = lwoo_pro_cost_eur / budget - 1.0 if budget > 0 else 0.0
        self.lwoo_strictness = response * max(overrun, -MAX_LOOSENING)

    def settle_month(self, deductions_eur: float, arrangements_eur: float, lwoo_pro_cost_eur: float,
                     holds_lwoo_pro: bool, retention: float) -> Settlement:
        """One month's money: a twelfth of the year's budget in (and of the lwoo/pro budget once the alliance holds
        it), a twelfth of DUO's deductions, the arrangements and lwoo/pro out; a surplus partly to reserves
        (``retention``) and the rest to the schools, a deficit from the reserves and then from the schools' lump sums.
        Costs are yearly rates (national EUR per year)."""
        income = self.pupils * self.amount_eur_per_pupil / 12.0
        deductions, arrangements = deductions_eur / 12.0, arrangements_eur / 12.0
        lwoo_income = self.lwoo_budget_eur / 12.0 if holds_lwoo_pro else 0.0
        lwoo_cost = lwoo_pro_cost_eur / 12.0 if holds_lwoo_pro else 0.0
        surplus = income + lwoo_income - deductions - arrangements - lwoo_cost
        kept = retention * surplus if surplus > 0 else 0.0
        to_schools = surplus - kept if surplus > 0 else 0.0
        drawn = min(self.reserves_eur, -surplus) if surplus < 0 else 0.0
        lump_sum = -surplus - drawn if surplus < 0 else 0.0
        self.reserves_eur = self.reserves_eur + kept - drawn
        return Settlement(income, lwoo_income, deductions, arrangements, lwoo_cost, to_schools, kept, drawn, lump_sum)


def alliance_name(idx: int) -> str:
    """'po01'..'po77' for the primary alliances, 'vo01'..'vo75' for the secondary ones."""
    return f"po{idx + 1:02d}" if idx < N_PRIMARY_ALLIANCES else f"vo{idx - N_PRIMARY_ALLIANCES + 1:02d}"


def alliance_of(area: np.ndarray, primary: np.ndarray, secondary_alliance_of_area: np.ndarray) -> np.ndarray:
    """Each pupil's alliance row: the primary alliance of the area below secondary age, else the secondary one."""
    return np.where(primary, area, N_PRIMARY_ALLIANCES + secondary_alliance_of_area[area]).astype(np.int64)


class WsnsAlliance(TableAgent):
    """A WSNS alliance of primary schools (old system, light care)."""

    area = RowValue()
    sbo_share = RowValue()
    cost_to_school_eur = RowValue()

    def apply_sbo_rule(self, direct_share: float, sbo_eur: float, pays_fraction: float) -> None:
        """Above the directly funded share, a referring school pays part of the sbo amount from its care budget."""
        self.cost_to_school_eur = pays_fraction * sbo_eur if self.sbo_share > direct_share else 0.0


def wsns_sbo_shares(wsns_of_pupil: np.ndarray, in_sbo: np.ndarray, n_wsns: int) -> np.ndarray:
    """Each WSNS alliance's sbo pupils per primary pupil (``wsns_of_pupil``: its primary pupils' alliances)."""
    pupils = total_by(wsns_of_pupil, n_wsns)
    return np.divide(total_by(wsns_of_pupil[in_sbo], n_wsns), pupils, out=np.zeros(n_wsns), where=pupils > 0)


def wsns_month_payments(sbo_over_direct: float, law: Mapping, scale: float) -> dict[str, float]:
    """Under the WSNS rule, sbo pupils above the directly funded share are paid this month (national EUR) partly by
    the referring schools (from their lump sums) and the rest by their WSNS alliance."""
    month = (1.0 / scale) / 12.0
    sbo_eur, pays = law["sbo_eur"], law["sbo_school_pays_fraction"]
    return {"sbo_referring_schools": sbo_over_direct * sbo_eur * pays * month,
            "sbo_wsns": sbo_over_direct * sbo_eur * (1 - pays) * month}


def wsns_sbo_over_direct(wsns_pupils: np.ndarray, wsns_sbo: np.ndarray, direct_share: float) -> tuple[float, float]:
    """sbo pupils funded directly by the state (up to ``direct_share`` of each WSNS alliance's pupils) and those
    above it, summed over the alliances."""
    direct = np.minimum(wsns_sbo, direct_share * wsns_pupils).sum()
    return direct, wsns_sbo.sum() - direct


# --- alliances in charge: what support costs, and the budget --------------------------------------------------------
def tlv_category(need_above_criterion: np.ndarray, category_need: tuple[float, float]) -> np.ndarray:
    """TLV category by the weight of the need: 0 low, 1 medium, 2 high."""
    medium, high = category_need
    return (need_above_criterion >= medium).astype(np.int8) + (need_above_criterion >= high)


def special_supplement_eur(need: np.ndarray, law: Mapping) -> np.ndarray:
    """Yearly supplementary funding of a (v)so place by TLV category (the part DUO deducts from the alliance)."""
    category = tlv_category(need - law["indication_criterion"], law["tlv_category_need"])
    factor = np.asarray(law["tlv_category_factor"], dtype=np.float64)[category]
    return law["special_school_eur"] * law["special_supplement_share"] * factor


class SupportCosts(NamedTuple):
    """Yearly costs per alliance (national EUR) of the extra support its pupils use now."""

    deductions: np.ndarray  # (v)so supplements of the alliance's clusters and sbo above the directly funded 2%
    arrangements: np.ndarray  # pupils with an indication of the alliance's clusters in regular schools
    lwoo_pro: np.ndarray  # lwoo and pro pupils at the national amount


def support_costs(alliance: np.ndarray, setting: np.ndarray, indication: np.ndarray, need: np.ndarray,
                  clusters: tuple[int, ...], per_regular_pupil_eur: float, include_sbo: bool, law: Mapping,
                  n_alliances: int, scale: float) -> SupportCosts:
    """What the pupils of each alliance cost it a year, from every pupil's alliance, counted setting, indication and
    need: the supplements of (v)so places and arrangements in regular schools for indications of ``clusters`` (at
    ``per_regular_pupil_eur`` each), sbo above the directly funded share (if ``include_sbo``), and lwoo/pro."""
    n = n_alliances
    heavy = np.isin(indication, clusters)
    special = heavy & ((setting == Setting.SO) | (setting == Setting.VSO))
    regular = heavy & IS_REGULAR[setting]
    deductions = total_by(alliance[special], n, special_supplement_eur(need[special], law))
    if include_sbo:
        in_school = setting != Setting.EXEMPT
        primary_pupils = total_by(alliance[in_school & (alliance < N_PRIMARY_ALLIANCES)], n)
        sbo = total_by(alliance[setting == Setting.SBO], n)
        deductions += np.maximum(sbo - law["sbo_direct_share"] * primary_pupils, 0.0) * law["sbo_eur"]
    arrangements = total_by(alliance[regular], n) * per_regular_pupil_eur
    inv = 1.0 / scale
    return SupportCosts(deductions * inv, arrangements * inv, lwoo_pro_costs(alliance, setting, law["lwoo_pro_eur"], n, scale))


def lwoo_pro_costs(alliance: np.ndarray, setting: np.ndarray, lwoo_pro_eur: float, n_alliances: int,
                   scale: float) -> np.ndarray:
    """What the lwoo and pro pupils of each alliance cost a year at the national amount (national EUR)."""
    lwoo_pro = total_by(alliance[(setting == Setting.LWOO) | (setting == Setting.PRO)], n_alliances) * lwoo_pro_eur
    return lwoo_pro * (1.0 / scale)


def budget_base(costs: SupportCosts, pupils: np.ndarray, sector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """On the base count (1 October 2011): each alliance's own extra-support cost per pupil under the old amounts,
    which sets its starting budget, and the national average per sector, where equalisation ends."""
    total = costs.deductions + costs.arrangements  # arrangements here: the rugzak of the budget's clusters
    own = np.divide(total, pupils, out=np.zeros(len(pupils)), where=pupils > 0)
    national = np.array([total[sector == s].sum() / max(pupils[sector == s].sum(), 1.0) for s in (0, 1)])
    return own, national


def grant_tlv(judged_need: np.ndarray, criterion: float, strictness: np.ndarray) -> np.ndarray:
    """The alliance grants a toelaatbaarheidsverklaring (TLV) when the need it reads in the file clears the national
    criterion plus its own strictness (its gatekeeping and its response to the budget)."""
    return judged_need > criterion + strictness


def with_own_lwoo_criteria(opt_out_rank: np.ndarray, opt_out_share: float) -> np.ndarray:
    """Whether each alliance (row) has left the national lwoo criteria."""
    return opt_out_rank < opt_out_share


def tlvs_by_alliance(alliance: np.ndarray, category: np.ndarray | None, n_alliances: int, scale: float) -> dict[str, np.ndarray]:
    """Granted TLVs per alliance and tally column (national numbers); ``category`` None for sbo."""
    inv = 1.0 / scale
    if category is None:
        return {"tlv_sbo": total_by(alliance, n_alliances) * inv}
    return {column: total_by(alliance[category == c], n_alliances) * inv
            for c, column in enumerate(("tlv_low", "tlv_medium", "tlv_high"))}
