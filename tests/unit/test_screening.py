from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from cartkit.errors import DataError
from cartkit.regression.logistic import logistic
from cartkit.regression.screening import Screening, models, screen


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    n = 120
    strong = rng.normal(size=n)
    noise = rng.normal(size=n)
    grp = rng.choice(["a", "b", "c"], size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * strong)))).astype(int)
    return pd.DataFrame({"y": y, "strong": strong, "noise": noise, "grp": grp, "k": 1.0})


def test_screen_with_logistic(data):
    s = screen(
        data, fit=logistic, covariates=["strong", "noise", "grp", "k"], threshold=0.2, outcome="y"
    )
    assert isinstance(s, Screening)
    uni = s.univariate
    # each candidate fitted alone: its univariate p is that of its own one-covariate model
    alone = logistic(data, outcome="y", covariates=["noise"])
    assert uni.loc[uni.term == "noise", "p_value"].item() == pytest.approx(alone.table.p_value[1])
    # the multi-level covariate is represented by its smallest term p
    grp_p = uni.loc[uni.covariate == "grp", "p_value"]
    assert len(grp_p) == 2
    assert (uni.loc[uni.covariate == "grp", "candidate_p"] == grp_p.min()).all()
    expected = [
        c
        for c in ["strong", "noise", "grp"]
        if uni.loc[uni.covariate == c, "candidate_p"].iloc[0] < 0.2
    ]
    assert "strong" in expected
    assert s.selected == tuple(expected)
    # the constant covariate is reported, not selected, with the reason
    k = uni[uni.covariate == "k"]
    assert not k.selected.item() and "same value" in k.note.item()
    # the multivariable model is exactly the logistic fit of the selected covariates
    multi = logistic(data, outcome="y", covariates=list(expected))
    np.testing.assert_allclose(s.multivariable.coef, multi.table.coef, rtol=1e-12)
    assert "0.2" in s.rule
    assert set(s.table.stage) == {"univariate", "multivariable"}


def test_screen_nothing_selected(data):
    s = screen(data, fit=logistic, covariates=["noise"], threshold=1e-9, outcome="y")
    assert s.selected == ()
    assert len(s.multivariable) == 0
    assert "p_value" in s.multivariable.columns


class _CoxStub:
    """A stand-in for a Cox result: a fixed table per covariate set (not a real model)."""

    P: ClassVar[dict] = {"bca": 0.01, "sex": 0.15, "age": 0.6}

    def __init__(self, covariates):
        self.table = pd.DataFrame(
            {
                "term": covariates,
                "coef": [0.1] * len(covariates),
                "se": [0.2] * len(covariates),
                "hr": [1.1] * len(covariates),
                "ci_lower": [0.9] * len(covariates),
                "ci_upper": [1.3] * len(covariates),
                "p_value": [self.P[c] / 2 for c in covariates]
                if len(covariates) > 1
                else [self.P[covariates[0]]],
                "covariate": covariates,
                "reference": [""] * len(covariates),
            }
        )


def cox_stub(df, *, covariates, time, event):
    assert time == "t" and event == "e"  # the fit keywords reach every fit
    return _CoxStub(list(covariates))


def test_screen_with_a_cox_like_fit_object():
    df = pd.DataFrame({"t": [1.0], "e": [1]})
    s = screen(df, fit=cox_stub, covariates=["bca", "sex", "age"], time="t", event="e")
    assert s.selected == ("bca", "sex")
    assert s.univariate.candidate_p.tolist() == [0.01, 0.15, 0.6]
    assert s.multivariable.term.tolist() == ["bca", "sex"]
    assert s.multivariable.p_value.tolist() == [0.005, 0.075]
    assert "hr" in s.multivariable.columns


def test_models_side_by_side(data):
    t = models(
        data,
        fit=logistic,
        specs={"Model 1": ["strong"], "Model 2": ["strong", "noise"]},
        outcome="y",
    )
    assert t.columns[0] == "model"
    assert t.model.tolist() == ["Model 1"] * 2 + ["Model 2"] * 3
    m2 = logistic(data, outcome="y", covariates=["strong", "noise"])
    np.testing.assert_allclose(t[t.model == "Model 2"].coef, m2.table.coef)


def test_bad_fit_and_arguments(data):
    # a fit that breaks the protocol is a programming error, never hidden in the table
    with pytest.raises(TypeError, match="must return a DataFrame"):
        screen(data, fit=lambda df, covariates: 3, covariates=["x"])
    with pytest.raises(TypeError, match="lacks column"):
        screen(data, fit=lambda df, covariates: pd.DataFrame({"term": ["x"]}), covariates=["x"])
    with pytest.raises(DataError, match="threshold"):
        screen(data, fit=logistic, covariates=["noise"], threshold=0, outcome="y")
    with pytest.raises(DataError, match="no model"):
        models(data, fit=logistic, specs={})
