"""Cellular kinetics: non-compartmental analysis of transgene levels."""

from .nca import NCA_COLUMNS, nca, nca_arrays
from .parameters import PARAMETERS, NCAParameter
from .summary import SUMMARY_COLUMNS, expansion_responders, summarize_expansion, summarize_nca

__all__ = [
    "NCA_COLUMNS",
    "PARAMETERS",
    "SUMMARY_COLUMNS",
    "NCAParameter",
    "expansion_responders",
    "nca",
    "nca_arrays",
    "summarize_expansion",
    "summarize_nca",
]
