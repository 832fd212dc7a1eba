"""The state (OCW/DUO) and the national indication committee (Commissie voor de Indicatiestelling, CvI)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from passend.agents.alliance import ALLIANCE_CLUSTERS, alliance_of, count_tlvs, tlv_category

if TYPE_CHECKING:
    from passend.model.model import PassendModel


class State(mesa.Agent):
    """Sets the per-pupil rugzak amounts each school year.

    Funding is open-ended (every indication is paid), and as numbers grew the state lowered the amount per pupil:
    amount = legal reference amount * (2003 count / last count) ** elasticity, then scaled down to fit a
    heavy-care budget cap if one is in force.
    """

    def __init__(self, model: "PassendModel"):
        super().__init__(model)
        self.reference_indications: float | None = None
        self.rugzak_school_eur = model.law("rugzak_school_eur")
        self.rugzak_ambulant_eur = model.law("rugzak_ambulant_eur")
        self.reference_rugzak_school_eur = self.rugzak_school_eur

    def set_amounts(self, indications: float, rugzak_pupils: float) -> None:
        """Once a year, from the last count (national numbers)."""
        model = self.model
        if self.reference_indications is None:
            self.reference_indications = indications
        factor = (self.reference_indications / max(indications, 1.0)) ** model.law("amount_response_to_count")
        school, ambulant = model.law("rugzak_school_eur") * factor, model.law("rugzak_ambulant_eur") * factor
        cap = float(model.law("heavy_care_budget_cap_eur"))
        spend = rugzak_pupils * (school + ambulant)
        if math.isfinite(cap) and spend > cap:
            school, ambulant = school * cap / spend, ambulant * cap / spend
        self.rugzak_school_eur, self.rugzak_ambulant_eur = school, ambulant


class IndicationCommittee(mesa.Agent):
    """Judges a pupil's file against the national criterion, with assessment error ('all or nothing'). Under passend
    onderwijs the alliance judges clusters 3/4 (the TLV) by the same file, against the criterion plus its strictness.

    The committee sees a file, not the child: a school practised in writing indication files presents the same need
    as heavier (``file_know_how``).
    """

    def assess(self, idx: np.ndarray) -> np.ndarray:
        """Returns the mask of ``idx`` granted an indication; records the assessment date."""
        model = self.model
        p = model.pupils
        b = model.behaviour
        file_strength = b.file_know_how * model.schools.know_how[p.school[idx]]
        judged = p.need[idx] + file_strength + b.cvi_noise * model.streams.normal("cvi.assess", p.uid[idx], model.step_index)
        criterion = np.full(len(idx), float(model.law("indication_criterion")))
        by_alliance = np.zeros(len(idx), dtype=bool)
        if model.passend:  # clusters 3/4: the alliance decides (TLV), with its own strictness
            by_alliance = np.isin(p.cluster[idx], ALLIANCE_CLUSTERS)
            alliance = alliance_of(model, idx)
            criterion[by_alliance] += model.alliances.strictness[alliance[by_alliance]]
        granted = judged > criterion
        p.last_assessed[idx] = model.step_index
        p.indication[idx[granted]] = p.cluster[idx[granted]]
        if model.passend:
            tlv = granted & by_alliance
            count_tlvs(model, alliance[tlv], tlv_category(model, p.need[idx[tlv]]))
        model.flows.add("indication_applications", len(idx))
        model.flows.add("indications_granted", int(np.count_nonzero(granted)))
        return granted
