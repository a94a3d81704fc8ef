"""The vectorised Cox fit and cox.zph test against a plain, loop-by-loop implementation.

The loops below follow the textbook definitions (Efron 1977; Therneau & Grambsch 2000, ch. 3
and 6): at each death time, ``k = 0..d-1`` terms whose risk set down-weights the ``d`` tied
deaths by ``k/d`` (Efron) or not at all (Breslow). ``cox.zph`` is the score test of adding
``x * g(t)`` at the fitted coefficients, ``g = 1 - KM(t-)`` centred over the deaths.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cartkit.survival import cox


def brute(beta, time, dead, x, strata, ties, g=None):
    """Log partial likelihood, score and information; with ``g`` the augmented model at 0."""
    r = np.exp(x @ beta)
    width = x.shape[1] * (1 if g is None else 2)
    ll, u, info = 0.0, np.zeros(width), np.zeros((width, width))
    for s in np.unique(strata):
        for t in np.unique(time[(strata == s) & dead]):
            at_risk = (strata == s) & (time >= t)
            deaths = (strata == s) & dead & (time == t)
            d = int(deaths.sum())
            z = x if g is None else np.hstack([x, g(t) * x])
            ll += float(np.sum(x[deaths] @ beta))
            u += z[deaths].sum(axis=0)
            for k in range(d):
                f = k / d if ties == "efron" else 0.0
                w = r * at_risk - f * r * deaths
                den = w.sum()
                mean = w @ z / den
                ll -= np.log(den)
                u -= mean
                info += (z * w[:, None]).T @ z / den - np.outer(mean, mean)
    return ll, u, info


def km_transform(time, dead):
    """g(t) = 1 - S(t-) of the pooled data, centred over the deaths, as R cox.zph('km')."""
    event_times = np.unique(time[dead])

    def surv_before(t):
        s = 1.0
        for u in event_times[event_times < t]:
            s *= 1 - np.sum(dead & (time == u)) / np.sum(time >= u)
        return s

    centre = np.mean([1 - surv_before(t) for t in time[dead]])
    return lambda t: 1 - surv_before(t) - centre


def frame(seed, n=70, n_strata=1):
    # more than 16 strata takes the grouped (loop-free) risk-set sums
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    group = rng.choice(["a", "b", "c"], size=n)
    # coarse times: many ties
    t = np.ceil(rng.exponential(np.exp(-0.6 * x + 0.4 * (group == "b"))) * 6)
    c = np.ceil(rng.exponential(1.5, size=n) * 6)
    return pd.DataFrame(
        {
            "time": np.minimum(t, c),
            "event": (t <= c).astype(int),
            "x": x,
            "group": group,
            "s": rng.integers(0, n_strata, size=n),
        }
    )


def arrays(df):
    x = np.column_stack(
        [df["x"], (df["group"] == "b").astype(float), (df["group"] == "c").astype(float)]
    )
    return df["time"].to_numpy(float), df["event"].to_numpy() == 1, x, df["s"].to_numpy()


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize(("seed", "n_strata"), [(1, 1), (2, 3), (3, 20)])
def test_fit_is_the_maximum_of_the_plain_likelihood(ties, seed, n_strata):
    df = frame(seed, n_strata=n_strata)
    strata = "s" if n_strata > 1 else None
    model = cox(df, time="time", event="event", covariates=["x", "group"], ties=ties, strata=strata)
    time, dead, x, s = arrays(df)
    beta = model.table["coef"].to_numpy()
    ll, u, info = brute(beta, time, dead, x, s, ties)
    assert model.loglik == pytest.approx(ll, rel=1e-12)
    np.testing.assert_allclose(u, 0.0, atol=1e-9)
    np.testing.assert_allclose(np.linalg.inv(info), model.covariance.to_numpy(), rtol=1e-9)
    ll0, u0, i0 = brute(np.zeros(3), time, dead, x, s, ties)
    assert model.loglik_null == pytest.approx(ll0, rel=1e-12)
    assert model.score_test.statistic == pytest.approx(u0 @ np.linalg.solve(i0, u0), rel=1e-10)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize(("seed", "n_strata"), [(5, 1), (6, 2), (7, 20)])
def test_zph_is_the_score_test_of_time_varying_terms(ties, seed, n_strata):
    df = frame(seed, n_strata=n_strata)
    strata = "s" if n_strata > 1 else None
    model = cox(df, time="time", event="event", covariates=["x", "group"], ties=ties, strata=strata)
    time, dead, x, s = arrays(df)
    beta = model.table["coef"].to_numpy()
    _, u, info = brute(beta, time, dead, x, s, ties, g=km_transform(time, dead))
    u[:3] = 0.0  # the fitted model's own score is zero at its estimate

    def score_test(cols):
        kk = np.r_[0, 1, 2, 3 + np.asarray(cols)]
        return u[kk] @ np.linalg.solve(info[np.ix_(kk, kk)], u[kk])

    table = model.ph_test().set_index("term")
    assert table.index.tolist() == ["x", "group", "GLOBAL"]
    assert table["dof"].tolist() == [1, 2, 3]
    assert table.loc["x", "statistic"] == pytest.approx(score_test([0]), rel=1e-9)
    assert table.loc["group", "statistic"] == pytest.approx(score_test([1, 2]), rel=1e-9)
    glob = u @ np.linalg.solve(info, u)
    assert table.loc["GLOBAL", "statistic"] == pytest.approx(glob, rel=1e-9)
    assert table.loc["GLOBAL", "p_value"] == pytest.approx(stats.chi2.sf(glob, 3), rel=1e-9)


@pytest.mark.parametrize(
    ("transform", "g"),
    [("identity", lambda t: t), ("log", np.log), ("rank", None)],
)
def test_zph_other_transforms(transform, g):
    df = frame(8)
    model = cox(df, time="time", event="event", covariates="x")
    time, dead, x, s = arrays(df)
    if g is None:
        ranks = stats.rankdata(time)
        centre = ranks[dead].mean()

        def gfun(t):
            return ranks[time == t][0] - centre
    else:
        centre = g(time[dead]).mean()

        def gfun(t):
            return g(t) - centre

    beta = model.table["coef"].to_numpy()
    _, u, info = brute(beta, time, dead, x[:, :1], s, "efron", g=gfun)
    u[0] = 0.0
    expected = u @ np.linalg.solve(info, u)
    table = model.ph_test(transform).set_index("term")
    assert table.loc["GLOBAL", "statistic"] == pytest.approx(expected, rel=1e-9)


def schoenfeld_by_loop(beta, time, dead, x, strata, ties):
    """Per death (ordered by stratum, time): x minus the mean of its Efron/Breslow terms."""
    r = np.exp(x @ beta)
    out = []
    for s in np.unique(strata):
        for t in np.unique(time[(strata == s) & dead]):
            at_risk = (strata == s) & (time >= t)
            deaths = (strata == s) & dead & (time == t)
            d = int(deaths.sum())
            means = []
            for k in range(d):
                f = k / d if ties == "efron" else 0.0
                w = r * at_risk - f * r * deaths
                means.append(w @ x / w.sum())
            for i in np.flatnonzero(deaths):
                out.append(x[i] - np.mean(means, axis=0))
    return np.array(out)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("n_strata", [1, 3])
def test_scaled_schoenfeld_residuals_by_definition(ties, n_strata):
    df = frame(12, n_strata=n_strata).assign(z=lambda d: np.sin(np.arange(len(d))))
    strata = "s" if n_strata > 1 else None
    model = cox(df, time="time", event="event", covariates=["x", "z"], ties=ties, strata=strata)
    time, dead, _, s = arrays(df)
    x = df[["x", "z"]].to_numpy()
    beta = model.table["coef"].to_numpy()
    resid = schoenfeld_by_loop(beta, time, dead, x, s, ties)
    # every covariate varies in every stratum: V = information / number of events
    _, _, info = brute(beta, time, dead, x, s, ties)
    expected = beta + resid @ np.linalg.inv(info / dead.sum())
    out = model.ph_residuals()
    assert out.columns.tolist() == ["time", "transformed_time", "term", "estimate"]
    wide = out["estimate"].to_numpy().reshape(-1, 2)
    np.testing.assert_allclose(wide, expected, rtol=1e-9, atol=1e-12)
    assert out["term"].tolist()[:2] == ["x", "z"]
    if n_strata == 1:
        # the residuals sum to the score, zero at the estimate: their mean is the estimate
        np.testing.assert_allclose(wide.mean(axis=0), beta, rtol=1e-8)
    # transformed_time is 1 - S(t-) of the pooled Kaplan-Meier (uncentred), at each death
    g = km_transform(time, dead)
    offset = g(0.0)  # g(0) = 1 - S(0-) - c = -c, with c the centring constant
    expected_x = [g(t) - offset for t in out["time"].iloc[::2]]
    np.testing.assert_allclose(out["transformed_time"].iloc[::2], expected_x, rtol=1e-12)


def test_scaled_schoenfeld_categorical_and_constant_in_a_stratum():
    df = frame(13, n_strata=2)
    model = cox(df, time="time", event="event", covariates=["x", "group"], strata="s")
    out = model.ph_residuals()
    assert sorted(set(out["term"])) == ["group", "x"]
    # a collapsed categorical covariate estimates the multiplier of its linear predictor
    unstrat = cox(df, time="time", event="event", covariates=["x", "group"]).ph_residuals()
    assert unstrat.loc[unstrat["term"] == "group", "estimate"].mean() == pytest.approx(1.0)
    # z varies only in stratum 1: its residuals are NaN for the deaths of stratum 0
    df2 = df.assign(z=np.where(df["s"] == 1, np.cos(np.arange(len(df))), 0.0))
    res = cox(df2, time="time", event="event", covariates=["x", "z"], strata="s").ph_residuals()
    z = res[res["term"] == "z"]
    n0 = int(df2.loc[df2["s"] == 0, "event"].sum())
    assert z["estimate"].iloc[:n0].isna().all()
    assert z["estimate"].iloc[n0:].notna().all()
    assert res.loc[res["term"] == "x", "estimate"].notna().all()
