"""ICANS grading: worked patient-day cases written from the ASTCT consensus.

Source of every expected grade: Lee DW et al., ASTCT Consensus Grading for Cytokine Release
Syndrome and Neurologic Toxicity Associated with Immune Effector Cells, Biol Blood Marrow
Transplant 2019;25:625-638: the tables "ASTCT ICANS Consensus Grading for Adults" (ICE
score) and "... for Children": ICE at age >= 12 years, CAPD below 12), with their footnotes
("ICANS grade is determined by the most severe event"; "a patient with an ICE score of 0 may
be classified as grade 3 ICANS if awake with global aphasia, but ... grade 4 if unarousable").
Each case names the criterion it exercises.
"""

import numpy as np
import pandas as pd
import pytest

from cartkit.derive.icans import capd_grade, derive_icans, grade_icans, ice_grade
from cartkit.errors import DataError

NAN = float("nan")
ADULT, CHILD = 15.0, 8.0

# criterion, age, (ice, capd, consciousness, seizure, motor_weakness, cerebral_edema), grade
CASES = [
    ("ICE 10 (normal), awake: no ICANS", ADULT, (10, NAN, "awake", "none", False, "none"), 0),
    ("ICE 7-9 is grade 1 (9)", ADULT, (9, NAN, "awake", "none", False, "none"), 1),
    ("ICE 7-9 is grade 1 (7)", ADULT, (7, NAN, "awake", "none", False, "none"), 1),
    ("ICE 3-6 is grade 2 (6)", ADULT, (6, NAN, "awake", "none", False, "none"), 2),
    ("ICE 3-6 is grade 2 (3)", ADULT, (3, NAN, "awake", "none", False, "none"), 2),
    ("ICE 0-2 is grade 3 (2)", ADULT, (2, NAN, "awake", "none", False, "none"), 3),
    (
        "ICE 0 awake with global aphasia is grade 3",
        ADULT,
        (0, NAN, "awake", "none", False, "none"),
        3,
    ),
    (
        "ICE 0 because unarousable and unable to perform ICE is grade 4",
        ADULT,
        (0, NAN, "unarousable", "none", False, "none"),
        4,
    ),
    (
        "consciousness: awakens to voice is grade 2",
        ADULT,
        (10, NAN, "voice", "none", False, "none"),
        2,
    ),
    (
        "consciousness: awakens only to tactile stimulus is grade 3",
        ADULT,
        (10, NAN, "touch", "none", False, "none"),
        3,
    ),
    (
        "consciousness: unarousable or vigorous stimuli, stupor or coma is grade 4",
        ADULT,
        (NAN, NAN, "unarousable", "none", False, "none"),
        4,
    ),
    (
        "seizure: any clinical seizure resolving rapidly, or EEG seizure resolving with"
        " intervention, is grade 3",
        ADULT,
        (10, NAN, "awake", "rapid", False, "none"),
        3,
    ),
    (
        "seizure: prolonged (> 5 min) or repetitive without return to baseline is grade 4",
        ADULT,
        (10, NAN, "awake", "prolonged", False, "none"),
        4,
    ),
    (
        "motor: deep focal motor weakness (hemiparesis, paraparesis) is grade 4",
        ADULT,
        (10, NAN, "awake", "none", True, "none"),
        4,
    ),
    (
        "raised ICP: focal/local oedema on neuroimaging is grade 3",
        ADULT,
        (10, NAN, "awake", "none", False, "focal"),
        3,
    ),
    (
        "raised ICP: diffuse oedema, posturing, CN VI palsy, papilledema or Cushing's triad is 4",
        ADULT,
        (10, NAN, "awake", "none", False, "diffuse"),
        4,
    ),
    (
        "worst domain (Lee's example): ICE 3 with a generalised seizure is grade 3",
        ADULT,
        (3, NAN, "awake", "rapid", False, "none"),
        3,
    ),
    (
        "worst domain: ICE 8 (1) and awakens to voice (2) is grade 2",
        ADULT,
        (8, NAN, "voice", "none", False, "none"),
        2,
    ),
    (
        "worst domain: ICE 5 (2) and tactile stimulus (3) is grade 3",
        ADULT,
        (5, NAN, "touch", "none", False, "none"),
        3,
    ),
    (
        "worst domain: ICE 1 (3) and diffuse oedema (4) is grade 4",
        ADULT,
        (1, NAN, "awake", "none", False, "diffuse"),
        4,
    ),
    (
        "age cut-off: at exactly 12 years the ICE score is used (ICE 8, CAPD 12)",
        12.0,
        (8, 12, "awake", "none", False, "none"),
        1,
    ),
    (
        "age cut-off: below 12 years the CAPD score is used (ICE 8, CAPD 12)",
        11.9,
        (8, 12, "awake", "none", False, "none"),
        3,
    ),
    ("CAPD 0: no ICANS", CHILD, (NAN, 0, "awake", "none", False, "none"), 0),
    ("CAPD 1-8 is grade 1 (1)", CHILD, (NAN, 1, "awake", "none", False, "none"), 1),
    ("CAPD 1-8 is grade 1 (8)", CHILD, (NAN, 8, "awake", "none", False, "none"), 1),
    ("CAPD >= 9 is grade 3 (9)", CHILD, (NAN, 9, "awake", "none", False, "none"), 3),
    ("CAPD >= 9 is grade 3 (32, the maximum)", CHILD, (NAN, 32, "awake", "none", False, "none"), 3),
    (
        "CAPD 1-8 with awakening to voice is grade 2",
        CHILD,
        (NAN, 8, "voice", "none", False, "none"),
        2,
    ),
    (
        "unable to perform CAPD because unarousable is grade 4",
        CHILD,
        (NAN, NAN, "unarousable", "none", False, "none"),
        4,
    ),
    (
        "child: prolonged seizure with CAPD 2 is grade 4",
        CHILD,
        (NAN, 2, "awake", "prolonged", False, "none"),
        4,
    ),
    ("infant: CAPD 9 is grade 3", 0.5, (NAN, 9, "awake", "none", False, "none"), 3),
    (
        "CAPD missing at age < 12: the ICE score recorded is used instead (ICE 5, grade 2)",
        CHILD,
        (5, NAN, "awake", "none", False, "none"),
        2,
    ),
    (
        "ICE missing at age >= 12: the CAPD score recorded is used instead (CAPD 10, grade 3)",
        ADULT,
        (NAN, 10, "awake", "none", False, "none"),
        3,
    ),
    (
        "ICE and CAPD missing: graded from the other domains (rapid seizure, grade 3)",
        ADULT,
        (NAN, NAN, "awake", "rapid", False, "none"),
        3,
    ),
    (
        "ICE and CAPD missing, other domains normal: grade 0",
        CHILD,
        (NAN, NAN, "awake", "none", False, "none"),
        0,
    ),
    (
        "missing consciousness counts as absent: ICE 4 alone is grade 2",
        ADULT,
        (4, NAN, None, "none", False, "none"),
        2,
    ),
    (
        "missing seizure, motor and oedema count as absent: ICE 9 is grade 1",
        ADULT,
        (9, NAN, "awake", None, None, None),
        1,
    ),
]

