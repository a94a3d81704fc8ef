"""Cellular kinetics: non-compartmental analysis of transgene levels."""

from .nca import NCA_COLUMNS, nca, nca_arrays
from .parameters import PARAMETERS, NCAParameter

__all__ = ["NCA_COLUMNS", "PARAMETERS", "NCAParameter", "nca", "nca_arrays"]
