"""Counting-process (start, stop] Cox fits and the robust variance, by definition and invariance.

The loops below follow the textbook definitions (Andersen & Gill 1982; Therneau & Grambsch
2000, ch. 3 and 5): at each death time ``t`` of a stratum, the risk set is every row of the
stratum with ``start < t <= stop``; ``k = 0..d-1`` terms down-weight the ``d`` tied deaths by
``k/d`` (Efron) or not at all (Breslow). The score residual of a row is its share of the score,
``sum over terms (dN - Y r w / den) (x - mean)``; the robust variance is ``D'D`` with ``D`` the
dfbeta residuals (``U V``) summed within clusters (Lin & Wei 1989).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.errors import DataError
from cartkit.survival import cox, logrank


def terms(start, stop, dead, strata, ties):
    """Yield (at_risk mask, dying mask, k, d) per likelihood term."""
    for s in np.unique(strata):
        for t in np.unique(stop[(strata == s) & dead]):
            at_risk = (strata == s) & (start < t) & (stop >= t)
            dying = at_risk & dead & (stop == t)
            d = int(dying.sum())
            for k in range(d):
                yield at_risk, dying, (k / d if ties == "efron" else 0.0), d


def brute(beta, start, stop, dead, x, strata, ties):
    """Log partial likelihood, score, information and score residuals, loop by loop."""
    r = np.exp(x @ beta)
    p = x.shape[1]
    ll, u, info = 0.0, np.zeros(p), np.zeros((p, p))
    resid = np.zeros_like(x)
    for at_risk, dying, f, d in terms(start, stop, dead, strata, ties):
        w = r * at_risk - f * r * dying  # the k-th term's weights
        den = w.sum()
        mean = w @ x / den
        ll += float(np.sum(x[dying] @ beta)) / d - np.log(den)
        u += x[dying].sum(axis=0) / d - mean
        info += (x * w[:, None]).T @ x / den - np.outer(mean, mean)
        resid += (dying[:, None] / d - w[:, None] / den) * (x - mean)
    return ll, u, info, resid


def tv_frame(seed, n=60, n_strata=1):
    """Subjects followed over 1-3 intervals, late entry for some, a covariate that changes."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        t = 0.0 if rng.random() < 0.7 else float(rng.integers(1, 5))
        z = rng.normal()
        group = rng.choice(["a", "b"])
        s = int(rng.integers(0, n_strata))
        for j in range(int(rng.integers(1, 4))):
            stop = t + float(rng.integers(1, 8))  # whole days: tied deaths
            last = j == 2 or rng.random() < 0.4
            dead = bool(last and rng.random() < np.exp(0.5 * z) / (1 + np.exp(0.5 * z)))
            rows.append((i, t, stop, int(dead), z + 0.3 * j, group, s))
            t = stop
            if last:
                break
    return pd.DataFrame(rows, columns=["id", "start", "stop", "event", "z", "group", "s"])


def arrays(df):
    x = np.column_stack([df["z"], (df["group"] == "b").astype(float)])
    return (
        df["start"].to_numpy(float),
        df["stop"].to_numpy(float),
        df["event"].to_numpy() == 1,
        x,
        df["s"].to_numpy(),
    )


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize(("seed", "n_strata"), [(1, 1), (2, 3), (3, 20)])
def test_fit_is_the_maximum_of_the_plain_likelihood(ties, seed, n_strata):
    df = tv_frame(seed, n_strata=n_strata)
    strata = "s" if n_strata > 1 else None
    kwargs = {"start": "start", "time": "stop", "event": "event", "ties": ties, "strata": strata}
    model = cox(df, covariates=["z", "group"], **kwargs)
    start, stop, dead, x, s = arrays(df)
    beta = model.table["coef"].to_numpy()
    ll, u, info, _ = brute(beta, start, stop, dead, x, s, ties)
    assert model.loglik == pytest.approx(ll, rel=1e-12)
    np.testing.assert_allclose(u, 0.0, atol=1e-8)
    np.testing.assert_allclose(np.linalg.inv(info), model.covariance.to_numpy(), rtol=1e-8)
    ll0, u0, i0, _ = brute(np.zeros(2), start, stop, dead, x, s, ties)
    assert model.loglik_null == pytest.approx(ll0, rel=1e-12)
    assert model.score_test.statistic == pytest.approx(u0 @ np.linalg.solve(i0, u0), rel=1e-10)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("n_strata", [1, 3])
