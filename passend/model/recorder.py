"""What a run records: 1-October counts, monthly flows, school years and alliances, as plain rows.

The recorder reads the World and the ledger's closed months and appends rows to ``world.record``; no decision reads
what it recorded (a test checks). Counts are reported as national numbers: simulated numbers divided by the run's scale.
Pupils at home are counted in the setting they are registered in (published counts include absent pupils); exempt
pupils are in no school.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from passend.agents.alliance import ARRANGEMENT_LEVELS, SECTORS, AllianceTable, alliance_name
from passend.engine import funding
from passend.engine.calendar import school_year_label
from passend.engine.groups import total_by
from passend.engine.ledger import PAYERS, PUBLIC_PAYERS, RECEIVERS, STREAMS, MonthBook
from passend.engine.population import (PRIMARY_GRADES, REGULAR, ROUTES_INTO_HOME, ROUTES_OUT_OF_HOME, Setting,
                                       in_settings)
from passend.engine.settings import RunSettings
from passend.model.money import pupils_by_setting_and_indication, rows_money_follows
from passend.model.month import Month
from passend.model.support import in_a_fitting_place
from passend.model.world import World

COUNT_COLUMNS = [
    "date", "bao", "sbo", "so", "vso", "lwoo", "pro", "vo_other",
    "so_cl1", "so_cl2", "so_cl34", "vso_cl1", "vso_cl2", "vso_cl34", "rugzak", "indications",
    "rugzak_primary", "rugzak_secondary", "home", "exempt", "waiting_special", "pupils_total", "arrangements",
    "unregistered",
] + [f"arrangements_{level}_{sector}" for level in ARRANGEMENT_LEVELS for sector in ("primary", "secondary")] + [
    "special_at_supervised_providers", "alliance_reserves_eur",
]

HOME_IN = tuple(ROUTES_INTO_HOME.values())
HOME_OUT = tuple(ROUTES_OUT_OF_HOME)
ROUTE_FLOW_NAMES = tuple(f"home_{way}_{route}{kind}" for way, routes in (("in", HOME_IN), ("out", HOME_OUT))
                         for route in routes for kind in ("", "_registered"))
"""Spells at home begun and ended per route; ``_registered``: those the attendance officer knew of (a spell counts in
when it becomes known, out when a known spell ends)."""

FLOW_NAMES = (
    "inflow_sbo", "inflow_so", "inflow_so_from_bao", "inflow_vso", "indication_applications", "indications_granted",
    "new_home_spells", "returned_home_spells", "exemptions_granted", "sent_on", "youth_care_starts",
    "youth_care_waiting_months", "moves_back_to_regular", "moves_back_from_sbo", "moved_by_closure",
    "deregistrations", "exemptions_from_school", "zorgplicht_dodged", "transport_refused", "places_lost_to_transport",
    "consultant_cases",
) + ROUTE_FLOW_NAMES


@dataclass
class RunOutput:
    """Rows a run recorded, plus what it took."""

    settings: RunSettings
    counts: list[dict]
    school_years: list[dict]
    months: list[dict]
    alliances: list[dict]
    wall_seconds: float
    pupil_months: int
    pupils: dict | None = None  # the pupils with a need at the end (recorder.pupils_with_a_need), for who gains
    mechanical: list[dict] | None = None  # school years of the run's mechanical books, if it kept them (--decompose)


def flows_of(book: MonthBook) -> dict[str, float]:
    """The month's flows (simulated pupils) from the ledger: moves by reason (and setting entered) and events."""
    into = {reason: book.moved(reason) for reason in HOME_IN}
    out = {route: book.moved(reason, source=Setting.HOME) for route, reason in ROUTES_OUT_OF_HOME.items()}
    moved = {
        "inflow_sbo": book.moved("sbo_referral"),
        "inflow_so": book.moved("admission", Setting.SO),
        "inflow_so_from_bao": book.moved("admission", Setting.SO, source=Setting.BAO),
        "inflow_vso": book.moved("admission", Setting.VSO),
        "new_home_spells": sum(into.values()),
        "returned_home_spells": sum(n for route, n in out.items() if route != "exemption"),
        "exemptions_granted": book.moved("exemption"),
        "exemptions_from_school": book.moved("exemption") - out["exemption"],
        "moves_back_to_regular": book.moved("terugplaatsing"),
        "moves_back_from_sbo": book.moved("terugplaatsing", source=Setting.SBO),
        "moved_by_closure": book.moved("closure"),
    }
    moved |= {f"home_in_{reason}": n for reason, n in into.items()}
    moved |= {f"home_out_{route}": n for route, n in out.items()}
    moved |= {f"home_in_{reason}_registered": book.events.get(f"known_in_{reason}", 0.0) for reason in HOME_IN}
    moved |= {f"home_out_{route}_registered": book.events.get(f"known_out_{reason}", 0.0)
              for route, reason in ROUTES_OUT_OF_HOME.items()}
    return {name: float(moved.get(name, book.events.get(name, 0.0))) for name in FLOW_NAMES}