COLUMNS = [
    "ice_score",
    "capd_score",
    "consciousness",
    "seizure",
    "motor_weakness",
    "cerebral_edema",
]


def _one(age, values, pid="p1", day=1.0):
    icans = pd.DataFrame([values], columns=COLUMNS)
    icans.insert(0, "day", day)
    icans.insert(0, "patient_id", pid)
    patients = pd.DataFrame({"patient_id": [pid], "age_years": [age]})
    return icans, patients


@pytest.mark.parametrize(
    ("criterion", "age", "values", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_icans_worked_case(criterion, age, values, expected):
    icans, patients = _one(age, values)
    got = grade_icans(icans, patients)
    assert int(got.loc[0, "grade"]) == expected, criterion


def test_case_table_is_large_enough():
    assert len(CASES) >= 30


def test_score_functions_at_every_boundary():
    ice = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, NAN])
    np.testing.assert_array_equal(ice_grade(ice), [0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, NAN])
    capd = np.array([0, 1, 4, 8, 9, 20, 32, NAN])
    np.testing.assert_array_equal(capd_grade(capd), [0, 1, 1, 1, 3, 3, 3, NAN])


def test_notes_say_which_score_was_used():
    icans, patients = _one(CHILD, (5, NAN, "awake", "none", False, "none"))
    row = grade_icans(icans, patients).iloc[0]
    assert row["score_tool"] == "ice"
    assert row["note"] == "capd_score missing: ice_score used instead"
    icans, patients = _one(ADULT, (NAN, NAN, "awake", "rapid", False, "none"))
    row = grade_icans(icans, patients).iloc[0]
    assert row["score_tool"] is None
    assert "graded from the other domains" in row["note"]


def test_every_domain_missing_is_not_graded():
    icans, patients = _one(ADULT, (NAN, NAN, None, None, None, None))
    assert pd.isna(grade_icans(icans, patients).loc[0, "grade"])


def test_age_cutoff_is_a_parameter():
    icans, patients = _one(11.0, (8, 12, "awake", "none", False, "none"))
    assert int(grade_icans(icans, patients).loc[0, "grade"]) == 3
    assert int(grade_icans(icans, patients, age_cutoff=10).loc[0, "grade"]) == 1