def test_robust_variance_by_definition(ties, n_strata):
    df = tv_frame(7, n_strata=n_strata)
    strata = "s" if n_strata > 1 else None
    model = cox(
        df,
        start="start",
        time="stop",
        event="event",
        covariates=["z", "group"],
        ties=ties,
        strata=strata,
        cluster="id",
    )
    start, stop, dead, x, s = arrays(df)
    beta = model.table["coef"].to_numpy()
    _, _, info, resid = brute(beta, start, stop, dead, x, s, ties)
    np.testing.assert_allclose(resid.sum(axis=0), 0.0, atol=1e-8)  # they sum to the score
    dfbeta = resid @ np.linalg.inv(info)
    d = pd.DataFrame(dfbeta).groupby(df["id"].to_numpy()).sum().to_numpy()
    np.testing.assert_allclose(model.covariance.to_numpy(), d.T @ d, rtol=1e-8)
    np.testing.assert_allclose(model.table["se"], np.sqrt(np.diag(d.T @ d)), rtol=1e-8)
    np.testing.assert_allclose(
        model.table["naive_se"], np.sqrt(np.diag(np.linalg.inv(info))), rtol=1e-8
    )
    assert model.n_clusters == df["id"].nunique()
    # R's robust score test: residuals at beta = 0, summed per cluster
    _, _, _, resid0 = brute(np.zeros(2), start, stop, dead, x, s, ties)
    u0 = pd.DataFrame(resid0).groupby(df["id"].to_numpy()).sum().to_numpy()
    total = u0.sum(axis=0)
    expected = total @ np.linalg.solve(u0.T @ u0, total)
    assert model.robust_score_test.statistic == pytest.approx(expected, rel=1e-8)
    assert model.tests["test"].tolist()[-1] == "robust score"


def right_censored(seed, n=50):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    arm = rng.integers(0, 2, size=n)
    t = np.ceil(rng.exponential(np.exp(-0.5 * z - 0.4 * arm)) * 20)
    c = np.ceil(rng.exponential(2.0, size=n) * 20)
    return pd.DataFrame(
        {"id": np.arange(n), "time": np.minimum(t, c), "event": (t <= c).astype(int), "z": z,
         "arm": arm, "s": rng.integers(0, 2, size=n)}
    )  # fmt: skip


