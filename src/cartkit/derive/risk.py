"""Cytogenetic risk group from genetic lesions (NCCN pediatric ALL).

Rules, the lesion lists and their sources are written down in docs/endpoints.md ("Risk group").
"""

from __future__ import annotations

import re

import pandas as pd

from ..errors import DataError
from ._common import Derived, excluded_frame, findings_frame, get_table, patient_ids, tables_of

__all__ = ["POOR_RISK_LESIONS", "STANDARD_RISK_LESIONS", "compute_risk_group", "derive_risk_group"]

#: canonical lesion -> spellings accepted (compared after upper-casing and removing spaces)
_ALIASES = {
    # standard-risk B-ALL lesions of the NCCN list
    "HYPERDIPLOIDY": ("HYPERDIPLOIDY", "HIGH-HYPERDIPLOIDY", "HYPERDIPLOID", "HHD"),
    "ETV6::RUNX1": ("ETV6::RUNX1", "ETV6-RUNX1", "TEL-AML1", "T(12;21)", "T(12;21)(P13;Q22)"),
    "TCF3::PBX1": ("TCF3::PBX1", "TCF3-PBX1", "E2A-PBX1", "T(1;19)", "T(1;19)(Q23;P13.3)"),
    "DUX4-R": ("DUX4-R", "DUX4R", "DUX4", "DUX4-REARRANGED"),
    "PAX5_P80R": ("PAX5_P80R", "PAX5P80R", "PAX5-P80R"),
    # BCR::ABL1: standard or poor depending on IKZF1plus / antecedent CML (see compute_risk_group)
    "BCR::ABL1": ("BCR::ABL1", "BCR-ABL1", "BCR/ABL1", "BCR-ABL", "BCR::ABL", "T(9;22)", "PH+"),
    "ANTECEDENT_CML": ("ANTECEDENT_CML", "ANTECEDENTCML", "PRIOR_CML", "CML"),
    # poor-risk B-ALL lesions of the NCCN list
    "HYPODIPLOIDY": ("HYPODIPLOIDY", "HYPODIPLOID", "NEAR-HAPLOIDY", "LOW-HYPODIPLOIDY"),
    "TP53": ("TP53", "TP53_MUTATION", "TP53MUTATION", "TP53-MUTATION"),
    "KMT2A-R": ("KMT2A-R", "KMT2AR", "KMT2A", "MLL-R", "MLLR", "MLL", "T(4;11)", "KMT2A::AFF1"),
    "IGH-R": ("IGH-R", "IGHR", "IGH", "IGH::IL3", "IGH-IL3"),
    "HLF-R": ("HLF-R", "HLFR", "HLF", "TCF3::HLF", "TCF3-HLF", "T(17;19)"),
    "ZNF384-R": ("ZNF384-R", "ZNF384R", "ZNF384"),
    "MEF2D-R": ("MEF2D-R", "MEF2DR", "MEF2D"),
    "MYC-R": ("MYC-R", "MYCR", "MYC"),
    "BCR::ABL1-LIKE": ("BCR::ABL1-LIKE", "PH-LIKE", "BCR-ABL1-LIKE", "PHLIKE"),
    "PAX5ALT": ("PAX5ALT", "PAX5_ALTERATION", "PAX5-ALT", "PAX5"),
    "IAMP21": ("IAMP21",),
    "IKZF1": (
        "IKZF1PLUS",
        "IKZF1+",
        "IKZF1_PLUS",
        "IKZF1",
        "IKZF1_DELETION",
        "IKZF1DELETION",
        "IKZF1DEL",
    ),
    "COMPLEX_KARYOTYPE": ("COMPLEX_KARYOTYPE", "COMPLEXKARYOTYPE", "COMPLEX"),
}
#: NCCN poor-risk B-ALL genetic features (IKZF1 covers IKZF1plus and other IKZF1 alterations)
POOR_RISK_LESIONS = frozenset(
    {
        "HYPODIPLOIDY",
        "TP53",
        "KMT2A-R",
        "IGH-R",
        "HLF-R",
        "ZNF384-R",
        "MEF2D-R",
        "MYC-R",
        "BCR::ABL1-LIKE",
        "PAX5ALT",
        "IAMP21",
        "IKZF1",
        "COMPLEX_KARYOTYPE",
    }
)
#: NCCN standard-risk B-ALL genetic features (BCR::ABL1 only without IKZF1plus and without an
#: antecedent CML, handled in compute_risk_group)
STANDARD_RISK_LESIONS = frozenset(
    {"HYPERDIPLOIDY", "ETV6::RUNX1", "TCF3::PBX1", "DUX4-R", "PAX5_P80R"}
)
_LOOKUP = {spelling: name for name, spellings in _ALIASES.items() for spelling in spellings}
_NO_LESION = {"NONE", "NORMAL", "NORMAL_KARYOTYPE", "NORMALKARYOTYPE", "NEGATIVE", "-"}
RISK_GROUPS = ("standard", "poor", "unclassified")


