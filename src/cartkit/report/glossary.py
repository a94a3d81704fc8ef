"""The abbreviations of the report, spelled out once so every table and caption agrees."""

from __future__ import annotations

import re

__all__ = ["GLOSSARY", "abbreviations_in", "spelled"]

GLOSSARY = {
    "ANC": "absolute neutrophil count",
    "ASTCT": "American Society for Transplantation and Cellular Therapy",
    "AUC": "area under the transgene level-time curve",
    "AUC0–28d": "area under the transgene level-time curve from day 0 to day 28",
    "AUClast": "area under the transgene level-time curve to Tlast",
    "BCA": "B-cell aplasia",
    "CAR-T": "chimeric antigen receptor T cells",
    "CI": "confidence interval",
    "CIR": "cumulative incidence of relapse",
    "Clast": "last quantifiable transgene level",
    "Cmax": "peak transgene level",
    "CR": "complete remission",
    "CRi": "complete remission with incomplete hematologic recovery",
    "CRS": "cytokine release syndrome",
    "GVHD": "graft-versus-host disease",
    "HLH": "hemophagocytic lymphohistiocytosis",
    "HSCT": "allogeneic hematopoietic stem cell transplantation",
    "ICANS": "immune effector cell-associated neurotoxicity syndrome",
    "IL-6": "interleukin-6",
    "LD": "lymphodepletion",
    "LFS": "leukemia-free survival",
    "LLOQ": "lower limit of quantification",
    "MRD": "measurable residual disease",
    "NR": "not reached",
    "NRM": "non-relapse mortality",
    "OS": "overall survival",
    "SD": "standard deviation",
    "Tlast": "day of the last quantifiable transgene level",
    "Tmax": "day of the peak transgene level",
}


def spelled(*keys: str) -> dict[str, str]:
    """The glossary entries of ``keys``, in that order."""
    return {k: GLOSSARY[k] for k in keys}


def abbreviations_in(text: str, keys) -> str:
    """``"CI, confidence interval; CRS, ..."``: the entries of ``keys`` that ``text`` uses.

    An abbreviation counts as a whole word ("CR" in "CR/CRi", not in "CRS"); sorted, with a
    closing full stop, or "" when none is used.
    """
    found = [
        f"{k}, {GLOSSARY[k]}"
        for k in keys
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(k)}(?![A-Za-z0-9])", text)
    ]
    return "; ".join(sorted(found, key=str.lower)) + ("." if found else "")
