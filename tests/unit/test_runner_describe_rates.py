"""The ``rates`` and ``event_summary`` kinds: numbers equal ck.rate / ck.describe called directly.

The Clopper-Pearson bounds themselves are tested against R ``binom.test`` in
tests/unit/test_binomial.py; here every count is recomputed from the patients and every
proportion and interval must equal ``rate(k, n, conf_level)`` exactly.
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
from cartkit.plan.schema import EventSummary, Rates
from cartkit.report.format import fmt_count_pct, fmt_median_range, fmt_pct_ci
from cartkit.runner.context import build_context
from cartkit.runner.kinds.rates import (
    EVENT_SUMMARY_COLUMNS,
    RATE_COLUMNS,
    run_event_summary,
    run_rates,
)


def present_rates(analysis, ctx):
    return run_and_present(run_rates, analysis, ctx)


def present_event_summary(analysis, ctx):
    return run_and_present(run_event_summary, analysis, ctx)


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), default_plan())


def _with(ctx, **columns):
    return dataclasses.replace(ctx, patients=ctx.patients.assign(**columns))


@pytest.mark.parametrize(
    "analysis_id",
    ["response_d28", "s3_adverse_events", "il6_summary", "kinetics_expansion", "bca_summary"],
)
def test_default_plan_rates_equal_ck_rate(ctx, analysis_id):
    analysis = default_plan().get(analysis_id)
    out = present_rates(analysis, ctx)
    (t,) = out.tables
    assert t.id == analysis_id and tuple(t.data.columns) == RATE_COLUMNS
    assert t.data["variable"].tolist() == list(analysis.variables)
    assert len(t.row_styles) == len(t.display) == len(analysis.variables)
    for _, row in t.data.iterrows():
        values = ctx.patients[row["variable"]]
        k, known = int(values.sum()), int(values.notna().sum())
        # intention to treat (missing = "failure") keeps every patient in N
        n = 50 if analysis.missing == "failure" else known
        assert (row["n_events"], row["n"], row["n_missing"]) == (k, n, 50 - known)
        want = ck.rate(k, n, conf_level=0.95).iloc[0]
        for col in ("estimate", "ci_lower", "ci_upper"):
            assert row[col] == want[col]
        assert row["group"] is None and np.isnan(row["p_value"])
    assert list(t.display.columns) == ["Outcome", "n/N", "% (95% CI)"]
    first = t.data.iloc[0]
    assert t.display.iloc[0, 1] == f"{first['n_events']}/{first['n']}"
    assert t.display.iloc[0, 2] == fmt_pct_ci(
        first["estimate"], first["ci_lower"], first["ci_upper"]
    )
    assert t.footnotes[0] == "95% CI by the Clopper-Pearson exact method."


def test_missing_values_are_left_out_and_noted(ctx):
    out = present_rates(
        dataclasses.replace(default_plan().get("response_d28"), missing="exclude"), ctx
    )
    missing = int(ctx.patients["responder_d28"].isna().sum())
    assert missing == 1
    assert f"Day-28 CR/CRi: {missing} patient(s) with an unknown value are left out" in out.notes
    assert out.tables[0].display.iloc[0, 1].endswith(f"/{50 - missing}")


def test_conf_level_follows_the_settings(ctx):
    c = dataclasses.replace(ctx, settings=dataclasses.replace(ctx.settings, conf_level=0.9))
    (t,) = present_rates(default_plan().get("bca_summary"), c).tables
    assert t.display.columns[2] == "% (90% CI)"
    k, n = t.data.iloc[0][["n_events", "n"]]
    assert t.data.iloc[0]["ci_lower"] == ck.rate(k, n, conf_level=0.9).iloc[0]["ci_lower"]


def test_grouped_rates_per_level_with_compare_p(ctx):
    analysis = dataclasses.replace(default_plan().get("s3_adverse_events"), group="female")
    out = present_rates(analysis, ctx)
    (t,) = out.tables
    pats = ctx.patients
    for var, rows in t.data.groupby("variable", sort=False):
        # levels True (Female) first, then False (Male), then the total
        assert rows["group"].tolist() == ["True", "False", None]
        assert rows["group_label"].tolist() == ["Female", "Male", "Total"]
        for _, row in rows.iterrows():
            sub = pats if row["group"] is None else pats[pats["female"] == (row["group"] == "True")]
            k, n = int(sub[var].sum()), int(sub[var].notna().sum())
            assert (row["n_events"], row["n"]) == (k, n)
            assert row["estimate"] == ck.rate(k, n).iloc[0]["estimate"]
        if var in ("hlh", "gvhd"):  # never observed: nothing to test
            assert rows["p_value"].isna().all()
        else:
            res = compare(pats, variable=var, group="female")
            assert (rows["p_value"] == res.p_value).all() and (rows["test"] == res.test).all()
    d = t.display
    assert list(d.columns) == ["Outcome", "n/N", "% (95% CI)", "p"]
    assert t.row_styles[:4] == ("heading", "indent", "indent", "indent")
    assert d.iloc[0, 0] == "CRS, any grade" and d.iloc[0, 3] != "" and d.iloc[1, 3] == ""
    assert d.iloc[1:4, 0].tolist() == ["Female", "Male", "Total"]
    assert "HLH: no p-value (every patient has the same value)" in out.notes
    assert any(f.startswith("p by Fisher's exact test:") for f in t.footnotes)


def test_not_binary_variables_and_empty_population(ctx):
    out = present_rates(Rates(id="r", title="r", variables=("bca", "risk_group")), ctx)
    assert out.tables[0].data["variable"].tolist() == ["bca"]
    assert "Genetic risk group is not a yes/no variable: no rate" in out.notes
    with pytest.raises(DataError, match="no variable"):
        present_rates(Rates(id="r", title="r", variables=("risk_group",)), ctx)
    c = _with(ctx, nobody=pd.array([False] * 50, dtype="boolean"))
    out = present_rates(Rates(id="r", title="r", variables=("bca",), population="nobody"), c)
    assert out.tables == [] and out.n == 0 and out.notes


def test_variable_missing_for_everyone_prints_no_rate(ctx):
    c = _with(ctx, unknown=pd.array([pd.NA] * 50, dtype="boolean"))
    out = present_rates(Rates(id="r", title="r", variables=("unknown",)), c)
    row = out.tables[0].data.iloc[0]
    assert row["n"] == 0 and np.isnan(row["estimate"])
    assert out.tables[0].display.iloc[0].tolist() == ["unknown", "0/0", "–"]
    assert "unknown: no patient has a known value" in out.notes


def _months(days):
    return ck.to_months(pd.to_numeric(days).astype(float))


def test_relapse_summary_equals_describe_of_the_times(ctx):
    analysis = default_plan().get("relapse_summary")
    out = present_event_summary(analysis, ctx)
    (t,) = out.tables
    assert tuple(t.data.columns) == EVENT_SUMMARY_COLUMNS
    pats = ctx.patients
    relapsed = pats[pats["relapse"]]
    assert t.data["group"].tolist() == [None, "cd19_negative", "cd19_positive"]
    for _, row in t.data.iterrows():
        sub = relapsed if row["group"] is None else relapsed[
            relapsed["relapse_phenotype"] == row["group"]
        ]  # fmt: skip
        times = pd.DataFrame({"t": _months(sub["relapse_day"])})
        want = ck.describe(times, variables=["t"], summary="median_range").iloc[0]
        assert (row["n"], row["n_events"], row["n_time"]) == (50, len(sub), len(sub))
        assert row["percent"] == 100.0 * len(sub) / 50
        for col in ("median", "min", "max"):
            assert row[col] == want[col]
    assert t.row_styles == ("", "indent", "indent")
    top = t.data.iloc[0]
    assert t.display.iloc[0].tolist() == [
        "Relapse",
        fmt_count_pct(top["n_events"], 50),
        fmt_median_range(top["median"], top["min"], top["max"], 1),
    ]
    assert t.display.columns[2] == "Time, months, median (range)"
    assert any("30.4375" in f for f in t.footnotes)


def test_hsct_bridging_in_days_and_years(ctx):
    base = default_plan().get("hsct_bridging")
    days = ctx.patients.loc[ctx.patients["hsct_after_cart"], "hsct_day"]
    for unit, convert in (("days", lambda d: d), ("years", ck.to_years)):
        (t,) = present_event_summary(dataclasses.replace(base, unit=unit), ctx).tables
        row = t.data.iloc[0]
        assert row["n_events"] == int(ctx.patients["hsct_after_cart"].sum())
        assert row["median"] == np.median(convert(days.astype(float)))
        assert t.display.columns[2] == f"Time, {unit}, median (range)"
    assert t.display.iloc[0, 0] == "HSCT after CAR-T"


def test_event_summary_edge_cases(ctx):
    pats = ctx.patients
    # no event in the population: counts of 0 and no time
    c = _with(ctx, never=pd.array([False] * 50, dtype="boolean"))
    (t,) = present_event_summary(
        EventSummary(id="e", title="e", event="never", time="hsct_day"), c
    ).tables
    assert t.data.iloc[0]["n_events"] == 0 and np.isnan(t.data.iloc[0]["median"])
    assert t.display.iloc[0, 2] == "–"
    # unknown event status, an event without its time, an event with an unknown `by`
    ev = pats["relapse"].astype("boolean").copy()
    ev.iloc[0] = pd.NA
    first = int(np.flatnonzero(pats["relapse"].to_numpy())[0])
    day = pats["relapse_day"].copy()
    day.iloc[first] = np.nan
    pheno = pats["relapse_phenotype"].copy()
    second = int(np.flatnonzero(pats["relapse"].to_numpy())[1])
    pheno.iloc[second] = None
    c = _with(ctx, ev=ev, day=day, pheno=pheno)
    analysis = EventSummary(id="e", title="e", event="ev", time="day", by="pheno")
    out = present_event_summary(analysis, c)
    joined = " ".join(out.notes)
    assert "1 patient(s) with unknown ev are left out" in joined
    assert "1 patient(s) with ev but no day are left out of the times" in joined
    assert "1 patient(s) with ev and unknown pheno are counted in the total only" in joined
    top = out.tables[0].data.iloc[0]
    assert top["n"] == 49 and top["n_time"] == top["n_events"] - 1
    with pytest.raises(DataError, match="not a column"):
        present_event_summary(EventSummary(id="e", title="e", event="nope", time="day"), c)
    with pytest.raises(DataError, match="not a yes/no"):
        present_event_summary(EventSummary(id="e", title="e", event="risk_group", time="day"), c)


@pytest.mark.parametrize("hostile", ["<b>x</b>", "=1+1"])
def test_hostile_group_level_passes_through(ctx, hostile):
    c = _with(ctx, arm=[hostile, "plain"] * 25)
    (t,) = present_rates(Rates(id="r", title="r", variables=("bca",), group="arm"), c).tables
    assert hostile in t.display["Outcome"].tolist()
    assert hostile in t.data["group"].tolist() and hostile in t.data["group_label"].tolist()


def test_missing_as_failure_counts_every_patient(ctx):
    from dataclasses import replace

    from cartkit.plan.default import default_plan

    base = default_plan().get("response_d28")
    assert base.missing == "failure"
    itt = present_rates(base, ctx).tables[0].data.set_index("variable")
    excl = present_rates(replace(base, missing="exclude"), ctx).tables[0].data.set_index("variable")
    known = ctx.patients["responder_d28"].dropna()
    assert excl.loc["responder_d28", "n"] == len(known)
    assert itt.loc["responder_d28", "n"] == len(ctx.patients)
    assert itt.loc["responder_d28", "n_events"] == int(known.sum())
    ref = ck.rate(int(known.sum()), len(ctx.patients)).iloc[0]
    assert itt.loc["responder_d28", "estimate"] == ref["estimate"]
    assert itt.loc["responder_d28", "ci_lower"] == ref["ci_lower"]
    assert itt.loc["responder_d28", "n_missing"] == len(ctx.patients) - len(known)