def parse_lesions(text) -> tuple[list[str], list[str]]:
    """Split ``;``-separated lesion text into (recognised canonical names, unrecognised)."""
    known, unknown = [], []
    # a ";" inside parentheses belongs to karyotype notation such as t(12;21)
    for part in re.split(r";(?![^()]*\))", str(text)):
        token = re.sub(r"\s+", "", part).upper()
        if not token or token in _NO_LESION:
            continue
        name = _LOOKUP.get(token)
        (known if name else unknown).append(name or part.strip())
    return known, unknown


def compute_risk_group(lesions, *, bcr_abl1_without_ikzf1plus: str = "standard") -> list:
    """Risk group of each patient's lesion text (vector in, vector out).

    A poor-risk lesion wins; else a standard-risk lesion gives ``standard``; else
    ``unclassified``. BCR::ABL1 is poor risk with IKZF1plus (an IKZF1 alteration, poor risk in
    itself) or an antecedent CML, and ``bcr_abl1_without_ikzf1plus`` (NCCN: standard) without
    them. Missing text gives None.

    Parameters
    ----------
    lesions : iterable of str
        ``;``-separated lesions per patient (e.g. ``"BCR::ABL1;IKZF1plus"``).
    bcr_abl1_without_ikzf1plus : {"standard", "poor"}
        Group of BCR::ABL1 without IKZF1plus.

    Returns
    -------
    list of str or None
    """
    if bcr_abl1_without_ikzf1plus not in ("standard", "poor"):
        raise DataError(
            "bcr_abl1_without_ikzf1plus must be 'standard' or 'poor',"
            f" got {bcr_abl1_without_ikzf1plus!r}"
        )
    out = []
    for text in lesions:
        if text is None or pd.isna(text) or not str(text).strip():
            out.append(None)
            continue
        known = set(parse_lesions(text)[0])
        poor = bool(known & POOR_RISK_LESIONS)
        if "BCR::ABL1" in known and (
            bcr_abl1_without_ikzf1plus == "poor" or "ANTECEDENT_CML" in known
        ):
            poor = True
        if poor:
            out.append("poor")
        elif known & STANDARD_RISK_LESIONS or "BCR::ABL1" in known:
            out.append("standard")
        else:
            out.append("unclassified")
    return out


def derive_risk_group(tables, *, bcr_abl1_without_ikzf1plus: str = "standard") -> Derived:
    """Risk group per patient: a given ``risk_group`` wins, else derived from lesions.

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        ``patients`` with ``genetic_lesions`` and/or ``risk_group``.
    bcr_abl1_without_ikzf1plus : {"standard", "poor"}
        See :func:`compute_risk_group`.

    Returns
    -------
    Derived
        ``table``: ``patient_id, genetic_lesions, risk_group_derived, risk_group,
        risk_group_source`` (``given`` / ``lesions``). ``excluded``: patients with neither a
        risk group nor lesion text. ``findings``: unrecognised lesions (check
        ``risk_lesion``) and given groups that disagree with the lesions (``risk_group``).
    """
    tables = tables_of(tables)
    ids = patient_ids(tables)
    patients = get_table(tables, "patients", ["patient_id"]).set_index("patient_id")
    lesions = (
        patients["genetic_lesions"].reindex(ids)
        if "genetic_lesions" in patients.columns
        else pd.Series([None] * len(ids), index=ids, dtype=object)
    )
    given = (
        patients["risk_group"].astype("string").str.strip().str.lower().reindex(ids)
        if "risk_group" in patients.columns
        else pd.Series([pd.NA] * len(ids), index=ids, dtype="string")
    )
    bad = sorted({str(g) for g in given.dropna() if g not in RISK_GROUPS})
    if bad:
        raise DataError(
            f"table 'patients': risk_group must be one of {', '.join(RISK_GROUPS)}; got {bad}"
        )
    derived = compute_risk_group(
        lesions.tolist(), bcr_abl1_without_ikzf1plus=bcr_abl1_without_ikzf1plus
    )
    rows, excluded, findings = [], [], []
    for pid, text, auto, stated in zip(ids, lesions, derived, given, strict=True):
        if isinstance(text, str) and text.strip():
            for name in parse_lesions(text)[1]:
                findings.append(
                    (
                        pid,
                        "risk_lesion",
                        f"lesion {name!r} is not in the NCCN lists; it does not change the group",
                    )
                )
        if pd.notna(stated):
            final, source = str(stated), "given"
            if auto is not None and auto != final:
                findings.append(
                    (
                        pid,
                        "risk_group",
                        f"given risk_group {final!r} but lesions {text!r} give {auto!r};"
                        " the given value is used",
                    )
                )
        elif auto is not None:
            final, source = auto, "lesions"
        else:
            final, source = None, None
            excluded.append((pid, "risk_group: no risk_group and no genetic_lesions"))
        rows.append(
            {
                "patient_id": pid,
                "genetic_lesions": None if pd.isna(text) else text,
                "risk_group_derived": auto,
                "risk_group": final,
                "risk_group_source": source,
            }
        )
    return Derived(pd.DataFrame(rows), excluded_frame(excluded), findings_frame(findings))
