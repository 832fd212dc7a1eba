"""The state (OCW/DUO), the national indication committee (Commissie voor de Indicatiestelling, CvI) and the regional
committee for lwoo/pro (RVC)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import mesa
import numpy as np

from passend.engine.behaviour import Behaviour


class State(mesa.Agent):
    """Sets the per-pupil rugzak amounts each school year from its own 1 October count, and pays the state's streams.

    Funding is open-ended (every indication is paid), and as numbers grew the state lowered the amount per pupil:
    amount = legal reference amount * (first count / last count) ** elasticity, then scaled down to fit a
    heavy-care budget cap if one is in force.
    """

    def __init__(self, model: mesa.Model, rugzak_school_eur: float, rugzak_ambulant_eur: float):
        super().__init__(model)
        self._start(rugzak_school_eur, rugzak_ambulant_eur)

    @classmethod
    def paying_only(cls, rugzak_school_eur: float, rugzak_ambulant_eur: float) -> "State":
        """A state that takes the count, sets its amounts and pays, but is no agent of a model: the second state of
        :mod:`passend.model.mechanical`, which pays by another law."""
        state = cls.__new__(cls)
        state._start(rugzak_school_eur, rugzak_ambulant_eur)
        return state

    def _start(self, rugzak_school_eur: float, rugzak_ambulant_eur: float) -> None:
        self.reference_indications: float | None = None
        self.counted_indications = 0.0
        self.counted_rugzak = 0.0
        self.rugzak_school_eur = rugzak_school_eur
        self.rugzak_ambulant_eur = rugzak_ambulant_eur
        self.reference_rugzak_school_eur = rugzak_school_eur

    def take_count(self, indications: float, rugzak_pupils: float) -> None:
        """DUO's 1 October count (national numbers): heavy-care indications, and pupils with a rugzak."""
        self.counted_indications, self.counted_rugzak = indications, rugzak_pupils

    def set_amounts(self, law: Mapping) -> None:
        """Once a year (August), from the last count."""
        if self.reference_indications is None:
            self.reference_indications = self.counted_indications
        factor = (self.reference_indications / max(self.counted_indications, 1.0)) ** law["amount_response_to_count"]
        school, ambulant = law["rugzak_school_eur"] * factor, law["rugzak_ambulant_eur"] * factor
        cap = float(law["heavy_care_budget_cap_eur"])
        spend = self.counted_rugzak * (school + ambulant)
        if math.isfinite(cap) and spend > cap:
            school, ambulant = school * cap / spend, ambulant * cap / spend
        self.rugzak_school_eur, self.rugzak_ambulant_eur = school, ambulant

    def yearly_amounts(self, rugzak: np.ndarray, special: np.ndarray, sbo: np.ndarray, lwoo_pro: np.ndarray,
                       law: Mapping) -> np.ndarray:
        """The extra-support money each pupil brings a year at this month's amounts (EUR): a rugzak, a (v)so place, an
        sbo place or lwoo/pro (masks over the pupils)."""
        cost = np.zeros(len(rugzak))
        cost[rugzak] = self.rugzak_school_eur + self.rugzak_ambulant_eur
        cost[special] = law["special_school_eur"]
        cost[sbo] = law["sbo_eur"]
        cost[lwoo_pro] = law["lwoo_pro_eur"]
        return cost

    def month_payments(self, n_rugzak: int, n_special: int, n_special_of_alliances: int, n_sbo_direct: float,
                       n_wsns_pupils: float, n_lwoo_pro_national: int, law: Mapping, scale: float) -> dict[str, float]:
        """What the state pays this month per stream (national EUR), from the simulated numbers of pupils it funds:
        rugzak pupils (school part and ambulant support), (v)so places (for the alliances' clusters only the basic
        part; DUO takes the supplement from the alliance), sbo up to the direct share, the WSNS light-care budget, lwoo
        and pro while the state funds them directly, and the professionalisation budget."""
        month = (1.0 / scale) / 12.0
        place_eur = law["special_school_eur"]
        special_eur = place_eur * (n_special - law["special_supplement_share"] * n_special_of_alliances)
        return {
            "rugzak_school": n_rugzak * self.rugzak_school_eur * month,
            "rugzak_ambulant": n_rugzak * self.rugzak_ambulant_eur * month,
            "special_schools": special_eur * month,
            "sbo_direct": n_sbo_direct * law["sbo_eur"] * month,
            "wsns": n_wsns_pupils * law["wsns_eur"] * month,
            "lwoo_pro": n_lwoo_pro_national * law["lwoo_pro_eur"] * month,
            "professionalisation": law["professionalisation_eur"] / 12.0,
        }


class IndicationCommittee(mesa.Agent):
    """Judges a pupil's file against the national criterion, with assessment error ('all or nothing'), for the
    indications outside the alliances' clusters (all of them in the old system).

    The committee sees a file, not the child: a school practised in writing indication files presents the same need
    as heavier (:func:`passend.agents.school.write_file`)."""

    @staticmethod
    def judge(file_need: np.ndarray, noise: np.ndarray, b: Behaviour) -> np.ndarray:
        """The need the committee reads in each file (the same reading serves an alliance that judges a TLV)."""
        return file_need + b.cvi_noise * noise

    @staticmethod
    def grant(judged_need: np.ndarray, criterion: float) -> np.ndarray:
        return judged_need > criterion


def judge_lwoo_pro(learning_delay: np.ndarray, know_how: np.ndarray, noise: np.ndarray, asks: np.ndarray,
                   lwoo_criterion: np.ndarray, pro_criterion: float, b: Behaviour) -> tuple[np.ndarray, np.ndarray]:
    """The regional committee (RVC) judges the requests for lwoo and pro against the criteria, with assessment error.

    Both are judged on the file the school writes (learning delay, presented the better the more practised the
    school): pro above the pro criterion, lwoo above the lwoo criterion per pupil (the national one, or an alliance's
    own) and below pro. Returns the masks (lwoo, pro) over the pupils.
    """
    noise = b.rvc_noise * noise
    judged = learning_delay + b.file_know_how * know_how + noise
    pro = asks & (judged > pro_criterion)
    lwoo = asks & ~pro & (judged > lwoo_criterion)
    return lwoo, pro
