"""Exceptions and warnings of cartkit (public name of :mod:`cartkit._core.errors`)."""

from ._core.errors import (
    CartkitError,
    ConvergenceWarning,
    DataError,
    DataQualityWarning,
    StudyValidationError,
    format_problem,
)

__all__ = [
    "CartkitError",
    "ConvergenceWarning",
    "DataError",
    "DataQualityWarning",
    "StudyValidationError",
    "format_problem",
]
