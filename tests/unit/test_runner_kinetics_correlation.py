"""The ``correlation`` kind (Figure 2 and Supplementary Figure S3).

Every number must equal :func:`cartkit.correlate` on the complete pairs, with the method the
paper's rule picks: Pearson when both variables pass Shapiro-Wilk (``shapiro_p`` > 0.05), else
Spearman.
"""

import ast
import dataclasses
import pickle
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from tests.present import run_and_present

import cartkit as ck
from cartkit.comparisons import correlate
from cartkit.comparisons.tests import shapiro_p
from cartkit.plan.default import default_plan
from cartkit.report.format import NA
from cartkit.runner.context import build_context
from cartkit.runner.kinds.correlation import RUNNERS, CorrelationResult, run_correlation

S3 = "sfig_s3_expansion_persistence"  # pairs of complete variables: correlations


def present_correlation(analysis, ctx):
    return run_and_present(run_correlation, analysis, ctx)


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), default_plan())


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _points(fig: Figure, panel: int = 0) -> int:
    (coll,) = [c for c in fig.axes[panel].collections if isinstance(c, PathCollection)]
    return len(coll.get_offsets())


def _rule(df, x, y):
    both = df[[x, y]].dropna().astype(float)
    normal = shapiro_p(both[x].to_numpy()) > 0.05 and shapiro_p(both[y].to_numpy()) > 0.05
    return "pearson" if normal else "spearman"


def test_registry():
    assert RUNNERS == {"correlation": run_correlation}


def test_numbers_equal_correlate(ctx):
    analysis_id = S3
    analysis = default_plan().get(analysis_id)
    out = present_correlation(analysis, ctx)
    (table,) = out.tables
    assert table.id == analysis_id
    assert list(zip(table.data["x"], table.data["y"], strict=True)) == list(analysis.pairs)
    for row in table.data.itertuples():
        method = _rule(ctx.patients, row.x, row.y)
        test = correlate(ctx.patients, x=row.x, y=row.y, method=method)
        assert row.method == method
        assert row.estimate == test.estimate and row.p_value == test.p_value
        assert row.statistic == test.statistic and row.n == test.n
        np.testing.assert_array_equal([row.ci_lower, row.ci_upper], [test.ci_lower, test.ci_upper])
        both = ctx.patients[[row.x, row.y]].dropna()
        assert row.shapiro_p_x == shapiro_p(both[row.x].to_numpy(float))
    # one figure, a panel per pair
    (figure,) = out.figures
    assert figure.id == analysis_id and len(figure.figure.axes) == len(analysis.pairs)
    # a patient is analysed when some pair has both values (P003, never aplastic, has no BCA
    # duration)
    both = [ctx.patients[[x, y]].notna().all(axis=1) for x, y in analysis.pairs]
    assert out.n == int(np.logical_or.reduce(both).sum())


def test_display_and_figures(ctx):
    out = present_correlation(default_plan().get(S3), ctx)
    (table,) = out.tables
    # both pairs are Spearman here: the column names the coefficient the table shows
    assert list(table.display.columns) == ["X", "Y", "n", "Method", "ρ (95% CI)", "p"]
    assert len(table.row_styles) == len(table.display) == 2
    auc = table.data.iloc[1]
    assert table.display.loc[1, "X"] == "AUC0–28d, copies/µg DNA × day"
    assert table.display.loc[1, "Y"] == "Tlast, days"
    assert table.display.loc[1, "Method"] == "Spearman"
    # the header promises a CI: Spearman's rho gets Fisher's z interval, three decimals
    # (a negative bound: "to" between the limits and a true minus sign)
    assert auc["ci_lower"] < 0 < auc["ci_upper"]
    lower = f"{auc['ci_lower']:.3f}".replace("-", "−")
    interval = f"{lower} to {auc['ci_upper']:.3f}"
    assert table.display.loc[1, "ρ (95% CI)"] == f"{auc['estimate']:.3f} ({interval})"
    assert "Fisher's z transformation of ρ" in table.footnotes[-1]
    assert table.display.loc[1, "p"] == "0.054"
    assert "BCA" not in table.abbreviations
    fig = out.figures[0].figure
    assert isinstance(fig, Figure)
    assert _points(fig) == 50
    assert [ln.get_gid() for ln in fig.axes[0].get_lines()] == ["fit"]
    # concentrations on a log axis, durations linear
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "linear"
    assert fig.axes[1].get_xscale() == "log"
    letters = [t.get_text() for sub in fig.subfigs for t in sub.texts if t.get_gid() == "panel"]
    assert letters == ["A", "B"]
    caption = out.figures[0].caption
    assert "Spearman when Shapiro-Wilk p ≤ 0.05" in caption
    assert (
        f"(B) Tlast against AUC0–28d (n = 50): Spearman ρ = {auc['estimate']:.3f} "
        f"(95% CI {interval}), p = 0.054" in caption
    )


