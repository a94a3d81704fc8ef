"""Invariances of the Cox fit and hand-checkable cases."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from cartkit.errors import DataError
from cartkit.survival import cox

LUNG = pd.read_csv(Path(__file__).parents[1] / "reference" / "lung.csv")
COVARIATES = ["age", "sex", "ph.ecog"]
BASE = cox(LUNG, time="time", event="event", covariates=COVARIATES)
BASE_ZPH = BASE.ph_test()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(seed):
    shuffled = LUNG.sample(frac=1.0, random_state=np.random.RandomState(seed))
    model = cox(shuffled, time="time", event="event", covariates=COVARIATES)
    np.testing.assert_allclose(model.table["coef"], BASE.table["coef"], rtol=1e-10)
    np.testing.assert_allclose(model.table["se"], BASE.table["se"], rtol=1e-10)
    np.testing.assert_allclose(model.ph_test()["statistic"], BASE_ZPH["statistic"], rtol=1e-9)


@settings(max_examples=15, deadline=None)
@given(
    shift=st.floats(-1e3, 1e3, allow_nan=False),
    scale=st.floats(0.01, 100.0, allow_nan=False),
)
def test_covariate_shift_and_scale(shift, scale):
    moved = LUNG.assign(age=LUNG["age"] * scale + shift)
    model = cox(moved, time="time", event="event", covariates=COVARIATES)
    coef = model.table["coef"].to_numpy()
    assert coef[0] == pytest.approx(BASE.table["coef"].iloc[0] / scale, rel=1e-8)
    np.testing.assert_allclose(coef[1:], BASE.table["coef"].iloc[1:], rtol=1e-8)
    assert model.loglik == pytest.approx(BASE.loglik, rel=1e-10)


def test_only_the_order_of_times_matters():
    # a monotone transform of time changes neither the fit nor the km-scale PH test
    stretched = LUNG.assign(time=np.sqrt(LUNG["time"]) * 10 + 3)
    model = cox(stretched, time="time", event="event", covariates=COVARIATES)
    np.testing.assert_allclose(model.table["coef"], BASE.table["coef"], rtol=1e-10)
    np.testing.assert_allclose(model.ph_test()["statistic"], BASE_ZPH["statistic"], rtol=1e-9)
    np.testing.assert_allclose(
        model.ph_test("rank")["statistic"], BASE.ph_test("rank")["statistic"], rtol=1e-9
    )


def untied_frame(seed, n=60):
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, size=n)
    t = rng.exponential(np.exp(-0.7 * arm))
    c = rng.exponential(1.2, size=n)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm})


def logrank_by_hand(df):
    """Two-group log-rank chi-square: sum of (O - E) over its hypergeometric variance."""
    o_e, var = 0.0, 0.0
    for t in np.unique(df.loc[df["event"] == 1, "time"]):
        at_risk = df[df["time"] >= t]
        n, n1 = len(at_risk), int(at_risk["arm"].sum())
        dead = at_risk[(at_risk["time"] == t) & (at_risk["event"] == 1)]
        d, d1 = len(dead), int(dead["arm"].sum())
        o_e += d1 - d * n1 / n
        if n > 1:
            var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_e**2 / var


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_score_test_is_logrank_without_ties(seed):
    df = untied_frame(seed)
    assert df["time"].is_unique
    efron = cox(df, time="time", event="event", covariates="arm")
    breslow = cox(df, time="time", event="event", covariates="arm", ties="breslow")
    assert efron.score_test.statistic == pytest.approx(logrank_by_hand(df), rel=1e-10)
    # without ties the two approximations are the same likelihood
    np.testing.assert_allclose(efron.table["coef"], breslow.table["coef"], rtol=1e-12)
    np.testing.assert_allclose(efron.table["se"], breslow.table["se"], rtol=1e-12)
    assert efron.loglik == pytest.approx(breslow.loglik, rel=1e-13)


def test_four_subjects_by_hand():
    # deaths at 1, 2, 3 (x = 1, 0, 1), censored at 4 (x = 0): with r = exp(b)
    # L(b) = r / (2r + 2) * 1 / (r + 2) * r / (r + 1)
    df = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 1, 1, 0], "x": [1, 0, 1, 0]})

    def loglik(b):
        r = np.exp(b)
        return np.log(r / (2 * r + 2)) + np.log(1 / (r + 2)) + np.log(r / (r + 1))

    best = optimize.minimize_scalar(lambda b: -loglik(b), bracket=(-1, 1), tol=1e-12)
    model = cox(df, time="time", event="event", covariates="x")
    assert model.table["coef"].iloc[0] == pytest.approx(best.x, rel=1e-6)
    assert model.loglik == pytest.approx(loglik(model.table["coef"].iloc[0]), rel=1e-13)
    assert model.loglik_null == pytest.approx(loglik(0.0), rel=1e-13)
    # observed information by a central second difference
    b, h = model.table["coef"].iloc[0], 1e-4
    info = -(loglik(b + h) - 2 * loglik(b) + loglik(b - h)) / h**2
    assert model.table["se"].iloc[0] == pytest.approx(info**-0.5, rel=1e-6)


def test_efron_tie_by_hand():
    # two deaths tied at time 1 (x = 1 and 0) among four at risk (x = 1, 0, 2, 0): with
    # r = exp(b) the risk set sums to s = r^2 + r + 2 and the deaths to r + 1, so
    # Efron:   r / (s * (s - (r + 1) / 2))
    # Breslow: r / s^2
    df = pd.DataFrame({"time": [1, 1, 2, 3], "event": [1, 1, 0, 1], "x": [1, 0, 2, 0]})

    def efron(b):
        r = np.exp(b)
        s = r**2 + r + 2
        return np.log(r / (s * (s - (r + 1) / 2)))

    def breslow(b):
        r = np.exp(b)
        return np.log(r / (r**2 + r + 2) ** 2)

    for ties, loglik in (("efron", efron), ("breslow", breslow)):
        model = cox(df, time="time", event="event", covariates="x", ties=ties)
        b = model.table["coef"].iloc[0]
        # the death at time 3 is alone in its risk set and adds log(1) = 0
        assert model.loglik == pytest.approx(loglik(b), rel=1e-13)
        assert model.loglik_null == pytest.approx(loglik(0.0), rel=1e-13)
        h = 1e-6
        assert (loglik(b + h) - loglik(b - h)) / (2 * h) == pytest.approx(0.0, abs=1e-7)
        assert abs(b) > 0.1  # a case where the estimate is not trivially zero


def test_unknown_ph_transform():
    with pytest.raises(DataError, match="transform must be one of"):
        BASE.ph_test("loglog")


def tied_frame(seed=11, n=90):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    group = rng.choice(["a", "b", "c"], size=n)
    t = np.ceil(rng.exponential(np.exp(-0.5 * x)) * 5)
    c = np.ceil(rng.exponential(1.5, size=n) * 5)
    return pd.DataFrame(
        {
            "time": np.minimum(t, c),
            "event": (t <= c).astype(int),
            "x": x,
            "group": group,
            "s": rng.integers(0, 3, size=n),
        }
    )


TIED = tied_frame()
TIED_ARGS = {"time": "time", "event": "event", "covariates": ["x", "group"], "strata": "s"}
TIED_BASE = cox(TIED, **TIED_ARGS)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter_with_ties_strata_and_levels(seed):
    shuffled = TIED.sample(frac=1.0, random_state=np.random.RandomState(seed))
    model = cox(shuffled, **TIED_ARGS)
    np.testing.assert_allclose(model.table["coef"], TIED_BASE.table["coef"], rtol=1e-10)
    np.testing.assert_allclose(model.table["se"], TIED_BASE.table["se"], rtol=1e-10)
    np.testing.assert_allclose(
        model.ph_test()["statistic"], TIED_BASE.ph_test()["statistic"], rtol=1e-9
    )
