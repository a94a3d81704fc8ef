"""The ``compare`` kind: group summaries and p-values equal cartkit's functions called directly.

Geometric means of NCA concentrations and AUCs equal ck.summarize_nca's ``geo_mean``; of
other variables (Tlast) exp(mean(log x)) over the positive values, which no cartkit function
computes. p-values equal ck.compare (tested against R in tests/reference/).
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from tests.present import run_and_present

import cartkit as ck
from cartkit.comparisons.tests import compare
from cartkit.errors import DataError
from cartkit.plan.default import default_plan
from cartkit.plan.schema import CompareGroups
from cartkit.runner.context import build_context
from cartkit.runner.kinds.describe import (
    DATA_COLUMNS,
    GEOMETRIC_COLUMNS,
    DescribeResult,
    run_compare,
)

GROUP = "mrd_negative_cr_d28"


def present_compare(analysis, ctx):
    return run_and_present(run_compare, analysis, ctx)


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), default_plan())


def _in_group(frame, value):
    return frame[frame[GROUP].astype("boolean") == (value == "True")]


def test_geometric_means_and_p_values_of_the_default_plan(ctx):
    analysis = default_plan().get("kinetics_by_mrd_cr_geomean")
    out = present_compare(analysis, ctx)
    (t,) = out.tables
    assert tuple(t.data.columns) == DATA_COLUMNS + GEOMETRIC_COLUMNS
    pats = ctx.patients
    known = pats[pats[GROUP].notna()]
    assert out.n == len(known) == 49
    assert "1 patient(s) with unknown Day-28 MRD-negative CR/CRi are left out" in out.notes
    nca = ck.summarize_nca(known, group=GROUP, parameters=["cmax", "auc_window"])
    for _, row in t.data.iterrows():
        var, sub = row["variable"], _in_group(known, row["group"])
        res = compare(pats, variable=var, group=GROUP)
        assert row["p_value"] == res.p_value and row["test"] == res.test
        assert row["summary"] == "geometric_mean"
        if var in ("cmax", "auc_window"):
            ref = nca[(nca["parameter"] == var) & (nca["group"] == (row["group"] == "True"))]
            assert row["geometric_mean"] == ref["geo_mean"].iloc[0]
            assert row["n_positive"] == ref["n_positive"].iloc[0]
        else:
            x = sub[var].to_numpy(float)
            assert row["geometric_mean"] == pytest.approx(np.exp(np.mean(np.log(x))), rel=1e-12)
        assert row["n"] == sub[var].notna().sum()
    # True (MRD-negative CR) first; n per group in the headers
    n_true = int(known[GROUP].sum())
    assert list(t.display.columns) == [
        "Characteristic", f"MRD-negative CR/CRi (n = {n_true})",
        f"No MRD-negative CR/CRi (n = {49 - n_true})", "p",
    ]  # fmt: skip
    cmax = t.data[(t.data["variable"] == "cmax") & (t.data["group"] == "True")].iloc[0]
    assert t.display.iloc[0, 0] == "Cmax, copies/µg DNA, geometric mean"
    assert t.display.iloc[0, 1] == f"{cmax['geometric_mean']:,.0f}"
    assert any(
        f.startswith("Geometric mean = exp(mean of the natural logarithms)") for f in t.footnotes
    )
    assert any(f.startswith("p by Mann-Whitney U test:") for f in t.footnotes)
    assert "Cmax, peak transgene level" in t.abbreviations


@pytest.mark.parametrize("summary", ["auto", "median", "mean"])
def test_summaries_equal_describe(ctx, summary):
    analysis = CompareGroups(
        id="c", title="c", variables=("age_years", "cmax", "sex"), group="female", summary=summary
    )
    (t,) = present_compare(analysis, ctx).tables
    forced = {"auto": None, "median": "median_range", "mean": "mean_sd"}[summary]
    for var, rows in t.data.groupby("variable", sort=False):
        want = ck.describe(ctx.patients, variables=[var], group="female", summary=forced)
        for _, row in rows.iterrows():
            sub = want[[str(bool(g)) == row["group"] for g in want["group"]]]
            if row["level"] is not None:
                sub = sub[sub["level"] == row["level"]]
            ref = sub.iloc[0]
            for col in ("n", "n_missing", "count", "percent", "mean", "sd", "median", "min", "max"):
                assert (pd.isna(row[col]) and pd.isna(ref[col])) or row[col] == ref[col], col
            assert row["p_value"] == ref["p_value"]
            assert np.isnan(row["geometric_mean"])
        if var != "sex":
            assert rows["summary"].iloc[0] == ref["summary"]
    if summary == "mean":
        assert t.display.iloc[0, 0] == "Age, years, mean ± SD"
        assert "±" in t.display.iloc[0, 1]


def test_zeros_are_left_out_of_the_geometric_mean(ctx):
    pats = ctx.patients.copy()
    tlast = pats["tlast"].to_numpy(float).copy()
    zero = np.flatnonzero(pats[GROUP].fillna(False).to_numpy(bool))[:2]
    tlast[zero] = 0.0
    c = dataclasses.replace(ctx, patients=pats.assign(tlast=tlast))
    analysis = CompareGroups(
        id="c", title="c", variables=("tlast",), group=GROUP, summary="geometric_mean"
    )
    out = present_compare(analysis, c)
    row = out.tables[0].data.iloc[0]
    assert row["group"] == "True" and row["n_positive"] == row["n"] - 2
    x = tlast[pats[GROUP].fillna(False).to_numpy(bool)]
    assert row["geometric_mean"] == pytest.approx(np.exp(np.log(x[x > 0]).mean()), rel=1e-12)
    assert any("values ≤ 0 are left out of the geometric mean (2 in" in n for n in out.notes)


def test_group_missing_for_everyone_cannot_run(ctx):
    c = dataclasses.replace(
        ctx, patients=ctx.patients.assign(arm=pd.array([pd.NA] * 50, dtype="boolean"))
    )
    with pytest.raises(DataError, match="missing for every patient"):
        present_compare(CompareGroups(id="c", title="c", variables=("cmax",), group="arm"), c)


def test_hostile_group_levels_pass_through(ctx):
    pats = ctx.patients.copy()
    pats["arm"] = ["<b>x</b>", "=1+1"] * 25
    c = dataclasses.replace(ctx, patients=pats)
    (t,) = present_compare(
        CompareGroups(id="c", title="c", variables=("cmax",), group="arm"), c
    ).tables
    assert "<b>x</b> (n = 25)" in t.display.columns and "=1+1 (n = 25)" in t.display.columns
    assert set(t.data["group"]) == {"<b>x</b>", "=1+1"}


def test_runner_result_is_numbers_with_no_total_column(ctx):
    analysis = default_plan().get("kinetics_by_mrd_cr_geomean")
    result = run_compare(analysis, ctx)
    assert isinstance(result, DescribeResult) and result.grouped and result.yes_no == ()
    known = ctx.patients[ctx.patients[GROUP].notna()]
    n_true = int(known[GROUP].sum())
    # compare has no column of all patients: every data row belongs to a group
    assert [(g, n) for g, _, n in result.groups] == [("True", n_true), ("False", 49 - n_true)]
    data = result.data[analysis.id]
    assert data["group"].notna().all() and (data["summary"] == "geometric_mean").all()
    assert set(result.values) == set(analysis.variables)
    cmax = known["cmax"].to_numpy(float)
    assert result.values["cmax"] == tuple(cmax[np.isfinite(cmax)])
