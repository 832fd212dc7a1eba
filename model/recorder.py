"""What a run records: 1-October counts, monthly flows, school years and alliances, as plain rows.

Counts are reported as national numbers: simulated numbers divided by the run's scale. Pupils at home are counted in
the setting they are registered in (published counts include absent pupils); exempt pupils are in no school.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from passend.agents.alliance import ALLIANCE_CLUSTERS, SECTORS, alliance_name, alliance_of, restart_tallies
from passend.agents.rules import IS_REGULAR
from passend.model.calendar import school_year_label
from passend.model.groups import total_by
from passend.model.population import N_SETTINGS, PRIMARY_GRADES, Setting

if TYPE_CHECKING:
    from passend.model.model import PassendModel

COUNT_COLUMNS = [
    "date", "bao", "sbo", "so", "vso", "lwoo", "pro", "vo_other",
    "so_cl1", "so_cl2", "so_cl34", "vso_cl1", "vso_cl2", "vso_cl34", "rugzak", "indications",
    "rugzak_primary", "rugzak_secondary", "home", "exempt", "waiting_special", "pupils_total", "arrangements",
]

STREAMS: dict[str, tuple[str, str]] = {
    # stream: (payer, receiver). Old system (pupil-bound funding):
    "rugzak_school": ("state", "regular_schools"),
    "rugzak_ambulant": ("state", "special_schools"),  # ambulant support by the RECs of the (v)so schools
    "special_schools": ("state", "special_schools"),  # (v)so places; under passend only the basic part of clusters 3/4
    "sbo_direct": ("state", "special_schools"),  # sbo up to 2% of the primary pupils
    "wsns": ("state", "alliances"),  # light-support budget per primary pupil
    "lwoo_pro": ("state", "regular_schools"),
    "sbo_referring_schools": ("school_lump_sums", "special_schools"),  # sbo above 2%, the referring school's part
    "sbo_wsns": ("alliances", "special_schools"),  # sbo above 2%, the WSNS alliance's part
    # Passend onderwijs (from 2014-08-01):
    "alliance_budget": ("state", "alliances"),
    "alliance_deductions": ("alliances", "special_schools"),  # (v)so supplements and sbo above 2%, deducted by DUO
    "arrangements": ("alliances", "regular_schools"),
    "alliance_to_schools": ("alliances", "regular_schools"),
    "reserves_kept": ("alliances", "alliance_reserves"),
    "reserves_drawn": ("alliance_reserves", "alliances"),
    "lump_sum_deductions": ("school_lump_sums", "alliances"),  # an alliance's deficit beyond its reserves
    "lwoo_pro_budget": ("state", "alliances"),  # from 2016: frozen on the alliance's 2012 lwoo/pro participation
    "lwoo_pro_by_alliances": ("alliances", "regular_schools"),
    "professionalisation": ("state", "regular_schools"),  # teachers' professionalisation budget (a reform)
    # Both systems:
    "transport": ("municipalities", "transport"),  # pupil transport to special schools
    "youth_care_provinces": ("provinces", "youth_care"),  # until 2015
    "youth_care_municipalities": ("municipalities", "youth_care"),  # from 2015 (Jeugdwet)
}
"""Every euro a run books: each funding stream with who pays and who receives it (national EUR)."""
PAYERS = tuple(dict.fromkeys(payer for payer, _ in STREAMS.values()))
RECEIVERS = tuple(dict.fromkeys(receiver for _, receiver in STREAMS.values()))

TRANSPORTED_SHARE = 79_000 / (39_929 + 68_927)
"""Share of the pupils of sbo and (v)so who are transported: 79,000 transported pupils in 2012/13
(labelling_old_system.toml [transport], mlv) over the sbo + (v)so pupils of 1 October 2012 (pupil_counts_2011_2014.csv)."""

FLOW_NAMES = (
    "inflow_sbo", "inflow_so", "inflow_vso", "indication_applications", "indications_granted",
    "new_home_spells", "returned_home_spells", "exemptions_granted", "sent_on", "youth_care_starts",
    "youth_care_waiting_months",
)


class Flows:
    """Counters of events, per month and per school year."""

    def __init__(self) -> None:
        self.month: dict[str, float] = defaultdict(float)
        self.year: dict[str, float] = defaultdict(float)

    def add(self, name: str, amount: float) -> None:
        self.month[name] += amount
        self.year[name] += amount

    def start_month(self) -> None:
        self.month = defaultdict(float)

    def start_year(self) -> None:
        self.year = defaultdict(float)


def by_payer_and_receiver(payments: dict[str, float]) -> dict[str, float]:
    """Columns ``pay_<payer>_eur`` and ``receive_<receiver>_eur``: the streams summed by who pays and who receives."""
    row = {f"pay_{payer}_eur": 0.0 for payer in PAYERS} | {f"receive_{r}_eur": 0.0 for r in RECEIVERS}
    for stream, amount in payments.items():
        payer, receiver = STREAMS[stream]
        row[f"pay_{payer}_eur"] += amount
        row[f"receive_{receiver}_eur"] += amount
    return row


def pupil_bound(model: "PassendModel") -> np.ndarray:
    """Pupils whose indication brings pupil-bound funding (the rugzak when in a regular school): every indication in
    the old system; under passend onderwijs only clusters 1 and 2, which stay national."""
    p = model.pupils
    indicated = p.indication > 0
    if model.passend:
        return indicated & ~np.isin(p.indication, ALLIANCE_CLUSTERS)
    return indicated


class Recorder:
    """Collects rows while the model runs; :mod:`passend.model.results` writes them."""

    def __init__(self, model: "PassendModel"):
        self.model = model
        self.counts: list[dict] = []
        self.months: list[dict] = []
        self.school_years: list[dict] = []
        self.alliances: list[dict] = []
        self.last_count: dict = {}
        self._year_spend: dict[str, float] = defaultdict(float)

    # --- 1 October ---------------------------------------------------------------------------------------------------
    def record_count(self) -> None:
        m = self.model
        p = m.pupils
        inv = 1.0 / m.settings.scale
        setting = m.pupils.counted_setting()
        by_setting = np.bincount(setting, minlength=N_SETTINGS) * inv
        rugzak = pupil_bound(m) & IS_REGULAR[setting]
        arrangement = (p.indication > 0) & IS_REGULAR[setting] & ~rugzak
        primary = p.grade(m.school_year) < PRIMARY_GRADES

        def cluster_count(s: Setting, clusters: tuple[int, ...]) -> float:
            return np.count_nonzero((setting == s) & np.isin(p.indication, clusters)) * inv

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
            "indications": np.count_nonzero(p.indication > 0) * inv,
            "rugzak_primary": np.count_nonzero(rugzak & primary) * inv,
            "rugzak_secondary": np.count_nonzero(rugzak & ~primary) * inv,
            "arrangements": np.count_nonzero(arrangement) * inv,
            "home": np.count_nonzero(p.setting == Setting.HOME) * inv,
            "exempt": by_setting[Setting.EXEMPT],
            "waiting_special": np.count_nonzero(p.waiting) * inv,
            "pupils_total": len(p) * inv,
        }
        row = {k: (v if k == "date" else int(round(float(v)))) for k, v in row.items()}
        self.last_count = row
        self.counts.append(row)
        self._record_alliances(setting, rugzak)

    def _record_alliances(self, setting: np.ndarray, rugzak: np.ndarray) -> None:
        m = self.model
        p = m.pupils
        inv = 1.0 / m.settings.scale
        alliance = alliance_of(m)
        n = len(m.alliances)
        pupils = total_by(alliance, n)

        def share(selected: np.ndarray) -> np.ndarray:
            return np.divide(total_by(alliance[selected], n), pupils, out=np.zeros(n), where=pupils > 0)

        spend = total_by(alliance, n, self._annual_cost_per_pupil(setting, rugzak)) * inv
        sbo, so, vso = share(setting == Setting.SBO), share(setting == Setting.SO), share(setting == Setting.VSO)
        rz, ind = share(rugzak), share(p.indication > 0)
        long_home = (p.setting == Setting.HOME) & (p.months_home > m.law("long_absence_months"))
        home = total_by(alliance[long_home], n) * inv
        for a in range(n):
            self.alliances.append({
                "date": m.today.isoformat(), "alliance": alliance_name(a), "sector": SECTORS[m.alliances.sector[a]],
                "pupils": int(round(pupils[a] * inv)), "sbo_share": sbo[a], "so_share": so[a], "vso_share": vso[a],
                "rugzak_share": rz[a], "indication_share": ind[a], "spending_eur_per_year": spend[a],
                "thuiszitters": home[a], **self._alliance_money(a),
            })
        restart_tallies(m)

    def _alliance_money(self, row: int) -> dict:
        """Budget columns of one alliance: its base and equalisation, this year's amount, and the tallies of the twelve
        months up to this count (zero before passend onderwijs)."""
        a, m = self.model.alliances, self.model
        base, national = a.base_eur_per_pupil[row], m.national_eur_per_pupil[a.sector[row]]
        sign = "" if np.isnan(base) else ("gain" if national >= base else "lose")
        return {
            "equalisation_sign": sign, "base_eur_per_pupil": base, "amount_eur_per_pupil": a.amount_eur_per_pupil[row],
            "budget_eur_per_year": a.amount_eur_per_pupil[row] * a.pupils[row], "strictness": a.strictness[row],
            "income_eur": a.year_income_eur[row], "deductions_eur": a.year_deductions_eur[row],
            "arrangements_eur": a.year_arrangements_eur[row], "to_schools_eur": a.year_to_schools_eur[row],
            "lump_sum_deductions_eur": a.year_lump_sum_eur[row], "reserves_eur": a.reserves_eur[row],
            "reserves_flagged": bool(a.reserves_eur[row] > max(m.law("reserve_signal_share") * a.year_income_eur[row],
                                                               m.law("reserve_signal_minimum_eur"))),
            "school_model": a.school_model[row], "expertise_model": a.expertise_model[row], "pupil_model": a.pupil_model[row],
            "tlv_low": a.tlv_low[row], "tlv_medium": a.tlv_medium[row], "tlv_high": a.tlv_high[row], "tlv_sbo": a.tlv_sbo[row],
        }

    # --- money, every month ---------------------------------------------------------------------------------------
    def _annual_cost_per_pupil(self, setting: np.ndarray, rugzak: np.ndarray) -> np.ndarray:
        """Extra-support money a pupil brings in a year at this month's amounts (EUR)."""
        m = self.model
        cost = np.zeros(len(setting))
        cost[rugzak] = m.state.rugzak_school_eur + m.state.rugzak_ambulant_eur
        special = (setting == Setting.SO) | (setting == Setting.VSO)
        cost[special] = m.law("special_school_eur")
        cost[setting == Setting.SBO] = m.law("sbo_eur")
        cost[(setting == Setting.LWOO) | (setting == Setting.PRO)] = m.law("lwoo_pro_eur")
        return cost

    def _month_payments(self, setting: np.ndarray, settled: dict[str, float] | None) -> dict[str, float]:
        """This month's payments per stream (national EUR); ``settled`` is the alliances' month under passend."""
        m = self.model
        p = m.pupils
        inv = 1.0 / m.settings.scale
        month = inv / 12.0
        n_rugzak = np.count_nonzero(pupil_bound(m) & IS_REGULAR[setting])
        special = (setting == Setting.SO) | (setting == Setting.VSO)
        place_eur = m.law("special_school_eur")
        if m.passend:  # clusters 3/4: the state pays the basic part, DUO takes the supplement from the alliance
            by_alliance = special & np.isin(p.indication, ALLIANCE_CLUSTERS)
            special_eur = place_eur * (np.count_nonzero(special) - m.law("special_supplement_share") * np.count_nonzero(by_alliance))
        else:
            special_eur = place_eur * np.count_nonzero(special)
        n_lwoo_pro = np.count_nonzero((setting == Setting.LWOO) | (setting == Setting.PRO))
        lwoo_in_alliances = settled is not None and m.law("lwoo_pro_in_alliances")
        youth_care_payer = "youth_care_municipalities" if m.law("youth_care_municipal") else "youth_care_provinces"
        primary = p.grade(m.school_year) < PRIMARY_GRADES
        wsns_of = m.schools.wsns[p.school]
        in_wsns = primary & (wsns_of >= 0) & (setting != Setting.EXEMPT)
        n_wsns = len(m.wsns)
        wsns_pupils = total_by(wsns_of[in_wsns], n_wsns)
        wsns_sbo = total_by(wsns_of[in_wsns & (setting == Setting.SBO)], n_wsns)
        direct = np.minimum(wsns_sbo, m.law("sbo_direct_share") * wsns_pupils).sum()
        over = 0.0 if m.passend else wsns_sbo.sum() - direct  # under passend the alliances' deductions hold it
        sbo_eur, pays = m.law("sbo_eur"), m.law("sbo_school_pays_fraction")
        transported = TRANSPORTED_SHARE * np.count_nonzero(special | (setting == Setting.SBO))
        payments = dict.fromkeys(STREAMS, 0.0)
        payments.update({
            "rugzak_school": n_rugzak * m.state.rugzak_school_eur * month,
            "rugzak_ambulant": n_rugzak * m.state.rugzak_ambulant_eur * month,
            "special_schools": special_eur * month,
            "sbo_direct": direct * sbo_eur * month,
            "wsns": wsns_pupils.sum() * m.law("wsns_eur") * month,
            "lwoo_pro": 0.0 if lwoo_in_alliances else n_lwoo_pro * m.law("lwoo_pro_eur") * month,
            "sbo_referring_schools": over * sbo_eur * pays * month,
            "sbo_wsns": over * sbo_eur * (1 - pays) * month,
            "transport": transported * m.law("transport_eur_per_pupil") * month,
            "professionalisation": m.law("professionalisation_eur") / 12.0,
            youth_care_payer: np.count_nonzero(p.in_youth_care) * m.law("youth_care_eur_per_case") * month,
        })
        if settled is not None:
            payments.update({
                "alliance_budget": settled["income"], "alliance_deductions": settled["deductions"],
                "arrangements": settled["arrangements"], "alliance_to_schools": settled["to_schools"],
                "reserves_kept": settled["reserves_kept"], "reserves_drawn": settled["reserves_drawn"],
                "lump_sum_deductions": settled["lump_sum"], "lwoo_pro_budget": settled["lwoo_pro_income"],
                "lwoo_pro_by_alliances": settled["lwoo_pro"],
            })
        return payments

    def record_month(self, settled: dict[str, float] | None = None) -> None:
        m = self.model
        payments = self._month_payments(m.pupils.counted_setting(), settled)
        for k, v in payments.items():
            self._year_spend[k] += v
        inv = 1.0 / m.settings.scale
        p = m.pupils
        row = {"date": m.today.isoformat()}
        row.update({name: m.flows.month.get(name, 0.0) * inv for name in FLOW_NAMES})
        row["home"] = np.count_nonzero(p.setting == Setting.HOME) * inv
        row["waiting_special"] = np.count_nonzero(p.waiting) * inv
        row["in_youth_care"] = np.count_nonzero(p.in_youth_care) * inv
        row["waiting_youth_care"] = np.count_nonzero(p.youth_care_waiting) * inv
        row["rugzak_school_eur_per_pupil"] = m.state.rugzak_school_eur
        row["rugzak_ambulant_eur_per_pupil"] = m.state.rugzak_ambulant_eur
        row.update({f"spend_{k}_eur": v for k, v in payments.items()})
        row.update(by_payer_and_receiver(payments))
        self.months.append(row)
        m.flows.start_month()

    # --- school year ----------------------------------------------------------------------------------------------
    def record_school_year(self) -> None:
        m = self.model
        p = m.pupils
        inv = 1.0 / m.settings.scale
        row = {"school_year": school_year_label(m.school_year), "months_simulated": m.months_in_school_year}
        row.update({name: m.flows.year.get(name, 0.0) * inv for name in FLOW_NAMES})
        row["long_relative_absence"] = np.count_nonzero(p.home_long_this_year) * inv
        row["home_over_3_months"] = np.count_nonzero(p.home_3m_this_year) * inv
        row["exempt_5a"] = np.count_nonzero(p.exempt_this_year | (p.setting == Setting.EXEMPT)) * inv
        row["absolute_absence"] = np.count_nonzero(p.unregistered_this_year | p.unregistered) * inv
        row.update({f"spend_{k}_eur": v for k, v in self._year_spend.items()})
        row["spend_state_total_eur"] = sum(v for k, v in self._year_spend.items() if STREAMS[k][0] == "state")
        row["transport_eur"] = self._year_spend["transport"]
        row.update(by_payer_and_receiver(self._year_spend))
        self.school_years.append({k: (round(v) if isinstance(v, float) else v) for k, v in row.items()})
        self._year_spend = defaultdict(float)
