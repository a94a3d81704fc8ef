"""The ``survival`` plan kind: every number equals the library's, layout, landmark, edge cases.

No R reference here: the statistics are cartkit's public functions (``ck.kaplan_meier``,
``ck.logrank``, ``ck.median_follow_up``), tested against R in their own modules; these tests
check that the runner calls them on the right patients and reports their values unchanged.
"""

from __future__ import annotations

import dataclasses
import math
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.plan.schema import Survival
from cartkit.report.types import ReportFigure, ReportTable
from cartkit.runner.context import build_context
from cartkit.runner.kinds.survival import RUNNERS, run_survival

PLAN = default_plan()
SURVIVAL_IDS = [a.id for a in PLAN.analyses if a.kind == "survival"]


def present(analysis, ctx):
    """``run_survival`` and its section: tables, figures, notes, n and the result."""
    return run_and_present(run_survival, analysis, ctx)


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), PLAN)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _rows(ctx, analysis) -> pd.DataFrame:
    """The analysed rows, rebuilt here from the context (population, complete group/subgroup)."""
    df = ctx.endpoint(analysis.endpoint, analysis.population)
    for var in (analysis.group, analysis.subgroup):
        if var is not None:
            df = df[df[var].notna()]
            if pd.api.types.is_bool_dtype(df[var].dtype):
                df = df.assign(**{var: df[var].astype(bool)})
    return df.reset_index(drop=True)


def _level(ctx, var, label, values):
    """The level of ``var`` printed as ``label``."""
    if var is None or label is None or (isinstance(label, float) and math.isnan(label)):
        return None
    found = [v for v in pd.unique(values) if ctx.level_label(var, v) == label]
    assert len(found) == 1, (var, label)
    return found[0]


def _subset(ctx, analysis, df, sub_label):
    if analysis.subgroup is None:
        return df
    level = _level(ctx, analysis.subgroup, sub_label, df[analysis.subgroup])
    return df[df[analysis.subgroup] == level].reset_index(drop=True)


def _check_against_library(ctx, analysis, table, df, *, time="AVAL", group=None, labels=None):
    group = analysis.group if group is None else group
    s = ctx.settings
    data = table.data
    for sub_label in data["subgroup"].drop_duplicates():
        block = _subset(ctx, analysis, df, sub_label)
        km = ck.kaplan_meier(
            block,
            time=time,
            event="event",
            group=group,
            conf_level=s.conf_level,
            conf_type=s.km_conf_type,
        )
        in_block = data[
            data["subgroup"].isna() if sub_label is None else data["subgroup"] == sub_label
        ]
        for _, row in in_block.iterrows():
            if row["measure"] == "log-rank":
                test = ck.logrank(block, time=time, event="event", group=group)
                assert row["p_value"] == test.p_value
                assert row["test_statistic"] == test.statistic
                assert row["dof"] == test.dof
                assert row["n"] == test.n
                continue
            if group is None:
                level = None
            elif labels is not None:
                level = next(k for k, v in labels.items() if v == row["group"])
            else:
                level = _level(ctx, group, row["group"], block[group])
            g = block if level is None else block[block[group] == level]
            counts = km.counts()
            c = counts.iloc[list(km.groups).index(level)]
            assert row["n"] == c["n"] == len(g)
            assert row["n_events"] == c["n_events"]
            pos = list(km.groups).index(level)
            if row["measure"] == "survival":
                at = km.survival_at(ck.years_to_days(row["time_years"])).iloc[pos]
                assert row["n_risk"] == at["n_risk"]
                assert row["longest_follow_up_months"] == ck.to_months(g[time].max())
                for col in ("estimate", "ci_lower", "ci_upper"):
                    # past the group's follow-up not estimable, unless the curve ended at 0
                    if at["n_risk"] == 0 and at["estimate"] > 0:
                        assert np.isnan(row[col])
                    else:
                        assert row[col] == at[col] or (np.isnan(row[col]) and np.isnan(at[col]))
            elif row["measure"] == "median":
                med = km.median().iloc[pos]
                for col in ("estimate", "ci_lower", "ci_upper"):
                    np.testing.assert_allclose(
                        row[col], ck.to_months(med[col]), rtol=1e-12, equal_nan=True
                    )
            elif row["measure"] == "median follow-up":
                fu = ck.median_follow_up(g, time=time, event="event")
                np.testing.assert_allclose(row["estimate"], ck.to_months(fu), rtol=1e-12)
                assert row["range_min"] == pytest.approx(ck.to_months(g[time].min()), rel=1e-12)
                assert row["range_max"] == pytest.approx(ck.to_months(g[time].max()), rel=1e-12)
            else:
                raise AssertionError(row["measure"])


