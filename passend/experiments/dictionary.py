"""What the columns of a run's counts and school years mean: unit and definition, for data dictionaries.

Sweep tables, compare reports and sensitivity tables take their outcomes from these two tables, so their columns
are described from here. A test checks that every column a run writes has an entry.
"""

from __future__ import annotations

import re

from passend.engine.ledger import PAYERS, RECEIVERS, STREAMS

PUPILS = "pupils (national)"
EUR = "EUR (national, nominal)"

COUNT_COLUMNS: dict[str, tuple[str, str]] = {
    "bao": (PUPILS, "in regular primary schools (basisonderwijs), 1 October count"),
    "sbo": (PUPILS, "in special primary schools for light needs (speciaal basisonderwijs), 1 October count"),
    "so": (PUPILS, "in special schools, primary age (speciaal onderwijs), 1 October count"),
    "vso": (PUPILS, "in special schools, secondary age (voortgezet speciaal onderwijs), 1 October count"),
    "lwoo": (PUPILS, "in regular secondary schools with learning support (leerwegondersteunend onderwijs)"),
    "pro": (PUPILS, "in practical education (praktijkonderwijs)"),
    "vo_other": (PUPILS, "in regular secondary schools without lwoo or pro"),
    "so_cl1": (PUPILS, "so pupils of cluster 1 (visual)"),
    "so_cl2": (PUPILS, "so pupils of cluster 2 (hearing, language)"),
    "so_cl34": (PUPILS, "so pupils of clusters 3 and 4 (physical/intellectual, behavioural/psychiatric)"),
    "vso_cl1": (PUPILS, "vso pupils of cluster 1"),
    "vso_cl2": (PUPILS, "vso pupils of cluster 2"),
    "vso_cl34": (PUPILS, "vso pupils of clusters 3 and 4"),
    "rugzak": (PUPILS, "pupils with pupil-bound funding (rugzak) in a regular school; under passend onderwijs "
                       "clusters 1 and 2 only"),
    "indications": (PUPILS, "pupils with a heavy-care indication or TLV, in any setting"),
    "rugzak_primary": (PUPILS, "rugzak pupils of primary age"),
    "rugzak_secondary": (PUPILS, "rugzak pupils of secondary age"),
    "arrangements": (PUPILS, "pupils in a regular school with an arrangement from their alliance under passend "
                             "onderwijs (any level; the successor of the rugzak for clusters 3/4)"),
    "home": (PUPILS, "pupils at home, not attending (thuiszitters of any duration), registered at a school or not"),
    "unregistered": (PUPILS, "of which registered at no school (absolute absence), 1 October count; with the settings "
                             "bao to vo_other and exempt they make pupils_total"),
    "exempt": (PUPILS, "children exempted from attendance (art. 5 onder a), in no school"),
    "waiting_special": (PUPILS, "pupils waiting for a (v)so place"),
    "pupils_total": (PUPILS, "all children of school age in the model, in school or not"),
    "alliance_reserves_eur": (EUR, "the reserves of all alliances together on 1 October (0 before they hold budgets)"),
}
for _level in ("light", "medium", "intensive"):
    for _sector in ("primary", "secondary"):
        COUNT_COLUMNS[f"arrangements_{_level}_{_sector}"] = (
            PUPILS, f"pupils in a regular {_sector} school with a {_level} arrangement from their alliance")
"""1 October counts (counts.csv), national numbers: simulated pupils divided by the scale."""

