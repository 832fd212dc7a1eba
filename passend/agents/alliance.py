"""Alliances (samenwerkingsverbanden: regional partnerships of school boards).

Old system: the primary WSNS alliances ('Weer Samen Naar School') hold the light-care budget and the sbo rule: the
state funds sbo directly up to 2% of the alliance's pupils; above that, referring schools pay part of the cost
(:func:`passend.engine.funding.sbo_referral_cost_eur`; the WSNS alliance decides nothing in the model).

The regions are those of the 77 primary and 75 secondary alliances of passend onderwijs (2014). Simplification,
stated in the manifest: the old-system regions (234 WSNS, 84 secondary light-care alliances, 34 RECs) are not
mapped geographically; WSNS alliances are nested three or four to a primary region, and the secondary regions stand
in for the old secondary alliances. Why: the reform's equalisation is computed per new alliance, so the spread of
special-school use must live on those regions from 2003 on.

When the alliances are in charge (passend onderwijs, from 1 August 2014), each owns the extra-support budget of its
region. Income is a normative amount per pupil: from the alliance's own 1 October 2011 cost per pupil it moves
stepwise to the national average by 2020 (verevening). Each August the alliance sets its ondersteuningsplan (support
plan) from what it knows: next year's income, what its pupils in (v)so and sbo cost it now (DUO deducts the
supplement of every TLV by category, and sbo above 2%), what its arrangements cost, its reserves against the
Inspectorate's signalling value. It decides its reserve policy, its TLV thresholds (a general one from the budget
pressure, and one per TLV category from what a TLV costs it against the arrangement that would keep the pupil in a
regular school), what is left for its schools, its central expertise and arrangements (by its distribution model: the
school, expertise and pupil model as a mix), and a charge to referring schools for the part of a TLV its budget does
not cover. During the year it sees its costs come in against the plan and tightens or loosens; what the plan did not
foresee goes to or comes from its reserves (:func:`passend.engine.funding.settle_month`).

The law's arithmetic the alliance faces (the budget base, equalisation, DUO's prices and deductions, the 2% rule, the
signalling value of reserves, a month's settlement) lives in :mod:`passend.engine.funding`; here are its decisions.

How the money stays the same at every scale: every amount an alliance plans is a yearly rate per pupil it has (costs
per pupil times pupils, national euros), and a surprise within the year goes to the reserves first: only the planned
deficit and an overspending beyond the reserves reach the schools' lump sums (DUO settles it there, kst_31497_31), so
the sampling noise of a small run (an alliance of a 2% sample has a handful of (v)so pupils) becomes a flow of money
only where an alliance has no buffer left. Reserves never run below zero.

The decisions of one alliance are methods of :class:`Alliance` (there are 152), written elementwise so that
:meth:`~passend.agents.base.TableAgent.every_row` takes them for all alliances in one call; what concerns the pupils of
all alliances at once (which arrangement a need asks, a TLV) is a function over pupil rows.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from passend.agents.base import RowValue, TableAgent
from passend.engine import funding
from passend.engine.behaviour import Behaviour
from passend.engine.columns import Column, ColumnTable
from passend.engine.groups import total_by

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
        Column("strictness", "float64", 0.0, "gatekeeping, caution while its record is short, and the response to the foreseen shortfall", "latent need"),
        Column("doorzettingsmacht_rank", "float64", 0.0, "has doorzettingsmacht while below the share in force", "0-1"),
        Column("doorzettingsmacht_arranged", "bool", False, "arranged doorzettingsmacht itself, on the Inspectorate's signal on thuiszitters"),
        Column("reserves_instructed", "bool", False, "the Inspectorate instructed it to spend its reserves down to the signalling value this year"),
        Column("thuiszitters_signalled", "bool", False, "the Inspectorate signalled more children at home over three months than in the country"),
        Column("school_model", "float64", 1 / 3, "share of the budget passed to schools by a key (little regional policy)", "fraction"),
        Column("expertise_model", "float64", 1 / 3, "share spent on central expertise services", "fraction"),
        Column("pupil_model", "float64", 1 / 3, "share spent on arrangements that follow the pupil", "fraction"),
        Column("lwoo_opt_out_rank", "float64", 1.0, "sets its own lwoo criteria while below the opt-out share in force", "0-1"),
        Column("lwoo_budget_eur", "float64", 0.0, "yearly lwoo/pro budget: the base count's participation times this year's pupils (secondary)", "EUR/year"),
        Column("lwoo_budget_eur_per_pupil", "float64", 0.0, "lwoo/pro cost per pupil on the base count (2012): its participation, frozen", "EUR/year"),
        Column("lwoo_strictness", "float64", 0.0, "added to the lwoo criterion by an alliance with its own criteria", "latent"),
        Column("base_eur_per_pupil", "float64", np.nan, "own extra-support cost per pupil on the base count (2011)", "EUR/year"),
        Column("amount_eur_per_pupil", "float64", 0.0, "budget per pupil this school year (after equalisation)", "EUR/year"),
        Column("pupils", "float64", 0.0, "pupils on the last count (national)", "pupils"),
        Column("shortfall", "float64", 0.0, "expected deductions over the share of income meant for them, minus 1 (sets the referral charge)", "fraction"),
        Column("budget_loss", "float64", 0.0, "own cost per pupil on the base count (2011) over the amount per pupil it plans on, minus 1", "fraction"),
        Column("reserves_eur", "float64", 0.0, "reserves", "EUR"),
        # The ondersteuningsplan of this school year (yearly rates, national EUR), set each August:
        Column("plan_income_eur", "float64", 0.0, "income (pupils x amount per pupil)", "EUR/year"),
        Column("plan_deductions_eur", "float64", 0.0, "expected DUO deductions: (v)so supplements and sbo above 2% now", "EUR/year"),
        Column("plan_arrangements_eur", "float64", 0.0, "expected cost of the arrangements in its regular schools", "EUR/year"),
        Column("plan_reserve_change_eur", "float64", 0.0, "planned addition to (negative: draw from) the reserves", "EUR/year"),
        Column("reserve_precaution_eur", "float64", 0.0, "reserves it keeps above the signalling value against the coming fall of its income under equalisation (its risk analysis)", "EUR"),
        Column("plan_to_schools_eur", "float64", 0.0, "passed to the schools by its key (negative: a planned lump-sum deduction)", "EUR/year"),
        Column("plan_expertise_eur", "float64", 0.0, "central expertise and bovenschoolse voorzieningen", "EUR/year"),
        Column("plan_arrangement_budget_eur", "float64", 0.0, "budget for arrangements that follow the pupil (pupil model)", "EUR/year"),
        Column("tlv_substitution_low", "float64", 0.0, "added to the TLV threshold of category low: a TLV dearer than the arrangement", "latent need"),
        Column("tlv_substitution_medium", "float64", 0.0, "the same, category medium", "latent need"),
        Column("tlv_substitution_high", "float64", 0.0, "the same, category high", "latent need"),
        Column("in_year_adjustment", "float64", 0.0, "added to the TLV thresholds when this year's costs run above plan", "latent need"),
        Column("referral_charge_eur", "float64", 0.0, "charged to a school for each TLV its alliance cannot cover", "EUR"),
        Column("months_booked", "float64", 0.0, "months booked since the plan was set", "months"),
        Column("ytd_costs_eur", "float64", 0.0, "deductions booked since the plan was set", "EUR"),
        Column("plan_overspent_eur", "float64", 0.0, "overspending DUO settled with the schools' lump sums since the plan was set", "EUR"),
        Column("base_deduction_share", "float64", 0.0, "share of its base-count cost that (v)so and sbo deductions took", "fraction"),
        Column("arrangement_reach", "float64", 0.0, "how far below the national criterion it arranges support", "latent need"),
        Column("sbo_marginal_eur", "float64", 0.0, "what one more or one fewer sbo pupil costs it a year (above 2%)", "EUR"),
        Column("years_of_record", "float64", 0.0, "school years of its own deductions the alliance has seen when it plans", "years"),
        Column("start_caution", "float64", 0.0, "added to its TLV thresholds while its own cost record is short", "latent need"),
        # Tallies of the twelve months up to the last count date (TALLIES):
        Column("year_income_eur", "float64", 0.0, "income", "EUR"),
        Column("year_deductions_eur", "float64", 0.0, "(v)so supplements and sbo above 2% deducted by DUO", "EUR"),
        Column("year_arrangements_eur", "float64", 0.0, "arrangements in regular schools", "EUR"),
        Column("year_ambulant_eur", "float64", 0.0, "of which bought as ambulant support from (v)so providers", "EUR"),
        Column("year_to_schools_eur", "float64", 0.0, "passed to the schools by the alliance's key", "EUR"),
        Column("year_lump_sum_eur", "float64", 0.0, "deducted from the schools' lump sums", "EUR"),
        Column("year_overspent_eur", "float64", 0.0, "of which overspending beyond the reserves (not planned)", "EUR"),
        Column("year_lwoo_pro_eur", "float64", 0.0, "paid to schools for lwoo/pro pupils (from 2016)", "EUR"),
        Column("year_expertise_eur", "float64", 0.0, "central expertise", "EUR"),
        Column("year_referral_charges_eur", "float64", 0.0, "charged to referring schools for TLVs", "EUR"),
        Column("tlv_low", "float64", 0.0, "TLVs for (v)so granted, category low (national)", "pupils"),
        Column("tlv_medium", "float64", 0.0, "the same, category medium", "pupils"),
        Column("tlv_high", "float64", 0.0, "the same, category high", "pupils"),
        Column("tlv_sbo", "float64", 0.0, "TLVs for sbo granted (national)", "pupils"),
    )


TALLIES = ("year_income_eur", "year_deductions_eur", "year_arrangements_eur", "year_to_schools_eur",
           "year_lump_sum_eur", "year_overspent_eur", "year_lwoo_pro_eur", "year_expertise_eur",
           "year_referral_charges_eur", "year_ambulant_eur", "tlv_low", "tlv_medium", "tlv_high", "tlv_sbo")
"""Alliance columns summed over the twelve months up to a count date; each alliance restarts them on 1 October,
after the count has been taken."""

MAX_LOOSENING = 0.25
"""Largest shortfall below zero an alliance acts on (latent need per unit of response): room in the budget eases
admission a little, it does not open the doors."""

DISTRIBUTION_MODELS = ("school", "expertise", "pupil")
"""How an alliance spends its budget; AllianceTable has a share column '<name>_model' for each."""

TLV_CATEGORIES = ("low", "medium", "high")
"""TLV categories by the weight of the need (:func:`tlv_category`); each has its own threshold in an alliance."""
CATEGORY_TYPICAL_NEED = (0.3, 0.95, 1.8)
"""Typical need above the national criterion of a pupil in each TLV category, by which an alliance prices the
arrangement that would keep such a pupil in a regular school (the middle of low and medium, half a unit into high)."""

SECTORS = ("po", "vo")
"""Sector codes by AllianceTable.sector: primary (primair onderwijs), secondary (voortgezet onderwijs)."""


class Alliance(TableAgent):
    """A primary (po) or secondary (vo) alliance: reports in the old system, owns the budget when in charge."""

    sector = RowValue()
    gatekeeping = RowValue()
    strictness = RowValue()
    base_eur_per_pupil = RowValue()
    amount_eur_per_pupil = RowValue()
    pupils = RowValue()
    shortfall = RowValue()
    budget_loss = RowValue()
    reserves_eur = RowValue()
    doorzettingsmacht_arranged = RowValue()
    reserves_instructed = RowValue()
    reserve_precaution_eur = RowValue()
    thuiszitters_signalled = RowValue()
    lwoo_budget_eur = RowValue()
    lwoo_strictness = RowValue()
    school_model = RowValue()
    expertise_model = RowValue()
    pupil_model = RowValue()
    base_deduction_share = RowValue()
    plan_income_eur = RowValue()
    plan_deductions_eur = RowValue()
    plan_arrangements_eur = RowValue()
    plan_reserve_change_eur = RowValue()
    plan_to_schools_eur = RowValue()
    plan_expertise_eur = RowValue()
    plan_arrangement_budget_eur = RowValue()
    arrangement_reach = RowValue()
    years_of_record = RowValue()
    sbo_marginal_eur = RowValue()
    start_caution = RowValue()
    tlv_substitution_low = RowValue()
    tlv_substitution_medium = RowValue()
    tlv_substitution_high = RowValue()
    in_year_adjustment = RowValue()
    referral_charge_eur = RowValue()
    months_booked = RowValue()
    ytd_costs_eur = RowValue()
    plan_overspent_eur = RowValue()

    @property
    def name(self) -> str:
        return alliance_name(self.idx)

    def plan_reserves(self, income_eur: float, law: Mapping, b: Behaviour, coming_fall_eur: np.ndarray | float = 0.0) -> None:
        """The reserve policy of the year (EUR/year, negative = draw): the alliance aims at ``reserve_target`` times the
        Inspectorate's signalling value (a share of income, at least a minimum; reserves above it are flagged), plus a
        precaution against the fall of its income that the announced equalisation path will bring
        (``reserve_precaution`` years of ``coming_fall_eur``, the yearly fall by the path's end: an alliance that
        loses under verevening puts money aside in the first years to soften it, and spends it as the fall comes), and
        closes ``reserve_adjustment_rate`` of the gap in a year, spending an excess and rebuilding a shortfall (or a
        deficit it carried) alike. One linear rule both ways: a rule that spent an excess but rebuilt slowly would turn
        chance surpluses and deficits into a flow to the schools. An alliance the Inspectorate instructed spends at
        least the whole excess over the signalling value and its precaution (which its risk analysis justifies) this
        year."""
        signal = funding.reserve_signal_eur(income_eur, law)
        self.reserve_precaution_eur = b.reserve_precaution * np.asarray(coming_fall_eur, dtype=np.float64)
        accepted = signal + self.reserve_precaution_eur
        own_policy = b.reserve_adjustment_rate * (b.reserve_target * signal + self.reserve_precaution_eur
                                                  - self.reserves_eur)
        # instructed by the Inspectorate: the whole excess over what it accepts goes this year, at least
        instructed = np.minimum(own_policy, accepted - self.reserves_eur)
        self.plan_reserve_change_eur = np.where(self.reserves_instructed, instructed, own_policy)

    def planning_amount(self, national_eur_per_pupil: float, progress_path: list[float], cut_eur_per_pupil: float) -> float:
        """The amount per pupil the alliance plans on: the mean over the coming years of what the announced
        equalisation path (``progress_path``, this year first) will give it."""
        return funding.amount_per_pupil(self.base_eur_per_pupil, national_eur_per_pupil, progress_path, cut_eur_per_pupil)

    def plan_budget(self, income_eur: float, deductions_eur: float, arrangements_eur: float,
                    planning_income_eur: float | None = None) -> None:
        """The ondersteuningsplan: what DUO will deduct (the supplements of its pupils in (v)so now, and sbo above 2%)
        comes off the top with the planned reserve change; the rest is spread by the distribution mix over its schools
        (by its key, per pupil), central expertise and a budget for arrangements (the pupil model). A budget that does
        not cover the deductions is a planned deficit: the schools' lump sums pay it.

        The shortfall compares the deductions with what the alliance means to spend on (v)so and sbo: the same share of
        its income as on the base count (it plans to keep special education at the level it had); the budget loss
        compares its base-count cost per pupil with the amount it plans on. Both weigh the income it plans on
        (``planning_income_eur``: over the announced equalisation path; default this year's), so that an alliance
        acts on a loss it knows is coming."""
        self.plan_income_eur, self.plan_deductions_eur, self.plan_arrangements_eur = income_eur, deductions_eur, arrangements_eur
        disposable = income_eur - deductions_eur - self.plan_reserve_change_eur
        room = np.maximum(disposable, 0.0)
        self.plan_to_schools_eur = np.where(disposable > 0, self.school_model * room, disposable)
        self.plan_expertise_eur = self.expertise_model * room
        self.plan_arrangement_budget_eur = self.pupil_model * room
        planning = income_eur if planning_income_eur is None else planning_income_eur
        referral_budget = planning * self.base_deduction_share
        self.shortfall = _relative_excess(deductions_eur, referral_budget)
        base = self.base_eur_per_pupil  # NaN for an alliance without a base count: no loss to respond to
        self.budget_loss = np.where(np.isfinite(base), _relative_excess(np.nan_to_num(base) * self.pupils, planning),
                                    0.0)

    def plan_arrangements(self, b: Behaviour) -> None:
        """How far below the national criterion the alliance arranges support in regular schools: it reaches further
        while its arrangements cost less than its arrangement budget, and draws back when they cost more, by
        ``arrangement_reach_step`` per unit of the budget's relative surplus (between -1 and 1), between 0 and
        ``arrangement_reach_max``. Linear in the cost, so that the chance in a small run's few arrangements does not
        move the reach one way on average (a budget of almost nothing counts as 1% of income)."""
        budget, spent = self.plan_arrangement_budget_eur, self.plan_arrangements_eur
        scale = np.maximum(np.maximum(budget, 0.01 * self.plan_income_eur), 1.0)
        surplus = np.clip((budget - spent) / scale, -1.0, 1.0)
        self.arrangement_reach = np.clip(self.arrangement_reach + b.arrangement_reach_step * surplus, 0.0,
                                         b.arrangement_reach_max)

    def set_tlv_policy(self, category_saving_eur: np.ndarray, medium_supplement_eur: float, b: Behaviour) -> None:
        """The TLV thresholds for the year. The general one (also for sbo) is the alliance's own gatekeeping plus its
        response to its budget loss (``tlv_budget_response`` per unit of ``budget_loss``: what it spent per pupil on
        the base count over the amount it plans on, minus 1; an alliance that loses under equalisation or a cut
        tightens, one that gains eases by at most MAX_LOOSENING per unit of response). The response reads the
        money the law gives, not the alliance's own deductions, so that it cannot feed on itself: an alliance whose
        caution lowered its deductions does not read that as room to admit more. Per TLV category, the alliance
        raises the bar by what a TLV costs it above the arrangement that would keep such a pupil in a regular school
        (``category_saving_eur``, EUR a year per category; a TLV cheaper than the arrangement lowers it). When its deductions will overrun what it means to spend on them, it charges
        the referring school the part of a TLV's supplement (category medium) that is not covered: the overrun over
        the deductions (``shortfall``: its deductions now over the share of its income meant for them, minus 1).

        A new alliance does not yet know what its own pupils will cost it: it adds a margin of caution that halves,
        then thirds, as its record of its own deductions grows (``tlv_start_caution`` / (1 + years of record))."""
        self.start_caution = b.tlv_start_caution / (1.0 + self.years_of_record)
        self.years_of_record = self.years_of_record + 1.0
        self.strictness = (self.gatekeeping + self.start_caution
                           + b.tlv_budget_response * np.maximum(self.budget_loss, -MAX_LOOSENING))
        self.in_year_adjustment = 0.0
        self.months_booked, self.ytd_costs_eur, self.plan_overspent_eur = 0.0, 0.0, 0.0
        for category, saving in zip(TLV_CATEGORIES, category_saving_eur):
            setattr(self, f"tlv_substitution_{category}", b.tlv_substitution * saving / 1000.0)
        uncovered = np.maximum(self.shortfall, 0.0) / (1.0 + np.maximum(self.shortfall, 0.0))
        self.referral_charge_eur = uncovered * medium_supplement_eur

    def answer_thuiszitter_signal(self, pact: bool, u: float, b: Behaviour) -> None:
        """On the Inspectorate's signal on thuiszitters, an alliance without doorzettingsmacht arranges it (someone
        who can decide where a stuck child goes) with the yearly chance ``doorzettingsmacht_adoption``, once the
        Thuiszitterspact asks it of every alliance (``pact``); arranged, it keeps it."""
        adopts = pact & self.thuiszitters_signalled & (u < b.doorzettingsmacht_adoption)
        self.doorzettingsmacht_arranged = self.doorzettingsmacht_arranged | adopts

    def revise_distribution_model(self, step: float) -> None:
        """With a new ondersteuningsplan (every ``support_plan_years``) the alliance revisits its mix of distribution
        models, moving ``step`` of it towards the model that answers what its last plan period showed: more children
        at home than the country (the Inspectorate's signal): the pupil model, whose arrangements follow the child;
        deductions above what it budgets for special education: the expertise model, whose central services help
        schools keep pupils; neither: the school model, which leaves the money to the schools. The mix stays a mix."""
        target = np.where(self.thuiszitters_signalled, 2, np.where(self.shortfall > 0, 1, 0))
        for k, model in enumerate(DISTRIBUTION_MODELS):
            share = getattr(self, f"{model}_model")
            setattr(self, f"{model}_model", (1.0 - step) * share + step * (target == k))

    def follow_prescribed_model(self, name: str) -> None:
        """Spend the whole budget by the distribution model the law prescribes (one of DISTRIBUTION_MODELS)."""
        for model in DISTRIBUTION_MODELS:
            setattr(self, f"{model}_model", float(model == name))

    def plan_lwoo_criteria(self, lwoo_pro_cost_eur: float, response: float) -> None:
        """An alliance with its own lwoo criteria keeps lwoo/pro within its frozen budget, as it keeps (v)so within its
        budget: the criterion rises with this year's overrun."""
        overrun = _relative_excess(lwoo_pro_cost_eur, self.lwoo_budget_eur)
        self.lwoo_strictness = response * np.maximum(overrun, -MAX_LOOSENING)

    def review_month(self, deductions_eur: float, b: Behaviour) -> None:
        """During the year the alliance sees DUO's deductions come in (a month's worth of the yearly rate) against its
        plan, and moves its TLV thresholds by how far the year so far runs above (tighter) or below
        (looser, at most MAX_LOOSENING) the plan."""
        self.months_booked = self.months_booked + 1.0
        self.ytd_costs_eur = self.ytd_costs_eur + deductions_eur / 12.0
        planned = self.plan_deductions_eur * self.months_booked / 12.0
        overrun = _relative_excess(self.ytd_costs_eur, planned)
        self.in_year_adjustment = b.tlv_in_year_response * np.maximum(overrun, -MAX_LOOSENING)

def _relative_excess(cost, budget):
    """How far ``cost`` runs above ``budget`` (a fraction; 0 without a budget)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(budget > 0, cost / budget - 1.0, 0.0)


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


# --- arrangements: graded support in a regular school ----------------------------------------------------------------
ARRANGEMENT_LEVELS = ("light", "medium", "intensive")
"""Levels of an arrangement (1-3; 0 = basic support only), by the support it buys."""


def arrangement_support(b: Behaviour) -> np.ndarray:
    """Latent need an arrangement carries above the school's basic support, by level, index 0 (none) to 3."""
    return np.concatenate(([0.0], np.asarray(b.arrangement_support, dtype=np.float64)))


def arrangement_level(unmet_need: np.ndarray, b: Behaviour) -> np.ndarray:
    """The arrangement an alliance grants: the lightest level whose support covers the need the school's basic support
    leaves unmet (the intensive level when none covers it; 0 when basic support suffices)."""
    support = arrangement_support(b)[1:]
    level = np.searchsorted(support, unmet_need, side="left") + 1
    return np.where(unmet_need > 0, np.minimum(level, len(support)), 0).astype(np.int8)


def category_savings_eur(law: Mapping, b: Behaviour) -> np.ndarray:
    """What a TLV costs an alliance a year above the arrangement that would keep a typical pupil of its category in a
    regular school at average teachers' skill (EUR, low / medium / high): the supplement DUO deducts, less the
    arrangement's price. Positive: the arrangement is cheaper."""
    criterion = law["indication_criterion"]
    need = criterion + np.asarray(CATEGORY_TYPICAL_NEED)
    level = arrangement_level(need - b.support_regular, b)
    return funding.special_supplement_eur(need, law) - funding.arrangement_prices_eur(law)[level]


def tlv_thresholds(strictness: np.ndarray, in_year: np.ndarray, substitution: np.ndarray,
                   category: np.ndarray) -> np.ndarray:
    """Each applicant's TLV threshold above the national criterion: the alliance's general strictness and in-year
    adjustment, plus the substitution term of the TLV category the need it reads falls in (``substitution``: per
    applicant, [low, medium, high])."""
    return strictness + in_year + substitution[np.arange(len(category)), category]


def grant_tlv(judged_need: np.ndarray, criterion: float, strictness: np.ndarray) -> np.ndarray:
    """The alliance grants a toelaatbaarheidsverklaring (TLV) when the need it reads in the file clears the national
    criterion plus its own strictness (its gatekeeping and its response to the budget)."""
    return judged_need > criterion + strictness


def offer_return_to_regular(unmet_in_regular: np.ndarray, saving_eur: np.ndarray, weak_place: np.ndarray,
                            b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Terugplaatsing: whether the alliance offers each (v)so or sbo pupil a place back in a regular school this month,
    with an arrangement: only when the intensive arrangement carries the need a regular school leaves unmet, and either
    the arrangement costs the alliance less than the place (the TLV's supplement, or sbo above 2%: ``saving_eur`` > 0)
    or the place is at a provider under the Inspectorate's intensified supervision (``weak_place``: the alliance must
    see to a fitting place, and pays for a better one). Rare: a monthly chance ``return_to_regular_rate``."""
    fits = unmet_in_regular <= arrangement_support(b)[-1]
    return fits & ((saving_eur > 0) | weak_place) & (u < b.return_to_regular_rate)


def place_stuck_cases(escalated: np.ndarray, doorzettingsmacht_rank: np.ndarray, share: np.ndarray,
                      arranged: np.ndarray) -> np.ndarray:
    """Which cases the attendance officer escalates to the alliance (a child home over 3 months with no offer) the
    alliance decides itself: where it has doorzettingsmacht (someone who can decide: ``doorzettingsmacht_rank`` below
    the law's share for its sector, the inventory of November 2015 or a reform, or ``arranged`` on the Inspectorate's
    signal), it names a school that must take the child, with an arrangement the alliance pays. Elsewhere the case
    goes back to a school, which decides as on any registration."""
    return escalated & ((doorzettingsmacht_rank < share) | arranged)


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
