"""Forest plots print what their table prints, and infinite Cox terms are "NE" in both.

A forest plot's "HR (95% CI)" and p columns are the table's cells (same digits, same "<0.001");
a Cox term flagged infinite (``Cox.infinite``: monotone likelihood, e.g. no event in one level)
prints "NE" and "–" in the table, as separated logistic terms do, and is left out of the forest
plot with a note and a word in the caption.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.plan.schema import CoxModel, CoxScreening
from cartkit.runner.context import build_context
from cartkit.runner.kinds.logistic import run_logistic_screening
from cartkit.runner.kinds.models import run_cox, run_cox_screening


@pytest.fixture(scope="module")
def ctx():
    # a small cohort: estimates below 0.1 and p-values near the rounding edges
    return build_context(ck.simulate_study(30, seed=3), default_plan())


def _present(run, analysis, ctx):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_and_present(run, analysis, ctx)


def _figure_cells(figure) -> list[tuple[str, str, str]]:
    fig = figure.figure
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    ci = [t.get_text() for t in ax.texts if t.get_gid() == "ci_text"]
    p = [t.get_text() for t in ax.texts if t.get_gid() == "p_text"]
    return list(zip(names, ci, p, strict=True))


@pytest.mark.parametrize(
    ("run", "analysis_id"),
    [
        (run_cox_screening, "s2_lfs_cox_screening"),
        (run_cox, "table1a_lfs_multivariable"),
        (run_logistic_screening, "table2_crs_grade3_logistic"),
    ],
)
def test_forest_plot_numbers_are_the_tables(ctx, run, analysis_id):
    out = _present(run, default_plan().get(analysis_id), ctx)
    (table,) = out.tables
    display = table.display.set_index("Variable")
    for figure in out.figures:
        model = figure.id.removeprefix(f"{analysis_id}_forest").strip("_").replace("_", " ")
        ci_col = next(
            c
            for c in display.columns
            if c.endswith("(95% CI)")
            and "Univariate" not in c
            and (not model or c.lower().startswith(model))
        )
        p_col = display.columns[list(display.columns).index(ci_col) + 1]
        for name, ci, p in _figure_cells(figure):
            assert (ci, p) == (display.loc[name, ci_col], display.loc[name, p_col]), name


def test_a_small_estimate_prints_the_same_in_figure_and_table(ctx):
    out = _present(run_cox_screening, default_plan().get("s2_lfs_cox_screening"), ctx)
    cells = dict((n, (c, p)) for n, c, p in _figure_cells(out.figures[0]))
    shown = out.tables[0].display.set_index("Variable")
    row = "Day-28 MRD-negative CR/CRi"
    assert cells[row][0] == shown.loc[row, "Multivariable HR (95% CI)"]
    assert cells[row][0].startswith("0.0") and cells[row][0].count(".") == 3
    assert cells[row][0].split(" ")[0] == f"{float(cells[row][0].split(' ')[0]):.2f}"


@pytest.fixture(scope="module")
def monotone(ctx):
    """Poor risk only among patients without an LFS event: its Cox coefficient is infinite."""
    lfs = ctx.endpoint("LFS").set_index("patient_id")
    censored = lfs.index[lfs["event"] == 0]
    risk = np.where(ctx.patients["patient_id"].isin(censored[:8]), "poor", "standard")
    return dataclasses.replace(ctx, patients=ctx.patients.assign(risk_group=risk))


def test_an_infinite_cox_term_prints_ne_in_the_table(monotone):
    analysis = CoxScreening(
        id="s", title="t", endpoint="LFS", candidates=("risk_group", "age_years")
    )
    out = _present(run_cox_screening, analysis, monotone)
    (t,) = out.tables
    display = t.display.set_index("Variable")
    assert display.loc["Poor risk", "Univariate HR (95% CI)"] == "NE"
    assert display.loc["Poor risk", "p"] == "–"
    assert t.data.set_index("variable").loc["risk_group", "note"] == "infinite"
    assert any(f.startswith("NE, not estimable: the partial likelihood") for f in t.footnotes)


def test_an_infinite_cox_term_is_left_out_of_the_forest_plot_with_a_note(monotone):
    analysis = CoxModel(
        id="c", title="Model", endpoint="LFS", covariates=("risk_group", "age_years")
    )
    out = _present(run_cox, analysis, monotone)
    (t,) = out.tables
    assert t.display.set_index("Variable").loc["Poor risk", "HR (95% CI)"] == "NE"
    (figure,) = out.figures
    names = [n for n, _, _ in _figure_cells(figure)]
    assert names == ["Age, years"]
    note = (
        "Model: hazard ratios: Genetic risk group not drawn (not estimable: infinite coefficient)."
    )
    assert note in out.notes
    assert figure.caption.endswith(
        "Not drawn, not estimable (NE in the table): Genetic risk group."
    )


def test_an_infinite_term_beside_a_time_dependent_covariate_is_ne_too(monotone):
    # HSCT after CAR-T is time-dependent (counting-process rows): the fit's infinite terms are
    # read through the patient-counted fit as through a plain one
    analysis = CoxModel(
        id="c", title="Model", endpoint="LFS", covariates=("risk_group", "hsct_after_cart")
    )
    out = _present(run_cox, analysis, monotone)
    (t,) = out.tables
    assert out.result.time_dependent == ("hsct_after_cart",)
    display = t.display.set_index("Variable")
    assert display.loc["Poor risk", "HR (95% CI)"] == "NE"
    assert display.loc["HSCT after CAR-T", "HR (95% CI)"] != "NE"
    assert t.data.set_index("variable").loc["risk_group", "note"] == "infinite"
    (figure,) = out.figures
    assert [n for n, _, _ in _figure_cells(figure)] == ["HSCT after CAR-T"]
