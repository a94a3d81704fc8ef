"""The abbreviations of the report, spelled out once so every table and caption agrees."""

from __future__ import annotations

__all__ = ["GLOSSARY", "spelled"]

GLOSSARY = {
    "ANC": "absolute neutrophil count",
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
