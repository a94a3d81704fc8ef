"""A covariate measured over orders of magnitude enters a model per 10-fold change.

Cmax (copies/µg DNA, 10² to 10⁶) per copy gives a hazard ratio of 1.00000: the registry's
``log_scale`` variables enter Cox and logistic models as log10, the table's row reads
"Cmax, per 10-fold", and the ratio equals the library's fit on log10(Cmax) computed here.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.plan.schema import CoxModel, CoxScreening, LogisticScreening
from cartkit.runner.context import build_context
from cartkit.runner.kinds.logistic import run_logistic_screening
from cartkit.runner.kinds.models import run_cox, run_cox_screening


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), default_plan())


def _present(run, analysis, ctx):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_and_present(run, analysis, ctx)


def test_cmax_hazard_ratio_is_per_10_fold_and_labelled_so(ctx):
    analysis = CoxModel(id="c", title="t", endpoint="LFS", covariates=("cmax", "female"))
    out = _present(run_cox, analysis, ctx)
    (t,) = out.tables
    row = t.data.set_index("variable").loc["cmax"]
    assert row["term"] == "log10(cmax)"
    lfs = ctx.endpoint("LFS").assign(log_cmax=lambda d: np.log10(d["cmax"]))
    ref = ck.cox(lfs, time="AVAL", event="event", covariates=["log_cmax", "female"]).table
    ref = ref.set_index("term").loc["log_cmax"]
    assert row["estimate"] == pytest.approx(ref["hr"], rel=1e-10)
    assert row["ci_lower"] == pytest.approx(ref["ci_lower"], rel=1e-10)
    assert row["p_value"] == pytest.approx(ref["p_value"], rel=1e-10)
    shown = t.display.set_index("Variable")
    assert "Cmax, copies/µg DNA" not in shown.index
    assert shown.loc["Cmax, per 10-fold", "HR (95% CI)"] == (
        f"{ref['hr']:.2f} ({ref['ci_lower']:.2f}–{ref['ci_upper']:.2f})"
    )
    assert any(f.startswith("Cmax: HR per 10-fold increase") for f in t.footnotes)
    # the forest plot names it the same way
    forest = out.figures[0].figure
    assert "Cmax, per 10-fold" in [x.get_text() for x in forest.axes[0].get_yticklabels()]


def test_screening_and_logistic_use_the_same_scale(ctx):
    screening = CoxScreening(id="s", title="t", endpoint="OS", candidates=("cmax", "age_years"))
    data = _present(run_cox_screening, screening, ctx).tables[0].data
    assert data.loc[data["variable"] == "cmax", "term"].unique().tolist() == ["log10(cmax)"]
    logistic = LogisticScreening(
        id="l", title="t", outcome="crs_grade3plus", candidates=("auc_window",)
    )
    (t,) = _present(run_logistic_screening, logistic, ctx).tables
    assert t.display["Variable"].tolist() == ["AUC0–28d, per 10-fold"]
    pats = ctx.patients.assign(x=np.log10(ctx.patients["auc_window"]))
    ref = ck.logistic(pats, outcome="crs_grade3plus", covariates=["x"]).table.set_index("term")
    assert t.data["estimate"].iloc[0] == pytest.approx(ref.loc["x", "odds_ratio"], rel=1e-10)


def test_a_zero_has_no_logarithm_and_is_left_out_with_a_note(ctx):
    patients = ctx.patients.copy()
    patients.loc[patients.index[:2], "cmax"] = 0.0
    analysis = CoxModel(id="c", title="t", endpoint="LFS", covariates=("cmax",))
    out = _present(run_cox, analysis, dataclasses.replace(ctx, patients=patients))
    assert out.tables[0].data["n"].iloc[0] == 48
    assert (
        "Cmax enters the models per 10-fold change (log10): 2 patient(s) with Cmax of 0 have "
        "no logarithm and are left out of its models." in out.notes
    )


def test_a_plan_log10_variable_is_not_transformed_twice(ctx):
    from cartkit.plan.schema import DerivedVariable

    plan = default_plan()
    plan = dataclasses.replace(
        plan, derived=(*plan.derived, DerivedVariable("lc", ("cmax",), "log10"))
    )
    lctx = build_context(ck.simulate_study(50, seed=0), plan)
    analysis = CoxModel(id="c", title="t", endpoint="LFS", covariates=("lc",))
    (t,) = _present(run_cox, analysis, lctx).tables
    assert t.data["term"].tolist() == ["lc"]
    assert t.display["Variable"].tolist() == ["Cmax, per 10-fold"]
