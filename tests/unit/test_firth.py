import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cartkit.errors import ConvergenceWarning
from cartkit.regression._glm import _firth_parts, firth_fit
from cartkit.regression._profile import firth_profile
from cartkit.regression.logistic import logistic


def two_by_two(a, b, c, d):
    """Rows: x = 0 with a non-events and b events; x = 1 with c non-events and d events."""
    x = [0] * (a + b) + [1] * (c + d)
    y = [0] * a + [1] * b + [0] * c + [1] * d
    return pd.DataFrame({"x": x, "y": y})


CELL = st.one_of(st.just(0), st.integers(0, 12))  # zero cells, singly and in pairs, often


@settings(max_examples=60, deadline=None)
@given(CELL, CELL, CELL, CELL)
def test_firth_on_a_2x2_table_adds_one_half_to_each_cell(a, b, c, d):
    # Firth's estimate in the saturated 2 x 2 model is the Haldane-corrected log odds ratio
    if min(a + b, c + d, a + c, b + d) == 0:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # zero cells are Firth's home turf
        t = logistic(two_by_two(a, b, c, d), outcome="y", covariates=["x"], method="firth").table
    expected = np.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
    assert t.loc[1, "coef"] == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert t.loc[0, "coef"] == pytest.approx(np.log((b + 0.5) / (a + 0.5)), rel=1e-7, abs=1e-9)


def design(a, b, c, d):
    df = two_by_two(a, b, c, d)
    return np.column_stack([np.ones(len(df)), df["x"]]), df["y"].to_numpy(float)


def grid_tables():
    # every table over a grid of cell counts, and every table with two zero cells (only the
    # diagonal pairs keep both margins non-empty): the cases that used not to converge
    cells = (0, 1, 2, 3, 4, 7, 12)
    tables = set(itertools.product(cells, repeat=4))
    for u, v in itertools.product(range(1, 13), repeat=2):
        tables |= {(u, 0, 0, v), (0, u, v, 0)}
    return sorted(t for t in tables if min(t[0] + t[1], t[2] + t[3], t[0] + t[2], t[1] + t[3]))


def test_firth_is_exact_on_every_2x2_table_of_a_grid():
    worst = 0.0
    for a, b, c, d in grid_tables():
        fit = firth_fit(*design(a, b, c, d))
        assert fit.converged, (a, b, c, d)
        assert fit.iterations <= 10, (a, b, c, d)  # Newton: quadratic, not linear, convergence
        expected = [np.log((b + 0.5) / (a + 0.5)),
                    np.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))]  # fmt: skip
        err = np.abs(fit.coef - expected) / (1e-9 + 1e-7 * np.abs(expected))
        worst = max(worst, float(err.max()))
    assert worst <= 1.0  # rel 1e-7 / abs 1e-9 everywhere (measured: ~1e-5 of that budget)


def test_firth_newton_uses_the_exact_hessian_of_the_penalised_likelihood():
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(25), rng.normal(size=(25, 2))])
    y = (rng.random(25) < 0.3).astype(float)
    beta = np.array([-1.0, 0.7, -0.4])
    part = _firth_parts(x, y, beta)
    h = 1e-5
    for k in range(3):
        e = np.eye(3)[k] * h
        up, down = _firth_parts(x, y, beta + e), _firth_parts(x, y, beta - e)
        np.testing.assert_allclose(-(up.score - down.score) / (2 * h), part.neg_hessian[k],
                                   rtol=1e-7)  # fmt: skip
        assert (up.pl - down.pl) / (2 * h) == pytest.approx(part.score[k], rel=1e-7)


@pytest.mark.parametrize("cells", [(12, 0, 0, 1), (0, 12, 1, 0), (0, 2, 2, 12), (3, 0, 7, 1)])
def test_firth_profile_bounds_and_lr_test_on_zero_cell_tables(cells):
    # the constrained fits behind the profile CI and the penalised LR test converge, and the
    # bounds are where twice the penalised log-likelihood has dropped by qchisq(0.95, 1)
    x, y = design(*cells)
    fit = firth_fit(x, y)
    ci, chisq, _ = firth_profile(x, y, fit.coef, np.sqrt(np.diag(fit.cov)), fit.loglik, 0.95)
    for j in range(2):
        free = np.arange(2) != j
        for bound in (*ci[j], 0.0):
            start = fit.coef.copy()
            start[j] = bound
            sub = firth_fit(x, y, free=free, start=start)
            assert sub.converged
            drop = 2 * (fit.loglik - sub.loglik)
            if bound == 0.0:
                assert drop == pytest.approx(chisq[j], rel=1e-9, abs=1e-12)
            else:
                assert drop == pytest.approx(stats.chi2.ppf(0.95, 1), rel=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        t = logistic(two_by_two(*cells), outcome="y", covariates=["x"], method="firth",
                     ci="profile").table  # fmt: skip
    assert np.isfinite(t[["ci_lower", "ci_upper", "p_value"]].to_numpy()).all()


def test_firth_with_a_zero_cell_is_finite_and_profile_ci_is_one_sided_wide():
    t = logistic(two_by_two(10, 0, 5, 5), outcome="y", covariates=["x"], method="firth",
                 ci="profile").table  # fmt: skip
    row = t.iloc[1]
    assert row.odds_ratio == pytest.approx(10.5 * 5.5 / (0.5 * 5.5))
    assert 1 < row.ci_lower < row.odds_ratio < row.ci_upper < np.inf
    # the profile interval is asymmetric on the log scale, unlike Wald
    assert np.log(row.ci_upper) - row.coef > row.coef - np.log(row.ci_lower)


def test_firth_wald_p_and_ci():
    t = logistic(two_by_two(10, 2, 4, 6), outcome="y", covariates=["x"], method="firth").table
    z = t.coef / t.se
    np.testing.assert_allclose(t.p_value, 2 * stats.norm.sf(np.abs(z)), rtol=1e-12)


def test_logistic_invariant_to_row_order():
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"x": rng.normal(size=50), "y": rng.integers(0, 2, size=50)})
    a = logistic(df, outcome="y", covariates=["x"], method="firth", ci="profile").table
    b = logistic(df.iloc[::-1], outcome="y", covariates=["x"], method="firth", ci="profile").table
    cols = ["coef", "ci_lower", "ci_upper", "p_value"]
    np.testing.assert_allclose(a[cols], b[cols], rtol=1e-8)


def test_firth_fit_started_where_the_weights_underflow_reports_minus_infinity():
    # the profile search doubles its steps outwards; a start with w = 0 in every row must read
    # as "infinitely worse" (the root is bracketed), not raise
    x, y = design(1, 2, 2, 1)
    fit = firth_fit(x, y, free=np.array([True, False]), start=np.array([0.0, 1e4]))
    assert fit.loglik == -np.inf
    assert not fit.converged
    assert np.isnan(fit.cov).all()
