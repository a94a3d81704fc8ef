"""Runner kinds ``logistic_screening`` and ``threshold_or``: every number equals the library's.

``ck.logistic``, ``ck.screen``, ``ck.compare_models`` and ``ck.threshold_odds_ratio`` are checked
against R in their own tests; here the runner's tables must carry exactly their numbers, print
them as a journal does and turn separation, missing values and empty groups into notes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.plan.schema import LogisticScreening, Model, ThresholdOR
from cartkit.report.format import fmt_p
from cartkit.report.sections.logistic import method_text
from cartkit.runner.context import build_context
from cartkit.runner.kinds.logistic import run_logistic_screening
from cartkit.runner.kinds.odds import ThresholdORResult, run_threshold_or

REF = {"risk_group": "standard"}


def present_logistic(analysis, ctx):
    return run_and_present(run_logistic_screening, analysis, ctx)


def present_threshold_or(analysis, ctx):
    return run_and_present(run_threshold_or, analysis, ctx)


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), default_plan())


@pytest.fixture(scope="module")
def table2(ctx):
    return present_logistic(default_plan().get("table2_crs_grade3_logistic"), ctx)


def _ref(covariates):
    return {k: v for k, v in REF.items() if k in covariates} or None


def _assert_terms_equal(data: pd.DataFrame, fit):
    table = fit.table[fit.table["term"] != "(Intercept)"].reset_index(drop=True)
    data = data.reset_index(drop=True)
    assert list(data["term"]) == list(table["term"])
    for ours, theirs in (
        ("estimate", "odds_ratio"),
        ("ci_lower", "ci_lower"),
        ("ci_upper", "ci_upper"),
        ("p_value", "p_value"),
    ):
        np.testing.assert_array_equal(data[ours].to_numpy(float), table[theirs].to_numpy(float))
    assert (data["n"] == fit.n).all()
    assert (data["n_events"] == fit.n_events).all()


@pytest.mark.filterwarnings("ignore::cartkit.errors.ConvergenceWarning")
def test_table2_univariate_and_models_equal_the_library(ctx, table2):
    analysis = default_plan().get("table2_crs_grade3_logistic")
    (table,) = table2.tables
    data = table.data
    for cand in analysis.candidates:
        direct = ck.logistic(
            ctx.patients, outcome="crs_grade3plus", covariates=[cand], reference=_ref([cand])
        )
        rows = data[(data["model"] == "Univariate") & (data["variable"] == cand)]
        _assert_terms_equal(rows, direct)
    stacked = ck.compare_models(
        ctx.patients,
        fit=ck.logistic,
        specs={m.name: m.covariates for m in analysis.models},
        outcome="crs_grade3plus",
    )
    for model in analysis.models:
        ours = data[data["model"] == model.name].reset_index(drop=True)
        theirs = stacked[(stacked["model"] == model.name) & (stacked["term"] != "(Intercept)")]
        assert list(ours["term"]) == list(theirs["term"])
        np.testing.assert_array_equal(ours["estimate"], theirs["odds_ratio"])
        np.testing.assert_array_equal(ours["p_value"], theirs["p_value"])
        direct = ck.logistic(ctx.patients, outcome="crs_grade3plus", covariates=model.covariates)
        _assert_terms_equal(ours, direct)
    assert table2.n == len(ctx.patients)


def test_table2_layout(ctx, table2):
    (table,) = table2.tables
    disp = table.display
    assert list(disp.columns) == [
        "Variable",
        "Univariate OR (95% CI)",
        "Univariate p",
        "Model 1 OR (95% CI)",
        "Model 1 p",
        "Model 2 OR (95% CI)",
        "Model 2 p",
    ]
    assert len(table.row_styles) == len(disp)
    d = disp.set_index("Variable")
    # pre-LD MRD is in Model 1 only; post-LD MRD in Model 2 only
    pre, post = ctx.label("pre_ld_mrd_below_1e3"), ctx.label("post_ld_mrd_below_1e3")
    assert d.loc[pre, "Model 2 OR (95% CI)"] == "" and d.loc[pre, "Model 1 OR (95% CI)"] != ""
    assert d.loc[post, "Model 1 OR (95% CI)"] == "" and d.loc[post, "Model 2 OR (95% CI)"] != ""
    female = table.data[(table.data["model"] == "Model 1") & (table.data["term"] == "female")]
    assert d.loc["Female", "Model 1 p"] == fmt_p(female["p_value"].iloc[0])
    # no prior CAR-T separates severe CRS in this cohort: printed NE, with a note naming Firth
    assert d.loc[ctx.label("no_prior_cart"), "Univariate OR (95% CI)"] == "NE"
    assert any("NE, not estimable" in f for f in table.footnotes)
    assert any("Firth" in n and "No CAR-T history" in n for n in table2.notes)
    assert any("Maximum-likelihood" in f and "Wald 95% CI" in f for f in table.footnotes)
    assert any("12 events in 50 patients" in f for f in table.footnotes)
    assert "OR, odds ratio" in table.abbreviations


def test_table2_forest_per_model(table2):
    ids = [f.id for f in table2.figures]
    assert ids == [
        "table2_crs_grade3_logistic_forest_model_1",
        "table2_crs_grade3_logistic_forest_model_2",
    ]
    for fig in table2.figures:
        assert isinstance(fig.figure, Figure)
        texts = [t for t in fig.figure.axes[0].texts if t.get_gid() == "ci_text"]
        assert len(texts) == 4


def test_univariate_only_has_no_model_columns(ctx):
    out = present_logistic(default_plan().get("s4_icans_logistic"), ctx)
    (table,) = out.tables
    assert list(table.display.columns) == ["Variable", "Univariate OR (95% CI)", "p"]
    assert out.figures == []
    assert set(table.data["model"]) == {"Univariate"}


def test_screened_model_equals_ck_screen(ctx):
    analysis = LogisticScreening(
        id="crs",
        title="t",
        outcome="crs_grade3plus",
        candidates=("age_years", "female", "pre_ld_mrd_below_1e3", "mrd_high_pre_or_post"),
    )
    out = present_logistic(analysis, ctx)
    (table,) = out.tables
    scr = ck.screen(
        ctx.patients,
        fit=ck.logistic,
        covariates=list(analysis.candidates),
        threshold=0.2,
        outcome="crs_grade3plus",
    )
    multi = table.data[table.data["model"] == "Screened model"]
    assert tuple(dict.fromkeys(multi["variable"])) == scr.selected
    theirs = scr.multivariable[scr.multivariable["term"] != "(Intercept)"]
    np.testing.assert_array_equal(multi["estimate"], theirs["odds_ratio"])
    np.testing.assert_array_equal(multi["ci_lower"], theirs["ci_lower"])
    uni = table.data[table.data["model"] == "Univariate"]
    np.testing.assert_array_equal(uni["p_value"], scr.univariate["p_value"])
    assert [f.id for f in out.figures] == ["crs_forest_screened"]
    assert any("p < 0.2" in f and "screened model" in f for f in table.footnotes)


def test_firth_profile(ctx):
    analysis = LogisticScreening(
        id="icans",
        title="t",
        outcome="icans_any",
        candidates=("female", "no_prior_hsct"),
        method="firth",
        ci="profile",
        screened_model=False,
        models=(Model("Model 1", ("female", "no_prior_hsct")),),
    )
    out = present_logistic(analysis, ctx)
    (table,) = out.tables
    direct = ck.logistic(
        ctx.patients,
        outcome="icans_any",
        covariates=["female", "no_prior_hsct"],
        method="firth",
        ci="profile",
    )
    _assert_terms_equal(table.data[table.data["model"] == "Model 1"], direct)
    # Firth gives finite estimates where ML separates: no NE, no Firth advice
    assert "NE" not in set(table.display["Univariate OR (95% CI)"])
    assert not any("Firth's penalised likelihood (method" in n for n in out.notes)
    assert any(
        "Firth's penalised-likelihood" in f and "penalised likelihood-ratio test" in f
        for f in table.footnotes
    )


def test_forest_notes_are_decided_by_the_runner(ctx):
    # no prior CAR-T separates severe CRS: Model 1 draws Female only, Model 2 nothing
    analysis = LogisticScreening(
        id="x",
        title="T",
        outcome="crs_grade3plus",
        candidates=("female",),
        screened_model=False,
        models=(
            Model("Model 1", ("female", "no_prior_cart")),
            Model("Model 2", ("no_prior_cart",)),
            Model("Model-1", ("female",)),
        ),
    )
    result = run_logistic_screening(analysis, ctx)
    label = ctx.label("no_prior_cart")
    # after every model's own notes, in model order, as when the runner drew the plots
    assert result.notes[-3:] == (
        f"T: Model 1: {label} not drawn (not estimable: separation).",
        f"T: Model 2: {label} not drawn (not estimable: separation).",
        "T: Model 2: no estimable term, so no forest plot.",
    )
    forests = {m.name: m.forest for m in result.models}
    assert forests["Univariate"] is None and forests["Model 2"] is None
    assert list(forests["Model 1"].terms["term"]) == ["female"]
    # two names with the same id fragment get distinct figure ids
    assert forests["Model-1"].id == "x_forest_model_1_"
    out = present_logistic(analysis, ctx)
    assert [f.id for f in out.figures] == ["x_forest_model_1", "x_forest_model_1_"]
    texts = [t for t in out.figures[0].figure.axes[0].texts if t.get_gid() == "ci_text"]
    assert len(texts) == 1


def test_method_text():
    assert method_text("ml", "profile", "90%") == (
        "Maximum-likelihood logistic regression; profile-likelihood 90% CI; p by the Wald test.",
        "Wald test",
    )


def test_missing_outcome_and_covariate_are_noted(ctx):
    patients = ctx.patients.copy()
    patients.loc[:2, "crs_grade3plus"] = pd.NA
    patients.loc[5:6, "age_years"] = np.nan
    ctx0 = dataclasses.replace(ctx, patients=patients)
    analysis = LogisticScreening(
        id="x",
        title="t",
        outcome="crs_grade3plus",
        candidates=("age_years", "female"),
        screened_model=False,
        models=(Model("M", ("age_years", "female")),),
    )
    out = present_logistic(analysis, ctx0)
    assert any("3 patient(s) with unknown" in n for n in out.notes)
    assert any("2 of 47 patient(s) left out" in n for n in out.notes)
    (table,) = out.tables
    m = table.data[table.data["model"] == "M"]
    assert (m["n"] == 45).all()


def test_all_missing_candidate_and_empty_population(ctx):
    patients = ctx.patients.assign(
        il6_peak=np.nan, nobody=pd.array([False] * len(ctx.patients), "boolean")
    )
    ctx0 = dataclasses.replace(ctx, patients=patients)
    analysis = LogisticScreening(
        id="x", title="t", outcome="crs_grade3plus", candidates=("il6_peak", "female")
    )
    out = present_logistic(analysis, ctx0)
    (table,) = out.tables
    assert table.display.iloc[0, 1] == "–"
    assert any(ctx.label("il6_peak") in n for n in out.notes)
    out = present_logistic(dataclasses.replace(analysis, population="nobody"), ctx0)
    assert out.n == 0 and out.notes


def test_hostile_level_passes_through(ctx):
    risk = ctx.patients["risk_group"].replace({"unclassified": "<b>x</b>"})
    ctx0 = dataclasses.replace(ctx, patients=ctx.patients.assign(risk_group=risk))
    analysis = LogisticScreening(
        id="x", title="t", outcome="crs_grade3plus", candidates=("risk_group",)
    )
    (table,) = present_logistic(analysis, ctx0).tables
    assert "risk_group[<b>x</b>]" in set(table.data["term"])
    assert "<b>x</b>" in set(table.display["Variable"])


# threshold_or


def test_il6_odds_ratios_equal_ck_threshold_odds_ratio(ctx):
    analysis = default_plan().get("il6_odds_ratios")
    out = present_threshold_or(analysis, ctx)
    (table,) = out.tables
    assert isinstance(out.result, ThresholdORResult)
    pd.testing.assert_frame_equal(out.result.data[analysis.id], table.data)
    for outcome, row in zip(analysis.outcomes, table.data.itertuples(), strict=True):
        r = ck.threshold_odds_ratio(
            ctx.patients, marker="il6_peak", outcome=outcome, threshold=analysis.threshold
        )
        est = r.estimates.set_index("method")
        assert row.p_value == est.loc["fisher", "p_value"]
        assert row.cmle_or == est.loc["fisher", "estimate"]
        assert row.exact_ci_lower == est.loc["fisher", "ci_lower"]
        assert row.sample_or == est.loc["wald", "estimate"]
        assert row.n == r.n
        assert row.events_high == r.table.loc["at_or_above", "event"]
        assert row.n_low == r.table.loc["below"].sum()
    # nobody below 7 pg/mL had severe CRS: a zero cell, so the exact OR is shown and marked
    assert table.data["or_method"].tolist() == ["fisher", "fisher"]
    first = table.display.iloc[0]
    assert first["Peak IL-6 ≥ 7 pg/mL, n/N (%)"] == "12/47 (25.5)"
    assert first["Peak IL-6 < 7 pg/mL, n/N (%)"] == "0/3 (0.0)"
    assert first["OR (95% CI)"].endswith("ᵃ") and first["OR (95% CI)"].startswith("∞")
    assert any("Fisher's exact test" in f for f in table.footnotes)
    assert any(f.startswith("ᵃ") for f in table.footnotes)


def test_threshold_or_without_zero_cell_shows_the_sample_or(ctx):
    analysis = ThresholdOR(
        id="o", title="t", marker="age_years", threshold=10.0, outcomes=("crs_grade3plus",)
    )
    (table,) = present_threshold_or(analysis, ctx).tables
    r = ck.threshold_odds_ratio(
        ctx.patients, marker="age_years", outcome="crs_grade3plus", threshold=10.0
    )
    wald = r.estimates.set_index("method").loc["wald"]
    row = table.data.iloc[0]
    assert row["or_method"] == "wald"
    assert row["estimate"] == wald["estimate"] and row["ci_upper"] == wald["ci_upper"]
    assert row["z_p_value"] == wald["p_value"]
    assert not table.display.iloc[0]["OR (95% CI)"].endswith("ᵃ")
    assert not any(f.startswith("ᵃ") for f in table.footnotes)


def test_threshold_or_empty_margin_is_a_note(ctx):
    analysis = ThresholdOR(
        id="o", title="t", marker="il6_peak", threshold=1e9, outcomes=("crs_grade3plus",)
    )
    out = present_threshold_or(analysis, ctx)
    (table,) = out.tables
    assert table.display.iloc[0].tolist()[1:] == ["–"] * 4
    assert np.isnan(table.data["estimate"].iloc[0])
    assert any("no odds ratio" in n for n in out.notes)


def test_outcome_without_events_is_a_note(ctx):
    patients = ctx.patients.assign(hlh=pd.array([False] * len(ctx.patients), "boolean"))
    ctx0 = dataclasses.replace(ctx, patients=patients)
    analysis = LogisticScreening(id="x", title="t", outcome="hlh", candidates=("female",))
    out = present_logistic(analysis, ctx0)
    assert out.tables == [] and out.n == 50
    assert any("0 events in 50 patients" in n for n in out.notes)


def test_outcome_that_is_not_yes_no_cannot_run(ctx):
    analysis = LogisticScreening(id="x", title="t", outcome="risk_group", candidates=("female",))
    with pytest.raises(ck.errors.DataError, match="must be yes/no"):
        run_logistic_screening(analysis, ctx)