def test_registry():
    assert RUNNERS == {"survival": run_survival}


@pytest.mark.parametrize("analysis_id", SURVIVAL_IDS)
def test_every_number_equals_the_library(ctx, analysis_id):
    analysis = PLAN.get(analysis_id)
    out = present(analysis, ctx)
    table = out.tables[0]
    assert isinstance(table, ReportTable)
    assert table.id == analysis_id
    df = _rows(ctx, analysis)
    assert out.n == len(df)
    _check_against_library(ctx, analysis, table, df)
    assert len(table.row_styles) == len(table.display)
    assert all(isinstance(v, str) for v in table.display.to_numpy().ravel())
    assert len({t.id for t in out.tables}) == len(out.tables)
    assert len({f.id for f in out.figures}) == len(out.figures)


def test_os_display_and_follow_up(ctx):
    out = present(PLAN.get("os_km"), ctx)
    table = out.tables[0]
    assert list(table.display.columns) == [
        "",
        "N",
        "Events",
        "1-year (95% CI)",
        "3-year (95% CI)",
        "5-year (95% CI)",
        "Median, months (95% CI)",
        "Median follow-up, months (range)",
    ]
    row = table.display.iloc[0]
    assert row[""] == "All patients"
    surv = table.data[table.data["measure"] == "survival"]
    assert surv["time_years"].tolist() == [1.0, 3.0, 5.0]
    for _, s in surv.iterrows():
        expected = (
            f"{100 * s['estimate']:.1f}% ({100 * s['ci_lower']:.1f}–{100 * s['ci_upper']:.1f})"
        )
        assert row[f"{s['time_years']:g}-year (95% CI)"] == expected
        assert re.fullmatch(r"\d+\.\d% \(\d+\.\d–\d+\.\d\)", expected)
    fu = table.data[table.data["measure"] == "median follow-up"].iloc[0]
    assert row["Median follow-up, months (range)"] == (
        f"{fu['estimate']:.1f} ({fu['range_min']:.1f}–{fu['range_max']:.1f})"
    )
    assert table.data["group"].isna().all()
    assert any("reverse Kaplan-Meier" in f for f in table.footnotes)
    assert table.row_styles == ("",)
    assert len(out.figures) == 1 and out.figures[0].id == "os_km"


def test_figure1_layout_figures_and_captions(ctx):
    analysis = PLAN.get("figure1_os_by_hsct_preld")
    out = present(analysis, ctx)
    table = out.tables[0]
    # a heading per pre-LD MRD stratum (the stratum the variable names first), groups indented
    assert table.row_styles == ("heading", "indent", "indent") * 2
    labels = table.display.iloc[:, 0].tolist()
    assert labels == [
        "Pre-LD MRD < 10⁻⁴",
        "No HSCT",
        "HSCT",
        "Pre-LD MRD ≥ 10⁻⁴",
        "No HSCT",
        "HSCT",
    ]
    tests = table.data[table.data["measure"] == "log-rank"]
    assert len(tests) == 2
    # p printed on the first group row of its stratum, three decimals
    p_col = table.display["p"].tolist()
    assert p_col[1] == ck_fmt_p(tests["p_value"].iloc[0]) and p_col[2] == ""
    assert p_col[4] == ck_fmt_p(tests["p_value"].iloc[1])
    assert any(f == "p by the log-rank test." for f in table.footnotes)
    # one figure, a panel per stratum: A and B, named by their letters in the caption
    (fig,) = [f for f in out.figures if "landmark" not in f.id and "simon_makuch" not in f.id]
    assert isinstance(fig, ReportFigure) and fig.id == analysis.id
    assert fig.caption == (
        "Kaplan-Meier estimates of overall survival by HSCT after CAR-T in patients with "
        "(A) pre-LD MRD < 10⁻⁴ and (B) pre-LD MRD ≥ 10⁻⁴; shaded: 95% CI (log-log); "
        f"+: censored; log-rank test: (A) p = {ck_fmt_p(tests['p_value'].iloc[0])}; "
        f"(B) p = {ck_fmt_p(tests['p_value'].iloc[1])}. The p-value (log-rank test) compares "
        "groups defined by HSCT, which happens after infusion: it is subject to immortal-time "
        "bias (a patient must live until HSCT to be in that group); see the landmark analysis "
        "at day 73 and the Simon-Makuch figure (time-dependent groups) for comparisons without "
        "this bias."
    )
    drawn = fig.figure
    assert len(drawn.axes) == 4  # per panel: curves and number at risk
    letters = [t.get_text() for sub in drawn.subfigs for t in sub.texts if t.get_gid() == "panel"]
    assert letters == ["A", "B"]
    titles = [drawn.axes[i].get_title(loc="left") for i in (0, 2)]
    assert titles == ["Pre-LD MRD < 10⁻⁴", "Pre-LD MRD ≥ 10⁻⁴"]
    for ax in drawn.axes[0::2]:
        assert len(ax.get_legend().get_texts()) == 2  # No HSCT, HSCT