def by_payer_and_receiver(payments: dict[str, float]) -> dict[str, float]:
    """Columns ``pay_<payer>_eur`` and ``receive_<receiver>_eur``: the streams summed by who pays and who receives."""
    row = {f"pay_{payer}_eur": 0.0 for payer in PAYERS} | {f"receive_{r}_eur": 0.0 for r in RECEIVERS}
    for stream, amount in payments.items():
        payer, receiver = STREAMS[stream]
        row[f"pay_{payer}_eur"] += amount
        row[f"receive_{receiver}_eur"] += amount
    row["public_spending_net_eur"] = sum(row[f"pay_{p}_eur"] for p in PUBLIC_PAYERS)
    return row


def record_count(world: World, month: Month) -> None:
    """The 1 October count: pupils per setting, cluster, label and level (``counts.csv``), and per alliance its shares,
    money and decisions (``alliances.csv``)."""
    p = world.pupils
    inv = 1.0 / month.scale
    # everyone outside these rows is a plain bao or vo pupil with no indication or arrangement: counted apart
    rows = rows_money_follows(world)
    setting = p.counted_setting(rows)
    by_setting = pupils_by_setting_and_indication(world, rows, setting).sum(axis=1) * inv
    regular = in_settings(setting, REGULAR)
    indication, arranged = p.indication[rows], p.arrangement[rows]
    rugzak = month.rules.pupil_bound(indication) & regular
    arrangement = (arranged > 0) & regular
    primary = p.grade(month.school_year, rows) < PRIMARY_GRADES

    special = np.flatnonzero((setting == Setting.SO) | (setting == Setting.VSO))  # the few the clusters split

    def cluster_count(s: Setting, clusters: tuple[int, ...]) -> float:
        return np.count_nonzero((setting[special] == s) & np.isin(indication[special], clusters)) * inv

    row = {
        "date": month.today.replace(day=1).isoformat(),
        "bao": by_setting[Setting.BAO], "sbo": by_setting[Setting.SBO], "so": by_setting[Setting.SO],
        "vso": by_setting[Setting.VSO], "lwoo": by_setting[Setting.LWOO], "pro": by_setting[Setting.PRO],
        "vo_other": by_setting[Setting.VO],
        "so_cl1": cluster_count(Setting.SO, (1,)), "so_cl2": cluster_count(Setting.SO, (2,)),
        "so_cl34": cluster_count(Setting.SO, (3, 4)),
        "vso_cl1": cluster_count(Setting.VSO, (1,)), "vso_cl2": cluster_count(Setting.VSO, (2,)),
        "vso_cl34": cluster_count(Setting.VSO, (3, 4)),
        "rugzak": np.count_nonzero(rugzak) * inv,
        "indications": np.count_nonzero(indication > 0) * inv,
        "rugzak_primary": np.count_nonzero(rugzak & primary) * inv,
        "rugzak_secondary": np.count_nonzero(rugzak & ~primary) * inv,
        "arrangements": np.count_nonzero(arrangement) * inv,
        "home": np.count_nonzero(p.setting[rows] == Setting.HOME) * inv,
        "exempt": by_setting[Setting.EXEMPT],
        "waiting_special": np.count_nonzero(p.waiting) * inv,
        "pupils_total": len(p) * inv,
        "unregistered": by_setting[Setting.HOME],  # counted nowhere else: at home and registered at no school
    }
    for level, name in enumerate(ARRANGEMENT_LEVELS, start=1):
        at_level = arrangement & (arranged == level)
        row[f"arrangements_{name}_primary"] = np.count_nonzero(at_level & primary) * inv
        row[f"arrangements_{name}_secondary"] = np.count_nonzero(at_level & ~primary) * inv
    # (v)so pupils whose provider is under the Inspectorate's intensified supervision this school year
    supervised = world.providers.under_supervision[np.maximum(p.provider[rows[special]], 0)]
    row["special_at_supervised_providers"] = np.count_nonzero(supervised & (p.provider[rows[special]] >= 0)) * inv
    row["alliance_reserves_eur"] = world.alliances.reserves_eur.sum()  # national euros already
    world.record.counts.append({k: (v if k == "date" else int(round(float(v)))) for k, v in row.items()})
    _record_alliances(world, month, rows, setting, rugzak)


