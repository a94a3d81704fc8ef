"""Survival analyses that say only what the data support.

A Kaplan-Meier comparison by HSCT after CAR-T gets a Simon-Makuch table whose numbers are
``ck.kaplan_meier``/``ck.logrank`` on ``ck.counting_process`` rows built here; an estimate at a
time point no patient is followed to is "NE" in survival and cumulative-incidence tables and in
the headline; BCA duration is the time to B-cell recovery from BCA onset.
"""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.plan.schema import HeadlineItem
from cartkit.report._cells import headline_rows
from cartkit.report.format import p_phrase
from cartkit.report.outputs import headline_text
from cartkit.runner.context import build_context
from cartkit.runner.headline import headline_values
from cartkit.runner.kinds.cumulative import run_cumulative_incidence
from cartkit.runner.kinds.survival import run_survival

PLAN = default_plan()


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), PLAN)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _counting_rows(ctx, analysis) -> pd.DataFrame:
    """The endpoint's patients cut at the day of HSCT, with ck.counting_process (R tmerge)."""
    df = ctx.endpoint(analysis.endpoint)
    df = df[df[analysis.subgroup].notna()]
    had = df["hsct_after_cart"].astype(bool)
    base = df[["patient_id", "AVAL", "event", analysis.subgroup]].assign(
        day=np.where(had, df["hsct_day"], np.nan)
    )
    rows = ck.counting_process(
        base.reset_index(drop=True),
        id="patient_id",
        time="AVAL",
        event="event",
        tdc={"hsct": "day"},
    )
    return rows.assign(hsct=rows["hsct"].astype(bool))


