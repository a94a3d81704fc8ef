"""Logistic regression (ML and Firth) and univariate screening; knows nothing of CAR-T."""

from .logistic import LOGISTIC_COLUMNS, LogisticResult, logistic
from .screening import Screening, models, screen

__all__ = ["LOGISTIC_COLUMNS", "LogisticResult", "Screening", "logistic", "models", "screen"]
