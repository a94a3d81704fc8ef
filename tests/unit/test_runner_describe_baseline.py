"""The ``baseline`` analysis kind: every number equals ck.describe / ck.compare called directly.

(``compare`` is imported from cartkit.comparisons.tests: once the subpackage cartkit.comparisons is
imported, the attribute ``ck.compare`` is that subpackage, not the function.)

No R reference here: the statistics (describe, compare) are tested against R in
tests/reference/test_compare_reference.py; these tests check that the table carries exactly
those numbers, laid out and printed as a journal would.
"""

import ast
import dataclasses
import types
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.present import run_and_present

import cartkit as ck
from cartkit.comparisons.tests import compare
from cartkit.errors import DataError
from cartkit.plan.default import default_plan
from cartkit.plan.schema import Baseline
from cartkit.report.format import fmt_count_pct, fmt_mean_sd, fmt_median_range
from cartkit.report.sections._describe_text import precision
from cartkit.runner.context import build_context
from cartkit.runner.kinds import _describe_common, describe
from cartkit.runner.kinds._describe_common import matches, order_levels, same
from cartkit.runner.kinds.describe import DATA_COLUMNS, RUNNERS, DescribeResult, run_baseline


def present_baseline(analysis, ctx):
    return run_and_present(run_baseline, analysis, ctx)


NUMBERS = ["n", "n_missing", "count", "percent", "mean", "sd", "median", "min", "max"]


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), default_plan())


def _match(table, level):
    if level is None:
        return table[table["level"].isna()].iloc[0]
    return table[[str(lv) == level or str(bool(lv)) == level for lv in table["level"]]].iloc[0]


def _assert_equal_numbers(row, expected):
    for col in NUMBERS:
        got, want = row[col], expected[col]
        if pd.isna(want):
            assert pd.isna(got), col
        else:
            assert got == want, (row["variable"], col)


def test_registry_names_the_four_kinds():
    assert set(RUNNERS) == {"baseline", "rates", "event_summary", "compare"}


@pytest.mark.parametrize(
    "analysis_id", ["s1_baseline", "follow_up_observed", "s3_anc_nadir", "il6_peak_summary",
                    "bca_timing"],
)  # fmt: skip
def test_default_plan_numbers_equal_describe(ctx, analysis_id):
    analysis = default_plan().get(analysis_id)
    out = present_baseline(analysis, ctx)
    assert out.n == len(ctx.patients) == 50
    (table,) = out.tables
    assert table.id == analysis_id and tuple(table.data.columns) == DATA_COLUMNS
    assert len(table.row_styles) == len(table.display)
    for var, rows in table.data.groupby("variable", sort=False):
        expected = ck.describe(ctx.patients, variables=[var])
        for _, row in rows.iterrows():
            assert row["group"] is None and row["group_label"] == "All patients"
            assert row["summary"] == {"count_percent": "count"}.get(
                expected["summary"].iloc[0], expected["summary"].iloc[0]
            )
            _assert_equal_numbers(row, _match(expected, row["level"]))
    assert list(dict.fromkeys(table.data["variable"])) == list(analysis.variables)


def test_s1_layout_levels_and_printed_cells(ctx):
    out = present_baseline(default_plan().get("s1_baseline"), ctx)
    (t,) = out.tables
    d, styles = t.display, t.row_styles
    assert list(d.columns) == ["Characteristic", "All patients (n = 50)"]
    labels = list(d["Characteristic"])
    # a categorical variable: heading, then its levels indented in the level labels' order
    i = labels.index("Genetic risk group, n (%)")
    assert styles[i] == "heading" and d.iloc[i, 1] == ""
    assert labels[i + 1 : i + 4] == ["Standard risk", "Poor risk", "Unclassified"]
    assert styles[i + 1 : i + 4] == ("indent",) * 3
    # levels without printed labels keep cartkit's (categorical) order
    j = labels.index("Pre-LD MRD, n (%)")
    assert labels[j + 1 : j + 5] == ["< 10⁻⁴", "10⁻⁴ to < 10⁻³", "10⁻³ to < 10⁻²", "≥ 10⁻²"]
    # a yes/no variable is one row: the patients with the condition
    k = labels.index("Prior HSCT, n (%)")
    n_prior = int(ctx.patients["prior_hsct"].sum())
    assert d.iloc[k, 1] == fmt_count_pct(n_prior, 50) and styles[k] == ""
    age = ck.describe(ctx.patients, variables=["age_years"]).iloc[0]
    assert age.summary == "median_range"
    row = labels.index("Age, years, median (range)")
    assert d.iloc[row, 1] == fmt_median_range(age["median"], age["min"], age["max"], 1)
    assert "Values are n (%) or median (range)." in t.footnotes
    assert "SD, standard deviation" in t.abbreviations  # the footnote names mean ± SD
    assert all(isinstance(v, str) for v in d.to_numpy().ravel())


