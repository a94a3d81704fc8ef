import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.hazard_regression import PHReg

from cartkit.errors import ConvergenceWarning, DataError
from cartkit.survival import fine_gray
from cartkit.survival.fine_gray import _Problem


class DenseProblem:
    """Fine-Gray sums with the full (failure time x subject) weight matrix (test oracle)."""

    def __init__(self, t: np.ndarray, status: np.ndarray, x: np.ndarray):
        self.t, self.status = t, status
        self.x = x - x.mean(axis=0)  # the likelihood is shift-invariant; centring avoids overflow
        n = len(t)
        # censoring Kaplan-Meier, read just before each subject's time
        ct, inverse = np.unique(t, return_inverse=True)
        count = np.bincount(inverse, minlength=len(ct)).astype(float)
        at_risk = n - np.concatenate(([0.0], np.cumsum(count)[:-1]))
        cens = np.bincount(inverse, weights=(status == 0).astype(float), minlength=len(ct))
        g_after = np.cumprod(1.0 - cens / at_risk)
        g_before = np.concatenate(([1.0], g_after[:-1]))
        if ct[0] == 0:
            # crr reads the censoring KM at t * (1 - eps), which is t itself at time zero
            g_before[0] = g_after[0]
        self.g_minus = g_before[inverse]
        fail = status == 1
        self.fail_times, self.d = np.unique(t[fail], return_counts=True)
        self.d = self.d.astype(float)
        self.lo = np.searchsorted(t, self.fail_times, side="left")
        self.fail_index = np.searchsorted(self.fail_times, t[fail])
        self.sum_x_fail = self.x[fail].sum(axis=0)
        gk = self.g_minus[self.lo]
        # weight of subject j in the risk set at failure time k
        idx = np.arange(n)
        later = idx[None, :] >= self.lo[:, None]
        competing = (status == 2)[None, :] & ~later
        self.w = np.where(later, 1.0, 0.0) + np.where(
            competing, gk[:, None] / self.g_minus[None, :], 0.0
        )

    def objective(self, b: np.ndarray) -> float:
        """Minus the log pseudo-likelihood (the function crr minimises)."""
        with np.errstate(over="ignore"):
            s0 = self.w @ np.exp(self.x @ b)
            return float(self.d @ np.log(s0) - self.sum_x_fail @ b)

    def derivatives(self, b: np.ndarray):
        """Objective, gradient and Hessian (the information) at ``b``."""
        r = np.exp(self.x @ b)
        wr = self.w * r[None, :]
        s0 = wr.sum(axis=1)
        s1 = wr @ self.x
        xbar = s1 / s0[:, None]
        n, p = self.x.shape
        outer = (self.x[:, :, None] * self.x[:, None, :]).reshape(n, p * p)
        s2 = (wr @ outer).reshape(-1, p, p) / s0[:, None, None]
        info = np.einsum("k,kpq->pq", self.d, s2 - xbar[:, :, None] * xbar[:, None, :])
        f = float(self.d @ np.log(s0) - self.sum_x_fail @ b)
        grad = self.d @ xbar - self.sum_x_fail
        return f, grad, info, (r, s0, xbar)

    def robust_middle(self, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Information and the middle of the sandwich, ``sum_i (eta_i + psi_i)^2``."""
        _, _, info, (r, s0, xbar) = self.derivatives(b)
        t, status, x, w = self.t, self.status, self.x, self.w
        n, p = x.shape
        ck = self.d / s0
        # eta: score residual of each subject (dN part minus its compensator)
        eta = -r[:, None] * (x * (w.T @ ck)[:, None] - w.T @ (ck[:, None] * xbar))
        fail = status == 1
        eta[fail] += x[fail] - xbar[self.fail_index]
        # psi: the part due to estimating the censoring distribution
        cens_times, n_cens = np.unique(t[status == 0], return_counts=True)
        psi = np.zeros((n, p))
        if len(cens_times):
            pos = np.searchsorted(t, cens_times, side="left")  # subjects before each time
            m_weight = ck[:, None] * w * r[None, :] * (status == 2)[None, :]
            q = np.zeros((len(cens_times), p))
            # failure times at or after each censoring time
            ahead = self.fail_times[:, None] >= cens_times[None, :]
            for col in range(p + 1):
                vals = m_weight if col == p else m_weight * x[:, col][None, :]
                csum = np.concatenate((np.zeros((len(ck), 1)), np.cumsum(vals, axis=1)), axis=1)
                below = csum[:, pos]  # (failure time, censoring time): sum over t_j < u
                if col == p:
                    q -= np.einsum("km,kp->mp", below * ahead, xbar)
                else:
                    q[:, col] += (below * ahead).sum(axis=0)
            at_risk = (n - pos).astype(float)
            step = -n_cens[:, None] * q / at_risk[:, None] ** 2
            cum = np.cumsum(step, axis=0)
            m_of = np.searchsorted(cens_times, t, side="right") - 1  # last censoring time <= t_i
            has = m_of >= 0
            psi[has] = cum[m_of[has]]
            cen = status == 0
            mi = m_of[cen]
            psi[cen] += q[mi] / at_risk[mi][:, None]
        u = eta + psi
        return info, u.T @ u


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
    got = fine_gray(df, time="t", event="e", cause=1, covariates=["x1", "sex"]).table
    coef, se = cox_robust(df["t"], df["e"], np.column_stack([df["x1"], df["sex"] == "M"]))
    # crr stops at its gradient tolerance: agreement with a fully converged Cox is ~1e-8
    np.testing.assert_allclose(got["coef"], coef, rtol=1e-6)
    np.testing.assert_allclose(got["se"], se, rtol=1e-6)


def test_without_censoring_competing_events_stay_at_risk():
    # no censoring: G = 1, so Fine-Gray is Cox with competing events kept in the risk set
    df = frame(2, censor=0.0)
    got = fine_gray(df, time="t", event="e", cause=1, covariates=["x1", "sex"]).table
    t = np.where(df["e"] == 1, df["t"], df["t"].max() + 1)
    coef, se = cox_robust(
        t, (df["e"] == 1).astype(int), np.column_stack([df["x1"], df["sex"] == "M"])
    )
    np.testing.assert_allclose(got["coef"], coef, rtol=1e-6)
    np.testing.assert_allclose(got["se"], se, rtol=1e-6)


def test_columns_terms_and_counts():
    df = frame(3)
    df.loc[[0, 5], "x1"] = np.nan
    fit = fine_gray(df, time="t", event="e", cause=2, covariates=["x1", "sex"], conf_level=0.9)
    got = fit.table
    assert list(got.columns) == [
        "term",
        "estimate",
        "ci_lower",
        "ci_upper",
        "p_value",
        "coef",
        "se",
        "shr",
        "covariate",
        "reference",
        "n",
        "n_events",
    ]
    assert got["term"].tolist() == ["x1", "sex[M]"]
    assert got["reference"].tolist() == ["", "F"]
    assert fit.n_excluded == 2 and fit.n == 118 and fit.n_events == got["n_events"].iloc[0]
    assert fit.model == "fine_gray" and fit.details["cause"] == 2 and fit.conf_level == 0.9
    assert got["n"].iloc[0] == 118
    assert got["n_events"].iloc[0] == int((df["e"].drop([0, 5]) == 2).sum())
    z = 1.6448536269514722
    np.testing.assert_allclose(got["ci_lower"], np.exp(got["coef"] - z * got["se"]))
    np.testing.assert_allclose(got["shr"], np.exp(got["coef"]))
    np.testing.assert_array_equal(got["estimate"], got["shr"])


def test_reference_level_flips_the_sign():
    df = frame(4)
    a = fine_gray(df, time="t", event="e", cause=1, covariates=["sex", "x1"]).table
    b = fine_gray(
        df, time="t", event="e", cause=1, covariates=["sex", "x1"], reference={"sex": "M"}
    ).table
    assert b["term"].tolist() == ["sex[F]", "x1"]
    np.testing.assert_allclose(b["coef"], [-a["coef"].iloc[0], a["coef"].iloc[1]], rtol=1e-6)
    np.testing.assert_allclose(b["se"], a["se"], rtol=1e-6)


def test_numeric_categorical():
    df = frame(5).assign(grade=lambda d: np.arange(len(d)) % 3)
    got = fine_gray(
        df, time="t", event="e", cause=1, covariates=["grade"], categorical=["grade"]
    ).table
    assert got["term"].tolist() == ["grade[1]", "grade[2]"]


def test_invariant_to_row_order():
    df = frame(6)
    a = fine_gray(df, time="t", event="e", cause=1, covariates=["x1", "sex"]).table
    b = fine_gray(
        df.sample(frac=1, random_state=3), time="t", event="e", cause=1, covariates=["x1", "sex"]
    ).table
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


def test_shift_of_a_covariate_changes_nothing():
    df = frame(7)
    a = fine_gray(df, time="t", event="e", cause=1, covariates=["x1"]).table
    b = fine_gray(
        df.assign(x1=df["x1"] + 50), time="t", event="e", cause=1, covariates=["x1"]
    ).table
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


def test_time_zero_reads_censoring_km_at_zero_as_crr():
    # crr reads G at t * (1 - eps): at t = 0 that is G(0), censorings at zero included
    t = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 3.0])
    status = np.array([0, 2, 1, 1, 0, 1])
    prob = _Problem(t, status, np.arange(6.0)[:, None])
    np.testing.assert_allclose(prob.g_minus, [5 / 6] * 3 + [5 / 6, 5 / 6, 5 / 6 * 1 / 2])
    df = pd.DataFrame({"t": t, "e": status, "x": [0.0, 1, 0, 1, 0, 1]})
    got = fine_gray(df, time="t", event="e", cause=1, covariates=["x"]).table
    assert np.isfinite(got["se"]).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prefix_sums_match_the_dense_weight_matrix(seed):
    rng = np.random.default_rng(seed)
    n = 70
    t = np.sort(rng.integers(0, 12, n).astype(float))  # ties, time zero, censoring at zero
    status = rng.choice([0, 1, 2], n)
    x = rng.normal(size=(n, 3))
    b = rng.normal(scale=0.3, size=3)
    fast, dense = _Problem(t, status, x), DenseProblem(t, status, x)
    assert fast.objective(b) == pytest.approx(dense.objective(b), rel=1e-12)
    f1, g1, i1, _ = fast.derivatives(b)
    assert f1 == pytest.approx(dense.objective(b), rel=1e-12)
    _, g2, i2, _ = dense.derivatives(b)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(i1, i2, rtol=1e-10)
    m1, m2 = fast.robust_middle(b)[1], dense.robust_middle(b)[1]
    np.testing.assert_allclose(m1, m2, rtol=1e-10)


@pytest.mark.parametrize("cause", [1, 2])
def test_bmtcrr_fit_agrees_with_dense_sums(cause):
    # casebase's bmtcrr (177 transplants, relapse vs transplant-related death), no R values
    from pathlib import Path

    df = pd.read_csv(Path(__file__).parents[1] / "reference" / "bmtcrr.csv")
    fit = fine_gray(
        df, time="ftime", event="Status", cause=cause, covariates=["female", "all", "Age"]
    )
    got = fit.table
    assert fit.converged and fit.warnings == ()
    assert got["n_events"].iloc[0] == int((df["Status"] == cause).sum())
    order = np.argsort(df["ftime"].to_numpy(), kind="stable")
    t = df["ftime"].to_numpy()[order]
    e = df["Status"].to_numpy()[order]
    status = np.where(e == cause, 1, np.where(e > 0, 2, 0))
    x = df[["female", "all", "Age"]].to_numpy(float)[order]
    info, middle = DenseProblem(t, status, x).robust_middle(got["coef"].to_numpy())
    inv = np.linalg.inv(info)
    np.testing.assert_allclose(got["se"], np.sqrt(np.diag(inv @ middle @ inv)), rtol=1e-10)
