"""The analysis context: runner variables equal their derivations; plan-derived rules."""

import warnings

import numpy as np
import pandas as pd
import pytest

import cartkit as ck
from cartkit.derive.rules import apply_derived
from cartkit.plan.default import default_plan
from cartkit.plan.schema import DerivedVariable
from cartkit.runner.context import build_context


@pytest.fixture(scope="module")
def study():
    return ck.simulate_study(60, seed=3)


@pytest.fixture(scope="module")
def ctx(study):
    return build_context(study, default_plan())


def test_one_row_per_patient_in_study_order(ctx, study):
    assert ctx.patients["patient_id"].tolist() == study.tables["patients"]["patient_id"].tolist()


def test_grades_and_nca_match_their_derivations(ctx, study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        crs = ck.grade_study(study, "crs").table.set_index("patient_id")
        icans = ck.grade_study(study, "icans").table.set_index("patient_id")
    p = ctx.patients.set_index("patient_id")
    assert (p["crs_max_grade"] == crs["grade"].astype(float).reindex(p.index)).all()
    assert (p["icans_max_grade"] == icans["grade"].astype(float).reindex(p.index)).all()
    kin = study.tables["kinetics"]
    params = ck.nca(kin, lloq_column="lloq" if "lloq" in kin else None).set_index("patient_id")
    for col in ("cmax", "tmax", "tlast", "auc_window", "half_life"):
        np.testing.assert_array_equal(p[col].to_numpy(), params[col].reindex(p.index).to_numpy())


def test_neutropenia_and_il6_within_the_window(ctx, study):
    labs = study.tables["labs"]
    pid = ctx.patients["patient_id"].iloc[0]
    mine = labs[(labs["patient_id"] == pid)]
    anc = mine[(mine["test"] == "ANC") & mine["day"].between(0, 28)]["value"]
    il6 = mine[(mine["test"] == "IL6") & (mine["day"] >= 0)]
    row = ctx.patients.iloc[0]
    assert row["anc_nadir"] == anc.min()
    assert row["il6_peak"] == il6["value"].max()
    assert row["il6_peak_day"] == il6.loc[il6["value"] == il6["value"].max(), "day"].min()


def test_medications_count_only_after_infusion(study):
    tables = dict(study.tables)
    meds = tables["medications"]
    pid = tables["patients"]["patient_id"].iloc[0]
    others = meds[meds["patient_id"] != pid]
    before = pd.DataFrame({"patient_id": [pid], "day": [-2], "drug": ["tocilizumab"]})
    tables["medications"] = pd.concat([others, before], ignore_index=True)
    ctx = build_context(ck.Study(tables, source="t", metadata={}), default_plan())
    assert bool(ctx.patients.loc[ctx.patients["patient_id"] == pid, "tocilizumab"].item()) is False


def test_absent_tables_give_missing_not_false(study):
    tables = {k: v for k, v in study.tables.items() if k not in ("medications", "labs")}
    ctx = build_context(ck.Study(tables, source="t", metadata={}), default_plan())
    p = ctx.patients
    # tocilizumab still comes from the CRS grading's medication column when given there
    assert p["anc_nadir"].isna().all()
    assert p["il6_peak"].isna().all()
    assert p["grade4_neutropenia"].isna().all()


def _var(**kw):
    return DerivedVariable(**{"combine": "any", "value": None, **kw})


def test_rules_threshold_median_equals_and_missing():
    df = pd.DataFrame(
        {
            "x": [1.0, 2.0, 3.0, np.nan, 10.0],
            "t": ["Poor", "standard", None, "poor", "x"],
            "b": pd.array([True, False, None, True, False], dtype="boolean"),
        }
    )
    out = apply_derived(
        df,
        (
            _var(name="lo", source=("x",), rule="below", value="median"),
            _var(name="ge3", source=("x",), rule="at_least", value=3),
            _var(name="poor", source=("t",), rule="equals", value="poor"),
            _var(name="in_", source=("t",), rule="in", value=("standard", "x")),
            _var(name="notb", source=("b",), rule="not"),
        ),
    )
    # median of 1, 2, 3, 10 is 2.5; a missing source stays missing
    assert out["lo"].tolist() == [True, True, False, pd.NA, False]
    assert out["ge3"].tolist() == [False, False, True, pd.NA, True]
    assert out["poor"].tolist() == [True, False, pd.NA, True, False]
    assert out["in_"].tolist() == [False, True, pd.NA, False, True]
    assert out["notb"].tolist() == [False, True, pd.NA, False, True]


def test_combine_any_and_all_follow_kleene_logic():
    df = pd.DataFrame({"a": [1e-2, np.nan, 1e-5, np.nan], "b": [np.nan, 1e-2, 1e-5, 1e-5]})
    any_ = _var(name="hi", source=("a", "b"), rule="at_least", value=1e-3, combine="any")
    all_ = _var(name="hi2", source=("a", "b"), rule="at_least", value=1e-3, combine="all")
    out = apply_derived(df, (any_, all_))
    # True or unknown is True; False or unknown is unknown
    assert out["hi"].tolist() == [True, True, False, pd.NA]
    assert out["hi2"].tolist() == [pd.NA, pd.NA, False, False]


def test_population_leaves_out_unknown_and_says_so(ctx):
    pats = ctx.patients.copy()
    pats.loc[0, "no_hsct_after_cart"] = pd.NA
    from dataclasses import replace

    c2 = replace(ctx, patients=pats)
    sel, notes = c2.population("no_hsct_after_cart")
    assert len(sel) == int(pats["no_hsct_after_cart"].fillna(False).sum())
    assert notes and "1 patient(s)" in notes[0]


def test_endpoint_rows_and_event_coding(ctx):
    os_ = ctx.endpoint("OS")
    adtte = ctx.adtte[ctx.adtte["PARAMCD"] == "OS"]
    assert len(os_) == len(adtte)
    assert (os_["event"] == 1 - os_["CNSR"]).all()
    assert np.allclose(os_["time_months"] * 30.4375, os_["AVAL"])


def test_level_labels_of_thresholds(ctx):
    assert ctx.level_label("pre_ld_mrd_below_1e4", True) == "Pre-LD MRD < 10⁻⁴"
    assert ctx.level_label("pre_ld_mrd_below_1e4", False) == "Pre-LD MRD ≥ 10⁻⁴"
    assert ctx.level_label("no_prior_hsct", True) == "No prior HSCT"
    assert ctx.level_label("hsct_after_cart", False) == "No HSCT"


def test_log10_rule_is_numeric_and_missing_below_zero():
    df = pd.DataFrame({"c": [1000.0, 0.0, np.nan, 10.0, -1.0]})
    out = apply_derived(df, (_var(name="lc", source=("c",), rule="log10"),))
    np.testing.assert_array_equal(out["lc"].to_numpy(), [3.0, np.nan, np.nan, 1.0, np.nan])
    assert out["lc"].dtype == float


def test_log10_cmax_in_a_cox_model_is_per_tenfold_change(study):
    from dataclasses import replace

    from cartkit.plan.schema import CoxModel as Cox
    from cartkit.runner.kinds.models import run_cox

    plan = default_plan()
    plan = replace(
        plan, derived=(*plan.derived, _var(name="log10_cmax", source=("cmax",), rule="log10"))
    )
    ctx = build_context(study, plan)
    assert ctx.label("log10_cmax") == "Cmax, per 10-fold"
    analysis = Cox(id="c", title="t", endpoint="LFS", covariates=("log10_cmax",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run_cox(analysis, ctx)
    row = out.data["c"].iloc[0]
    data = ctx.endpoint("LFS")
    ref = ck.cox(data, time="AVAL", event="event", covariates=["log10_cmax"]).table.iloc[0]
    assert row["estimate"] == ref["hr"]
    # the same fit as log10 of Cmax computed here
    data = data.assign(mine=np.log10(data["cmax"]))
    mine = ck.cox(data, time="AVAL", event="event", covariates=["mine"]).table.iloc[0]
    assert mine["hr"] == pytest.approx(ref["hr"], rel=1e-12)