def _record_alliances(world: World, month: Month, rows: np.ndarray, setting: np.ndarray, rugzak: np.ndarray) -> None:
    """Per alliance on the count date; ``rows``: the pupils money follows, with their counted ``setting`` and
    whether they have a ``rugzak`` (every other pupil brings no extra money and counts only in ``pupils``)."""
    p, a = world.pupils, world.alliances
    inv = 1.0 / month.scale
    n = len(a)
    pupils = total_by(world.alliance_of(month.school_year), n)
    alliance = world.alliance_of(month.school_year, rows)

    def share(selected: np.ndarray) -> np.ndarray:
        return np.divide(total_by(alliance[selected], n), pupils, out=np.zeros(n), where=pupils > 0)

    special = (setting == Setting.SO) | (setting == Setting.VSO)
    lwoo_pro = (setting == Setting.LWOO) | (setting == Setting.PRO)
    yearly = funding.yearly_amounts(rugzak, special, setting == Setting.SBO, lwoo_pro, world.state.rugzak_eur,
                                    month.law)
    spend = total_by(alliance, n, yearly) * inv
    sbo, so, vso = share(setting == Setting.SBO), share(setting == Setting.SO), share(setting == Setting.VSO)
    rz, ind = share(rugzak), share(p.indication[rows] > 0)
    long_home = (p.setting[rows] == Setting.HOME) & (p.months_home[rows] > month.law["long_absence_months"])
    home = total_by(alliance[long_home], n) * inv
    national = world.budgets.national_eur_per_pupil[a.sector]
    flagged = a.reserves_eur > funding.reserve_signal_eur(a.year_income_eur, month.law)
    share_in_law = np.asarray(month.law["doorzettingsmacht_share"])[a.sector]
    doorzettingsmacht = (a.doorzettingsmacht_rank < share_in_law) | a.doorzettingsmacht_arranged
    for i in range(n):
        world.record.alliances.append({
            "date": month.today.isoformat(), "alliance": alliance_name(i), "sector": SECTORS[a.sector[i]],
            "pupils": int(round(pupils[i] * inv)), "sbo_share": sbo[i], "so_share": so[i], "vso_share": vso[i],
            "rugzak_share": rz[i], "indication_share": ind[i], "spending_eur_per_year": spend[i],
            "thuiszitters": home[i], "doorzettingsmacht": bool(doorzettingsmacht[i]),
            **_alliance_money(a, i, national[i], bool(flagged[i])),
        })


def _alliance_money(a: AllianceTable, row: int, national: float, flagged: bool) -> dict:
    """Budget columns of one alliance: its base and equalisation, this year's amount, and the tallies of the twelve
    months up to this count (zero while the alliances hold no budget)."""
    base = a.base_eur_per_pupil[row]
    sign = "" if np.isnan(base) else ("gain" if national >= base else "lose")
    return {
        "equalisation_sign": sign, "base_eur_per_pupil": base, "amount_eur_per_pupil": a.amount_eur_per_pupil[row],
        "budget_eur_per_year": a.amount_eur_per_pupil[row] * a.pupils[row], "strictness": a.strictness[row],
        "income_eur": a.year_income_eur[row], "deductions_eur": a.year_deductions_eur[row],
        "arrangements_eur": a.year_arrangements_eur[row], "ambulant_support_eur": a.year_ambulant_eur[row],
        "to_schools_eur": a.year_to_schools_eur[row],
        "expertise_eur": a.year_expertise_eur[row], "referral_charges_eur": a.year_referral_charges_eur[row],
        "lwoo_pro_eur": a.year_lwoo_pro_eur[row],
        "plan_income_eur": a.plan_income_eur[row], "plan_deductions_eur": a.plan_deductions_eur[row],
        "plan_to_schools_eur": a.plan_to_schools_eur[row], "plan_expertise_eur": a.plan_expertise_eur[row],
        "plan_arrangement_budget_eur": a.plan_arrangement_budget_eur[row],
        "plan_reserve_change_eur": a.plan_reserve_change_eur[row], "budget_pressure": a.shortfall[row],
        "budget_loss": a.budget_loss[row],
        "arrangement_reach": a.arrangement_reach[row], "referral_charge_eur": a.referral_charge_eur[row],
        "tlv_substitution_low": a.tlv_substitution_low[row], "tlv_substitution_medium": a.tlv_substitution_medium[row],
        "tlv_substitution_high": a.tlv_substitution_high[row], "in_year_adjustment": a.in_year_adjustment[row],
        "start_caution": a.start_caution[row],
        "lump_sum_deductions_eur": a.year_lump_sum_eur[row], "overspent_eur": a.year_overspent_eur[row],
        "reserves_eur": a.reserves_eur[row], "reserve_precaution_eur": a.reserve_precaution_eur[row],
        "reserves_flagged": flagged, "reserves_instructed": bool(a.reserves_instructed[row]),
        "thuiszitters_signalled": bool(a.thuiszitters_signalled[row]),
        "school_model": a.school_model[row], "expertise_model": a.expertise_model[row], "pupil_model": a.pupil_model[row],
        "tlv_low": a.tlv_low[row], "tlv_medium": a.tlv_medium[row], "tlv_high": a.tlv_high[row], "tlv_sbo": a.tlv_sbo[row],
    }


