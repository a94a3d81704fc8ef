"""The contract for a coefficient whose estimate runs to infinity (monotone likelihood).

As R's coxph (coxfit6): the iterations stop when the log-likelihood changes by a relative 1e-9
or after 20 of them; a term whose pending Newton step is still large against its coefficient
(on covariates scaled by their mean absolute deviation) is flagged once. The flagged terms get
an infinite SE, the interval (0, inf) and p = 1; the others are estimated as usual. Every
decision has orders of magnitude of margin, so it is the same whatever the BLAS kernel.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartkit.errors import ConvergenceWarning
from cartkit.survival import cox
from cartkit.survival._cox_checks import strata_codes
from cartkit.survival._cox_fit import ITER_MAX, TOLER_INF, newton_raphson, prepare

LUNG = pd.read_csv(Path(__file__).parents[1] / "reference" / "lung.csv")


def frame(seed=3, n=80):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    group = rng.choice(["a", "b", "c"], size=n)
    t = np.round(rng.exponential(np.exp(-0.5 * x)) * 50) + 1
    c = np.round(rng.exponential(1.5, size=n) * 50) + 1
    return pd.DataFrame(
        {"time": np.minimum(t, c), "event": (t <= c).astype(int), "x": x, "group": group}
    )


def no_events_in_c():
    df = frame()
    return df.assign(event=np.where(df["group"] == "c", 0, df["event"]))


def ordered(scale=1.0):
    # the larger x, the earlier the death, without exception; x on any scale
    x = np.arange(10.0)
    return pd.DataFrame(
        {
            "t": np.arange(1, 11, dtype=float),
            "e": [1, 1, 1, 1, 1, 0, 1, 0, 1, 0],
            "x": -x * scale + np.array([0, 3, 1, 2, 5, 4, 6, 8, 7, 9]) * scale * 1e-6,
        }
    )


INFCOX = pd.DataFrame(  # survival's tests/infcox.R: every event has x1 = 0 and x2 = 0
    {
        "futime": range(1, 13),
        "fustat": [1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        "x1": [0, 1] * 6,
        "x2": [0] * 6 + [1] * 6,
    }
)

UNDERFLOW = pd.DataFrame(  # the information on x used to underflow before the divergence was seen
    {
        "t": np.arange(1, 11, dtype=float),
        "e": [1, 1, 1, 1, 1, 0, 1, 0, 1, 0],
        "x": -np.arange(1, 11) * 1e5 + np.array([0, 3, 1, 2, 5, 4, 6, 8, 7, 9]),
    }
)

CASES = {
    "level without events": (
        no_events_in_c(),
        {"time": "time", "event": "event", "covariates": ["x", "group"]},
        {"group[c]": -1},
    ),
    "ordered covariate": (ordered(), {"time": "t", "event": "e", "covariates": "x"}, {"x": 1}),
    "ordered, copies/ug scale": (
        ordered(1e5),
        {"time": "t", "event": "e", "covariates": "x"},
        {"x": 1},
    ),
    "copies/ug, information underflow": (
        UNDERFLOW,
        {"time": "t", "event": "e", "covariates": "x"},
        {"x": 1},
    ),
    "two separating terms": (
        INFCOX,
        {"time": "futime", "event": "fustat", "covariates": ["x1", "x2"]},
        {"x1": -1, "x2": -1},
    ),
}


def fit_recording(df, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = cox(df, **kwargs)
    return model, [w for w in caught if issubclass(w.category, ConvergenceWarning)]


@pytest.mark.parametrize("case", list(CASES))
def test_infinite_terms_are_flagged_once_with_infinite_se(case):
    df, kwargs, expected = CASES[case]
    model, caught = fit_recording(df, **kwargs)
    assert model.infinite == tuple(expected)
    assert not model.converged
    assert model.iterations <= ITER_MAX
    assert len(caught) == 1  # one warning for all flagged terms
    message = str(caught[0].message)
    assert "may be infinite" in message  # R's wording, quoted
    for term in expected:
        assert repr(term) in message
    table = model.table.set_index("term")
    for term, sign in expected.items():
        row = table.loc[term]
        assert np.sign(row["coef"]) == sign
        assert np.isinf(row["se"]) and row["p_value"] == 1.0
        assert row["ci_lower"] == 0.0 and row["ci_upper"] == np.inf
        assert model.covariance.loc[term, term] == np.inf
    others = table.drop(index=list(expected))
    assert np.isfinite(others[["coef", "se", "ci_lower", "ci_upper", "p_value"]]).all().all()
    # stopped on the log-likelihood, long before exp() could underflow
    assert np.isfinite(model.loglik) and model.loglik > model.loglik_null


@pytest.mark.parametrize("case", list(CASES))
def test_every_decision_has_a_wide_margin(case):
    # the pending Newton step of a flagged term is >= 100 times the threshold, that of a
    # finite term <= 1/100 of it: rounding (any BLAS kernel) cannot flip the flag
    df, kwargs, expected = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cox(df, **kwargs)
    rs = model._risk_sets
    fit = newton_raphson(rs)
    ratio = np.abs(fit.pending) / (TOLER_INF * (1 + np.abs(fit.scaled_beta)))
    flagged = np.isin(model.table["term"], list(expected))
    assert np.all(ratio[flagged] >= 100)
    assert np.all(ratio[~flagged] <= 1e-2)
    # and the scaled coefficients stay moderate: no chase to underflow
    assert np.all(np.abs(fit.scaled_beta) < 200)


def test_finite_terms_are_those_of_the_limiting_model():
    # with no events in level c its coefficient runs to -inf, which takes group c out of every
    # risk set: the other terms converge to the fit without group c
    model, _ = fit_recording(
        no_events_in_c(), time="time", event="event", covariates=["x", "group"]
    )
    data = no_events_in_c()
    limit = cox(data[data["group"] != "c"], time="time", event="event", covariates=["x", "group"])
    got = model.table.set_index("term").loc[["x", "group[b]"]]
    want = limit.table.set_index("term")
    np.testing.assert_allclose(got["coef"], want["coef"], rtol=1e-5)
    np.testing.assert_allclose(got["se"], want["se"], rtol=1e-5)
    assert model.loglik == pytest.approx(limit.loglik, rel=1e-8)


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_the_flag_does_not_depend_on_the_covariate_unit(scale):
    model, caught = fit_recording(ordered(scale), time="t", event="e", covariates="x")
    assert model.infinite == ("x",) and len(caught) == 1
    base, _ = fit_recording(ordered(), time="t", event="e", covariates="x")
    assert model.loglik == pytest.approx(base.loglik, rel=1e-9)
    assert model.table["coef"].iloc[0] * scale == pytest.approx(
        base.table["coef"].iloc[0], rel=1e-6
    )
    # the likelihood-ratio test still sees the association
    assert model.lr_test.p_value < 1e-3


def test_a_time_dependent_covariate_can_be_infinite():
    # nobody dies after switching z on: z's coefficient runs to -inf
    df = pd.DataFrame(
        {
            "id": [1, 1, 2, 2, 3, 4, 5, 5, 6, 7],
            "start": [0, 4, 0, 6, 0, 0, 0, 3, 0, 0],
            "stop": [4, 10, 6, 12, 5, 7, 3, 9, 8, 11],
            "event": [0, 0, 0, 0, 1, 1, 0, 0, 1, 1],
            "z": [0, 1, 0, 1, 0, 0, 0, 1, 0, 0],
        }
    )
    model, caught = fit_recording(df, start="start", time="stop", event="event", covariates="z")
    assert model.infinite == ("z",) and len(caught) == 1
    assert model.table["coef"].iloc[0] < 0 and np.isinf(model.table["se"].iloc[0])


def test_a_regular_fit_flags_nothing():
    model, caught = fit_recording(
        LUNG, time="time", event="event", covariates=["age", "sex", "ph.ecog"]
    )
    assert caught == [] and model.infinite == () and model.converged
    assert model.iterations < 10


def test_prepare_scales_by_the_mean_absolute_deviation():
    df = LUNG.dropna(subset=["age", "ph.ecog"])
    x = df[["age", "ph.ecog"]].to_numpy(float)
    codes = strata_codes(df, [])
    rs = prepare(None, df["time"].to_numpy(float), df["event"].to_numpy() == 1, x, codes, "efron")
    centred = x - x.mean(axis=0)
    np.testing.assert_allclose(rs.scale, 1.0 / np.mean(np.abs(centred), axis=0), rtol=1e-12)
