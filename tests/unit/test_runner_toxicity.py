"""The ``crs_icans_characteristics`` kind: its numbers by hand on the shipped example study.

The example study (src/cartkit/data/example_study, 8 patients) has daily CRS and ICANS
assessments, recorded grades and medications. Hand-graded by the ASTCT consensus, CRS:
P01 fever days 2-3 (grade 1, 2 days); P02 fever day 1, fluids day 2, a vasopressor days 3-4
(grade 3, days 1-4), tocilizumab days 2-3, dexamethasone day 3; P04 fever day 1, fluids and
low-flow oxygen day 2 (grade 2, days 1-2), tocilizumab day 2; P06 fever day 2 (grade 1, 1
day); P07 fever day 1, low-flow day 2 (grade 2, days 1-2), paracetamol only; P08 fluids day 1,
vasopressor + high flow day 2, multiple vasopressors + positive pressure day 3 (grade 4), then
afebrile with a vasopressor day 4 and low-flow oxygen day 5 after tocilizumab on day 1: still
CRS (days 1-5), dexamethasone days 2 and 5. ICANS: P02 (14.5 years, ICE) ICE 5 awakening to
voice day 6 (grade 2), ICE 8 day 7 (grade 1): days 6-7; P07 (5.5 years, CAPD) CAPD 4 day 3
(grade 1); P08 (12.3 years, ICE) ICE 2 awakening to touch day 5 (grade 3), ICE 6 to voice
day 6: days 5-6, dexamethasone day 5.
"""

import dataclasses
import functools
import pickle

import numpy as np
import pytest
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.plan.requirements import OPTIONAL_TABLES, plan_gaps
from cartkit.plan.schema import CrsIcansCharacteristics
from cartkit.runner.context import build_context
from cartkit.runner.kinds.rates import run_rates
from cartkit.runner.kinds.toxicity import (
    CHARACTERISTICS_COLUMNS,
    DAILY_COLUMNS,
    CrsIcansResult,
    run_crs_icans_characteristics,
)

ANALYSIS = default_plan().get("crs_icans_characteristics")


def _present(ctx, analysis=ANALYSIS):
    return run_and_present(run_crs_icans_characteristics, analysis, ctx)


@functools.cache
def _study():
    return ck.read_study(ck.example_study_path())


def _example(*drop):
    study = _study()
    tables = {k: v for k, v in study.tables.items() if k not in drop}
    return build_context(dataclasses.replace(study, tables=tables), default_plan())


@pytest.fixture(scope="module")
def example():
    return _present(_example())


@pytest.fixture(scope="module")
def demo_ctx():
    return build_context(ck.simulate_study(50, seed=0), default_plan())


def _row(out, syndrome):
    data = out.tables[0].data
    return data[data["syndrome"] == syndrome].iloc[0]


def test_crs_by_hand(example):
    r = _row(example, "crs")
    assert (r["n"], r["n_events"], r["percent"]) == (8, 6, 75.0)
    grades = [r[f"n_grade_{g}"] for g in (1, 2, 3, 4, 5)]
    assert grades == [2, 2, 1, 1, 0] and r["n_grade_3plus"] == 2
    # onsets 2, 1, 1, 2, 1, 1; durations 2, 4, 2, 1, 2, 5
    assert (r["onset_median"], r["onset_min"], r["onset_max"]) == (1.0, 1.0, 2.0)
    assert (r["duration_median"], r["duration_min"], r["duration_max"]) == (2.0, 1.0, 5.0)
    assert (r["n_tocilizumab"], r["n_corticosteroid"]) == (3, 2)
    assert (r["n_recorded_course"], r["n_multiple_episodes"]) == (0, 0)


def test_icans_by_hand(example):
    r = _row(example, "icans")
    assert (r["n"], r["n_events"]) == (8, 3)
    assert [r[f"n_grade_{g}"] for g in (1, 2, 3, 4, 5)] == [1, 1, 1, 0, 0]
    assert (r["onset_median"], r["onset_min"], r["onset_max"]) == (5.0, 3.0, 6.0)
    assert (r["duration_median"], r["duration_min"], r["duration_max"]) == (2.0, 1.0, 2.0)
    assert (r["n_tocilizumab"], r["n_corticosteroid"]) == (0, 1)


def test_the_table_a_reader_sees(example):
    (table,) = example.tables
    assert table.id == "crs_icans_characteristics"
    assert tuple(table.data.columns) == CHARACTERISTICS_COLUMNS
    shown = table.display.set_index("Characteristic")
    assert list(shown.columns) == ["CRS (N = 8)", "ICANS (N = 8)"]
    assert shown.loc["Any grade, n (%)"].tolist() == ["6 (75.0)", "3 (37.5)"]
    assert shown.loc["Grade 4"].tolist() == ["1 (12.5)", "0 (0.0)"]
    assert shown.loc["Onset, day after infusion, median (range)"].tolist() == ["1 (1–2)", "5 (3–6)"]
    assert shown.loc["Duration, days, median (range)"].tolist() == ["2 (1–5)", "2 (1–2)"]
    assert shown.loc["Tocilizumab during the syndrome, n (%)"].tolist() == ["3 (37.5)", "0 (0.0)"]
    assert table.row_styles[1:6] == ("indent",) * 5
    assert table.footnotes[1] == (
        "Onset: the first day at grade ≥ 1 (day 0 = infusion). Duration: days from the first to "
        "the last day at grade ≥ 1, both included."
    )
    assert "ICU transfer is not reported: no table of the data format records it" in example.notes