def _log10_cox(patients, x):
    """``ck.cox`` of the time to B-cell recovery (BCA duration) on ``x`` (log10 if a level)."""
    log = x in ("cmax", "auc_window")
    data = patients[["bca_duration_days", "bca_loss", x]].dropna().astype(float)
    if log:
        data = data[data[x] > 0].assign(**{x: lambda d: np.log10(d[x])})
    return ck.cox(data, time="bca_duration_days", event="bca_loss", covariates=[x]), data


def test_a_censored_duration_is_a_cox_model_of_the_time_to_its_event(ctx):
    # BCA duration ends at B-cell recovery or is censored: Figure 2 is not a correlation
    analysis = default_plan().get("figure2_bca_correlations")
    out = present_correlation(analysis, ctx)
    (table,) = out.tables
    assert table.id == f"{analysis.id}_cox" and analysis.id not in out.result.data
    data = table.data
    assert data["x"].tolist() == ["cmax", "auc_window", "tlast"]
    assert data["log10"].tolist() == [True, True, False]
    for row in data.itertuples():
        fit, used = _log10_cox(ctx.patients, row.x)
        term = fit.table.iloc[0]
        assert row.estimate == term["hr"] and row.p_value == term["p_value"]
        assert (row.ci_lower, row.ci_upper) == (term["ci_lower"], term["ci_upper"])
        assert row.n == fit.n == len(used) == 49  # P003 was never aplastic: nothing to end
        assert (row.n_events, row.n_censored) == (29, 20) == (fit.n_events, 49 - fit.n_events)
    assert list(table.display.columns) == [
        "Variable", "n", "Events", "Censored", "HR (95% CI)", "p"
    ]  # fmt: skip
    assert table.display.iloc[0].tolist() == [
        "Cmax, copies/µg DNA (per 10-fold increase)", "49", "29", "20",
        f"{data['estimate'][0]:.2f} ({data['ci_lower'][0]:.2f}–{data['ci_upper'][0]:.2f})",
        "0.003",
    ]  # fmt: skip
    assert table.display.iloc[2, 0] == "Tlast, days (per 1-unit increase)"
    assert table.title == (
        "B-cell aplasia duration and CAR-T kinetic parameters: Cox models of the time to "
        "B-cell recovery"
    )
    assert table.footnotes[0].startswith(
        "BCA duration is censored where B-cell recovery was not seen by the end of monitoring "
        "(Censored): a correlation coefficient would treat those durations as complete."
    )
    assert (
        "BCA, B-cell aplasia" in table.abbreviations and "HR, hazard ratio" in table.abbreviations
    )
    # P003, never aplastic, has no BCA duration (missing, not 0) and so no recovery status
    assert "Cmax and BCA duration: 1 patient(s) left out (1 with BCA duration missing)" in (
        out.notes
    )
    # one figure, a scatter panel per pair (A, B, C): censored durations open, recoveries
    # filled, no least-squares line, the HR in a corner
    (figure,) = out.figures
    assert figure.id == analysis.id
    fig = figure.figure
    letters = [t.get_text() for sub in fig.subfigs for t in sub.texts if t.get_gid() == "panel"]
    assert letters == ["A", "B", "C"]
    for ax in fig.axes:
        filled, hollow = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert (len(filled.get_offsets()), len(hollow.get_offsets())) == (29, 20)
        assert len(hollow.get_facecolors()) == 0 or not hollow.get_facecolors()[:, 3].any()
        assert ax.get_lines() == []
        assert [t.get_text() for t in ax.get_legend().get_texts()] == [
            "B-cell recovery", "Censored"
        ]  # fmt: skip
    (corner,) = [t for t in fig.axes[0].texts if t.get_gid() == "p"]
    assert corner.get_text() == "HR per 10-fold = 0.41, p = 0.003"
    hr = data.iloc[0]
    assert figure.caption.startswith(
        "(A) BCA duration against Cmax (n = 49; open circles: 20 censored): HR of Cmax (log10) "
        f"per 10-fold increase (95% CI) {hr['estimate']:.2f} ({hr['ci_lower']:.2f}–"
        f"{hr['ci_upper']:.2f}), p = 0.003; (B) BCA duration against AUC0–28d"
    )
    assert figure.caption.endswith(
        "One point per patient. Open circles: censored BCA durations (no B-cell recovery seen "
        "by the end of monitoring: the true duration is longer). No correlation coefficient, "
        "which would treat the censored durations as complete: HR of a Cox model of the time "
        "to B-cell recovery on the other variable (log10 for a log-scale variable), p by the "
        "Wald test; no fitted line."
    )
    assert out.n == 49


