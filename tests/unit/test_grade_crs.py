"""CRS grading: worked patient-day cases written from the ASTCT consensus.

Source of every expected grade: Lee DW et al., ASTCT Consensus Grading for Cytokine Release
Syndrome and Neurologic Toxicity Associated with Immune Effector Cells, Biol Blood Marrow
Transplant 2019;25:625-638: the table "ASTCT CRS Consensus Grading" and its footnotes; the
fever-masking rule is its fever footnote ("in patients who have CRS then receive antipyretic
or anticytokine therapy such as tocilizumab or steroids, fever is no longer required to grade
subsequent CRS severity"). Each case names the criterion it exercises.
"""

import math

import numpy as np
import pandas as pd
import pytest

from cartkit.derive.crs import derive_crs, grade_crs, summarize_crs
from cartkit.errors import DataError

NAN = float("nan")

# criterion, assessments [(day, temp_max_c, hypotension, oxygen)], doses [(day, drug, detail)],
# the day checked, its expected grade
CASES = [
    ("no fever, no organ support: no CRS", [(1, 37.0, "none", "none")], [], 1, 0),
    ("grade 1: temperature >= 38.0 °C (exactly 38.0)", [(1, 38.0, "none", "none")], [], 1, 1),
    ("fever is >= 38.0 °C: 37.9 is no fever", [(1, 37.9, "none", "none")], [], 1, 0),
    ("grade 1: fever alone, any height", [(1, 40.5, "none", "none")], [], 1, 1),
    (
        "grade 2: hypotension not requiring vasopressors (fluids)",
        [(1, 38.5, "fluids", "none")],
        [],
        1,
        2,
    ),
    (
        "grade 2: hypoxia requiring low-flow nasal cannula (<= 6 L/min) or blow-by",
        [(1, 38.5, "none", "low_flow")],
        [],
        1,
        2,
    ),
    ("grade 2: fluids and low-flow oxygen together", [(1, 39, "fluids", "low_flow")], [], 1, 2),
    (
        "grade 3: hypotension requiring one vasopressor with or without vasopressin",
        [(1, 38.2, "vasopressor", "none")],
        [],
        1,
        3,
    ),
    (
        "grade 3: high-flow nasal cannula > 6 L/min, facemask, non-rebreather or Venturi mask",
        [(1, 38.2, "none", "high_flow")],
        [],
        1,
        3,
    ),
    (
        "worst domain (ASTCT example): 39.5 °C, one vasopressor and low-flow O2 is grade 3",
        [(1, 39.5, "vasopressor", "low_flow")],
        [],
        1,
        3,
    ),
    (
        "worst domain: fluids (2) with high-flow oxygen (3) is grade 3",
        [(1, 38.2, "fluids", "high_flow")],
        [],
        1,
        3,
    ),
    (
        "grade 3: one vasopressor and high-flow oxygen",
        [(1, 39.0, "vasopressor", "high_flow")],
        [],
        1,
        3,
    ),
    (
        "grade 4: multiple vasopressors (excluding vasopressin)",
        [(1, 39.0, "multiple_vasopressors", "none")],
        [],
        1,
        4,
    ),
    (
        "grade 4: positive pressure (CPAP, BiPAP, intubation and mechanical ventilation)",
        [(1, 39.0, "none", "positive_pressure")],
        [],
        1,
        4,
    ),
    (
        "worst domain: one vasopressor (3) with positive pressure (4) is grade 4",
        [(1, 39.0, "vasopressor", "positive_pressure")],
        [],
        1,
        4,
    ),
    (
        "worst domain: multiple vasopressors (4) with low-flow oxygen (2) is grade 4",
        [(1, 39.0, "multiple_vasopressors", "low_flow")],
        [],
        1,
        4,
    ),
    (
        "grade 4: multiple vasopressors and positive pressure",
        [(1, 39.0, "multiple_vasopressors", "positive_pressure")],
        [],
        1,
        4,
    ),
    (
        "fever required to diagnose CRS: vasopressor without fever or episode is no CRS",
        [(1, 37.2, "vasopressor", "none")],
        [],
        1,
        0,
    ),
    (
        "fever required to diagnose CRS: positive pressure without fever is no CRS",
        [(1, 37.2, "none", "positive_pressure")],
        [],
        1,
        0,
    ),
    (
        "fever required: masking drug given but no fever ever, no episode",
        [(1, 37.0, "fluids", "none")],
        [(1, "tocilizumab", None)],
        1,
        0,
    ),
    (
        "fever masking: after tocilizumab, fluid-responsive hypotension alone is grade 2",
        [(1, 38.6, "fluids", "none"), (2, 37.0, "fluids", "none")],
        [(1, "tocilizumab", None)],
        2,
        2,
    ),
    (
        "fever masking: after corticosteroid, one vasopressor alone is grade 3",
        [(1, 38.6, "none", "none"), (2, 36.9, "vasopressor", "none")],
        [(1, "corticosteroid", None)],
        2,
        3,
    ),
    (
        "fever masking: antipyretic (drug other, detail paracetamol) then high-flow O2 grade 3",
        [(1, 38.6, "none", "low_flow"), (2, 37.5, "none", "high_flow")],
        [(1, "other", "Paracetamol 15 mg/kg")],
        2,
        3,
    ),
    (
        "fever still required without antipyretic or anticytokine therapy",
        [(1, 38.6, "fluids", "none"), (2, 37.5, "fluids", "none")],
        [],
        2,
        0,
    ),
    (
        "masking counts only within the episode: a steroid before fever onset does not mask",
        [(1, 38.6, "none", "none"), (2, 37.0, "vasopressor", "none")],
        [(-1, "corticosteroid", None)],
        2,
        0,
    ),
    (
        "fever masking: a dose on the same day as the afebrile assessment masks it",
        [(1, 38.6, "none", "low_flow"), (2, 37.0, "none", "low_flow")],
        [(2, "tocilizumab", None)],
        2,
        2,
    ),
    (
        "after masking the grade is driven by hypotension and hypoxia: none left is grade 0",
        [(1, 38.6, "fluids", "none"), (2, 37.0, "none", "none")],
        [(1, "tocilizumab", None)],
        2,
        0,
    ),
    (
        "fever masking: multiple vasopressors after tocilizumab is grade 4",
        [(1, 39.0, "vasopressor", "none"), (2, 37.0, "multiple_vasopressors", "none")],
        [(1, "tocilizumab", None)],
        2,
        4,
    ),
    (
        "fever masking: positive pressure after tocilizumab is grade 4",
        [(1, 39.0, "none", "high_flow"), (2, 36.5, "none", "positive_pressure")],
        [(1, "tocilizumab", None)],
        2,
        4,
    ),
    (
        "resolved episode (a day without fever or support): masking does not carry over",
        [(1, 38.5, "none", "none"), (2, 37.0, "none", "none"), (3, 37.0, "vasopressor", "none")],
        [(1, "tocilizumab", None)],
        3,
        0,
    ),
    (
        "new episode needs new fever: grade 1 again after resolution",
        [(1, 38.5, "fluids", "none"), (2, 37.0, "none", "none"), (4, 38.1, "none", "none")],
        [(1, "tocilizumab", None)],
        4,
        1,
    ),
    (
        "masking belongs to its episode: tocilizumab in episode 1 does not mask episode 2",
        [
            (1, 38.5, "none", "none"),
            (2, 37.0, "none", "none"),
            (4, 38.3, "none", "none"),
            (5, 37.0, "fluids", "none"),
        ],
        [(1, "tocilizumab", None)],
        5,
        0,
    ),
    (
        "organ support keeps an episode open: masking from day 1 still applies on day 4",
        [
            (1, 38.5, "none", "none"),
            (2, 37.0, "none", "low_flow"),
            (3, 37.0, "vasopressor", "none"),
            (4, 37.0, "vasopressor", "high_flow"),
        ],
        [(1, "tocilizumab", None)],
        4,
        3,
    ),
    (
        "missing temperature counts as no fever: organ support alone is no CRS",
        [(1, NAN, "vasopressor", "none")],
        [],
        1,
        0,
    ),
    (
        "missing temperature inside a masked episode: graded on organ support",
        [(1, 38.9, "none", "none"), (2, NAN, "vasopressor", "none")],
        [(1, "tocilizumab", None)],
        2,
        3,
    ),
    (
        "missing hypotension counts as none: fever with high-flow oxygen is grade 3",
        [(1, 38.4, None, "high_flow")],
        [],
        1,
        3,
    ),
    ("missing oxygen counts as none: fever alone is grade 1", [(1, 38.4, "none", None)], [], 1, 1),
    (
        "missing oxygen counts as none: fever with fluids is grade 2",
        [(1, 38.4, "fluids", None)],
        [],
        1,
        2,
    ),
]


