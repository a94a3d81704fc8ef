"""The ``kinetics`` kind with subgroups: the paper's Table 3 (``table3_kinetics_by_subgroup``).

Every summary must equal :func:`cartkit.summarize_nca` within the level, every p-value
:func:`cartkit.comparisons` with the Mann-Whitney test on the same patients.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from tests.present import run_and_present

import cartkit as ck
from cartkit.comparisons import compare
from cartkit.kinetics import summarize_nca
from cartkit.plan.default import default_plan
from cartkit.report.format import NA
from cartkit.runner.context import build_context
from cartkit.runner.kinds.kinetics import KineticsSubgroupResult, run_kinetics

NUMBERS = ["n", "n_positive", "median", "min", "max", "geo_mean", "geo_cv_pct"]
TABLE3 = "table3_kinetics_by_subgroup"


def present_kinetics(analysis, ctx):
    return run_and_present(run_kinetics, analysis, ctx)


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), default_plan())


@pytest.fixture(scope="module")
def out(ctx):
    return present_kinetics(default_plan().get(TABLE3), ctx)


def _with(ctx, **columns):
    return dataclasses.replace(ctx, patients=ctx.patients.assign(**columns))


def test_every_number_equals_the_library(ctx, out):
    analysis = default_plan().get(TABLE3)
    (table,) = out.tables
    assert table.id == TABLE3 and out.figures == []
    data = table.data
    assert list(pd.unique(data["subgroup"])) == list(analysis.subgroups)
    for var in analysis.subgroups:
        sub = ctx.patients[ctx.patients[var].notna().to_numpy()]
        expected = summarize_nca(sub, group=var, parameters=list(analysis.parameters))
        rows = data[data["subgroup"] == var]
        assert rows["level"].tolist() == [str(g) for g in expected["group"]]
        for col in NUMBERS:
            np.testing.assert_array_equal(
                rows[col].to_numpy(float), expected[col].to_numpy(float), err_msg=f"{var} {col}"
            )
        for param in analysis.parameters:
            test = compare(sub, variable=param, group=var, test="mannwhitney")
            got = rows.loc[rows["parameter"] == param, ["p_value", "test"]]
            assert (got["p_value"] == test.p_value).all(), (var, param)
            assert (got["test"] == "Mann-Whitney").all()


def test_layout_like_table3(ctx, out):
    analysis = default_plan().get(TABLE3)
    (table,) = out.tables
    disp = table.display
    assert list(disp.columns) == [
        "Characteristic", "n",
        "Cmax, copies/µg DNA", "p (Cmax)",
        "AUC0–28d, copies/µg DNA × day", "p (AUC0–28d)",
        "Tlast, days", "p (Tlast)",
    ]  # fmt: skip
    assert len(table.row_styles) == len(disp)
    assert table.row_styles.count("heading") == len(analysis.subgroups)
    # sex: heading with the p-values, then Female and Male indented with n and medians
    i = disp.index[disp["Characteristic"] == "Sex"][0]
    assert table.row_styles[i : i + 3] == ("heading", "indent", "indent")
    assert disp.loc[i + 1, "Characteristic"] == "Female"
    assert disp.loc[i + 2, "Characteristic"] == "Male"
    females = ctx.patients[ctx.patients["sex"] == "F"]
    assert disp.loc[i + 1, "n"] == str(len(females))
    c = females["cmax"]
    assert disp.loc[i + 1, "Cmax, copies/µg DNA"] == (
        f"{c.median():,.0f} ({c.min():,.0f}–{c.max():,.0f})"
    )
    p = compare(ctx.patients, variable="cmax", group="sex", test="mannwhitney").p_value
    assert disp.loc[i, "p (Cmax)"] == f"{p:.3f}"
    assert disp.loc[i, "n"] == "" and disp.loc[i + 1, "p (Cmax)"] == ""
    assert any(f.startswith("p by the Mann-Whitney U test") for f in table.footnotes)


def test_missing_subgroup_values_are_counted(ctx, out):
    unknown = int(ctx.patients["mrd_negative_cr_d28"].isna().sum())
    assert unknown == 1
    assert "Day-28 MRD-negative CR/CRi: 1 patient(s) with unknown value are not compared" in (
        out.notes
    )
    rows = out.tables[0].data.query("subgroup == 'mrd_negative_cr_d28' and parameter == 'cmax'")
    assert rows["n"].sum() == len(ctx.patients) - unknown


def test_auto_test_follows_compare(ctx):
    analysis = dataclasses.replace(
        default_plan().get(TABLE3), test="auto", subgroups=("sex", "age_over_10")
    )
    (table,) = present_kinetics(analysis, ctx).tables
    for row in table.data.itertuples():
        expected = compare(ctx.patients, variable=row.parameter, group=row.subgroup)
        assert row.test == expected.test and row.p_value == expected.p_value
    assert any("follows the normality rule" in f for f in table.footnotes)


def test_more_than_two_levels_use_kruskal_wallis(ctx):
    analysis = dataclasses.replace(default_plan().get(TABLE3), subgroups=("risk_group",))
    (table,) = present_kinetics(analysis, ctx).tables
    sub = ctx.patients[ctx.patients["risk_group"].notna()]
    assert sub["risk_group"].nunique() == 3
    expected = compare(sub, variable="cmax", group="risk_group", test="kruskal")
    cmax = table.data[table.data["parameter"] == "cmax"]
    assert (cmax["p_value"] == expected.p_value).all()
    assert (cmax["test"] == "Kruskal-Wallis").all()
    assert any("Kruskal-Wallis" in f for f in table.footnotes)


def test_hostile_levels_pass_through(ctx):
    values = np.where(np.arange(len(ctx.patients)) % 2 == 0, "<b>x</b>", "=1+1")
    analysis = dataclasses.replace(default_plan().get(TABLE3), subgroups=("risk_group",))
    (table,) = present_kinetics(analysis, _with(ctx, risk_group=values)).tables
    assert set(table.data["level"]) == {"<b>x</b>", "=1+1"}
    assert {"<b>x</b>", "=1+1"} <= set(table.display["Characteristic"])


def test_all_missing_and_single_level_subgroups(ctx):
    nothing = pd.array([pd.NA] * len(ctx.patients), dtype="boolean")
    everyone = pd.array([True] * len(ctx.patients), dtype="boolean")
    analysis = dataclasses.replace(
        default_plan().get(TABLE3), subgroups=("prior_hsct", "tocilizumab", "sex")
    )
    out = present_kinetics(analysis, _with(ctx, prior_hsct=nothing, tocilizumab=everyone))
    (table,) = out.tables
    disp = table.display
    # the all-missing variable keeps its heading, with no levels and no test
    assert disp.loc[0, "Characteristic"] == "Prior HSCT"
    assert disp.loc[0, "p (Cmax)"] == NA
    assert table.row_styles[:3] == ("heading", "heading", "indent")
    assert f"Prior HSCT: {len(ctx.patients)} patient(s) with unknown value are not compared" in (
        out.notes
    )
    assert (
        "Tocilizumab: one group only, so no test (all 50 patients with kinetics: Tocilizumab)"
        in out.notes
    )
    # one note per variable, in the registry's words: no per-parameter repeat, no numpy repr
    assert not [n for n in out.notes if "np." in n or "level(s)" in n]
    assert len([n for n in out.notes if n.startswith("Prior HSCT")]) == 1
    tocilizumab = table.data[table.data["subgroup"] == "tocilizumab"]
    assert tocilizumab["p_value"].isna().all() and (tocilizumab["n"] == 50).all()
    # the other subgroups are still tested
    assert table.data.loc[table.data["subgroup"] == "sex", "p_value"].notna().all()


def test_unknown_subgroup_is_a_note(ctx):
    analysis = dataclasses.replace(default_plan().get(TABLE3), subgroups=("nonexistent", "sex"))
    out = present_kinetics(analysis, ctx)
    assert any(n.startswith("subgroup nonexistent not shown") for n in out.notes)
    assert set(out.tables[0].data["subgroup"]) == {"sex"}


def test_geometric_mean_in_subgroups(ctx):
    analysis = dataclasses.replace(
        default_plan().get(TABLE3), subgroups=("sex",), summary="geometric_mean"
    )
    (table,) = present_kinetics(analysis, ctx).tables
    row = table.data.query("level == 'M' and parameter == 'auc_window'").iloc[0]
    assert table.display.loc[2, "AUC0–28d, copies/µg DNA × day"] == (
        f"{row['geo_mean']:,.0f} ({row['geo_cv_pct']:.1f}%)"
    )


def test_continuous_subgroup_is_refused_with_a_note(ctx):
    analysis = dataclasses.replace(default_plan().get(TABLE3), subgroups=("age_years", "sex"))
    out = present_kinetics(analysis, ctx)
    assert any(
        n.startswith("subgroup Age, years not shown") and "derive a boolean" in n for n in out.notes
    )
    assert set(out.tables[0].data["subgroup"]) == {"sex"}


def test_result_holds_levels_counts_and_tests(ctx):
    analysis = dataclasses.replace(
        default_plan().get(TABLE3), subgroups=("risk_group", "nonexistent", "sex")
    )
    result = run_kinetics(analysis, ctx)
    assert isinstance(result, KineticsSubgroupResult)
    assert [s.variable for s in result.subgroups] == ["risk_group", "sex"]
    risk = result.subgroups[0]
    known = ctx.patients[ctx.patients["risk_group"].notna()]
    assert risk.levels == tuple(sorted(known["risk_group"].unique()))
    assert risk.n == tuple(int((known["risk_group"] == lv).sum()) for lv in risk.levels)
    assert set(risk.tests) == set(analysis.parameters)
    expected = compare(known, variable="auc_window", group="risk_group", test="kruskal")
    assert risk.tests["auc_window"].p_value == expected.p_value
    # the data hold the parameters of each level together, in the plan's order
    rows = result.data[TABLE3].query("subgroup == 'risk_group'")
    assert rows["parameter"].tolist() == list(analysis.parameters) * len(risk.levels)
