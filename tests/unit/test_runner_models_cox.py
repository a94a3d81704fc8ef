"""Runner kinds ``cox`` and ``cox_screening``: every number equals ``ck.cox`` / ``ck.screen``.

The statistics themselves are checked against R in the Cox and screening tests; here the runner's
tables must carry exactly the library's numbers, lay them out as a journal does, and turn thin
data into notes rather than errors.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.plan.schema import CoxModel as Cox
from cartkit.plan.schema import CoxScreening
from cartkit.report.format import fmt_p, p_phrase
from cartkit.runner.context import build_context
from cartkit.runner.kinds.models import RUNNERS, p_text, run_cox, run_cox_screening
from cartkit.runner.kinds.regression import RegressionKindResult

REF = {"risk_group": "standard"}
#: the covariates that record an event after infusion, and their day
TDC = {"hsct_after_cart": "hsct_day", "bca_loss": "bca_loss_day"}


def _direct(df: pd.DataFrame, covariates, **options):
    """``ck.cox`` of the covariates, HSCT and B-cell recovery time-dependent: the fit, n, events.

    The counting-process rows are built here with ``ck.counting_process`` (R's tmerge): a
    patient is 0 before the day and 1 from it; one whose yes/no value is missing is left out.
    """
    covs = list(covariates)
    tdc = [c for c in covs if c in TDC]
    if not tdc:
        fit = ck.cox(df, time="AVAL", event="event", covariates=covs, **options)
        return fit, fit.n, fit.n_events
    fixed = [c for c in covs if c not in TDC]
    base = df[["patient_id", "AVAL", "event", *fixed]].copy()
    for c in tdc:
        had = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan) == 1
        base[f"day_{c}"] = np.where(had, df[TDC[c]], np.nan)
    rows = ck.counting_process(
        base, id="patient_id", time="AVAL", event="event", tdc={c: f"day_{c}" for c in tdc}
    )
    rows = rows.astype({c: float for c in tdc})
    for c in tdc:
        rows.loc[rows["patient_id"].isin(df.loc[df[c].isna(), "patient_id"]), c] = np.nan
    fit = ck.cox(rows, start="tstart", time="tstop", event="event", covariates=covs, **options)
    return fit, rows.dropna(subset=covs)["patient_id"].nunique(), fit.n_events


def present_cox(analysis, ctx):
    return run_and_present(run_cox, analysis, ctx)


def present_cox_screening(analysis, ctx):
    return run_and_present(run_cox_screening, analysis, ctx)


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), default_plan())


def _lfs(ctx):
    return ctx.endpoint("LFS")


def _logged(data: pd.DataFrame) -> pd.DataFrame:
    """The data as the runner fits it: Cmax (registry log_scale) per 10-fold change."""
    return data.assign(cmax=np.log10(data["cmax"]))


def _assert_terms_equal(data: pd.DataFrame, table: pd.DataFrame, n: int, n_events: int):
    table = table[table["term"] != "(Intercept)"].reset_index(drop=True)
    # a log-scale covariate's term names its scale: log10(cmax)
    assert list(data["term"]) == [t.replace("cmax", "log10(cmax)") for t in table["term"]]
    ratio = "hr" if "hr" in table else "odds_ratio"
    for ours, theirs in (
        ("estimate", ratio),
        ("ci_lower", "ci_lower"),
        ("ci_upper", "ci_upper"),
        ("p_value", "p_value"),
    ):
        np.testing.assert_array_equal(data[ours].to_numpy(float), table[theirs].to_numpy(float))
    assert (data["n"] == n).all()
    assert (data["n_events"] == n_events).all()


def test_registry_names_the_four_kinds():
    assert set(RUNNERS) == {"cox", "cox_screening", "logistic_screening", "threshold_or"}


def test_cox_table_equals_ck_cox(ctx):
    # Table 1A: B-cell recovery is time-dependent, from the day B cells recover
    analysis = default_plan().get("table1a_lfs_multivariable")
    assert analysis.covariates == ("bca_loss", "female", "mrd_negative_cr_d28")
    out = present_cox(analysis, ctx)
    (table,) = out.tables
    direct, n, n_events = _direct(_lfs(ctx), analysis.covariates)
    assert direct.start == "tstart" and len(_lfs(ctx)) < direct.n  # rows, not patients
    # one patient never aplastic (no recovery to date), one without a day-28 response
    assert (n, n_events) == (48, 16)
    _assert_terms_equal(table.data, direct.table, n, n_events)
    assert table.id == analysis.id
    # the analysis is of the patients in its model: "n analysed" agrees with the table
    assert out.n == n < len(_lfs(ctx))
    assert list(table.display.columns) == ["Variable", "HR (95% CI)", "p"]
    assert len(table.row_styles) == len(table.display)
    row = table.display.iloc[0]
    assert row["Variable"] == "B-cell recovery"
    expected = direct.table.iloc[0]
    assert row["HR (95% CI)"] == (
        f"{expected['hr']:.2f} ({expected['ci_lower']:.2f}–{expected['ci_upper']:.2f})"
    )
    assert row["p"] == fmt_p(expected["p_value"])
    glob = direct.ph_test().set_index("term").loc["GLOBAL", "p_value"]
    assert any("cox.zph" in f and fmt_p(glob) in f for f in table.footnotes)
    assert any("Efron ties" in f and "Wald test" in f for f in table.footnotes)
    assert table.footnotes[0] == "Leukemia-free survival (LFS): 48 patients, 16 events."
    assert table.footnotes[3] == (
        "Time-dependent covariate: B-cell recovery (0 before the day of B-cell recovery, 1 from "
        "that day on; 0 throughout when BCA duration is censored). Each patient's follow-up is "
        "split at the day of the change (counting-process data, as R tmerge; coxph(Surv(tstart, "
        "tstop, event) ~ ...)), so the time before it counts as before; an event on the day of a "
        "change counts under the old value. Patients and events are counted once each."
    )
    assert out.result.time_dependent == ("bca_loss",)
    # the patients left out are named in the notes
    assert any("2 of 50 patient(s) left out" in n for n in out.notes)


def test_a_fixed_model_is_the_plain_fit_and_a_censored_duration_is_noted(ctx):
    analysis = Cox(
        id="c", title="t", endpoint="LFS",
        covariates=("bca_duration_days", "female", "mrd_negative_cr_d28"),
    )  # fmt: skip
    out = present_cox(analysis, ctx)
    (table,) = out.tables
    direct = ck.cox(_lfs(ctx), time="AVAL", event="event", covariates=list(analysis.covariates))
    _assert_terms_equal(table.data, direct.table, direct.n, direct.n_events)
    assert out.result.time_dependent == ()
    assert not any(f.startswith("Time-dependent") for f in table.footnotes)
    lfs = _lfs(ctx)
    censored = int(((lfs["bca_loss"] == 0) & lfs["bca_duration_days"].notna()).sum())
    assert censored == 20
    assert out.notes[0] == (
        "BCA duration, days is censored for 20 of 49 patients (no B-cell recovery by the end of "
        "its follow-up) but is used here as if complete; B-cell recovery as a time-dependent "
        "covariate (bca_loss) uses what is known instead."
    )


def test_hsct_is_time_dependent_so_its_hazard_ratio_is_not_the_naive_one(ctx):
    analysis = Cox(id="c", title="t", endpoint="OS", covariates=("hsct_after_cart",))
    (table,) = present_cox(analysis, ctx).tables
    os_ = ctx.endpoint("OS")
    direct, n, n_events = _direct(os_, ["hsct_after_cart"])
    naive = ck.cox(os_, time="AVAL", event="event", covariates=["hsct_after_cart"])
    _assert_terms_equal(table.data, direct.table, n, n_events)
    assert (n, n_events) == (naive.n, naive.n_events) == (50, 15)
    assert table.data["estimate"].iloc[0] != naive.table["hr"].iloc[0]


def test_a_model_with_a_log_scale_and_a_time_dependent_covariate(ctx):
    # Cmax enters per 10-fold change and HSCT after CAR-T from its day, in the same model
    analysis = Cox(id="c", title="t", endpoint="OS", covariates=("cmax", "hsct_after_cart"))
    out = present_cox(analysis, ctx)
    (table,) = out.tables
    direct, n, n_events = _direct(_logged(ctx.endpoint("OS")), analysis.covariates)
    assert direct.start == "tstart"
    _assert_terms_equal(table.data, direct.table, n, n_events)
    assert table.data["term"].tolist() == ["log10(cmax)", "hsct_after_cart"]
    assert out.result.time_dependent == ("hsct_after_cart",)
    assert table.display["Variable"].tolist() == ["Cmax, per 10-fold", "HSCT after CAR-T"]
    assert out.n == n


def test_an_hsct_without_its_day_is_left_out_with_a_note(ctx):
    patients = ctx.patients.copy()
    first = patients.index[patients["hsct_after_cart"].astype(bool)][0]
    pid = patients.loc[first, "patient_id"]
    patients.loc[first, "hsct_day"] = np.nan
    ctx0 = dataclasses.replace(ctx, patients=patients)
    analysis = Cox(id="c", title="t", endpoint="OS", covariates=("hsct_after_cart", "female"))
    out = present_cox(analysis, ctx0)
    (table,) = out.tables
    assert (table.data["n"] == 49).all()
    # the section's "n analysed" leaves the patient out too: 49, as the table
    assert out.n == 49
    assert (
        f"Cox model of OS: 1 patient(s) with HSCT after CAR-T but no day of it are left out ({pid})"
    ) in out.notes


def test_cox_forest_figure(ctx):
    analysis = default_plan().get("table1b_os_multivariable")
    out = present_cox(analysis, ctx)
    (fig,) = out.figures
    assert isinstance(fig.figure, Figure)
    assert fig.id == "table1b_os_multivariable_forest"
    ax = fig.figure.axes[0]
    ci_texts = [t for t in ax.texts if t.get_gid() == "ci_text"]
    assert len(ci_texts) == len(analysis.covariates)
    assert "Wald" in fig.caption


def test_cox_categorical_reference_rows(ctx):
    analysis = Cox(id="c", title="t", endpoint="LFS", covariates=("risk_group", "female"))
    out = present_cox(analysis, ctx)
    (table,) = out.tables
    direct = ck.cox(
        _lfs(ctx), time="AVAL", event="event", covariates=["risk_group", "female"], reference=REF
    )
    _assert_terms_equal(table.data, direct.table, direct.n, direct.n_events)
    disp = table.display
    assert list(disp["Variable"][:4]) == [
        "Genetic risk group",
        "Standard risk",
        "Poor risk",
        "Unclassified",
    ]
    assert table.row_styles[:5] == ("heading", "indent", "indent", "indent", "")
    assert disp.iloc[1, 1] == "1 (reference)"
    assert disp.iloc[0, 1] == ""
    assert list(table.data["level"][:2]) == ["poor", "unclassified"]
    assert set(table.data["reference_level"][:2]) == {"standard"}


def test_conf_level_changes_header_and_interval(ctx):
    settings = dataclasses.replace(ctx.settings, conf_level=0.9, cox_ties="breslow")
    ctx90 = dataclasses.replace(ctx, settings=settings)
    analysis = default_plan().get("table1a_lfs_multivariable")
    (table,) = present_cox(analysis, ctx90).tables
    assert "HR (90% CI)" in table.display.columns
    direct, n, n_events = _direct(_lfs(ctx), analysis.covariates, conf_level=0.9, ties="breslow")
    _assert_terms_equal(table.data, direct.table, n, n_events)
    assert any("Breslow ties" in f for f in table.footnotes)


def test_cox_screening_equals_ck_screen(ctx):
    analysis = default_plan().get("s2_lfs_cox_screening")
    assert {"hsct_after_cart", "bca_loss"} <= set(analysis.candidates)
    out = present_cox_screening(analysis, ctx)
    (table,) = out.tables
    data = _logged(_lfs(ctx))
    # the runner passes the risk-group reference; screen forwards it only to models using it
    uni = table.data[table.data["model"] == "Univariate"].reset_index(drop=True)
    for cand in analysis.candidates:
        ref = {k: v for k, v in REF.items() if k == cand} or None
        direct, n, n_events = _direct(data, [cand], reference=ref)
        rows = uni[uni["variable"] == cand].reset_index(drop=True)
        _assert_terms_equal(rows, direct.table, n, n_events)
    multi = table.data[table.data["model"] == "Multivariable"].reset_index(drop=True)
    selected = list(dict.fromkeys(multi["variable"]))
    direct, n, n_events = _direct(data, selected, reference=REF)
    _assert_terms_equal(multi, direct.table, n, n_events)
    # ck.screen itself, with the reference level as the first category, gives the same
    levels = ["standard", "poor", "unclassified"]
    screened = ck.screen(
        data.assign(risk_group=pd.Categorical(data["risk_group"], levels)),
        fit=lambda df, **kw: _direct(df, **kw)[0],
        covariates=list(analysis.candidates),
        threshold=0.2,
    )
    assert tuple(selected) == screened.selected
    np.testing.assert_array_equal(uni["estimate"], screened.univariate["hr"])
    np.testing.assert_array_equal(uni["p_value"], screened.univariate["p_value"])
    np.testing.assert_array_equal(multi["ci_upper"], screened.multivariable["ci_upper"])
    assert list(table.display.columns) == [
        "Variable",
        "Univariate HR (95% CI)",
        "Univariate p",
        "Multivariable HR (95% CI)",
        "Multivariable p",
    ]
    assert len(table.row_styles) == len(table.display)
    disp = table.display.set_index("Variable")
    # age is not selected: its multivariable cells are blank, not "–"
    assert disp.loc["Age, years", "Multivariable HR (95% CI)"] == ""
    assert disp.loc["Standard risk", "Multivariable HR (95% CI)"] == "1 (reference)"
    # Cmax enters per 10-fold change (a per-copy HR would print as 1.00000)
    assert ctx.label("cmax") not in disp.index
    cmax = disp.loc["Cmax, per 10-fold", "Univariate HR (95% CI)"]
    lo, hi = cmax.split("(")[1].rstrip(")").split("–")
    assert lo != hi and len(lo) == 4
    assert any("p < 0.2" in f for f in table.footnotes)
    td = "Time-dependent covariates: HSCT after CAR-T (0 before the day of HSCT, 1 from that day"
    assert any(f.startswith(f"{td} on) and B-cell recovery") for f in table.footnotes)
    (fig,) = out.figures
    assert fig.id == "s2_lfs_cox_screening_forest"
    ci_texts = [t for t in fig.figure.axes[0].texts if t.get_gid() == "ci_text"]
    assert len(ci_texts) == len(multi)


def test_cox_screening_nothing_selected(ctx):
    analysis = CoxScreening(
        id="s", title="t", endpoint="OS", candidates=("age_years", "female"), threshold=1e-9
    )
    out = present_cox_screening(analysis, ctx)
    assert out.figures == []
    assert any("no multivariable model" in n for n in out.notes)
    (table,) = out.tables
    assert (table.data["model"] == "Univariate").all()
    assert list(table.display.columns) == ["Variable", "Univariate HR (95% CI)", "p"]


def test_empty_population_gives_notes(ctx):
    patients = ctx.patients.assign(nobody=pd.array([False] * len(ctx.patients), "boolean"))
    ctx0 = dataclasses.replace(ctx, patients=patients)
    out = present_cox(Cox(id="c", title="t", endpoint="OS", covariates=("age_years",),
                      population="nobody"), ctx0)  # fmt: skip
    assert out.n == 0 and out.tables == [] and out.notes
    out = present_cox_screening(
        CoxScreening(id="s", title="t", endpoint="OS", candidates=("age_years", "female"),
                     population="nobody"), ctx0)  # fmt: skip
    assert out.n == 0 and out.notes


def test_no_events_gives_notes(ctx):
    adtte = ctx.adtte.copy()
    adtte.loc[adtte["PARAMCD"] == "OS", "CNSR"] = 1
    ctx0 = dataclasses.replace(ctx, adtte=adtte)
    out = present_cox(Cox(id="c", title="t", endpoint="OS", covariates=("age_years",)), ctx0)
    assert out.tables == [] and any("No OS event among the 50" in n for n in out.notes)
    out = present_cox_screening(
        CoxScreening(id="s", title="t", endpoint="OS", candidates=("age_years", "female")), ctx0
    )
    assert out.tables == [] and out.n == 50
    assert any("No OS event" in n for n in out.notes)


def test_candidate_that_cannot_be_fitted_is_a_row_of_dashes(ctx):
    # constant in these patients: ck.screen keeps it with its reason and selects the others
    patients = ctx.patients.assign(female=pd.array([True] * len(ctx.patients), "boolean"))
    ctx0 = dataclasses.replace(ctx, patients=patients)
    analysis = CoxScreening(
        id="s", title="t", endpoint="LFS", candidates=("female", "mrd_negative_cr_d28")
    )
    out = present_cox_screening(analysis, ctx0)
    (table,) = out.tables
    assert table.display.iloc[0].tolist()[:3] == ["Female", "–", "–"]
    row = table.data.iloc[0]
    assert np.isnan(row["estimate"]) and "constant" in row["note"]
    assert any(n.startswith("Univariate Cox model of Female") for n in out.notes)


def test_unknown_covariate_is_left_out_with_a_note(ctx):
    out = present_cox(Cox(id="c", title="t", endpoint="LFS", covariates=("nope", "female")), ctx)
    (table,) = out.tables
    assert table.data.set_index("variable").loc["nope", "note"] == "not a variable of this study"
    assert any("nope left out of the model" in n for n in out.notes)


def test_all_missing_covariate_is_left_out_with_a_note(ctx):
    patients = ctx.patients.assign(cmax=np.nan)
    ctx0 = dataclasses.replace(ctx, patients=patients)
    out = present_cox(Cox(id="c", title="t", endpoint="LFS", covariates=("cmax", "female")), ctx0)
    (table,) = out.tables
    direct = ck.cox(ctx0.endpoint("LFS"), time="AVAL", event="event", covariates=["female"])
    fitted = table.data[table.data["note"] == ""]
    _assert_terms_equal(fitted, direct.table, direct.n, direct.n_events)
    row = table.data[table.data["variable"] == "cmax"].iloc[0]
    assert np.isnan(row["estimate"]) and row["note"] == "no observed value"
    assert table.display.iloc[0].tolist() == ["Cmax, per 10-fold", "–", "–"]
    assert any("left out of the model (no observed value)" in n for n in out.notes)


def test_hostile_level_passes_through(ctx):
    risk = ctx.patients["risk_group"].replace({"unclassified": "<b>x</b>", "poor": "=1+1"})
    ctx0 = dataclasses.replace(ctx, patients=ctx.patients.assign(risk_group=risk))
    out = present_cox(Cox(id="c", title="t", endpoint="LFS", covariates=("risk_group",)), ctx0)
    (table,) = out.tables
    assert "risk_group[<b>x</b>]" in set(table.data["term"])
    assert "risk_group[=1+1]" in set(table.data["term"])
    assert {"<b>x</b>", "=1+1"} <= set(table.display["Variable"])


def test_singular_fit_is_a_note_not_a_crash():
    # in this cohort Cmax orders the three LFS events perfectly: its coefficient is infinite;
    # ck.cox gives an infinite SE with a warning, which becomes a note
    plan = default_plan()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = build_context(ck.simulate_study(11, seed=63944), plan)
    out = present_cox_screening(plan.get("s2_lfs_cox_screening"), small)
    (table,) = out.tables
    row = table.data.set_index("variable").loc["cmax"]
    assert row["ci_upper"] == np.inf and row["p_value"] == 1.0
    assert any("term 'cmax' appears to be infinite" in n for n in out.notes)
    # the univariate fit's warning names its variable, as a logistic one does
    assert any(n.startswith(f"Univariate model of {small.label('cmax')}: ") for n in out.notes)


def test_collinear_selection_keeps_the_univariate_table(ctx):
    # complementary variables have the same p, both enter, and the multivariable fit fails
    analysis = CoxScreening(
        id="s",
        title="t",
        endpoint="LFS",
        candidates=("prior_hsct", "no_prior_hsct"),
        threshold=1.0,
    )
    out = present_cox_screening(analysis, ctx)
    (table,) = out.tables
    assert set(table.data["model"]) == {"Univariate"}
    assert table.data["estimate"].notna().all()
    assert any(n.startswith("Multivariable Cox model of") and "not fitted" in n for n in out.notes)
    assert out.figures == []


def _report_objects(value, seen=()):
    """Types from cartkit.report or matplotlib anywhere in a result's fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _report_objects(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _report_objects(v)
    elif isinstance(value, dict) or (hasattr(value, "items") and not isinstance(value, pd.Series)):
        for v in dict(value.items()).values():
            yield from _report_objects(v)
    elif type(value).__module__.startswith(("cartkit.report", "matplotlib")):
        yield type(value)


def test_runner_result_holds_numbers_only(ctx):
    analysis = default_plan().get("table1a_lfs_multivariable")
    result = run_cox(analysis, ctx)
    assert isinstance(result, RegressionKindResult) and result.ratio == "hr"
    assert not list(_report_objects(result))
    (model,) = result.models
    direct, n, n_events = _direct(_lfs(ctx), analysis.covariates)
    _assert_terms_equal(result.data[analysis.id], direct.table, n, n_events)
    assert (model.n, model.n_events) == (n, n_events)
    assert result.n_with_outcome == len(_lfs(ctx))
    assert result.n_events == int(_lfs(ctx)["event"].sum())
    glob = direct.ph_test().set_index("term").loc["GLOBAL", "p_value"]
    assert model.checks["ph_global_p"] == glob
    # the forest plot draws every term: all are estimable
    assert model.forest.id == f"{analysis.id}_forest"
    assert list(model.forest.terms["term"]) == list(direct.table["term"])
    assert result.rows == analysis.covariates


def test_forest_is_drawn_later_and_pickles(ctx):
    analysis = default_plan().get("table1b_os_multivariable")
    (fig,) = present_cox(analysis, ctx).figures
    # the report may draw figures in other processes: the spec travels by pickle
    draw = pickle.loads(pickle.dumps(fig.draw))
    drawn = draw()
    assert isinstance(drawn, Figure)
    texts = [t.get_text() for t in drawn.axes[0].texts if t.get_gid() == "ci_text"]
    assert texts == [t.get_text() for t in fig.figure.axes[0].texts if t.get_gid() == "ci_text"]
    assert len(texts) == len(analysis.covariates)


@given(st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.001, 0.000999, 0.999, 0.9991, math.nan])))
def test_p_text_of_notes_is_the_reports_p_phrase(p):
    assert p_text(p) == p_phrase(p)
