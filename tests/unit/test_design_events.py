import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartkit.design import logrank_events, logrank_power
from cartkit.errors import DataError


def test_schoenfeld_formula_by_hand():
    # (z_0.975 + z_0.8)^2 * 4 / log(0.75)^2
    z = 1.959963984540054 + 0.8416212335729143
    assert logrank_events(0.75, power=0.8) == pytest.approx(4 * z * z / math.log(0.75) ** 2)


def test_allocation_uses_rpact_factor():
    # rpact: (1 + r)^2 / r with r = p / (1 - p); 2:1 -> r = 2 -> 4.5 vs 4 for 1:1
    one = logrank_events(0.7, allocation=0.5)
    two = logrank_events(0.7, allocation=2 / 3)
    assert two / one == pytest.approx(4.5 / 4)


def test_two_sided_uses_half_alpha():
    assert logrank_events(0.7, alpha=0.05, sided=2) == pytest.approx(
        logrank_events(0.7, alpha=0.025)
    )


def test_power_inverts_events():
    d = logrank_events(0.7, power=0.85)
    assert logrank_power(d, 0.7) == pytest.approx(0.85, rel=1e-12)
    # a harmful effect has the same power in its own direction
    assert logrank_power(d, 1 / 0.7) == pytest.approx(0.85, rel=1e-12)


def test_two_sided_power_counts_both_tails():
    from scipy.stats import norm

    p = logrank_power(50, 0.9, alpha=0.05, sided=2)
    drift = np.sqrt(50 / 4) * abs(np.log(0.9))
    z = norm.ppf(0.975)
    assert p == pytest.approx(norm.cdf(drift - z) + norm.cdf(-drift - z), rel=1e-12)
    assert p > logrank_power(50, 0.9, alpha=0.025, sided=1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hazard_ratio": 1.0},
        {"hazard_ratio": -0.5},
        {"hazard_ratio": 0.7, "alpha": 0.0},
        {"hazard_ratio": 0.7, "power": 1.0},
        {"hazard_ratio": 0.7, "sided": 3},
        {"hazard_ratio": 0.7, "allocation": 1.0},
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs):
    with pytest.raises(DataError):
        logrank_events(**kwargs)


@given(st.floats(0.05, 0.95), st.floats(0.05, 0.95))
def test_events_decrease_as_effect_grows(a, b):
    lo, hi = sorted([a, b])
    if hi - lo < 1e-6:
        return
    # the hazard ratio further from 1 needs fewer events
    assert logrank_events(lo) < logrank_events(hi)
    assert logrank_events(1 / lo) < logrank_events(1 / hi)


@given(st.floats(1.0, 5000.0), st.floats(1.0, 5000.0), st.floats(0.3, 0.95))
def test_power_monotone_in_events(d1, d2, hr):
    lo, hi = sorted([d1, d2])
    assert logrank_power(lo, hr) <= logrank_power(hi, hr) + 1e-15


@given(st.floats(0.3, 0.95), st.floats(0.5, 0.99))
def test_round_trip(hr, power):
    d = logrank_events(hr, power=power)
    assert np.isclose(logrank_power(d, hr), power, rtol=1e-10)
