"""Onset, duration and treatment of CRS and ICANS: worked cases written from the ASTCT consensus.

Source of every expected grade: Lee DW et al., ASTCT Consensus Grading for Cytokine Release
Syndrome and Neurologic Toxicity Associated with Immune Effector Cells, Biol Blood Marrow
Transplant 2019;25:625-638 (the CRS table and its fever footnote: after tocilizumab or steroids
fever is no longer required, grading then follows hypotension and hypoxia; the ICANS tables
for adults and children). Onset is the first day at grade >= 1 (day 0 = infusion); duration
counts from the first to the last day at grade >= 1, both days included, days between episodes
too (docs/clinical-rules.md, "Onset, duration and treatment of CRS and ICANS"). Each case goes
through the grading the report uses (``grade_study``), then ``syndrome_course``.
"""

import math

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from cartkit.derive import Derived
from cartkit.derive.crs import summarize_crs
from cartkit.derive.tox_course import COURSE_COLUMNS, daily_grades, syndrome_course
from cartkit.derive.toxicity import grade_study

NAN = float("nan")
T, F = "tocilizumab", "corticosteroid"

# criterion, daily CRS records [(day, temp_max_c, hypotension, oxygen)], doses [(day, drug)],
# events [(day, event, detail)], expected (max grade, onset day, last day, duration, episodes)
CRS_CASES = [
    (
        "fever alone on days 2-4: grade 1 for 3 days",
        [(1, 37.0, "none", "none"), (2, 38.3, "none", "none"), (3, 39.0, "none", "none"),
         (4, 38.1, "none", "none"), (5, 37.2, "none", "none")],
        [], [], (1, 2, 4, 3, 1),
    ),
    (
        "fever with fluids on day 2 is grade 2; onset is the first febrile day",
        [(1, 38.5, "none", "none"), (2, 39.1, "fluids", "none"), (3, 38.2, "none", "none"),
         (4, 37.0, "none", "none")],
        [], [], (2, 1, 3, 3, 1),
    ),
    (
        "after tocilizumab an afebrile day with a vasopressor still counts (grade 3), and low-flow "
        "oxygen the next day (grade 2)",
        [(1, 39.0, "none", "none"), (2, 39.5, "fluids", "none"), (3, 37.1, "vasopressor", "none"),
         (4, 36.9, "none", "low_flow"), (5, 36.8, "none", "none")],
        [(2, T)], [], (3, 1, 4, 4, 1),
    ),
    (
        "the same days without tocilizumab: fever is required, so the afebrile days are not CRS",
        [(1, 39.0, "none", "none"), (2, 39.5, "fluids", "none"), (3, 37.1, "vasopressor", "none"),
         (4, 36.9, "none", "low_flow"), (5, 36.8, "none", "none")],
        [], [], (2, 1, 2, 2, 1),
    ),
    (
        "corticosteroids mask fever too: afebrile high-flow oxygen after them is grade 3",
        [(3, 38.6, "none", "low_flow"), (4, 37.4, "none", "high_flow"),
         (5, 37.0, "none", "none")],
        [(3, F)], [], (3, 3, 4, 2, 1),
    ),
    (
        "a dose before the episode (premedication on day 0) does not mask it",
        [(2, 38.4, "none", "none"), (3, 37.3, "fluids", "none"), (4, 37.0, "none", "none")],
        [(0, T)], [], (1, 2, 2, 1, 1),
    ),
    (
        "two episodes (days 2-3 and day 8): duration from the first to the last day, 7 days",
        [(2, 38.5, "none", "none"), (3, 38.9, "none", "none"), (4, 37.0, "none", "none"),
         (5, 36.9, "none", "none"), (8, 38.2, "none", "none"), (9, 37.1, "none", "none")],
        [], [], (1, 2, 8, 7, 2),
    ),
    (
        "death from CRS on day 6 is grade 5 and the last day of CRS",
        [(3, 39.2, "fluids", "none"), (4, 39.8, "vasopressor", "high_flow"),
         (5, 39.0, "multiple_vasopressors", "positive_pressure")],
        [(4, T)], [(6, "death", "crs")], (5, 3, 6, 4, 1),
    ),
    (
        "no fever at all: organ support alone is not CRS (grade 0, no onset)",
        [(2, 37.5, "vasopressor", "none"), (3, 37.0, "none", "low_flow")],
        [], [], (0, NAN, NAN, NAN, 0),
    ),
]  # fmt: skip


