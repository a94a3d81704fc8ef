"""Time scales: a month is 30.4375 days, a year 365.25 days (CONTRACT.md)."""

import numpy as np
import pandas as pd
import pytest

from cartkit.errors import DataError
from cartkit.survival import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    days,
    months_to_days,
    to_months,
    to_weeks,
    to_years,
    years_to_days,
)


def test_constants():
    assert DAYS_PER_YEAR == 365.25
    assert DAYS_PER_MONTH == 30.4375
    assert DAYS_PER_MONTH * 12 == DAYS_PER_YEAR


def test_five_years_is_day_1826_25():
    assert years_to_days(5) == 1826.25
    assert days(years=5) == 1826.25


def test_combined_duration():
    assert days(months=6, days=3) == 6 * 30.4375 + 3
    assert days(weeks=2) == 14.0
    assert days() == 0.0


def test_round_trips():
    assert to_months(months_to_days(68.7)) == pytest.approx(68.7, rel=1e-15)
    assert to_years(1826.25) == 5.0
    assert to_weeks(28) == 4.0


def test_types_are_kept():
    assert isinstance(to_months(61), float)
    arr = to_months([30.4375, 60.875])
    assert isinstance(arr, np.ndarray)
    np.testing.assert_array_equal(arr, [1.0, 2.0])
    s = pd.Series([365.25, 730.5], index=["a", "b"])
    out = to_years(s)
    assert isinstance(out, pd.Series)
    assert out.to_dict() == {"a": 1.0, "b": 2.0}


@pytest.mark.parametrize("bad", ["ten", True, pd.Series(["a"])])
def test_non_numbers_are_rejected(bad):
    with pytest.raises(DataError, match="must be"):
        to_months(bad)