def test_s1_lists_every_category_and_names_the_dose_unit(ctx):
    # no patient with MRD persistence: its row is still printed, 0 (0.0), as a journal does
    patients = ctx.patients.assign(
        indication=ctx.patients["indication"].replace("mrd_persistent", "mrd_reemergence")
    )
    out = present_baseline(default_plan().get("s1_baseline"), replace(ctx, patients=patients))
    d = out.tables[0].display
    labels = list(d["Characteristic"])
    i = labels.index("Indication, n (%)")
    assert labels[i + 1 : i + 4] == [
        "MRD re-emergence",
        "MRD persistence",
        "Chemotherapy intolerance",
    ]
    assert d.iloc[i + 2, 1] == "0 (0.0)"
    row = out.tables[0].data.query("variable == 'indication' and level == 'mrd_persistent'")
    assert row["count"].tolist() == [0.0] and row["n"].tolist() == [50]
    # the dose is in 10⁶ cells per kg, not "10⁶/kg" of nothing
    assert any(s.startswith("CAR-T dose, ×10⁶ cells/kg, ") for s in labels)


def test_grouped_numbers_equal_describe_and_compare(ctx):
    base = default_plan().get("s1_baseline")
    analysis = dataclasses.replace(
        base, group="hsct_after_cart", variables=(*base.variables, "bca_onset_day")
    )
    out = present_baseline(analysis, ctx)
    (t,) = out.tables
    pats = ctx.patients
    for var, rows in t.data.groupby("variable", sort=False):
        grouped = ck.describe(pats, variables=[var], group="hsct_after_cart")
        test = compare(pats, variable=var, group="hsct_after_cart")
        assert (rows["p_value"] == test.p_value).all() and (rows["test"] == test.test).all()
        forced = None if grouped.summary.iloc[0] == "count_percent" else grouped.summary.iloc[0]
        total = ck.describe(pats, variables=[var], summary=forced)
        for _, row in rows.iterrows():
            if row["group"] is None:
                _assert_equal_numbers(row, _match(total, row["level"]))
            else:
                sub = grouped[[str(bool(g)) == row["group"] for g in grouped["group"]]]
                _assert_equal_numbers(row, _match(sub, row["level"]))
    d = t.display
    n_hsct = int(pats["hsct_after_cart"].sum())
    # True ("HSCT") before False ("No HSCT"), then the total and p
    assert list(d.columns) == [
        "Characteristic", f"HSCT (n = {n_hsct})", f"No HSCT (n = {50 - n_hsct})",
        "Total (n = 50)", "p",
    ]  # fmt: skip
    labels = list(d["Characteristic"])
    onset = labels.index("BCA onset, day, median (range)")
    assert d.iloc[onset + 1, 0] == "Missing, n" and t.row_styles[onset + 1] == "indent"
    missing = pats.groupby("hsct_after_cart")["bca_onset_day"].apply(lambda s: s.isna().sum())
    assert d.iloc[onset + 1, 1:4].tolist() == [
        str(missing[True]), str(missing[False]), str(missing.sum()),
    ]  # fmt: skip
    assert any("BCA onset, day: 1 patient(s)" in n for n in out.notes)
    # the p-value sits on the variable's first row; every test used is named in a footnote
    heading = labels.index("Sex, n (%)")
    assert d.iloc[heading]["p"] != "" and d.iloc[heading + 1]["p"] == ""
    used = set(t.data["test"].dropna())
    names = {"Fisher exact": "Fisher's exact test", "Pearson chi-square": "Pearson's χ² test",
             "Mann-Whitney": "Mann-Whitney U test", "Welch t": "Welch's t-test"}  # fmt: skip
    for test in used:
        assert any(f.startswith(f"p by {names[test]}:") for f in t.footnotes)


