"""What a run records: 1-October counts, monthly flows, school years and alliances, as plain rows.

Counts are reported as national numbers: simulated numbers divided by the run's scale. Pupils at home are counted in
the setting they are registered in (published counts include absent pupils); exempt pupils are in no school.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from passend.agents.alliance import ARRANGEMENT_LEVELS, SECTORS, alliance_name
from passend.agents.rules import in_settings
from passend.engine.calendar import school_year_label
from passend.engine.groups import total_by
from passend.engine.ledger import PAYERS, PUBLIC_PAYERS, RECEIVERS, STREAMS, MonthBook
from passend.engine.settings import RunSettings
from passend.engine.population import PRIMARY_GRADES, REGULAR, ROUTES_INTO_HOME, ROUTES_OUT_OF_HOME, Setting
from passend.model.home import in_a_fitting_place
from passend.model.placement import need_rows_and_ids, pupils_by_setting_and_indication, rows_money_follows

if TYPE_CHECKING:
    from passend.model.model import WorldModel

COUNT_COLUMNS = [
    "date", "bao", "sbo", "so", "vso", "lwoo", "pro", "vo_other",
    "so_cl1", "so_cl2", "so_cl34", "vso_cl1", "vso_cl2", "vso_cl34", "rugzak", "indications",
    "rugzak_primary", "rugzak_secondary", "home", "exempt", "waiting_special", "pupils_total", "arrangements",
    "unregistered",
] + [f"arrangements_{level}_{sector}" for level in ARRANGEMENT_LEVELS for sector in ("primary", "secondary")]

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
    pupils: dict | None = None  # the pupils with a need at the end (Recorder.pupils_with_a_need), for who gains
    mechanical: list[dict] | None = None  # school years of the run's MechanicalBooks, if it kept them (--decompose)


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


class Recorder:
    """Collects rows while the model runs; it only reads the model and the ledger's closed months (no decision reads
    what it recorded). :mod:`passend.experiments.output` writes the rows."""

    def __init__(self, model: "WorldModel"):
        self.model = model
        self.counts: list[dict] = []
        self.months: list[dict] = []
        self.school_years: list[dict] = []
        self.alliances: list[dict] = []
        self._year_spend: dict[str, float] = defaultdict(float)
        self._year_flows: dict[str, float] = defaultdict(float)

    # --- 1 October ---------------------------------------------------------------------------------------------------
    def record_count(self) -> None:
        m = self.model
        p = m.pupils
        inv = 1.0 / m.settings.scale
        # everyone outside these rows is a plain bao or vo pupil with no indication or arrangement: counted apart
        rows = rows_money_follows(m)
        setting = p.counted_setting(rows)
        by_setting = pupils_by_setting_and_indication(m, rows, setting).sum(axis=1) * inv
        regular = in_settings(setting, REGULAR)
        indication, arranged = p.indication[rows], p.arrangement[rows]
        rugzak = m.rules.pupil_bound(indication) & regular
        arrangement = (arranged > 0) & regular
        primary = p.grade(m.school_year, rows) < PRIMARY_GRADES

        special = np.flatnonzero((setting == Setting.SO) | (setting == Setting.VSO))  # the few the clusters split

        def cluster_count(s: Setting, clusters: tuple[int, ...]) -> float:
            return np.count_nonzero((setting[special] == s) & np.isin(indication[special], clusters)) * inv

        row = {
            "date": m.today.replace(day=1).isoformat(),
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
        self.counts.append({k: (v if k == "date" else int(round(float(v)))) for k, v in row.items()})
        self._record_alliances(rows, setting, rugzak)

    def _record_alliances(self, rows: np.ndarray, setting: np.ndarray, rugzak: np.ndarray) -> None:
        """Per alliance on the count date; ``rows``: the pupils money follows, with their counted ``setting`` and
        whether they have a ``rugzak`` (every other pupil brings no extra money and counts only in ``pupils``)."""
        m = self.model
        p = m.pupils
        inv = 1.0 / m.settings.scale
        n = len(m.alliances)
        pupils = total_by(m.alliance_of_pupils(), n)
        alliance = m.alliance_of_pupils(rows)

        def share(selected: np.ndarray) -> np.ndarray:
            return np.divide(total_by(alliance[selected], n), pupils, out=np.zeros(n), where=pupils > 0)

        special = (setting == Setting.SO) | (setting == Setting.VSO)
        lwoo_pro = (setting == Setting.LWOO) | (setting == Setting.PRO)
        yearly = m.state.yearly_amounts(rugzak, special, setting == Setting.SBO, lwoo_pro, m.law)
        spend = total_by(alliance, n, yearly) * inv
        sbo, so, vso = share(setting == Setting.SBO), share(setting == Setting.SO), share(setting == Setting.VSO)
        rz, ind = share(rugzak), share(p.indication[rows] > 0)
        long_home = (p.setting[rows] == Setting.HOME) & (p.months_home[rows] > m.law["long_absence_months"])
        home = total_by(alliance[long_home], n) * inv
        for a in range(n):
            self.alliances.append({
                "date": m.today.isoformat(), "alliance": alliance_name(a), "sector": SECTORS[m.alliances.sector[a]],
                "pupils": int(round(pupils[a] * inv)), "sbo_share": sbo[a], "so_share": so[a], "vso_share": vso[a],
                "rugzak_share": rz[a], "indication_share": ind[a], "spending_eur_per_year": spend[a],
                "thuiszitters": home[a], **self._alliance_money(a),
            })

    def _alliance_money(self, row: int) -> dict:
        """Budget columns of one alliance: its base and equalisation, this year's amount, and the tallies of the twelve
        months up to this count (zero while the alliances hold no budget)."""
        a, m = self.model.alliances, self.model
        base, national = a.base_eur_per_pupil[row], m.national_eur_per_pupil[a.sector[row]]
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
            "arrangement_reach": a.arrangement_reach[row], "referral_charge_eur": a.referral_charge_eur[row],
            "tlv_substitution_low": a.tlv_substitution_low[row], "tlv_substitution_medium": a.tlv_substitution_medium[row],
            "tlv_substitution_high": a.tlv_substitution_high[row], "in_year_adjustment": a.in_year_adjustment[row],
            "start_caution": a.start_caution[row],
            "lump_sum_deductions_eur": a.year_lump_sum_eur[row], "reserves_eur": a.reserves_eur[row],
            "reserves_flagged": bool(a.reserves_eur[row] > max(m.law["reserve_signal_share"] * a.year_income_eur[row],
                                                               m.law["reserve_signal_minimum_eur"])),
            "school_model": a.school_model[row], "expertise_model": a.expertise_model[row], "pupil_model": a.pupil_model[row],
            "tlv_low": a.tlv_low[row], "tlv_medium": a.tlv_medium[row], "tlv_high": a.tlv_high[row], "tlv_sbo": a.tlv_sbo[row],
        }

    # --- the pupils with a need, at the end ------------------------------------------------------------------------------
    def pupils_with_a_need(self) -> dict[str, np.ndarray]:
        """One entry per pupil now in the run whose need is above the detection threshold (the pupils extra support is
        for): id, need, parents' resources (push), alliance, counted setting, months at home since the run began, and
        whether the place carries the need. A reform and its baseline on one seed share ids, so
        :func:`passend.experiments.compare.who_gains` compares them pupil by pupil."""
        m = self.model
        p = m.pupils
        rows, uid = need_rows_and_ids(m, m.behaviour.detect_threshold)
        return {"uid": uid.copy(), "need": p.need[rows], "push": p.push[rows],
                "alliance": m.alliance_of_pupils(rows).astype(np.int16), "setting": p.counted_setting(rows),
                "months_home_total": p.months_home_total[rows], "fitting": in_a_fitting_place(m, rows)}

    # --- every month ---------------------------------------------------------------------------------------------------
    def record_month(self, book: MonthBook) -> None:
        """The closed month: its flows and payments, and the stocks at its end."""
        m = self.model
        for k, v in book.payments.items():
            self._year_spend[k] += v
        flows = flows_of(book)
        for k, v in flows.items():
            self._year_flows[k] += v
        inv = 1.0 / m.settings.scale
        p = m.pupils
        row = {"date": m.today.isoformat()}
        row.update({name: flows[name] * inv for name in FLOW_NAMES})
        row["home"] = np.count_nonzero(p.setting == Setting.HOME) * inv
        row["waiting_special"] = np.count_nonzero(p.waiting) * inv
        row["in_youth_care"] = np.count_nonzero(p.in_youth_care) * inv
        row["waiting_youth_care"] = np.count_nonzero(p.youth_care_waiting) * inv
        row["rugzak_school_eur_per_pupil"] = m.state.rugzak_school_eur
        row["rugzak_ambulant_eur_per_pupil"] = m.state.rugzak_ambulant_eur
        row.update({f"spend_{k}_eur": v for k, v in book.payments.items()})
        row.update(by_payer_and_receiver(book.payments))
        self.months.append(row)

    # --- school year ----------------------------------------------------------------------------------------------
    def record_school_year(self) -> None:
        m = self.model
        p = m.pupils
        inv = 1.0 / m.settings.scale
        row = {"school_year": school_year_label(m.school_year), "months_simulated": m.months_in_school_year}
        row.update({name: self._year_flows.get(name, 0.0) * inv for name in FLOW_NAMES})
        # As the Leerplichttelling records them (what the attendance officer knew of), and as they were
        row["long_relative_absence"] = np.count_nonzero(p.home_long_known_this_year) * inv
        row["home_over_3_months"] = np.count_nonzero(p.home_3m_known_this_year) * inv
        row["exempt_5a"] = np.count_nonzero(p.exempt_this_year | (p.setting == Setting.EXEMPT)) * inv
        row["absolute_absence"] = np.count_nonzero(p.unregistered_known_this_year) * inv
        row["true_long_relative_absence"] = np.count_nonzero(p.home_long_this_year) * inv
        row["true_home_over_3_months"] = np.count_nonzero(p.home_3m_this_year) * inv
        row["true_absolute_absence"] = np.count_nonzero(p.unregistered_this_year | p.unregistered) * inv
        row.update({f"spend_{k}_eur": v for k, v in self._year_spend.items()})
        row["spend_state_total_eur"] = sum(v for k, v in self._year_spend.items() if STREAMS[k][0] == "state")
        row["transport_eur"] = self._year_spend["transport"]
        row.update(by_payer_and_receiver(self._year_spend))
        self.school_years.append({k: (round(v) if isinstance(v, float) else v) for k, v in row.items()})
        self._year_spend = defaultdict(float)
        self._year_flows = defaultdict(float)