def test_simon_makuch_equals_the_library(ctx):
    analysis = PLAN.get("figure1_lfs_by_hsct_preld")
    out = run_and_present(run_survival, analysis, ctx)
    table = next(t for t in out.tables if t.id == f"{analysis.id}_simon_makuch")
    rows = _counting_rows(ctx, analysis)
    data = table.data
    for sub, label in ((True, "Pre-LD MRD < 10⁻⁴"), (False, "Pre-LD MRD ≥ 10⁻⁴")):
        part = rows[rows[analysis.subgroup].astype(bool) == sub]
        km = ck.kaplan_meier(
            part, start="tstart", time="tstop", event="event", group="hsct", id="patient_id"
        )
        test = ck.logrank(part, start="tstart", time="tstop", event="event", group="hsct")
        mine = data[data["subgroup"] == label]
        (p,) = mine.loc[mine["measure"] == "log-rank", "p_value"]
        assert p == test.p_value
        counts = km.counts().set_index("group")
        at = km.survival_at(ck.years_to_days(5.0)).set_index("group")
        medians = km.median().set_index("group")
        for level, name in ((False, "No HSCT"), (True, "HSCT")):
            five = mine[(mine["group"] == name) & (mine["measure"] == "survival")].iloc[0]
            assert five["n"] == counts.loc[level, "n"]
            assert five["n_events"] == counts.loc[level, "n_events"]
            assert five["n_risk"] == at.loc[level, "n_risk"]
            if five["n_risk"] == 0 and at.loc[level, "estimate"] > 0:  # past the follow-up
                assert np.isnan(five["estimate"]) and np.isnan(five["ci_lower"])
            else:
                np.testing.assert_array_equal(
                    five[["estimate", "ci_lower", "ci_upper"]].to_numpy(float),
                    at.loc[level, ["estimate", "ci_lower", "ci_upper"]].to_numpy(float),
                )
            median = mine[(mine["group"] == name) & (mine["measure"] == "median")].iloc[0]
            np.testing.assert_array_equal(
                median["estimate"], ck.to_months(medians.loc[level, "estimate"])
            )
        # everyone starts without HSCT; the transplanted also count in "HSCT" from its day
        assert counts.loc[False, "n"] == part["patient_id"].nunique()
    assert table.title == f"{analysis.title}: time-dependent groups (Simon-Makuch)"
    assert table.footnotes[0] == (
        "Simon-Makuch analysis, HSCT after CAR-T as a time-dependent group: each patient counts "
        "in No HSCT from infusion until the day of HSCT and in HSCT from that day on "
        "(counting-process data, as R tmerge and survfit(Surv(tstart, tstop, event) ~ group)); "
        "an event on the day of HSCT counts under No HSCT. N is the patients ever in the group "
        "(a patient with HSCT is counted in both); events are counted in the group the patient "
        "was in at the event."
    )
    assert any(f.startswith("p by the Mantel-Byar test") for f in table.footnotes)
    # no one without HSCT in the first stratum is followed to 5 years, but all of them had
    # the event: the curve is 0 there, not unknown
    first = data[(data["subgroup"] == "Pre-LD MRD < 10⁻⁴") & (data["measure"] == "survival")]
    ended = first[first["group"] == "No HSCT"].iloc[0]
    assert ended["n_risk"] == 0 and ended["estimate"] == 0.0
    assert table.display.iloc[1].tolist()[:4] == ["No HSCT", "10", "3", "0.0%"]
    assert not any(f.startswith("NE, not estimable") for f in table.footnotes)
    # one figure, a panel per stratum (A, B), drawn as the other Kaplan-Meier figures
    (fig,) = [f for f in out.figures if "simon_makuch" in f.id]
    assert fig.id == f"{analysis.id}_simon_makuch"
    assert fig.title == f"{analysis.title} (Simon-Makuch)"
    assert fig.caption.startswith(
        "Simon-Makuch (time-dependent Kaplan-Meier) estimates of leukemia-free survival by HSCT "
        "after CAR-T in patients with (A) pre-LD MRD < 10⁻⁴ and (B) pre-LD MRD ≥ 10⁻⁴: a "
        "patient counts in No HSCT from infusion until the day of HSCT and in HSCT from that "
        "day on"
    )
    tests = data[data["measure"] == "log-rank"]["p_value"].tolist()
    assert fig.caption.endswith(
        "; shaded: 95% CI (log-log); +: censored (in No HSCT, also where a patient moves to "
        f"HSCT); Mantel-Byar test: (A) {p_phrase(tests[0])}; (B) {p_phrase(tests[1])}."
    )
    drawn = fig.figure
    letters = [t.get_text() for sub in drawn.subfigs for t in sub.texts if t.get_gid() == "panel"]
    assert letters == ["A", "B"]
    # the figure's numbers at risk: nobody is in the HSCT group at infusion (panel B)
    ax, risk = drawn.axes[2], drawn.axes[3]
    at_zero = [t for t in risk.texts if t.get_gid() == "at_risk" and t.get_position()[0] == 0]
    assert sorted(int(t.get_text()) for t in at_zero) == [0, 40]
    (p_text,) = [t for t in ax.texts if t.get_gid() == "p"]
    assert p_text.get_text().startswith("Mantel-Byar p = ")


def test_the_bias_note_names_both_remedies_by_their_table_titles(ctx):
    out = run_and_present(run_survival, PLAN.get("figure1_os_by_hsct_preld"), ctx)
    landmark, sm = out.tables[1].title, out.tables[2].title
    assert landmark.endswith(": landmark analysis at day 73")
    assert out.notes[0].endswith(
        f'The table "{landmark}" compares the groups from a landmark instead, and the table '
        f'"{sm}" compares them with time-dependent groups, using every patient.'
    )
    assert "_landmark" not in out.notes[0] and "_simon_makuch" not in out.notes[0]
    cif = run_and_present(run_cumulative_incidence, PLAN.get("cir_by_hsct"), ctx)
    assert [t.id for t in cif.tables] == ["cir_by_hsct", "cir_by_hsct_landmark"]
    assert f'The table "{cif.tables[1].title}" compares the groups' in cif.notes[0]
    assert cif.notes[0].endswith(
        "A time-dependent (Simon-Makuch) version is given for survival only, not for "
        "cumulative incidence."
    )


