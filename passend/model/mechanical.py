"""The mechanical books: what another law's rules would pay for this run's pupils and decisions.

Budget offices split the effect of a measure in two: the *mechanical* (static) effect, the measure's rules applied to
behaviour as it was, and the *behavioural* effect, what changes because people respond. A run of the base scenario
given a reform's policy keeps, beside its own books, a second set (:func:`books_under`, kept in
``world.other_books``): the phases with the law's arithmetic run it for these books too, with the same formulas
(:mod:`passend.model.money`, :mod:`passend.engine.funding`) under the reform's law (``month.under(books.policy)``), on
the same pupils, the same placements and the same decisions of every school, alliance, parent, provider and
municipality. So

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

from passend.agents.alliance import AllianceTable
from passend.agents.state import State
from passend.engine.calendar import school_year_label
from passend.engine.ledger import Ledger
from passend.engine.policy import PolicyTimeline
from passend.model.money import book_month, new_book_year, plan_budgets, set_budgets, take_money_count
from passend.model.month import Month
from passend.model.recorder import by_payer_and_receiver
from passend.model.world import Books, Budgets, World

DECISIONS_OF_THE_YEAR = ("pupils", "plan_reserve_change_eur", "school_model", "expertise_model", "pupil_model",
                         "referral_charge_eur")
"""Alliance columns these books take from the run each August, after the alliances have planned: their count and what
they decided for the year."""


def books_under(policy: PolicyTimeline, world: World, month: Month) -> Books:
    """Books kept by ``policy`` (a reform's law) on ``world``'s pupils and decisions from ``month`` on (the run's
    first); one row per school year in ``books.school_years``, with the columns of the run's school years that hold
    money (``pay_<payer>_eur``, ``receive_<receiver>_eur``, ``public_spending_net_eur``, ``spend_<stream>_eur``)."""
    law = policy.in_force(month.today)
    alliances = AllianceTable(len(world.alliances))
    for column in AllianceTable.column_names():
        setattr(alliances, column, getattr(world.alliances, column))
    return Books(State.books_only(law["rugzak_school_eur"], law["rugzak_ambulant_eur"]), alliances, Ledger(),
                 Budgets(), policy)


def plan_year(world: World, month: Month, books: Books) -> None:
    """August, after the run's institutions have planned: the state's amounts by these books' law, and, while that
    law puts the alliances in charge, their budgets on the run's count and decisions of the year."""
    under = month.under(books.policy)
    if under.rules.pupil_bound_funding:
        books.state.set_amounts(under.law)
    if under.rules.alliances_in_charge:
        for column in DECISIONS_OF_THE_YEAR:
            setattr(books.alliances, column, getattr(world.alliances, column))
        plan_budgets(books, set_budgets(world, under, books))


def count(world: World, month: Month, books: Books) -> None:
    """1 October, after the run's count: what these books' law counts for the money, and a new book year."""
    take_money_count(world, month.under(books.policy), books)
    new_book_year(books)


def close_month(world: World, month: Month, books: Books) -> None:
    """The month's payments by these books' law, on the run's pupils and this month's TLVs."""
    book_month(world, month.under(books.policy), books)
    for stream, eur in books.ledger.close_month().payments.items():
        books.year[stream] += eur


def close_school_year(month: Month, books: Books) -> None:
    """The school year's row of these books."""
    row = {"school_year": school_year_label(month.school_year)}
    row.update({f"spend_{k}_eur": v for k, v in books.year.items()})
    row.update(by_payer_and_receiver(books.year))
    books.school_years.append({k: (round(v) if isinstance(v, float) else v) for k, v in row.items()})
    books.year = defaultdict(float)