def test_recorded_grades_only():
    # without daily assessments: the recorded onset_day and end_day (P01 2-4, P02 1-5, P04 1-3,
    # P06 2-3, P07 1-3, P08 1-6: durations 3, 5, 3, 2, 3, 6)
    out = _present(_example("crs", "icans"))
    r = _row(out, "crs")
    assert r["n_events"] == 6 and r["n_recorded_course"] == 6
    assert (r["duration_median"], r["duration_min"], r["duration_max"]) == (3.0, 2.0, 6.0)
    assert (
        "CRS: no daily assessments; onset and duration come from the onset_day and end_day "
        "recorded in adverse_events"
    ) in out.notes
    assert out.tables[0].footnotes[2] == (
        "CRS and ICANS, no daily assessments: onset and duration from the onset_day to the "
        "end_day recorded in adverse_events."
    )
    assert "without daily assessments, each recorded CRS grade" in out.figures[0].caption


def test_without_medications_drug_use_is_unknown_not_zero():
    out = _present(_example("medications"))
    r = _row(out, "crs")
    assert np.isnan(r["n_tocilizumab"]) and np.isnan(r["percent_corticosteroid"])
    shown = out.tables[0].display.set_index("Characteristic")
    assert shown.loc["Corticosteroids during the syndrome, n (%)"].tolist() == ["–", "–"]
    assert out.tables[0].footnotes[-1] == (
        "Tocilizumab and corticosteroids: not known (no medications table)."
    )


def test_a_study_without_any_toxicity_table_cannot_run_it():
    present = {"patients", "events", *OPTIONAL_TABLES} - {"crs", "icans", "adverse_events"}
    gaps = {g.analysis_id: g for g in plan_gaps(default_plan(), present)}
    assert gaps["crs_icans_characteristics"].cannot_run == (
        "it needs the crs or icans or adverse_events table"
    )
    assert "crs_icans_characteristics" not in {
        g.analysis_id for g in plan_gaps(default_plan(), present | {"adverse_events"})
    }


def test_demo_counts_agree_with_the_adverse_event_table(demo_ctx):
    out = _present(demo_ctx)
    s3 = run_rates(default_plan().get("s3_adverse_events"), demo_ctx)
    s3 = s3.data["s3_adverse_events"].set_index("variable")
    crs, icans = _row(out, "crs"), _row(out, "icans")
    assert crs["n_events"] == s3.loc["crs_any", "n_events"]
    assert crs["n_grade_3plus"] == s3.loc["crs_grade3plus", "n_events"]
    assert icans["n_events"] == s3.loc["icans_any", "n_events"]
    # against the grading itself: first and last day at grade >= 1 of each patient
    daily = demo_ctx.grading["crs"].detail
    pos = daily[daily["grade"].fillna(0) >= 1].groupby("patient_id")["day"]
    assert crs["onset_median"] == np.median(pos.min())
    assert crs["duration_median"] == np.median(pos.max() - pos.min() + 1)


def test_daily_counts_are_the_patients_at_each_grade(example):
    daily = example.result.daily
    assert tuple(daily.columns) == DAILY_COLUMNS
    crs = daily[daily["syndrome"] == "crs"].set_index(["day", "grade"])["n_patients"]
    # day 3: P01 grade 1, P02 grade 3, P08 grade 4; day 5: P08 grade 2 (masked low-flow)
    assert crs.loc[3.0].tolist() == [1, 0, 1, 1, 0]
    assert crs.loc[5.0].tolist() == [0, 1, 0, 0, 0]
    assert daily["day"].min() == 0 and daily["day"].max() == 28
    assert (daily["percent"] == 100 * daily["n_patients"] / 8).all()


def test_population_restricts_every_count(demo_ctx):
    analysis = CrsIcansCharacteristics(id="x", title="t", population="hsct_after_cart")
    out = _present(demo_ctx, analysis)
    n_hsct = int(demo_ctx.patients["hsct_after_cart"].sum())
    assert _row(out, "crs")["n"] == n_hsct == out.n
    assert out.result.daily["n"].eq(n_hsct).all()


def test_figure_draws_pickles_and_shows_the_percentages(example, demo_ctx):
    for out in (example, _present(demo_ctx)):
        (spec,) = out.figures
        assert spec.id == "crs_icans_characteristics_daily"
        again = pickle.loads(pickle.dumps(spec.draw))
        fig = again()
        ax_crs = fig.axes[0]
        daily = out.result.daily
        want = daily[daily["syndrome"] == "crs"].groupby("day")["percent"].sum()
        # the stacked bars of a day reach the percentage of patients with CRS that day
        tops = {}
        for patch in ax_crs.patches:
            x = round(patch.get_x() + patch.get_width() / 2)
            tops[x] = max(tops.get(x, 0.0), patch.get_y() + patch.get_height())
        for day, pct in want.items():
            assert tops.get(round(day), 0.0) == pytest.approx(pct)
    assert isinstance(example.result, CrsIcansResult)