def test_a_cumulative_incidence_past_the_follow_up_is_not_estimable(ctx):
    analysis = dataclasses.replace(PLAN.get("cir_nrm"), time_points_years=(1.0, 10.0))
    out = run_and_present(run_cumulative_incidence, analysis, ctx)
    (table,) = out.tables
    data = table.data[table.data["measure"] == "cumulative incidence"]
    ten = data[data["time_years"] == 10.0]
    assert (ten["n_risk"] == 0).all() and ten["estimate"].isna().all()
    assert ten["ci_lower"].isna().all() and ten["ci_upper"].isna().all()
    one = data[data["time_years"] == 1.0]
    df = ctx.endpoint("CIR")
    assert (one["n_risk"] == int((df["AVAL"] >= ck.years_to_days(1.0)).sum())).all()
    assert one["estimate"].notna().all()
    longest = ck.to_months(float(df["AVAL"].max()))
    assert (data["longest_follow_up_months"] == longest).all()
    assert table.display["10-year (95% CI)"].tolist() == ["NE", "NE"]
    assert table.footnotes[-1] == (
        f"NE, not estimable: no patient is followed to 10 years (longest follow-up "
        f"{longest:.1f} months)."
    )
    assert (
        f"No patient is followed to 10 years (longest follow-up {longest:.1f} months): the "
        "10-year estimate is not estimable (NE)"
    ) in out.notes


def test_bca_duration_is_the_time_to_b_cell_recovery(ctx):
    analysis = PLAN.get("bca_duration_km")
    out = run_and_present(run_survival, analysis, ctx)
    (table,) = out.tables
    rows = ctx.endpoint("BCADUR")
    km = ck.kaplan_meier(rows, time="AVAL", event="event")
    median = table.data[table.data["measure"] == "median"].iloc[0]
    assert median["estimate"] == ck.to_months(float(km.median()["estimate"].iloc[0]))
    assert median["n"] == 49 and median["n_events"] == 29  # one patient never aplastic
    assert table.display.iloc[0].tolist()[:3] == ["All patients", "49", "29"]
    assert table.footnotes[0] == (
        "Time from BCA onset to loss of BCA, censored at the last aplastic sample."
    )
    # the time-point column is the probability of still being aplastic, and says so
    assert table.display.columns[3] == "Still in B-cell aplasia at 1 year (95% CI)"
    assert table.footnotes[1].startswith(
        "Still in B-cell aplasia at a time point: the Kaplan-Meier probability that B-cell "
        "aplasia is still ongoing then"
    )
    assert table.column_labels["estimate"] == "Estimate (still in B-cell aplasia)"
    (fig,) = out.figures
    ax = fig.figure.axes[0]
    assert ax.get_xlabel() == "Months since BCA onset"
    assert ax.get_ylabel() == "B-cell aplasia ongoing"


def _headline(n_risk: int, estimate: float):
    item = HeadlineItem(
        key="os_5y",
        label="5-year overall survival",
        analysis="os_km",
        where=(("measure", "survival"), ("time_years", 5.0)),
        show="survival",
    )
    table = pd.DataFrame(
        {
            "measure": ["survival"],
            "time_years": [5.0],
            "n_risk": [n_risk],
            "longest_follow_up_months": [47.3],
            "estimate": [estimate],
            "ci_lower": [estimate - 0.1],
            "ci_upper": [estimate + 0.1],
        }
    )
    return headline_values([item], {"os_km": [("os_km", table)]}, 50), (item,)


def test_the_headline_of_an_estimate_past_the_follow_up_says_why():
    value, items = _headline(0, np.nan)
    reason = "no patient is followed to 5 years (longest follow-up 47.3 months)"
    assert value["os_5y"] == {
        "estimate": None,
        "ci_lower": None,
        "ci_upper": None,
        "n_risk": 0,
        "time_days": 1826.25,
        "not_estimable": reason,
    }
    assert headline_text(value, items) == f"  5-year overall survival             NE: {reason}"
    (row,) = headline_rows(value, items)
    assert (row["value"], row["detail"]) == ("NE", f"not estimable: {reason}")
    value, items = _headline(3, 0.7)
    assert value["os_5y"]["not_estimable"] is None
    assert headline_text(value, items) == "  5-year overall survival           70.0% (60.0–80.0)"
    (row,) = headline_rows(value, items)
    assert (row["value"], row["detail"]) == ("70.0% (60.0–80.0)", "3 at risk")
