"""Counting-process Cox, delayed-entry Kaplan-Meier and the robust variance against R.

Source: pbcseq_tv.csv, rats_female.csv and timevarying_reference.json, byte-identical copies of
/work/shared/reference/, written by /work/shared/reference/scripts/reference_wave2.R with R 4.2.2
and survival 3.5-3:

- ``cox_efron`` / ``cox_breslow``: ``coxph(Surv(tstart, tstop, death) ~ age + log_bili + albumin
  + log_protime, data = d, ties = ...)`` on R's pbc + pbcseq merged by ``tmerge`` (laboratory
  values that change over follow-up);
- ``cox_strata_female``: ``coxph(Surv(tstart, tstop, death) ~ age + log_bili + strata(female))``;
- ``km_delayed_entry``: ``summary(survfit(Surv(tstart, tstop, death) ~ 1, conf.type =
  "log-log"), times = c(365, 1000, 2000, 3000))``;
- ``rats_robust``: ``coxph(Surv(time, status) ~ rx, data = rats[sex == "f"], cluster = litter)``:
  ``se`` is R's robust SE (used for the interval and p), ``naive_se`` its ``se(coef)``.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartkit.results import regression_columns
from cartkit.survival import cox, kaplan_meier

HERE = Path(__file__).parent
PBC = pd.read_csv(HERE / "pbcseq_tv.csv")
RATS = pd.read_csv(HERE / "rats_female.csv")
REF = json.loads((HERE / "timevarying_reference.json").read_text())
RTOL = 1e-6
COLUMNS = {
    "coef": "coef",
    "se": "se",
    "hr": "hr",
    "ci_lower": "lower",
    "ci_upper": "upper",
    "p_value": "p",
}
LABS = ["age", "log_bili", "albumin", "log_protime"]
FITS = {
    "cox_efron": {"covariates": LABS, "ties": "efron"},
    "cox_breslow": {"covariates": LABS, "ties": "breslow"},
    "cox_strata_female": {"covariates": ["age", "log_bili"], "strata": "female"},
}


def assert_matches_r(model, expected):
    assert model.table["term"].tolist() == list(np.atleast_1d(expected["term"]))
    for ours, theirs in COLUMNS.items():
        np.testing.assert_allclose(
            model.table[ours], np.atleast_1d(expected[theirs]), rtol=RTOL, err_msg=ours
        )
    assert [model.loglik_null, model.loglik] == pytest.approx(expected["loglik"], rel=RTOL)
    assert model.n == expected["n"]
    assert model.n_events == expected["nevent"]


@pytest.mark.parametrize("name", list(FITS))
def test_counting_process_cox_matches_r(name):
    model = cox(PBC, start="tstart", time="tstop", event="death", **FITS[name])
    assert_matches_r(model, REF[name])
    assert model.converged and model.infinite == () and not model.robust
    assert "naive_se" not in model.table  # a model-based fit has one SE


def test_robust_variance_clustered_on_litter_matches_r():
    model = cox(RATS, time="time", event="status", covariates="rx", cluster="litter")
    expected = REF["rats_robust"]
    assert_matches_r(model, expected)
    assert model.robust and model.cluster == "litter"
    assert model.n_clusters == RATS["litter"].nunique()
    assert model.table["naive_se"].iloc[0] == pytest.approx(expected["naive_se"], rel=RTOL)
    # the fixed columns of every regression result, then the model-based SE
    assert model.table.columns.tolist() == [*regression_columns("cox"), "naive_se"]
    assert model.naive_covariance.iloc[0, 0] == pytest.approx(expected["naive_se"] ** 2, rel=RTOL)
    assert model.covariance.iloc[0, 0] == pytest.approx(expected["se"] ** 2, rel=RTOL)
    # R's Wald test uses the robust variance: one term, so it is (coef / robust se)^2
    assert model.wald_test.statistic == pytest.approx(
        (expected["coef"] / expected["se"]) ** 2, rel=RTOL
    )


def test_km_with_delayed_entry_matches_r():
    km = kaplan_meier(PBC, start="tstart", time="tstop", event="death", conf_type="log-log")
    got = km.survival_at(REF["km_delayed_entry"]["time"])
    want = REF["km_delayed_entry"]
    np.testing.assert_array_equal(got["n_risk"], want["n_risk"])
    np.testing.assert_allclose(got["estimate"], want["surv"], rtol=RTOL)
    np.testing.assert_allclose(got["ci_lower"], want["lower"], rtol=RTOL)
    np.testing.assert_allclose(got["ci_upper"], want["upper"], rtol=RTOL)
