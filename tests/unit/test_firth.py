import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cartkit.regression.logistic import logistic


def two_by_two(a, b, c, d):
    """Rows: x = 0 with a non-events and b events; x = 1 with c non-events and d events."""
    x = [0] * (a + b) + [1] * (c + d)
    y = [0] * a + [1] * b + [0] * c + [1] * d
    return pd.DataFrame({"x": x, "y": y})


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12), st.integers(0, 12))
def test_firth_on_a_2x2_table_adds_one_half_to_each_cell(a, b, c, d):
    # Firth's estimate in the saturated 2 x 2 model is the Haldane-corrected log odds ratio
    if min(a + b, c + d, a + c, b + d) == 0:
        return
    t = logistic(two_by_two(a, b, c, d), outcome="y", covariates=["x"], method="firth")
    expected = np.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
    assert t.loc[1, "coef"] == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert t.loc[0, "coef"] == pytest.approx(np.log((b + 0.5) / (a + 0.5)), rel=1e-7, abs=1e-9)


def test_firth_with_a_zero_cell_is_finite_and_profile_ci_is_one_sided_wide():
    t = logistic(two_by_two(10, 0, 5, 5), outcome="y", covariates=["x"], method="firth",
                 ci="profile")  # fmt: skip
    row = t.iloc[1]
    assert row.odds_ratio == pytest.approx(10.5 * 5.5 / (0.5 * 5.5))
    assert 1 < row.ci_lower < row.odds_ratio < row.ci_upper < np.inf
    # the profile interval is asymmetric on the log scale, unlike Wald
    assert np.log(row.ci_upper) - row.coef > row.coef - np.log(row.ci_lower)


def test_firth_wald_p_and_ci():
    t = logistic(two_by_two(10, 2, 4, 6), outcome="y", covariates=["x"], method="firth")
    z = t.coef / t.se
    np.testing.assert_allclose(t.p_value, 2 * stats.norm.sf(np.abs(z)), rtol=1e-12)


def test_logistic_invariant_to_row_order():
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"x": rng.normal(size=50), "y": rng.integers(0, 2, size=50)})
    a = logistic(df, outcome="y", covariates=["x"], method="firth", ci="profile")
    b = logistic(df.iloc[::-1], outcome="y", covariates=["x"], method="firth", ci="profile")
    cols = ["coef", "ci_lower", "ci_upper", "p_value"]
    np.testing.assert_allclose(a[cols], b[cols], rtol=1e-8)
