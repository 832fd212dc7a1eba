"""The mechanical books: what another law's rules would pay for this run's pupils and decisions.

Budget offices split the effect of a measure in two: the *mechanical* (static) effect, the measure's rules applied to
behaviour as it was, and the *behavioural* effect, what changes because people respond. A run of the base scenario
given a reform's policy keeps, beside its own books, a second set: each month the rules' arithmetic of
:mod:`passend.model.phases` (:func:`~passend.model.phases.book_month` and the rules' parts of the October
count and the alliances' August) is run again under the reform's law, on the same pupils, the same placements and the
same decisions of every school, alliance, parent, provider and municipality. So

- mechanical effect = reform's rules on the base's decisions - base (these books minus the run's own),
- behavioural effect = reform - reform's rules on the base's decisions,

and the two add up to the total effect of a paired comparison on one seed.

What the rules compute and these books keep their own: the law and rule set in force, the state's rugzak amounts (set
from its count by the law), the alliances' bases, amounts per pupil, income, the costs of their pupils at the law's
prices, their ondersteuningsplan's arithmetic and their reserves. What the institutions decided and these books take
from the run: every pupil's place, indication and arrangement; the alliances' planned reserve change, their
distribution mix (unless the law prescribes one), their referral charge and the TLVs they grant. Where the base's
alliances hold no budget (the old system), they decided nothing: no reserve change and an even mix. A rule that acts
only through where pupils go (a closure norm, a caseload) has no mechanical effect: every pupil stays where the base
run put them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from passend.agents.alliance import AllianceTable
from passend.agents.state import State
from passend.engine.calendar import school_year_label
from passend.engine.ledger import Ledger
from passend.engine.policy import Law, PolicyTimeline
from passend.engine.regimes import RuleSet, rule_sets
from passend.model import phases
from passend.model.recorder import by_payer_and_receiver

if TYPE_CHECKING:
    from passend.model.model import WorldModel

DECISIONS_OF_THE_YEAR = ("pupils", "plan_reserve_change_eur", "school_model", "expertise_model", "pupil_model",
                         "referral_charge_eur")
"""Alliance columns these books take from the run each August, after the alliances have planned: their count and what
they decided for the year."""


class MechanicalBooks:
    """Books kept beside a run by ``policy`` (a reform's law) on the run's own pupils and decisions; one row per school
    year in :attr:`school_years`, with the columns of the run's school years that hold money (``pay_<payer>_eur``,
    ``receive_<receiver>_eur``, ``public_spending_net_eur``, ``spend_<stream>_eur``)."""

    def __init__(self, model: "WorldModel", policy: PolicyTimeline):
        self.model = model
        self.policy = policy
        law = policy.in_force(model.today)
        self.state = State.paying_only(law["rugzak_school_eur"], law["rugzak_ambulant_eur"])
        self.alliances = AllianceTable(len(model.alliances))
        for column in AllianceTable.column_names():
            setattr(self.alliances, column, getattr(model.alliances, column))
        self.ledger = Ledger()
        self.national_eur_per_pupil = np.full(2, np.nan)
        self.budget_bases: dict = {}
        self.school_years: list[dict] = []
        self._year: dict[str, float] = defaultdict(float)
        self._view = _UnderAnotherLaw(model, self)

    @property
    def law(self) -> Law:
        return self.policy.in_force(self.model.today)

    @property
    def rules(self) -> RuleSet:
        return rule_sets()[self.law["regime"]]

    def after(self, phase) -> None:
        """Follow the run: after each of its phases, the rules' part of that phase under this law."""
        view, m = self._view, self.model
        if phase is phases.new_school_year and m.today.month == 8:
            self.state.set_amounts(self.law)
            if self.rules.alliances_in_charge:
                for column in DECISIONS_OF_THE_YEAR:
                    setattr(self.alliances, column, getattr(m.alliances, column))
                if not self.budget_bases:
                    raise RuntimeError(f"the mechanical books' alliances hold budgets from {m.today}, which needs the "
                                       f"budget base count of {self.law['budget_base_year']}; this run has not passed it")
                phases.plan_budgets(view, phases.set_budgets(view))
        elif phase is phases.count and m.today.month == 10:
            phases.take_money_count(view)
            phases.new_book_year(view)
        elif phase is phases.money:
            self.alliances.month_tlvs = m.alliances.month_tlvs
            phases.book_month(view)
            for stream, eur in self.ledger.close_month().payments.items():
                self._year[stream] += eur
        elif phase is phases.close_school_year and (m.today.month == 7 or m.step_index == m.n_steps - 1):
            row = {"school_year": school_year_label(m.school_year)}
            row.update({f"spend_{k}_eur": v for k, v in self._year.items()})
            row.update(by_payer_and_receiver(self._year))
            self.school_years.append({k: (round(v) if isinstance(v, float) else v) for k, v in row.items()})
            self._year = defaultdict(float)


class _UnderAnotherLaw:
    """The run as the rules' functions of :mod:`passend.model.phases` read it, with the books' law, rule set,
    state, alliances, ledger and budget bases in place of the run's own. Everything else (pupils, institutions,
    caches kept about the pupils' rows) is the run's, read and written through, so that what is derived from the
    pupils is derived once for both."""

    OWN = ("law", "rules", "policy", "state", "alliances", "ledger", "national_eur_per_pupil", "budget_bases")

    def __init__(self, model: "WorldModel", books: MechanicalBooks):
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_books", books)

    def __getattr__(self, name: str):
        return getattr(self._books if name in self.OWN else self._model, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._books if name in self.OWN else self._model, name, value)