def _crs_study(records, doses=(), events=(), ae=None):
    crs = pd.DataFrame(records, columns=["day", "temp_max_c", "hypotension", "oxygen"])
    tables = {
        "patients": pd.DataFrame({"patient_id": ["P1"], "age_years": [9.0]}),
        "crs": crs.assign(patient_id="P1"),
        "medications": pd.DataFrame(list(doses), columns=["day", "drug"]).assign(patient_id="P1"),
        "events": pd.DataFrame(list(events), columns=["day", "event", "detail"]).assign(
            patient_id="P1"
        ),
    }
    if ae is not None:
        tables["adverse_events"] = ae
    return tables


def _course(tables, term="crs"):
    grading = grade_study(tables, term)
    course = syndrome_course(
        grading,
        term,
        adverse_events=tables.get("adverse_events"),
        medications=tables.get("medications"),
    )
    return grading, course.set_index("patient_id").loc["P1"]


def _same(a, b):
    return (math.isnan(a) and math.isnan(b)) if isinstance(b, float) and math.isnan(b) else a == b


@pytest.mark.parametrize(("criterion", "records", "doses", "events", "want"), CRS_CASES)
def test_crs_worked_cases(criterion, records, doses, events, want):
    _, row = _course(_crs_study(records, doses, events))
    got = (
        int(row["grade"]),
        row["onset_day"],
        row["last_day"],
        row["duration_days"],
        int(row["n_episodes"]),
    )
    assert all(_same(g, w) for g, w in zip(got, want, strict=True)), (criterion, got)
    assert row["course_source"] == ("daily" if want[0] else None)


def test_the_course_counts_the_gap_the_grading_summary_does_not():
    # the per-patient summary of the grading sums its episodes (2 + 1 days); the course runs
    # from the first to the last day at grade >= 1 (days 2 to 8)
    records = CRS_CASES[6][1]
    grading, row = _course(_crs_study(records))
    summary = summarize_crs(grading.detail).table.set_index("patient_id").loc["P1"]
    assert (summary["duration_days"], row["duration_days"]) == (3.0, 7.0)