def ck_fmt_p(p):
    from cartkit.report.format import fmt_p

    return fmt_p(p)


def test_landmark_equals_the_library(ctx):
    analysis = PLAN.get("figure1_lfs_by_hsct_preld")
    out = present(analysis, ctx)
    lm = next(t for t in out.tables if t.id == f"{analysis.id}_landmark")
    df = _rows(ctx, analysis)
    hsct = df["hsct_after_cart"].to_numpy(dtype=bool)
    day = math.ceil(float(np.median(df.loc[hsct, "hsct_day"])))
    assert (lm.data["landmark_day"] == day).all()
    kept = df[df["AVAL"] >= day].copy()
    kept["lm_group"] = kept["hsct_after_cart"].astype(bool) & (kept["hsct_day"] <= day)
    kept["lm_time"] = kept["AVAL"] - day
    labels = {False: f"No HSCT by day {day}", True: f"HSCT by day {day}"}
    _check_against_library(ctx, analysis, lm, kept, time="lm_time", group="lm_group", labels=labels)
    assert lm.data.loc[lm.data["measure"] != "log-rank", "n"].sum() == len(kept) * len(
        lm.data.loc[lm.data["measure"] != "log-rank", "measure"].unique()
    )
    assert any(f"day {day}" in f and "rounded up" in f for f in lm.footnotes)
    assert any("immortal-time bias" in n for n in out.notes)
    left_out = len(df) - len(kept)
    assert any(f"{left_out} patient(s) with an event or censoring before" in n for n in out.notes)
    assert [f.id for f in out.figures if "landmark" in f.id] == [f"{analysis.id}_landmark"]


def test_no_landmark_for_a_baseline_group(ctx):
    out = present(PLAN.get("sfig_s2_os_by_risk"), ctx)
    assert [t.id for t in out.tables] == ["sfig_s2_os_by_risk"]
    assert not any("immortal" in n for n in out.notes)
    # three risk groups: three legend entries, one heading and three level rows
    assert out.tables[0].row_styles == ("heading", "indent", "indent", "indent")
    assert len(out.figures[0].figure.axes[0].get_legend().get_texts()) == 3


def test_empty_population_gives_notes(ctx):
    c = dataclasses.replace(ctx, patients=ctx.patients.assign(nobody=False))
    a = Survival(id="x", title="x", endpoint="OS", population="nobody", group="hsct_after_cart")
    out = present(a, c)
    assert out.tables == [] and out.figures == [] and out.n == 0
    assert any("nothing to estimate" in n for n in out.notes)


def test_group_all_missing_gives_notes(ctx):
    na = pd.array([pd.NA] * len(ctx.patients), dtype="boolean")
    c = dataclasses.replace(ctx, patients=ctx.patients.assign(unknown=na))
    out = present(Survival(id="x", title="x", endpoint="OS", group="unknown"), c)
    assert out.tables == []
    assert any("50 patient(s) with missing unknown are left out" in n for n in out.notes)


def test_missing_subgroup_values_are_left_out_with_ids(ctx):
    sub = ctx.patients["pre_ld_mrd_below_1e4"].copy()
    sub.iloc[[0, 3]] = pd.NA
    c = dataclasses.replace(ctx, patients=ctx.patients.assign(pre_ld_mrd_below_1e4=sub))
    out = present(PLAN.get("figure1_os_by_hsct_preld"), c)
    ids = ", ".join(ctx.patients["patient_id"].iloc[[0, 3]])
    assert any(n.startswith("2 patient(s) with missing") and ids in n for n in out.notes)
    assert out.n == 48


