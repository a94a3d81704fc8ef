"""Logistic regression (ML and Firth) against R.

Sources
-------
* ``birthwt.csv`` and ``birthwt_reference.json`` (copies of /work/shared/reference), written by
  /work/shared/reference/scripts/reference_visible.R with R 4.2.2 and MASS:
  ``g <- glm(low ~ age + lwt + smoke + ht + ui, family = binomial, data = birthwt)``;
  ``summary(g)$coefficients``; Wald CI ``confint.default(g)``; profile CI ``confint(g)`` (MASS
  profile.glm + spline interpolation); odds ratios and CIs exponentiated.
* ``sex2.csv`` (logistf's ``sex2``): ``logistf(case ~ age + oc + vic + vicl + vis + dia, data =
  sex2)``, published output:
  - coefficients: logistf's own test suite, georgheinze/logistf tests/testthat/test-basic.R
    (0.12025404, -1.10598130, -0.06881673, 2.26887464, -2.11140816, -0.78831694, 3.09601263);
  - 95% profile penalised-likelihood CIs: logistf's output quoted in jzluo/firthlogist
    firthlogist/tests/test_firthlogist.py (``logistf_ci``);
  - penalised likelihood-ratio Chisq and p (and 90% CIs): logistf's printed ``summary`` of the
    same model with ``alpha = 0.1`` in the example of TalhoukLab/biostatUtil ``logistfPrint``.
  Method: Heinze G, Schemper M (2002), Stat Med 21:2409-2419.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartkit.regression.logistic import logistic

HERE = Path(__file__).parent
REF = json.loads((HERE / "birthwt_reference.json").read_text())
COVS = ["age", "lwt", "smoke", "ht", "ui"]
SEX2 = ["age", "oc", "vic", "vicl", "vis", "dia"]


@pytest.fixture(scope="module")
def birthwt():
    return pd.read_csv(HERE / "birthwt.csv")


@pytest.fixture(scope="module")
def sex2():
    return pd.read_csv(HERE / "sex2.csv")


def expected(key):
    return np.array([row[key] for row in REF["logistic"]])


@pytest.mark.parametrize("ci", ["wald", "profile"])
def test_ml_matches_glm(birthwt, ci):
    fit = logistic(birthwt, outcome="low", covariates=COVS, ci=ci)
    t = fit.table
    assert t["term"].tolist() == [row["term"] for row in REF["logistic"]]
    np.testing.assert_allclose(t["coef"], expected("coef"), rtol=1e-6)
    np.testing.assert_allclose(t["se"], expected("se"), rtol=1e-6)
    np.testing.assert_allclose(t["p_value"], expected("p"), rtol=1e-6)
    np.testing.assert_allclose(t["odds_ratio"], expected("or"), rtol=1e-6)
    np.testing.assert_allclose(t["estimate"], expected("or"), rtol=1e-6)
    np.testing.assert_allclose(t["ci_lower"], expected(f"{ci}_lower"), rtol=1e-6)
    np.testing.assert_allclose(t["ci_upper"], expected(f"{ci}_upper"), rtol=1e-6)
    assert fit.n == 189
    assert fit.n_events == 59
    assert fit.model == "logistic" and fit.converged and fit.warnings == ()


def test_firth_matches_logistf_sex2(sex2):
    fit = logistic(sex2, outcome="case", covariates=SEX2, method="firth", ci="profile")
    t = fit.table
    coef = [0.12025404, -1.10598130, -0.06881673, 2.26887464, -2.11140816, -0.78831694, 3.09601263]
    lower = [-0.8185591, -1.9737884, -0.9414363, 1.2730216, -3.2608611, -1.6080879, 0.7745682]
    upper = [1.07315122, -0.30742514, 0.78920202, 3.43543273, -1.11773495, 0.01518468, 8.03029352]
    p = [
        8.020268e-01,
        6.143472e-03,
        8.751911e-01,
        1.678877e-06,
        1.237805e-05,
        5.449701e-02,
        4.951873e-03,
    ]
    # 4 significant digits: logistf stops at its default tolerances (1e-5)
    np.testing.assert_allclose(t["coef"], coef, rtol=1e-4)
    np.testing.assert_allclose(np.log(t["ci_lower"]), lower, rtol=1e-4)
    np.testing.assert_allclose(np.log(t["ci_upper"]), upper, rtol=1e-4)
    np.testing.assert_allclose(t["p_value"], p, rtol=1e-4)
    assert fit.n == 239
    assert fit.model == "firth" and fit.details["ci"] == "profile"


def test_firth_90_percent_profile_ci_matches_logistf(sex2):
    t = logistic(
        sex2, outcome="case", covariates=SEX2, method="firth", ci="profile", conf_level=0.9
    ).table
    lower = [-0.6673577, -1.8277045, -0.7986318, 1.4248338, -3.0613215, -1.4743338, 1.0835108]
    upper = [0.9177303, -0.4328451, 0.6507581, 3.2325326, -1.2704704, -0.1137542, 6.8752016]
    np.testing.assert_allclose(np.log(t["ci_lower"]), lower, rtol=1e-4)
    np.testing.assert_allclose(np.log(t["ci_upper"]), upper, rtol=1e-4)