# criterion, age, daily ICANS records [(day, ice, capd, consciousness, seizure, motor, edema)],
# expected (max grade, onset day, last day, duration)
ICANS_CASES = [
    (
        "child (CAPD): CAPD 10 is grade 3, CAPD 4 grade 1, CAPD 0 none",
        8.0,
        [(5, NAN, 10, "awake", "none", False, "none"), (6, NAN, 4, "awake", "none", False, "none"),
         (7, NAN, 0, "awake", "none", False, "none")],
        (3, 5, 6, 2),
    ),
    (
        "adult (ICE): ICE 8 is grade 1, a rapidly resolving seizure grade 3, ICE 10 none",
        30.0,
        [(4, 8, NAN, "awake", "none", False, "none"), (5, 9, NAN, "awake", "rapid", False, "none"),
         (6, 10, NAN, "awake", "none", False, "none")],
        (3, 4, 5, 2),
    ),
    (
        "awakening only to touch is grade 3 whatever the score; one day lasts 1 day",
        14.0,
        [(7, 10, NAN, "touch", "none", False, "none"),
         (8, 10, NAN, "awake", "none", False, "none")],
        (3, 7, 7, 1),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("criterion", "age", "records", "want"), ICANS_CASES)
def test_icans_worked_cases(criterion, age, records, want):
    cols = ["day", "ice_score", "capd_score", "consciousness", "seizure", "motor_weakness",
            "cerebral_edema"]  # fmt: skip
    tables = {
        "patients": pd.DataFrame({"patient_id": ["P1"], "age_years": [age]}),
        "icans": pd.DataFrame(records, columns=cols).assign(patient_id="P1"),
    }
    _, row = _course(tables, "icans")
    got = (int(row["grade"]), row["onset_day"], row["last_day"], row["duration_days"])
    assert got == want, criterion


def _ae(rows):
    return pd.DataFrame(rows, columns=["patient_id", "term", "grade", "onset_day", "end_day"])


def test_recorded_grades_only_use_onset_and_end_days():
    tables = {
        "patients": pd.DataFrame({"patient_id": ["P1", "P2"], "age_years": [9.0, 10.0]}),
        "adverse_events": _ae([("P1", "crs", 2, 3, 7), ("P1", "infection", 3, 4, 9)]),
    }
    grading = grade_study(tables, "crs")
    course = syndrome_course(grading, "crs", adverse_events=tables["adverse_events"])
    p1, p2 = course.set_index("patient_id").loc[["P1", "P2"]].to_dict("records")
    assert (p1["grade"], p1["onset_day"], p1["last_day"], p1["duration_days"]) == (2, 3, 7, 5)
    assert p1["course_source"] == "recorded"
    assert p2["grade"] == 0 and math.isnan(p2["onset_day"]) and p2["course_source"] is None
    # without a medications table drug use is unknown, not "no"
    assert course["tocilizumab"].isna().all()


def test_a_recorded_event_without_end_day_has_no_duration():
    ae = _ae([("P1", "crs", 1, 4, NAN)])
    tables = {"patients": pd.DataFrame({"patient_id": ["P1"]}), "adverse_events": ae}
    course = syndrome_course(grade_study(tables, "crs"), "crs", adverse_events=ae)
    row = course.iloc[0]
    assert row["onset_day"] == 4 and math.isnan(row["duration_days"])


def test_with_both_sources_the_grade_is_recorded_and_the_days_are_daily():
    # daily: fever days 1-3 with one vasopressor on day 2 (grade 3); recorded: grade 2, 1-6
    records = [(1, 38.5, "none", "none"), (2, 39.0, "vasopressor", "none"),
               (3, 38.2, "none", "none"), (4, 37.0, "none", "none")]  # fmt: skip
    tables = _crs_study(records, ae=_ae([("P1", "crs", 2, 1, 6)]))
    grading, row = _course(tables)
    assert len(grading.findings) == 1  # the disagreement is listed, as everywhere
    assert (int(row["grade"]), row["onset_day"], row["duration_days"]) == (2, 1.0, 3.0)
    assert row["course_source"] == "daily"


@pytest.mark.parametrize(
    ("doses", "want"),
    [
        ([(2, T)], (True, False)),  # on the onset day
        ([(4, T), (4, F)], (True, True)),  # on the last day
        ([(5, T), (1, F)], (False, False)),  # the day after the last day; before the onset
    ],
)
def test_drugs_count_from_onset_to_the_last_day(doses, want):
    records = [(2, 38.5, "none", "none"), (3, 38.8, "none", "none"),
               (4, 38.1, "none", "none"), (5, 37.0, "none", "none")]  # fmt: skip
    _, row = _course(_crs_study(records, doses))
    assert (bool(row[T]), bool(row[F])) == want


def test_daily_grades_expand_recorded_rows_and_keep_daily_assessments():
    detail = pd.DataFrame(
        {
            "patient_id": ["A", "A", "A"],
            "day": [1.0, 2.0, 30.0],
            "grade": pd.array([1, 3, 2], dtype="Int64"),
            "episode": [1, 1, 2],
        }
    )
    table = pd.DataFrame({"patient_id": ["A", "B"], "grade": [3, 2]})
    grading = Derived(table=table, detail=detail)
    # B only in adverse_events: grade 1 on days 3-4 and grade 2 on day 4 (the worst counts);
    # A's recorded row is ignored, A has daily assessments
    ae = _ae([("B", "crs", 1, 3, 4), ("B", "crs", 2, 4, NAN), ("A", "crs", 4, 1, 9)])
    out = daily_grades(grading, "crs", adverse_events=ae, days=(0, 28))
    assert out.to_dict("list") == {
        "patient_id": ["A", "A", "B", "B"],
        "day": [1.0, 2.0, 3.0, 4.0],
        "grade": [1, 3, 1, 2],
        "source": ["daily", "daily", "recorded", "recorded"],
    }


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 30), st.integers(0, 5)),
        min_size=1,
        max_size=40,
        unique_by=lambda t: (t[0], t[1]),
    )
)
def test_course_invariants(rows):
    detail = pd.DataFrame(rows, columns=["patient_id", "day", "grade"]).astype({"day": float})
    detail["patient_id"] = "P" + detail["patient_id"].astype(str)
    detail["episode"] = (detail["grade"] > 0).astype(int)
    table = detail.groupby("patient_id", as_index=False)["grade"].max()
    course = syndrome_course(Derived(table=table, detail=detail), "crs")
    assert tuple(course.columns) == COURSE_COLUMNS
    for _, r in course.iterrows():
        days = detail.loc[(detail["patient_id"] == r["patient_id"]) & (detail["grade"] > 0), "day"]
        if r["grade"] == 0:
            assert np.isnan(r["onset_day"]) and r["course_source"] is None
            continue
        assert r["onset_day"] == days.min() and r["last_day"] == days.max()
        # every day at grade >= 1 lies inside the duration
        assert r["duration_days"] >= days.nunique() >= 1