def _tables(rows, doses, pid="p1"):
    crs = pd.DataFrame(rows, columns=["day", "temp_max_c", "hypotension", "oxygen"])
    crs.insert(0, "patient_id", pid)
    meds = pd.DataFrame(doses, columns=["day", "drug", "detail"])
    meds.insert(0, "patient_id", pid)
    return crs, meds


@pytest.mark.parametrize(
    ("criterion", "rows", "doses", "day", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_crs_worked_case(criterion, rows, doses, day, expected):
    crs, meds = _tables(rows, doses)
    daily = grade_crs(crs, meds)
    got = daily.loc[daily["day"] == day, "grade"]
    assert len(got) == 1
    assert int(got.iloc[0]) == expected, criterion


def test_case_table_is_large_enough():
    assert len(CASES) >= 30


def test_contract_columns_first():
    crs, meds = _tables([(1, 38.5, "fluids", "none")], [])
    daily = grade_crs(crs, meds)
    assert list(daily.columns[:3]) == ["patient_id", "day", "grade"]
    assert str(daily["grade"].dtype) == "Int64"


def test_every_component_missing_is_not_graded_and_noted():
    crs, _ = _tables([(1, NAN, None, None), (2, 38.0, "none", "none")], [])
    daily = grade_crs(crs)
    assert daily["grade"].isna().tolist() == [True, False]
    assert "temp_max_c missing" in daily.loc[0, "note"]
    assert "oxygen missing" in daily.loc[0, "note"]


def test_missing_component_is_noted():
    crs, _ = _tables([(1, 38.4, None, "high_flow")], [])
    assert grade_crs(crs).loc[0, "note"] == "hypotension missing"


def test_unattributed_organ_support_is_noted():
    crs, _ = _tables([(1, 38.6, "fluids", "none"), (2, 37.5, "fluids", "none")], [])
    daily = grade_crs(crs)
    assert daily.loc[1, "episode"] == 1  # the episode stays open on organ support
    assert "not graded as CRS" in daily.loc[1, "note"]


def test_grade5_death_from_crs_on_a_new_row():
    crs, _ = _tables(
        [(1, 39.0, "vasopressor", "none"), (2, 39.0, "multiple_vasopressors", "none")], []
    )
    events = pd.DataFrame(
        {"patient_id": ["p1"], "day": [3.0], "event": ["death"], "detail": ["CRS"]}
    )
    daily = grade_crs(crs, events=events)
    assert daily["grade"].tolist() == [3, 4, 5]  # ASTCT grade 5: death due to CRS
    assert daily.loc[2, "episode"] == 1


def test_grade5_replaces_the_grade_of_the_death_day():
    crs, _ = _tables([(1, 39.0, "vasopressor", "none")], [])
    events = pd.DataFrame(
        {"patient_id": ["p1"], "day": [1.0], "event": ["death"], "detail": ["crs"]}
    )
    assert grade_crs(crs, events=events)["grade"].tolist() == [5]


def test_death_from_another_cause_is_not_grade5():
    crs, _ = _tables([(1, 39.0, "vasopressor", "none")], [])
    events = pd.DataFrame(
        {"patient_id": ["p1"], "day": [2.0], "event": ["death"], "detail": ["infection"]}
    )
    daily = grade_crs(crs, events=events)
    assert daily["grade"].tolist() == [3]


def test_masking_drugs_are_a_parameter():
    rows = [(1, 38.6, "fluids", "none"), (2, 37.0, "fluids", "none")]
    crs, meds = _tables(rows, [(1, "corticosteroid", None)])
    assert int(grade_crs(crs, meds).loc[1, "grade"]) == 2
    only_toci = grade_crs(crs, meds, masking_drugs=("tocilizumab",), antipyretic_words=())
    assert int(only_toci.loc[1, "grade"]) == 0


def test_resolution_days_parameter_merges_episodes():
    rows = [(1, 38.5, "none", "none"), (2, 37.0, "none", "none"), (3, 37.0, "vasopressor", "none")]
    crs, meds = _tables(rows, [(1, "tocilizumab", None)])
    assert int(grade_crs(crs, meds, resolution_days=1).loc[2, "grade"]) == 0
    merged = grade_crs(crs, meds, resolution_days=2)
    assert int(merged.loc[2, "grade"]) == 3
    assert merged.loc[2, "episode"] == 1


def test_fever_threshold_parameter():
    crs, _ = _tables([(1, 38.2, "none", "none")], [])
    assert int(grade_crs(crs, fever_c=38.5).loc[0, "grade"]) == 0


def test_patients_are_graded_independently():
    a, meds = _tables([(1, 38.5, "none", "none")], [(1, "tocilizumab", None)], pid="a")
    b, _ = _tables([(2, 37.0, "vasopressor", "none")], [], pid="b")
    daily = grade_crs(pd.concat([a, b]), meds)
    assert daily.set_index("patient_id")["grade"].to_dict() == {"a": 1, "b": 0}


def test_bad_category_names_row_and_patient():
    crs, _ = _tables([(1, 38.5, "pressors", "none")], [])
    with pytest.raises(DataError, match=r"hypotension.*patient p1.*'pressors'"):
        grade_crs(crs)


def test_missing_column_is_named():
    crs, _ = _tables([(1, 38.5, "none", "none")], [])
    with pytest.raises(DataError, match="oxygen"):
        grade_crs(crs.drop(columns="oxygen"))


def _cohort():
    rows = {
        "a": [
            (0, 37, "none", "none"),
            (1, 38.5, "none", "none"),
            (2, 39.1, "fluids", "low_flow"),
            (3, 37.0, "vasopressor", "none"),
            (4, 36.8, "none", "none"),
            (8, 38.2, "none", "none"),
        ],
        "b": [(1, 37.0, "none", "none"), (2, 37.1, "none", "none")],
        "c": [(1, NAN, None, None)],
    }
    crs = pd.concat([_tables(r, [], pid=p)[0] for p, r in rows.items()], ignore_index=True)
    meds = pd.DataFrame(
        {"patient_id": ["a", "a"], "day": [2.0, 30.0], "drug": ["tocilizumab", "corticosteroid"]}
    )
    return crs, meds


def test_summary_per_patient():
    crs, meds = _cohort()
    s = summarize_crs(grade_crs(crs, meds), meds)
    t = s.table.set_index("patient_id")
    assert int(t.loc["a", "max_grade"]) == 3
    assert t.loc["a", "onset_day"] == 1.0
    # episode 1: days 1-3 (3 days), episode 2: day 8 (1 day)
    assert t.loc["a", "duration_days"] == 4.0
    assert t.loc["a", "n_episodes"] == 2
    assert bool(t.loc["a", "tocilizumab"]) and bool(t.loc["a", "corticosteroid"])
    assert int(t.loc["b", "max_grade"]) == 0
    assert math.isnan(t.loc["b", "onset_day"]) and t.loc["b", "duration_days"] == 0.0
    assert not bool(t.loc["b", "tocilizumab"])
    assert s.excluded.to_dict("records") == [
        {"patient_id": "c", "reason": "no CRS assessment could be graded (every component missing)"}
    ]


def test_drug_flags_respect_the_window():
    crs, meds = _cohort()
    s = summarize_crs(grade_crs(crs, meds), meds, window=(0, 28))
    assert not bool(s.table.set_index("patient_id").loc["a", "corticosteroid"])


def test_derive_crs_uses_recorded_grades_and_reports_disagreement():
    crs, meds = _cohort()
    ae = pd.DataFrame(
        {
            "patient_id": ["a", "d"],
            "term": ["crs", "CRS"],
            "grade": [2, 1],
            "onset_day": [1, 3],
            "end_day": [4, 5],
        }
    )
    patients = pd.DataFrame({"patient_id": ["a", "b", "c", "d", "e"]})
    r = derive_crs(crs, meds, adverse_events=ae, patients=patients)
    t = r.table.set_index("patient_id")
    assert t.loc["a", "grade"] == 2 and t.loc["a", "source"] == "recorded"
    assert t.loc["a", "derived_grade"] == 3
    assert t.loc["a", "duration_days"] == 4.0  # recorded: day 1 to day 4
    assert t.loc["d", "grade"] == 1 and pd.isna(t.loc["d", "derived_grade"])
    # e has no daily data but the adverse_events table records CRS: absence means no CRS
    assert t.loc["e", "grade"] == 0 and t.loc["e", "source"] == "recorded"
    # c has no gradable day; the adverse events say no CRS, so it is graded 0, not excluded
    assert t.loc["c", "grade"] == 0
    f = r.findings.set_index("patient_id")
    assert list(f.index) == ["a"]
    assert f.loc["a", "recorded_grade"] == 2 and f.loc["a", "derived_grade"] == 3
    assert "using recorded" in f.loc["a", "message"]
    # the findings of every derivation start with the same three columns
    assert list(r.findings.columns) == [
        "patient_id",
        "check",
        "message",
        "term",
        "recorded_grade",
        "derived_grade",
    ]
    assert f.loc["a", "check"] == "recorded_vs_derived_grade" and f.loc["a", "term"] == "crs"


def test_derive_crs_prefer_derived():
    crs, meds = _cohort()
    ae = pd.DataFrame({"patient_id": ["a"], "term": ["crs"], "grade": [2], "onset_day": [1]})
    r = derive_crs(crs, meds, adverse_events=ae, prefer="derived")
    t = r.table.set_index("patient_id")
    assert t.loc["a", "grade"] == 3 and t.loc["a", "source"] == "derived"
    assert "using derived" in r.findings.loc[0, "message"]


def test_derive_crs_without_recorded_excludes_ungradable_patients():
    crs, meds = _cohort()
    patients = pd.DataFrame({"patient_id": ["a", "b", "c", "z"]})
    r = derive_crs(crs, meds, patients=patients)
    assert r.table["patient_id"].tolist() == ["a", "b"]
    reasons = dict(r.excluded.itertuples(index=False))
    assert set(reasons) == {"c", "z"}
    assert "every component missing" in reasons["c"]
    assert reasons["z"] == "no CRS assessments and no recorded CRS grade"
    assert len(r.findings) == 0
    assert list(r.findings.columns)[:3] == ["patient_id", "check", "message"]


def test_derive_crs_needs_a_source():
    with pytest.raises(DataError, match="no CRS data"):
        derive_crs(
            None,
            adverse_events=pd.DataFrame(
                {"patient_id": ["a"], "term": ["icans"], "grade": [1], "onset_day": [2]}
            ),
        )


def test_recorded_grade_must_be_0_to_5():
    crs, meds = _cohort()
    ae = pd.DataFrame({"patient_id": ["a"], "term": ["crs"], "grade": [7], "onset_day": [1]})
    with pytest.raises(DataError, match="grade 7"):
        derive_crs(crs, meds, adverse_events=ae)


def test_grades_do_not_depend_on_row_order():
    crs, meds = _cohort()
    a = grade_crs(crs, meds)
    b = grade_crs(crs.sample(frac=1.0, random_state=np.random.default_rng(1).integers(1e6)), meds)
    pd.testing.assert_frame_equal(a, b)
