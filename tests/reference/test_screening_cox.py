"""Univariate screening into a multivariable Cox model, as the study did, on R's lung data.

The multivariable fit is checked against R: coxph(Surv(time, event) ~ age + sex + ph.ecog, lung)
(lung_reference.json, efron), which is what p < 0.2 screening of these candidates selects."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cartkit as ck

HERE = Path(__file__).parent
LUNG = pd.read_csv(HERE / "lung.csv")
REF = json.loads((HERE / "lung_reference.json").read_text())


@pytest.fixture(scope="module")
def screening():
    data = LUNG.dropna(subset=["age", "sex", "ph.ecog"])
    return ck.screen(
        data,
        fit=ck.cox,
        covariates=["age", "sex", "ph.ecog"],
        threshold=0.2,
        time="time",
        event="event",
    )


def test_univariate_rows_are_single_covariate_fits(screening):
    data = LUNG.dropna(subset=["age", "sex", "ph.ecog"])
    for cov in ("age", "sex", "ph.ecog"):
        alone = ck.cox(data, time="time", event="event", covariates=[cov]).table
        row = screening.univariate[screening.univariate["covariate"] == cov]
        np.testing.assert_allclose(
            row["p_value"].to_numpy(), alone["p_value"].to_numpy(), rtol=1e-12
        )


def test_selected_into_the_multivariable_model_matches_r(screening):
    assert list(screening.selected) == ["age", "sex", "ph.ecog"]
    table = screening.multivariable.set_index("term")
    for ref in REF["cox"]["efron"]:
        assert table.loc[ref["term"], "coef"] == pytest.approx(ref["coef"], rel=1e-6)
        assert table.loc[ref["term"], "p_value"] == pytest.approx(ref["p"], rel=1e-6)


def test_a_stricter_threshold_drops_candidates(screening):
    data = LUNG.dropna(subset=["age", "sex", "ph.ecog"])
    strict = ck.screen(
        data,
        fit=ck.cox,
        covariates=["age", "sex", "ph.ecog"],
        threshold=0.01,
        time="time",
        event="event",
    )
    p = screening.univariate.set_index("covariate")["p_value"]
    assert list(strict.selected) == [c for c in ("age", "sex", "ph.ecog") if p[c] < 0.01]