def test_pearson_gives_a_confidence_interval(ctx):
    analysis = dataclasses.replace(
        default_plan().get("sfig_s3_expansion_persistence"), method="pearson"
    )
    out = present_correlation(analysis, ctx)
    (table,) = out.tables
    test = correlate(ctx.patients, x="cmax", y="tlast", method="pearson")
    row = table.data.iloc[0]
    assert row["method"] == "pearson" and row["ci_lower"] == test.ci_lower
    # a negative bound: "to" between the limits and a true minus sign, not "-0.218–0.336"
    assert test.ci_lower < 0 < test.ci_upper
    lower = f"{test.ci_lower:.3f}".replace("-", "−")
    assert table.display.loc[0, "r (95% CI)"] == (
        f"{test.estimate:.3f} ({lower} to {test.ci_upper:.3f})"
    )
    assert any("Fisher's z" in f for f in table.footnotes)
    assert "95% CI" in out.figures[0].caption


def test_auto_picks_pearson_for_normal_data(ctx):
    rng = np.random.default_rng(1)
    x = rng.normal(size=len(ctx.patients))
    patients = ctx.patients.assign(age_years=x, il6_peak=x + rng.normal(size=len(x)))
    analysis = dataclasses.replace(
        default_plan().get("figure2_bca_correlations"), pairs=(("age_years", "il6_peak"),)
    )
    out = present_correlation(analysis, dataclasses.replace(ctx, patients=patients))
    row = out.tables[0].data.iloc[0]
    assert row["method"] == "pearson"
    assert (
        row["estimate"]
        == correlate(patients, x="age_years", y="il6_peak", method="pearson").estimate
    )


def test_zeros_on_a_log_axis_are_counted_not_drawn(ctx):
    patients = ctx.patients.copy()
    patients.loc[patients.index[:2], "cmax"] = 0.0
    out = present_correlation(default_plan().get(S3), dataclasses.replace(ctx, patients=patients))
    # the zeros are in the correlation, not on the plot
    assert out.tables[0].data.loc[0, "n"] == 50
    assert _points(out.figures[0].figure) == 48
    assert "2 patient(s) not drawn because a log axis cannot show zero (2 with Cmax = 0)" in (
        out.figures[0].caption
    )


def test_patients_without_kinetics_are_noted(ctx):
    gone = ["P001", "P002", "P003"]
    patients = ctx.patients.copy()
    patients.loc[patients["patient_id"].isin(gone), ["cmax", "auc_window", "tlast"]] = np.nan
    patients.loc[patients.index[10], "bca_duration_days"] = np.nan
    other = dataclasses.replace(
        ctx, patients=patients, nca=ctx.nca[~ctx.nca["patient_id"].isin(gone)]
    )
    out = present_correlation(default_plan().get("figure2_bca_correlations"), other)
    assert (
        "Cmax and BCA duration: 4 patient(s) left out "
        "(3 without kinetics data; 2 with BCA duration missing)" in out.notes
    )
    assert out.tables[0].data.loc[0, "n"] == 46
    assert out.n == 46