def split(df, cuts_per_row, rng):
    """Cut every row at random times inside (0, time): same subjects, several intervals."""
    parts = []
    for row, k in zip(df.itertuples(index=False), cuts_per_row, strict=True):
        cuts = np.unique(rng.uniform(0, row.time, size=k).round(3))
        cuts = cuts[(cuts > 0) & (cuts < row.time)]
        edges = np.r_[0.0, cuts, row.time]
        n = len(edges) - 1
        piece = pd.DataFrame({c: [getattr(row, c)] * n for c in df.columns})
        piece["start"], piece["time"] = edges[:-1], edges[1:]
        piece["event"] = [0] * (n - 1) + [row.event]
        parts.append(piece)
    return pd.concat(parts, ignore_index=True)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    data_seed=st.integers(0, 5),
    ties=st.sampled_from(["efron", "breslow"]),
)
def test_splitting_rows_changes_nothing(seed, data_seed, ties):
    df = right_censored(data_seed)
    rng = np.random.default_rng(seed)
    pieces = split(df, rng.integers(0, 4, size=len(df)), rng)
    kw = {"event": "event", "covariates": ["z", "arm"], "ties": ties, "strata": "s"}
    whole = cox(df, time="time", robust=True, **kw)
    parts = cox(pieces, start="start", time="time", cluster="id", **kw)
    for col in ("coef", "se", "naive_se", "p_value", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(parts.table[col], whole.table[col], rtol=1e-9, err_msg=col)
    assert parts.loglik == pytest.approx(whole.loglik, rel=1e-12)
    assert parts.loglik_null == pytest.approx(whole.loglik_null, rel=1e-12)
    for a, b in zip(parts.tests.itertuples(), whole.tests.itertuples(), strict=True):
        assert a.statistic == pytest.approx(b.statistic, rel=1e-9), a.test
    assert parts.n_events == whole.n_events and parts.n == len(pieces)
    for transform in ("km", "identity", "log"):
        np.testing.assert_allclose(
            parts.ph_test(transform)["statistic"], whole.ph_test(transform)["statistic"], rtol=1e-8
        )
    np.testing.assert_allclose(
        parts.ph_residuals()["estimate"], whole.ph_residuals()["estimate"], rtol=1e-8
    )


def test_one_subject_per_cluster_is_the_unclustered_robust_variance():
    df = right_censored(3)
    robust = cox(df, time="time", event="event", covariates=["z", "arm"], robust=True)
    clustered = cox(df, time="time", event="event", covariates=["z", "arm"], cluster="id")
    np.testing.assert_allclose(robust.table["se"], clustered.table["se"], rtol=1e-13)
    assert robust.robust and robust.cluster is None and robust.n_clusters == len(df)
    # and it is the dfbeta definition on the right-censored data
    start = np.full(len(df), -1.0)
    x = df[["z", "arm"]].to_numpy(float)
    beta = robust.table["coef"].to_numpy()
    _, _, info, resid = brute(
        beta, start, df["time"].to_numpy(float), df["event"].to_numpy() == 1, x,
        np.zeros(len(df)), "efron",
    )  # fmt: skip
    d = resid @ np.linalg.inv(info)
    np.testing.assert_allclose(robust.table["se"], np.sqrt(np.diag(d.T @ d)), rtol=1e-8)


def test_cluster_labels_and_row_order_do_not_matter():
    df = tv_frame(11)
    kw = {"start": "start", "time": "stop", "event": "event", "covariates": ["z", "group"]}
    base = cox(df, cluster="id", **kw)
    relabelled = df.assign(id=df["id"].map(lambda i: f"patient-{(i * 7919) % 1000}"))
    shuffled = relabelled.sample(frac=1.0, random_state=np.random.RandomState(5))
    other = cox(shuffled, cluster="id", **kw)
    np.testing.assert_allclose(other.table["se"], base.table["se"], rtol=1e-10)
    np.testing.assert_allclose(other.table["coef"], base.table["coef"], rtol=1e-10)


def test_delayed_entry_changes_the_fit():
    # late entrants are not at risk before they enter: dropping start is a different model
    df = tv_frame(13)
    with_start = cox(df, start="start", time="stop", event="event", covariates="z")
    assert (df.groupby("id")["start"].min() > 0).any()
    first = df.groupby("id")["start"].transform("min")
    as_if_from_zero = df.assign(start=np.where(df["start"] == first, 0.0, df["start"]))
    other = cox(as_if_from_zero, start="start", time="stop", event="event", covariates="z")
    assert with_start.loglik != pytest.approx(other.loglik, rel=1e-6)


def test_score_test_is_the_logrank_with_a_time_dependent_group():
    # no tied deaths: the Cox score test of a 0/1 term is the log-rank test
    rng = np.random.default_rng(21)
    df = tv_frame(21).assign(stop=lambda d: d["stop"] + rng.uniform(0, 1e-3, len(d)))
    df["start"] = df.groupby("id")["stop"].shift(1).fillna(df["start"])
    assert df.loc[df["event"] == 1, "stop"].is_unique
    df["b"] = df["group"] == "b"
    model = cox(df, start="start", time="stop", event="event", covariates="b")
    test = logrank(df, start="start", time="stop", event="event", group="b")
    assert model.score_test.statistic == pytest.approx(test.statistic, rel=1e-10)


def test_missing_cluster_excludes_the_row():
    df = tv_frame(4)
    df.loc[[0, 5], "id"] = np.nan
    model = cox(df, start="start", time="stop", event="event", covariates="z", cluster="id")
    assert model.n_excluded == 2 and model.n == len(df) - 2


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (lambda d: d.assign(start=d["stop"]), {}, r"end no later than they start"),
        (lambda d: d.assign(start=-1.0), {}, "negative time"),
        (lambda d: d, {"robust": True}, "needs cluster="),
        (lambda d: d, {"cluster": "nope"}, "'nope'"),
    ],
)
def test_bad_counting_process_input(change, kwargs, message):
    df = change(tv_frame(5))
    with pytest.raises(DataError, match=message):
        cox(df, start="start", time="stop", event="event", covariates="z", **kwargs)


def test_a_regular_counting_process_fit_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = cox(tv_frame(6), start="start", time="stop", event="event", covariates="z")
    assert model.start == "start" and model.converged
