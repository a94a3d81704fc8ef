"""CTCAE v5.0 lab grades at every boundary, nadir ANC, grade 4 neutropenia, febrile neutropenia.

Source of every expected grade: Common Terminology Criteria for Adverse Events (CTCAE)
v5.0, NCI, 27 November 2017: "Neutrophil count decreased" (G1 <LLN-1500/mm3, <LLN-1.5
x10^9/L; G2 <1.5-1.0; G3 <1.0-0.5; G4 <0.5), "Platelet count decreased" (G1 <LLN-75.0
x10^9/L; G2 <75.0-50.0; G3 <50.0-25.0; G4 <25.0), "Anemia" (G1 Hgb <LLN-10.0 g/dL; G2
<10.0-8.0; G3 <8.0; G4 life-threatening consequences, not a lab value) and "Febrile
neutropenia" (ANC <1000/mm3 with a single temperature >38.3 °C or a sustained temperature
>=38 °C for more than one hour). "<a-b" reads: below a and at least b, so each boundary value
belongs to the milder grade.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.derive.ctcae import (
    compute_ctcae_grade,
    derive_febrile_neutropenia,
    derive_neutropenia,
    grade_labs,
)
from cartkit.errors import DataError

# test, value, expected grade, criterion (default LLN: ANC 2.0, PLT 150, HGB 12.0)
BOUNDARIES = [
    ("ANC", 2.5, 0, "above the LLN: no grade"),
    ("ANC", 2.0, 0, "exactly the LLN is not <LLN: grade 0"),
    ("ANC", 1.99, 1, "G1 <LLN-1.5"),
    ("ANC", 1.5, 1, "exactly 1.5 belongs to G1 (<LLN-1.5)"),
    ("ANC", 1.49, 2, "G2 <1.5-1.0"),
    ("ANC", 1.0, 2, "exactly 1.0 belongs to G2 (<1.5-1.0)"),
    ("ANC", 0.99, 3, "G3 <1.0-0.5"),
    ("ANC", 0.5, 3, "exactly 0.5 belongs to G3 (<1.0-0.5)"),
    ("ANC", 0.49, 4, "G4 <0.5"),
    ("ANC", 0.0, 4, "G4 <0.5 (zero)"),
    ("PLT", 150.0, 0, "exactly the LLN: grade 0"),
    ("PLT", 149.0, 1, "G1 <LLN-75.0"),
    ("PLT", 75.0, 1, "exactly 75.0 belongs to G1"),
    ("PLT", 74.9, 2, "G2 <75.0-50.0"),
    ("PLT", 50.0, 2, "exactly 50.0 belongs to G2"),
    ("PLT", 49.9, 3, "G3 <50.0-25.0"),
    ("PLT", 25.0, 3, "exactly 25.0 belongs to G3"),
    ("PLT", 24.9, 4, "G4 <25.0"),
    ("HGB", 12.0, 0, "exactly the LLN: grade 0"),
    ("HGB", 11.9, 1, "G1 <LLN-10.0"),
    ("HGB", 10.0, 1, "exactly 10.0 belongs to G1"),
    ("HGB", 9.9, 2, "G2 <10.0-8.0"),
    ("HGB", 8.0, 2, "exactly 8.0 belongs to G2"),
    ("HGB", 7.9, 3, "G3 <8.0"),
    ("HGB", 3.0, 3, "G3 <8.0: grade 4 is clinical (life-threatening), never from the value"),
]


@pytest.mark.parametrize(
    ("test", "value", "expected", "criterion"),
    BOUNDARIES,
    ids=[f"{b[0]}={b[1]}" for b in BOUNDARIES],
)
def test_ctcae_boundary(test, value, expected, criterion):
    assert compute_ctcae_grade([value], test)[0] == expected, criterion


def test_lln_parameter():
    np.testing.assert_array_equal(compute_ctcae_grade([1.8, 1.79], "ANC", lln=1.8), [0, 1])
    np.testing.assert_array_equal(compute_ctcae_grade([139, 140], "PLT", lln=140), [1, 0])


def test_lln_below_grade2_boundary_is_rejected():
    with pytest.raises(DataError, match="LLN for ANC"):
        compute_ctcae_grade([1.0], "ANC", lln=1.2)


def test_unknown_test_rejected():
    with pytest.raises(DataError, match="ALT"):
        compute_ctcae_grade([1.0], "ALT")


def test_missing_value_stays_missing():
    assert math.isnan(compute_ctcae_grade([np.nan], "PLT")[0])


def _labs():
    rows = [
        ("a", -3, "ANC", 2.1),
        ("a", 5, "ANC", 0.9),
        ("a", 8, "ANC", 0.3),
        ("a", 12, "ANC", 0.3),
        ("a", 30, "ANC", 0.1),  # after day 28: outside the window
        ("a", 8, "PLT", 40.0),
        ("a", 8, "HGB", 7.5),
        ("a", 8, "CRP", 90.0),
        ("b", 7, "ANC", 1.45),
        ("b", 7, "HGB", 11.5),
        ("b", 14, "ANC", 0.5),
        ("c", 40, "ANC", 0.2),
    ]
    return pd.DataFrame(rows, columns=["patient_id", "day", "test", "value"])


def test_grade_labs_long_table():
    g = grade_labs(_labs())
    assert set(g["test"]) == {"ANC", "PLT", "HGB"}  # CRP has no CTCAE lab grade here
    by = g.set_index(["patient_id", "test", "day"])["grade"]
    assert by[("a", "PLT", 8)] == 3
    assert by[("a", "HGB", 8)] == 3
    assert by[("b", "ANC", 7)] == 2
    assert g.loc[g["test"] == "PLT", "term"].iloc[0] == "platelet count decreased"
    assert by[("b", "HGB", 7)] == 1  # below the default LLN 12.0
    custom = grade_labs(_labs(), lln={"hgb": 11.0}).set_index(["patient_id", "test", "day"])
    assert custom.loc[("b", "HGB", 7), "grade"] == 0  # a pediatric LLN of 11.0


def test_nadir_and_grade4_within_28_days():
    patients = pd.DataFrame({"patient_id": ["a", "b", "c", "d"]})
    r = derive_neutropenia(_labs(), patients=patients)
    t = r.table.set_index("patient_id")
    assert t.loc["a", "nadir_anc"] == 0.3 and t.loc["a", "nadir_day"] == 8.0  # first day of nadir
    assert t.loc["a", "worst_grade"] == 4 and bool(t.loc["a", "grade4"])
    assert t.loc["a", "n_values"] == 3  # days 5, 8, 12
    assert t.loc["b", "nadir_anc"] == 0.5 and t.loc["b", "worst_grade"] == 3
    assert not bool(t.loc["b", "grade4"])  # ANC exactly 0.5 is grade 3, not 4
    assert dict(r.excluded.itertuples(index=False)) == {
        "c": "no ANC value between day 0 and day 28",
        "d": "no ANC value between day 0 and day 28",
    }


def test_window_parameter():
    r = derive_neutropenia(_labs(), window=(0, 42))
    t = r.table.set_index("patient_id")
    assert t.loc["a", "nadir_anc"] == 0.1 and t.loc["a", "nadir_day"] == 30.0
    assert t.loc["c", "worst_grade"] == 4


def _fn_data():
    labs = pd.DataFrame(
        [
            ("a", 3, "ANC", 0.8),
            ("a", 4, "ANC", 0.8),
            ("a", 5, "ANC", 1.0),
            ("a", 6, "ANC", 0.2),
            ("b", 3, "ANC", 0.4),
            ("c", 3, "ANC", 0.4),
        ],
        columns=["patient_id", "day", "test", "value"],
    )
    crs = pd.DataFrame(
        [
            ("a", 3, 38.3),  # exactly 38.3 is not > 38.3
            ("a", 4, 38.4),  # ANC 0.8 < 1.0 and 38.4 > 38.3: febrile neutropenia
            ("a", 5, 39.0),  # ANC exactly 1.0 is not < 1.0
            ("a", 6, 38.9),
            ("b", 3, 38.1),  # sustained 38.0-38.3 cannot be seen in daily maxima
            ("d", 3, 39.0),  # no ANC that day
        ],
        columns=["patient_id", "day", "temp_max_c"],
    )
    return labs, crs


def test_febrile_neutropenia_rule():
    labs, crs = _fn_data()
    r = derive_febrile_neutropenia(labs, crs)
    t = r.table.set_index("patient_id")
    assert bool(t.loc["a", "febrile_neutropenia"])
    assert t.loc["a", "first_day"] == 4.0 and t.loc["a", "n_days"] == 2
    assert not bool(t.loc["b", "febrile_neutropenia"]) and math.isnan(t.loc["b", "first_day"])
    assert r.detail["day"].tolist() == [4.0, 6.0]
    assert set(r.excluded["patient_id"]) == {"c", "d"}


def test_febrile_neutropenia_thresholds_are_parameters():
    labs, crs = _fn_data()
    r = derive_febrile_neutropenia(labs, crs, temp_above=38.0)
    assert bool(r.table.set_index("patient_id").loc["b", "febrile_neutropenia"])


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["ANC", "PLT", "HGB"]),
    st.floats(0, 400, allow_nan=False),
    st.floats(0, 400, allow_nan=False),
)
def test_lower_value_never_lower_grade(test, a, b):
    lo, hi = sorted([a, b])
    g = compute_ctcae_grade([lo, hi], test)
    assert g[0] >= g[1]
    assert 0 <= g[0] <= (3 if test == "HGB" else 4)
