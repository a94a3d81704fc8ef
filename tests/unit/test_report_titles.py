"""Titles say what their table contains, whatever the cohort.

The default plan's titles promise nothing the table does not show (Table 2 shows every
candidate and two fixed models, not a p < 0.2 screening; the ICANS table does not quote the
paper's 5 events), and a section changes its title when the table is not what the plan asked
for (no multivariable model, a model without a planned covariate).
"""

from __future__ import annotations

import dataclasses
import warnings

import pytest
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.plan.schema import CoxModel, CoxScreening, Rates
from cartkit.runner.context import build_context
from cartkit.runner.kinds.logistic import run_logistic_screening
from cartkit.runner.kinds.models import run_cox, run_cox_screening
from cartkit.runner.kinds.rates import run_rates


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(40, seed=2), default_plan())


def _present(run, analysis, ctx):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_and_present(run, analysis, ctx)


def test_default_titles_promise_only_what_the_tables_show():
    plan = default_plan()
    assert plan.get("table2_crs_grade3_logistic").title == (
        "Univariate and multivariable logistic regression of grade ≥ 3 CRS"
    )
    assert plan.get("s4_icans_logistic").title == "Univariate logistic regression of ICANS"
    assert plan.get("s3_adverse_events").title == (
        "Adverse events and their treatment after infusion"
    )
    assert plan.get("kinetics_by_mrd_cr_geomean").title == (
        "Geometric mean Cmax, AUC0–28d and Tlast by day-28 MRD-negative CR/CRi"
    )
    for a in plan.analyses:
        assert ("events)" not in a.title and "p < 0.2" not in a.title) or a.kind == "cox_screening"


def test_table2_shows_every_candidate_and_the_plans_models(ctx):
    out = _present(run_logistic_screening, default_plan().get("table2_crs_grade3_logistic"), ctx)
    (t,) = out.tables
    assert t.title == "Univariate and multivariable logistic regression of grade ≥ 3 CRS"
    shown = set(t.data.loc[t.data["model"] == "Univariate", "variable"])
    assert shown == set(default_plan().get("table2_crs_grade3_logistic").candidates)


def test_no_candidate_below_the_threshold_says_so_in_the_title(ctx):
    analysis = CoxScreening(
        id="s", title="Univariate Cox of LFS and the multivariable model", endpoint="LFS",
        candidates=("age_years", "female"), threshold=1e-12,
    )  # fmt: skip
    (t,) = _present(run_cox_screening, analysis, ctx).tables
    assert t.title == (
        "Univariate Cox of LFS and the multivariable model "
        "(no multivariable model: no candidate had univariate p < 1e-12)"
    )


def test_a_model_without_a_planned_covariate_says_so_in_its_title(ctx):
    patients = ctx.patients.assign(prior_cart=False)
    analysis = CoxModel(
        id="c", title="Multivariable analysis of LFS", endpoint="LFS",
        covariates=("age_years", "prior_cart"),
    )  # fmt: skip
    out = _present(run_cox, analysis, dataclasses.replace(ctx, patients=patients))
    assert (
        out.tables[0].title == "Multivariable analysis of LFS (without Prior CAR-T: see the notes)"
    )
    assert any("Prior CAR-T left out of the model" in n for n in out.notes)


def test_the_adverse_event_table_says_which_events_count_within_the_window(ctx):
    analysis = default_plan().get("s3_adverse_events")
    (t,) = _present(run_rates, analysis, ctx).tables
    assert t.footnotes[-1] == (
        "Counted within 28 days of infusion: Grade 4 neutropenia within 4 weeks; Infection; "
        "Bacterial infection; Viral infection; Fungal infection; the others at any time after "
        "infusion."
    )
    only = Rates(id="r", title="Infections", variables=("infection_4w",))
    (t,) = _present(run_rates, only, ctx).tables
    assert t.footnotes[-1] == "Counted within 28 days of infusion."