SCHOOL_YEAR_COLUMNS: dict[str, tuple[str, str]] = {
    "months_simulated": ("months", "months of the school year simulated (the first year starts in October)"),
    "inflow_sbo": (PUPILS, "referrals from regular primary schools to sbo in the school year"),
    "inflow_so": (PUPILS, "admissions to so in the school year"),
    "inflow_so_from_bao": (PUPILS, "of which from a regular primary school (as DUO counts so intake: not from sbo, "
                                   "not re-admissions from home)"),
    "inflow_vso": (PUPILS, "admissions to vso in the school year"),
    "indication_applications": (PUPILS, "applications for a heavy-care indication (CvI) in the school year"),
    "indications_granted": (PUPILS, "indications granted in the school year (old system: CvI; passend: clusters 1/2)"),
    "new_home_spells": (PUPILS, "spells at home begun in the school year, by any route (the home_in_* columns)"),
    "returned_home_spells": (PUPILS, "spells at home that ended with a return to school (home_out_* except exemption)"),
    "zorgplicht_dodged": (PUPILS, "registrations (aanmeldingen) of a child at home that a school treated as no "
                                  "registration, dodging its zorgplicht (passend onderwijs)"),
    "transport_refused": (PUPILS, "children given a special-school place (sbo, (v)so) whose municipality refused them "
                                  "transport"),
    "places_lost_to_transport": (PUPILS, "of which the place was not taken up that month (the parents could not bring "
                                         "the child; it keeps waiting)"),
    "deregistrations": (PUPILS, "children at home whose parents took them off their school's register (from "
                                "relative to absolute absence)"),
    "consultant_cases": (PUPILS, "cases of children at home that the onderwijsconsulenten took on (home over 3 months "
                                 "with a support need, at their parents' request)"),
    "exemptions_granted": (PUPILS, "new exemptions (art. 5 onder a) in the school year"),
    "exemptions_from_school": (PUPILS, "of which for children in a school whose place did not carry their need (the "
                                       "rest from home: home_out_exemption)"),
    "sent_on": (PUPILS, "times a pupil at home was sent on to another school or body without a place "
                        "('van het kastje naar de muur')"),
    "youth_care_starts": (PUPILS, "children at home who started youth care"),
    "youth_care_waiting_months": ("pupil-months", "months children at home waited for youth care"),
    "moves_back_to_regular": (PUPILS, "pupils placed back from (v)so or sbo in a regular school with an arrangement "
                                      "(terugplaatsing) in the school year"),
    "moves_back_from_sbo": (PUPILS, "of which from sbo"),
    "moved_by_closure": (PUPILS, "pupils moved because their (v)so school closed or merged, in the school year"),
    "long_relative_absence": (PUPILS, "pupils at home over 4 weeks without leave while registered at a school in the "
                                      "school year (langdurig relatief verzuim, 'thuiszitters'), as the "
                                      "Leerplichttelling registers them: known to the attendance officer"),
    "home_over_3_months": (PUPILS, "pupils at home over 3 months in the school year (the Thuiszitterspact's measure), "
                                   "registered (known to the attendance officer)"),
    "exempt_5a": (PUPILS, "children exempted (art. 5 onder a) at some time in the school year (an exemption is a "
                          "registration: registered and true are one)"),
    "absolute_absence": (PUPILS, "children of compulsory school age registered at no school in the school year "
                                 "(absoluut verzuim), registered: found by the attendance officer"),
    "true_long_relative_absence": (PUPILS, "long_relative_absence as it was, known to the officer or not"),
    "true_home_over_3_months": (PUPILS, "home_over_3_months as it was, known to the officer or not"),
    "true_absolute_absence": (PUPILS, "absolute_absence as it was, found by the officer or not"),
    "spend_state_total_eur": (EUR, "everything the state pays in the school year (sum of the state's streams)"),
    "transport_eur": (EUR, "pupil transport to sbo and (v)so, paid by municipalities, in the school year"),
    "support_time_lost": ("share (0-1)", "mean over the regular schools of the share of their support staff's time "
                                         "that covers classes they could not staff this school year (the teacher "
                                         "labour market, conditions/outside.toml)"),
    "need_shift": ("sd of latent need", "how far every child's need lies above its 2015 level this school year (the "
                                        "growth of complex problems, conditions/outside.toml)"),
    "public_spending_net_eur": (EUR, "consolidated public spending on extra support in the school year: what the "
                                     "state, municipalities, provinces and the schools' lump sums pay; a transfer an "
                                     "alliance receives and passes on is not counted again (pay_alliances_eur and the "
                                     "reserves' streams are such transfers)"),
}
"""School-year rows (school_years.csv): flows summed over the school year, August to July."""

_ROUTES_IN = {"breakdown": "a place that could not carry the need broke down",
              "suspension": "the school sent the pupil home (a lasting suspension)",
              "outside_cause": "the child left school for a cause outside education (a move, an arrival)",
              "exemption_ended": "an exemption ended at its review and the child had no school"}
_ROUTES_OUT = {"back_to_own_school": "the school of registration took the child back",
               "admitted_elsewhere": "another school admitted the child after the parents registered it there",
               "placed_at_partner_school": "a partner school admitted the child at the request of a school bound by "
                                           "zorgplicht that declined it",
               "placed_by_alliance": "the alliance placed the child (doorzettingsmacht) with an arrangement",
               "placed_by_consultant": "a school admitted the child that an onderwijsconsulent brought it to",
               "special_place": "a (v)so school admitted the child",
               "exemption": "the municipality exempted the child (art. 5 onder a)"}
