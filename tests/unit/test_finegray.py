import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.hazard_regression import PHReg

from cartkit.errors import ConvergenceWarning, DataError
from cartkit.survival import fine_gray


def frame(seed, n=120, censor=0.3, competing=0.35):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    sex = rng.choice(["F", "M"], n)
    t = np.round(rng.exponential(size=n) * np.exp(-0.4 * x1), 1) + 0.1  # ties
    u = rng.random(n)
    e = np.where(u < censor, 0, np.where(u < censor + competing, 2, 1))
    return pd.DataFrame({"t": t, "e": e, "x1": x1, "sex": sex})


def cox_robust(t, status, x):
    fit = PHReg(t, x, status=status, ties="breslow").fit(groups=np.arange(len(t)))
    return fit.params, fit.bse


def test_without_competing_events_it_is_cox_with_robust_se():
    df = frame(1, competing=0.0)
    got = fine_gray(df, time="t", event="e", cause=1, covariates=["x1", "sex"])
    coef, se = cox_robust(df["t"], df["e"], np.column_stack([df["x1"], df["sex"] == "M"]))
    # crr stops at its gradient tolerance: agreement with a fully converged Cox is ~1e-8
    np.testing.assert_allclose(got["coef"], coef, rtol=1e-6)
    np.testing.assert_allclose(got["se"], se, rtol=1e-6)


def test_without_censoring_competing_events_stay_at_risk():
    # no censoring: G = 1, so Fine-Gray is Cox with competing events kept in the risk set
    df = frame(2, censor=0.0)
    got = fine_gray(df, time="t", event="e", cause=1, covariates=["x1", "sex"])
    t = np.where(df["e"] == 1, df["t"], df["t"].max() + 1)
    coef, se = cox_robust(
        t, (df["e"] == 1).astype(int), np.column_stack([df["x1"], df["sex"] == "M"])
    )
    np.testing.assert_allclose(got["coef"], coef, rtol=1e-6)
    np.testing.assert_allclose(got["se"], se, rtol=1e-6)


def test_columns_terms_and_counts():
    df = frame(3)
    df.loc[[0, 5], "x1"] = np.nan
    got = fine_gray(df, time="t", event="e", cause=2, covariates=["x1", "sex"], conf_level=0.9)
    assert list(got.columns) == [
        "term",
        "coef",
        "se",
        "shr",
        "ci_lower",
        "ci_upper",
        "p_value",
        "covariate",
        "reference",
        "n",
        "n_events",
    ]
    assert got["term"].tolist() == ["x1", "sex[M]"]
    assert got["reference"].tolist() == ["", "F"]
    assert got.attrs["n_excluded"] == 2
    assert got["n"].iloc[0] == 118
    assert got["n_events"].iloc[0] == int((df["e"].drop([0, 5]) == 2).sum())
    z = 1.6448536269514722
    np.testing.assert_allclose(got["ci_lower"], np.exp(got["coef"] - z * got["se"]))
    np.testing.assert_allclose(got["shr"], np.exp(got["coef"]))


def test_reference_level_flips_the_sign():
    df = frame(4)
    a = fine_gray(df, time="t", event="e", cause=1, covariates=["sex", "x1"])
    b = fine_gray(
        df, time="t", event="e", cause=1, covariates=["sex", "x1"], reference={"sex": "M"}
    )
    assert b["term"].tolist() == ["sex[F]", "x1"]
    np.testing.assert_allclose(b["coef"], [-a["coef"].iloc[0], a["coef"].iloc[1]], rtol=1e-6)
    np.testing.assert_allclose(b["se"], a["se"], rtol=1e-6)


def test_numeric_categorical():
    df = frame(5).assign(grade=lambda d: np.arange(len(d)) % 3)
    got = fine_gray(df, time="t", event="e", cause=1, covariates=["grade"], categorical=["grade"])
    assert got["term"].tolist() == ["grade[1]", "grade[2]"]


def test_invariant_to_row_order():
    df = frame(6)
    a = fine_gray(df, time="t", event="e", cause=1, covariates=["x1", "sex"])
    b = fine_gray(
        df.sample(frac=1, random_state=3), time="t", event="e", cause=1, covariates=["x1", "sex"]
    )
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


def test_shift_of_a_covariate_changes_nothing():
    df = frame(7)
    a = fine_gray(df, time="t", event="e", cause=1, covariates=["x1"])
    b = fine_gray(df.assign(x1=df["x1"] + 50), time="t", event="e", cause=1, covariates=["x1"])
    np.testing.assert_allclose(a["coef"], b["coef"], rtol=1e-9)
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-9)


def test_separation_warns():
    df = frame(8)
    df["flag"] = (df["e"] == 1).astype(float)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        fine_gray(df, time="t", event="e", cause=1, covariates=["flag"])


def test_converged_fit_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fine_gray(frame(9), time="t", event="e", cause=1, covariates=["x1"])


def only_competing(df):
    return df.assign(e=df["e"].replace(1, 2))


def negative_time(df):
    return df.assign(t=np.where(df.index == 0, -1.0, df["t"]))


def half_event(df):
    return df.assign(e=np.where(df.index == 0, 0.5, df["e"]))


def constant_x(df):
    return df.assign(x1=1.0)


@pytest.mark.parametrize(
    ("change", "kwargs", "match"),
    [
        (only_competing, {}, "no event with code 1"),
        (negative_time, {}, "negative times"),
        (half_event, {}, "positive integer cause"),
        (None, {"cause": 0}, "positive integer event code"),
        (None, {"cause": 1.5}, "positive integer event code"),
        (None, {"covariates": ["nope"]}, "no column"),
        (constant_x, {}, "do not vary"),
    ],
)
def test_bad_input(change, kwargs, match):
    df = frame(10)
    if change is not None:
        df = change(df)
    args = {"time": "t", "event": "e", "cause": 1, "covariates": ["x1"], **kwargs}
    with pytest.raises(DataError, match=match):
        fine_gray(df, **args)