def test_mean_sd_row_printed_from_its_numbers(ctx):
    analysis = Baseline(id="b", title="b", variables=("il6_peak_day",))
    (t,) = present_baseline(analysis, ctx).tables
    row = t.data.iloc[0]
    assert row["summary"] == "mean_sd"
    assert t.display.iloc[0, 0] == "Day of peak IL-6, mean ± SD"
    assert t.display.iloc[0, 1] == fmt_mean_sd(row["mean"], row["sd"], 1)
    assert "Values are mean ± SD." in t.footnotes


def test_empty_population_gives_notes_not_a_crash(ctx):
    pats = ctx.patients.assign(nobody=pd.array([False] * 50, dtype="boolean"))
    c = dataclasses.replace(ctx, patients=pats)
    out = present_baseline(
        Baseline(id="b", title="b", variables=("age_years",), population="nobody"), c
    )
    assert out.tables == [] and out.n == 0
    assert any("No patient" in n for n in out.notes)


def test_group_missing_for_everyone_gives_the_ungrouped_table(ctx):
    pats = ctx.patients.assign(arm=pd.array([pd.NA] * 50, dtype="boolean"))
    c = dataclasses.replace(ctx, patients=pats)
    out = present_baseline(
        Baseline(id="b", title="b", variables=("age_years", "sex"), group="arm"), c
    )
    (t,) = out.tables
    assert list(t.display.columns) == ["Characteristic", "All patients (n = 50)"]
    assert any("missing for every patient" in n for n in out.notes)


def test_partly_missing_group_and_unknown_variable_are_noted(ctx):
    pats = ctx.patients.copy()
    pats["arm"] = pd.array([True, False, pd.NA, True, False] * 10, dtype="boolean")
    c = dataclasses.replace(ctx, patients=pats)
    analysis = Baseline(id="b", title="b", variables=("age_years", "not_a_column"), group="arm")
    out = present_baseline(analysis, c)
    assert out.n == 40
    assert any("10 patient(s) with unknown arm are left out" in n for n in out.notes)
    assert any("'not_a_column' is not a variable" in n for n in out.notes)
    assert out.tables[0].display.columns[-2] == "Total (n = 40)"
    with pytest.raises(DataError, match="none of the variables"):
        present_baseline(Baseline(id="b", title="b", variables=("nope",)), c)


def test_variable_all_missing_and_one_group_level(ctx):
    pats = ctx.patients.assign(
        empty=pd.array([pd.NA] * 50, dtype="boolean"), same=np.ones(50, dtype=bool)
    )
    c = dataclasses.replace(ctx, patients=pats)
    out = present_baseline(Baseline(id="b", title="b", variables=("empty", "age_years")), c)
    d = out.tables[0].display
    assert d.iloc[0].tolist() == ["empty", "–"] and d.iloc[1].tolist() == ["Missing, n", "50"]
    out = present_baseline(Baseline(id="b", title="b", variables=("age_years",), group="same"), c)
    assert out.tables[0].display["p"].tolist() == ["–"]
    assert [n for n in out.notes if "p-value" in n] == ["same takes one value: no p-value"]


@pytest.mark.parametrize("hostile", ["<b>x</b>", "=1+1"])
def test_hostile_level_passes_through_unchanged(ctx, hostile):
    pats = ctx.patients.copy()
    pats.loc[:4, "risk_group"] = hostile
    c = dataclasses.replace(ctx, patients=pats)
    (t,) = present_baseline(Baseline(id="b", title="b", variables=("risk_group",)), c).tables
    assert hostile in t.display["Characteristic"].tolist()
    row = t.data[t.data["level"] == hostile].iloc[0]
    assert row["level_label"] == hostile and row["count"] == 5


def test_precision_rule():
    assert precision([1.2, 10.35, 17.7], "median_range") == (1, False)
    assert precision([2.0, 3.68, 6.3], "mean_sd") == (1, False)
    assert precision([0.12, 0.54, 1.6], "median_range") == (2, False)
    assert precision([1602.0, 30860.0, 1_890_000.0], "median_range") == (0, True)
    # whole numbers (days) print without decimals unless a median falls between two
    assert precision([4.0, 10.0, 21.0], "median_range", [10.0]) == (0, False)
    assert precision([4.0, 11.0, 10.0, 21.0], "median_range", [10.5]) == (1, False)
    assert precision([0.0, 0.0], "mean_sd") == (0, False)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from([True, False, "a", "b", "c"]), min_size=1, unique=True))