for _route, _what in _ROUTES_IN.items():
    SCHOOL_YEAR_COLUMNS[f"home_in_{_route}"] = (PUPILS, f"spells at home begun because {_what}")
    SCHOOL_YEAR_COLUMNS[f"home_in_{_route}_registered"] = (
        PUPILS, "spells at home of that route that the attendance officer came to know of in the school year")
for _route, _what in _ROUTES_OUT.items():
    SCHOOL_YEAR_COLUMNS[f"home_out_{_route}"] = (PUPILS, f"spells at home that ended because {_what}")
    SCHOOL_YEAR_COLUMNS[f"home_out_{_route}_registered"] = (
        PUPILS, "of which spells the attendance officer knew of")

for _stream, (_payer, _receiver) in STREAMS.items():
    SCHOOL_YEAR_COLUMNS[f"spend_{_stream}_eur"] = (EUR, f"funding stream '{_stream}': {_payer} pays {_receiver}")
for _payer in PAYERS:
    SCHOOL_YEAR_COLUMNS[f"pay_{_payer}_eur"] = (EUR, f"all that {_payer.replace('_', ' ')} pay in the school year")
for _receiver in RECEIVERS:
    SCHOOL_YEAR_COLUMNS[f"receive_{_receiver}_eur"] = (EUR, f"all that {_receiver.replace('_', ' ')} receive")


# --- human labels -------------------------------------------------------------------------------------------------
# What a reader sees in reports, figures and the dashboard in place of a column's name: short, in words, with the Dutch
# term where people use it. Every column of COUNT_COLUMNS and SCHOOL_YEAR_COLUMNS has one (tests/test_labels.py).
LABELS: dict[str, str] = {
    "bao": "regular primary (bao)", "sbo": "special primary (sbo)", "so": "special, primary age (so)",
    "vso": "special, secondary age (vso)", "lwoo": "learning support (lwoo)", "pro": "practical education (pro)",
    "vo_other": "other regular secondary", "so_cl1": "so, cluster 1 (visual)", "so_cl2": "so, cluster 2 (hearing)",
    "so_cl34": "so, clusters 3-4", "vso_cl1": "vso, cluster 1 (visual)", "vso_cl2": "vso, cluster 2 (hearing)",
    "vso_cl34": "vso, clusters 3-4", "rugzak": "with a rugzak", "indications": "with an indication or TLV",
    "rugzak_primary": "with a rugzak, primary", "rugzak_secondary": "with a rugzak, secondary",
    "arrangements": "with an arrangement", "home": "at home (1 October)",
    "unregistered": "at home, registered at no school", "exempt": "exempt (5a, 1 October)",
    "waiting_special": "waiting for a (v)so place", "pupils_total": "all children of school age",
    "alliance_reserves_eur": "alliances' reserves",
    "months_simulated": "months simulated", "inflow_sbo": "referrals to sbo", "inflow_so": "admissions to so",
    "inflow_so_from_bao": "admissions to so from bao", "inflow_vso": "admissions to vso",
    "indication_applications": "applications for an indication", "indications_granted": "indications granted",
    "new_home_spells": "spells at home begun", "returned_home_spells": "spells at home ended by a return",
    "zorgplicht_dodged": "registrations dodged (zorgplicht)", "transport_refused": "transport refused",
    "places_lost_to_transport": "places lost for want of transport", "deregistrations": "taken off the register",
    "consultant_cases": "cases of onderwijsconsulenten", "exemptions_granted": "exemptions granted (5a)",
    "exemptions_from_school": "exemptions from a school", "sent_on": "sent on without a place",
    "youth_care_starts": "youth care started", "youth_care_waiting_months": "months waiting for youth care",
    "moves_back_to_regular": "back to a regular school", "moves_back_from_sbo": "back to regular from sbo",
    "moved_by_closure": "moved by a school's closure",
    "long_relative_absence": "home over 4 weeks, registered", "home_over_3_months": "home over 3 months, registered",
    "exempt_5a": "exempt (5a) in the year", "absolute_absence": "registered at no school",
    "true_long_relative_absence": "home over 4 weeks, true", "true_home_over_3_months": "home over 3 months, true",
    "true_absolute_absence": "at no school, true", "spend_state_total_eur": "all the state pays",
    "transport_eur": "pupil transport", "public_spending_net_eur": "consolidated public spending",
    "support_time_lost": "support time lost to unstaffed classes", "need_shift": "needs above their 2015 level",
}
_PAYER_WORDS = {"state": "the state", "school_lump_sums": "schools' lump sums", "alliances": "alliances",
                "alliance_reserves": "alliances' reserves", "municipalities": "municipalities", "provinces": "provinces"}
