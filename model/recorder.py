"""What a run records: 1-October counts, monthly flows, school years and alliances, as plain rows.

Counts are reported as national numbers: simulated numbers divided by the run's scale. Pupils at home are counted in
the setting they are registered in (published counts include absent pupils); exempt pupils are in no school.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from passend.agents.rules import IS_REGULAR
from passend.model.calendar import school_year_label
from passend.model.groups import total_by
from passend.model.population import N_SETTINGS, PRIMARY_GRADES, Setting

if TYPE_CHECKING:
    from passend.model.model import PassendModel

COUNT_COLUMNS = [
    "date", "bao", "sbo", "so", "vso", "lwoo", "pro", "vo_other",
    "so_cl1", "so_cl2", "so_cl34", "vso_cl1", "vso_cl2", "vso_cl34", "rugzak", "indications",
    "rugzak_primary", "rugzak_secondary", "home", "exempt", "waiting_special", "pupils_total",
]

STATE_STREAMS = ("rugzak_school", "rugzak_ambulant", "special_schools", "sbo_direct", "wsns", "lwoo_pro")
"""Funding streams the state pays (EUR). Besides these, referring schools pay for sbo above the direct share
('sbo_referring_schools', from their care budget) and the WSNS alliances pay the rest of it ('sbo_wsns', out of the
'wsns' budget they receive)."""

FLOW_NAMES = (
    "inflow_sbo", "inflow_so", "inflow_vso", "indication_applications", "indications_granted",
    "new_home_spells", "returned_home_spells", "exemptions_granted",
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


def counted_setting(model: "PassendModel") -> np.ndarray:
    p = model.pupils
    return np.where(p.setting == Setting.HOME, p.registered, p.setting)


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
        setting = counted_setting(m)
        by_setting = np.bincount(setting, minlength=N_SETTINGS) * inv
        rugzak = (p.indication > 0) & IS_REGULAR[setting]
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
        primary = p.grade(m.school_year) < PRIMARY_GRADES
        cost = self._annual_cost_per_pupil(setting, rugzak)
        for sector, mask, alliance_of_area in (
            ("po", primary, np.arange(m.n_areas)),
            ("vo", ~primary, m.areas.secondary_alliance.astype(np.int64)),
        ):
            n = int(alliance_of_area.max()) + 1
            alliance = alliance_of_area[p.area[mask]]
            pupils = total_by(alliance, n)
            share = lambda sel: np.divide(total_by(alliance[sel[mask]], n), pupils, out=np.zeros(n), where=pupils > 0)
            spend = total_by(alliance, n, cost[mask]) * inv
            sbo, so, vso = share(setting == Setting.SBO), share(setting == Setting.SO), share(setting == Setting.VSO)
            rz, ind = share(rugzak), share(p.indication > 0)
            for a in range(n):
                self.alliances.append({
                    "date": m.today.isoformat(), "alliance": f"{sector}{a + 1:02d}", "sector": sector,
                    "pupils": int(round(pupils[a] * inv)), "sbo_share": sbo[a], "so_share": so[a], "vso_share": vso[a],
                    "rugzak_share": rz[a], "indication_share": ind[a], "spending_eur_per_year": spend[a],
                })

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

    def _month_spending(self, setting: np.ndarray) -> dict[str, float]:
        m = self.model
        p = m.pupils
        inv = 1.0 / m.settings.scale
        n_rugzak = np.count_nonzero((p.indication > 0) & IS_REGULAR[setting])
        n_special = np.count_nonzero((setting == Setting.SO) | (setting == Setting.VSO))
        n_lwoo_pro = np.count_nonzero((setting == Setting.LWOO) | (setting == Setting.PRO))
        primary = p.grade(m.school_year) < PRIMARY_GRADES
        wsns_of = m.schools.wsns[p.school]
        in_wsns = primary & (wsns_of >= 0) & (setting != Setting.EXEMPT)
        n_wsns = len(m.wsns)
        wsns_pupils = total_by(wsns_of[in_wsns], n_wsns)
        wsns_sbo = total_by(wsns_of[in_wsns & (setting == Setting.SBO)], n_wsns)
        direct = np.minimum(wsns_sbo, m.law("sbo_direct_share") * wsns_pupils).sum()
        over = wsns_sbo.sum() - direct
        sbo_eur, pays = m.law("sbo_eur"), m.law("sbo_school_pays_fraction")
        month = inv / 12.0
        return {
            "rugzak_school": n_rugzak * m.state.rugzak_school_eur * month,
            "rugzak_ambulant": n_rugzak * m.state.rugzak_ambulant_eur * month,
            "special_schools": n_special * m.law("special_school_eur") * month,
            "sbo_direct": direct * sbo_eur * month,
            "wsns": wsns_pupils.sum() * m.law("wsns_eur") * month,
            "lwoo_pro": n_lwoo_pro * m.law("lwoo_pro_eur") * month,
            "sbo_referring_schools": over * sbo_eur * pays * month,
            "sbo_wsns": over * sbo_eur * (1 - pays) * month,
        }

    def record_month(self) -> None:
        m = self.model
        spend = self._month_spending(counted_setting(m))
        for k, v in spend.items():
            self._year_spend[k] += v
        inv = 1.0 / m.settings.scale
        p = m.pupils
        row = {"date": m.today.isoformat()}
        row.update({name: m.flows.month.get(name, 0.0) * inv for name in FLOW_NAMES})
        row["home"] = np.count_nonzero(p.setting == Setting.HOME) * inv
        row["waiting_special"] = np.count_nonzero(p.waiting) * inv
        row["rugzak_school_eur_per_pupil"] = m.state.rugzak_school_eur
        row["rugzak_ambulant_eur_per_pupil"] = m.state.rugzak_ambulant_eur
        row.update({f"spend_{k}_eur": v for k, v in spend.items()})
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
        row.update({f"spend_{k}_eur": v for k, v in self._year_spend.items()})
        row["spend_state_total_eur"] = sum(self._year_spend[k] for k in STATE_STREAMS)
        self.school_years.append({k: (round(v) if isinstance(v, float) else v) for k, v in row.items()})
        self._year_spend = defaultdict(float)
