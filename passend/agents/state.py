"""The state (OCW/DUO), the national indication committee (Commissie voor de Indicatiestelling, CvI) and the regional
committee for lwoo/pro (RVC)."""

from __future__ import annotations

from collections.abc import Mapping

import mesa
import numpy as np

from passend.engine import funding
from passend.engine.behaviour import Behaviour


class State(mesa.Agent):
    """The state (OCW/DUO): takes its 1 October count and sets the per-pupil rugzak amounts of each school year from it
    by the law (:func:`passend.engine.funding.rugzak_amounts`: open-ended funding, a lower amount per pupil as
    indications grow, a budget cap if one is in force). What it pays each month is
    :func:`passend.engine.funding.state_month_payments`."""

    def __init__(self, model: mesa.Model, rugzak_school_eur: float, rugzak_ambulant_eur: float):
        super().__init__(model)
        self._start(rugzak_school_eur, rugzak_ambulant_eur)

    @classmethod
    def books_only(cls, rugzak_school_eur: float, rugzak_ambulant_eur: float) -> "State":
        """A state that takes the count and sets its amounts, but is no agent of a model: the state of the books
        :mod:`passend.model.mechanical` keeps by another law."""
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
        """Once a year (August), from the last count (:func:`passend.engine.funding.rugzak_amounts`); the first count is
        the reference the amounts are lowered from."""
        if self.reference_indications is None:
            self.reference_indications = self.counted_indications
        self.rugzak_school_eur, self.rugzak_ambulant_eur = funding.rugzak_amounts(
            law, self.reference_indications, self.counted_indications, self.counted_rugzak)

    @property
    def rugzak_eur(self) -> tuple[float, float]:
        """This school year's rugzak amounts per pupil: (school part, ambulant support), EUR a year."""
        return self.rugzak_school_eur, self.rugzak_ambulant_eur


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