def test_endpoint_without_events(ctx):
    adtte = ctx.adtte.copy()
    adtte.loc[adtte["PARAMCD"] == "OS", "CNSR"] = 1
    c = dataclasses.replace(ctx, adtte=adtte)
    # a comparison of groups with no event anywhere: every curve is flat, nothing to compare
    out = present(PLAN.get("figure1_os_by_hsct_preld"), c)
    assert out.tables == [] and out.figures == []
    assert (
        "Not run: no OS event among the 50 patients analysed: every group's curve is flat, "
        "nothing to compare" in out.notes
    )
    # one curve with no event is still an estimate: 100%
    one = present(PLAN.get("os_km"), c)
    table = one.tables[0]
    assert (table.data.loc[table.data["measure"] == "survival", "estimate"] == 1.0).all()
    assert set(table.display["Median, months (95% CI)"]) <= {"NR", ""}


def test_one_group_in_a_stratum(ctx):
    p = ctx.patients.copy()
    low = p["pre_ld_mrd_below_1e4"].fillna(False).to_numpy(dtype=bool)
    p.loc[low, "hsct_after_cart"] = True
    p.loc[low, "hsct_day"] = 60.0
    out = present(PLAN.get("figure1_os_by_hsct_preld"), dataclasses.replace(ctx, patients=p))
    assert (
        "In pre-LD MRD < 10⁻⁴ every patient is in HSCT (nobody in No HSCT): one group, so no "
        "comparison and no log-rank test; its table rows and figure panel show HSCT alone"
    ) in out.notes
    assert (out.tables[0].data["measure"] == "log-rank").sum() == 1
    # the panel of that stratum says it has one group; the caption names it
    (fig,) = [f for f in out.figures if f.id == "figure1_os_by_hsct_preld"]
    assert fig.draw.keywords["titles"][0] == "Pre-LD MRD < 10⁻⁴: only HSCT, no comparison"
    assert "(A) has one group only" in fig.caption


def test_hostile_level_strings_pass_through(ctx):
    p = ctx.patients.copy()
    p["risk_group"] = np.where(np.arange(len(p)) % 2 == 0, "<b>x</b>", "=1+1")
    out = present(PLAN.get("sfig_s2_os_by_risk"), dataclasses.replace(ctx, patients=p))
    table = out.tables[0]
    assert set(table.display.iloc[1:, 0]) == {"<b>x</b>", "=1+1"}
    assert set(table.data["group"].dropna()) == {"<b>x</b>", "=1+1"}


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.floats(0.1, 8.0), min_size=1, max_size=4, unique=True).map(
        lambda xs: tuple(sorted(round(x, 2) for x in xs))
    )
)
def test_estimates_fall_and_columns_follow_time_points(ctx, years):
    if len(set(years)) != len(years):
        return
    analysis = dataclasses.replace(PLAN.get("sfig_s2_lfs_by_risk"), time_points_years=years)
    out = present(analysis, ctx)
    plt.close("all")
    data = out.tables[0].data
    surv = data[data["measure"] == "survival"]
    assert len(surv) == 3 * len(years)
    for _, g in surv.groupby("group"):
        # past the group's follow-up (0 at risk) no estimate unless the curve ended at 0
        estimable = g[g["estimate"].notna()]
        assert (g.loc[g["n_risk"] == 0, "estimate"].fillna(0) == 0).all()
        assert (np.diff(estimable["estimate"].to_numpy()) <= 0).all()
        assert (np.diff(g["n_risk"].to_numpy()) <= 0).all()
        assert (estimable["ci_lower"] <= estimable["estimate"] + 1e-15).all()
    assert [c for c in out.tables[0].display.columns if "-year" in c] == [
        f"{t:g}-year (95% CI)" for t in years
    ]


def test_population_selected_after_time_zero_is_noted(ctx):
    out = present(PLAN.get("sfig_s1_mrd_high_no_hsct"), ctx)
    assert any("selection (immortal-time) bias" in n for n in out.notes)
    assert out.n == int(ctx.patients["no_hsct_after_cart"].fillna(False).sum())