def test_order_levels_is_a_permutation_with_true_first(levels):
    ctx = types.SimpleNamespace(names=types.SimpleNamespace(levels={"v": {"c": "C", "a": "A"}}))
    out = order_levels(ctx, "v", levels)
    assert sorted(map(str, out)) == sorted(map(str, levels))
    if set(levels) <= {True, False}:
        assert out == sorted(levels, reverse=True)
    elif {"a", "c"} <= set(levels) and all(isinstance(v, str) for v in levels):
        assert out.index("c") < out.index("a")  # the level labels' order


def test_every_default_plan_analysis_of_these_kinds_makes_its_table(ctx):
    plan = default_plan()
    ids = []
    for analysis in plan.analyses:
        if analysis.kind in RUNNERS:
            out = run_and_present(RUNNERS[analysis.kind], analysis, ctx)
            assert [t.id for t in out.tables] == [analysis.id] and out.figures == []
            (t,) = out.tables
            assert t.title == analysis.title and t.source == analysis.source
            assert set(t.column_labels) == set(t.data.columns)
            assert all(isinstance(v, str) for v in t.display.to_numpy().ravel())
            ids.append(analysis.id)
    assert len(ids) == 13


def test_runner_result_holds_numbers_only(ctx):
    base = default_plan().get("s1_baseline")
    analysis = dataclasses.replace(base, group="hsct_after_cart")
    result = run_baseline(analysis, ctx)
    assert isinstance(result, DescribeResult) and result.grouped
    assert not hasattr(result, "tables") and not hasattr(result, "display")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n = 0
    with pytest.raises(TypeError):
        result.values["age_years"] = ()
    n_hsct = int(ctx.patients["hsct_after_cart"].sum())
    assert result.groups == (
        ("True", "HSCT", n_hsct), ("False", "No HSCT", 50 - n_hsct), (None, "Total", 50),
    )  # fmt: skip
    assert "prior_hsct" in result.yes_no and "sex" not in result.yes_no
    # the values that set a continuous variable's precision: every analysed patient's
    ages = ctx.patients["age_years"].to_numpy(float)
    assert result.values["age_years"] == tuple(ages[np.isfinite(ages)])
    data = result.data[analysis.id]
    numbers = data[["n", "n_missing", "count", "percent", "mean", "sd", "median", "p_value"]]
    assert all(pd.api.types.is_numeric_dtype(t) for t in numbers.dtypes)
    # the presented table carries the runner's numbers unchanged
    (t,) = run_and_present(run_baseline, analysis, ctx).tables
    pd.testing.assert_frame_equal(t.data, data)


def test_runner_modules_import_nothing_from_report():
    for module in (describe, _describe_common):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = [
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
        assert not [m for m in imported if "report" in m.split(".")], module.__name__


def test_a_variable_listed_twice_is_printed_twice(ctx):
    once = present_baseline(Baseline(id="b", title="b", variables=("sex", "bca_onset_day")), ctx)
    twice = present_baseline(
        Baseline(
            id="b", title="b", variables=("sex", "sex", "bca_onset_day", "sex", "bca_onset_day")
        ),
        ctx,
    )
    d1, d2 = once.tables[0].display, twice.tables[0].display
    sex, onset = d1.iloc[:3], d1.iloc[3:]  # heading + two levels; summary + missing row
    assert len(onset) == 2 and onset.iloc[1, 0] == "Missing, n"
    want = pd.concat([sex, sex, onset, sex, onset], ignore_index=True)
    pd.testing.assert_frame_equal(d2, want)
    assert twice.tables[0].row_styles == (
        once.tables[0].row_styles[:3] * 2
        + once.tables[0].row_styles[3:]
        + once.tables[0].row_styles
    )


_VALUES = st.one_of(
    st.booleans(), st.integers(-2, 2), st.sampled_from([0.5, 1.0, np.nan]), st.sampled_from("ab")
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_VALUES, min_size=1, max_size=12), st.sampled_from(["object", "category"]))
def test_matches_agrees_with_same_on_every_value_of_the_column(values, dtype):
    s = pd.Series(values, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning here would become a note of the analysis
        for value in [*s.dropna().unique(), "z", pd.NA]:
            want = [same(v, value) for v in s]
            assert matches(s, value).tolist() == want
