"""The Inspectorate of Education (Inspectie van het Onderwijs): supervision "op schoolniveau en op
samenwerkingsverbandniveau" (kst_31497_31).

Schools. Each August the Inspectorate judges every (v)so provider's quality, with the error a visit has, against its
standard (the toezichtkader, ``inspectorate_quality_standard``); one judged below it is under intensified supervision
for the year (almost 30% of vso schools in 2010, kst_31497_31). What follows is the others' decisions: a provider under
supervision works on its quality (:meth:`passend.agents.special_school.SpecialSchoolProvider.improve_under_supervision`),
parents weigh the judgement when they choose between a (v)so place and support in a regular school
(:func:`passend.agents.parents.choose_special`), and an alliance offers a pupil at such a provider a place back in a
regular school with an arrangement even where that costs it more (:func:`passend.agents.alliance.offer_return_to_regular`).

Alliances. While the alliances are in charge the Inspectorate visits every one of them each year, on its last school
year (all 152 had had a first visit by November 2015, vgr9). Two findings have consequences:

- reserves above the signalling value (:func:`passend.engine.funding.reserve_signal_eur`): an instruction to bring them
  down to it within the year, which the alliance's next plan follows
  (:meth:`passend.agents.alliance.Alliance.plan_reserves`);
- more children known to be at home over three months, per pupil, than in the country as a whole: a signal on
  thuiszitters, on which an alliance without doorzettingsmacht may arrange it
  (:meth:`passend.agents.alliance.Alliance.answer_thuiszitter_signal`; the Thuiszitterspact of 2016 asks it of every
  alliance).

The Inspectorate's decisions are functions over the providers and alliances it judges, vectorised, as the indication
committee's are.
"""

from __future__ import annotations

import mesa
import numpy as np


class Inspectorate(mesa.Agent):
    """The Inspectorate: its judgements are the static methods below, over all the institutions it visits at once."""

    @staticmethod
    def judge_providers(quality: np.ndarray, visit_error: np.ndarray, standard: float) -> np.ndarray:
        """Which (v)so providers come under intensified supervision this year: the quality the visit sees (the
        provider's ``quality`` plus ``visit_error``) falls below the ``standard``."""
        return quality + visit_error < standard

    @staticmethod
    def reserves_instruction(reserves_eur: np.ndarray, accepted_eur: np.ndarray) -> np.ndarray:
        """Alliances instructed to spend their reserves down to what it accepts within the year: the signalling value,
        plus what an alliance's risk analysis justifies (its precaution against the fall of its income under
        equalisation)."""
        return reserves_eur > accepted_eur

    @staticmethod
    def thuiszitter_signal(home_long_known: np.ndarray, pupils: np.ndarray) -> np.ndarray:
        """Alliances with more children known to be at home over three months per pupil than the country as a whole
        (``home_long_known``: such children per alliance in its last school year; ``pupils``: its pupils)."""
        national = home_long_known.sum() / max(pupils.sum(), 1.0)
        rate = np.divide(home_long_known, pupils, out=np.zeros(len(pupils)), where=pupils > 0)
        return rate > national