def test_legend_and_p_move_up_when_curves_fall_low(ctx):
    # CAR-T persistence falls far below one half: the bottom corners are taken by its curves
    out = present(PLAN.get("persistence_by_mrd_cr"), ctx)
    ax = out.figures[0].figure.axes[0]
    (p_text,) = [t for t in ax.texts if t.get_gid() == "p"]
    assert p_text.get_position()[1] >= 0.5
    assert len(ax.get_legend().get_texts()) == 2
    # overall survival by risk group stays high: the p goes bottom right
    out = present(PLAN.get("sfig_s2_os_by_risk"), ctx)
    ax = out.figures[0].figure.axes[0]
    (p_text,) = [t for t in ax.texts if t.get_gid() == "p"]
    assert p_text.get_position()[1] < 0.5


def test_options_off_drop_their_columns_and_rows(ctx):
    analysis = dataclasses.replace(PLAN.get("sfig_s2_os_by_risk"), median=False, logrank=False)
    out = present(analysis, ctx)
    table = out.tables[0]
    assert list(table.display.columns) == ["", "N", "Events", "5-year (95% CI)"]
    assert set(table.data["measure"]) == {"survival"}
    assert not any("log-rank" in f for f in table.footnotes)
    assert ax_p_texts(out.figures[0]) == []


def ax_p_texts(fig):
    return [t for t in fig.figure.axes[0].texts if t.get_gid() == "p"]


def test_estimate_past_follow_up_is_not_estimable(ctx):
    out = present(PLAN.get("persistence_by_mrd_cr"), ctx)
    table = out.tables[0]
    data = table.data
    surv = data[data["measure"] == "survival"]
    beyond = surv[surv["n_risk"] == 0]
    assert len(beyond) == 4
    # the three patients without MRD-negative CR all lost persistence within a month: their
    # curve is 0 and stays 0, though no one is followed to 1 year
    df = _rows(ctx, PLAN.get("persistence_by_mrd_cr"))
    no_cr = df[~df["mrd_negative_cr_d28"].astype(bool)]
    assert len(no_cr) == 3 and no_cr["event"].all()
    ended = beyond[beyond["group"] == "No MRD-negative CR/CRi"]
    assert len(ended) == 3 and (ended["estimate"] == 0).all()
    assert table.display.iloc[1, 3:6].tolist() == ["0.0%", "0.0%", "0.0%"]
    # with it, the curve ends censored before 5 years: no 5-year estimate
    cr = df[df["mrd_negative_cr_d28"].astype(bool)]
    (five,) = beyond[beyond["group"] == "MRD-negative CR/CRi"].itertuples()
    assert np.isnan(five.estimate) and np.isnan(five.ci_lower) and np.isnan(five.ci_upper)
    assert five.longest_follow_up_months == ck.to_months(cr["AVAL"].max())
    assert table.display.iloc[2, 5] == "NE" and table.display.iloc[2, 3] != "NE"
    assert table.footnotes[-2] == (
        "NE, not estimable: no patient in MRD-negative CR/CRi is followed to 5 years "
        "(longest follow-up 53.9 months)."
    )
    # the 0.0% past the follow-up says where the curve reached 0, and on how few patients
    end = no_cr["AVAL"].max()
    assert table.footnotes[-1] == (
        "0.0% past the follow-up is the end of the curve, not an extrapolation: No "
        f"MRD-negative CR/CRi: the curve reached 0 at {ck.to_months(end):.1f} months, when the "
        "one patient still at risk had the event."
    )
    # the columns say what the probability is of: persisting, not "persistence"
    assert table.display.columns[3] == "CAR-T still persisting at 1 year (95% CI)"
    assert (
        "No patient in MRD-negative CR/CRi is followed to 5 years (longest follow-up 53.9 "
        "months): the 5-year estimate is not estimable (NE)"
    ) in out.notes
    assert not any("No patient in No MRD-negative" in n for n in out.notes)


def test_abbreviations_are_those_used(ctx):
    out = present(PLAN.get("figure1_os_by_hsct_preld"), ctx)
    abbr = out.tables[0].abbreviations
    for word in ("CI, ", "HSCT, ", "MRD, ", "LD, ", "OS, "):
        assert word in abbr
    assert "LFS" not in abbr
    has_nr = any("NR" in c for c in out.tables[0].display.to_numpy().ravel())
    assert ("NR, not reached" in abbr) == has_nr
