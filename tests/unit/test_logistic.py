import warnings

import numpy as np
import pandas as pd
import pytest

from cartkit.errors import ConvergenceWarning, DataError
from cartkit.regression._glm import glm_fit
from cartkit.regression._profile import fmm_spline
from cartkit.regression.logistic import LOGISTIC_COLUMNS, logistic, separated_terms


def small():
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    grp = np.array(["a", "b", "c"] * 20)
    y = (rng.random(60) < 1 / (1 + np.exp(-(0.5 * x + (grp == "b"))))).astype(int)
    return pd.DataFrame({"y": y, "x": x, "grp": grp})


def test_columns_fixed_and_categorical_terms_named():
    t = logistic(small(), outcome="y", covariates=["x", "grp"], reference={"grp": "b"}).table
    assert tuple(t.columns) == LOGISTIC_COLUMNS
    assert LOGISTIC_COLUMNS[:5] == ("term", "estimate", "ci_lower", "ci_upper", "p_value")
    np.testing.assert_array_equal(t["estimate"], t["odds_ratio"])
    np.testing.assert_allclose(t["estimate"], np.exp(t["coef"]), rtol=1e-15)
    assert t["term"].tolist() == ["(Intercept)", "x", "grp[a]", "grp[c]"]
    assert t["reference"].tolist() == ["", "", "b", "b"]
    assert t["covariate"].tolist() == ["", "x", "grp", "grp"]
    # changing the reference flips the sign of the b-vs-a contrast
    t2 = logistic(small(), outcome="y", covariates=["x", "grp"], reference={"grp": "a"}).table
    assert t2.loc[t2.term == "grp[b]", "coef"].item() == pytest.approx(
        -t.loc[t.term == "grp[a]", "coef"].item(), rel=1e-8
    )


def test_wald_ci_is_symmetric_on_log_scale():
    t = logistic(small(), outcome="y", covariates=["x"]).table
    z = 1.959963984540054
    np.testing.assert_allclose(np.log(t.ci_lower), t.coef - z * t.se, rtol=1e-10)
    np.testing.assert_allclose(np.log(t.ci_upper), t.coef + z * t.se, rtol=1e-10)


def test_boolean_outcome_and_missing_rows_counted():
    d = small()
    d["y"] = d["y"].astype(bool)
    d.loc[3, "x"] = np.nan
    fit = logistic(d, outcome="y", covariates=["x"])
    assert fit.n == 59
    assert fit.n_excluded == 1
    assert fit.n_events == int(d["y"].drop(index=3).sum())


def test_constant_covariate_is_a_clear_error():
    d = small().assign(k=1.0)
    with pytest.raises(DataError, match=r"'k'.*same value 1"):
        logistic(d, outcome="y", covariates=["x", "k"])


def test_collinear_covariates_named():
    d = small().assign(x2=lambda f: 2 * f.x)
    with pytest.raises(DataError, match=r"collinear.*'x2'"):
        logistic(d, outcome="y", covariates=["x", "x2"])


def test_all_missing_covariate_and_bad_outcome():
    d = small().assign(m=np.nan)
    with pytest.raises(DataError, match="'m' is missing in every row"):
        logistic(d, outcome="y", covariates=["m"])
    with pytest.raises(DataError, match="0/1"):
        logistic(small().assign(y=2), outcome="y", covariates=["x"])
    with pytest.raises(DataError, match="both events and non-events"):
        logistic(small().assign(y=0), outcome="y", covariates=["x"])
    with pytest.raises(DataError, match="method"):
        logistic(small(), outcome="y", covariates=["x"], method="exact")
    with pytest.raises(DataError, match="no column"):
        logistic(small(), outcome="y", covariates=["nope"])


def separated():
    return pd.DataFrame({"y": [0, 0, 0, 1, 1, 1, 0, 1], "x": [1, 2, 3, 4, 5, 6, 2.5, 7]})


def test_separation_warns_naming_term_and_suggests_firth():
    with pytest.warns(ConvergenceWarning, match=r"\['x'\].*method='firth'"):
        fit = logistic(separated(), outcome="y", covariates=["x"])
    assert fit.details["separation"] == ("x",)
    assert abs(fit.table.loc[1, "coef"]) > 10  # running off to infinity, as R's glm does
    # the warning issued is also on the result
    assert len(fit.warnings) == 1 and fit.warnings[0].startswith("separation: 'y'")


def test_firth_is_finite_under_separation_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = logistic(separated(), outcome="y", covariates=["x"], method="firth", ci="profile")
    t = fit.table
    assert np.isfinite(t.coef).all()
    assert 0 < t.loc[1, "ci_lower"] < t.loc[1, "odds_ratio"] < t.loc[1, "ci_upper"]
    assert fit.details["separation"] == ("x",) and fit.warnings == ()


def test_no_separation_on_overlapping_data():
    x = np.column_stack([np.ones(6), [1, 2, 3, 4, 5, 6]])
    assert separated_terms(x, np.array([0, 1, 0, 1, 0, 1.0]), ["(Intercept)", "x"]) == []


def test_profile_bound_is_where_the_deviance_rises_by_the_chisq_quantile():
    # R interpolates the profile with a spline: the deviance at its bounds is within 1e-3 of
    # dev0 + qchisq(0.95, 1), not exactly on it
    d = small()
    t = logistic(d, outcome="y", covariates=["x"], ci="profile").table
    y = d["y"].to_numpy(float)
    x = np.column_stack([np.ones(len(d)), d["x"].to_numpy()])
    _, dev0 = glm_fit(x, y)
    for bound in ("ci_lower", "ci_upper"):
        b = np.log(t.loc[1, bound])
        _, dev = glm_fit(x[:, :1], y, offset=b * x[:, 1])
        assert dev - dev0 == pytest.approx(3.841458820694124, abs=1e-3)


def test_fmm_spline_reproduces_cubics_exactly():
    x = np.array([0.0, 0.5, 1.3, 2.0, 3.1, 4.0])
    y = 1 - 2 * x + 0.5 * x**3
    xout = np.linspace(0, 4, 17)
    np.testing.assert_allclose(fmm_spline(x, y, xout), 1 - 2 * xout + 0.5 * xout**3, atol=1e-12)
