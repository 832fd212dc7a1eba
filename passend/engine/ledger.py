"""The ledger: what the month's decisions did, booked once, for the recorder to read.

A month flows one way: the actors decide, their decisions are booked here (every euro with its payer and receiver,
every pupil move with where from and where to, and the events that are neither, such as an application), and the
recorder reads the closed month. No decision reads the ledger or the recorder.

Money is in national euros (simulated amounts already divided by the run's scale by the actor that pays); pupil
moves and events are simulated pupils (the recorder scales them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from passend.engine.population import N_SETTINGS, ROUTES_INTO_HOME, ROUTES_OUT_OF_HOME, Pupils

STREAMS: dict[str, tuple[str, str]] = {
    # stream: (payer, receiver). Old system (pupil-bound funding):
    "rugzak_school": ("state", "regular_schools"),
    "rugzak_ambulant": ("state", "special_schools"),  # ambulant support by the RECs of the (v)so schools
    "special_schools": ("state", "special_schools"),  # (v)so places; for the alliances' clusters only the basic part
    "sbo_direct": ("state", "special_schools"),  # sbo up to 2% of the primary pupils
    "wsns": ("state", "alliances"),  # light-support budget per primary pupil (from 2014 in the alliance_budget)
    "lwoo_pro": ("state", "regular_schools"),
    "sbo_referring_schools": ("school_lump_sums", "special_schools"),  # sbo above 2%, the referring school's part
    "sbo_wsns": ("alliances", "special_schools"),  # sbo above 2%, the WSNS alliance's part
    # Alliances in charge (passend onderwijs, from 2014-08-01):
    "alliance_budget": ("state", "alliances"),
    "alliance_deductions": ("alliances", "special_schools"),  # (v)so supplements and sbo above 2%, deducted by DUO
    "arrangements": ("alliances", "regular_schools"),  # graded arrangements in regular schools, priced by level
    "ambulant_support": ("alliances", "special_schools"),  # the same, bought as hours of ambulant support from (v)so
    "central_expertise": ("alliances", "expertise_services"),  # central expertise, bovenschoolse voorzieningen
    "referral_charges": ("school_lump_sums", "alliances"),  # the part of a TLV its alliance's budget does not cover
    "alliance_to_schools": ("alliances", "regular_schools"),
    "reserves_kept": ("alliances", "alliance_reserves"),
    "reserves_drawn": ("alliance_reserves", "alliances"),
    "lump_sum_deductions": ("school_lump_sums", "alliances"),  # planned deficit, and overspending beyond reserves
    "lwoo_pro_budget": ("state", "alliances"),  # from 2016: frozen on the alliance's 2012 lwoo/pro participation
    "lwoo_pro_by_alliances": ("alliances", "regular_schools"),
    "professionalisation": ("state", "regular_schools"),  # teachers' professionalisation budget
    "national_institutions": ("state", "special_schools"),  # clusters 1/2 in regular schools once the rugzak is gone
    # Both systems:
    "transport": ("municipalities", "transport"),  # pupil transport to special schools
    "youth_care_provinces": ("provinces", "youth_care"),  # until 2015
    "youth_care_municipalities": ("municipalities", "youth_care"),  # from 2015 (Jeugdwet)
    "attendance_officers": ("municipalities", "attendance_officers"),  # officers' time on the cases they follow
    "onderwijsconsulenten": ("state", "onderwijsconsulenten"),  # the consultants' time on the cases they take on
}
"""The chart of accounts: every funding stream with who pays and who receives it."""
PAYERS = tuple(dict.fromkeys(payer for payer, _ in STREAMS.values()))
RECEIVERS = tuple(dict.fromkeys(receiver for _, receiver in STREAMS.values()))
INTERMEDIARIES = ("alliances", "alliance_reserves")
"""Receivers that pass the money on (an alliance spends its budget; a reserve is drawn later): what they receive is a
transfer, counted once more when they pay it out."""
FINAL_RECEIVERS = tuple(r for r in RECEIVERS if r not in INTERMEDIARIES)
"""Where the money ends up: schools, special schools, expertise services, transport, youth care, attendance officers,
onderwijsconsulenten."""
PUBLIC_PAYERS = ("state", "municipalities", "provinces", "school_lump_sums")
"""The public purse: what these pay, summed, is consolidated public spending on extra support (no stream runs between
them, so nothing is netted; what an alliance receives from them and passes on is not counted again, and what it keeps
in reserve was spent by the public purse)."""

MOVE_REASONS = ("enter_secondary", "lwoo_pro", "admission", "sbo_referral", "breakdown", "suspension", "outside_cause",
                "exemption_ended", "back_to_own_school", "admitted_elsewhere", "placed_at_partner_school", "placed_by_alliance",
                "placed_by_consultant", "exemption",
                "terugplaatsing", "closure")
"""Why a pupil changes setting: entering secondary school (August), the regional committee's lwoo/pro, admission to
(v)so, referral to sbo; into home: a place breaking down, a suspension, a cause outside education, the end of an
exemption; out of home: back to the school of registration, admitted at another school, placed at a partner school
(zorgplicht), placed by the alliance, placed by an onderwijsconsulent, an exemption (5a); a move back from (v)so to a regular school with an arrangement (terugplaatsing), the closure of a
(v)so school."""
EVENTS = ("indication_applications", "indications_granted", "sent_on", "youth_care_starts", "youth_care_waiting_months",
          "deregistrations", "zorgplicht_dodged", "transport_refused", "places_lost_to_transport", "consultant_cases",
          *(f"known_in_{reason}" for reason in ROUTES_INTO_HOME.values()),
          *(f"known_out_{reason}" for reason in ROUTES_OUT_OF_HOME.values()))
"""What is counted that is neither money nor a move: among them the spells at home the attendance officer came to
know of this month by route in (``known_in_*``), and the known spells that ended by route out (``known_out_*``)."""


@dataclass
class MonthBook:
    """One closed month: payments per stream (national EUR), moves[reason, from, to] and events (simulated pupils)."""

    payments: dict[str, float]
    moves: np.ndarray
    events: dict[str, float] = field(default_factory=dict)

    def moved(self, reason: str, to: int | None = None, source: int | None = None) -> int:
        """Pupils moved for ``reason`` this month (into setting ``to`` only, and from setting ``source`` only, if
        given)."""
        moves = self.moves[MOVE_REASONS.index(reason)]
        if source is not None:
            moves = moves[source:source + 1]
        by_to = moves.sum(axis=0)
        return int(by_to.sum() if to is None else by_to[to])


class Ledger:
    """This month's bookings; :meth:`close_month` hands them over and starts a new month."""

    def __init__(self) -> None:
        self._start()

    def _start(self) -> None:
        self._payments = dict.fromkeys(STREAMS, 0.0)
        self._moves = np.zeros((len(MOVE_REASONS), N_SETTINGS, N_SETTINGS), dtype=np.int64)
        self._events: dict[str, float] = defaultdict(float)

    def pay(self, stream: str, eur: float) -> None:
        """Book a payment (national EUR) on a stream of the chart of accounts."""
        if stream not in STREAMS:
            raise KeyError(f"no funding stream {stream!r}; the chart of accounts has: {', '.join(STREAMS)}")
        if not eur >= 0.0:  # also refuses NaN
            raise ValueError(f"payment on {stream!r} must be a non-negative amount, got {eur!r}")
        self._payments[stream] += eur

    def move(self, pupils: Pupils, idx: np.ndarray, to: np.ndarray | int, reason: str) -> None:
        """Move pupils ``idx`` to setting ``to`` (one setting, or one per pupil), booking each move from where the
        pupil was. Only the setting changes here; what else a move means (registration, provider, waiting list) is
        the deciding actor's."""
        if len(idx) == 0:
            return
        r = MOVE_REASONS.index(reason)
        to = np.broadcast_to(np.asarray(to, dtype=np.int8), idx.shape)
        pair = pupils.setting[idx].astype(np.int64) * N_SETTINGS + to
        self._moves[r] += np.bincount(pair, minlength=N_SETTINGS * N_SETTINGS).reshape(N_SETTINGS, N_SETTINGS)
        pupils.setting[idx] = to

    def count(self, event: str, n: float) -> None:
        if event not in EVENTS:
            raise KeyError(f"no event {event!r}; counted events: {', '.join(EVENTS)}")
        self._events[event] += n

    def close_month(self) -> MonthBook:
        book = MonthBook(self._payments, self._moves, dict(self._events))
        self._start()
        return book
