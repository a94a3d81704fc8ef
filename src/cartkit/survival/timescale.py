"""Time scales (public name of :mod:`cartkit._core.units`, where every layer finds them)."""

from .._core.units import (
    DAYS_PER_MONTH,
    DAYS_PER_WEEK,
    DAYS_PER_YEAR,
    days,
    months_to_days,
    to_months,
    to_weeks,
    to_years,
    years_to_days,
)

__all__ = [
    "DAYS_PER_MONTH",
    "DAYS_PER_WEEK",
    "DAYS_PER_YEAR",
    "days",
    "months_to_days",
    "to_months",
    "to_weeks",
    "to_years",
    "years_to_days",
]
