"""Time scales: days from the origin, and the months and years results are reported in.

cartkit measures every time in days from the origin (the CAR-T infusion is day 0). Where a result is
given in months or years, a month is 30.4375 days and a year 365.25 days (the mean Gregorian
month and the Julian year), so "5-year overall survival" is survival at day 1826.25::

    km.survival_at(years_to_days(5))

The functions accept a number, a sequence, a numpy array or a pandas Series and return the same
kind of object (a float for a number, an array for a sequence).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError

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

#: days in a month: 365.25 / 12
DAYS_PER_MONTH = 30.4375
#: days in a year (Julian year)
DAYS_PER_YEAR = 365.25
#: days in a week
DAYS_PER_WEEK = 7.0


def _numeric(value, name: str):
    """Return value ready for arithmetic: numbers stay numbers, sequences become arrays."""
    if hasattr(value, "dtype"):  # numpy array or pandas Series: keep its type
        # pandas' types (e.g. the string dtype of pandas 3) are not numpy dtypes: ask pandas
        if not (
            pd.api.types.is_numeric_dtype(value.dtype) or pd.api.types.is_bool_dtype(value.dtype)
        ):
            raise DataError(f"{name} must be numeric, got values of type {value.dtype}")
        return value.astype("float64")
    if isinstance(value, bool):
        raise DataError(f"{name} must be a number, got {value!r}")
    if isinstance(value, int | float | np.number):
        return float(value)
    try:
        return np.asarray(value, dtype="float64")
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number or numbers, got {value!r}") from None


def days(*, days=0.0, weeks=0.0, months=0.0, years=0.0):
    """Total number of days in a duration given in days, weeks, months and years.

    Parameters
    ----------
    days, weeks, months, years : float or array-like, default 0
        Parts of the duration; a month is 30.4375 days and a year 365.25 days.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        The duration in days.

    Examples
    --------
    >>> days(years=5)
    1826.25
    >>> days(months=6, days=3)
    185.625
    """
    return (
        _numeric(days, "days")
        + _numeric(weeks, "weeks") * DAYS_PER_WEEK
        + _numeric(months, "months") * DAYS_PER_MONTH
        + _numeric(years, "years") * DAYS_PER_YEAR
    )


def months_to_days(months):
    """Convert months to days (a month is 30.4375 days).

    Parameters
    ----------
    months : float or array-like
        Durations in months.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        The durations in days.
    """
    return _numeric(months, "months") * DAYS_PER_MONTH


def years_to_days(years):
    """Convert years to days (a year is 365.25 days).

    Parameters
    ----------
    years : float or array-like
        Durations in years.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        The durations in days.
    """
    return _numeric(years, "years") * DAYS_PER_YEAR


def to_weeks(days):
    """Convert days to weeks.

    Parameters
    ----------
    days : float or array-like
        Durations in days.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        The durations in weeks.
    """
    return _numeric(days, "days") / DAYS_PER_WEEK


def to_months(days):
    """Convert days to months (a month is 30.4375 days).

    Parameters
    ----------
    days : float or array-like
        Durations in days.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        The durations in months.
    """
    return _numeric(days, "days") / DAYS_PER_MONTH


def to_years(days):
    """Convert days to years (a year is 365.25 days).

    Parameters
    ----------
    days : float or array-like
        Durations in days.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        The durations in years.
    """
    return _numeric(days, "days") / DAYS_PER_YEAR