def test_bad_pairs_become_notes(ctx):
    analysis = dataclasses.replace(
        default_plan().get("figure2_bca_correlations"),
        pairs=(("sex", "cmax"), ("nonexistent", "cmax"), ("cmax", "tlast")),
    )
    out = present_correlation(analysis, ctx)
    assert any("not a numeric variable" in n for n in out.notes)
    assert any("'nonexistent' is not a variable" in n for n in out.notes)
    assert out.tables[0].data["x"].tolist() == ["cmax"]
    assert len(out.figures) == 1


def test_empty_population(ctx):
    patients = ctx.patients.assign(nobody=pd.array([False] * len(ctx.patients), "boolean"))
    analysis = dataclasses.replace(default_plan().get(S3), population="nobody")
    out = present_correlation(analysis, dataclasses.replace(ctx, patients=patients))
    assert out.n == 0 and out.figures == []
    (table,) = out.tables
    assert (table.data["n"] == 0).all() and table.data["estimate"].isna().all()
    assert set(table.display["r (95% CI)"]) == {NA}
    assert len(out.notes) == 2 and all("no correlation" in n for n in out.notes)
    # a censored pair without patients is a Cox model without patients
    figure2 = dataclasses.replace(
        default_plan().get("figure2_bca_correlations"), population="nobody"
    )
    out = present_correlation(figure2, dataclasses.replace(ctx, patients=patients))
    (table,) = out.tables
    assert (table.data["n"] == 0).all() and set(table.display["HR (95% CI)"]) == {NA}
    assert len(out.notes) == 3 and all("no Cox model" in n for n in out.notes)


def test_constant_variable_is_a_note(ctx):
    patients = ctx.patients.assign(tlast=30.0)
    out = present_correlation(default_plan().get(S3), dataclasses.replace(ctx, patients=patients))
    assert out.figures == []
    failed = [n for n in out.notes if "no correlation" in n]
    assert len(failed) == 2 and all("constant is undefined" in n for n in failed)


def test_result_holds_the_tests_and_the_points_drawn(ctx):
    patients = ctx.patients.copy()
    patients.loc[patients.index[:2], "cmax"] = 0.0
    analysis = default_plan().get(S3)
    result = run_correlation(analysis, dataclasses.replace(ctx, patients=patients))
    assert isinstance(result, CorrelationResult)
    assert not hasattr(result, "tables") and not hasattr(result, "figures")
    first = result.scatters[0]
    assert (first.x, first.y) == analysis.pairs[0] == ("cmax", "tlast")
    # the registry's log_scale role: a level is on a log axis, a duration is not
    assert (first.log_x, first.log_y) == (True, False)
    assert dict(first.not_drawn) == {"cmax": 2} and first.n == 50
    assert first.points["patient_id"].tolist() == patients["patient_id"].iloc[2:].tolist()
    assert first.censored is None
    row = result.data[analysis.id].iloc[0]
    assert first.test.estimate == row["estimate"] and first.test.p_value == row["p_value"]


def test_pair_with_nothing_to_draw_stays_in_the_table(ctx):
    # correlated, but no value a log axis can show: the row stays, the figure is a note
    patients = ctx.patients.assign(cmax=-np.arange(1.0, len(ctx.patients) + 1))
    analysis = dataclasses.replace(default_plan().get(S3), pairs=(("cmax", "tlast"),))
    out = present_correlation(analysis, dataclasses.replace(ctx, patients=patients))
    (table,) = out.tables
    assert table.data.loc[0, "n"] == 50 and np.isfinite(table.data.loc[0, "estimate"])
    assert out.figures == [] and out.n == 50
    assert "Cmax and Tlast: not drawn, a log axis cannot show a value of 0 or below" in (out.notes)


def test_figures_are_drawn_from_a_picklable_spec(ctx):
    out = present_correlation(default_plan().get(S3), ctx)
    assert out.figures
    for spec in out.figures:
        again = pickle.loads(pickle.dumps(spec.draw))()
        for panel in (0, 1):
            assert _points(again, panel) == _points(spec.figure, panel) == 50


def test_runner_modules_do_not_import_the_report():
    root = Path(ck.__file__).parent / "runner"
    for path in (root / "kinds" / "kinetics.py", root / "kinds" / "correlation.py",
                 root / "nca_names.py"):  # fmt: skip
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any("report" in n or "matplotlib" in n for n in names), (path, names)