_RECEIVER_WORDS = {"regular_schools": "regular schools", "special_schools": "special schools", "alliances": "alliances",
                   "expertise_services": "expertise services", "alliance_reserves": "alliances' reserves",
                   "transport": "pupil transport", "youth_care": "youth care",
                   "attendance_officers": "attendance officers", "onderwijsconsulenten": "onderwijsconsulenten"}
_STREAM_WORDS = {"rugzak_school": "rugzak, school part", "rugzak_ambulant": "rugzak, ambulant support",
                 "special_schools": "(v)so places", "sbo_direct": "sbo, direct funding", "wsns": "WSNS care budget",
                 "lwoo_pro": "lwoo and pro", "sbo_referring_schools": "sbo, paid by referring schools",
                 "sbo_wsns": "sbo, paid by WSNS alliances", "alliance_budget": "alliances' budget",
                 "alliance_deductions": "DUO's deductions for (v)so", "arrangements": "arrangements",
                 "ambulant_support": "ambulant support bought", "central_expertise": "central expertise",
                 "referral_charges": "referral charges", "alliance_to_schools": "alliances to schools",
                 "reserves_kept": "put into reserves", "reserves_drawn": "drawn from reserves",
                 "lump_sum_deductions": "deductions from lump sums", "lwoo_pro_budget": "lwoo and pro budget",
                 "lwoo_pro_by_alliances": "lwoo and pro via alliances", "professionalisation": "professionalisation",
                 "transport": "pupil transport", "youth_care_provinces": "youth care (provinces)",
                 "youth_care_municipalities": "youth care (municipalities)",
                 "attendance_officers": "attendance officers", "onderwijsconsulenten": "onderwijsconsulenten",
                 "national_institutions": "national institutions (clusters 1-2)"}
_ROUTE_WORDS = {"breakdown": "a place broke down", "suspension": "suspended", "outside_cause": "an outside cause",
                "exemption_ended": "an exemption ended", "back_to_own_school": "back to own school",
                "admitted_elsewhere": "admitted elsewhere", "placed_at_partner_school": "placed at a partner school",
                "placed_by_alliance": "placed by the alliance", "placed_by_consultant": "placed via a consultant",
                "special_place": "a (v)so place", "exemption": "exempted"}
for _payer in PAYERS:
    LABELS[f"pay_{_payer}_eur"] = f"paid by {_PAYER_WORDS.get(_payer, _payer.replace('_', ' '))}"
for _receiver in RECEIVERS:
    LABELS[f"receive_{_receiver}_eur"] = f"received by {_RECEIVER_WORDS.get(_receiver, _receiver.replace('_', ' '))}"
for _stream in STREAMS:
    LABELS[f"spend_{_stream}_eur"] = _STREAM_WORDS.get(_stream, _stream.replace("_", " "))
for _way, _routes in (("in", _ROUTES_IN), ("out", _ROUTES_OUT)):
    for _route in _routes:
        _words = f"home {'begun' if _way == 'in' else 'ended'}: {_ROUTE_WORDS.get(_route, _route.replace('_', ' '))}"
        LABELS[f"home_{_way}_{_route}"] = _words
        LABELS[f"home_{_way}_{_route}_registered"] = f"{_words}, known"
for _level in ("light", "medium", "intensive"):
    for _sector in ("primary", "secondary"):
        LABELS[f"arrangements_{_level}_{_sector}"] = f"{_level} arrangement, {_sector}"
LABELS |= {"exemptions_granted": "exemptions granted (5a)", "pupils": "pupils"}


def label(column: str) -> str:
    """What a reader sees for ``column``: its label, or for an outcome of a sweep (``so_2016``, ``so@2016-2018``) the
    label of its column with the years; any other name with its underscores as spaces."""
    if column in LABELS:
        return LABELS[column]
    outcome = re.fullmatch(r"(.+?)[_@](\d{4})(?:[-_](\d{4}))?", column)
    if outcome and outcome[1] in LABELS:
        return f"{LABELS[outcome[1]]}, {outcome[2]}" + (f"-{outcome[3]}" if outcome[3] else "")
    return column.replace("_", " ")