def test_patient_without_age_is_not_graded_and_excluded():
    icans, _ = _one(ADULT, (2, NAN, "awake", "none", False, "none"), pid="x")
    patients = pd.DataFrame({"patient_id": ["other"], "age_years": [9.0]})
    daily = grade_icans(icans, patients)
    assert pd.isna(daily.loc[0, "grade"])
    r = derive_icans(icans, patients)
    assert dict(r.excluded.itertuples(index=False)) == {
        "other": "no ICANS assessments and no recorded ICANS grade",
        "x": "no age_years in patients (ICE or CAPD cannot be chosen)",
    }
    assert set(r.table["patient_id"]) == set()


def test_boolean_strings_are_accepted_and_bad_values_rejected():
    icans, patients = _one(ADULT, (10, NAN, "awake", "none", "yes", "none"))
    assert int(grade_icans(icans, patients).loc[0, "grade"]) == 4
    icans, patients = _one(ADULT, (10, NAN, "awake", "none", "maybe", "none"))
    with pytest.raises(DataError, match=r"motor_weakness 'maybe'.*patient p1"):
        grade_icans(icans, patients)


@pytest.mark.parametrize(
    ("column", "value"), [("ice_score", 11), ("ice_score", 4.5), ("capd_score", 33)]
)
def test_scores_out_of_range_are_rejected(column, value):
    values = dict(zip(COLUMNS, (NAN, NAN, "awake", "none", False, "none"), strict=True))
    values[column] = value
    icans, patients = _one(ADULT, tuple(values.values()))
    with pytest.raises(DataError, match=column):
        grade_icans(icans, patients)


def test_bad_category_rejected():
    icans, patients = _one(ADULT, (10, NAN, "drowsy", "none", False, "none"))
    with pytest.raises(DataError, match="consciousness"):
        grade_icans(icans, patients)


def _course():
    # one child: grade 1 days 3-4, normal day 5, grade 3 days 6-7; died of ICANS on day 9
    days = [2, 3, 4, 5, 6, 7]
    capd = [0, 4, 6, 0, 12, 10]
    icans = pd.DataFrame(
        {
            "patient_id": "c1",
            "day": days,
            "ice_score": NAN,
            "capd_score": capd,
            "consciousness": "awake",
            "seizure": "none",
            "motor_weakness": False,
            "cerebral_edema": "none",
        }
    )
    patients = pd.DataFrame({"patient_id": ["c1", "c2"], "age_years": [6.0, 14.0]})
    return icans, patients


def test_episodes_onset_and_duration():
    icans, patients = _course()
    r = derive_icans(icans, patients)
    daily = r.detail
    assert daily["episode"].tolist() == [0, 1, 1, 0, 2, 2]
    t = r.table.set_index("patient_id")
    assert t.loc["c1", "grade"] == 3
    assert t.loc["c1", "onset_day"] == 3.0
    assert t.loc["c1", "duration_days"] == 4.0  # days 3-4 and 6-7
    assert t.loc["c1", "n_episodes"] == 2
    # c2 has no assessment and no recorded grade
    assert r.excluded["patient_id"].tolist() == ["c2"]


def test_grade5_death_from_icans():
    icans, patients = _course()
    events = pd.DataFrame(
        {"patient_id": ["c1"], "day": [9.0], "event": ["death"], "detail": ["icans"]}
    )
    daily = grade_icans(icans, patients, events)
    assert daily["grade"].tolist()[-1] == 5
    assert daily["day"].tolist()[-1] == 9.0
    assert daily["episode"].tolist()[-1] == 2


def test_recorded_icans_grades_preferred_and_findings():
    icans, patients = _course()
    ae = pd.DataFrame(
        {"patient_id": ["c2"], "term": ["icans"], "grade": [2], "onset_day": [5], "end_day": [6]}
    )
    r = derive_icans(icans, patients, adverse_events=ae)
    t = r.table.set_index("patient_id")
    # c1 has daily grade 3 but the adverse events (which record ICANS) list none for c1
    assert t.loc["c1", "grade"] == 0 and t.loc["c1", "derived_grade"] == 3
    assert t.loc["c2", "grade"] == 2 and t.loc["c2", "duration_days"] == 2.0
    assert r.findings["patient_id"].tolist() == ["c1"]
    assert r.findings.loc[0, "message"].startswith("no ICANS in adverse_events (grade 0)")
    assert r.excluded.empty


def test_derive_icans_needs_patients_for_daily_data():
    icans, _ = _course()
    with pytest.raises(DataError, match="patients"):
        derive_icans(icans, None)
