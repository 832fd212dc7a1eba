"""Funding regimes as rule sets: who judges an indication or TLV, who pays for a place, what a referral costs whom.

Each regime is one file in ``legislation/regimes/`` (the file name is the regime's name); the dated legislation
parameter ``regime`` says which is in force. Agents never ask "is this passend onderwijs?": they read the rule set
they are handed (``rules.alliance_clusters``, ``rules.zorgplicht``, ...), so a third regime is a new file here and a
reform that selects it, not a new branch in the code.

Fields of a rule set:

=======================  ===============================================================================================
field                    meaning
=======================  ===============================================================================================
alliance_clusters        clusters whose heavy support the alliance judges (it grants the TLV) and pays (DUO deducts the
                         supplement of a (v)so place from its budget; it pays an arrangement in a regular school). For
                         the other clusters the national committee (CvI) judges, an indication brings pupil-bound
                         funding (the rugzak) in a regular school, and the state pays the whole (v)so place.
alliances_in_charge      the alliances receive a budget, settle it every month, set admission policy each August,
                         spend by their distribution model, and arrange doorzettingsmacht for stuck cases
sbo_admission            ``wsns_rule``: a primary school refers to sbo, and above 2% of the pupils the referring school
                         and its WSNS alliance pay; ``alliance_tlv``: the alliance grants a TLV for sbo, as strictly as
                         for (v)so, and DUO deducts sbo above 2% from its budget
pupil_bound_funding      an indication outside the alliances' clusters brings a rugzak (pupil-bound funding: money to the
                         regular school and ambulant support); without it (passend onderwijs: the rugzak is abolished)
                         such a pupil gets ambulant support from the national cluster 1/2 institutions, paid by the state,
                         and the school receives no money for the indication
zorgplicht               the school where a child is registered must find it a fitting place, whatever the child's need
=======================  ===============================================================================================
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

SBO_ADMISSIONS = ("wsns_rule", "alliance_tlv")
FIELDS = ("description", "reference", "alliance_clusters", "alliances_in_charge", "sbo_admission", "pupil_bound_funding",
          "zorgplicht")


@dataclass(frozen=True)
class RuleSet:
    """The rules of one funding regime (see the module docstring for the fields)."""

    name: str
    description: str
    reference: str
    alliance_clusters: tuple[int, ...]
    alliances_in_charge: bool
    sbo_admission: str
    pupil_bound_funding: bool
    zorgplicht: bool

    def __post_init__(self):
        # lookup tables by cluster or indication (0-4): a gather, not a set search, for the many small calls
        by_alliance = np.isin(np.arange(5), self.alliance_clusters)
        national = (np.arange(5) > 0) & ~by_alliance
        object.__setattr__(self, "_by_alliance", by_alliance)
        object.__setattr__(self, "_national", national)
        object.__setattr__(self, "_pupil_bound", national & self.pupil_bound_funding)
        object.__setattr__(self, "_by_institutions", national & (not self.pupil_bound_funding))

    @property
    def alliance_judges_sbo(self) -> bool:
        return self.sbo_admission == "alliance_tlv"

    def judged_by_alliance(self, cluster: np.ndarray) -> np.ndarray:
        """Whether a pupil of each cluster (or indication) asks the alliance for a TLV rather than the committee."""
        return self._by_alliance[cluster]

    def pupil_bound(self, indication: np.ndarray) -> np.ndarray:
        """Indications that bring pupil-bound funding (a rugzak in a regular school): those outside the alliance's
        clusters, while the rugzak exists."""
        return self._pupil_bound[indication]

    def supported_by_institutions(self, indication: np.ndarray) -> np.ndarray:
        """Indications outside the alliances' clusters once the rugzak is abolished: in a regular school the pupil
        gets ambulant support from the national cluster 1/2 institutions, which the state pays."""
        return self._by_institutions[indication]

    def supported_nationally(self, indication: np.ndarray) -> np.ndarray:
        """Indications whose support in a regular school comes from outside the alliance: a rugzak, or the national
        institutions' ambulant support."""
        return self._national[indication]


def _parse(name: str, table: dict, filename: str) -> RuleSet:
    where = f"legislation/regimes/{filename}"
    unknown, missing = set(table) - set(FIELDS), set(FIELDS) - set(table)
    if unknown or missing:
        raise ValueError(f"{where}: fields {sorted(unknown)} are unknown and {sorted(missing)} missing; "
                         f"a rule set has exactly: {', '.join(FIELDS)}")
    clusters = table["alliance_clusters"]
    if not isinstance(clusters, list) or not all(isinstance(c, int) and 1 <= c <= 4 for c in clusters):
        raise ValueError(f"{where}: alliance_clusters = {clusters!r}; allowed: a list of clusters 1-4")
    for flag in ("alliances_in_charge", "pupil_bound_funding", "zorgplicht"):
        if not isinstance(table[flag], bool):
            raise ValueError(f"{where}: {flag} = {table[flag]!r}; allowed: true or false")
    if table["sbo_admission"] not in SBO_ADMISSIONS:
        raise ValueError(f"{where}: sbo_admission = {table['sbo_admission']!r}; allowed: {', '.join(SBO_ADMISSIONS)}")
    if (clusters or table["sbo_admission"] == "alliance_tlv") and not table["alliances_in_charge"]:
        raise ValueError(f"{where}: alliances judge and pay clusters {clusters} or sbo, so alliances_in_charge must be "
                         "true (an alliance without a budget cannot pay)")
    return RuleSet(name, table["description"], table["reference"], tuple(sorted(clusters)),
                   table["alliances_in_charge"], table["sbo_admission"], table["pupil_bound_funding"],
                   table["zorgplicht"])


@cache
def rule_sets() -> dict[str, RuleSet]:
    """Every regime the model knows, by name."""
    folder = resources.files("passend.engine") / "legislation" / "regimes"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            name = entry.name.removesuffix(".toml")
            found[name] = _parse(name, tomllib.loads(entry.read_text()), entry.name)
    return found