# --- the pupils with a need, at the end ---------------------------------------------------------------------------------
def pupils_with_a_need(world: World, month: Month) -> dict[str, np.ndarray]:
    """One entry per pupil now in the run whose need is above the detection threshold (the pupils extra support is
    for): id, need, parents' resources (push), alliance, counted setting, months at home since the run began, and
    whether the place carries the need. A reform and its baseline on one seed share ids, so
    :func:`passend.experiments.who_gains.who_gains` compares them pupil by pupil."""
    p = world.pupils
    rows, uid = world.rows.with_need_above(month.behaviour.detect_threshold)
    return {"uid": uid.copy(), "need": p.need[rows], "push": p.push[rows],
            "alliance": world.alliance_of(month.school_year, rows).astype(np.int16), "setting": p.counted_setting(rows),
            "months_home_total": p.months_home_total[rows], "fitting": in_a_fitting_place(world, month, rows)}


# --- every month ------------------------------------------------------------------------------------------------------
def record_month(world: World, month: Month, book: MonthBook) -> None:
    """The closed month: its flows and payments, and the stocks at its end."""
    record = world.record
    for k, v in book.payments.items():
        record.year_spend[k] += v
    flows = flows_of(book)
    for k, v in flows.items():
        record.year_flows[k] += v
    inv = 1.0 / month.scale
    p = world.pupils
    row = {"date": month.today.isoformat()}
    row.update({name: flows[name] * inv for name in FLOW_NAMES})
    row["home"] = np.count_nonzero(p.setting == Setting.HOME) * inv
    row["waiting_special"] = np.count_nonzero(p.waiting) * inv
    row["in_youth_care"] = np.count_nonzero(p.in_youth_care) * inv
    row["waiting_youth_care"] = np.count_nonzero(p.youth_care_waiting) * inv
    row["rugzak_school_eur_per_pupil"] = world.state.rugzak_school_eur
    row["rugzak_ambulant_eur_per_pupil"] = world.state.rugzak_ambulant_eur
    row.update({f"spend_{k}_eur": v for k, v in book.payments.items()})
    row.update(by_payer_and_receiver(book.payments))
    record.months.append(row)


# --- school year ------------------------------------------------------------------------------------------------------
def record_school_year(world: World, month: Month) -> None:
    """The school year's flows, the Leerplichttelling's counts (as registered and as they were) and its money."""
    p, record = world.pupils, world.record
    inv = 1.0 / month.scale
    row = {"school_year": school_year_label(month.school_year), "months_simulated": month.months_into_school_year}
    row.update({name: record.year_flows.get(name, 0.0) * inv for name in FLOW_NAMES})
    # As the Leerplichttelling records them (what the attendance officer knew of), and as they were
    row["long_relative_absence"] = np.count_nonzero(p.home_long_known_this_year) * inv
    row["home_over_3_months"] = np.count_nonzero(p.home_3m_known_this_year) * inv
    row["exempt_5a"] = np.count_nonzero(p.exempt_this_year | (p.setting == Setting.EXEMPT)) * inv
    row["absolute_absence"] = np.count_nonzero(p.unregistered_known_this_year) * inv
    row["true_long_relative_absence"] = np.count_nonzero(p.home_long_this_year) * inv
    row["true_home_over_3_months"] = np.count_nonzero(p.home_3m_this_year) * inv
    row["true_absolute_absence"] = np.count_nonzero(p.unregistered_this_year | p.unregistered) * inv
    # the outside conditions as the actors met them this school year (engine/conditions/)
    conditions = {"support_time_lost": float(world.schools.support_time_lost.mean()), "need_shift": world.need_shift}
    year_spend = record.year_spend
    row.update({f"spend_{k}_eur": v for k, v in year_spend.items()})
    row["spend_state_total_eur"] = sum(v for k, v in year_spend.items() if STREAMS[k][0] == "state")
    row["transport_eur"] = year_spend["transport"]
    row.update(by_payer_and_receiver(year_spend))
    row = {k: (round(v) if isinstance(v, float) else v) for k, v in row.items()}
    row.update({k: round(v, 4) for k, v in conditions.items()})  # shares and sd: not whole numbers
    record.school_years.append(row)
    record.year_spend = defaultdict(float)
    record.year_flows = defaultdict(float)
